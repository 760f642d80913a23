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
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/openvod/openvod/store"
)

// DB is a [store.Store] over database/sql. It is safe for concurrent use.
type DB struct {
	querier
	write *sql.DB
	read  *sql.DB
	// writeStmts and readStmts cache prepared statements when the dialect
	// asks for it; nil otherwise.
	writeStmts, readStmts *stmtCache
}

var _ store.Store = (*DB)(nil)

// New returns a store that runs writes and transactions on write and reads
// outside transactions on read; both may be the same pool. The schema must
// already be migrated (see [Migrate]). Close closes both pools.
func New(write, read *sql.DB, d Dialect) *DB {
	db := &DB{querier: querier{read: read, write: write, d: d}, write: write, read: read}
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
	return db.runTx(ctx, tx, "", fn)
}

// InTxRelaxed is InTx with a commit that does not wait for the disk; see
// [store.Store].
func (db *DB) InTxRelaxed(ctx context.Context, fn func(q store.Querier) error) error {
	if db.d.RelaxConn == "" {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		return db.runTx(ctx, tx, db.d.RelaxTx, fn)
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
	return db.runTx(ctx, tx, db.d.RelaxTx, fn)
}

// runTx runs first (when not "") and fn in tx, then commits.
func (db *DB) runTx(ctx context.Context, tx *sql.Tx, first string, fn func(q store.Querier) error) error {
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if first != "" {
		if _, err := tx.ExecContext(ctx, first); err != nil {
			return fmt.Errorf("relax durability: %w", err)
		}
	}
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
		go db.writeStmts.preparePending(context.WithoutCancel(ctx))
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
	return err
}
