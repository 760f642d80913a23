// Package ffmpeg runs ffmpeg as a child process: from an argument list,
// never a shell; in a process group of its own that dies with the server
// (on Linux, even when the server is killed by SIGKILL); under a timeout;
// with its -progress output turned into a fraction done. It knows nothing
// of what a run makes: the clip and processing engines build the
// arguments.
package ffmpeg

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// ErrNotInstalled is returned by Run when ffmpeg is not on the PATH.
var ErrNotInstalled = errors.New("ffmpeg is not installed (apt-get install ffmpeg)")

// Available reports whether ffmpeg is on the PATH.
func Available() bool {
	_, err := exec.LookPath("ffmpeg")
	return err == nil
}

// Cmd is one ffmpeg run.
type Cmd struct {
	// Args follow the options Run puts first (-nostdin -v error -nostats
	// -progress pipe:1 -y): the inputs, the filters and the outputs.
	Args []string
	// Timeout bounds the run; it must be positive.
	Timeout time.Duration
	// Duration is the length, in seconds, of the output that ffmpeg's
	// out_time counts up to; with Progress, it turns out_time into a fraction.
	Duration float64
	// Progress, when set, receives the fraction done (0..1) as ffmpeg
	// reports it. It is called from Run's goroutine.
	Progress func(float64)
}

// Error is a run of ffmpeg that exited with an error: Reason is the last
// line ffmpeg printed (or the exit status).
type Error struct{ Reason string }

// Error returns the reason.
func (e *Error) Error() string { return e.Reason }

// TimeoutError is a run of ffmpeg killed at its timeout.
type TimeoutError struct{ Timeout time.Duration }

// Error says how long ffmpeg was given.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("ffmpeg did not finish within %s", e.Timeout)
}

// Run runs ffmpeg with c.Args and waits for it. The process group is
// SIGKILLed when ctx ends or the timeout passes. It returns nil when
// ffmpeg exited with status 0, a *TimeoutError at the timeout, ctx's error
// when ctx ended, and an *Error when ffmpeg failed.
func Run(ctx context.Context, c Cmd) error {
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		return ErrNotInstalled
	}
	if c.Timeout <= 0 {
		return errors.New("ffmpeg: a run needs a timeout")
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	args := append([]string{"-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-y"}, c.Args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 8 << 10}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	// The timeout may end before ffmpeg has even started.
	timedOut := func() bool { return ctx.Err() == context.DeadlineExceeded }
	exited, err := start(cmd)
	if err != nil {
		if timedOut() {
			return &TimeoutError{Timeout: c.Timeout}
		}
		return fmt.Errorf("start ffmpeg: %w", err)
	}
	readProgress(stdout, c.Duration, c.Progress)
	err = cmd.Wait()
	exited()
	switch {
	case timedOut():
		return &TimeoutError{Timeout: c.Timeout}
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return &Error{Reason: lastLine(stderr.String(), err)}
}

// Input returns ffmpeg's input for a source and the options that must
// come before it: the only protocols it may open (file for a path; for an
// http or https URL, such as a presigned GET of object storage, http,
// https, tcp and tls), and for a URL reconnection after a network error
// and a 30 s bound on each read. Give path or rawURL, not both.
func Input(path, rawURL string) (input string, args []string, err error) {
	if path != "" {
		abs, err := filepath.Abs(path)
		return "file:" + abs, []string{"-protocol_whitelist", "file"}, err
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", nil, errors.New("ffmpeg input: the source must be a file or an http(s) URL")
	}
	return rawURL, []string{"-protocol_whitelist", "http,https,tcp,tls", "-reconnect", "1", "-reconnect_on_network_error", "1",
		"-reconnect_delay_max", "10", "-rw_timeout", "30000000"}, nil
}

// start starts cmd with the attributes of [childAttr], so that the child
// dies with the server, and makes ctx's cancellation kill its process
// group. On Linux the parent-death signal is sent when the OS thread that
// started the child ends, and Go ends a thread when a goroutine locked to
// it exits; so the child is started from a goroutine locked to its
// thread, which stays locked (and alive) until the caller calls exited,
// after Wait.
func start(cmd *exec.Cmd) (exited func(), err error) {
	cmd.SysProcAttr = childAttr()
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			<-done
		}
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return func() { close(done) }, nil
}

// readProgress reads ffmpeg's -progress lines and reports the fraction done.
func readProgress(r io.Reader, total float64, report func(float64)) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || k != "out_time_us" || report == nil || total <= 0 {
			continue
		}
		if us, err := strconv.ParseInt(v, 10, 64); err == nil && us >= 0 {
			report(min(1, float64(us)/1e6/total))
		}
	}
	io.Copy(io.Discard, r)
}

// lastLine returns the last line ffmpeg printed, or the exit error.
func lastLine(stderr string, err error) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		return last
	}
	return err.Error()
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
