package sqldb

import (
	"strconv"
	"strings"
)

// Dialect describes what differs between the SQL of two backends.
type Dialect struct {
	// Name is what Store.Driver returns, e.g. "sqlite" or "postgres".
	Name string
	// NumberedParams makes placeholders $1, $2, … instead of ?.
	NumberedParams bool
	// ClaimLock ends the subquery that picks the tasks TaskClaim leases, e.g.
	// "FOR UPDATE SKIP LOCKED" so concurrent claimers skip each other's rows;
	// empty when the backend runs one writer at a time.
	ClaimLock string
	// RowLock ends a single-row read inside a transaction to lock that row
	// until the transaction ends, e.g. "FOR UPDATE"; empty when the backend
	// runs one writer transaction at a time.
	RowLock string
	// PullOrder is the order of a pull lease's pick, a key that only the
	// backend's index of pullable events holds (empty: seq). On PostgreSQL
	// seq alone lets the planner walk the primary key from the oldest event
	// through every consumed one, which it does when much of the log is
	// pullable (docs/benchmarks.md, "The lease's plan").
	PullOrder string
	// MigrationLock is a statement run first in the migration transaction to
	// keep two processes from migrating at once; empty when starting the
	// transaction already excludes other writers.
	MigrationLock string
	// RelaxConn and RestoreConn run on the writer connection before and
	// after a relaxed transaction (SQLite: PRAGMA synchronous), when the
	// store has no relaxed pool (see [New]).
	RelaxConn, RestoreConn string
	// PrepareStatements keeps every query prepared, for backends whose
	// drivers do not cache statements themselves.
	PrepareStatements bool
	// EventNotify, when set, runs after an event insert with the app ID as
	// its argument, to wake other servers' pullers on commit.
	EventNotify string
}

// rebind rewrites the ? placeholders of query for d. Queries must not hold
// a ? anywhere else.
func (d *Dialect) rebind(query string) string {
	if !d.NumberedParams {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for {
		i := strings.IndexByte(query, '?')
		if i < 0 {
			b.WriteString(query)
			return b.String()
		}
		n++
		b.WriteString(query[:i])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
		query = query[i+1:]
	}
}

// placeholders returns n comma-separated placeholders for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
