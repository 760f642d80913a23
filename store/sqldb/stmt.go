package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCacheMax bounds the statements kept per pool; queries past it run
// unprepared (queries with IN lists come in a few lengths only).
const stmtCacheMax = 512

// stmtCache keeps statements prepared on one pool, by query text. A query
// first seen inside a transaction runs unprepared and is prepared after the
// transaction ends: preparing on the pool needs a connection, and a
// single-connection pool's one connection belongs to the transaction.
type stmtCache struct {
	pool    *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt // nil once closed
	pending map[string]bool
	// preparing counts the prepareLater goroutines, which close waits
	// for: a closed store holds no connection, and so no file, open.
	preparing sync.WaitGroup
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// lookup returns the prepared statement of query, or nil after noting it
// for preparePending.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[query]
	if !ok && len(c.m)+len(c.pending) < stmtCacheMax {
		c.pending[query] = true
	}
	return s
}

// prepareLater prepares the queries noted by lookup in a goroutine of its
// own, unless there are none or the cache is closed.
func (c *stmtCache) prepareLater(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.pending) == 0 {
		return
	}
	c.preparing.Add(1)
	go func() {
		defer c.preparing.Done()
		c.preparePending(ctx)
	}()
}

// preparePending prepares the queries noted by lookup. Failures are left
// for the unprepared runs of those queries to report.
func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.Lock()
	if c.m == nil {
		c.mu.Unlock()
		return
	}
	var queries []string
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		s, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if c.m == nil || c.m[q] != nil {
			s.Close()
		} else {
			c.m[q] = s
		}
		c.mu.Unlock()
	}
}

// close closes the cached statements once the prepareLater goroutines
// have ended.
func (c *stmtCache) close() {
	c.mu.Lock()
	m := c.m
	c.m = nil
	c.mu.Unlock()
	c.preparing.Wait()
	for _, s := range m {
		s.Close()
	}
}

// preparedConn runs queries as statements prepared once on the pool, bound
// to tx when it is set. It saves SQLite from parsing every query again; it
// implements conn.
type preparedConn struct {
	cache *stmtCache
	tx    *sql.Tx
}

// stmt returns the query's statement, or nil to run it unprepared on c.
func (p preparedConn) stmt(ctx context.Context, query string) (s *sql.Stmt, c conn) {
	if p.tx != nil {
		if s = p.cache.lookup(query); s != nil {
			s = p.tx.StmtContext(ctx, s)
		}
		return s, p.tx
	}
	if s = p.cache.lookup(query); s == nil {
		p.cache.preparePending(ctx)
		s = p.cache.lookup(query)
	}
	return s, p.cache.pool
}

func (p preparedConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, c := p.stmt(ctx, query)
	if s == nil {
		return c.ExecContext(ctx, query, args...)
	}
	return s.ExecContext(ctx, args...)
}

func (p preparedConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, c := p.stmt(ctx, query)
	if s == nil {
		return c.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

func (p preparedConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, c := p.stmt(ctx, query)
	if s == nil {
		return c.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}
