// Package measure holds the measuring tools of the benchmarks: generated
// inputs, child processes timed with their peak memory, medians, and a
// description of the machine.
package measure

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// SourceArgs are the ffmpeg arguments (before the output path) of the
// 60-minute benchmark source: 1280x720 30 fps H.264 (2 B-frames, 2 s
// closed GOP, 3 Mb/s) and 48 kHz AAC from ffmpeg's lavfi sources, about
// 1.4 GB; generating it takes 3 to 5 minutes on 2 cores. The command is the
// 60-minute source docs/benchmarks.md describes.
var SourceArgs = SourceFor("1280x720", 3600, "3M")

// SourceFor returns the source command for a size, a duration in seconds
// and a video bit rate.
func SourceFor(size string, seconds int, rate string) []string {
	return []string{
		"-hide_banner", "-nostdin", "-y", "-v", "error",
		"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=30",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", fmt.Sprint(seconds), "-map", "0:v", "-map", "1:a",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-bf", "2",
		"-b:v", rate, "-maxrate", rate, "-bufsize", "6M",
		"-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", "-f", "mp4",
	}
}

// DefaultWorkDir is where generated inputs are kept between runs.
func DefaultWorkDir() string { return filepath.Join(os.TempDir(), "openvod-bench") }

// EnsureFile returns dir/name, generating it with ffmpeg args (followed by
// the output path) when it does not exist yet. An existing file is reused.
func EnsureFile(dir, name string, args []string, logf func(string, ...any)) (string, error) {
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if logf != nil {
		logf("generating %s with ffmpeg", path)
	}
	tmp := path + ".tmp"
	if out, err := exec.Command("ffmpeg", append(slices.Clone(args), tmp)...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("ffmpeg: %v\n%s", err, out)
	}
	return path, os.Rename(tmp, path)
}

// EnsureSource returns the 60-minute source in dir, generating it once.
func EnsureSource(dir string, logf func(string, ...any)) (string, error) {
	return EnsureFile(dir, "src60m720p.mp4", SourceArgs, logf)
}

// Measurement is one run of a command.
type Measurement struct {
	Wall   time.Duration
	MaxRSS int64 // bytes; 0 when not measured
}

// LaunchEnv names the environment variable that marks a launcher process;
// Launch removes it from its child's environment.
//
// A launcher is there because Go starts children with CLONE_VFORK|CLONE_VM,
// and on exec the kernel records the RSS high-water mark of the memory the
// child shared until then, the parent's, in the child's ru_maxrss: a child
// of the benchmark process would report at least the benchmark's own peak.
// A child of a small launcher reports at least the launcher's (a few MB),
// which is below what is measured.
const LaunchEnv = "OPENVOD_BENCH_LAUNCH"

// Launch is a launcher's main: it runs args[0] with args[1:] and prints the
// child's wall time (ns) and peak RSS (bytes) on stdout. It returns an error
// when there is no command or the child fails; the child's stderr is stderr.
func Launch(args []string, stdout, stderr io.Writer) error {
	if len(args) < 1 {
		return errors.New("launch: no command")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, LaunchEnv+"=") })
	cmd.Stderr = stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		return fmt.Errorf("launch %s: %w", args[0], err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return fmt.Errorf("launch %s: no resource usage", args[0])
	}
	_, err = fmt.Fprintf(stdout, "%d %d\n", wall.Nanoseconds(), ru.Maxrss*1024)
	return err
}

// RunMeasured runs name with args through a launcher, the command
// launcher (a program and its first arguments, which must end in a call of
// Launch with the rest of the command line), with env added to the
// environment, and returns the wall time and peak RSS of name.
func RunMeasured(launcher, env []string, name string, args ...string) (Measurement, error) {
	cmd := exec.Command(launcher[0], slices.Concat(launcher[1:], []string{name}, args)...)
	cmd.Env = append(os.Environ(), append(slices.Clone(env), LaunchEnv+"=1")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Measurement{}, fmt.Errorf("%s: %v\n%s", name, err, stderr.String())
	}
	var wall, rss int64
	if _, err := fmt.Sscan(string(out), &wall, &rss); err != nil {
		return Measurement{}, fmt.Errorf("launcher output %q: %v", out, err)
	}
	return Measurement{Wall: time.Duration(wall), MaxRSS: rss}, nil
}

// Median returns the median wall time and the largest peak RSS.
func Median(ms []Measurement) Measurement {
	if len(ms) == 0 {
		return Measurement{}
	}
	walls := make([]time.Duration, len(ms))
	var rss int64
	for i, m := range ms {
		walls[i] = m.Wall
		rss = max(rss, m.MaxRSS)
	}
	slices.Sort(walls)
	return Measurement{Wall: walls[len(walls)/2], MaxRSS: rss}
}

// Warm reads the whole file so that it is in the page cache.
func Warm(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

// CPUModel returns the CPU model name from /proc/cpuinfo.
func CPUModel() string {
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

// Machine describes the CPU, cores, OS and Go version in one line.
func Machine() string {
	return fmt.Sprintf("%s, %d cores, %s/%s, %s", CPUModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// MemTotal returns MemTotal from /proc/meminfo, e.g. "23.4 GiB".
func MemTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

// Kernel returns the kernel release.
func Kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS
	}
	return "Linux " + strings.TrimSpace(string(b))
}

// FFmpegVersion returns ffmpeg's version number.
func FFmpegVersion() string {
	out, err := exec.Command("ffmpeg", "-version").Output()
	if err != nil {
		return "not installed"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	if f := strings.Fields(line); len(f) >= 3 {
		return f[2]
	}
	return line
}

// ResetHWM resets the peak resident set size of a process to its current
// resident set size (Linux's clear_refs), so that a later VMHWM is the
// peak since then.
func ResetHWM(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// VMHWM returns the peak resident set size of a process, in bytes.
func VMHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb); err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// LoadAvg returns the 1, 5 and 15-minute load averages.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
