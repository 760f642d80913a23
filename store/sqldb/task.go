package sqldb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

const taskColumns = `id, sub_app_id, type, status, input, output, err_code, message, progress, attempts,
session_id, create_time, begin_process_time, finish_time, output_key, priority, state`

func scanTask(s scanner) (*openvod.Task, error) {
	var t openvod.Task
	err := s.Scan(&t.ID, &t.SubAppID, &t.Type, &t.Status, &t.Input, &t.Output, &t.ErrCode, &t.Message,
		&t.Progress, &t.Attempts, &t.SessionID,
		timeDest{&t.CreateTime}, timeDest{&t.BeginProcessTime}, timeDest{&t.FinishTime}, &t.OutputKey,
		&t.Priority, &t.State)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// TaskInsert implements store.Querier. It stores Status WAITING whatever t
// holds, and every other field as given.
func (q *querier) TaskInsert(ctx context.Context, t *openvod.Task) error {
	err := changedOne(q.exec(ctx, `INSERT INTO task (`+taskColumns+`)
VALUES (?, ?, ?, 'WAITING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING`,
		t.ID, t.SubAppID, string(t.Type), bytesArg(t.Input), bytesArg(t.Output), t.ErrCode, t.Message,
		t.Progress, t.Attempts, t.SessionID,
		timeArg(t.CreateTime), timeArg(t.BeginProcessTime), timeArg(t.FinishTime), t.OutputKey,
		t.Priority, bytesArg(t.State)))
	if err != nil {
		return fmt.Errorf("task insert %s: %w", t.ID, err)
	}
	return nil
}

// TaskGet implements store.Querier.
func (q *querier) TaskGet(ctx context.Context, subAppID int64, id string) (*openvod.Task, error) {
	t, err := scanTask(q.queryRow(ctx, q.read, `SELECT `+taskColumns+` FROM task
WHERE sub_app_id = ? AND id = ?`, subAppID, id))
	if err != nil {
		return nil, fmt.Errorf("task get %d/%s: %w", subAppID, id, notFound(err))
	}
	return t, nil
}

// TaskInsertOnce implements store.Querier inside a transaction; [DB]
// runs it in one of its own.
//
// The task_session row of (app, type, SessionID) names the task holding the
// SessionID. The upsert takes it, or replaces it when its task is older
// than since, and changes no row when a task within the window holds it.
// The primary key makes concurrent upserts of one SessionID wait for each
// other (PostgreSQL) or run one at a time (SQLite's single writer), so
// exactly one of them stores a task.
func (q *querier) TaskInsertOnce(ctx context.Context, t *openvod.Task, since time.Time) (*openvod.Task, error) {
	if t.SessionID != "" {
		n, err := q.exec(ctx, `INSERT INTO task_session (sub_app_id, type, session_id, task_id, create_time)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (sub_app_id, type, session_id) DO UPDATE
SET task_id = excluded.task_id, create_time = excluded.create_time
WHERE task_session.create_time < ?`,
			t.SubAppID, string(t.Type), t.SessionID, t.ID, timeArg(t.CreateTime), timeArg(since))
		if err != nil {
			return nil, fmt.Errorf("task insert once %s: %w", t.ID, err)
		}
		if n == 0 {
			held, err := scanTask(q.queryRow(ctx, q.write, `SELECT `+taskColumns+` FROM task
WHERE id = (SELECT task_id FROM task_session WHERE sub_app_id = ? AND type = ? AND session_id = ?)`,
				t.SubAppID, string(t.Type), t.SessionID))
			if err != nil {
				return nil, fmt.Errorf("task insert once %s: the session's task: %w", t.ID, err)
			}
			return held, nil
		}
	}
	if err := q.TaskInsert(ctx, t); err != nil {
		return nil, err
	}
	stored := *t
	stored.Status = openvod.TaskWaiting
	return &stored, nil
}

// TaskInsertOnce implements store.Querier in one transaction.
func (db *DB) TaskInsertOnce(ctx context.Context, t *openvod.Task, since time.Time) (*openvod.Task, error) {
	var stored *openvod.Task
	err := db.InTx(ctx, func(q store.Querier) error {
		var err error
		stored, err = q.TaskInsertOnce(ctx, t, since)
		return err
	})
	return stored, err
}

// TaskFindBySession implements store.Querier.
func (q *querier) TaskFindBySession(ctx context.Context, subAppID int64, typ openvod.TaskType, sessionID string, since time.Time) (*openvod.Task, error) {
	if sessionID == "" {
		return nil, fmt.Errorf("task find by session: empty session ID: %w", store.ErrNotFound)
	}
	t, err := scanTask(q.queryRow(ctx, q.read, `SELECT `+taskColumns+` FROM task
WHERE id = (SELECT task_id FROM task_session
WHERE sub_app_id = ? AND type = ? AND session_id = ? AND create_time >= ?)`,
		subAppID, string(typ), sessionID, timeArg(since)))
	if err != nil {
		return nil, fmt.Errorf("task find by session %d/%s: %w", subAppID, sessionID, notFound(err))
	}
	return t, nil
}

// taskClaimSQL picks the runnable tasks of ntypes types, not of nskip
// apps, highest priority first and then oldest first, locked as the
// dialect requires, and leases them. The redundant status <> 'FINISH' lets
// SQLite use the partial index task_runnable, whose order is the claim's.
func (q *querier) taskClaimSQL(ntypes, nskip int) string {
	skip := ""
	if nskip > 0 {
		skip = ` AND sub_app_id NOT IN (` + placeholders(nskip) + `)`
	}
	return `WITH picked AS MATERIALIZED (
SELECT id FROM task
WHERE status <> 'FINISH' AND type IN (` + placeholders(ntypes) + `)` + skip + `
AND (status = 'WAITING' OR (status = 'PROCESSING' AND (lease_until IS NULL OR lease_until < ?)))
ORDER BY priority DESC, create_time, id LIMIT ? ` + q.d.ClaimLock + `
)
UPDATE task SET status = 'PROCESSING', owner = ?, lease_until = ?, attempts = attempts + 1,
begin_process_time = COALESCE(begin_process_time, ?)
WHERE id IN (SELECT id FROM picked)
RETURNING ` + taskColumns
}

// TaskClaim implements store.Querier. It returns the tasks in the order
// claimed, and none when p.Limit or p.Types is empty.
func (q *querier) TaskClaim(ctx context.Context, p *store.TaskClaimParams) ([]*openvod.Task, error) {
	if p.Owner == "" {
		return nil, errors.New("task claim: empty owner")
	}
	if p.Limit <= 0 || len(p.Types) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(p.Types)+len(p.SkipApps)+5)
	for _, typ := range p.Types {
		args = append(args, string(typ))
	}
	for _, app := range p.SkipApps {
		args = append(args, app)
	}
	args = append(args, timeArg(p.Now), p.Limit, p.Owner, timeArg(p.LeaseUntil), timeArg(p.Now))
	tasks, err := queryAll(ctx, q, q.write, scanTask, q.taskClaimSQL(len(p.Types), len(p.SkipApps)), args...)
	if err != nil {
		return nil, fmt.Errorf("task claim: %w", err)
	}
	slices.SortFunc(tasks, func(a, b *openvod.Task) int {
		return cmp.Or(cmp.Compare(b.Priority, a.Priority), a.CreateTime.Compare(b.CreateTime), cmp.Compare(a.ID, b.ID))
	})
	return tasks, nil
}

// TaskExtendLease implements store.Querier.
func (q *querier) TaskExtendLease(ctx context.Context, id, owner string, until time.Time) error {
	err := changedOne(q.exec(ctx, `UPDATE task SET lease_until = ?
WHERE id = ? AND owner = ? AND status = 'PROCESSING'`, timeArg(until), id, owner))
	if err != nil {
		return fmt.Errorf("task extend lease %s by %s: %w", id, owner, err)
	}
	return nil
}

// TaskSetProgress implements store.Querier.
func (q *querier) TaskSetProgress(ctx context.Context, id, owner string, progress int64) error {
	err := changedOne(q.exec(ctx, `UPDATE task SET progress = ?
WHERE id = ? AND owner = ? AND status = 'PROCESSING'`, progress, id, owner))
	if err != nil {
		return fmt.Errorf("task set progress %s by %s: %w", id, owner, err)
	}
	return nil
}

// TaskFinish implements store.Querier. The lease ends with it.
func (q *querier) TaskFinish(ctx context.Context, p *store.TaskFinishParams) error {
	err := changedOne(q.exec(ctx, `UPDATE task
SET status = 'FINISH', err_code = ?, message = ?, output = ?, finish_time = ?, lease_until = NULL
WHERE id = ? AND owner = ? AND attempts = ? AND status = 'PROCESSING'`,
		p.ErrCode, p.Message, bytesArg(p.Output), timeArg(p.FinishTime), p.ID, p.Owner, p.Attempt))
	if err != nil {
		return fmt.Errorf("task finish %s by %s: %w", p.ID, p.Owner, err)
	}
	return nil
}

// ExpireLeases implements store.Querier.
func (q *querier) ExpireLeases(ctx context.Context) error {
	if _, err := q.exec(ctx, `UPDATE task SET lease_until = NULL
WHERE status = 'PROCESSING' AND lease_until IS NOT NULL`); err != nil {
		return fmt.Errorf("expire task leases: %w", err)
	}
	if _, err := q.exec(ctx, `UPDATE upload_session SET claim_token = '', claim_until = NULL
WHERE claim_token <> '' AND uploaded_size < 0`); err != nil {
		return fmt.Errorf("expire upload claims: %w", err)
	}
	return nil
}

// TaskCountByStatus implements store.Querier. Every TaskStatus is present,
// zero when no task has it.
func (q *querier) TaskCountByStatus(ctx context.Context) (map[openvod.TaskStatus]int64, error) {
	rows, err := q.read.QueryContext(ctx, `SELECT status, COUNT(*) FROM task GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("task count by status: %w", err)
	}
	defer rows.Close()
	counts := map[openvod.TaskStatus]int64{openvod.TaskWaiting: 0, openvod.TaskProcessing: 0, openvod.TaskFinish: 0}
	for rows.Next() {
		var status openvod.TaskStatus
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("task count by status: %w", err)
		}
		counts[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("task count by status: %w", err)
	}
	return counts, nil
}
