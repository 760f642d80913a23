package crash

import (
	"context"
	"testing"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/vodevent"
)

// TestCrashPull: while 1,000 upload events are produced, the server is
// SIGKILLed and restarted several times; a consumer pulls and confirms all
// along, until the queue is empty. Every accepted upload's event arrives.
func TestCrashPull(t *testing.T) {
	t.Parallel()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			opts := openvodtest.Options{}
			if db == "postgres" {
				opts.DB = pgtest.URL(t)
			}
			srv := openvodtest.Start(t, opts)
			r := newRun(t, srv)
			r.configure(map[string]any{"Mode": "PULL"})

			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			stopped := make(chan struct{})
			go func() { defer close(stopped); r.consumePull(ctx, []*vodevent.Puller{puller(srv)}) }()

			produced := r.produce(t.Context())
			r.killLoop(produced)
			<-produced
			r.finishPull(stop, stopped)
			r.check(produced)
		})
	}
}
