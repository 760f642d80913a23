package storetest

import (
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// newUploadSession returns a session of app with every field set, as
// UploadSessionInsert expects it.
func newUploadSession(app *openvod.App, key string, created, deadline int) *openvod.UploadSession {
	return &openvod.UploadSession{
		SessionKey:     key,
		SubAppID:       app.ID,
		MediaType:      "mp4",
		MediaName:      "name of " + key,
		ClassID:        7,
		SourceContext:  "source context",
		SessionContext: "session context",
		StorageKey:     "upload/" + key,
		ExpireTime:     at(100000),
		CreateTime:     at(created),
		Deadline:       at(deadline),
		UploadedSize:   -1,
	}
}

func testUploadSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	sess := newUploadSession(app, "s1", 1, 100)
	noErr(t, "insert", s.UploadSessionInsert(ctx, sess))
	equal(t, "get", must(s.UploadSessionGet(ctx, sess.SessionKey))(t), sess)

	noExpiry := newUploadSession(app, "s2", 2, 100)
	noExpiry.ExpireTime = openvod.NeverExpire
	noErr(t, "insert with NeverExpire", s.UploadSessionInsert(ctx, noExpiry))
	equal(t, "get with NeverExpire", must(s.UploadSessionGet(ctx, noExpiry.SessionKey))(t), noExpiry)

	dup := newUploadSession(app, sess.SessionKey, 3, 300)
	isErr(t, "insert duplicate", s.UploadSessionInsert(ctx, dup), store.ErrConflict)

	noErr(t, "set uploaded", s.UploadSessionSetUploaded(ctx, sess.SessionKey, 12345))
	noErr(t, "set uploaded again", s.UploadSessionSetUploaded(ctx, sess.SessionKey, 123456))
	sess.UploadedSize = 123456
	equal(t, "get uploaded", must(s.UploadSessionGet(ctx, sess.SessionKey))(t), sess)

	noErr(t, "commit", s.UploadSessionSetCommitted(ctx, sess.SessionKey, "5285890800000001"))
	sess.FileID = "5285890800000001"
	equal(t, "get committed", must(s.UploadSessionGet(ctx, sess.SessionKey))(t), sess)
	isErr(t, "commit again", s.UploadSessionSetCommitted(ctx, sess.SessionKey, "5285890800000002"), store.ErrConflict)
	isErr(t, "set uploaded after commit", s.UploadSessionSetUploaded(ctx, sess.SessionKey, 1), store.ErrConflict)
	equal(t, "get after late writes", must(s.UploadSessionGet(ctx, sess.SessionKey))(t), sess)

	isErr(t, "set uploaded on missing", s.UploadSessionSetUploaded(ctx, "missing", 1), store.ErrNotFound)
	isErr(t, "commit missing", s.UploadSessionSetCommitted(ctx, "missing", "f"), store.ErrNotFound)
	_, err := s.UploadSessionGet(ctx, "missing")
	isErr(t, "get missing", err, store.ErrNotFound)

	noErr(t, "delete", s.UploadSessionDelete(ctx, sess.SessionKey))
	_, err = s.UploadSessionGet(ctx, sess.SessionKey)
	isErr(t, "get deleted", err, store.ErrNotFound)
	noErr(t, "delete again", s.UploadSessionDelete(ctx, sess.SessionKey))
	equal(t, "other session after delete", must(s.UploadSessionGet(ctx, noExpiry.SessionKey))(t), noExpiry)
}

func testUploadSessionListStale(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	committedExpired := newUploadSession(app, "committed-expired", 4, 40)
	openExpired := newUploadSession(app, "open-expired", 3, 50)
	openLive := newUploadSession(app, "open-live", 2, 200)
	committedLive := newUploadSession(app, "committed-live", 1, 300)
	for _, sess := range []*openvod.UploadSession{committedLive, openLive, openExpired, committedExpired} {
		noErr(t, "insert "+sess.SessionKey, s.UploadSessionInsert(ctx, sess))
	}
	for _, sess := range []*openvod.UploadSession{committedExpired, committedLive} {
		noErr(t, "commit "+sess.SessionKey, s.UploadSessionSetCommitted(ctx, sess.SessionKey, "file-"+sess.SessionKey))
		sess.FileID = "file-" + sess.SessionKey
	}

	equal(t, "stale at 150", must(s.UploadSessionListStale(ctx, at(150), 10))(t),
		[]*openvod.UploadSession{committedExpired, openExpired})
	equal(t, "stale at 150, limit 1", must(s.UploadSessionListStale(ctx, at(150), 1))(t),
		[]*openvod.UploadSession{committedExpired})
	equal(t, "stale at a deadline", must(s.UploadSessionListStale(ctx, at(50), 10))(t),
		[]*openvod.UploadSession{committedExpired})
	equal(t, "stale at the first deadline", len(must(s.UploadSessionListStale(ctx, at(40), 10))(t)), 0)
	equal(t, "stale at 1000", must(s.UploadSessionListStale(ctx, at(1000), 10))(t),
		[]*openvod.UploadSession{committedExpired, openExpired, openLive, committedLive})
}
