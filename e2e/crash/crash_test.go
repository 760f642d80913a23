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
	handleDelay    = 100 * time.Millisecond
	confirmWithin  = 25 * time.Second // a pull lease lasts 30 s
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
	clients []*vodevent.Client    // one per server, made once (URLs survive restarts)

	mu         sync.Mutex
	accepted   map[string]bool    // FileIds whose CommitUpload succeeded
	received   map[string]int     // FileId → times delivered
	sources    map[string]string  // FileId → SourceContext of its event
	attempts   map[string]outcome // SourceContext → how its upload attempt ended
	fileOf     map[string]string  // SourceContext → FileId of an accepted upload
	unexpected []string           // events that are not NewFileUpload with a FileId
	nextTry    atomic.Int64

	kills           atomic.Int32
	confirmRetries  atomic.Int64 // confirms that succeeded after a failed try
	confirmsGivenUp atomic.Int64 // confirms not retried after a failed try
	badConfirms     []string     // confirms rejected within the lease
	opErrors        atomic.Int64 // failed upload attempts (retried)
	deliveries      atomic.Int64
	oldLogs         []string // stderr of killed processes
}

func newRun(t *testing.T, servers ...*openvodtest.Server) *run {
	r := &run{
		t: t, name: t.Name(), start: time.Now(), servers: servers,
		accepted: map[string]bool{}, received: map[string]int{},
		sources: map[string]string{}, attempts: map[string]outcome{}, fileOf: map[string]string{},
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

// configure sets the app's event configuration (with uploads' events ON)
// through the last server, which is never killed.
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
	id := e.FileUploadEvent.FileId
	r.received[id]++
	if info := e.FileUploadEvent.MediaBasicInfo; info != nil && info.SourceInfo != nil {
		r.sources[id] = info.SourceInfo.SourceContext
	}
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
					source := fmt.Sprintf("try-%d", r.nextTry.Add(1))
					id, result, err := uploadOnce(ctx, c, httpc, payload, source)
					r.mu.Lock()
					r.attempts[source] = result
					if err == nil {
						r.accepted[id] = true
						r.fileOf[source] = id
					}
					r.mu.Unlock()
					if err == nil {
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

// outcome is how an upload attempt ended.
type outcome int

const (
	refused  outcome = iota // failed before CommitUpload, or CommitUpload answered an error: no event may exist
	unknown                 // CommitUpload got no answer: it may have committed
	accepted                // CommitUpload answered a FileId: its event must arrive
)

// uploadOnce runs ApplyUpload (with SourceContext source, which the event
// carries), PUT and CommitUpload and returns the FileId. An error means the
// upload was not known to be committed; the outcome says whether it may
// have been.
func uploadOnce(ctx context.Context, c *vodevent.Client, httpc *http.Client, payload []byte, source string) (string, outcome, error) {
	var applied struct{ VodSessionKey, UploadUrl string }
	if err := c.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "crash", "SourceContext": source}, &applied); err != nil {
		return "", refused, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, applied.UploadUrl, bytes.NewReader(payload))
	if err != nil {
		return "", refused, err
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return "", refused, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", refused, fmt.Errorf("PUT: HTTP %d", resp.StatusCode)
	}
	var committed struct{ FileId string }
	if err := c.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed); err != nil {
		if _, answered := errors.AsType[*vodevent.APIError](err); answered {
			return "", refused, err
		}
		return "", unknown, err
	}
	if committed.FileId == "" {
		return "", unknown, errors.New("CommitUpload answered no FileId")
	}
	return committed.FileId, accepted, nil
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
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Call(ctx, "DescribeEventsState", nil, &state)
		cancel()
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
	distinct, dups, extra, unknowns := 0, 0, 0, 0
	var phantoms []string // events no upload attempt can explain
	for id, n := range r.received {
		source := r.sources[id]
		switch {
		case r.accepted[id] && r.fileOf[source] == id:
			distinct++
		case !r.accepted[id] && r.attempts[source] == unknown:
			extra++
		default:
			phantoms = append(phantoms, fmt.Sprintf("%s (SourceContext %q, attempt %v, accepted as %q)", id, source, r.attempts[source], r.fileOf[source]))
		}
		dups += n - 1
	}
	for _, o := range r.attempts {
		if o == unknown {
			unknowns++
		}
	}
	unexpected := slices.Clone(r.unexpected)
	badConfirms := slices.Clone(r.badConfirms)
	r.mu.Unlock()
	missing := r.missing()
	r.t.Logf("%s: produced (accepted)=%d delivered distinct=%d duplicates=%d extra=%d lost=%d kills=%d "+
		"(deliveries=%d, failed upload attempts=%d of which %d with a CommitUpload unanswered, confirms retried=%d, confirms given up=%d, elapsed=%s)",
		r.name, accepted, distinct, dups, extra, len(missing), r.kills.Load(),
		r.deliveries.Load(), r.opErrors.Load(), unknowns, r.confirmRetries.Load(), r.confirmsGivenUp.Load(), time.Since(r.start).Round(time.Millisecond))
	if accepted != eventsPerRun {
		r.t.Errorf("%d uploads accepted, want %d", accepted, eventsPerRun)
	}
	if len(missing) > 0 {
		r.t.Errorf("LOST %d events of accepted uploads, e.g. %v", len(missing), missing[:min(len(missing), 10)])
	}
	if len(phantoms) > 0 {
		r.t.Errorf("%d events of uploads that were not accepted nor left unanswered, e.g. %v", len(phantoms), phantoms[:min(len(phantoms), 5)])
	}
	if len(badConfirms) > 0 {
		r.t.Errorf("%d ConfirmEvents rejected within the lease, e.g. %v", len(badConfirms), badConfirms[:min(len(badConfirms), 5)])
	}
	if len(unexpected) > 0 {
		r.t.Errorf("%d unexpected events, e.g. %v", len(unexpected), unexpected[:min(len(unexpected), 5)])
	}
	if k := r.kills.Load(); k < minKills {
		r.t.Errorf("%d kills, want at least %d", k, minKills)
	}
	for _, s := range r.servers {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(s.URL + "/healthz")
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
// until ctx ends. Events whose PullEvents answer is lost in a kill come
// back after their 30 s lease; so do events whose confirm could not be
// made within the lease (duplicates).
func (r *run) consumePull(ctx context.Context, pullers []*vodevent.Puller) {
	for i := 0; ctx.Err() == nil; i++ {
		p := pullers[i%len(pullers)]
		pulledAt := time.Now() // the lease starts after this
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
		// "Handle" the batch a while, so that kills also fall between a
		// pull and its confirm.
		time.Sleep(handleDelay)
		// Every other batch, a failed confirm is given up at once, as
		// vodevent.Puller.Run does: its events come back after their lease.
		r.confirm(pullers, i, handles, pulledAt, i%2 == 0)
	}
}

// confirm confirms handles, starting with pullers[i] and, when retry is
// set, going round the servers while they are unreachable, as long as the
// handles' lease lasts. A handle within its lease must be accepted, also by
// a restarted server or another server, and also when it was already
// confirmed (an answer lost in a kill).
func (r *run) confirm(pullers []*vodevent.Puller, i int, handles []string, pulledAt time.Time, retry bool) {
	for try := 0; time.Since(pulledAt) < confirmWithin; try++ {
		err := pullers[(i+try)%len(pullers)].Confirm(context.Background(), handles)
		if err == nil {
			if try > 0 {
				r.confirmRetries.Add(1)
			}
			return
		}
		if _, answered := errors.AsType[*vodevent.APIError](err); answered {
			r.mu.Lock()
			r.badConfirms = append(r.badConfirms, fmt.Sprintf("%s after %s (try %d)", err, time.Since(pulledAt).Round(time.Millisecond), try+1))
			r.mu.Unlock()
			return
		}
		if !retry {
			r.confirmsGivenUp.Add(1)
			return
		}
		time.Sleep(50 * time.Millisecond)
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
