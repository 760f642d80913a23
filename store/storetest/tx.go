package storetest

import (
	"errors"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

func testInTxCommit(t *testing.T, s store.Store) {
	ctx := t.Context()
	if d := s.Driver(); d != "sqlite" && d != "postgres" {
		t.Errorf("driver %q, want sqlite or postgres", d)
	}
	key := &openvod.APIKey{SecretID: "AKID", SecretKey: "secret", CreateTime: at(1)}
	noErr(t, "insert key", s.KeyInsert(ctx, key))
	var app *openvod.App
	var media *openvod.Media
	err := s.InTx(ctx, func(q store.Querier) error {
		app = newApp(t, q, "app")
		media = newMedia(app, "f1", 100)
		if err := q.MediaInsert(ctx, media); err != nil {
			return err
		}
		// A conflict leaves the transaction usable.
		isErr(t, "insert duplicate key in tx", q.KeyInsert(ctx, key), store.ErrConflict)
		equal(t, "get in tx", must(q.MediaGet(ctx, app.ID, media.FileID))(t), media)
		return q.TaskInsert(ctx, newTask(app, "task", openvod.TaskClip, 2))
	})
	noErr(t, "commit", err)
	equal(t, "app after commit", must(s.AppGet(ctx, openvod.DefaultSubAppID))(t), app)
	equal(t, "media after commit", must(s.MediaGet(ctx, app.ID, media.FileID))(t), media)
	equal(t, "task after commit", must(s.TaskGet(ctx, app.ID, "task"))(t).ID, "task")
}

func testInTxRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	errRollback := errors.New("roll back")
	err := s.InTx(ctx, func(q store.Querier) error {
		app := newApp(t, q, "app")
		noErr(t, "insert key", q.KeyInsert(ctx, &openvod.APIKey{SecretID: "AKID", SecretKey: "secret", CreateTime: at(1)}))
		noErr(t, "insert media", q.MediaInsert(ctx, newMedia(app, "f1", 100)))
		noErr(t, "insert task", q.TaskInsert(ctx, newTask(app, "task", openvod.TaskClip, 2)))
		noErr(t, "insert session", q.UploadSessionInsert(ctx, newUploadSession(app, "s1", 1, 100)))
		return errRollback
	})
	isErr(t, "InTx", err, errRollback)

	equal(t, "apps", len(must(s.AppList(ctx))(t)), 0)
	equal(t, "keys", len(must(s.KeyList(ctx))(t)), 0)
	_, err = s.MediaGet(ctx, openvod.DefaultSubAppID, "f1")
	isErr(t, "media", err, store.ErrNotFound)
	_, err = s.UploadSessionGet(ctx, "s1")
	isErr(t, "upload session", err, store.ErrNotFound)
	equal(t, "task counts", must(s.TaskCountByStatus(ctx))(t),
		map[openvod.TaskStatus]int64{openvod.TaskWaiting: 0, openvod.TaskProcessing: 0, openvod.TaskFinish: 0})
	equal(t, "app created after rollback", newApp(t, s, "app").ID, openvod.DefaultSubAppID)
}
