package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// where builds the conditions of a WHERE clause, ANDed, with their
// arguments in placeholder order.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// anyOf adds (cond OR cond ...), one cond per value, when values is not empty.
func anyOf[T any](w *where, cond string, values []T, arg func(T) any) {
	if len(values) == 0 {
		return
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = cond
		w.args = append(w.args, arg(v))
	}
	w.conds = append(w.conds, "("+strings.Join(parts, " OR ")+")")
}

// timeRange adds column >= after and column < before for the non-zero bounds.
func (w *where) timeRange(column string, after, before time.Time) {
	if !after.IsZero() {
		w.add(column+" >= ?", timeArg(after))
	}
	if !before.IsZero() {
		w.add(column+" < ?", timeArg(before))
	}
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

// likeEscape escapes s for a LIKE pattern with ESCAPE '\'.
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// containsArg is the pattern of a case-insensitive substring match against
// LOWER(column).
func containsArg(s string) any { return "%" + likeEscape.Replace(strings.ToLower(s)) + "%" }

// likeContains matches LOWER(column) against a pattern (SQLite's LIKE
// ignores ASCII case anyway; PostgreSQL's does not).
const likeContains = `LOWER(%s) LIKE ? ESCAPE '\'`

func order(desc bool) string {
	if desc {
		return "DESC"
	}
	return "ASC"
}

// MediaSearch implements store.Querier. Name and description matches
// ignore case; SQLite's LOWER folds ASCII letters only, so there a
// non-ASCII capital matches only itself in lower case.
func (q *querier) MediaSearch(ctx context.Context, p *store.MediaSearchParams) ([]*openvod.Media, int64, error) {
	var w where
	w.add("sub_app_id = ?", p.SubAppID)
	str := func(s string) any { return s }
	anyOf(&w, "file_id = ?", p.FileIDs, str)
	anyOf(&w, fmt.Sprintf(likeContains, "name"), p.Names, containsArg)
	anyOf(&w, fmt.Sprintf(likeContains, "name"), p.NamePrefixes, func(s string) any { return likeEscape.Replace(strings.ToLower(s)) + "%" })
	anyOf(&w, fmt.Sprintf(likeContains, "description"), p.Descriptions, containsArg)
	if p.Text != "" {
		w.add("("+fmt.Sprintf(likeContains, "name")+" OR "+fmt.Sprintf(likeContains, "description")+")",
			containsArg(p.Text), containsArg(p.Text))
	}
	anyOf(&w, "class_id = ?", p.ClassIDs, func(id int64) any { return id })
	anyOf(&w, "source_type = ?", p.SourceTypes, str)
	w.timeRange("create_time", p.CreatedAfter, p.CreatedBefore)

	var total int64
	if err := q.queryRow(ctx, q.read, `SELECT COUNT(*) FROM media WHERE `+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("media search %d: count: %w", p.SubAppID, err)
	}
	o := order(p.Descending)
	all, err := queryAll(ctx, q, q.read, scanMedia, `SELECT `+mediaColumns+` FROM media WHERE `+w.String()+
		` ORDER BY create_time `+o+`, file_id `+o+` LIMIT ? OFFSET ?`, append(w.args, p.Limit, p.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("media search %d: %w", p.SubAppID, err)
	}
	return all, total, nil
}

// TaskList implements store.Querier.
func (q *querier) TaskList(ctx context.Context, p *store.TaskListParams) ([]*openvod.Task, error) {
	var w where
	w.add("sub_app_id = ?", p.SubAppID)
	if p.Status != "" {
		w.add("status = ?", string(p.Status))
	}
	w.timeRange("create_time", p.CreatedAfter, p.CreatedBefore)
	w.timeRange("finish_time", p.FinishedAfter, p.FinishedBefore)
	cmp := ">"
	if p.Descending {
		cmp = "<"
	}
	if p.After != nil {
		ct := timeArg(p.After.CreateTime)
		w.add("(create_time "+cmp+" ? OR (create_time = ? AND id "+cmp+" ?))", ct, ct, p.After.ID)
	}
	o := order(p.Descending)
	all, err := queryAll(ctx, q, q.read, scanTask, `SELECT `+taskColumns+` FROM task WHERE `+w.String()+
		` ORDER BY create_time `+o+`, id `+o+` LIMIT ?`, append(w.args, p.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("task list %d: %w", p.SubAppID, err)
	}
	return all, nil
}

// TaskActivity implements store.Querier.
func (q *querier) TaskActivity(ctx context.Context, subAppID int64, since time.Time) (store.TaskActivity, error) {
	var a store.TaskActivity
	err := q.queryRow(ctx, q.read, `SELECT COUNT(*),
COALESCE(SUM(CASE WHEN status = 'FINISH' THEN 1 ELSE 0 END), 0),
COALESCE(SUM(CASE WHEN status = 'PROCESSING' THEN 1 ELSE 0 END), 0),
COALESCE(SUM(progress), 0), COALESCE(SUM(attempts), 0)
FROM task WHERE sub_app_id = ? AND (status <> 'FINISH' OR finish_time >= ?)`, subAppID, timeArg(since)).
		Scan(&a.Count, &a.Finished, &a.Processing, &a.Progress, &a.Attempts)
	if err != nil {
		return a, fmt.Errorf("task activity %d: %w", subAppID, err)
	}
	return a, nil
}
