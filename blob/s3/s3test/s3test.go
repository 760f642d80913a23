// Package s3test runs a real S3 server for tests: versitygw serving a
// temporary directory on a loopback port. scripts/test.sh installs the
// binary; a test that cannot find or start it fails with a message saying
// so, it never skips. Outages (outage.go) and a proxy counting requests and
// bytes (counted.go) put the server under the conditions a test needs.
package s3test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/openvod/openvod"
	s3blob "github.com/openvod/openvod/blob/s3"
)

// Version is the versitygw release the tests run, as scripts/test.sh installs it.
const Version = "v1.8.0"

// Credentials of every test server.
const (
	AccessKey = "openvodtest"
	SecretKey = "openvodtest-secret"
)

// Binary returns the versitygw binary: $OPENVOD_VERSITYGW, else the one
// scripts/test.sh installs under the user's cache directory, else one on
// the PATH.
func Binary() (string, error) {
	if p := os.Getenv("OPENVOD_VERSITYGW"); p != "" {
		return p, nil
	}
	if dir, err := os.UserCacheDir(); err == nil {
		p := filepath.Join(dir, "openvod", "tools", "versitygw-"+Version, "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("versitygw %s not found: run ./scripts/test.sh, which installs it, or set OPENVOD_VERSITYGW", Version)
}

// Server is a running versitygw.
type Server struct {
	// Endpoint is the server's URL, such as http://127.0.0.1:40123.
	Endpoint string
	// Dir is the directory it serves: one subdirectory per bucket, one
	// file per object.
	Dir string

	bin  string
	addr string
	cmd  atomic.Pointer[exec.Cmd]
}

// Start starts a server that lives until t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Launch(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	return s
}

// Launch starts a server of dir (created if missing) on a free loopback
// port, for a program rather than a test (the benchmarks); the caller must
// Stop it.
func Launch(dir string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{Endpoint: "http://" + addr, Dir: dir, bin: bin, addr: addr}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// start runs versitygw and waits until it answers its health check.
func (s *Server) start() error {
	cmd := exec.Command(s.bin, "--access", AccessKey, "--secret", SecretKey, "--port", s.addr,
		"--health", "/health", "--quiet", "posix", s.Dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start versitygw: %v", err)
	}
	s.cmd.Store(cmd)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.kill()
			return fmt.Errorf("versitygw at %s not healthy within 15 s (%v); its output:\n%s", s.addr, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) kill() {
	if cmd := s.cmd.Swap(nil); cmd != nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// Restart kills the server with SIGKILL and starts it again on the same
// address and directory.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.kill()
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
}

// Stop kills the server with SIGKILL; Restart starts it again.
func (s *Server) Stop() { s.kill() }

// Credentials returns the server's static credentials.
func Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, "")
}

// Env returns the environment variables that give a process the server's
// credentials through the standard AWS chain.
func Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey}
}

// NewBucket creates an empty bucket with a fresh name and returns the
// configuration that reaches it.
func (s *Server) NewBucket(t testing.TB) s3blob.Config {
	t.Helper()
	cfg, err := s.CreateBucket("t" + openvod.RandomHex(8))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// CreateBucket creates the bucket name and returns the configuration that
// reaches it.
func (s *Server) CreateBucket(name string) (s3blob.Config, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		return s3blob.Config{}, fmt.Errorf("create bucket %s: %v", name, err)
	}
	return s3blob.Config{Bucket: name, Endpoint: s.Endpoint, PathStyle: true, Credentials: Credentials()}, nil
}

// Files returns the keys of the objects of bucket, read from the
// directory the server serves (one file per object; its own partial
// writes under .sgwtmp left out), so that it works while the server is
// down. An object deleted while the directory is read may be listed or not.
func (s *Server) Files(t testing.TB, bucket string) []string {
	t.Helper()
	dir := filepath.Join(s.Dir, bucket)
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p != dir {
			return nil // removed while listed: the server removes emptied directories
		}
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".sgwtmp" {
			return fs.SkipDir
		}
		if d.Type().IsRegular() {
			files = append(files, strings.TrimPrefix(p, dir+"/"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Uploads returns the keys of the multipart uploads in progress in bucket
// (ListMultipartUploads).
func (s *Server) Uploads(t testing.TB, bucket string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in := &s3.ListMultipartUploadsInput{Bucket: &bucket}
	var keys []string
	for {
		out, err := s.client().ListMultipartUploads(ctx, in)
		if err != nil {
			t.Fatalf("list multipart uploads of %s: %v", bucket, err)
		}
		for _, u := range out.Uploads {
			keys = append(keys, aws.ToString(u.Key))
		}
		if !aws.ToBool(out.IsTruncated) {
			return keys
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

// client returns an S3 client of the server.
func (s *Server) client() *s3.Client {
	return s3.New(s3.Options{
		Region: s3blob.RegionDefault, Credentials: Credentials(), BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true,
	})
}

// Open returns the bucket of cfg.
func Open(t testing.TB, cfg s3blob.Config) *s3blob.Bucket {
	t.Helper()
	b, err := s3blob.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
