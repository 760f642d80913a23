package ffmpeg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func requireFFmpeg(t *testing.T) {
	t.Helper()
	if !Available() {
		t.Fatal("ffmpeg is not installed: scripts/test.sh installs it (apt-get install ffmpeg)")
	}
}

func TestRunReportsProgressAndWritesOutput(t *testing.T) {
	requireFFmpeg(t)
	out := filepath.Join(t.TempDir(), "out.mp4")
	var last float64
	calls := 0
	err := Run(context.Background(), Cmd{
		Args:     []string{"-f", "lavfi", "-i", "testsrc=size=160x90:rate=25:duration=4", "-c:v", "libx264", "-preset", "ultrafast", out},
		Timeout:  time.Minute,
		Duration: 4,
		Progress: func(f float64) {
			if f < last {
				t.Errorf("progress went back from %g to %g", last, f)
			}
			last = f
			calls++
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last < 0.9 || last > 1 {
		t.Fatalf("progress: %d calls, last %g; want some, ending in [0.9, 1]", calls, last)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() < 1000 {
		t.Fatalf("output: %v %v", fi, err)
	}
}

func TestRunFailureGivesFFmpegsReason(t *testing.T) {
	requireFFmpeg(t)
	err := Run(context.Background(), Cmd{Args: []string{"-i", "file:" + filepath.Join(t.TempDir(), "missing.mp4"), "-f", "null", "-"}, Timeout: time.Minute})
	var fe *Error
	if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "No such file") {
		t.Fatalf("got %v, want an *Error naming the missing file", err)
	}
}

func TestRunTimeoutKillsFFmpeg(t *testing.T) {
	requireFFmpeg(t)
	start := time.Now()
	err := Run(context.Background(), Cmd{Args: []string{"-re", "-f", "lavfi", "-i", "testsrc=duration=60", "-f", "null", "-"}, Timeout: 500 * time.Millisecond})
	var te *TimeoutError
	if !errors.As(err, &te) || te.Timeout != 500*time.Millisecond {
		t.Fatalf("got %v, want a *TimeoutError of 500ms", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Run returned after %s; the kill should end it at once", d)
	}
}

func TestRunCancelled(t *testing.T) {
	requireFFmpeg(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	err := Run(ctx, Cmd{Args: []string{"-re", "-f", "lavfi", "-i", "testsrc=duration=60", "-f", "null", "-"}, Timeout: time.Minute})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestRunNeedsTimeout(t *testing.T) {
	if err := Run(context.Background(), Cmd{Args: []string{"-version"}}); err == nil {
		t.Fatal("a run without a timeout was started")
	}
}

func TestInput(t *testing.T) {
	in, args, err := Input("rel/src.mp4", "")
	if err != nil || !strings.HasPrefix(in, "file:/") || strings.Join(args, " ") != "-protocol_whitelist file" {
		t.Fatalf("file: %q %q %v", in, args, err)
	}
	in, args, err = Input("", "https://store.example/k?X-Amz-Signature=1")
	if err != nil || in != "https://store.example/k?X-Amz-Signature=1" || args[1] != "http,https,tcp,tls" {
		t.Fatalf("url: %q %q %v", in, args, err)
	}
	for _, bad := range []string{"file:///etc/passwd", "concat:a|b", "rtmp://x/y", "::"} {
		if _, _, err := Input("", bad); err == nil {
			t.Errorf("Input(%q) accepted", bad)
		}
	}
}
