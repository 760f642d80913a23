package sdktest

import (
	"testing"
	"time"
)

// TestNodeSDKTemplates runs node/templates.sdk.js, the template actions
// through the Node.js SDK's typed calls, against a server of its own on
// SQLite and on PostgreSQL.
func TestNodeSDKTemplates(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			nodeOnDB(t, backend, "templates.sdk.js", "other", 3*time.Minute)
		})
	}
}
