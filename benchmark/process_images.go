package benchmark

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/openvod/openvod/benchmark/measure"
	"github.com/openvod/openvod/process"
	"github.com/openvod/openvod/templates"
)

// imageRuns is how many times each image row runs the engine (median).
const imageRuns = 3

// imageSnapshots is the count of snapshot offsets of the snapshot row.
const imageSnapshots = 10

// imageSourceFor returns the image rows' source, generated once into
// work: 60 minutes of 640x360 30 fps H.264 (2 s GOP, 2 B-frames) and AAC
// (measure.SourceFor); the quick run uses its 60-second 320x240 source.
func imageSourceFor(o Options, work, quickSrc string, logf func(string, ...any)) (*process.Source, error) {
	s := &process.Source{Path: quickSrc, Duration: 60, Width: 320, Height: 240, Fps: 30, HasVideo: true, HasAudio: true}
	if !o.Quick {
		path, err := measure.EnsureFile(work, "src60m360p.mp4", measure.SourceFor("640x360", 3600, "600k"), logf)
		if err != nil {
			return nil, err
		}
		s = &process.Source{Path: path, Duration: 3600, Width: 640, Height: 360, Fps: 30, HasVideo: true, HasAudio: true}
	}
	return s, measure.Warm(s.Path)
}

// benchImages measures the image half of the processing engine against
// full-decode ffmpeg commands run in the same run: process.Snapshots at
// imageSnapshots offsets (the minimum PSNR of its pictures against the
// baseline's pictures of the same frames) and process.ImageSprite with
// preset 10's template.
func benchImages(ctx context.Context, o Options, work, quickSrc, dir string, logf func(string, ...any)) ([]Row, string, error) {
	src, err := imageSourceFor(o, work, quickSrc, logf)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	launcher := []string{o.Self, "bench", "launch"}

	// Offsets 0.7 s short of tenths of the source: frame times (at 30
	// fps), 21 frames past a keyframe, where the first frame at or after
	// the offset (Snapshots) and the last one at or before it (the fps
	// filter rounding up) are the same frame.
	step := src.Duration/imageSnapshots - 0.7
	times := make([]float64, imageSnapshots)
	for k := range times {
		times[k] = float64(k) * step
	}
	logf("images: snapshots at %d offsets", imageSnapshots)
	base := filepath.Join(dir, "base")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, "", err
	}
	ffSnap, err := measure.RunMeasured(launcher, nil, "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", src.Path,
		"-vf", "fps=fps=1/"+secs(step)+":round=up", "-fps_mode", "passthrough", "-c:v", "mjpeg", "-q:v", "2",
		"-start_number", "0", filepath.Join(base, "%d.jpg"))
	if err != nil {
		return nil, "", err
	}
	var images []process.Image
	ours, err := timeRuns(filepath.Join(dir, "snap"), func(out string) error {
		var err error
		images, err = process.Snapshots(ctx, src, process.ImageFormat{Format: "jpg"}, times, out, process.Options{})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	minPSNR := math.Inf(1)
	for k, im := range images {
		p, err := process.PSNR(ctx, im.File, filepath.Join(base, fmt.Sprintf("%d.jpg", k)))
		if err != nil {
			return nil, "", err
		}
		minPSNR = min(minPSNR, p)
	}
	snapRatio := ours.Seconds() / ffSnap.Wall.Seconds()

	logf("images: image sprite at 10 s")
	tpl := &templates.ImageSprite{Width: 142, Height: 80, SampleType: "Time", SampleInterval: 10, RowCount: 10, ColumnCount: 10, Format: "jpg"}
	ffSprite, err := measure.RunMeasured(launcher, nil, "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", src.Path,
		"-vf", "fps=1/10,scale=142:80,tile=10x10", "-q:v", "2", filepath.Join(base, "sheet-%d.jpg"))
	if err != nil {
		return nil, "", err
	}
	var sheets int
	oursSprite, err := timeRuns(filepath.Join(dir, "sprite"), func(out string) error {
		sp, err := process.ImageSprite(ctx, src, tpl, out, process.Options{})
		if sp != nil {
			sheets = len(sp.Sheets)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	spriteRatio := oursSprite.Seconds() / ffSprite.Wall.Seconds()

	rows := []Row{
		{Name: fmt.Sprintf("Snapshots at %d offsets (process.Snapshots, jpg)", imageSnapshots),
			Ours:     fmt.Sprintf("%s, min PSNR %s against the same frames", msf(ours), db(minPSNR)),
			Baseline: "full-decode fps filter " + msf(ffSnap.Wall), Ratio: ratio(snapRatio),
			Target: met(snapRatio <= 0.05 && minPSNR >= 45, "≤ 0.05×, PSNR ≥ 45 dB")},
		{Name: "Image sprite at 10 s, 142x80 tiles 10x10 (process.ImageSprite, jpg)",
			Ours:     fmt.Sprintf("%s, %d sheets", msf(oursSprite), sheets),
			Baseline: "full-decode fps,scale,tile " + msf(ffSprite.Wall), Ratio: ratio(spriteRatio),
			Target: met(spriteRatio <= 0.2, "≤ 0.2×")},
	}
	desc := "60-minute 640x360 30 fps H.264 600 kb/s (2 s GOP, 2 B-frames) + AAC"
	if o.Quick {
		desc = "60-second 320x240"
	}
	note := fmt.Sprintf("Image rows: the %s source (%s); median of %d calls of the engine (each starts ffmpeg) against one run of the baseline command in the same run. "+
		"Snapshots: offsets k × %ss (frame times 0.7 s past keyframes), each picture compared (ffmpeg's psnr) with the baseline's JPEG of the same frame, "+
		"`ffmpeg -i SRC -vf fps=fps=1/%s:round=up -q:v 2 %%d.jpg`. Image sprite: preset 10's template (142x80, 10x10, every 10 s) against "+
		"`ffmpeg -i SRC -vf fps=1/10,scale=142:80,tile=10x10 -q:v 2 sheet-%%d.jpg`; its tiles are the keyframes at or before each 10 s (exact here: a keyframe every 2 s). "+
		"The machine's 2 cores are shared with other work, so these figures are noisy.",
		desc, filepath.Base(src.Path), imageRuns, secs(step), secs(step))
	return rows, note, nil
}

// timeRuns runs f imageRuns times, each with an empty directory of its
// own (prefix-0, prefix-1, ...), and returns the median wall time.
func timeRuns(prefix string, f func(dir string) error) (time.Duration, error) {
	var ms []measure.Measurement
	for i := range imageRuns {
		out := fmt.Sprintf("%s-%d", prefix, i)
		if err := os.MkdirAll(out, 0o755); err != nil {
			return 0, err
		}
		t0 := time.Now()
		if err := f(out); err != nil {
			return 0, err
		}
		ms = append(ms, measure.Measurement{Wall: time.Since(t0)})
	}
	return measure.Median(ms).Wall, nil
}

// db formats a PSNR.
func db(p float64) string {
	if math.IsInf(p, 1) {
		return "∞ dB (identical)"
	}
	return fmt.Sprintf("%.1f dB", p)
}
