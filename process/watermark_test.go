package process

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openvod/openvod/templates"
)

// blackSource generates a black w×h source of seconds at 25 fps, with
// a keyframe every second, and AAC audio.
func blackSource(t *testing.T, w, h int64, seconds float64) *Source {
	t.Helper()
	imgRequireFFmpeg(t)
	if _, err := os.Stat(FontFile); err != nil {
		t.Fatalf("the text watermark font is missing (Debian: apt-get install fonts-dejavu-core): %v", err)
	}
	path := filepath.Join(t.TempDir(), "black.mp4")
	imgRun(t, "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", fmt.Sprintf("color=black:size=%dx%d:rate=25", w, h),
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", fsecs(seconds),
		"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
		"-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", path)
	return &Source{Path: path, Duration: seconds, Width: w, Height: h, Fps: 25, HasVideo: true, HasAudio: true}
}

// solidImage writes a w×h PNG of colour c and returns its path.
func solidImage(t *testing.T, w, h int, c color.Color) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	path := filepath.Join(t.TempDir(), "mark.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// decodePNG reads a PNG picture.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// rgb returns a pixel's 8-bit colour.
func rgb(img image.Image, x, y int) (r, g, b int) {
	R, G, B, _ := img.At(x, y).RGBA()
	return int(R >> 8), int(G >> 8), int(B >> 8)
}

// checkPixels fails t unless every pixel of img inside box is like in
// and every pixel outside grown (box and a margin for chroma edges) is
// like out.
func checkPixels(t *testing.T, what string, img image.Image, box image.Rectangle, in, out func(r, g, b int) bool) {
	t.Helper()
	inner, grown := box.Inset(2), box.Inset(-2)
	bad := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			p := image.Pt(x, y)
			r, g, b := rgb(img, x, y)
			switch {
			case p.In(inner) && !in(r, g, b), !p.In(grown) && !out(r, g, b):
				if bad++; bad <= 3 {
					t.Errorf("%s: pixel (%d,%d) is (%d,%d,%d), the mark is at %v", what, x, y, r, g, b, box)
				}
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d pixels wrong in all", what, bad)
	}
}

func isBlack(r, g, b int) bool { return r < 24 && g < 24 && b < 24 }
func isRed(r, g, b int) bool   { return r > 220 && g < 40 && b < 40 }

// snapshot takes one PNG snapshot of src at second at with marks.
func snapshot(t *testing.T, src *Source, at float64, marks ...Watermark) image.Image {
	t.Helper()
	imgs, err := Snapshots(t.Context(), src, ImageFormat{Format: "png", Watermarks: marks}, []float64{at}, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return decodePNG(t, imgs[0].File)
}

func TestSnapshotWatermarks(t *testing.T) {
	t.Parallel()
	src := blackSource(t, 320, 240, 3)
	red := solidImage(t, 20, 10, color.RGBA{255, 0, 0, 255})
	px := func(v float64) Length { return Length{Value: v} }
	pct := func(v float64) Length { return Length{Value: v, Percent: true} }

	// 20% of 320 is 64 wide, 32 high at the image's 2:1.
	img := snapshot(t, src, 1, Watermark{X: px(10), Y: px(10), Image: red, Width: pct(20), Opacity: 1})
	checkPixels(t, "TopLeft 10px/10px 20%", img, image.Rect(10, 10, 74, 42), isRed, isBlack)

	img = snapshot(t, src, 1, Watermark{Origin: "BottomRight", X: pct(10), Y: px(0), Image: red, Width: px(40), Height: px(40), Opacity: 1})
	checkPixels(t, "BottomRight 10%/0px 40px×40px", img, image.Rect(320-32-40, 240-40, 320-32, 240), isRed, isBlack)

	half := func(r, g, b int) bool { return r > 100 && r < 160 && g < 30 && b < 30 }
	img = snapshot(t, src, 1, Watermark{Origin: "Center", Image: red, Width: px(40), Opacity: 0.5})
	checkPixels(t, "Center, half transparent", img, image.Rect(140, 110, 180, 130), half, isBlack)

	// A text mark changes pixels in its box only, in its colour.
	text := Watermark{X: px(20), Y: px(30), Text: "openvod: 50% 'a,b' [x];\\n %{pts}", FontSize: 20, FontColor: "0x00FF00", Opacity: 1}
	img = snapshot(t, src, 1, text)
	green, box := 0, image.Rect(16, 26, 320, 60)
	for y := range 240 {
		for x := range 320 {
			r, g, b := rgb(img, x, y)
			switch {
			case !image.Pt(x, y).In(box) && !isBlack(r, g, b):
				t.Fatalf("text: pixel (%d,%d) outside the text's box %v is (%d,%d,%d)", x, y, box, r, g, b)
			case g > 200 && r < 60 && b < 60:
				green++
			}
		}
	}
	if green < 200 {
		t.Errorf("text: %d green pixels, want the glyphs of 33 characters at 20px", green)
	}

	// The window: seconds 1 to 2 of the source.
	window := Watermark{X: px(10), Y: px(10), Image: red, Width: pct(20), Opacity: 1, Start: 1, End: 2}
	for _, c := range []struct {
		at     float64
		marked bool
	}{{0.5, false}, {1.5, true}, {2.5, false}} {
		img := snapshot(t, src, c.at, window)
		if r, g, b := rgb(img, 40, 25); isRed(r, g, b) != c.marked {
			t.Errorf("window 1s..2s, snapshot at %gs: pixel (40,25) is (%d,%d,%d)", c.at, r, g, b)
		}
	}
	last := window
	last.Start, last.End = -1, 0 // the last second
	if r, g, b := rgb(snapshot(t, src, 2.5, last), 40, 25); !isRed(r, g, b) {
		t.Errorf("window of the last second, snapshot at 2.5s: (%d,%d,%d)", r, g, b)
	}

	if _, err := Snapshots(t.Context(), src, ImageFormat{Watermarks: []Watermark{{Image: strings.TrimSuffix(red, ".png") + ".gif", Width: px(10)}}}, []float64{1}, t.TempDir(), Options{}); err == nil {
		t.Error("a watermark image that is not .png or .jpg was taken")
	}
}

// frameAt decodes the picture of the video at path at second at to PNG.
func frameAt(t *testing.T, path string, at float64) image.Image {
	t.Helper()
	out := filepath.Join(t.TempDir(), "frame.png")
	imgRun(t, "ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", fsecs(at), "-i", path, "-frames:v", "1", out)
	return decodePNG(t, out)
}

// isReddish is red through a lossy encode.
func isReddish(r, g, b int) bool { return r > 180 && g < 70 && b < 70 }

func TestTranscodeWatermarks(t *testing.T) {
	t.Parallel()
	src := blackSource(t, 320, 240, 3)
	red := solidImage(t, 20, 10, color.RGBA{255, 0, 0, 255})
	mark := Watermark{X: Length{Value: 10}, Y: Length{Value: 10}, Image: red, Width: Length{20, true}, Opacity: 1, Start: 1, End: 2}
	text := Watermark{Origin: "BottomLeft", X: Length{Value: 5}, Y: Length{Value: 5}, Text: "wm", FontSize: 30, FontColor: "0xFFFFFF", Opacity: 1}
	tpl := func(def, w, h int64) *templates.Transcode {
		return &templates.Transcode{Definition: def, Container: "mp4", VideoTemplate: vtVideo("libx264", w, h, 25, 0), AudioTemplate: vtAudio("libfdk_aac", 64, 44100, 2)}
	}
	// Two jobs of one run with their own marks, and one without: one graph.
	jobs := []TranscodeJob{
		{Template: tpl(1, 320, 240), End: 3, Dir: t.TempDir(), Watermarks: []Watermark{mark, text}},
		{Template: tpl(2, 160, 120), End: 3, Dir: t.TempDir(), Watermarks: []Watermark{mark}},
		{Template: tpl(3, 160, 120), End: 3, Dir: t.TempDir()},
	}
	outs, err := Transcode(t.Context(), src, jobs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	main := func(i int) string { return filepath.Join(outs[i].Dir, outs[i].Main) }
	for _, c := range []struct {
		job    int
		at     float64
		marked bool
		box    image.Rectangle
	}{
		{0, 0.5, false, image.Rect(10, 10, 74, 42)}, {0, 1.5, true, image.Rect(10, 10, 74, 42)}, {0, 2.5, false, image.Rect(10, 10, 74, 42)},
		{1, 1.5, true, image.Rect(10, 10, 42, 26)}, // 20% of the 160-pixel rung
	} {
		img := frameAt(t, main(c.job), c.at)
		p := c.box.Min.Add(c.box.Size().Div(2))
		if r, g, b := rgb(img, p.X, p.Y); isReddish(r, g, b) != c.marked {
			t.Errorf("job %d at %gs: the mark's centre %v is (%d,%d,%d), marked %v", c.job, c.at, p, r, g, b, c.marked)
		}
		if c.marked {
			// Outside the image: black, or the grey to white of job 0's text.
			checkPixels(t, fmt.Sprintf("job %d at %gs", c.job, c.at), img, c.box, isReddish, func(r, g, b int) bool {
				return isBlack(r, g, b) || c.job == 0 && max(r, g, b)-min(r, g, b) < 24
			})
		}
	}
	// The text mark: white glyphs in the bottom-left corner, all the time.
	img := frameAt(t, main(0), 2.5)
	white := 0
	for y := 190; y < 240; y++ {
		for x := range 80 {
			if r, g, b := rgb(img, x, y); r > 200 && g > 200 && b > 200 {
				white++
			}
		}
	}
	if white < 50 {
		t.Errorf("the text mark of job 0: %d white pixels in the bottom-left corner", white)
	}
	if r, g, b := rgb(frameAt(t, main(2), 1.5), 26, 18); !isBlack(r, g, b) {
		t.Errorf("the job without marks has (%d,%d,%d) where the others have theirs", r, g, b)
	}
}

func TestAdaptiveWatermarks(t *testing.T) {
	t.Parallel()
	src := blackSource(t, 320, 240, 3)
	red := solidImage(t, 20, 20, color.RGBA{255, 0, 0, 255})
	tpl := &templates.AdaptiveDynamicStreaming{Format: "HLS", SegmentDuration: 3,
		StreamInfos: []templates.AdaptiveStreamTemplate{vtRung(320, 240, 25, 0), vtRung(160, 120, 25, 0)}}
	dir := t.TempDir()
	a, err := AdaptiveStreaming(t.Context(), src, tpl, dir, Options{},
		Watermark{Origin: "TopRight", X: Length{Value: 10, Percent: true}, Y: Length{Value: 10, Percent: true}, Image: red, Width: Length{25, true}, Opacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range a.Rungs {
		img := frameAt(t, filepath.Join(dir, r.Playlist), 1)
		w, h := int(r.Width), int(r.Height)
		box := image.Rect(w-w/10-w/4, h/10, w-w/10, h/10+w/4)
		checkPixels(t, fmt.Sprintf("rung %d (%dx%d)", i, w, h), img, box, isReddish, isBlack)
	}
}

func TestMarkOf(t *testing.T) {
	img := &templates.Watermark{Definition: 7, Type: "image", CoordinateOrigin: "Center", XPos: "5%", YPos: "3px",
		ImageTemplate: &templates.ImageWatermarkTemplate{Width: "20%", Height: "0px", Transparency: 25}}
	w, err := MarkOf(&templates.Mark{Template: img, ImageKey: "1/a/f0.png", StartTimeOffset: 1, EndTimeOffset: -2}, "/scratch/0.png")
	want := Watermark{Origin: "Center", X: Length{5, true}, Y: Length{3, false}, Image: "/scratch/0.png", Width: Length{20, true},
		Height: Length{}, Opacity: 0.75, Start: 1, End: -2}
	if err != nil || w != want {
		t.Errorf("image mark: %+v %v, want %+v", w, err, want)
	}
	if _, err := MarkOf(&templates.Mark{Template: img}, ""); err == nil {
		t.Error("an image mark without its image was taken")
	}
	txt := &templates.Watermark{Type: "text", XPos: "0px", YPos: "0px",
		TextTemplate: &templates.TextWatermarkTemplate{FontSize: "24px", FontColor: "0x00FF00", FontAlpha: 0.5}}
	w, err = MarkOf(&templates.Mark{Template: txt, TextContent: "hi"}, "")
	if err != nil || w.Text != "hi" || w.FontSize != 24 || w.FontColor != "0x00FF00" || w.Opacity != 0.5 || w.Image != "" {
		t.Errorf("text mark: %+v %v", w, err)
	}
	if a, b := (&Watermark{Start: -1}).window(10); a != 9 || !math.IsInf(b, 1) {
		t.Errorf("window of the last second of 10: %g..%g", a, b)
	}
	if a, b := (&Watermark{Start: 2, End: -3}).window(10); a != 2 || b != 7 {
		t.Errorf("window 2..-3 of 10: %g..%g", a, b)
	}
}
