package benchmark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/openvod/openvod/benchmark/measure"

	"github.com/openvod/openvod/vodevent"
)

// cut is one clip range measured.
type cut struct {
	name       string
	start, end float64
}

// clipResult is one clip row's medians.
type clipResult struct {
	api, child, ffmpeg measure.Measurement
}

func secs(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ffmpegCopyArgs is the stream-copy baseline of a Fast clip.
func ffmpegCopyArgs(src, dst string, c cut) []string {
	return []string{"-nostdin", "-y", "-v", "error", "-ss", secs(c.start), "-to", secs(c.end), "-i", src,
		"-c", "copy", "-movflags", "+faststart", dst}
}

// ffmpegExactArgs is the re-encode an Exact clip runs (clip.Exact's
// command, with the progress output left out).
func ffmpegExactArgs(src, dst string, c cut) []string {
	return []string{"-nostdin", "-v", "error", "-nostats", "-y",
		"-ss", secs(c.start), "-to", secs(c.end), "-i", src,
		"-map", "0:v:0?", "-map", "0:a:0?",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k",
		"-movflags", "+faststart", "-f", "mp4", dst}
}

// clipVideo runs ClipVideo and waits for its ClipComplete at rc; it
// returns the time from the request to the receipt.
func clipVideo(ctx context.Context, c *vodevent.Client, rc *receiver, fileID string, ct cut, exact bool) (time.Duration, error) {
	params := map[string]any{"FileId": fileID, "StartTimeOffset": ct.start, "EndTimeOffset": ct.end}
	if exact {
		params["Precision"] = "Exact"
	}
	t0 := time.Now()
	var r struct{ TaskId string }
	if err := c.Call(ctx, "ClipVideo", params, &r); err != nil {
		return 0, err
	}
	at, err := rc.wait(r.TaskId, 30*time.Minute)
	if err != nil {
		return 0, err
	}
	return at.Sub(t0), nil
}

// benchClip measures one cut runs times: ClipVideo through the API (to
// the ClipComplete receipt), the cutter alone in a child process (Fast
// only) and the ffmpeg command run directly; both processes through the
// launcher, for their peak RSS.
func benchClip(ctx context.Context, self string, c *vodevent.Client, rc *receiver, fileID, src, tmp string, ct cut, exact bool, runs int) (clipResult, error) {
	launcher := []string{self, "bench", "launch"}
	var api, child, ff []measure.Measurement
	for i := range runs {
		d, err := clipVideo(ctx, c, rc, fileID, ct, exact)
		if err != nil {
			return clipResult{}, fmt.Errorf("ClipVideo %s: %w", ct.name, err)
		}
		api = append(api, measure.Measurement{Wall: d})

		dst := filepath.Join(tmp, fmt.Sprintf("%s-%d", ct.name, i))
		if !exact {
			m, err := measure.RunMeasured(launcher, nil, self, "bench", "cut", src, dst+"-cut.mp4", secs(ct.start), secs(ct.end))
			if err != nil {
				return clipResult{}, err
			}
			child = append(child, m)
			os.Remove(dst + "-cut.mp4")
		}
		args := ffmpegCopyArgs(src, dst+"-ffmpeg.mp4", ct)
		if exact {
			args = ffmpegExactArgs(src, dst+"-ffmpeg.mp4", ct)
		}
		m, err := measure.RunMeasured(launcher, nil, "ffmpeg", args...)
		if err != nil {
			return clipResult{}, err
		}
		ff = append(ff, m)
		os.Remove(dst + "-ffmpeg.mp4")
	}
	return clipResult{api: measure.Median(api), child: measure.Median(child), ffmpeg: measure.Median(ff)}, nil
}
