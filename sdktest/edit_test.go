package sdktest

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
)

// TestNodeSDKEdit runs node/edit.sdk.js, EditMedia and FastEditMedia
// through the Node.js SDK's typed calls and ConcatVideo through its
// generic request, against a server of its own on SQLite and on
// PostgreSQL.
func TestNodeSDKEdit(t *testing.T) {
	t.Parallel()
	node, dir := nodeSuite(t)
	fixture := fixtureMP4(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var opts openvodtest.Options
			if backend == "postgres" {
				opts.DB = pgtest.URL(t)
			}
			srv := openvodtest.Start(t, opts)
			createApp(t, srv, "edit", secondSubAppID, "OPENVOD_DB="+opts.DB)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "edit.sdk.js")
			cmd.Dir = dir
			cmd.Env = nodeEnv(srv, fixture, "OPENVOD_EDIT_SUB_APP_ID=1500000002")
			if err := runStreaming(t, cmd); err != nil {
				t.Fatalf("node --test edit.sdk.js on %s failed: %v (see the output above)", backend, err)
			}
		})
	}
}
