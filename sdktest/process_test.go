package sdktest

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
)

// TestNodeSDKProcessOnPostgres runs node/process.test.js, which
// TestNodeSDK runs on SQLite, against a server on PostgreSQL.
func TestNodeSDKProcessOnPostgres(t *testing.T) {
	t.Parallel()
	node, dir := nodeSuite(t)
	db := pgtest.URL(t)
	srv := openvodtest.Start(t, openvodtest.Options{DB: db})
	createApp(t, srv, "process", secondSubAppID, "OPENVOD_DB="+db)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "process.test.js")
	cmd.Dir = dir
	cmd.Env = nodeEnv(srv, fixtureMP4(t), "OPENVOD_PROCESS_SUB_APP_ID=1500000002")
	if err := runStreaming(t, cmd); err != nil {
		t.Fatalf("node --test process.test.js on PostgreSQL failed: %v (see the output above)", err)
	}
}
