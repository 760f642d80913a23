package benchmark

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/openvod/openvod/benchmark/measure"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"

	"github.com/openvod/openvod/vodevent"
)

// Credentials of the benchmark's servers.
const (
	secretID  = "AKIDopenvodbench00000000000000"
	secretKey = "openvodbenchsecretkey00000000000"
)

// serverProc is a running `openvod serve` child process.
type serverProc struct {
	URL     string
	DataDir string
	cmd     *exec.Cmd
	exited  chan struct{}
	stderr  *os.File
}

// startServer starts self serve on a free loopback port with dataDir, db
// (empty: SQLite in dataDir) and env added to its environment, and waits
// for /healthz.
func startServer(self, dataDir, db string, env ...string) (*serverProc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dataDir, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "serve")
	cmd.Env = append(os.Environ(),
		"OPENVOD_ADDR="+addr,
		"OPENVOD_DATA_DIR="+dataDir,
		"OPENVOD_DB="+db,
		"OPENVOD_SECRET_ID="+secretID,
		"OPENVOD_SECRET_KEY="+secretKey,
		"OPENVOD_LOG_LEVEL=warn",
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &serverProc{URL: "http://" + addr, DataDir: dataDir, cmd: cmd, exited: make(chan struct{}), stderr: logf}
	go func() { cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("openvod serve exited at start:\n%s", s.log())
		default:
		}
		if resp, err := http.Get(s.URL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("openvod serve not healthy after 60s:\n%s", s.log())
}

func (s *serverProc) log() string {
	b, _ := os.ReadFile(filepath.Join(s.DataDir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// peakRSS returns the server's VmHWM.
func (s *serverProc) peakRSS() (int64, error) { return measure.VMHWM(s.cmd.Process.Pid) }

// stop ends the server with SIGTERM (SIGKILL after 10 s).
func (s *serverProc) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.stderr.Close()
}

// client returns an API client with the benchmark's key.
func (s *serverProc) client() *vodevent.Client {
	return &vodevent.Client{Endpoint: s.URL, SecretId: secretID, SecretKey: secretKey,
		HTTPClient: &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// pgSchema is a fresh PostgreSQL schema for one run.
type pgSchema struct {
	db     *sql.DB
	name   string
	URL    string // base URL with search_path set to the schema
	Server string // server_version
}

// newSchema creates openvod_bench_<random> in the database at base.
func newSchema(ctx context.Context, base string) (*pgSchema, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("--postgres must be a postgres:// URL, got %q", base)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return nil, err
	}
	s := &pgSchema{db: db, name: "openvod_bench_" + strings.ToLower(rand.Text()[:16])}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.QueryRowContext(ctx, `SHOW server_version`).Scan(&s.Server); err != nil {
		db.Close()
		return nil, fmt.Errorf("PostgreSQL at %s is not usable: %v (start it, e.g. `pg_ctlcluster 15 main start`, or pass --postgres URL)", u.Redacted(), err)
	}
	if f := strings.Fields(s.Server); len(f) > 0 {
		s.Server = f[0]
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+s.name); err != nil {
		db.Close()
		return nil, fmt.Errorf("create schema on %s: %v", u.Redacted(), err)
	}
	q := u.Query()
	q.Set("search_path", s.name)
	u.RawQuery = q.Encode()
	s.URL = u.String()
	return s, nil
}

// drop removes the schema.
func (s *pgSchema) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.db.ExecContext(ctx, `DROP SCHEMA `+s.name+` CASCADE`)
	s.db.Close()
	return err
}

// upload stores a file through ApplyUpload, PUT and CommitUpload and
// returns its FileId.
func upload(ctx context.Context, c *vodevent.Client, path string) (string, error) {
	session, err := applyAndPut(ctx, c, path)
	if err != nil {
		return "", err
	}
	var committed struct{ FileId string }
	if err := c.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": session}, &committed); err != nil {
		return "", err
	}
	return committed.FileId, nil
}

// applyAndPut runs ApplyUpload and PUTs the file; it returns the session
// key to commit.
func applyAndPut(ctx context.Context, c *vodevent.Client, path string) (string, error) {
	var applied struct{ VodSessionKey, UploadUrl string }
	if err := c.Call(ctx, "ApplyUpload", map[string]any{"MediaType": strings.TrimPrefix(filepath.Ext(path), ".")}, &applied); err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, applied.UploadUrl, f)
	if err != nil {
		return "", err
	}
	req.ContentLength = st.Size()
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return "", fmt.Errorf("upload PUT: %s: %s", resp.Status, b.String())
	}
	return applied.VodSessionKey, nil
}
