package storetest

import (
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

func testKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	older := &openvod.APIKey{SecretID: "AKIDzzz", SecretKey: "secret-older", CreateTime: at(1)}
	newer := &openvod.APIKey{SecretID: "AKIDaaa", SecretKey: "secret-newer", CreateTime: at(2)}
	noErr(t, "insert newer", s.KeyInsert(ctx, newer))
	noErr(t, "insert older", s.KeyInsert(ctx, older))

	equal(t, "get older", must(s.KeyGet(ctx, older.SecretID))(t), older)
	equal(t, "get newer", must(s.KeyGet(ctx, newer.SecretID))(t), newer)

	dup := &openvod.APIKey{SecretID: older.SecretID, SecretKey: "other", CreateTime: at(3)}
	isErr(t, "insert duplicate", s.KeyInsert(ctx, dup), store.ErrConflict)
	equal(t, "get after duplicate", must(s.KeyGet(ctx, older.SecretID))(t), older)

	_, err := s.KeyGet(ctx, "AKIDmissing")
	isErr(t, "get missing", err, store.ErrNotFound)
	equal(t, "list by creation time", must(s.KeyList(ctx))(t), []*openvod.APIKey{older, newer})
}
