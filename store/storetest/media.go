package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// newMedia returns a media record of app with every field set.
func newMedia(app *openvod.App, fileID string, expire int) *openvod.Media {
	return &openvod.Media{
		FileID:        fileID,
		SubAppID:      app.ID,
		Name:          "name of " + fileID,
		Description:   "description of " + fileID,
		ClassID:       3,
		Type:          "mp4",
		StorageKey:    "media/" + fileID,
		Size:          1 << 40,
		SourceType:    "Upload",
		SourceContext: "source context",
		MetaData:      []byte("{\"Duration\": 1.5,\n\"Name\":\"\u00e9\"}"),
		CreateTime:    at(1),
		UpdateTime:    at(2),
		ExpireTime:    at(expire),
	}
}

// sortMedia sorts by FileID, for comparing results returned in no order.
func sortMedia(ms []*openvod.Media) []*openvod.Media {
	slices.SortFunc(ms, func(a, b *openvod.Media) int { return cmp.Compare(a.FileID, b.FileID) })
	return ms
}

func testMedia(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	kept := newMedia(app, "f1", 0)
	kept.ExpireTime = openvod.NeverExpire
	unreadable := newMedia(app, "f2", 100)
	unreadable.MetaData, unreadable.MetaError = nil, "moov box not found"
	foreign := newMedia(other, "f3", 50)
	for _, m := range []*openvod.Media{kept, unreadable, foreign} {
		noErr(t, "insert "+m.FileID, s.MediaInsert(ctx, m))
	}

	equal(t, "get", must(s.MediaGet(ctx, app.ID, kept.FileID))(t), kept)
	equal(t, "get without metadata", must(s.MediaGet(ctx, app.ID, unreadable.FileID))(t), unreadable)
	_, err := s.MediaGet(ctx, other.ID, kept.FileID)
	isErr(t, "get from another app", err, store.ErrNotFound)
	_, err = s.MediaGet(ctx, app.ID, "missing")
	isErr(t, "get missing", err, store.ErrNotFound)
	isErr(t, "insert duplicate FileID in another app", s.MediaInsert(ctx, newMedia(other, kept.FileID, 5)), store.ErrConflict)
	equal(t, "get after duplicate", must(s.MediaGet(ctx, app.ID, kept.FileID))(t), kept)

	equal(t, "expired at 100", must(s.MediaListExpired(ctx, at(100), 10))(t), []*openvod.Media{foreign})
	equal(t, "expired at 101", must(s.MediaListExpired(ctx, at(101), 10))(t), []*openvod.Media{foreign, unreadable})
	equal(t, "expired at 101, limit 1", must(s.MediaListExpired(ctx, at(101), 1))(t), []*openvod.Media{foreign})
	equal(t, "expired at 50", len(must(s.MediaListExpired(ctx, at(50), 10))(t)), 0)

	equal(t, "storage key exists", must(s.MediaStorageKeyExists(ctx, kept.StorageKey))(t), true)
	equal(t, "unknown storage key exists", must(s.MediaStorageKeyExists(ctx, "media/none"))(t), false)
	equal(t, "get by storage key", must(s.MediaGetByStorageKey(ctx, app.ID, kept.StorageKey))(t), kept)
	_, err = s.MediaGetByStorageKey(ctx, other.ID, kept.StorageKey)
	isErr(t, "get by storage key from another app", err, store.ErrNotFound)
	_, err = s.MediaGetByStorageKey(ctx, app.ID, "media/none")
	isErr(t, "get by unknown storage key", err, store.ErrNotFound)

	isErr(t, "delete from another app", s.MediaDelete(ctx, other.ID, kept.FileID), store.ErrNotFound)
	equal(t, "get after foreign delete", must(s.MediaGet(ctx, app.ID, kept.FileID))(t), kept)
	noErr(t, "delete", s.MediaDelete(ctx, app.ID, kept.FileID))
	_, err = s.MediaGet(ctx, app.ID, kept.FileID)
	isErr(t, "get deleted", err, store.ErrNotFound)
	isErr(t, "delete again", s.MediaDelete(ctx, app.ID, kept.FileID), store.ErrNotFound)
	equal(t, "deleted storage key exists", must(s.MediaStorageKeyExists(ctx, kept.StorageKey))(t), false)
}

func testMediaGetMany(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	var mine, all []string
	var want []*openvod.Media
	for i := range 20 {
		owner := app
		if i%4 == 3 {
			owner = other
		}
		m := newMedia(owner, fmt.Sprintf("f%02d", i), i)
		noErr(t, "insert "+m.FileID, s.MediaInsert(ctx, m))
		all = append(all, m.FileID)
		if owner == app {
			mine = append(mine, m.FileID)
			want = append(want, m)
		}
	}

	equal(t, "20 IDs", sortMedia(must(s.MediaGetMany(ctx, app.ID, all))(t)), want)
	equal(t, "own IDs and missing ones", sortMedia(must(s.MediaGetMany(ctx, app.ID, append(mine[:3:3], "missing")))(t)), want[:3])
	equal(t, "one ID", must(s.MediaGetMany(ctx, app.ID, mine[:1]))(t), want[:1])
	equal(t, "another app's IDs", len(must(s.MediaGetMany(ctx, app.ID, []string{"f03", "f07"}))(t)), 0)
	equal(t, "no IDs", len(must(s.MediaGetMany(ctx, app.ID, nil))(t)), 0)
}

// testStorageKeysReferenced checks what keeps a blob key from the janitor:
// media, upload sessions (committed or not) and tasks not finished, which
// keep their OutputKey and its attempts' keys.
func testStorageKeysReferenced(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	noErr(t, "insert media", s.MediaInsert(ctx, newMedia(app, "f1", 100)))
	noErr(t, "insert session", s.UploadSessionInsert(ctx, newUploadSession(app, "s1", 1, 100)))
	committed := newUploadSession(app, "s2", 1, 100)
	noErr(t, "insert committed session", s.UploadSessionInsert(ctx, committed))
	noErr(t, "commit", s.UploadSessionSetCommitted(ctx, committed.SessionKey, "f2"))
	for i, id := range []string{"finished", "processing", "waiting"} {
		task := newTask(app, id, openvod.TaskClip, i)
		task.OutputKey = "out/" + id
		noErr(t, "insert task "+id, s.TaskInsert(ctx, task))
	}
	claimed := must(s.TaskClaim(ctx, &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskClip},
		Owner: "w", Now: at(10), LeaseUntil: at(40), Limit: 2}))(t)
	equal(t, "claimed", len(claimed), 2)
	noErr(t, "finish", s.TaskFinish(ctx, &store.TaskFinishParams{ID: "finished", Owner: "w", Attempt: 1, ErrCode: 60000, FinishTime: at(11)}))

	keys := []string{"media/f1", "upload/s1", "upload/s2", "out/waiting", "out/processing", "out/finished", "media/gone",
		openvod.AttemptKey("out/waiting", 1), openvod.AttemptKey("out/processing", 2), openvod.AttemptKey("out/finished", 1),
		openvod.AttemptKey("media/f1", 1)}
	equal(t, "referenced", must(s.StorageKeysReferenced(ctx, keys))(t),
		map[string]bool{"media/f1": true, "upload/s1": true, "upload/s2": true, "out/processing": true, "out/waiting": true,
			"out/waiting.a1": true, "out/processing.a2": true})
	equal(t, "none asked", must(s.StorageKeysReferenced(ctx, nil))(t), map[string]bool{})
}
