package sqldb

import (
	"context"
	"fmt"

	"github.com/openvod/openvod/store"
)

const templateColumns = `sub_app_id, kind, definition, name, body, create_time, update_time, storage_key`

func scanTemplate(s scanner) (*store.Template, error) {
	var t store.Template
	if err := s.Scan(&t.SubAppID, &t.Kind, &t.Definition, &t.Name, &t.Body,
		timeDest{&t.CreateTime}, timeDest{&t.UpdateTime}, &t.StorageKey); err != nil {
		return nil, err
	}
	return &t, nil
}

// TemplateInsert implements store.Querier inside a transaction; [DB] runs
// it in one of its own. The upsert of the app's template_sequence row
// takes the next Definition and holds the row until the transaction ends
// (PostgreSQL's row lock; SQLite's single writer), so the app's inserts
// run one at a time and the count and name check that follow see every
// template committed before.
func (q *querier) TemplateInsert(ctx context.Context, t *store.Template, limit int, uniqueName bool) error {
	var def int64
	err := q.queryRow(ctx, q.write, `INSERT INTO template_sequence (sub_app_id, last_definition) VALUES (?, ?)
ON CONFLICT (sub_app_id) DO UPDATE SET last_definition = template_sequence.last_definition + 1
RETURNING last_definition`, t.SubAppID, store.FirstTemplateDefinition).Scan(&def)
	if err != nil {
		return fmt.Errorf("template insert %d/%s: %w", t.SubAppID, t.Kind, err)
	}
	var n, named int64
	err = q.queryRow(ctx, q.write, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN name = ? THEN 1 ELSE 0 END), 0)
FROM template WHERE sub_app_id = ? AND kind = ?`, t.Name, t.SubAppID, t.Kind).Scan(&n, &named)
	switch {
	case err != nil:
	case n >= int64(limit):
		err = store.ErrLimit
	case uniqueName && named > 0:
		err = store.ErrConflict
	default:
		_, err = q.exec(ctx, `INSERT INTO template (`+templateColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			t.SubAppID, t.Kind, def, t.Name, t.Body, timeArg(t.CreateTime), timeArg(t.UpdateTime), t.StorageKey)
	}
	if err != nil {
		return fmt.Errorf("template insert %d/%s: %w", t.SubAppID, t.Kind, err)
	}
	t.Definition = def
	return nil
}

// TemplateInsert implements store.Querier in one transaction.
func (db *DB) TemplateInsert(ctx context.Context, t *store.Template, limit int, uniqueName bool) error {
	return db.InTx(ctx, func(q store.Querier) error { return q.TemplateInsert(ctx, t, limit, uniqueName) })
}

// TemplateGet implements store.Querier.
func (q *querier) TemplateGet(ctx context.Context, subAppID int64, kind string, definition int64) (*store.Template, error) {
	t, err := scanTemplate(q.queryRow(ctx, q.read, `SELECT `+templateColumns+` FROM template
WHERE sub_app_id = ? AND kind = ? AND definition = ?`, subAppID, kind, definition))
	if err != nil {
		return nil, fmt.Errorf("template get %d/%s/%d: %w", subAppID, kind, definition, notFound(err))
	}
	return t, nil
}

// TemplateLock implements store.Querier: TemplateGet on the writer (the
// transaction inside InTx), with the row locked until the transaction
// ends (the dialect's RowLock; SQLite's single writer).
func (q *querier) TemplateLock(ctx context.Context, subAppID int64, kind string, definition int64) (*store.Template, error) {
	t, err := scanTemplate(q.queryRow(ctx, q.write, `SELECT `+templateColumns+` FROM template
WHERE sub_app_id = ? AND kind = ? AND definition = ? `+q.d.RowLock, subAppID, kind, definition))
	if err != nil {
		return nil, fmt.Errorf("template lock %d/%s/%d: %w", subAppID, kind, definition, notFound(err))
	}
	return t, nil
}

// TemplateGetByName implements store.Querier.
func (q *querier) TemplateGetByName(ctx context.Context, subAppID int64, kind, name string) (*store.Template, error) {
	t, err := scanTemplate(q.queryRow(ctx, q.read, `SELECT `+templateColumns+` FROM template
WHERE sub_app_id = ? AND kind = ? AND name = ? ORDER BY definition LIMIT 1`, subAppID, kind, name))
	if err != nil {
		return nil, fmt.Errorf("template get %d/%s/%q: %w", subAppID, kind, name, notFound(err))
	}
	return t, nil
}

// TemplateList implements store.Querier.
func (q *querier) TemplateList(ctx context.Context, subAppID int64, kind string) ([]*store.Template, error) {
	all, err := queryAll(ctx, q, q.read, scanTemplate, `SELECT `+templateColumns+` FROM template
WHERE sub_app_id = ? AND kind = ? ORDER BY definition`, subAppID, kind)
	if err != nil {
		return nil, fmt.Errorf("template list %d/%s: %w", subAppID, kind, err)
	}
	return all, nil
}

// TemplateUpdate implements store.Querier.
func (q *querier) TemplateUpdate(ctx context.Context, t *store.Template) error {
	n, err := q.exec(ctx, `UPDATE template SET name = ?, body = ?, update_time = ?, storage_key = ?
WHERE sub_app_id = ? AND kind = ? AND definition = ?`,
		t.Name, t.Body, timeArg(t.UpdateTime), t.StorageKey, t.SubAppID, t.Kind, t.Definition)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("template update %d/%s/%d: %w", t.SubAppID, t.Kind, t.Definition, err)
	}
	return nil
}

// TemplateDelete implements store.Querier.
func (q *querier) TemplateDelete(ctx context.Context, subAppID int64, kind string, definition int64) error {
	n, err := q.exec(ctx, `DELETE FROM template WHERE sub_app_id = ? AND kind = ? AND definition = ?`,
		subAppID, kind, definition)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("template delete %d/%s/%d: %w", subAppID, kind, definition, err)
	}
	return nil
}
