package sqldb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

const mediaColumns = `file_id, sub_app_id, name, description, class_id, type, storage_key, size,
source_type, source_context, meta_data, meta_error, create_time, update_time, expire_time`

func scanMedia(s scanner) (*openvod.Media, error) {
	var m openvod.Media
	err := s.Scan(&m.FileID, &m.SubAppID, &m.Name, &m.Description, &m.ClassID, &m.Type, &m.StorageKey, &m.Size,
		&m.SourceType, &m.SourceContext, &m.MetaData, &m.MetaError,
		timeDest{&m.CreateTime}, timeDest{&m.UpdateTime}, timeDest{&m.ExpireTime})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MediaInsert implements store.Querier.
func (q *querier) MediaInsert(ctx context.Context, m *openvod.Media) error {
	err := changedOne(q.exec(ctx, `INSERT INTO media (`+mediaColumns+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING`,
		m.FileID, m.SubAppID, m.Name, m.Description, m.ClassID, m.Type, m.StorageKey, m.Size,
		m.SourceType, m.SourceContext, bytesArg(m.MetaData), m.MetaError,
		timeArg(m.CreateTime), timeArg(m.UpdateTime), timeArg(m.ExpireTime)))
	if err != nil {
		return fmt.Errorf("media insert %s: %w", m.FileID, err)
	}
	return nil
}

// MediaGet implements store.Querier.
func (q *querier) MediaGet(ctx context.Context, subAppID int64, fileID string) (*openvod.Media, error) {
	m, err := scanMedia(q.queryRow(ctx, q.read, `SELECT `+mediaColumns+` FROM media
WHERE sub_app_id = ? AND file_id = ?`, subAppID, fileID))
	if err != nil {
		return nil, fmt.Errorf("media get %d/%s: %w", subAppID, fileID, notFound(err))
	}
	return m, nil
}

// MediaGetByStorageKey implements store.Querier.
func (q *querier) MediaGetByStorageKey(ctx context.Context, subAppID int64, key string) (*openvod.Media, error) {
	m, err := scanMedia(q.queryRow(ctx, q.read, `SELECT `+mediaColumns+` FROM media
WHERE sub_app_id = ? AND storage_key = ?`, subAppID, key))
	if err != nil {
		return nil, fmt.Errorf("media get by key %d/%s: %w", subAppID, key, notFound(err))
	}
	return m, nil
}

// MediaGetMany implements store.Querier.
func (q *querier) MediaGetMany(ctx context.Context, subAppID int64, fileIDs []string) ([]*openvod.Media, error) {
	if len(fileIDs) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 1+len(fileIDs))
	args = append(args, subAppID)
	for _, id := range fileIDs {
		args = append(args, id)
	}
	all, err := queryAll(ctx, q, q.read, scanMedia, `SELECT `+mediaColumns+` FROM media
WHERE sub_app_id = ? AND file_id IN (`+placeholders(len(fileIDs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("media get many: %w", err)
	}
	return all, nil
}

// MediaDelete implements store.Querier.
func (q *querier) MediaDelete(ctx context.Context, subAppID int64, fileID string) error {
	n, err := q.exec(ctx, `DELETE FROM media WHERE sub_app_id = ? AND file_id = ?`, subAppID, fileID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("media delete %d/%s: %w", subAppID, fileID, err)
	}
	return nil
}

// MediaListExpired implements store.Querier, soonest expired first.
func (q *querier) MediaListExpired(ctx context.Context, t time.Time, limit int) ([]*openvod.Media, error) {
	all, err := queryAll(ctx, q, q.read, scanMedia, `SELECT `+mediaColumns+` FROM media
WHERE expire_time < ? ORDER BY expire_time, file_id LIMIT ?`, timeArg(t), limit)
	if err != nil {
		return nil, fmt.Errorf("media list expired: %w", err)
	}
	return all, nil
}

// MediaStorageKeyExists implements store.Querier.
func (q *querier) MediaStorageKeyExists(ctx context.Context, key string) (bool, error) {
	var n int64
	err := q.queryRow(ctx, q.read, `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM media WHERE storage_key = ? LIMIT 1) AS m)
+ (SELECT COUNT(*) FROM (SELECT 1 FROM media_output_key WHERE storage_key = ? LIMIT 1) AS o)
+ (SELECT COUNT(*) FROM (SELECT 1 FROM template WHERE storage_key = ? AND storage_key <> '' LIMIT 1) AS t)`, key, key, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("media storage key exists %s: %w", key, err)
	}
	return n > 0, nil
}

// StorageKeysReferenced implements store.Querier. Templates refer to their
// StorageKey (a watermark's image). Upload sessions refer to
// their key whether committed or not; the janitor removes stale ones with
// their bytes. A task not finished refers to its OutputKey, to every
// attempt's key derived from it (openvod.AttemptKey) and, when the
// OutputKey ends in "/", to every key under it.
func (q *querier) StorageKeysReferenced(ctx context.Context, keys []string) (map[string]bool, error) {
	refs := map[string]bool{}
	if len(keys) == 0 {
		return refs, nil
	}
	// outputs holds the OutputKeys that would keep each key: its own, for
	// an attempt's key the one it was derived from, and its prefixes
	// ending in "/".
	outputs := slices.Clone(keys)
	for _, k := range keys {
		outputs = append(outputs, keepingOutputKeys(k)...)
	}
	slices.Sort(outputs)
	outputs = slices.Compact(outputs)
	args := make([]any, 0, 4*len(keys)+len(outputs))
	for range 4 {
		for _, k := range keys {
			args = append(args, k)
		}
	}
	for _, k := range outputs {
		args = append(args, k)
	}
	in := placeholders(len(keys))
	rows, err := q.read.QueryContext(ctx, q.d.rebind(`SELECT storage_key, 0 FROM media WHERE storage_key IN (`+in+`)
UNION SELECT storage_key, 0 FROM media_output_key WHERE storage_key IN (`+in+`)
UNION SELECT storage_key, 0 FROM upload_session WHERE storage_key IN (`+in+`)
UNION SELECT storage_key, 0 FROM template WHERE storage_key IN (`+in+`) AND storage_key <> ''
UNION SELECT output_key, 1 FROM task WHERE status <> 'FINISH' AND output_key IN (`+placeholders(len(outputs))+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("storage keys referenced: %w", err)
	}
	defer rows.Close()
	taskOutputs := map[string]bool{}
	for rows.Next() {
		var k string
		var task int
		if err := rows.Scan(&k, &task); err != nil {
			return nil, fmt.Errorf("storage keys referenced: %w", err)
		}
		if task == 1 {
			taskOutputs[k] = true
		} else {
			refs[k] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage keys referenced: %w", err)
	}
	for _, k := range keys {
		if taskOutputs[k] || slices.ContainsFunc(keepingOutputKeys(k), func(out string) bool { return taskOutputs[out] }) {
			refs[k] = true
		}
	}
	return refs, nil
}

// keepingOutputKeys returns the OutputKeys other than key itself whose
// unfinished task keeps key: the one an attempt's key was derived from, and
// every prefix of key ending in "/" (a procedure's output prefix).
func keepingOutputKeys(key string) []string {
	var outs []string
	if out := openvod.AttemptOutputKey(key); out != "" {
		outs = append(outs, out)
	}
	for i, c := range key {
		if c == '/' {
			outs = append(outs, key[:i+1])
		}
	}
	return outs
}
