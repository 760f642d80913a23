package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/openvod/openvod/store"
)

// conn is what a querier runs statements on: a pool or a transaction.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// querier implements store.Querier: reads on read, writes on write (the same
// transaction inside InTx).
type querier struct {
	read, write conn
	d           Dialect
}

var _ store.Querier = (*querier)(nil)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// exec runs a write and returns how many rows it affected.
func (q *querier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.write.ExecContext(ctx, q.d.rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// queryRow runs a single-row read on c.
func (q *querier) queryRow(ctx context.Context, c conn, query string, args ...any) *sql.Row {
	return c.QueryRowContext(ctx, q.d.rebind(query), args...)
}

// queryAll runs query on c and scans every row with scan.
func queryAll[T any](ctx context.Context, q *querier, c conn, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := c.QueryContext(ctx, q.d.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		all = append(all, v)
	}
	return all, rows.Err()
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// changedOne returns store.ErrConflict unless exactly one row changed.
func changedOne(n int64, err error) error {
	if err != nil {
		return err
	}
	if n != 1 {
		return store.ErrConflict
	}
	return nil
}
