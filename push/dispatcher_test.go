package push_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/netguard"
	"github.com/openvod/openvod/push"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/vodevent"
)

// receiver is a real HTTP receiver recording the clip task IDs pushed to it.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	got     map[string]bool
	release chan struct{} // answers wait until it is closed
}

func newReceiver(t *testing.T, blocked bool) *receiver {
	r := &receiver{got: map[string]bool{}, release: make(chan struct{})}
	if !blocked {
		close(r.release)
	}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-r.release:
		case <-req.Context().Done():
			return
		}
		var body struct{ ClipCompleteEvent struct{ TaskId string } }
		data, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(data, &body); err == nil {
			r.mu.Lock()
			r.got[body.ClipCompleteEvent.TaskId] = true
			r.mu.Unlock()
		}
	}))
	t.Cleanup(r.srv.Close)
	t.Cleanup(func() {
		select {
		case <-r.release:
		default:
			close(r.release)
		}
	})
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// emit commits n ClipComplete events for app through log.
func emit(t *testing.T, log *eventlog.Log, app int64, prefix string, n int) {
	t.Helper()
	err := log.Tx(context.Background(), func(q store.Querier, em *eventlog.Emitter) error {
		for i := range n {
			c := &vodevent.EventContent{EventType: vodevent.TypeClipComplete, ClipCompleteEvent: &vodevent.ClipTask2017{TaskId: fmt.Sprintf("%s-%d", prefix, i)}}
			if err := em.Emit(context.Background(), app, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPendingBoundedPerApp: app A's receiver hangs while A has 300 fresh
// events; then app B's delivery left by a server that died falls due in the
// store. B's delivery is made at once, because A's backlog counts against the
// claims only for what A can send, and past PendingPerApp it is handed back
// to the store; once A's receiver answers, every one of A's events is
// delivered, the excess claimed at once rather than after its lease.
func TestPendingBoundedPerApp(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	appA, err := st.AppCreate(ctx, "a", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	appB, err := st.AppCreate(ctx, "b", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a, b := newReceiver(t, true), newReceiver(t, false)
	for _, c := range []struct {
		app int64
		url string
	}{{appA.ID, a.srv.URL}, {appB.ID, b.srv.URL}} {
		if err := st.EventConfigPut(ctx, &openvod.EventConfig{SubAppID: c.app, Mode: openvod.EventModePush, NotificationURL: c.url, UpdateTime: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	// B's event, committed by a server that died; its lease ends in 300 ms,
	// when A's backlog is there.
	dead := &eventlog.Log{Store: st, Hub: eventlog.NewHub(), Owner: "dead", PushLease: 300 * time.Millisecond}
	emit(t, dead, appB.ID, "b", 1)

	hub := eventlog.NewHub()
	d := push.New(push.Config{
		Store: st, Hub: hub, Owner: "live", Timeout: 300 * time.Millisecond, Lease: time.Second, PerEndpoint: 2, Workers: 8, PendingPerApp: 8,
		PollInterval: 50 * time.Millisecond, Backoff: push.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Client: push.NewClient(loopback()),
	})
	hub.PushFunc = d.Enqueue
	live := &eventlog.Log{Store: st, Hub: hub, Owner: "live", PushLease: 5 * time.Second}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	emit(t, live, appA.ID, "a", 300)
	waitFor(t, 2*time.Second, "B's delivery to be made while A's receiver hangs", func() bool { return b.count() == 1 })
	if n := a.count(); n != 0 {
		t.Fatalf("A's hanging receiver recorded %d events", n)
	}
	close(a.release)
	// The excess was handed back to the store: it is delivered well before
	// the 5 s lease it was committed with ends.
	waitFor(t, 4*time.Second, "all 300 of A's events to be delivered", func() bool { return a.count() == 300 })
}

// loopback allows the test receivers on 127.0.0.1.
func loopback() *netguard.Policy { return netguard.DefaultPolicy() }

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
