package sdktest

import (
	"context"
	"fmt"
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
	nodeOnDB(t, "postgres", "process.test.js", "process", 8*time.Minute)
}

// TestNodeSDKTask2017OnPostgres runs node/task2017.test.js, which
// TestNodeSDK runs on SQLite, against a server on PostgreSQL.
func TestNodeSDKTask2017OnPostgres(t *testing.T) {
	t.Parallel()
	nodeOnDB(t, "postgres", "task2017.test.js", "task2017", 8*time.Minute)
}

// nodeOnDB runs the node:test file against a server of its own on the
// database backend ("sqlite" or "postgres", a schema of its own), in a
// second app named app whose SubAppId goes in the variable
// OPENVOD_<APP>_SUB_APP_ID, for at most timeout.
func nodeOnDB(t *testing.T, backend, file, app string, timeout time.Duration) {
	t.Helper()
	node, dir := nodeSuite(t)
	db := ""
	if backend == "postgres" {
		db = pgtest.URL(t)
	}
	srv := openvodtest.Start(t, openvodtest.Options{DB: db})
	createApp(t, srv, app, secondSubAppID, "OPENVOD_DB="+db)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", file)
	cmd.Dir = dir
	cmd.Env = nodeEnv(srv, fixtureMP4(t), fmt.Sprintf("OPENVOD_%s_SUB_APP_ID=%d", strings.ToUpper(app), secondSubAppID))
	if err := runStreaming(t, cmd); err != nil {
		t.Fatalf("node --test %s on %s failed: %v (see the output above)", file, backend, err)
	}
}
