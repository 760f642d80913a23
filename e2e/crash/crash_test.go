// Package crash runs crash tests of the event notification system with real
// openvod processes: while events are produced, a server is SIGKILLed and
// restarted again and again, and a consumer (pull) or an HTTP receiver
// (push) must end up holding every event whose cause was answered with
// success. Events may arrive more than once; none may be lost.
//
// Events are NewFileUpload notifications of tiny uploads (ApplyUpload, PUT,
// CommitUpload), identified by FileId. An upload is "accepted" when
// CommitUpload answered with success: its event must arrive. A CommitUpload
// in flight at a kill may or may not have committed; its event, when it
// arrives, is "extra" (neither lost nor a duplicate).
package crash

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/tcapi"
	"github.com/openvod/openvod/vodevent"
)

// Parameters of every run.
const (
	eventsPerRun   = 1000             // accepted uploads per run
	producers      = 8                // concurrent upload loops
	produceOver    = 8 * time.Second  // uploads are paced over about this long
	minKills       = 3                // SIGKILLs per run, at least
	runDeadline    = 85 * time.Second // everything of one run, production to last event
	produceTimeout = 45 * time.Second // production alone
)

// pushEnv makes push retries quick.
var pushEnv = []string{"OPENVOD_PUSH_RETRY_BASE=100ms", "OPENVOD_PUSH_RETRY_MAX=1s"}

// run is the state of one crash run: its servers, what was produced and
// what was received.
type run struct {
	t       *testing.T
	name    string
	start   time.Time
	servers []*openvodtest.Server // servers[0] is the one killed
	clients []*tcapi.Client       // one per server, made once (URLs survive restarts)

	mu         sync.Mutex
	accepted   map[string]bool // FileIds whose CommitUpload succeeded
	received   map[string]int  // FileId → times delivered
	unexpected []string        // events that are not NewFileUpload with a FileId

	kills      atomic.Int32
	opErrors   atomic.Int64 // failed upload attempts (retried)
	deliveries atomic.Int64
	oldLogs    []string // stderr of killed processes
}

func newRun(t *testing.T, servers ...*openvodtest.Server) *run {
	r := &run{
		t: t, name: t.Name(), start: time.Now(), servers: servers,
		accepted: map[string]bool{}, received: map[string]int{},
	}
	for _, s := range servers {
		r.clients = append(r.clients, s.Client())
	}
	t.Cleanup(func() {
		if t.Failed() {
			r.dumpLogs()
		}
	})
	return r
}

// configure sets the app's event configuration through the first live server.
func (r *run) configure(params map[string]any) {
	r.t.Helper()
	params["UploadMediaCompleteEventSwitch"] = "ON"
	r.servers[len(r.servers)-1].Call(context.Background(), "ModifyEventConfig", params, nil)
}

// record takes one delivered event.
func (r *run) record(e *vodevent.EventContent) {
	r.deliveries.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.EventType != vodevent.TypeNewFileUpload || e.FileUploadEvent == nil || e.FileUploadEvent.FileId == "" {
		r.unexpected = append(r.unexpected, fmt.Sprintf("%s %+v", e.EventType, e.FileUploadEvent))
		return
	}
	r.received[e.FileUploadEvent.FileId]++
}

// missing returns the accepted FileIds not received yet.
func (r *run) missing() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for id := range r.accepted {
		if r.received[id] == 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// produce starts the upload loops; the channel closes when eventsPerRun
// uploads have been accepted (or production timed out).
func (r *run) produce(ctx context.Context) <-chan struct{} {
	ctx, cancel := context.WithTimeout(ctx, produceTimeout)
	var next atomic.Int64
	var wg sync.WaitGroup
	payload := make([]byte, 2048)
	rand.Read(payload)
	httpc := &http.Client{Timeout: 10 * time.Second}
	begin := time.Now()
	for g := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := r.clients[g%len(r.clients)] // an upload's three steps go to one server: its bytes are on its disk
			for {
				i := next.Add(1) - 1
				if i >= eventsPerRun {
					return
				}
				// Pace: ticket i starts no earlier than its slot.
				if d := time.Until(begin.Add(time.Duration(i) * produceOver / eventsPerRun)); d > 0 {
					select {
					case <-time.After(d):
					case <-ctx.Done():
						return
					}
				}
				for {
					id, err := uploadOnce(ctx, c, httpc, payload)
					if err == nil {
						r.mu.Lock()
						r.accepted[id] = true
						r.mu.Unlock()
						break
					}
					if ctx.Err() != nil {
						return
					}
					r.opErrors.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); cancel(); close(done) }()
	return done
}

// uploadOnce runs ApplyUpload, PUT and CommitUpload and returns the FileId;
// an error means the upload was not (known to be) committed.
func uploadOnce(ctx context.Context, c *tcapi.Client, httpc *http.Client, payload []byte) (string, error) {
	var applied struct{ VodSessionKey, UploadUrl string }
	if err := c.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "crash"}, &applied); err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, applied.UploadUrl, bytes.NewReader(payload))
	if err != nil {
		return "", err
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("PUT: HTTP %d", resp.StatusCode)
	}
	var committed struct{ FileId string }
	if err := c.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed); err != nil {
		return "", err
	}
	if committed.FileId == "" {
		return "", errors.New("CommitUpload answered no FileId")
	}
	return committed.FileId, nil
}

// killLoop SIGKILLs servers[0] every 1–2 s and restarts it at once, until
// production is done and at least minKills kills were made. It runs on the
// test goroutine (Restart may fail the test).
func (r *run) killLoop(produced <-chan struct{}) {
	r.t.Helper()
	for {
		select {
		case <-time.After(time.Second + mrand.N(time.Second)):
		case <-produced:
			if int(r.kills.Load()) >= minKills {
				return
			}
			time.Sleep(time.Second + mrand.N(time.Second))
		}
		r.kill()
		r.restart()
		select {
		case <-produced:
			if int(r.kills.Load()) >= minKills {
				return
			}
		default:
		}
	}
}

// kill SIGKILLs servers[0] and keeps its log.
func (r *run) kill() {
	s := r.servers[0]
	s.Kill()
	r.kills.Add(1)
	r.oldLogs = append(r.oldLogs, s.Stderr.String())
}

func (r *run) restart() {
	r.t.Helper()
	r.servers[0].Restart()
}

// waitFor polls cond until it holds or the run's deadline passes.
func (r *run) waitFor(what string, cond func() bool) bool {
	r.t.Helper()
	for !cond() {
		if time.Since(r.start) > runDeadline {
			r.t.Errorf("%s: timed out after %s waiting for %s", r.name, time.Since(r.start).Round(time.Millisecond), what)
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// countToPull asks the first server that answers for DescribeEventsState.
func (r *run) countToPull() (int64, error) {
	var errs []error
	for _, c := range r.clients {
		var state struct{ CountOfEventsToPull int64 }
		err := c.Call(context.Background(), "DescribeEventsState", nil, &state)
		if err == nil {
			return state.CountOfEventsToPull, nil
		}
		errs = append(errs, err)
	}
	return 0, errors.Join(errs...)
}

// check asserts the run's invariants and logs its counts.
func (r *run) check(produced <-chan struct{}) {
	r.t.Helper()
	select {
	case <-produced:
	default:
		r.t.Fatalf("%s: production not finished", r.name)
	}
	r.mu.Lock()
	accepted := len(r.accepted)
	distinct, dups, extra := 0, 0, 0
	for id, n := range r.received {
		if r.accepted[id] {
			distinct++
		} else {
			extra++
		}
		dups += n - 1
	}
	unexpected := slices.Clone(r.unexpected)
	r.mu.Unlock()
	missing := r.missing()
	r.t.Logf("%s: produced (accepted)=%d delivered distinct=%d duplicates=%d extra=%d lost=%d kills=%d deliveries=%d upload errors=%d elapsed=%s",
		r.name, accepted, distinct, dups, extra, len(missing), r.kills.Load(), r.deliveries.Load(), r.opErrors.Load(),
		time.Since(r.start).Round(time.Millisecond))
	if accepted != eventsPerRun {
		r.t.Errorf("%d uploads accepted, want %d", accepted, eventsPerRun)
	}
	if len(missing) > 0 {
		r.t.Errorf("LOST %d events of accepted uploads, e.g. %v", len(missing), missing[:min(len(missing), 10)])
	}
	if len(unexpected) > 0 {
		r.t.Errorf("%d unexpected events, e.g. %v", len(unexpected), unexpected[:min(len(unexpected), 5)])
	}
	if k := r.kills.Load(); k < minKills {
		r.t.Errorf("%d kills, want at least %d", k, minKills)
	}
	for _, s := range r.servers {
		resp, err := http.Get(s.URL + "/healthz")
		if err != nil {
			r.t.Errorf("%s /healthz: %v", s.URL, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			r.t.Errorf("%s /healthz: HTTP %d", s.URL, resp.StatusCode)
		}
		entries, err := os.ReadDir(filepath.Join(s.DataDir, "media", ".tmp"))
		if err != nil {
			r.t.Errorf("read %s/media/.tmp: %v", s.DataDir, err)
		}
		if len(entries) != 0 {
			r.t.Errorf("%d temporary files left in %s/media/.tmp", len(entries), s.DataDir)
		}
	}
}

// dumpLogs logs the warnings and errors of every process of the run.
func (r *run) dumpLogs() {
	logs := append(slices.Clone(r.oldLogs), "")
	for _, s := range r.servers {
		if s.Stderr != nil {
			logs = append(logs, s.Stderr.String())
		}
	}
	var lines []string
	for gen, l := range logs {
		for line := range strings.Lines(l) {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
				lines = append(lines, fmt.Sprintf("[process %d] %s", gen, strings.TrimSpace(line)))
			}
		}
	}
	if len(lines) > 60 {
		lines = append(lines[:30], append([]string{"..."}, lines[len(lines)-30:]...)...)
	}
	r.t.Logf("%s: warnings and errors of the server processes:\n%s", r.name, strings.Join(lines, "\n"))
}

// puller returns a vodevent.Puller on s.
func puller(s *openvodtest.Server) *vodevent.Puller {
	return &vodevent.Puller{
		Endpoint: s.URL, SecretId: openvodtest.SecretID, SecretKey: openvodtest.SecretKey,
		HTTPClient: &http.Client{Timeout: 20 * time.Second},
	}
}

// consumePull pulls from the pullers in turn and confirms what it pulled,
// until ctx ends. A failed confirm is tried once on another server (the
// queue is shared); events whose confirm is lost come back after their
// 30 s lease, as duplicates.
func (r *run) consumePull(ctx context.Context, pullers []*vodevent.Puller) {
	for i := 0; ctx.Err() == nil; i++ {
		p := pullers[i%len(pullers)]
		events, err := p.PullOnce(ctx)
		if err != nil {
			if ctx.Err() == nil {
				time.Sleep(50 * time.Millisecond)
			}
			continue
		}
		handles := make([]string, 0, len(events))
		for _, e := range events {
			r.record(e)
			handles = append(handles, e.EventHandle)
		}
		if len(handles) == 0 {
			continue
		}
		if err := p.Confirm(context.WithoutCancel(ctx), handles); err != nil && len(pullers) > 1 {
			pullers[(i+1)%len(pullers)].Confirm(context.WithoutCancel(ctx), handles)
		}
	}
}

// finishPull waits until every accepted event was pulled and nothing is
// left to pull, then stops the consumer.
func (r *run) finishPull(stop context.CancelFunc, stopped <-chan struct{}) {
	r.t.Helper()
	r.waitFor("every event to be pulled and confirmed", func() bool {
		if len(r.missing()) > 0 {
			return false
		}
		n, err := r.countToPull()
		return err == nil && n == 0
	})
	stop()
	<-stopped
	n, err := r.countToPull()
	if err != nil || n != 0 {
		r.t.Errorf("DescribeEventsState after the consumer finished: %d, %v; want 0", n, err)
	}
}
