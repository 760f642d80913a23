package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/openvod/openvod/templates"
)

// TestImageSpriteTilesAndCues checks the sheets (count, format, size) and
// every cue of a 23 s source at 2 s (the last interval is 1 s), and that
// the tiles show the frames at their intervals' starts, which are
// keyframes here.
func TestImageSpriteTilesAndCues(t *testing.T) {
	src := imgSource(t, imgSpec{w: 320, h: 180, seconds: 23, gop: 60})
	dir := t.TempDir()
	tpl := &templates.ImageSprite{Width: 64, Height: 36, SampleType: "Time", SampleInterval: 2, RowCount: 2, ColumnCount: 3, Format: "png"}
	var last float64
	sp, err := ImageSprite(context.Background(), src, tpl, dir, Options{Progress: func(f float64) { last = f }})
	if err != nil {
		t.Fatal(err)
	}
	if last != 1 {
		t.Errorf("last progress %g, want 1", last)
	}
	if len(sp.Sheets) != 2 || sp.TileWidth != 64 || sp.TileHeight != 36 || len(sp.Cues) != 12 {
		t.Fatalf("sprite: %d sheets, tile %dx%d, %d cues; want 2, 64x36, 12", len(sp.Sheets), sp.TileWidth, sp.TileHeight, len(sp.Cues))
	}
	for i, s := range sp.Sheets {
		if s != filepath.Join(dir, fmt.Sprintf("sprite-%d.png", i)) {
			t.Errorf("sheet %d is %s", i, s)
		}
		imgMagic(t, s, "png")
		if w, h := imgSize(t, s); w != 3*64 || h != 2*36 {
			t.Errorf("sheet %d is %dx%d, want 192x72", i, w, h)
		}
	}
	for k, c := range sp.Cues {
		i := k % 6
		want := Cue{Start: float64(2 * k), End: min(float64(2*k+2), 23), Sheet: k / 6, X: int64(i%3) * 64, Y: int64(i/3) * 36}
		if c != want {
			t.Errorf("cue %d is %+v, want %+v", k, c, want)
		}
	}
	scale, err := scaleFilter(64, 36, "")
	if err != nil {
		t.Fatal(err)
	}
	tiles := []int{0, 4, 7, 11}
	var ns []int
	for _, k := range tiles {
		ns = append(ns, 60*k, 60*k+15)
	}
	refs := imgFramesAt(t, src, ns, scale)
	ctx := context.Background()
	for _, k := range tiles {
		c := sp.Cues[k]
		tile := filepath.Join(t.TempDir(), "tile.png")
		imgRun(t, "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", sp.Sheets[c.Sheet], "-vf", fmt.Sprintf("crop=64:36:%d:%d", c.X, c.Y), tile)
		p, err := PSNR(ctx, tile, refs[60*k])
		if err != nil {
			t.Fatal(err)
		}
		if p < 45 {
			t.Errorf("tile %d: PSNR %.1f dB against the frame at %ds, want ≥ 45", k, p, 2*k)
		}
		if p, err := PSNR(ctx, tile, refs[60*k+15]); err != nil || p >= 45 {
			t.Errorf("tile %d: PSNR %.1f dB (%v) against the frame 0.5 s later: the comparison cannot tell frames apart", k, p, err)
		}
	}
}

// TestImageSpriteTilesAreTheKeyframesBefore checks the documented
// accuracy when keyframes (every 1.5 s) miss the interval's multiples
// (2 s): tile k is the last keyframe at or before 2k s.
func TestImageSpriteTilesAreTheKeyframesBefore(t *testing.T) {
	src := imgSource(t, imgSpec{w: 320, h: 180, seconds: 10, gop: 45})
	tpl := &templates.ImageSprite{Width: 64, Height: 36, SampleType: "Time", SampleInterval: 2, RowCount: 1, ColumnCount: 5, Format: "png"}
	sp, err := ImageSprite(context.Background(), src, tpl, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Sheets) != 1 || len(sp.Cues) != 5 {
		t.Fatalf("%d sheets, %d cues; want 1, 5", len(sp.Sheets), len(sp.Cues))
	}
	scale, err := scaleFilter(64, 36, "")
	if err != nil {
		t.Fatal(err)
	}
	keyframe := func(k int) int { return 60 * k / 45 * 45 }
	var ns []int
	for k := range 5 {
		ns = append(ns, keyframe(k), 60*k)
	}
	refs := imgFramesAt(t, src, ns, scale)
	for k, c := range sp.Cues {
		tile := filepath.Join(t.TempDir(), "tile.png")
		imgRun(t, "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", sp.Sheets[0], "-vf", fmt.Sprintf("crop=64:36:%d:%d", c.X, c.Y), tile)
		if p, err := PSNR(context.Background(), tile, refs[keyframe(k)]); err != nil || p < 45 {
			t.Errorf("tile %d: PSNR %.1f dB (%v) against the keyframe at %.1fs, want ≥ 45", k, p, err, float64(keyframe(k))/30)
		}
		if keyframe(k) != 60*k {
			if p, err := PSNR(context.Background(), tile, refs[60*k]); err != nil || p >= 45 {
				t.Errorf("tile %d: PSNR %.1f dB (%v) against the frame at %ds: the comparison cannot tell frames apart", k, p, err, 2*k)
			}
		}
	}
}

func TestImageSpritePercentFormats(t *testing.T) {
	src := imgSource(t, imgSpec{w: 320, h: 180, seconds: 10, gop: 30})
	for _, c := range []struct {
		tpl          templates.ImageSprite
		ext          string
		sheets, cues int
		w, h         int64
	}{
		// Preset 10's tile and grid.
		{templates.ImageSprite{Width: 142, Height: 80, SampleType: "Time", SampleInterval: 10, RowCount: 10, ColumnCount: 10, Format: "jpg"}, "jpg", 1, 1, 1420, 800},
		{templates.ImageSprite{Height: 90, SampleType: "Percent", SampleInterval: 25, RowCount: 1, ColumnCount: 4, Format: "webp", FillType: "stretch"}, "webp", 1, 4, 640, 90},
		{templates.ImageSprite{Width: 80, Height: 80, SampleType: "Percent", SampleInterval: 10, RowCount: 2, ColumnCount: 2}, "jpg", 3, 10, 160, 160},
	} {
		// A % in the directory is not a pattern of ffmpeg's.
		dir := filepath.Join(t.TempDir(), "50%d")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		sp, err := ImageSprite(context.Background(), src, &c.tpl, dir, Options{})
		if err != nil {
			t.Fatalf("%+v: %v", c.tpl, err)
		}
		if len(sp.Sheets) != c.sheets || len(sp.Cues) != c.cues || sp.Cues[len(sp.Cues)-1].End != 10 {
			t.Errorf("%+v: %d sheets, %d cues ending at %g; want %d, %d, 10", c.tpl, len(sp.Sheets), len(sp.Cues), sp.Cues[len(sp.Cues)-1].End, c.sheets, c.cues)
		}
		for i, s := range sp.Sheets {
			if s != filepath.Join(dir, fmt.Sprintf("sprite-%d.%s", i, c.ext)) {
				t.Errorf("sheet %d is %s", i, s)
			}
			imgMagic(t, s, c.ext)
			if w, h := imgSize(t, s); w != c.w || h != c.h {
				t.Errorf("%+v: sheet %dx%d, want %dx%d", c.tpl, w, h, c.w, c.h)
			}
		}
	}
}

func TestImageSpriteRefuses(t *testing.T) {
	audio := imgSource(t, imgSpec{seconds: 2, noVideo: true})
	src := &Source{Path: "/nonexistent.mp4", Duration: 10, Width: 320, Height: 180, HasVideo: true}
	ok := templates.ImageSprite{SampleType: "Time", SampleInterval: 1, RowCount: 1, ColumnCount: 1}
	for _, c := range []struct {
		src  *Source
		mod  func(*templates.ImageSprite)
		code string
	}{
		{audio, func(*templates.ImageSprite) {}, "SourceFileError.NoVideoMedia"},
		{src, func(t *templates.ImageSprite) { t.SampleType = "Frame" }, "InvalidInput.ConfigurationUnsupported"},
		{src, func(t *templates.ImageSprite) { t.SampleInterval = 0 }, "InvalidInput.ConfigurationUnsupported"},
		{src, func(t *templates.ImageSprite) { t.RowCount = 0 }, "InvalidInput.ConfigurationUnsupported"},
		{src, func(t *templates.ImageSprite) { t.Format = "gif" }, "InvalidInput.ConfigurationUnsupported"},
	} {
		tpl := ok
		c.mod(&tpl)
		_, err := ImageSprite(context.Background(), c.src, &tpl, t.TempDir(), Options{})
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != c.code {
			t.Errorf("%+v: got %v, want %s", tpl, err, c.code)
		}
	}
}

func TestWriteWebVTT(t *testing.T) {
	sp := &Sprite{Sheets: []string{"a", "b"}, TileWidth: 142, TileHeight: 80, Cues: []Cue{
		{Start: 0, End: 10, Sheet: 0, X: 0, Y: 0},
		{Start: 10, End: 20, Sheet: 0, X: 142, Y: 0},
		{Start: 20, End: 3725.5, Sheet: 1, X: 0, Y: 80},
	}}
	var b bytes.Buffer
	if err := WriteWebVTT(&b, sp, []string{"https://cdn/s-0.jpg", "https://cdn/s-1.jpg"}); err != nil {
		t.Fatal(err)
	}
	want := "WEBVTT\n\n" +
		"00:00:00.000 --> 00:00:10.000\nhttps://cdn/s-0.jpg#xywh=0,0,142,80\n\n" +
		"00:00:10.000 --> 00:00:20.000\nhttps://cdn/s-0.jpg#xywh=142,0,142,80\n\n" +
		"00:00:20.000 --> 01:02:05.500\nhttps://cdn/s-1.jpg#xywh=0,80,142,80\n"
	if b.String() != want {
		t.Errorf("WebVTT:\n%q\nwant\n%q", b.String(), want)
	}
	if err := WriteWebVTT(&b, sp, []string{"one"}); err == nil {
		t.Error("one URL for two sheets was accepted")
	}
}
