package clip

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openvod/openvod/benchmark/measure"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/mp4"
)

// The benchmark source is measure.SourceArgs' 60 minutes of 720p, made
// once with ffmpeg and kept in os.TempDir() (about 1.4 GB; generating it
// takes 3 to 5 minutes on 2 cores, so run the benchmark with -timeout 30m
// the first time).

// benchCuts are the clips measured: 30 s and 5 min from the middle of the
// source, starting 1.3 s after a keyframe.
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
	path, err := measure.EnsureSource(measure.DefaultWorkDir(), b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	return path
}

// launchEnv makes the test binary a launcher (see measure.LaunchEnv).
const launchEnv = measure.LaunchEnv

// benchLaunch is the launcher's main; it returns the exit status.
func benchLaunch() int {
	if err := measure.Launch(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// runMeasured runs a command through the launcher, this test binary, and
// returns its wall time and peak RSS.
func runMeasured(b *testing.B, self string, env []string, name string, args ...string) measure.Measurement {
	b.Helper()
	m, err := measure.RunMeasured([]string{self}, env, name, args...)
	if err != nil {
		b.Fatal(err)
	}
	return m
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
	if err := measure.Warm(src); err != nil {
		b.Fatal(err)
	}
	type row struct {
		name                            string
		cutFile, writeTo, child, ffmpeg measure.Measurement
		size, ffSize                    int64
		duration, ffDuration, leadIn    float64
		runs                            int
	}
	var rows []row
	for _, c := range benchCuts {
		r := row{name: c.name}
		var cutFile, writeTo, child, ff []measure.Measurement
		for i := range benchRuns {
			dst := filepath.Join(dir, fmt.Sprintf("%s-%d", c.name, i))
			s, e := strconv.FormatFloat(c.start, 'f', -1, 64), strconv.FormatFloat(c.end, 'f', -1, 64)

			syscall.Sync()
			t0 := time.Now()
			p, err := CutFile(dst+"-cut.mp4", src, c.start, c.end, true)
			if err != nil {
				b.Fatal(err)
			}
			cutFile = append(cutFile, measure.Measurement{Wall: time.Since(t0)})
			r.size, r.duration, r.leadIn, r.runs = p.Size, p.Duration, p.LeadIn, p.Runs

			syscall.Sync()
			t0 = time.Now()
			writeNoSync(b, dst+"-nosync.mp4", src, c.start, c.end)
			writeTo = append(writeTo, measure.Measurement{Wall: time.Since(t0)})

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
		r.cutFile, r.writeTo, r.child, r.ffmpeg = measure.Median(cutFile), measure.Median(writeTo), measure.Median(child), measure.Median(ff)
		last := filepath.Join(dir, fmt.Sprintf("%s-%d", c.name, benchRuns-1))
		r.ffSize, r.ffDuration = verifyBench(b, last+"-ffmpeg.mp4", 0)
		verifyBench(b, last+"-cut.mp4", c.end-c.start)
		rows = append(rows, r)
	}

	var sb strings.Builder
	fmt.Fprintf(&sb, "\nClip benchmark: %s; source %s (60 min 720p30 H.264 3 Mb/s 2 B-frames + AAC 128k), warm page cache, median of %d runs\n",
		measure.Machine(), src, benchRuns)
	fmt.Fprintf(&sb, "%-5s | %-26s | %-16s | %-22s | %-22s | %-9s | %-9s | %s\n",
		"clip", "cutter CutFile (fsync)", "cutter no fsync", "cutter child proc", "ffmpeg -c copy", "ratio", "ratio", "output (cutter / ffmpeg)")
	fmt.Fprintf(&sb, "%-5s | %-26s | %-16s | %-22s | %-22s | %-9s | %-9s | %s\n",
		"", "in process", "in process", "wall, peak RSS", "wall, peak RSS", "CutFile", "child", "")
	for _, r := range rows {
		fmt.Fprintf(&sb, "%-5s | %-26s | %-16s | %-22s | %-22s | %-9s | %-9s | %.1f MB %.3f s (lead-in %.1f s, %d runs) / %.1f MB %.3f s\n",
			r.name, ms(r.cutFile.Wall), ms(r.writeTo.Wall),
			ms(r.child.Wall)+", "+mb(r.child.MaxRSS), ms(r.ffmpeg.Wall)+", "+mb(r.ffmpeg.MaxRSS),
			fmt.Sprintf("%.2fx", r.cutFile.Wall.Seconds()/r.ffmpeg.Wall.Seconds()),
			fmt.Sprintf("%.2fx", r.child.Wall.Seconds()/r.ffmpeg.Wall.Seconds()),
			float64(r.size)/1e6, r.duration, r.leadIn, r.runs, float64(r.ffSize)/1e6, r.ffDuration)
		b.ReportMetric(r.cutFile.Wall.Seconds()/r.ffmpeg.Wall.Seconds(), r.name+"-ratio")
		b.ReportMetric(float64(r.child.MaxRSS)/1e6, r.name+"-cutter-MB")
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

// BenchmarkWriteToBlob measures a 5-minute Fast clip of a 10-minute
// 640x360 source (3 Mb/s) stored in a local bucket, both ways the worker
// has written one: "pipe", WriteTo into an io.Pipe read by Bucket.Put (the
// copy passes through user space), and "writer", WriteTo into the file of
// a Bucket.Create writer (copy_file_range between the files). Both sync
// and rename the output. It is not run by plain `go test`:
//
//	go test ./clip -run '^$' -bench WriteToBlob -benchtime 5x
func BenchmarkWriteToBlob(b *testing.B) {
	requireFFmpeg(b)
	src, err := measure.EnsureFile(measure.DefaultWorkDir(), "src10m360p.mp4", measure.SourceFor("640x360", 600, "3M"), b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	if err := measure.Warm(src); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	bucket, err := local.New(dir)
	if err != nil {
		b.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	if err := os.Link(src, filepath.Join(dir, "src", "s.mp4")); err != nil {
		b.Fatal(err)
	}
	obj, err := bucket.Open(b.Context(), "src/s.mp4")
	if err != nil {
		b.Fatal(err)
	}
	defer obj.Close()
	m, err := ParseSource(obj, obj.Info().Size)
	if err != nil {
		b.Fatal(err)
	}
	p, err := PlanFast(m, obj, 150, 450, true)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("pipe", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			pr, pw := io.Pipe()
			go func() { _, err := p.WriteTo(pw, obj); pw.CloseWithError(err) }()
			key := fmt.Sprintf("out/pipe-%d.mp4", i)
			if _, err := bucket.Put(b.Context(), key, pr, 0); err != nil {
				b.Fatal(err)
			}
			bucket.Delete(b.Context(), key)
		}
		b.SetBytes(p.Size)
	})
	b.Run("writer", func(b *testing.B) {
		srcFile := obj.(interface{ File() *os.File }).File()
		for i := 0; b.Loop(); i++ {
			key := fmt.Sprintf("out/writer-%d.mp4", i)
			w, err := bucket.Create(b.Context(), key)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.WriteTo(w.File(), srcFile); err != nil {
				b.Fatal(err)
			}
			if _, err := w.Commit(b.Context()); err != nil {
				b.Fatal(err)
			}
			bucket.Delete(b.Context(), key)
		}
		b.SetBytes(p.Size)
	})
}
