package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/openvod/openvod/store"
)

// newTemplate returns a template of app and kind named name, created at
// at(sec) (not yet stored).
func newTemplate(app int64, kind, name string, sec int) *store.Template {
	return &store.Template{SubAppID: app, Kind: kind, Name: name, Body: []byte(`{"Name":"` + name + `"}`),
		CreateTime: at(sec), UpdateTime: at(sec)}
}

func testTemplate(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app").ID, newApp(t, s, "other").ID
	insert := func(tp *store.Template, limit int, unique bool) *store.Template {
		t.Helper()
		noErr(t, "insert "+tp.Name, s.TemplateInsert(ctx, tp, limit, unique))
		return tp
	}
	a := insert(newTemplate(app, "Transcode", "a", 1), 100, false)
	b := insert(newTemplate(app, "Snapshot", "b", 2), 100, false)
	c := insert(newTemplate(app, "Transcode", "a", 3), 100, false) // names repeat unless unique
	o := insert(newTemplate(other, "Transcode", "a", 4), 100, false)
	equal(t, "Definitions of the app, across kinds", []int64{a.Definition, b.Definition, c.Definition},
		[]int64{store.FirstTemplateDefinition, store.FirstTemplateDefinition + 1, store.FirstTemplateDefinition + 2})
	equal(t, "first Definition of another app", o.Definition, int64(store.FirstTemplateDefinition))

	equal(t, "get", must(s.TemplateGet(ctx, app, "Transcode", a.Definition))(t), a)
	equal(t, "lock", must(s.TemplateLock(ctx, app, "Transcode", a.Definition))(t), a)
	_, err := s.TemplateLock(ctx, other, "Transcode", b.Definition)
	isErr(t, "lock of another app's", err, store.ErrNotFound)
	_, err = s.TemplateGet(ctx, app, "Snapshot", a.Definition)
	isErr(t, "get of another kind", err, store.ErrNotFound)
	_, err = s.TemplateGet(ctx, other, "Snapshot", b.Definition)
	isErr(t, "get from another app", err, store.ErrNotFound)
	equal(t, "get by name: the lowest Definition", must(s.TemplateGetByName(ctx, app, "Transcode", "a"))(t), a)
	_, err = s.TemplateGetByName(ctx, app, "Transcode", "b")
	isErr(t, "get by a name of another kind", err, store.ErrNotFound)
	equal(t, "list", must(s.TemplateList(ctx, app, "Transcode"))(t), []*store.Template{a, c})
	equal(t, "list of another app", must(s.TemplateList(ctx, other, "Transcode"))(t), []*store.Template{o})
	equal(t, "list of a kind with none", len(must(s.TemplateList(ctx, other, "Snapshot"))(t)), 0)

	upd := *a
	upd.Name, upd.Body, upd.UpdateTime = "renamed", []byte(`{"Name":"renamed"}`), at(9)
	upd.CreateTime = at(8) // not updated
	noErr(t, "update", s.TemplateUpdate(ctx, &upd))
	want := *a
	want.Name, want.Body, want.UpdateTime = upd.Name, upd.Body, upd.UpdateTime
	equal(t, "after update", must(s.TemplateGet(ctx, app, "Transcode", a.Definition))(t), &want)
	missing := upd
	missing.SubAppID, missing.Definition = other, c.Definition
	isErr(t, "update in another app", s.TemplateUpdate(ctx, &missing), store.ErrNotFound)
	missing = upd
	missing.Kind = "Snapshot"
	isErr(t, "update of another kind", s.TemplateUpdate(ctx, &missing), store.ErrNotFound)

	isErr(t, "delete from another app", s.TemplateDelete(ctx, other, "Transcode", c.Definition), store.ErrNotFound)
	noErr(t, "delete", s.TemplateDelete(ctx, app, "Transcode", c.Definition))
	isErr(t, "delete again", s.TemplateDelete(ctx, app, "Transcode", c.Definition), store.ErrNotFound)
	d := insert(newTemplate(app, "Transcode", "d", 5), 100, false)
	equal(t, "Definition after deleting the last one: not given again", d.Definition, c.Definition+1)
	equal(t, "others untouched", must(s.TemplateList(ctx, other, "Transcode"))(t), []*store.Template{o})
}

// testTemplateStorageKey checks that a template's StorageKey is kept,
// served (MediaStorageKeyExists) and referenced until the template changes
// it or goes.
func testTemplateStorageKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app").ID
	noErr(t, "insert without a key", s.TemplateInsert(ctx, newTemplate(app, "Transcode", "t", 1), 100, false))
	tp := newTemplate(app, "Watermark", "w", 1)
	tp.StorageKey = "1/aa/f0.png"
	noErr(t, "insert", s.TemplateInsert(ctx, tp, 100, false))
	equal(t, "get", must(s.TemplateGet(ctx, app, "Watermark", tp.Definition))(t), tp)
	served := func(key string) bool { return must(s.MediaStorageKeyExists(ctx, key))(t) }
	referenced := func() map[string]bool {
		return must(s.StorageKeysReferenced(ctx, []string{"1/aa/f0.png", "1/bb/f0.png", ""}))(t)
	}
	equal(t, "served", served("1/aa/f0.png"), true)
	equal(t, "an empty key is not served", served(""), false)
	equal(t, "referenced", referenced(), map[string]bool{"1/aa/f0.png": true})
	tp.StorageKey = "1/bb/f0.png"
	noErr(t, "update", s.TemplateUpdate(ctx, tp))
	equal(t, "the old key after the update", served("1/aa/f0.png"), false)
	equal(t, "referenced after the update", referenced(), map[string]bool{"1/bb/f0.png": true})
	noErr(t, "delete", s.TemplateDelete(ctx, app, "Watermark", tp.Definition))
	equal(t, "referenced after the delete", referenced(), map[string]bool{})
}

func testTemplateLimitAndName(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app").ID
	for i := range 3 {
		noErr(t, "insert", s.TemplateInsert(ctx, newTemplate(app, "Procedure", fmt.Sprint("p", i), i), 3, true))
	}
	isErr(t, "insert past the limit", s.TemplateInsert(ctx, newTemplate(app, "Procedure", "p3", 3), 3, true), store.ErrLimit)
	noErr(t, "insert of another kind", s.TemplateInsert(ctx, newTemplate(app, "Transcode", "p3", 3), 3, true))
	p0 := must(s.TemplateGetByName(ctx, app, "Procedure", "p0"))(t)
	noErr(t, "delete", s.TemplateDelete(ctx, app, "Procedure", p0.Definition))
	isErr(t, "insert of a name taken", s.TemplateInsert(ctx, newTemplate(app, "Procedure", "p1", 4), 3, true), store.ErrConflict)
	noErr(t, "insert of a name freed", s.TemplateInsert(ctx, newTemplate(app, "Procedure", "p0", 4), 3, true))
	names := func() []string {
		var n []string
		for _, tp := range must(s.TemplateList(ctx, app, "Procedure"))(t) {
			n = append(n, tp.Name)
		}
		return n
	}
	equal(t, "names", names(), []string{"p1", "p2", "p0"})

	errRollback := errors.New("roll back")
	err := s.InTx(ctx, func(q store.Querier) error {
		noErr(t, "delete in tx", q.TemplateDelete(ctx, app, "Procedure", p0.Definition+1))
		noErr(t, "insert in tx", q.TemplateInsert(ctx, newTemplate(app, "Procedure", "tx", 5), 3, true))
		return errRollback
	})
	isErr(t, "InTx", err, errRollback)
	equal(t, "names after rollback", names(), []string{"p1", "p2", "p0"})
}

// testTemplateInsertConcurrent inserts more templates than the limit at
// once: exactly limit succeed, each with its own Definition.
func testTemplateInsertConcurrent(t *testing.T, s store.Store) {
	const n, limit = 24, 16
	app := newApp(t, s, "app").ID
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		defs    []int64
		refused int
	)
	for i := range n {
		wg.Go(func() {
			tp := newTemplate(app, "Transcode", fmt.Sprint("t", i), i)
			err := s.TemplateInsert(t.Context(), tp, limit, false)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, store.ErrLimit):
				refused++
			case err != nil:
				t.Errorf("insert t%d: %v", i, err)
			default:
				defs = append(defs, tp.Definition)
			}
		})
	}
	wg.Wait()
	slices.Sort(defs)
	equal(t, "inserts refused", refused, n-limit)
	equal(t, "distinct Definitions", len(slices.Compact(slices.Clone(defs))), limit)
	equal(t, "templates stored", len(must(s.TemplateList(t.Context(), app, "Transcode"))(t)), limit)
}
