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
		Procedure:      "LongVideoPreset",
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

	isErr(t, "set uploaded without a claim", s.UploadSessionSetUploaded(ctx, sess.SessionKey, "a1", 1), store.ErrConflict)
	noErr(t, "claim", s.UploadSessionClaim(ctx, sess.SessionKey, "a1", at(10), at(70)))
	isErr(t, "set uploaded by another attempt", s.UploadSessionSetUploaded(ctx, sess.SessionKey, "a2", 1), store.ErrConflict)
	noErr(t, "set uploaded", s.UploadSessionSetUploaded(ctx, sess.SessionKey, "a1", 123456))
	isErr(t, "set uploaded again", s.UploadSessionSetUploaded(ctx, sess.SessionKey, "a1", 12345), store.ErrConflict)
	isErr(t, "claim after upload", s.UploadSessionClaim(ctx, sess.SessionKey, "a2", at(100), at(160)), store.ErrConflict)
	noErr(t, "release after upload", s.UploadSessionRelease(ctx, sess.SessionKey, "a1"))
	isErr(t, "claim after the release of an upload", s.UploadSessionClaim(ctx, sess.SessionKey, "a2", at(100), at(160)), store.ErrConflict)
	sess.UploadedSize = 123456
	equal(t, "get uploaded", must(s.UploadSessionGet(ctx, sess.SessionKey))(t), sess)

	noErr(t, "commit", s.UploadSessionSetCommitted(ctx, sess.SessionKey, "5285890800000001"))
	sess.FileID = "5285890800000001"
	equal(t, "get committed", must(s.UploadSessionGet(ctx, sess.SessionKey))(t), sess)
	isErr(t, "commit again", s.UploadSessionSetCommitted(ctx, sess.SessionKey, "5285890800000002"), store.ErrConflict)
	isErr(t, "set uploaded after commit", s.UploadSessionSetUploaded(ctx, sess.SessionKey, "a1", 1), store.ErrConflict)
	equal(t, "get after late writes", must(s.UploadSessionGet(ctx, sess.SessionKey))(t), sess)

	isErr(t, "set uploaded on missing", s.UploadSessionSetUploaded(ctx, "missing", "a1", 1), store.ErrNotFound)
	isErr(t, "claim missing", s.UploadSessionClaim(ctx, "missing", "a1", at(10), at(70)), store.ErrNotFound)
	noErr(t, "release missing", s.UploadSessionRelease(ctx, "missing", "a1"))
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

// testUploadSessionClaim checks that one attempt at a time holds a session,
// that a claim not renewed ends, and that a release frees it at once.
func testUploadSessionClaim(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	sess := newUploadSession(app, "s1", 1, 1000)
	noErr(t, "insert", s.UploadSessionInsert(ctx, sess))
	key := sess.SessionKey

	noErr(t, "a1 claims", s.UploadSessionClaim(ctx, key, "a1", at(10), at(70)))
	isErr(t, "a2 claims while a1 holds", s.UploadSessionClaim(ctx, key, "a2", at(20), at(80)), store.ErrConflict)
	noErr(t, "a1 renews", s.UploadSessionClaim(ctx, key, "a1", at(30), at(90)))
	isErr(t, "a2 claims after the first end", s.UploadSessionClaim(ctx, key, "a2", at(80), at(140)), store.ErrConflict)
	noErr(t, "a2 releases what it does not hold", s.UploadSessionRelease(ctx, key, "a2"))
	isErr(t, "a2 claims at the end", s.UploadSessionClaim(ctx, key, "a2", at(90), at(150)), store.ErrConflict)

	noErr(t, "a2 claims once a1's claim ended", s.UploadSessionClaim(ctx, key, "a2", at(91), at(151)))
	isErr(t, "a1 renews a lost claim", s.UploadSessionClaim(ctx, key, "a1", at(92), at(152)), store.ErrConflict)
	isErr(t, "a1 sets uploaded", s.UploadSessionSetUploaded(ctx, key, "a1", 1), store.ErrConflict)
	noErr(t, "a2 releases", s.UploadSessionRelease(ctx, key, "a2"))
	isErr(t, "a2 sets uploaded after its release", s.UploadSessionSetUploaded(ctx, key, "a2", 1), store.ErrConflict)
	noErr(t, "a3 claims at once after the release", s.UploadSessionClaim(ctx, key, "a3", at(93), at(153)))
	if err := s.UploadSessionClaim(ctx, key, "", at(200), at(260)); err == nil {
		t.Error("a claim with an empty token succeeded")
	}
	noErr(t, "a3 sets uploaded after its claim ended", s.UploadSessionSetUploaded(ctx, key, "a3", 77))
	sess.UploadedSize = 77
	equal(t, "get", must(s.UploadSessionGet(ctx, key))(t), sess)

	committed := newUploadSession(app, "s2", 1, 1000)
	noErr(t, "insert s2", s.UploadSessionInsert(ctx, committed))
	noErr(t, "commit s2", s.UploadSessionSetCommitted(ctx, committed.SessionKey, "f2"))
	isErr(t, "claim a committed session", s.UploadSessionClaim(ctx, committed.SessionKey, "a1", at(10), at(70)), store.ErrConflict)

	crashed := newUploadSession(app, "s3", 1, 1000)
	noErr(t, "insert s3", s.UploadSessionInsert(ctx, crashed))
	noErr(t, "b1 claims s3", s.UploadSessionClaim(ctx, crashed.SessionKey, "b1", at(10), at(70)))
	isErr(t, "b2 claims s3 while b1 holds", s.UploadSessionClaim(ctx, crashed.SessionKey, "b2", at(11), at(71)), store.ErrConflict)
	noErr(t, "expire leases", s.ExpireLeases(ctx))
	noErr(t, "b2 claims s3 after ExpireLeases", s.UploadSessionClaim(ctx, crashed.SessionKey, "b2", at(12), at(72)))
	isErr(t, "b1 sets uploaded after ExpireLeases", s.UploadSessionSetUploaded(ctx, crashed.SessionKey, "b1", 1), store.ErrConflict)
}
