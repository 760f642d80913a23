package storetest

import (
	"path/filepath"
	"testing"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/postgres"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/store/sqlite"
)

// OnBackends runs test in parallel subtests "sqlite" and "postgres", each on
// a new, empty, migrated store closed when it ends: a SQLite file in a
// temporary directory and a PostgreSQL schema of its own (see pgtest). It is
// for the tests of packages built on a store, which must hold on both.
func OnBackends(t *testing.T, test func(t *testing.T, st store.Store)) {
	t.Helper()
	open := map[string]func(t *testing.T) (store.Store, error){
		"sqlite": func(t *testing.T) (store.Store, error) {
			return sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{})
		},
		"postgres": func(t *testing.T) (store.Store, error) { return postgres.Open(t.Context(), pgtest.URL(t)) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st, err := open[name](t)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			test(t, st)
		})
	}
}
