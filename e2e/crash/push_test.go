package crash

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/vodevent"
)

const pushSignKey = "crash0123456789"

// receiver is a push receiver on a fixed address that can be down: it
// answers 503 while unavailable, and can close its listener and listen
// again on the same port.
type receiver struct {
	ln          *openvodtest.Listener
	handler     *vodevent.Handler
	unavailable atomic.Bool
	rejected    atomic.Int64 // pushes answered 503
}

func newReceiver(t *testing.T, r *run, secret string) *receiver {
	rc := &receiver{handler: &vodevent.Handler{
		SignKey: pushSignKey, WebhookSecret: secret,
		Func: func(ctx context.Context, e *vodevent.EventContent) error { r.record(e); return nil },
	}}
	rc.ln = openvodtest.Listen(t, rc)
	return rc
}

func (rc *receiver) URL() string { return "http://" + rc.ln.Addr + "/events" }

func (rc *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if rc.unavailable.Load() {
		rc.rejected.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	rc.handler.ServeHTTP(w, req)
}

// outages makes the receiver unavailable twice during production: first
// answering 503, then not listening at all; it is back to normal when the
// returned channel closes.
func (rc *receiver) outages(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	sleep := func(d time.Duration) bool {
		select {
		case <-time.After(d):
			return true
		case <-ctx.Done(): // the test ended early
			return false
		}
	}
	go func() {
		defer close(done)
		if !sleep(time.Second) {
			return
		}
		rc.unavailable.Store(true)
		if !sleep(2 * time.Second) {
			return
		}
		rc.unavailable.Store(false)
		if !sleep(time.Second) {
			return
		}
		rc.ln.Down()
		if !sleep(2 * time.Second) {
			return
		}
		rc.ln.Up()
	}()
	return done
}

// TestCrashPush: while 1,000 upload events are produced, the server is
// SIGKILLed and restarted several times and the push receiver is down for
// a while (503, then connection refused); afterwards the receiver holds
// every accepted upload's event, and none was given up to the pull queue.
func TestCrashPush(t *testing.T) {
	t.Parallel()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			opts := openvodtest.Options{Env: pushEnv}
			if db == "postgres" {
				opts.DB = pgtest.URL(t)
			}
			srv := openvodtest.Start(t, opts)
			r := newRun(t, srv)
			secret := vodevent.NewWebhookSecret()
			rc := newReceiver(t, r, secret)
			r.configure(map[string]any{"Mode": "PUSH", "NotificationUrl": rc.URL(), "SignKey": pushSignKey, "WebhookSecret": secret})

			produced := r.produce(t.Context())
			back := rc.outages(t.Context())
			r.killLoop(produced)
			<-produced
			<-back
			r.finishPush(rc)
			r.check(produced)
		})
	}
}

// finishPush waits until the receiver holds every accepted event, and
// checks that no event fell back to the pull queue.
func (r *run) finishPush(rc *receiver) {
	r.t.Helper()
	r.waitFor("every event to be pushed", func() bool { return len(r.missing()) == 0 })
	r.t.Logf("%s: the receiver answered 503 to %d pushes", r.name, rc.rejected.Load())
	if n, err := r.countToPull(); err != nil || n != 0 {
		r.t.Errorf("DescribeEventsState after the pushes: %d, %v; want 0 (no push given up)", n, err)
	}
}
