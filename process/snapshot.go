package process

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/openvod/openvod/ffmpeg"
)

// snapshotBatch is the most inputs one ffmpeg run of Snapshots opens, and
// snapshotBatchMedia the most media, in seconds, its inputs that seek in
// the source itself may hold together. Such an input parses the source's
// whole index (about 0.1 s and 20 MB for a 60-minute MP4), the input of a
// cut (gopCuts) the index of a few frames, and each keeps a decoder:
// batches spare most of ffmpeg's start-up per picture (0.7 s for one
// picture a run on that source) while bounding a run's memory (about
// 250 MB for 10 seeking inputs of 60 minutes; a 10-hour source gets one
// seeking input a run).
const (
	snapshotBatch      = 10
	snapshotBatchMedia = 10 * 3600
)

// snapshotBatchFor returns the inputs of one run of Snapshots for a
// source of duration seconds.
func snapshotBatchFor(duration float64) int {
	return max(1, min(snapshotBatch, int(snapshotBatchMedia/max(duration, 1))))
}

// snapshotSpan is the media, in seconds, a run is given per picture for
// its timeout: the decode from the keyframe before the offset.
const snapshotSpan = 10

// Snapshots writes one picture per time of times (seconds of the source,
// resolved and inside it) into dir, in order, as snapshot-<i>.<jpg|png|webp>:
// the first frame at or after the time, at the size f's Width, Height and
// ResolutionAdaptive give the source (Size) and fitted by f's FillType,
// with f's Watermarks drawn on it (those whose window, in seconds of the
// source, holds the time).
// A time at or after the last frame's start gives the last frame. Each
// picture is a decode from the keyframe before its time up to the time:
// ffmpeg's input -ss in a cut of that keyframe's group (gopCuts), or in
// the source when it cannot be cut; up to snapshotBatch pictures per
// ffmpeg run (fewer seeks in the source for sources over an hour), so
// the cost grows with the count of pictures, not the source's length.
// SnapshotByTimeOffset, CoverBySnapshot and SampleSnapshot (with
// SampleTimes) use it.
func Snapshots(ctx context.Context, src *Source, f ImageFormat, times []float64, dir string, opt Options) ([]Image, error) {
	if err := src.needVideo("snapshot"); err != nil {
		return nil, err
	}
	ext, enc, err := imageEncoder(f.Format)
	if err != nil {
		return nil, err
	}
	sw, sh := src.displaySize()
	w, h := Size(sw, sh, f.Width, f.Height, f.ResolutionAdaptive)
	filter, err := scaleFilter(w, h, f.FillType)
	if err != nil {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "%v", err)
	}
	last := src.lastFrameTime()
	images := make([]Image, len(times))
	files := make([]string, len(times))
	for i, t := range times {
		if math.IsNaN(t) || t < 0 || t > src.Duration {
			return nil, Errorf("InvalidInput.InvalidTimeOffset", "the snapshot time %gs is outside the source (0 to %gs)", t, src.Duration)
		}
		files[i] = filepath.Join(dir, fmt.Sprintf("snapshot-%d.%s", i, ext))
		images[i] = Image{File: files[i], Time: min(t, last), Width: w, Height: h}
	}
	var wm *marks
	if len(f.Watermarks) > 0 {
		if wm, err = prepareMarks(f.Watermarks, 0); err != nil {
			return nil, err
		}
		defer wm.close()
	}
	cuts := newGOPCuts(src, dir)
	defer cuts.close()
	perSource := snapshotBatchFor(src.Duration)
	for b := 0; b < len(images); {
		// A batch is up to snapshotBatch inputs, of which up to perSource
		// seek in the source itself.
		var inputs [][]string
		for seeks := 0; b+len(inputs) < len(images) && len(inputs) < snapshotBatch && seeks < perSource; {
			in, cut, err := cuts.input(src, b+len(inputs), images[b+len(inputs)].Time)
			if err != nil {
				return nil, err
			}
			if !cut {
				seeks++
			}
			inputs = append(inputs, in)
		}
		batch := images[b : b+len(inputs)]
		args := slices.Concat(inputs...)
		if wm != nil {
			args = append(args, wm.inputs...)
			args = append(args, "-filter_complex", snapshotMarks(wm, batch, filter, src.Duration))
		}
		for k, im := range batch {
			if wm != nil {
				args = append(args, "-map", fmt.Sprintf("[o%d]", k), "-frames:v", "1")
			} else {
				args = append(args, "-map", strconv.Itoa(k)+":v:0", "-frames:v", "1", "-vf", filter)
			}
			args = append(args, enc...)
			args = append(args, "-f", "image2", "-update", "1", im.File)
		}
		if err := ffmpeg.Run(ctx, ffmpeg.Cmd{Args: args, Timeout: opt.timeout(snapshotSpan * float64(len(batch)))}); err != nil {
			return nil, fmt.Errorf("snapshots: %w", err)
		}
		if err := cuts.release(); err != nil {
			return nil, err
		}
		b += len(batch)
		if opt.Progress != nil {
			opt.Progress(float64(b) / float64(len(images)))
		}
	}
	if err := needFiles(files, "the snapshot"); err != nil {
		return nil, err
	}
	return images, nil
}

// snapshotMarks returns the filtergraph of a batch of Snapshots with
// watermarks: input k's picture, scaled by filter, gets its marks and
// the label [ok]; the marks' images are the inputs after the batch's.
func snapshotMarks(wm *marks, batch []Image, filter string, dur float64) string {
	wm.first = len(batch)
	g := make([]string, 0, 2*len(batch))
	targets := make([]markTarget, len(batch))
	for k, im := range batch {
		g = append(g, fmt.Sprintf("[%d:v:0]%s[p%d]", k, filter, k))
		targets[k] = markTarget{in: fmt.Sprintf("[p%d]", k), out: fmt.Sprintf("[o%d]", k), w: im.Width, h: im.Height, dur: dur, still: true, at: im.Time}
	}
	return strings.Join(append(g, wm.graph(targets)...), ";")
}

// lastFrameTime is a time inside the source's last frame, where a seek
// still finds it: a frame and a half before the video's end (at 25 fps
// when the source's rate is unknown).
func (s *Source) lastFrameTime() float64 {
	fps := s.Fps
	if fps <= 0 {
		fps = 25
	}
	end := s.Duration
	if s.VideoDuration > 0 {
		end = min(end, s.VideoDuration)
	}
	return max(0, end-1.5/fps)
}

// SampleTimes returns the times of a sample snapshot or an image sprite
// over duration seconds: with sampleType "Percent", every interval percent
// of the duration; with "Time", every interval seconds; starting at 0.
// The last time is the last multiple of the interval strictly before the
// end: 0%, 10%, ..., 90% for 10%, never the end itself, where no frame
// starts. It returns nil for another type, an interval ≤ 0 or a duration
// ≤ 0.
func SampleTimes(duration float64, sampleType string, interval int64) []float64 {
	step, n := sampleGrid(duration, sampleType, interval)
	if n == 0 {
		return nil
	}
	times := make([]float64, n)
	for k := range times {
		times[k] = float64(k) * step
	}
	return times
}

// sampleGrid returns the interval, in seconds, of SampleTimes and the
// count of intervals that cover duration (the last one may be shorter).
func sampleGrid(duration float64, sampleType string, interval int64) (step float64, n int) {
	if interval <= 0 || !(duration > 0) {
		return 0, 0
	}
	switch sampleType {
	case "Percent":
		// Counted in whole percents, so that 10% gives exactly 10 times.
		return duration * float64(interval) / 100, int((100 + interval - 1) / interval)
	case "Time":
		// A millionth of an interval past a multiple is rounding, not
		// another interval.
		return float64(interval), int(math.Ceil(duration/float64(interval) - 1e-6))
	}
	return 0, 0
}

// fsecs formats seconds for ffmpeg's time options.
func fsecs(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
