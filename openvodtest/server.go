// Package openvodtest starts real openvod server processes for tests: the
// binary is built once per test binary, each server gets its own port and
// data directory, and can be killed with SIGKILL and restarted.
package openvodtest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openvod/openvod/vodevent"
)

// Test credentials every server started here accepts.
const (
	SecretID  = "AKIDopenvodtest0000000000000000"
	SecretKey = "openvodtestsecretkey000000000000"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/openvod once and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "openvod-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "openvod")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/openvod")
		cmd.Dir = moduleRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// Options configure a server.
type Options struct {
	// DB is a postgres:// URL; empty means SQLite in the data directory.
	DB string
	// DataDir is the data directory; a fresh temporary one when empty.
	DataDir string
	// Env adds environment variables (NAME=value).
	Env []string
}

// Server is a running openvod process.
type Server struct {
	t       testing.TB
	opts    Options
	Addr    string // host:port
	URL     string // http://host:port
	DataDir string
	cmd     *exec.Cmd
	exited  chan struct{}
	Stdout  *SyncBuffer
	Stderr  *SyncBuffer
}

// Start starts a server and waits until /healthz answers. It is killed at
// the end of the test.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	s := &Server{t: t, opts: opts, DataDir: opts.DataDir}
	s.start()
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.Stderr.String())
		}
	})
	return s
}

func (s *Server) start() {
	s.t.Helper()
	if s.Addr == "" {
		s.Addr = FreeAddr(s.t)
		s.URL = "http://" + s.Addr
	}
	cmd := exec.Command(Binary(s.t), "serve")
	cmd.Env = append(os.Environ(),
		"OPENVOD_ADDR="+s.Addr,
		"OPENVOD_DATA_DIR="+s.DataDir,
		"OPENVOD_DB="+s.opts.DB,
		"OPENVOD_SECRET_ID="+SecretID,
		"OPENVOD_SECRET_KEY="+SecretKey,
		"OPENVOD_LOG_LEVEL=debug",
	)
	cmd.Env = append(cmd.Env, s.opts.Env...)
	s.Stdout, s.Stderr = &SyncBuffer{}, &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = s.Stdout, s.Stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	exited := make(chan struct{})
	s.exited = exited
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			s.t.Fatalf("openvod exited at start:\n%s", s.Stderr.String())
		default:
		}
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("openvod not healthy after 30s:\n%s", s.Stderr.String())
}

// Kill sends SIGKILL and waits for the process to end.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// Restart starts the server again on the same address and data.
func (s *Server) Restart() {
	s.t.Helper()
	s.start()
}

// DataFiles lists the files of the data directory other than the SQLite
// database (openvod.db and its journal) and the key file: with media on
// an object store, there are none.
func (s *Server) DataFiles() []string {
	var files []string
	filepath.WalkDir(s.DataDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), "openvod.db") && d.Name() != "credentials.json" {
			files = append(files, p)
		}
		return err
	})
	return files
}

// Client returns an API client with the test key.
func (s *Server) Client() *vodevent.Client {
	return &vodevent.Client{Endpoint: s.URL, SecretId: SecretID, SecretKey: SecretKey, HTTPClient: &http.Client{Timeout: 30 * time.Second}}
}

// Call runs an action and fails the test on any error.
func (s *Server) Call(ctx context.Context, action string, params map[string]any, out any) {
	s.t.Helper()
	if err := s.Client().Call(ctx, action, params, out); err != nil {
		s.t.Fatalf("%s: %v", action, err)
	}
}

// FreeAddr returns a free loopback address.
func FreeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// SyncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
