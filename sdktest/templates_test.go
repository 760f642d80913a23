package sdktest

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
)

// TestNodeSDKTemplates runs node/templates.sdk.js, the template actions
// through the Node.js SDK's typed calls, against a server of its own on
// SQLite and on PostgreSQL.
func TestNodeSDKTemplates(t *testing.T) {
	t.Parallel()
	node, dir := nodeSuite(t)
	fixture := fixtureMP4(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var opts openvodtest.Options
			if backend == "postgres" {
				opts.DB = pgtest.URL(t)
			}
			srv := openvodtest.Start(t, opts)
			createApp(t, srv, "other", secondSubAppID, "OPENVOD_DB="+opts.DB)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "templates.sdk.js")
			cmd.Dir = dir
			cmd.Env = nodeEnv(srv, fixture, "OPENVOD_OTHER_SUB_APP_ID=1500000002")
			if err := runStreaming(t, cmd); err != nil {
				t.Fatalf("node --test templates.sdk.js failed: %v (see the output above)", err)
			}
		})
	}
}
