package storetest

import (
	"path/filepath"
	"testing"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/postgres"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/store/sqlite"
)

// Backends returns, by backend name ("sqlite", "postgres"), a function
// that opens a new, empty, migrated store that is closed when t ends:
// SQLite in t's temporary directory, PostgreSQL in a schema of its own
// (see pgtest). It is for tests of other packages that run on both.
func Backends() map[string]func(t *testing.T) store.Store {
	closeAtEnd := func(t *testing.T, s store.Store, err error) store.Store {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return map[string]func(t *testing.T) store.Store{
		"sqlite": func(t *testing.T) store.Store {
			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{})
			return closeAtEnd(t, s, err)
		},
		"postgres": func(t *testing.T) store.Store {
			s, err := postgres.Open(t.Context(), pgtest.URL(t))
			return closeAtEnd(t, s, err)
		},
	}
}

// OnBackends runs test in parallel subtests "sqlite" and "postgres", each on
// a new store from [Backends].
func OnBackends(t *testing.T, test func(t *testing.T, st store.Store)) {
	t.Helper()
	backends := Backends()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, backends[name](t))
		})
	}
}
