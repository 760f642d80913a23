package process

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openvod/openvod/templates"
)

func TestAnimatedGraphic(t *testing.T) {
	src := imgSource(t, imgSpec{w: 320, h: 180, seconds: 8, gop: 90})
	ctx := context.Background()

	dir := t.TempDir()
	var last float64
	gif, err := AnimatedGraphic(ctx, src, &templates.AnimatedGraphics{Fps: 5, Width: 160}, 2, 5, dir, Options{Progress: func(f float64) { last = f }})
	if err != nil {
		t.Fatal(err)
	}
	if *gif != (Image{File: filepath.Join(dir, "animated.gif"), Time: 2, Width: 160, Height: 90}) || last != 1 {
		t.Errorf("gif: %+v, last progress %g", gif, last)
	}
	imgMagic(t, gif.File, "gif")
	if w, h := imgSize(t, gif.File); w != 160 || h != 90 {
		t.Errorf("gif is %dx%d, want 160x90", w, h)
	}
	out := imgRun(t, "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", gif.File)
	if n, err := strconv.Atoi(strings.TrimSpace(out)); err != nil || n < 14 || n > 16 {
		t.Errorf("gif: %q frames, want 15 (5 fps × 3 s)", out)
	}

	dir = t.TempDir()
	webp, err := AnimatedGraphic(ctx, src, &templates.AnimatedGraphics{Format: "webp", Fps: 10, Height: 90, Quality: 60}, 6.5, 20, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if *webp != (Image{File: filepath.Join(dir, "animated.webp"), Time: 6.5, Width: 160, Height: 90}) {
		t.Errorf("webp: %+v", webp)
	}
	imgMagic(t, webp.File, "webp")
	// The end is past the source's: 1.5 s are left.
	if w, h, n := imgWebPAnimation(t, webp.File); w != 160 || h != 90 || n < 14 || n > 16 {
		t.Errorf("webp: %dx%d, %d frames; want 160x90, 15 (10 fps × 1.5 s)", w, h, n)
	}
}

func TestAnimatedGraphicRefuses(t *testing.T) {
	audio := imgSource(t, imgSpec{seconds: 2, noVideo: true})
	src := &Source{Path: "/nonexistent.mp4", Duration: 10, Width: 320, Height: 180, HasVideo: true}
	for _, c := range []struct {
		src        *Source
		tpl        templates.AnimatedGraphics
		start, end float64
		code       string
	}{
		{audio, templates.AnimatedGraphics{Fps: 2}, 0, 1, "SourceFileError.NoVideoMedia"},
		{src, templates.AnimatedGraphics{Fps: 2}, 5, 5, "InvalidInput.InvalidTimeOffset"},
		{src, templates.AnimatedGraphics{Fps: 2}, 10, 12, "InvalidInput.InvalidTimeOffset"},
		{src, templates.AnimatedGraphics{Fps: 2}, -1, 2, "InvalidInput.InvalidTimeOffset"},
		{src, templates.AnimatedGraphics{Fps: 0}, 0, 2, "InvalidInput.ConfigurationUnsupported"},
		{src, templates.AnimatedGraphics{Fps: 2, Format: "apng"}, 0, 2, "InvalidInput.ConfigurationUnsupported"},
	} {
		_, err := AnimatedGraphic(context.Background(), c.src, &c.tpl, c.start, c.end, t.TempDir(), Options{})
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != c.code {
			t.Errorf("%+v %g..%g: got %v, want %s", c.tpl, c.start, c.end, err, c.code)
		}
	}
}
