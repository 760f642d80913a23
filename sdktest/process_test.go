package sdktest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
)

// TestNodeSDKProcessOnPostgres runs node/process.test.js, which
// TestNodeSDK runs on SQLite, against a server on PostgreSQL.
func TestNodeSDKProcessOnPostgres(t *testing.T) {
	t.Parallel()
	nodeOnPostgres(t, "process.test.js", "OPENVOD_PROCESS_SUB_APP_ID")
}

// TestNodeSDKTask2017OnPostgres runs node/task2017.test.js, which
// TestNodeSDK runs on SQLite, against a server on PostgreSQL.
func TestNodeSDKTask2017OnPostgres(t *testing.T) {
	t.Parallel()
	nodeOnPostgres(t, "task2017.test.js", "OPENVOD_TASK2017_SUB_APP_ID")
}

// nodeOnPostgres runs the node:test file against a server on PostgreSQL,
// in an app of its own whose SubAppId goes in the variable appEnv.
func nodeOnPostgres(t *testing.T, file, appEnv string) {
	t.Helper()
	node, dir := nodeSuite(t)
	db := pgtest.URL(t)
	srv := openvodtest.Start(t, openvodtest.Options{DB: db})
	createApp(t, srv, strings.TrimSuffix(file, ".test.js"), secondSubAppID, "OPENVOD_DB="+db)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", file)
	cmd.Dir = dir
	cmd.Env = nodeEnv(srv, fixtureMP4(t), appEnv+"=1500000002")
	if err := runStreaming(t, cmd); err != nil {
		t.Fatalf("node --test %s on PostgreSQL failed: %v (see the output above)", file, err)
	}
}
