package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

func testApp(t *testing.T, s store.Store) {
	ctx := t.Context()
	equal(t, "apps of a new store", len(must(s.AppList(ctx))(t)), 0)

	first := must(s.AppCreate(ctx, "first", at(1)))(t)
	equal(t, "first app", first, &openvod.App{ID: openvod.DefaultSubAppID, Name: "first", CreateTime: at(1)})
	second := must(s.AppCreate(ctx, "second", at(2)))(t)
	equal(t, "second app", second, &openvod.App{ID: openvod.DefaultSubAppID + 1, Name: "second", CreateTime: at(2)})

	equal(t, "get first", must(s.AppGet(ctx, first.ID))(t), first)
	equal(t, "get second", must(s.AppGet(ctx, second.ID))(t), second)
	_, err := s.AppGet(ctx, openvod.DefaultSubAppID+2)
	isErr(t, "get missing app", err, store.ErrNotFound)
	equal(t, "list", must(s.AppList(ctx))(t), []*openvod.App{first, second})
}

func testAppCreateConcurrent(t *testing.T, s store.Store) {
	const n = 10
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids []int64
	)
	for i := range n {
		wg.Go(func() {
			a, err := s.AppCreate(t.Context(), fmt.Sprintf("app%d", i), at(i))
			if err != nil {
				t.Errorf("create app%d: %v", i, err)
				return
			}
			mu.Lock()
			ids = append(ids, a.ID)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(ids)
	var want []int64
	for i := range int64(n) {
		want = append(want, openvod.DefaultSubAppID+i)
	}
	equal(t, "IDs of concurrently created apps", ids, want)
	equal(t, "apps listed", len(must(s.AppList(t.Context()))(t)), n)
}
