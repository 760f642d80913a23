// Package sqlite opens the SQLite metadata store: a file in WAL mode with
// one writer connection for every write and transaction and a pool of
// read-only connections for reads, over modernc.org/sqlite (no cgo).
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers driver "sqlite"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqldb"
)

// Synchronous levels of [Options].
const (
	// SynchronousFull syncs the WAL at every commit: committed data
	// survives a power loss. The default.
	SynchronousFull = "FULL"
	// SynchronousNormal syncs at checkpoints only: committed data survives a
	// process crash but the last transactions may be lost on power loss.
	SynchronousNormal = "NORMAL"
)

// BusyTimeoutDefault is how long, in milliseconds, a connection waits for a
// lock held by another process before failing with SQLITE_BUSY.
const BusyTimeoutDefault = 10000

// Options tune the database.
type Options struct {
	// Synchronous is SynchronousFull (when empty) or SynchronousNormal.
	Synchronous string
}

//go:embed migration/*.sql
var migrationFS embed.FS

// dialect returns SQLite's SQL: one writer connection serializes claims and
// migrations (BEGIN IMMEDIATE), so neither needs a lock of its own. Relaxed
// transactions turn synchronous off on the writer and back to level after.
func dialect(level string) sqldb.Dialect {
	return sqldb.Dialect{
		Name:              "sqlite",
		PrepareStatements: true,
		RelaxConn:         "PRAGMA synchronous = OFF",
		RestoreConn:       "PRAGMA synchronous = " + level,
	}
}

// Open opens or creates the database file at path and applies pending
// migrations. The caller must Close the store.
func Open(ctx context.Context, path string, opts Options) (store.Store, error) {
	level := cmp.Or(strings.ToUpper(opts.Synchronous), SynchronousFull)
	if level != SynchronousFull && level != SynchronousNormal {
		return nil, fmt.Errorf("sqlite open: synchronous %q is neither FULL nor NORMAL", opts.Synchronous)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite open %s: %w", path, err)
	}
	write, err := openPool(abs, level, false)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	migrations, err := fs.Sub(migrationFS, "migration")
	if err == nil {
		err = sqldb.Migrate(ctx, write, dialect(level), migrations)
	}
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite open %s: %w", path, err)
	}
	read, err := openPool(abs, level, true)
	if err != nil {
		write.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return &sqliteStore{sqldb.New(write, read, nil, dialect(level))}, nil
}

// sqliteStore is an SQLite store, which only one process uses at a time.
type sqliteStore struct{ *sqldb.DB }

// SingleProcess implements store.SingleProcess.
func (*sqliteStore) SingleProcess() {}

// openPool opens a pool on the file at the absolute path abs whose every
// connection runs in WAL mode with the given synchronous level, a busy
// timeout and foreign keys; readOnly connections refuse writes, the others
// begin transactions IMMEDIATE so that they never fail to upgrade a read lock.
func openPool(abs, synchronous string, readOnly bool) (*sql.DB, error) {
	q := url.Values{"_pragma": {
		fmt.Sprintf("busy_timeout(%d)", BusyTimeoutDefault),
		"journal_mode(WAL)",
		"synchronous(" + synchronous + ")",
		"foreign_keys(1)",
	}}
	if readOnly {
		q["_pragma"] = append(q["_pragma"], "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite open %s: %w", abs, err)
	}
	return db, nil
}
