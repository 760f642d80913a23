package sdktest

import (
	"testing"
	"time"
)

// TestNodeSDKEdit runs node/edit.sdk.js, EditMedia and FastEditMedia
// through the Node.js SDK's typed calls and ConcatVideo through its
// generic request, against a server of its own on SQLite and on
// PostgreSQL.
func TestNodeSDKEdit(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { nodeOnDB(t, backend, "edit.sdk.js", "edit", 5*time.Minute) })
	}
}
