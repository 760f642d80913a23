package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqldb"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/store/storetest"
)

func open(t *testing.T, path string, opts sqlite.Options) store.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{})
	})
}

func TestStoreSynchronousNormal(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{Synchronous: sqlite.SynchronousNormal})
	})
}

func TestOpenBadSynchronous(t *testing.T) {
	t.Parallel()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{Synchronous: "OFF"})
	if err == nil {
		s.Close()
		t.Fatal("Open with synchronous OFF succeeded")
	}
}

// TestOpenReopen checks that data and WAL mode persist and that reopening
// does not apply the migrations again.
func TestOpenReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "openvod.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppCreate(t.Context(), "first", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	apps, err := open(t, path, sqlite.Options{}).AppList(t.Context())
	if err != nil || len(apps) != 1 {
		t.Fatalf("after reopen: apps %v, err %v", apps, err)
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var mode string
	if err := raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, err %v; want wal", mode, err)
	}
}

// TestCloseReleasesFiles: once Close returns, no connection is left open,
// not even one preparing the statements of the transaction just committed;
// SQLite removes its -wal and -shm files with the last connection, so the
// data directory holds the database file alone.
func TestCloseReleasesFiles(t *testing.T) {
	t.Parallel()
	for i := range 30 {
		dir := t.TempDir()
		s, err := sqlite.Open(t.Context(), filepath.Join(dir, "openvod.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = s.InTx(t.Context(), func(q store.Querier) error {
			_, err := q.AppCreate(t.Context(), "app", time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if len(names) != 1 || names[0] != "openvod.db" {
			t.Fatalf("round %d: after Close the directory holds %q, want [openvod.db]", i, names)
		}
	}
}

// TestUpgradeSessionTasks migrates a version 2 database with tasks to the
// current schema.
func TestUpgradeSessionTasks(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "openvod.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := sqldb.Migrate(t.Context(), raw, sqldb.Dialect{}, storetest.MigrationsUpTo(t, "migration", 2)); err != nil {
		t.Fatal(err)
	}
	storetest.UpgradeSessionTasks(t, func(q string) error { _, err := raw.Exec(q); return err },
		func() store.Store { return open(t, path, sqlite.Options{}) })
}

// TestCapabilities: an SQLite store is SingleProcess (its leases at start
// are a dead process's) and not an EventListener.
func TestCapabilities(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{})
	if _, ok := s.(store.SingleProcess); !ok {
		t.Error("an SQLite store is not SingleProcess")
	}
	if _, ok := s.(store.EventListener); ok {
		t.Error("an SQLite store says it is an EventListener")
	}
}
