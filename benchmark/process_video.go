package benchmark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/openvod/openvod/benchmark/measure"
	"github.com/openvod/openvod/process"
	"github.com/openvod/openvod/templates"
)

// videoSizes are the transcode rows' inputs.
type videoSizes struct {
	size          string // the source's
	width, height int64
	seconds       int
	rate          string
	runs          int
}

var (
	fullVideo  = videoSizes{size: "1920x1080", width: 1920, height: 1080, seconds: 60, rate: "6M", runs: 3}
	quickVideo = videoSizes{size: "640x360", width: 640, height: 360, seconds: 4, rate: "1M", runs: 1}
)

// Names of the transcode rows.
const (
	rowLadder    = "Transcode ladder 100010+100020+100030, one decode"
	rowTranscode = "Transcode 100030, one output"
)

// presetLadder is the three MP4 rungs of the ladder row, with the
// parameters of Tencent's presets 100010, 100020 and 100030
// (H.264 ×360 400 kbps, ×540 1000 kbps, ×720 1800 kbps, 25 fps; AAC
// 44.1 kHz stereo 64, 64 and 128 kbps).
func presetLadder() []*templates.Transcode {
	rung := func(def, short, kbps, akbps int64) *templates.Transcode {
		return &templates.Transcode{Definition: def, Container: "mp4", Type: templates.TypePreset,
			VideoTemplate: &templates.VideoTemplateInfo{Codec: "libx264", Fps: 25, Bitrate: kbps, ResolutionAdaptive: "open", Height: short, FillType: "black"},
			AudioTemplate: &templates.AudioTemplateInfo{Codec: "libfdk_aac", Bitrate: akbps, SampleRate: 44100, AudioChannel: 2}}
	}
	return []*templates.Transcode{rung(100010, 360, 400, 64), rung(100020, 540, 1000, 64), rung(100030, 720, 1800, 128)}
}

// directArgs is the ffmpeg command one would write for one rung alone,
// with the engine's encoder settings (x264 veryfast, its rate control,
// ffmpeg's AAC): the baseline of the transcode rows.
func directArgs(src, dst string, vz videoSizes, t *templates.Transcode) []string {
	v, a := t.VideoTemplate, t.AudioTemplate
	w, h := process.Size(vz.width, vz.height, v.Width, v.Height, v.ResolutionAdaptive)
	k := func(n int64) string { return strconv.FormatInt(n, 10) + "k" }
	return []string{"-nostdin", "-y", "-v", "error", "-i", src,
		"-vf", fmt.Sprintf("fps=%d,scale=%d:%d,setsar=1,format=yuv420p", v.Fps, w, h),
		"-c:v", "libx264", "-preset", "veryfast", "-b:v", k(v.Bitrate), "-maxrate", k(v.Bitrate * 3 / 2), "-bufsize", k(2 * v.Bitrate),
		"-c:a", "aac", "-b:a", k(a.Bitrate), "-ar", strconv.FormatInt(a.SampleRate, 10), "-ac", strconv.FormatInt(a.AudioChannel, 10),
		"-movflags", "+faststart", "-f", "mp4", dst}
}

// benchProcessVideo measures the transcode rows: the three-rung ladder
// through process.Transcode (one ffmpeg process, one decode) against the
// three ffmpeg commands run one after another, and one rung through
// process.Transcode against its ffmpeg command. Each is the median of
// vz.runs, ours and the baseline in turn (the baseline first every other
// run), in dir.
func benchProcessVideo(ctx context.Context, self, work, dir string, vz videoSizes, logf func(string, ...any)) ([]Row, string, error) {
	srcPath, err := measure.EnsureFile(work, fmt.Sprintf("src%ds%dp.mp4", vz.seconds, vz.height), measure.SourceFor(vz.size, vz.seconds, vz.rate), logf)
	if err == nil {
		err = measure.Warm(srcPath)
	}
	if err != nil {
		return nil, "", err
	}
	src := &process.Source{Path: srcPath, Duration: float64(vz.seconds), Width: vz.width, Height: vz.height, Fps: 30, HasVideo: true, HasAudio: true}
	launcher := []string{self, "bench", "launch"}
	ladder := presetLadder()
	// ours runs the templates through the engine; direct runs each one's
	// ffmpeg command in turn.
	ours := func(ts []*templates.Transcode, run string) (time.Duration, error) {
		var jobs []process.TranscodeJob
		for i, t := range ts {
			d := filepath.Join(dir, fmt.Sprintf("%s-ours-%d", run, i))
			if err := os.MkdirAll(d, 0o755); err != nil {
				return 0, err
			}
			defer os.RemoveAll(d)
			jobs = append(jobs, process.TranscodeJob{Template: t, End: src.Duration, Dir: d})
		}
		t0 := time.Now()
		_, err := process.Transcode(ctx, src, jobs, process.Options{})
		return time.Since(t0), err
	}
	direct := func(ts []*templates.Transcode, run string) (time.Duration, error) {
		var wall time.Duration
		for i, t := range ts {
			dst := filepath.Join(dir, fmt.Sprintf("%s-direct-%d.mp4", run, i))
			m, err := measure.RunMeasured(launcher, nil, "ffmpeg", directArgs(srcPath, dst, vz, t)...)
			os.Remove(dst)
			if err != nil {
				return 0, err
			}
			wall += m.Wall
		}
		return wall, nil
	}
	// timed runs f and returns its wall time and the CPU time of the
	// child processes it waited for (ffmpeg, or the launcher and its ffmpeg).
	timed := func(f func([]*templates.Transcode, string) (time.Duration, error), ts []*templates.Transcode, run string) (wall, cpu time.Duration, err error) {
		c0 := childCPU()
		wall, err = f(ts, run)
		return wall, childCPU() - c0, err
	}
	type pair struct{ ours, base, oursCPU, baseCPU time.Duration }
	measurePair := func(name string, ts []*templates.Transcode) (pair, error) {
		var o, b, oc, bc []measure.Measurement
		for i := range vz.runs {
			logf("%s: run %d of %d", name, i+1, vz.runs)
			run := fmt.Sprintf("%s-%d", name, i)
			sides := []func([]*templates.Transcode, string) (time.Duration, error){ours, direct}
			if i%2 == 1 { // the baseline first every other run
				sides[0], sides[1] = direct, ours
			}
			for k, f := range sides {
				w, c, err := timed(f, ts, run)
				if err != nil {
					return pair{}, err
				}
				if (k == 0) == (i%2 == 0) {
					o, oc = append(o, measure.Measurement{Wall: w}), append(oc, measure.Measurement{Wall: c})
				} else {
					b, bc = append(b, measure.Measurement{Wall: w}), append(bc, measure.Measurement{Wall: c})
				}
			}
		}
		return pair{measure.Median(o).Wall, measure.Median(b).Wall, measure.Median(oc).Wall, measure.Median(bc).Wall}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	l, err := measurePair("ladder", ladder)
	if err != nil {
		return nil, "", fmt.Errorf("ladder: %w", err)
	}
	t, err := measurePair("transcode", ladder[2:])
	if err != nil {
		return nil, "", fmt.Errorf("transcode: %w", err)
	}
	row := func(name, baseline string, p pair, target float64) Row {
		r := p.ours.Seconds() / p.base.Seconds()
		return Row{Name: name, Ours: secf(p.ours) + " (CPU " + secf(p.oursCPU) + ")", Baseline: baseline + " " + secf(p.base) + " (CPU " + secf(p.baseCPU) + ")",
			Ratio:  ratio(r) + " time, " + ratio(p.oursCPU.Seconds()/p.baseCPU.Seconds()) + " CPU",
			Target: met(r <= target, "≤ "+strconv.FormatFloat(target, 'g', -1, 64)+"× time")}
	}
	rows := []Row{row(rowLadder, "3 separate ffmpeg runs", l, 0.7), row(rowTranscode, "the same ffmpeg command", t, 1.05)}
	note := fmt.Sprintf("Transcode rows: a %d-second %s 30 fps H.264 %sb/s + AAC source generated with ffmpeg; MP4 outputs with the parameters of presets 100010, 100020 and 100030 (H.264 ×360/400k, ×540/1000k, ×720/1800k at 25 fps, AAC 44.1 kHz stereo), x264 preset veryfast on both sides. Ours is process.Transcode called in the benchmark process (ffmpeg in a child process; the ladder is one ffmpeg run: one decode, one frame-rate filter, a cascade of scales, three encoders); the baselines are the ffmpeg command of each rung run directly (`-vf fps=25,scale=W:H`), the ladder's three one after another. Median of %d runs, ours and the baseline in turn, which goes first every other run; CPU is the user and system time of the ffmpeg processes (less sensitive than wall time to other work on the machine, which makes these ratios noisy).", vz.seconds, vz.size, vz.rate, vz.runs)
	return rows, note, nil
}

// childCPU returns the user and system CPU time of the child processes
// waited for so far.
func childCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func secf(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
