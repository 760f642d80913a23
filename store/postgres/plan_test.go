package postgres

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/store/sqldb"
)

// TestLeasePlanSkipsConsumedEvents: with 20,000 consumed events of an app
// before 20,000 pullable ones, and fresh statistics, the pull lease's pick
// reads the index of pullable events in order; it never walks the primary
// key, which would read every consumed event on each lease.
func TestLeasePlanSkipsConsumedEvents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := pgtest.URL(t)
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`INSERT INTO app (id, name, create_time) VALUES ($1, 'plan', 0)`,
		`INSERT INTO event (id, sub_app_id, type, body, create_time, state, available_at, consumed_time)
SELECT 'done-' || g, $1, 'PullComplete', '\x7b7d', g, 'done', 0, g FROM generate_series(1, 20000) g`,
		`INSERT INTO event (id, sub_app_id, type, body, create_time, state, available_at)
SELECT 'pull-' || g, $1, 'PullComplete', '\x7b7d', 20000 + g, 'pull', 0 FROM generate_series(1, 20000) g`,
	} {
		if _, err := db.ExecContext(ctx, q, openvod.DefaultSubAppID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `ANALYZE event`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, "EXPLAIN "+sqldb.LeaseForPullSQL(&dialect),
		openvod.DefaultSubAppID, int64(100), int64(100), 16, "token", int64(200))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The pick is the scan under LockRows; the update then finds the
	// picked rows by primary key.
	var pick string
	for i, line := range plan {
		if strings.Contains(line, "LockRows") && i+1 < len(plan) {
			pick = plan[i+1]
		}
	}
	if !strings.Contains(pick, "Index Scan using event_pullable_seq") {
		t.Errorf("the lease picks with %q, want an index scan of event_pullable_seq; plan:\n%s", strings.TrimSpace(pick), strings.Join(plan, "\n"))
	}
}
