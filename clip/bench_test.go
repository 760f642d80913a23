package clip

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openvod/openvod/mp4"
)

// The benchmark source: 60 minutes of 1280x720 30 fps H.264 (2 B-frames,
// 2 s closed GOP, 3 Mb/s) and 48 kHz AAC, made once with ffmpeg's lavfi
// sources and kept in os.TempDir() (about 1.4 GB; generating it takes 3 to
// 5 minutes on 2 cores, so run the benchmark with -timeout 30m the first
// time). The command is the one of the clipping notes (§2, src720_60m).
var benchSourceArgs = []string{
	"-hide_banner", "-nostdin", "-y", "-v", "error",
	"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
	"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
	"-t", "3600", "-map", "0:v", "-map", "1:a",
	"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
	"-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-bf", "2",
	"-b:v", "3M", "-maxrate", "3M", "-bufsize", "6M",
	"-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", "-f", "mp4",
}

// benchCuts are the clips measured: 30 s and 5 min from the middle of the
// source, starting 1.3 s after a keyframe (as in the clipping notes).
var benchCuts = []struct {
	name       string
	start, end float64
}{
	{"30s", 1801.3, 1831.3},
	{"5min", 1651.3, 1951.3},
}

// benchRuns is the number of runs of each command; the median is reported.
const benchRuns = 5

// childEnv names the environment variable that makes the test binary run
// one cut as a child process of the benchmark: "src|dst|start|end".
const childEnv = "OPENVOD_CLIP_BENCH_CHILD"

// benchChild runs the cut described by childEnv with CutFile and returns
// the exit status.
func benchChild() int {
	f := strings.Split(os.Getenv(childEnv), "|")
	if len(f) != 4 {
		fmt.Fprintln(os.Stderr, "bad", childEnv)
		return 2
	}
	start, err1 := strconv.ParseFloat(f[2], 64)
	end, err2 := strconv.ParseFloat(f[3], 64)
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "bad range in", childEnv)
		return 2
	}
	if _, err := CutFile(f[1], f[0], start, end, true); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// benchSource returns the path of the benchmark source, generating it if
// it is missing.
func benchSource(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "openvod-bench")
	path := filepath.Join(dir, "src60m720p.mp4")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	b.Logf("generating %s (a few minutes)", path)
	tmp := path + ".tmp"
	run(b, "ffmpeg", append(slices.Clone(benchSourceArgs), tmp)...)
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// measurement is one run of a command.
type measurement struct {
	wall   time.Duration
	maxRSS int64 // bytes; 0 when measured in process
}

// launchEnv names the environment variable that makes the test binary a
// launcher: it runs os.Args[1:] and prints the child's wall time (ns) and
// peak RSS (bytes) on stdout.
//
// The launcher is there because Go starts children with
// CLONE_VFORK|CLONE_VM, and on exec the kernel records the RSS high-water
// mark of the memory the child shared until then, the parent's, in the
// child's ru_maxrss: a child of the benchmark process would report at
// least the benchmark's own peak. A child of the small launcher reports
// at least the launcher's (a few MB), which is below what is measured.
const launchEnv = "OPENVOD_CLIP_BENCH_LAUNCH"

// benchLaunch is the launcher's main.
func benchLaunch() int {
	if len(os.Args) < 2 {
		return 2
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, launchEnv+"=") })
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 1
	}
	fmt.Printf("%d %d\n", wall.Nanoseconds(), ru.Maxrss*1024)
	return 0
}

// runMeasured runs a command through the launcher and returns its wall
// time and peak RSS.
func runMeasured(b *testing.B, self string, env []string, name string, args ...string) measurement {
	b.Helper()
	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Env = append(os.Environ(), append(env, launchEnv+"=1")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	var wall, rss int64
	if _, err := fmt.Sscan(string(out), &wall, &rss); err != nil {
		b.Fatalf("launcher output %q: %v", out, err)
	}
	return measurement{wall: time.Duration(wall), maxRSS: rss}
}

// median returns the median wall time and the largest peak RSS.
func median(ms []measurement) measurement {
	walls := make([]time.Duration, len(ms))
	var rss int64
	for i, m := range ms {
		walls[i] = m.wall
		rss = max(rss, m.maxRSS)
	}
	slices.Sort(walls)
	return measurement{wall: walls[len(walls)/2], maxRSS: rss}
}

// warm reads the whole file so that it is in the page cache.
func warm(b *testing.B, path string) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(io.Discard, f); err != nil {
		b.Fatal(err)
	}
}

// cpuModel returns the CPU model name from /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// BenchmarkCut compares the fast cutter with ffmpeg's stream copy
// (`ffmpeg -ss S -to E -i SRC -c copy -movflags +faststart OUT`) on the
// 60-minute 720p source with a warm page cache, for a 30 s and a 5 min
// clip, and prints a table: median wall time of benchRuns runs each and
// peak RSS. The cutter is measured three ways: CutFile in this process
// (temp file, fsync, rename: what the server does), WriteTo into a file
// without fsync (like ffmpeg, which does not sync), and CutFile in a child
// process (this test binary re-executed), which gives its peak RSS and the
// same process start costs as ffmpeg; both child processes are started
// through a launcher (see launchEnv) so that their peak RSS is their own.
// It is not run by plain `go test`:
//
//	go test ./clip -run '^$' -bench Cut -timeout 30m
func BenchmarkCut(b *testing.B) {
	requireFFmpeg(b)
	src := benchSource(b)
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	warm(b, src)
	type row struct {
		name                            string
		cutFile, writeTo, child, ffmpeg measurement
		size, ffSize                    int64
		duration, ffDuration, leadIn    float64
		runs                            int
	}
	var rows []row
	for _, c := range benchCuts {
		r := row{name: c.name}
		var cutFile, writeTo, child, ff []measurement
		for i := range benchRuns {
			dst := filepath.Join(dir, fmt.Sprintf("%s-%d", c.name, i))
			s, e := strconv.FormatFloat(c.start, 'f', -1, 64), strconv.FormatFloat(c.end, 'f', -1, 64)

			syscall.Sync()
			t0 := time.Now()
			p, err := CutFile(dst+"-cut.mp4", src, c.start, c.end, true)
			if err != nil {
				b.Fatal(err)
			}
			cutFile = append(cutFile, measurement{wall: time.Since(t0)})
			r.size, r.duration, r.leadIn, r.runs = p.Size, p.Duration, p.LeadIn, p.Runs

			syscall.Sync()
			t0 = time.Now()
			writeNoSync(b, dst+"-nosync.mp4", src, c.start, c.end)
			writeTo = append(writeTo, measurement{wall: time.Since(t0)})

			syscall.Sync()
			child = append(child, runMeasured(b, self, []string{childEnv + "=" + src + "|" + dst + "-child.mp4|" + s + "|" + e},
				self, "-test.run=^$"))

			syscall.Sync()
			ff = append(ff, runMeasured(b, self, nil, "ffmpeg", "-nostdin", "-y", "-v", "error",
				"-ss", s, "-to", e, "-i", src, "-c", "copy", "-movflags", "+faststart", dst+"-ffmpeg.mp4"))

			for _, suffix := range []string{"-cut.mp4", "-nosync.mp4", "-child.mp4", "-ffmpeg.mp4"} {
				if i == benchRuns-1 && (suffix == "-cut.mp4" || suffix == "-ffmpeg.mp4") {
					continue // checked below
				}
				os.Remove(dst + suffix)
			}
		}
		r.cutFile, r.writeTo, r.child, r.ffmpeg = median(cutFile), median(writeTo), median(child), median(ff)
		last := filepath.Join(dir, fmt.Sprintf("%s-%d", c.name, benchRuns-1))
		r.ffSize, r.ffDuration = verifyBench(b, last+"-ffmpeg.mp4", 0)
		verifyBench(b, last+"-cut.mp4", c.end-c.start)
		rows = append(rows, r)
	}

	var sb strings.Builder
	fmt.Fprintf(&sb, "\nClip benchmark: %s, %d cores, %s/%s, %s; source %s (60 min 720p30 H.264 3 Mb/s 2 B-frames + AAC 128k), warm page cache, median of %d runs\n",
		cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), src, benchRuns)
	fmt.Fprintf(&sb, "%-5s | %-26s | %-16s | %-22s | %-22s | %-9s | %-9s | %s\n",
		"clip", "cutter CutFile (fsync)", "cutter no fsync", "cutter child proc", "ffmpeg -c copy", "ratio", "ratio", "output (cutter / ffmpeg)")
	fmt.Fprintf(&sb, "%-5s | %-26s | %-16s | %-22s | %-22s | %-9s | %-9s | %s\n",
		"", "in process", "in process", "wall, peak RSS", "wall, peak RSS", "CutFile", "child", "")
	for _, r := range rows {
		fmt.Fprintf(&sb, "%-5s | %-26s | %-16s | %-22s | %-22s | %-9s | %-9s | %.1f MB %.3f s (lead-in %.1f s, %d runs) / %.1f MB %.3f s\n",
			r.name, ms(r.cutFile.wall), ms(r.writeTo.wall),
			ms(r.child.wall)+", "+mb(r.child.maxRSS), ms(r.ffmpeg.wall)+", "+mb(r.ffmpeg.maxRSS),
			fmt.Sprintf("%.2fx", r.cutFile.wall.Seconds()/r.ffmpeg.wall.Seconds()),
			fmt.Sprintf("%.2fx", r.child.wall.Seconds()/r.ffmpeg.wall.Seconds()),
			float64(r.size)/1e6, r.duration, r.leadIn, r.runs, float64(r.ffSize)/1e6, r.ffDuration)
		b.ReportMetric(r.cutFile.wall.Seconds()/r.ffmpeg.wall.Seconds(), r.name+"-ratio")
		b.ReportMetric(float64(r.child.maxRSS)/1e6, r.name+"-cutter-MB")
	}
	fmt.Fprintln(os.Stdout, sb.String())
}

// writeNoSync cuts with PlanFast and WriteTo into a new file, without
// fsync or rename.
func writeNoSync(b *testing.B, dst, src string, start, end float64) {
	b.Helper()
	f, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	m, err := mp4.Parse(f, st.Size())
	if err != nil {
		b.Fatal(err)
	}
	p, err := PlanFast(m, f, start, end, true)
	if err != nil {
		b.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.WriteTo(out, f); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// verifyBench checks a benchmark output with Verify and returns its size
// and duration.
func verifyBench(b *testing.B, path string, want float64) (int64, float64) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	info, err := mp4.Probe(f, st.Size())
	if err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	if want > 0 {
		if _, err := Verify(f, st.Size(), want); err != nil {
			b.Fatalf("%s: %v", path, err)
		}
	}
	return st.Size(), info.Duration
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
func mb(n int64) string         { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
