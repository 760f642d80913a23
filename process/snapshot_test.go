package process

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/openvod/openvod/ffmpeg"
)

// TestSnapshotsAreTheFramesAtTheirTimes compares each snapshot with the
// frame at its time from a full decode: the source's keyframes are 8 s
// apart and it has B-frames, so a seek alone would give another frame.
// More times than a batch make two ffmpeg runs.
func TestSnapshotsAreTheFramesAtTheirTimes(t *testing.T) {
	src := imgSource(t, imgSpec{w: 320, h: 180, seconds: 24, gop: 240})
	dir := t.TempDir()
	times := []float64{0, 3.3, 7.95, 12.01, 15.5, 1.7, 9.99, 16.2, 23.1, 20.04, 5.0, 24}
	var progress []float64
	images, err := Snapshots(context.Background(), src, ImageFormat{Format: "png"}, times, dir,
		Options{Progress: func(f float64) { progress = append(progress, f) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != len(times) {
		t.Fatalf("%d images for %d times", len(images), len(times))
	}
	if want := []float64{10.0 / 12, 1}; !slices.Equal(progress, want) {
		t.Errorf("progress %v, want %v (one report per run of %d)", progress, want, snapshotBatch)
	}
	frame := func(i int) int {
		// The first frame at or after the time; the end shows the last frame.
		if times[i] == 24 {
			return 719
		}
		return int(math.Ceil(times[i]*30 - 1e-9))
	}
	var ns []int
	for i := range times {
		ns = append(ns, frame(i), min(frame(i)+1, 719))
	}
	refs := imgFramesAt(t, src, ns, "null")
	ctx := context.Background()
	for i, im := range images {
		n := frame(i)
		if times[i] == 24 {
			if im.Time >= 24 || im.Time < 23.95 {
				t.Errorf("image %d: Time %g, want the last frame's (23.95..24)", i, im.Time)
			}
		} else if im.Time != times[i] {
			t.Errorf("image %d: Time %g, want %g", i, im.Time, times[i])
		}
		if im.File != filepath.Join(dir, fmt.Sprintf("snapshot-%d.png", i)) || im.Width != 320 || im.Height != 180 {
			t.Errorf("image %d: %+v", i, im)
		}
		imgMagic(t, im.File, "png")
		p, err := PSNR(ctx, im.File, refs[n])
		if err != nil {
			t.Fatal(err)
		}
		if p < 45 {
			t.Errorf("image %d at %gs: PSNR %.1f dB against frame %d, want ≥ 45", i, times[i], p, n)
		}
		// The check can fail: the next frame differs.
		if n < 719 {
			if p, err := PSNR(ctx, im.File, refs[n+1]); err != nil || p >= 45 {
				t.Errorf("image %d: PSNR %.1f dB (%v) against the next frame: the comparison cannot tell frames apart", i, p, err)
			}
		}
	}
}

func TestSnapshotsFormatsAndSizes(t *testing.T) {
	src := imgSource(t, imgSpec{w: 320, h: 180, seconds: 4, gop: 60})
	portrait := imgSource(t, imgSpec{w: 320, h: 180, seconds: 4, gop: 60, rotate: 90})
	for _, c := range []struct {
		src          *Source
		f            ImageFormat
		ext          string
		wantW, wantH int64
	}{
		{src, ImageFormat{}, "jpg", 320, 180},
		{src, ImageFormat{Format: "jpg", Width: 160, FillType: "stretch"}, "jpg", 160, 90},
		{src, ImageFormat{Format: "png", Width: 100, Height: 100}, "png", 100, 100},
		{src, ImageFormat{Format: "webp", Height: 120, FillType: "gauss"}, "webp", 212, 120},
		{src, ImageFormat{Format: "png", Width: 90, Height: 160, ResolutionAdaptive: "close", FillType: "white"}, "png", 90, 160},
		{portrait, ImageFormat{Format: "jpg"}, "jpg", 180, 320},
		{portrait, ImageFormat{Format: "png", Width: 160}, "png", 90, 160}, // open: Width is the long edge
	} {
		// A % in the directory is not a pattern of ffmpeg's.
		dir := filepath.Join(t.TempDir(), "50%d")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		images, err := Snapshots(context.Background(), c.src, c.f, []float64{1, 2.5}, dir, Options{})
		if err != nil {
			t.Fatalf("%+v: %v", c.f, err)
		}
		for i, im := range images {
			if filepath.Ext(im.File) != "."+c.ext || im.Width != c.wantW || im.Height != c.wantH {
				t.Errorf("%+v: image %d is %+v, want .%s %dx%d", c.f, i, im, c.ext, c.wantW, c.wantH)
			}
			imgMagic(t, im.File, c.ext)
			if w, h := imgSize(t, im.File); w != c.wantW || h != c.wantH {
				t.Errorf("%+v: image %d is %dx%d in the file, want %dx%d", c.f, i, w, h, c.wantW, c.wantH)
			}
		}
	}
}

func TestSnapshotsRefuse(t *testing.T) {
	src := imgSource(t, imgSpec{w: 160, h: 90, seconds: 3, gop: 30})
	audio := imgSource(t, imgSpec{seconds: 2, noVideo: true})
	ctx := context.Background()
	for _, c := range []struct {
		src   *Source
		f     ImageFormat
		times []float64
		code  string
	}{
		{audio, ImageFormat{}, []float64{1}, "SourceFileError.NoVideoMedia"},
		{src, ImageFormat{}, []float64{1, 3.5}, "InvalidInput.InvalidTimeOffset"},
		{src, ImageFormat{}, []float64{-1}, "InvalidInput.InvalidTimeOffset"},
		{src, ImageFormat{}, []float64{math.NaN()}, "InvalidInput.InvalidTimeOffset"},
		{src, ImageFormat{Format: "bmp"}, []float64{1}, "InvalidInput.ConfigurationUnsupported"},
		{src, ImageFormat{FillType: "tile"}, []float64{1}, "InvalidInput.ConfigurationUnsupported"},
	} {
		_, err := Snapshots(ctx, c.src, c.f, c.times, t.TempDir(), Options{})
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != c.code {
			t.Errorf("%+v %v: got %v, want %s", c.f, c.times, err, c.code)
		}
	}
	_, err := Snapshots(ctx, src, ImageFormat{}, []float64{1}, t.TempDir(), Options{Timeout: time.Millisecond})
	var te *ffmpeg.TimeoutError
	if !errors.As(err, &te) {
		t.Errorf("a 1 ms timeout gave %v, want a *ffmpeg.TimeoutError", err)
	}
}

func TestSnapshotBatchFor(t *testing.T) {
	for d, want := range map[float64]int{0: 10, 24: 10, 3600: 10, 7200: 5, 36000: 1, 360000: 1} {
		if got := snapshotBatchFor(d); got != want {
			t.Errorf("snapshotBatchFor(%g) = %d, want %d", d, got, want)
		}
	}
}

func TestSampleTimes(t *testing.T) {
	for _, c := range []struct {
		d    float64
		typ  string
		iv   int64
		want []float64
	}{
		{100, "Percent", 10, []float64{0, 10, 20, 30, 40, 50, 60, 70, 80, 90}},
		{50, "Percent", 30, []float64{0, 15, 30, 45}},
		{30, "Time", 10, []float64{0, 10, 20}},
		{31, "Time", 10, []float64{0, 10, 20, 30}},
		{5, "Time", 10, []float64{0}},
		{10, "Percent", 150, []float64{0}},
		{10, "Time", 0, nil},
		{10, "Frames", 1, nil},
		{0, "Time", 1, nil},
	} {
		if got := SampleTimes(c.d, c.typ, c.iv); !slices.Equal(got, c.want) {
			t.Errorf("SampleTimes(%g, %s, %d) = %v, want %v", c.d, c.typ, c.iv, got, c.want)
		}
	}
}
