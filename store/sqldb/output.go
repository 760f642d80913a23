package sqldb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// outputKeyChunk is the most key rows one insert writes. Inserts take
// chunks of powers of two, so that a few query texts serve every count.
const outputKeyChunk = 256

// outputRows selects the outputs that where selects, a row each with
// key_index -1, and, withKeys, in the same statement (one snapshot) their
// keys, a row each, ordered by output and key. where is a condition on o,
// the output table, for both halves (its arguments are then given twice).
func outputRows(where string, withKeys bool) string {
	outputs := `SELECT o.file_id, o.kind, o.definition, o.sub_app_id, o.item, o.task_id, o.create_time, -1 AS key_index, '' AS storage_key
FROM media_output o WHERE ` + where
	if !withKeys {
		return outputs
	}
	return outputs + `
UNION ALL SELECT o.file_id, o.kind, o.definition, o.sub_app_id, NULL, '', 0, k.key_index, k.storage_key
FROM media_output o JOIN media_output_key k ON k.file_id = o.file_id AND k.kind = o.kind AND k.definition = o.definition
WHERE ` + where + `
ORDER BY 1, 2, 3, 8`
}

// queryOutputs runs outputRows on c with where's arguments and assembles
// the outputs, by FileID, Kind and Definition.
func (q *querier) queryOutputs(ctx context.Context, c conn, withKeys bool, where string, args ...any) ([]*openvod.MediaOutput, error) {
	if withKeys {
		args = append(slices.Clone(args), args...)
	}
	rows, err := c.QueryContext(ctx, q.d.rebind(outputRows(where, withKeys)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []*openvod.MediaOutput
	for rows.Next() {
		var o openvod.MediaOutput
		var index int64
		var key string
		if err := rows.Scan(&o.FileID, &o.Kind, &o.Definition, &o.SubAppID, &o.Item, &o.TaskID,
			timeDest{&o.CreateTime}, &index, &key); err != nil {
			return nil, err
		}
		if index < 0 {
			all = append(all, &o)
			continue
		}
		last := all[len(all)-1] // the output's row sorts before its keys
		last.Keys = append(last.Keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The order of the database's collation may not be the bytes' order.
	slices.SortFunc(all, func(a, b *openvod.MediaOutput) int {
		return cmp.Or(strings.Compare(a.FileID, b.FileID), strings.Compare(a.Kind, b.Kind), cmp.Compare(a.Definition, b.Definition))
	})
	return all, nil
}

// equalsAll is the condition that each of cols, of the table named alias
// ("" for none), equals its placeholder.
func equalsAll(alias string, cols []string) string {
	conds := make([]string, len(cols))
	for i, c := range cols {
		if alias != "" {
			c = alias + "." + c
		}
		conds[i] = c + " = ?"
	}
	return strings.Join(conds, " AND ")
}

// outputColumns are the columns that name an output.
var outputColumns = []string{"sub_app_id", "file_id", "kind", "definition"}

// lockMedia takes the write lock of the app's media row (a PostgreSQL row
// lock; SQLite's writer holds its lock already), so that the changes of
// its outputs, and its deletion, run one after the other and each reads
// the outputs the one before it left. It returns store.ErrNotFound when the
// app has no such media.
func (q *querier) lockMedia(ctx context.Context, subAppID int64, fileID string) error {
	n, err := q.exec(ctx, `UPDATE media SET size = size WHERE sub_app_id = ? AND file_id = ?`, subAppID, fileID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

// MediaOutputPut implements store.Querier inside a transaction; [DB] runs
// it in one of its own.
func (q *querier) MediaOutputPut(ctx context.Context, o *openvod.MediaOutput) ([]string, error) {
	where := equalsAll("", outputColumns)
	args := []any{o.SubAppID, o.FileID, o.Kind, o.Definition}
	err := q.lockMedia(ctx, o.SubAppID, o.FileID)
	var old []*openvod.MediaOutput
	if err == nil {
		old, err = q.queryOutputs(ctx, q.write, true, equalsAll("o", outputColumns), args...)
	}
	if err == nil && len(old) > 0 {
		_, err = q.exec(ctx, `DELETE FROM media_output WHERE `+where, args...)
	}
	if err == nil {
		err = q.insertOutput(ctx, o)
	}
	if err != nil {
		return nil, fmt.Errorf("media output put %s/%s/%d: %w", o.FileID, o.Kind, o.Definition, err)
	}
	var replaced []string
	for _, prev := range old {
		for _, k := range prev.Keys {
			if !slices.Contains(o.Keys, k) && !slices.Contains(replaced, k) {
				replaced = append(replaced, k)
			}
		}
	}
	return replaced, nil
}

// insertOutput inserts o and its keys.
func (q *querier) insertOutput(ctx context.Context, o *openvod.MediaOutput) error {
	if _, err := q.exec(ctx, `INSERT INTO media_output (file_id, kind, definition, sub_app_id, item, task_id, create_time)
VALUES (?, ?, ?, ?, ?, ?, ?)`,
		o.FileID, o.Kind, o.Definition, o.SubAppID, bytesArg(o.Item), o.TaskID, timeArg(o.CreateTime)); err != nil {
		return err
	}
	for i := 0; i < len(o.Keys); {
		size := outputKeyChunk
		for size > len(o.Keys)-i {
			size /= 2
		}
		args := make([]any, 0, 5*size)
		for j, k := range o.Keys[i : i+size] {
			args = append(args, o.FileID, o.Kind, o.Definition, int64(i+j), k)
		}
		values := slices.Repeat([]string{"(?, ?, ?, ?, ?)"}, size)
		if _, err := q.exec(ctx, `INSERT INTO media_output_key (file_id, kind, definition, key_index, storage_key)
VALUES `+strings.Join(values, ", "), args...); err != nil {
			return err
		}
		i += size
	}
	return nil
}

// MediaOutputPut implements store.Querier in one transaction.
func (db *DB) MediaOutputPut(ctx context.Context, o *openvod.MediaOutput) ([]string, error) {
	var replaced []string
	err := db.InTx(ctx, func(q store.Querier) error {
		var err error
		replaced, err = q.MediaOutputPut(ctx, o)
		return err
	})
	return replaced, err
}

// MediaOutputList implements store.Querier.
func (q *querier) MediaOutputList(ctx context.Context, subAppID int64, fileIDs []string) ([]*openvod.MediaOutput, error) {
	all, err := q.listOutputs(ctx, true, subAppID, fileIDs)
	if err != nil {
		return nil, fmt.Errorf("media output list: %w", err)
	}
	return all, nil
}

// MediaOutputListItems implements store.Querier.
func (q *querier) MediaOutputListItems(ctx context.Context, subAppID int64, fileIDs []string) ([]*openvod.MediaOutput, error) {
	all, err := q.listOutputs(ctx, false, subAppID, fileIDs)
	if err != nil {
		return nil, fmt.Errorf("media output list items: %w", err)
	}
	return all, nil
}

// listOutputs returns the app's outputs of the media among fileIDs, with
// their keys when withKeys.
func (q *querier) listOutputs(ctx context.Context, withKeys bool, subAppID int64, fileIDs []string) ([]*openvod.MediaOutput, error) {
	if len(fileIDs) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 1+len(fileIDs))
	args = append(args, subAppID)
	for _, id := range fileIDs {
		args = append(args, id)
	}
	return q.queryOutputs(ctx, q.read, withKeys, `o.sub_app_id = ? AND o.file_id IN (`+placeholders(len(fileIDs))+`)`, args...)
}

// MediaOutputDelete implements store.Querier inside a transaction; [DB]
// runs it in one of its own.
func (q *querier) MediaOutputDelete(ctx context.Context, subAppID int64, fileID, kind string, definition int64) ([]*openvod.MediaOutput, error) {
	cols, args := outputColumns, []any{subAppID, fileID, kind, definition}
	if definition == 0 {
		cols, args = cols[:3], args[:3]
	}
	where := equalsAll("", cols)
	err := q.lockMedia(ctx, subAppID, fileID)
	var removed []*openvod.MediaOutput
	if err == nil {
		removed, err = q.queryOutputs(ctx, q.write, true, equalsAll("o", cols), args...)
	}
	if err == nil && len(removed) > 0 {
		_, err = q.exec(ctx, `DELETE FROM media_output WHERE `+where, args...)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // no media, no outputs
	}
	if err != nil {
		return nil, fmt.Errorf("media output delete %d/%s/%s/%d: %w", subAppID, fileID, kind, definition, err)
	}
	return removed, nil
}

// MediaOutputDelete implements store.Querier in one transaction.
func (db *DB) MediaOutputDelete(ctx context.Context, subAppID int64, fileID, kind string, definition int64) ([]*openvod.MediaOutput, error) {
	var removed []*openvod.MediaOutput
	err := db.InTx(ctx, func(q store.Querier) error {
		var err error
		removed, err = q.MediaOutputDelete(ctx, subAppID, fileID, kind, definition)
		return err
	})
	return removed, err
}
