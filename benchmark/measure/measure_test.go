package measure

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// allocEnv makes the test binary a child that touches 64 MiB and exits.
const allocEnv = "OPENVOD_MEASURE_TEST_ALLOC"

const allocSize = 64 << 20

// TestMain lets the test binary serve as a launcher (LaunchEnv) and as a
// measured child (allocEnv).
func TestMain(m *testing.M) {
	switch {
	case os.Getenv(LaunchEnv) != "":
		if err := Launch(os.Args[1:], os.Stdout, os.Stderr); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	case os.Getenv(allocEnv) != "":
		b := make([]byte, allocSize)
		for i := range b {
			b[i] = byte(i)
		}
		runtime.KeepAlive(b)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunMeasured measures a child that touches 64 MiB through the
// launcher: its peak RSS is at least that and not the test process's own.
func TestRunMeasured(t *testing.T) {
	launcher := []string{os.Args[0]}
	m, err := RunMeasured(launcher, []string{allocEnv + "=1"}, os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.MaxRSS < allocSize || m.MaxRSS > 4*allocSize || m.Wall <= 0 {
		t.Fatalf("measured %+v, want a peak RSS between 64 MiB and 256 MiB", m)
	}
	if _, err := RunMeasured(launcher, nil, "false"); err == nil {
		t.Fatal("a failing command measured without an error")
	}
}

// TestMedian checks the median wall time and the largest peak RSS.
func TestMedian(t *testing.T) {
	t.Parallel()
	ms := []Measurement{{Wall: 5 * time.Millisecond, MaxRSS: 10}, {Wall: time.Millisecond, MaxRSS: 30}, {Wall: 3 * time.Millisecond, MaxRSS: 20}}
	if got := Median(ms); got != (Measurement{Wall: 3 * time.Millisecond, MaxRSS: 30}) {
		t.Fatalf("Median = %+v", got)
	}
	if got := Median(nil); got != (Measurement{}) {
		t.Fatalf("Median(nil) = %+v", got)
	}
}

// TestVMHWM reads the test process's own peak RSS.
func TestVMHWM(t *testing.T) {
	t.Parallel()
	n, err := VMHWM(os.Getpid())
	if err != nil || n < 1<<20 {
		t.Fatalf("VMHWM = %d, %v", n, err)
	}
	if _, err := VMHWM(-1); err == nil {
		t.Fatal("VMHWM of no process is not an error")
	}
}

// TestResetHWM lowers the peak RSS of a process that grew and shrank to
// its current RSS.
func TestResetHWM(t *testing.T) {
	pid := os.Getpid()
	big := make([]byte, 200<<20)
	for i := range big {
		big[i] = 1
	}
	runtime.KeepAlive(big)
	big = nil
	runtime.GC()
	debug.FreeOSMemory()
	before, err := VMHWM(pid)
	if err != nil || before < 200<<20 {
		t.Fatalf("VMHWM after 200 MB = %d, %v", before, err)
	}
	if err := ResetHWM(pid); err != nil {
		t.Fatal(err)
	}
	after, err := VMHWM(pid)
	if err != nil || after > before-100<<20 {
		t.Fatalf("VMHWM after ResetHWM = %d, before %d (%v)", after, before, err)
	}
	if err := ResetHWM(-1); err == nil {
		t.Fatal("ResetHWM of no process is not an error")
	}
}

// TestEnsureFile generates a missing input with ffmpeg once and reuses it.
func TestEnsureFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5", "-t", "1", "-f", "mp4"}
	path, err := EnsureFile(dir, "tiny.mp4", args, nil)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 || path != filepath.Join(dir, "tiny.mp4") {
		t.Fatalf("generated %s: %v, %v", path, fi, err)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("the temporary file is left: %v", err)
	}
	// An existing file is reused: arguments ffmpeg would refuse are not run.
	if again, err := EnsureFile(dir, "tiny.mp4", []string{"-no-such-option"}, nil); err != nil || again != path {
		t.Fatalf("reuse = %s, %v", again, err)
	}
	if _, err := EnsureFile(dir, "bad.mp4", []string{"-no-such-option"}, nil); err == nil {
		t.Fatal("a failing ffmpeg run is not an error")
	}
}
