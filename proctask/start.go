package proctask

import (
	"context"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// Start stores with q, at now, a task running in on media m: the task
// flow an upload, a pull or a clip names, started in the transaction that
// makes m. It returns the task's TaskId, or "" when in is nil (no task
// flow) and then stores nothing.
func Start(ctx context.Context, q store.Querier, in *Input, m *openvod.Media, now time.Time) (string, error) {
	if in == nil {
		return "", nil
	}
	run := *in
	run.FileId, run.SrcStorageKey = m.FileID, m.StorageKey
	t, err := New(m.SubAppID, &run, now)
	if err != nil {
		return "", err
	}
	if err := q.TaskInsert(ctx, t); err != nil {
		return "", err
	}
	return t.ID, nil
}
