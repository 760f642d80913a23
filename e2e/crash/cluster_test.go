package crash

import (
	"context"
	"testing"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/vodevent"
)

// TestCrashTwoServers runs two servers on one PostgreSQL, each with its
// own data directory. Half the uploads go to each; server A is SIGKILLed
// and restarted several times during production, then killed once more and
// left down until every event has arrived, so that server B must take over
// what A held (leased pushes, pull leases). In PULL mode the consumer pulls
// from A and B in turn; in PUSH mode the receiver, down for a while, gets
// everything.
func TestCrashTwoServers(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"PULL", "PUSH"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			db := pgtest.URL(t)
			a := openvodtest.Start(t, openvodtest.Options{DB: db, Env: pushEnv})
			b := openvodtest.Start(t, openvodtest.Options{DB: db, Env: pushEnv})
			r := newRun(t, a, b)

			var rc *receiver
			var back <-chan struct{}
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			stopped := make(chan struct{})
			if mode == "PUSH" {
				secret := vodevent.NewWebhookSecret()
				rc = newReceiver(t, r, secret)
				r.configure(map[string]any{"Mode": "PUSH", "NotificationUrl": rc.URL(), "SignKey": pushSignKey, "WebhookSecret": secret})
			} else {
				r.configure(map[string]any{"Mode": "PULL"})
				go func() { defer close(stopped); r.consumePull(ctx, []*vodevent.Puller{puller(a), puller(b)}) }()
			}

			produced := r.produce(t.Context())
			if rc != nil {
				back = rc.outages(t.Context())
			}
			r.killLoop(produced)
			<-produced
			r.kill() // and A stays down: B alone finishes
			if mode == "PUSH" {
				<-back
				r.finishPush(rc)
			} else {
				r.finishPull(stop, stopped)
			}
			r.restart()
			r.check(produced)
		})
	}
}
