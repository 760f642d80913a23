package templates_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// encoded returns a w×h red picture encoded by enc.
func encoded(t *testing.T, w, h int, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		if i%4 == 0 || i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }

func TestDecodeWatermarkImage(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	p := encoded(t, 40, 20, pngOf)
	data, ext, err := templates.DecodeWatermarkImage(b64(p))
	if err != nil || ext != "png" || !bytes.Equal(data, p) {
		t.Fatalf("png: %s %d bytes %v", ext, len(data), err)
	}
	j := encoded(t, 16, 16, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	if _, ext, err := templates.DecodeWatermarkImage(b64(j)); err != nil || ext != "jpg" {
		t.Errorf("jpeg: %s %v", ext, err)
	}
	g := encoded(t, 8, 8, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) })
	huge := encoded(t, 4097, 1, pngOf)
	many := encoded(t, 2049, 2048, pngOf)
	const code = "InvalidParameterValue.ImageContent"
	for _, c := range []struct{ name, content, want string }{
		{"empty", "", "required"},
		{"not base64", "%%%", "base64"},
		{"text", b64([]byte("hello, world")), "PNG or JPEG"},
		{"gif", b64(g), "PNG or JPEG"},
		{"truncated png", b64(p[:len(p)-20]), "damaged"},
		{"too wide", b64(huge), "4097×1"},
		{"too many pixels", b64(many), "2049×2048"},
		{"over 2 MiB", strings.Repeat("A", base64.StdEncoding.EncodedLen(templates.MaxWatermarkImageBytes)+4), "larger than"},
	} {
		_, _, err := templates.DecodeWatermarkImage(c.content)
		wantCode(t, c.name, err, code, c.want)
	}
}

func TestCheckWatermark(t *testing.T) {
	image := func() *templates.Watermark {
		w := &templates.Watermark{Type: "image", ImageTemplate: &templates.ImageWatermarkTemplate{}}
		w.SetImageKey("1/ab/f0.png")
		return w
	}
	text := func() *templates.Watermark {
		return &templates.Watermark{Type: "text", TextTemplate: &templates.TextWatermarkTemplate{FontSize: "16px"}}
	}
	w := image()
	if err := templates.CheckWatermark(w); err != nil {
		t.Fatal(err)
	}
	if w.CoordinateOrigin != "TopLeft" || w.XPos != "0px" || w.YPos != "0px" || *w.ImageTemplate != (templates.ImageWatermarkTemplate{Width: "10%", Height: "0px", RepeatType: "repeat"}) {
		t.Errorf("image defaults: %+v %+v", w, w.ImageTemplate)
	}
	w = text()
	w.TextTemplate.FontColor = "0xff00aa"
	if err := templates.CheckWatermark(w); err != nil {
		t.Fatal(err)
	}
	if *w.TextTemplate != (templates.TextWatermarkTemplate{FontType: "arial.ttf", FontSize: "16px", FontColor: "0xFF00AA", FontAlpha: 1}) {
		t.Errorf("text defaults: %+v", w.TextTemplate)
	}
	const ipv = "InvalidParameterValue."
	for _, c := range []struct {
		name        string
		w           *templates.Watermark
		change      func(*templates.Watermark)
		code, field string
	}{
		{"svg", image(), func(w *templates.Watermark) { w.Type = "svg" }, "UnsupportedOperation", "SVG"},
		{"no type", image(), func(w *templates.Watermark) { w.Type = "" }, ipv + "Type", "Type"},
		{"origin", image(), func(w *templates.Watermark) { w.CoordinateOrigin = "Middle" }, ipv + "CoordinateOrigin", "CoordinateOrigin"},
		{"xpos unit", image(), func(w *templates.Watermark) { w.XPos = "10" }, ipv + "XPos", "XPos"},
		{"ypos over 100%", image(), func(w *templates.Watermark) { w.YPos = "101%" }, ipv + "YPos", "YPos"},
		{"no image template", image(), func(w *templates.Watermark) { w.ImageTemplate = nil }, ipv + "ImageTemplate", "ImageTemplate"},
		{"width 0", image(), func(w *templates.Watermark) { w.ImageTemplate.Width = "0px" }, ipv + "Width", "ImageTemplate.Width"},
		{"width 7px", image(), func(w *templates.Watermark) { w.ImageTemplate.Width = "7px" }, ipv + "Width", "ImageTemplate.Width"},
		{"height 5000px", image(), func(w *templates.Watermark) { w.ImageTemplate.Height = "5000px" }, ipv + "Height", "ImageTemplate.Height"},
		{"repeat", image(), func(w *templates.Watermark) { w.ImageTemplate.RepeatType = "loop" }, ipv + "RepeatType", "RepeatType"},
		{"transparency", image(), func(w *templates.Watermark) { w.ImageTemplate.Transparency = 101 }, ipv + "Transparency", "Transparency"},
		{"no text template", text(), func(w *templates.Watermark) { w.TextTemplate = nil }, ipv + "TextTemplate", "TextTemplate"},
		{"font", text(), func(w *templates.Watermark) { w.TextTemplate.FontType = "comic.ttf" }, ipv + "FontType", "FontType"},
		{"font size", text(), func(w *templates.Watermark) { w.TextTemplate.FontSize = "16" }, ipv + "FontSize", "FontSize"},
		{"font color", text(), func(w *templates.Watermark) { w.TextTemplate.FontColor = "red" }, ipv + "FontColor", "FontColor"},
		{"font alpha", text(), func(w *templates.Watermark) { w.TextTemplate.FontAlpha = 1.5 }, ipv + "FontAlpha", "FontAlpha"},
		{"name", text(), func(w *templates.Watermark) { w.Name = strings.Repeat("n", 65) }, ipv + "Name", "Name"},
	} {
		c.change(c.w)
		wantCode(t, c.name, templates.CheckWatermark(c.w), c.code, c.field)
	}
}

// createWatermark stores a checked watermark template of app.
func createWatermark(t *testing.T, st store.Store, app int64, w *templates.Watermark) *templates.Watermark {
	t.Helper()
	if err := templates.CheckWatermark(w); err != nil {
		t.Fatal(err)
	}
	w, err := templates.Create(t.Context(), st, app, w, now)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestResolveWatermarks(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		app, other := apps(t, st)
		img := &templates.Watermark{Type: "image", CoordinateOrigin: "BottomRight", XPos: "5%", ImageTemplate: &templates.ImageWatermarkTemplate{Width: "20%"}}
		img.SetImageKey("1/ab/f0.png")
		img = createWatermark(t, st, app, img)
		txt := createWatermark(t, st, app, &templates.Watermark{Type: "text", TextTemplate: &templates.TextWatermarkTemplate{FontSize: "24px"}})
		var theirs *templates.Watermark
		for range 3 { // the third has a Definition the app has none of
			theirs = createWatermark(t, st, other, &templates.Watermark{Type: "text", TextTemplate: &templates.TextWatermarkTemplate{FontSize: "24px"}})
		}

		got, err := templates.Get[templates.Watermark](ctx, st, app, img.Definition)
		if err != nil || got.ImageKey() != "1/ab/f0.png" || got.ImageTemplate.Width != "20%" || got.CoordinateOrigin != "BottomRight" {
			t.Fatalf("get: %+v %v", got, err)
		}
		set := []vodevent.WatermarkInput{
			{Definition: img.Definition, StartTimeOffset: 1, EndTimeOffset: -1},
			{Definition: txt.Definition, TextContent: "openvod ©"},
		}
		in := &vodevent.MediaProcessTaskInput{
			TranscodeTaskSet:                []vodevent.TranscodeTaskInput{{Definition: 100010}, {Definition: 100010, WatermarkSet: set}},
			AdaptiveDynamicStreamingTaskSet: []vodevent.AdaptiveDynamicStreamingTaskInput{{Definition: 10, WatermarkSet: set[1:]}},
			SnapshotByTimeOffsetTaskSet:     []vodevent.SnapshotByTimeOffsetTaskInput{{Definition: 10, ExtTimeOffsetSet: []string{"1s"}, WatermarkSet: set[:1]}},
			SampleSnapshotTaskSet:           []vodevent.SampleSnapshotTaskInput{{Definition: 10, WatermarkSet: set}},
			CoverBySnapshotTaskSet:          []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: "Time", WatermarkSet: set[:1]}},
		}
		r, err := templates.Resolve(ctx, st, app, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Watermarks) != 5 || r.MarksOf("TranscodeTaskSet", 0) != nil || len(r.MarksOf("SampleSnapshotTaskSet", 0)) != 2 {
			t.Errorf("watermarks of %d sub-tasks: %v", len(r.Watermarks), r.Watermarks)
		}
		m := r.MarksOf("TranscodeTaskSet", 1)
		if len(m) != 2 || m[0].ImageKey != "1/ab/f0.png" || m[0].Template.Definition != img.Definition || m[0].StartTimeOffset != 1 || m[0].EndTimeOffset != -1 ||
			m[1].TextContent != "openvod ©" || m[1].Template.TextTemplate.FontSize != "24px" {
			t.Errorf("transcode marks: %+v %+v", m[0], m[1])
		}
		if a := r.MarksOf("AdaptiveDynamicStreamingTaskSet", 0); len(a) != 1 || a[0].Template.Type != "text" {
			t.Errorf("adaptive marks: %v", a)
		}
		if c := r.MarksOf("CoverBySnapshotTaskSet", 0); len(c) != 1 || c[0].ImageKey == "" {
			t.Errorf("cover marks: %v", c)
		}

		const f = "MediaProcessTask.TranscodeTaskSet[0].WatermarkSet"
		for _, c := range []struct {
			name        string
			set         []vodevent.WatermarkInput
			code, field string
		}{
			{"eleven", make([]vodevent.WatermarkInput, 11), "InvalidParameterValue", f + ": 11"},
			{"another app's", []vodevent.WatermarkInput{{Definition: theirs.Definition, TextContent: "x"}}, "InvalidParameterValue", f + "[0].Definition"},
			{"a transcode template", []vodevent.WatermarkInput{{Definition: 100010}}, "InvalidParameterValue", f + "[0].Definition"},
			{"svg", []vodevent.WatermarkInput{{Definition: img.Definition, SvgContent: "<svg/>"}}, "UnsupportedOperation", f + "[0].SvgContent"},
			{"no text", []vodevent.WatermarkInput{{Definition: txt.Definition}}, "InvalidParameterValue", f + "[0].TextContent"},
			{"long text", []vodevent.WatermarkInput{{Definition: txt.Definition, TextContent: strings.Repeat("字", 101)}}, "InvalidParameterValue", "101 characters"},
			{"text on an image", []vodevent.WatermarkInput{{Definition: img.Definition, TextContent: "x"}}, "InvalidParameterValue", f + "[0].TextContent"},
			{"window", []vodevent.WatermarkInput{{Definition: img.Definition, StartTimeOffset: 5, EndTimeOffset: 2}}, "InvalidParameterValue", f + "[0].EndTimeOffset"},
		} {
			_, err := templates.Resolve(ctx, st, app, &vodevent.MediaProcessTaskInput{TranscodeTaskSet: []vodevent.TranscodeTaskInput{{Definition: 100010, WatermarkSet: c.set}}})
			wantCode(t, c.name, err, c.code, c.field)
		}
	})
}
