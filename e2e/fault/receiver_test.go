package fault

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/vodevent"
)

// Receiver phases, in the order the test goes through them.
const (
	phaseDown = iota // not listening
	phaseSlow        // answers 200 after the push timeout
	phase500
	phase429 // 429 with Retry-After: 1
	phaseOK
)

var phaseNames = []string{"down", "slow", "500", "429", "healthy"}

const (
	pushTimeout  = 300 * time.Millisecond
	slowAnswer   = 700 * time.Millisecond
	phaseLength  = 1500 * time.Millisecond
	faultEvents  = 100
	receiverWait = 45 * time.Second
)

// faultyReceiver is a push receiver whose behaviour depends on the phase.
type faultyReceiver struct {
	t     *testing.T
	ln    *openvodtest.Listener
	phase atomic.Int32

	mu        sync.Mutex
	delivered map[string]int    // webhook-id → 2xx answers in time
	fileOf    map[string]string // webhook-id → FileId of its NewFileUpload
	answered  map[int]int       // phase → requests answered in it
}

func (rc *faultyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.Header.Get("webhook-id")
	phase := int(rc.phase.Load())
	rc.mu.Lock()
	rc.answered[phase]++
	rc.mu.Unlock()
	switch phase {
	case phaseSlow:
		time.Sleep(slowAnswer) // the server gave up at pushTimeout: not delivered
		w.WriteHeader(http.StatusOK)
		return
	case phase500:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case phase429:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	}
	var e vodevent.EventContent
	if err := json.Unmarshal(body, &e); err != nil || id == "" {
		http.Error(w, "bad event", http.StatusBadRequest)
		rc.t.Errorf("receiver: event %q: %v %s", id, err, body)
		return
	}
	rc.mu.Lock()
	rc.delivered[id]++
	if e.FileUploadEvent != nil {
		rc.fileOf[id] = e.FileUploadEvent.FileId
	}
	rc.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

type attempt struct {
	EventId, EventType, Time, Url, Error string
	StatusCode                           int
	LatencyMs                            float64
}

// TestReceiverFaults pushes ~100 upload events to a receiver that is down
// (connection refused), then slow (answers after the push timeout), then
// answers 500, then 429 with Retry-After: 1, then is healthy. Every event
// ends delivered, none is left to pull, and the attempt log shows each
// kind of failure; an attempt after a 429 came at least 1 s later.
func TestReceiverFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rc := &faultyReceiver{t: t, delivered: map[string]int{}, fileOf: map[string]string{}, answered: map[int]int{}}
	rc.ln = openvodtest.Listen(t, rc)
	rc.ln.Down() // down: the port is known, nothing listens
	rc.phase.Store(phaseDown)

	srv := openvodtest.Start(t, openvodtest.Options{Env: []string{
		"OPENVOD_PUSH_TIMEOUT=" + pushTimeout.String(), "OPENVOD_PUSH_RETRY_BASE=100ms",
		"OPENVOD_PUSH_RETRY_MAX=500ms", "OPENVOD_PUSH_RETRY_WINDOW=30s"}})
	t.Cleanup(func() { dumpErrors(t, srv.Stderr.String()) })
	c := srv.Client()
	srvs := newServers(srv)
	srv.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PUSH", "NotificationUrl": "http://" + rc.ln.Addr + "/events",
		"WebhookSecret": vodevent.NewWebhookSecret(), "UploadMediaCompleteEventSwitch": "ON"}, nil)

	// Produce over the four faulty phases.
	b := newBook()
	produced := make(chan struct{})
	payload := make([]byte, 1024)
	rand.Read(payload)
	begin := time.Now()
	go func() {
		defer close(produced)
		for i := range faultEvents {
			if d := time.Until(begin.Add(time.Duration(i) * 4 * phaseLength / faultEvents)); d > 0 {
				time.Sleep(d)
			}
			uctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if _, ok := b.uploadSession(uctx, srvs, payload, fmt.Sprintf("r-%d", i)); !ok {
				t.Errorf("upload %d failed", i)
			}
			cancel()
		}
	}()
	for p := phaseSlow; p <= phaseOK; p++ {
		time.Sleep(time.Until(begin.Add(time.Duration(p) * phaseLength)))
		if p == phaseSlow {
			rc.ln.Up() // on the same port
		}
		rc.phase.Store(int32(p))
	}
	<-produced

	// Every event delivered.
	var want []string
	b.mu.Lock()
	for f := range b.accepted {
		want = append(want, f)
	}
	b.mu.Unlock()
	delivered := func() map[string]int { // FileId → deliveries
		rc.mu.Lock()
		defer rc.mu.Unlock()
		m := map[string]int{}
		for id, n := range rc.delivered {
			m[rc.fileOf[id]] += n
		}
		return m
	}
	waitUntil(receiverWait, func() bool {
		got := delivered()
		for _, f := range want {
			if got[f] == 0 {
				return false
			}
		}
		return true
	})
	// Events still being pushed (a 2xx whose result is not written yet) settle.
	var toPull int64
	var pushing int
	waitUntil(10*time.Second, func() bool {
		var err error
		if toPull, err = countToPull(c); err != nil {
			return false
		}
		var ev struct{ EventSet []struct{ EventId string } }
		if err := c.Call(ctx, "DescribeEvents", map[string]any{"State": "push", "Limit": 100}, &ev); err != nil {
			return false
		}
		pushing = len(ev.EventSet)
		return pushing == 0 && toPull == 0
	})

	// The attempt log, event by event.
	var events []struct {
		Seq                       int64
		EventId, EventType, State string
		Attempts                  int64
	}
	for after := int64(0); ; {
		var page struct {
			EventSet []struct {
				Seq                       int64
				EventId, EventType, State string
				Attempts                  int64
			}
		}
		srv.Call(ctx, "DescribeEvents", map[string]any{"AfterSeq": after, "Limit": 100}, &page)
		if len(page.EventSet) == 0 {
			break
		}
		events = append(events, page.EventSet...)
		after = page.EventSet[len(page.EventSet)-1].Seq
	}
	byStatus := map[string]int{}
	retryAfterChecked, retryAfterEarly := 0, []string{}
	totalAttempts := 0
	for _, e := range events {
		var log struct{ DeliverySet []attempt }
		srv.Call(ctx, "DescribeEventDeliveries", map[string]any{"EventId": e.EventId, "Limit": 100}, &log)
		if len(log.DeliverySet) == 100 {
			t.Errorf("event %s has 100 or more attempts (only the newest 100 are checked)", e.EventId)
		}
		atts := log.DeliverySet
		slices.Reverse(atts) // oldest first
		totalAttempts += len(atts)
		for i, a := range atts {
			key := fmt.Sprint(a.StatusCode)
			if a.StatusCode == 0 && strings.Contains(a.Error, "no answer within") {
				key = "timeout"
			}
			byStatus[key]++
			if a.StatusCode != http.StatusTooManyRequests || i+1 == len(atts) {
				continue
			}
			at, err1 := time.Parse(time.RFC3339Nano, a.Time)
			next, err2 := time.Parse(time.RFC3339Nano, atts[i+1].Time)
			if err1 != nil || err2 != nil {
				t.Errorf("attempt times %q, %q: %v %v", a.Time, atts[i+1].Time, err1, err2)
				continue
			}
			retryAfterChecked++
			if gap := next.Sub(at); gap < time.Second-5*time.Millisecond {
				retryAfterEarly = append(retryAfterEarly, fmt.Sprintf("%s: 429 at %s, next attempt %s later", e.EventId, a.Time, gap))
			}
		}
	}
	got := delivered()
	lost, dups := 0, 0
	for _, f := range want {
		if got[f] == 0 {
			lost++
		}
		dups += max(0, got[f]-1)
	}
	rc.mu.Lock()
	answered := fmt.Sprint(rc.answered)
	rc.mu.Unlock()
	isHealthy := healthy(srv)
	t.Logf("invariants: events produced=%d delivered=%d pullable=%d still pushing=%d duplicated=%d lost=%d healthy=%v "+
		"(attempts=%d by status %v; 429 followed by an attempt %d, earlier than Retry-After %d; requests answered by phase %s %v)",
		len(want), len(want)-lost, toPull, pushing, dups, lost, isHealthy,
		totalAttempts, byStatus, retryAfterChecked, len(retryAfterEarly), strings.Join(phaseNames, "/"), answered)
	if len(want) != faultEvents {
		t.Errorf("%d uploads accepted, want %d", len(want), faultEvents)
	}
	if len(events) < faultEvents {
		t.Errorf("DescribeEvents lists %d events, want %d", len(events), faultEvents)
	}
	for _, e := range events {
		if e.State != "done" {
			t.Errorf("event %s (%s) is %s after delivery, want done", e.EventId, e.EventType, e.State)
		}
	}
	if lost > 0 {
		t.Errorf("%d events never delivered", lost)
	}
	if toPull != 0 || pushing != 0 {
		t.Errorf("DescribeEventsState %d, %d events still to push; want 0 and 0", toPull, pushing)
	}
	for _, k := range []string{"0", "timeout", "500", "429", "200"} {
		if byStatus[k] == 0 {
			t.Errorf("no attempt with status %s in the attempt log: %v", k, byStatus)
		}
	}
	if retryAfterChecked == 0 {
		t.Errorf("no 429 followed by another attempt")
	}
	if len(retryAfterEarly) > 0 {
		t.Errorf("%d attempts came before Retry-After: 1 s, e.g. %v", len(retryAfterEarly), retryAfterEarly[:min(5, len(retryAfterEarly))])
	}
	if !isHealthy {
		t.Errorf("/healthz not 200 at the end")
	}
}
