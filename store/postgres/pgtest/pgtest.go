// Package pgtest gives tests a PostgreSQL schema of their own. PostgreSQL is
// found through the environment variable [EnvURL], else at [DefaultURL]; when
// it cannot be reached the test fails (it never skips) saying how to start it.
package pgtest

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
)

// EnvURL names the environment variable holding the test server's URL.
const EnvURL = "OPENVOD_TEST_POSTGRES_URL"

// DefaultURL is the test server's URL when EnvURL is unset: a local
// PostgreSQL with trust authentication.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// admin is the process-wide pool that creates and drops test schemas.
var admin = sync.OnceValues(func() (*sql.DB, error) {
	return sql.Open("pgx", BaseURL())
})

// BaseURL returns the test server's URL: EnvURL's value, else DefaultURL.
func BaseURL() string {
	return cmp.Or(os.Getenv(EnvURL), DefaultURL)
}

// URL creates a new, empty schema, drops it when t ends, and returns
// BaseURL with the search_path set to it. It fails t when PostgreSQL cannot
// be reached or BaseURL is not a URL.
func URL(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(BaseURL())
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: %s must be a postgres:// URL, got %q", EnvURL, BaseURL())
	}
	db, err := admin()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	schema := "openvod_test_" + strings.ToLower(rand.Text()[:16])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("pgtest: PostgreSQL at %s is not usable: %v\n"+
			"Start the local server with `pg_ctlcluster 15 main start`, or set %s to the URL of a "+
			"PostgreSQL where the user may create schemas.", u.Redacted(), err, EnvURL)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
