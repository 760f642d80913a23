// Package sqldb implements [store.Store] once over database/sql for every
// backend. The backends (store/sqlite, store/postgres) open the connection
// pools, describe their SQL differences in a [Dialect] and hand both to [New];
// they hold no query logic of their own.
//
// Times are stored as integer microseconds since the Unix epoch and read
// back in UTC, so they round-trip to the microsecond; a zero time is stored
// as NULL. Byte fields (JSON) are stored as BLOB/bytea, NULL when nil, and
// round-trip byte for byte.
package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/openvod/openvod/store"
)

// DB is a [store.Store] over database/sql. It is safe for concurrent use.
type DB struct {
	querier
	write   *sql.DB
	read    *sql.DB
	relaxed *sql.DB // nil: relaxed transactions relax the write pool
	// writeStmts and readStmts cache prepared statements when the dialect
	// asks for it; nil otherwise.
	writeStmts, readStmts *stmtCache
}

var _ store.Store = (*DB)(nil)

// New returns a store that runs writes and transactions on write and reads
// outside transactions on read; both may be the same pool. relaxed, when
// not nil, is a pool whose connections commit without waiting for the disk
// (PostgreSQL: synchronous_commit off at connection): InTxRelaxed runs on
// it and needs no statement of the dialect to relax its commit. The schema
// must already be migrated (see [Migrate]). Close closes every pool.
func New(write, read, relaxed *sql.DB, d Dialect) *DB {
	db := &DB{querier: querier{read: read, write: write, d: d}, write: write, read: read, relaxed: relaxed}
	if d.PrepareStatements {
		db.writeStmts, db.readStmts = newStmtCache(write), newStmtCache(read)
		db.querier.write = preparedConn{cache: db.writeStmts}
		db.querier.read = preparedConn{cache: db.readStmts}
	}
	return db
}

// InTx runs fn in one transaction on the write pool: committed when fn
// returns nil, rolled back otherwise. fn's error is returned unchanged.
func (db *DB) InTx(ctx context.Context, fn func(q store.Querier) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	return db.runTx(ctx, tx, fn)
}

// InTxRelaxed is InTx with a commit that does not wait for the disk; see
// [store.Store]. It runs on the relaxed pool, else on the write pool's
// connection between the dialect's RelaxConn and RestoreConn, else (a
// dialect with neither) as InTx.
func (db *DB) InTxRelaxed(ctx context.Context, fn func(q store.Querier) error) error {
	if db.relaxed != nil || db.d.RelaxConn == "" {
		pool := cmp.Or(db.relaxed, db.write)
		tx, err := pool.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		return db.runTx(ctx, tx, fn)
	}
	c, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, db.d.RelaxConn); err != nil {
		return fmt.Errorf("relax durability: %w", err)
	}
	defer c.ExecContext(context.WithoutCancel(ctx), db.d.RestoreConn) //nolint:errcheck // reported by the next use
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	return db.runTx(ctx, tx, fn)
}

// RunRelaxed implements [store.Store]: on the relaxed pool each statement
// commits on its own; without one, fn runs in InTxRelaxed's transaction
// (an in-process database loses nothing by it).
func (db *DB) RunRelaxed(ctx context.Context, fn func(q store.Querier) error) error {
	if db.relaxed == nil {
		return db.InTxRelaxed(ctx, fn)
	}
	return fn(&querier{read: db.relaxed, write: db.relaxed, d: db.d})
}

// runTx runs fn in tx, then commits.
func (db *DB) runTx(ctx context.Context, tx *sql.Tx, fn func(q store.Querier) error) error {
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var c conn = tx
	if db.writeStmts != nil {
		c = preparedConn{cache: db.writeStmts, tx: tx}
	}
	if err := fn(&querier{read: c, write: c, d: db.d}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	if db.writeStmts != nil {
		db.writeStmts.prepareLater(context.WithoutCancel(ctx))
	}
	return nil
}

// Driver returns the dialect's name.
func (db *DB) Driver() string { return db.d.Name }

// Close closes the pools.
func (db *DB) Close() error {
	if db.writeStmts != nil {
		db.writeStmts.close()
		db.readStmts.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.relaxed != nil {
		err = errors.Join(err, db.relaxed.Close())
	}
	return err
}
