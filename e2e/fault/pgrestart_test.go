package fault

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
)

// pgCluster is a private PostgreSQL cluster run as the postgres OS user.
type pgCluster struct {
	t        *testing.T
	bin, dir string
	port     int
}

// startCluster initialises and starts a private cluster with trust
// authentication on a free loopback port; it is stopped and removed when
// t ends.
func startCluster(t *testing.T) *pgCluster {
	t.Helper()
	const install = "install PostgreSQL: apt-get install -y postgresql (the tests run as root and use the postgres OS user)"
	initdbs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(initdbs) == 0 {
		t.Fatalf("no /usr/lib/postgresql/*/bin/initdb: %s", install)
	}
	slices.SortFunc(initdbs, func(a, b string) int { // highest major version
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
		return va - vb
	})
	pg, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("no postgres OS user: %v; %s", err, install)
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		t.Fatalf("runuser not found (util-linux): %v", err)
	}
	// Under /tmp (not t.TempDir, whose parents only root may enter), short
	// enough for the socket path.
	dir, err := os.MkdirTemp("", "ovpg")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatalf("chown %s to postgres: %v", dir, err)
	}
	addr := openvodtest.FreeAddr(t)
	_, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	c := &pgCluster{t: t, bin: filepath.Dir(initdbs[len(initdbs)-1]), dir: dir, port: port}
	t.Cleanup(func() {
		c.pgctl("stop", "-m", "immediate", "-w") // may already be stopped
		os.RemoveAll(dir)
	})
	if out, err := c.run("initdb", "-D", c.data(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.start()
	return c
}

func (c *pgCluster) data() string { return filepath.Join(c.dir, "data") }

// URL is the cluster's URL for openvod.
func (c *pgCluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

func (c *pgCluster) run(tool string, args ...string) ([]byte, error) {
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(c.bin, tool)}, args...)...)
	return cmd.CombinedOutput()
}

func (c *pgCluster) pgctl(args ...string) ([]byte, error) {
	return c.run("pg_ctl", append([]string{"-D", c.data()}, args...)...)
}

func (c *pgCluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.dir)
	if out, err := c.pgctl("-o", opts, "-l", filepath.Join(c.dir, "log"), "start", "-w", "-t", "60"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		c.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

func (c *pgCluster) stop() {
	c.t.Helper()
	if out, err := c.pgctl("stop", "-m", "fast", "-w", "-t", "60"); err != nil {
		c.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// TestPostgresRestart runs a server on a private PostgreSQL cluster that is
// restarted twice while uploads are made and their events pulled. Requests
// during an outage may fail (they are retried, not counted); afterwards the
// server is healthy, and every accepted upload's event was pulled.
func TestPostgresRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := startCluster(t)
	srv := openvodtest.Start(t, openvodtest.Options{DB: pg.URL(), Env: []string{"OPENVOD_TASK_LEASE=3s"}})
	t.Cleanup(func() { dumpErrors(t, srv.Stderr.String()) })
	c := srv.Client()
	srvs := newServers(srv)
	srv.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PULL", "UploadMediaCompleteEventSwitch": "ON"}, nil)

	b := newBook()
	consumeCtx, stopConsumer := context.WithCancel(ctx)
	consumed := make(chan struct{})
	go func() { defer close(consumed); b.consume(consumeCtx, srvs) }()
	defer func() { stopConsumer(); <-consumed }()

	hard, cancelHard := context.WithTimeout(ctx, 90*time.Second)
	defer cancelHard()
	var stop atomic.Bool
	var wg sync.WaitGroup
	payload := make([]byte, 2048)
	rand.Read(payload)
	var seq atomic.Int64
	for range 3 {
		wg.Go(func() {
			for !stop.Load() && hard.Err() == nil {
				b.uploadSession(hard, srvs, payload, fmt.Sprintf("pg-%d", seq.Add(1)))
				time.Sleep(30 * time.Millisecond)
			}
		})
	}
	var outages []string
	var lastStart time.Time
	for i, down := range []time.Duration{2 * time.Second, time.Second} {
		time.Sleep(2 * time.Second)
		b.mu.Lock()
		before := len(b.accepted)
		b.mu.Unlock()
		pg.stop()
		time.Sleep(down)
		pg.start()
		lastStart = time.Now()
		outages = append(outages, fmt.Sprintf("#%d %s after %d accepted", i+1, down, before))
	}
	recovered := waitUntil(30*time.Second, func() bool { return healthy(srv) })
	healthyAfter := time.Since(lastStart)
	time.Sleep(2 * time.Second) // uploads after the restarts too
	stop.Store(true)
	wg.Wait()
	if hard.Err() != nil {
		t.Fatalf("uploads in flight did not finish: the server did not recover")
	}

	drained := waitUntil(60*time.Second, func() bool {
		if len(b.missingUploads()) > 0 {
			return false
		}
		n, err := countToPull(c)
		return err == nil && n == 0
	})
	stopConsumer()
	<-consumed
	b.mu.Lock()
	accepted, uploadErrs, confirmsFailed := len(b.accepted), b.uploadErrors, b.confirmsFailed
	var known []string
	extra := 0
	for f := range b.known {
		known = append(known, f)
		if !b.accepted[f] {
			extra++
		}
	}
	b.mu.Unlock()
	missing := b.missingUploads()
	toPull, _ := countToPull(c)
	sc := checkStore(t, srv, known, localStore(t, srv))
	isHealthy := healthy(srv)
	t.Logf("invariants: restarts=%d (%v) events produced=%d delivered=%d pullable=%d duplicated=%d lost=%d extra=%d "+
		"media files=%d orphan files=%d partial files=%d healthy=%v (healthy again %s after the last PostgreSQL start; failed upload steps=%d, failed confirms=%d)",
		len(outages), outages, accepted, accepted-len(missing), toPull, b.uploadDuplicates(), len(missing), extra,
		sc.files, sc.orphans, sc.partial, isHealthy, healthyAfter.Round(time.Millisecond), uploadErrs, confirmsFailed)
	if !recovered {
		t.Errorf("/healthz not 200 within 30 s of the last PostgreSQL restart")
	}
	if !drained {
		t.Errorf("not drained within 60 s: %d events missing, %d to pull", len(missing), toPull)
	}
	if len(missing) > 0 {
		t.Errorf("LOST %d events of accepted uploads, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
	if accepted < 20 {
		t.Errorf("only %d uploads accepted", accepted)
	}
	if sc.files != len(known) {
		t.Errorf("media store holds %d files, want %d (the known uploads)", sc.files, len(known))
	}
	sc.assert(t)
	if !isHealthy {
		t.Errorf("/healthz not 200 at the end")
	}
}
