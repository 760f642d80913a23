package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// newOutput returns an output of media m with every field set and n keys.
func newOutput(m *openvod.Media, kind string, definition int64, task string, n int) *openvod.MediaOutput {
	o := &openvod.MediaOutput{
		SubAppID:   m.SubAppID,
		FileID:     m.FileID,
		Kind:       kind,
		Definition: definition,
		Item:       fmt.Appendf(nil, "{\"Definition\": %d,\n\"Url\":\"http://h/%s/\u00e9\"}", definition, task),
		TaskID:     task,
		CreateTime: at(5),
	}
	for i := range n {
		o.Keys = append(o.Keys, fmt.Sprintf("%d/%s/%s/%s.%d/%d.ts", m.SubAppID, m.FileID, task, kind, definition, i))
	}
	return o
}

// withoutKeys returns copies of outputs with no Keys.
func withoutKeys(outputs ...*openvod.MediaOutput) []*openvod.MediaOutput {
	var all []*openvod.MediaOutput
	for _, o := range outputs {
		c := *o
		c.Keys = nil
		all = append(all, &c)
	}
	return all
}

// testMediaOutput checks storing, listing (with and without keys),
// replacing and deleting outputs,
// and that their keys count as the media's.
func testMediaOutput(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	m1, m2, foreign := newMedia(app, "f1", 0), newMedia(app, "f2", 0), newMedia(other, "f3", 0)
	for _, m := range []*openvod.Media{m1, m2, foreign} {
		noErr(t, "insert "+m.FileID, s.MediaInsert(ctx, m))
	}
	put := func(o *openvod.MediaOutput) []string {
		t.Helper()
		return must(s.MediaOutputPut(ctx, o))(t)
	}

	// Stored in a mixed order, listed by FileID, Kind, Definition.
	hls := newOutput(m1, "Transcode", 100210, "t1", 3)
	mp4 := newOutput(m1, "Transcode", 100010, "t1", 1)
	abr := newOutput(m1, "AdaptiveDynamicStreaming", 10, "t1", 2)
	cover := newOutput(m1, "CoverBySnapshot", 10, "t1", 1)
	noKeys := newOutput(m2, "SnapshotByTimeOffset", 10, "t2", 0)
	foreignOut := newOutput(foreign, "Transcode", 100010, "t3", 1)
	for _, o := range []*openvod.MediaOutput{hls, cover, mp4, noKeys, abr, foreignOut} {
		equal(t, "replaced by a new "+o.Kind, put(o), nil)
	}
	equal(t, "list", must(s.MediaOutputList(ctx, app.ID, []string{"f2", "f1", "f3", "missing"}))(t),
		[]*openvod.MediaOutput{abr, cover, mp4, hls, noKeys})
	equal(t, "list items", must(s.MediaOutputListItems(ctx, app.ID, []string{"f2", "f1", "f3", "missing"}))(t),
		withoutKeys(abr, cover, mp4, hls, noKeys))
	equal(t, "list items of another app's", len(must(s.MediaOutputListItems(ctx, other.ID, []string{"f1", "f2"}))(t)), 0)
	equal(t, "list items of none", len(must(s.MediaOutputListItems(ctx, app.ID, nil))(t)), 0)
	equal(t, "list one", must(s.MediaOutputList(ctx, app.ID, []string{"f2"}))(t), []*openvod.MediaOutput{noKeys})
	equal(t, "list another app's", len(must(s.MediaOutputList(ctx, other.ID, []string{"f1", "f2"}))(t)), 0)
	equal(t, "list none", len(must(s.MediaOutputList(ctx, app.ID, nil))(t)), 0)

	_, err := s.MediaOutputPut(ctx, newOutput(&openvod.Media{SubAppID: app.ID, FileID: "missing"}, "Transcode", 10, "t", 1))
	isErr(t, "put for missing media", err, store.ErrNotFound)
	_, err = s.MediaOutputPut(ctx, newOutput(&openvod.Media{SubAppID: app.ID, FileID: foreign.FileID}, "Transcode", 10, "t", 1))
	isErr(t, "put for another app's media", err, store.ErrNotFound)
	equal(t, "another app's outputs after", must(s.MediaOutputList(ctx, other.ID, []string{"f3"}))(t), []*openvod.MediaOutput{foreignOut})

	// A new set of one template replaces the old; keys it reuses are not
	// the caller's to delete.
	again := newOutput(m1, "Transcode", 100210, "t4", 2)
	again.Keys = append(again.Keys, hls.Keys[1])
	equal(t, "replaced", put(again), []string{hls.Keys[0], hls.Keys[2]})
	equal(t, "list after replace", must(s.MediaOutputList(ctx, app.ID, []string{"f1"}))(t),
		[]*openvod.MediaOutput{abr, cover, mp4, again})
	equal(t, "replaced key exists", must(s.MediaStorageKeyExists(ctx, hls.Keys[0]))(t), false)
	equal(t, "reused key exists", must(s.MediaStorageKeyExists(ctx, hls.Keys[1]))(t), true)
	equal(t, "new key exists", must(s.MediaStorageKeyExists(ctx, again.Keys[0]))(t), true)

	// A rolled-back put changes nothing.
	errRollback := errors.New("roll back")
	err = s.InTx(ctx, func(q store.Querier) error {
		if _, err := q.MediaOutputPut(ctx, newOutput(m1, "Transcode", 100210, "t5", 1)); err != nil {
			return err
		}
		return errRollback
	})
	isErr(t, "rolled back put", err, errRollback)
	equal(t, "list after rollback", must(s.MediaOutputList(ctx, app.ID, []string{"f1"}))(t),
		[]*openvod.MediaOutput{abr, cover, mp4, again})

	// Deletes: one definition, then every one of a kind; nothing of
	// another app or kind.
	equal(t, "delete another app's", len(must(s.MediaOutputDelete(ctx, other.ID, "f1", "Transcode", 0))(t)), 0)
	equal(t, "delete missing definition", len(must(s.MediaOutputDelete(ctx, app.ID, "f1", "Transcode", 20))(t)), 0)
	equal(t, "delete one", must(s.MediaOutputDelete(ctx, app.ID, "f1", "Transcode", 100010))(t), []*openvod.MediaOutput{mp4})
	put(mp4)
	equal(t, "delete all transcodes", must(s.MediaOutputDelete(ctx, app.ID, "f1", "Transcode", 0))(t),
		[]*openvod.MediaOutput{mp4, again})
	equal(t, "list after delete", must(s.MediaOutputList(ctx, app.ID, []string{"f1", "f2"}))(t),
		[]*openvod.MediaOutput{abr, cover, noKeys})
	equal(t, "deleted key exists", must(s.MediaStorageKeyExists(ctx, again.Keys[2]))(t), false)
	equal(t, "delete again", len(must(s.MediaOutputDelete(ctx, app.ID, "f1", "Transcode", 0))(t)), 0)

	// Deleting the media deletes its outputs.
	noErr(t, "delete media", s.MediaDelete(ctx, app.ID, "f1"))
	equal(t, "list after media delete", must(s.MediaOutputList(ctx, app.ID, []string{"f1", "f2"}))(t),
		[]*openvod.MediaOutput{noKeys})
	equal(t, "key of deleted media exists", must(s.MediaStorageKeyExists(ctx, abr.Keys[1]))(t), false)
	equal(t, "referenced after media delete", must(s.StorageKeysReferenced(ctx, append(abr.Keys, cover.Keys...)))(t), map[string]bool{})
	noErr(t, "insert f1 again", s.MediaInsert(ctx, m1))
	equal(t, "outputs of a new media of that FileID", len(must(s.MediaOutputList(ctx, app.ID, []string{"f1"}))(t)), 0)
}

// testMediaOutputManyKeys stores an output with more keys than one insert
// takes, and replaces it.
func testMediaOutputManyKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	m := newMedia(app, "f1", 0)
	noErr(t, "insert media", s.MediaInsert(ctx, m))
	big := newOutput(m, "AdaptiveDynamicStreaming", 10, "t1", 1000)
	equal(t, "replaced by new", must(s.MediaOutputPut(ctx, big))(t), nil)
	equal(t, "list", must(s.MediaOutputList(ctx, app.ID, []string{"f1"}))(t), []*openvod.MediaOutput{big})
	smaller := newOutput(m, "AdaptiveDynamicStreaming", 10, "t2", 3)
	smaller.Keys = append(smaller.Keys, big.Keys[999])
	equal(t, "replaced", must(s.MediaOutputPut(ctx, smaller))(t), big.Keys[:999])
	equal(t, "referenced", must(s.StorageKeysReferenced(ctx, big.Keys[990:]))(t), map[string]bool{big.Keys[999]: true})
}

// testStorageKeysReferencedOutputs checks that outputs keep their keys and
// that an unfinished task whose OutputKey ends in "/" keeps every key
// under it.
func testStorageKeysReferencedOutputs(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	m := newMedia(app, "f1", 0)
	noErr(t, "insert media", s.MediaInsert(ctx, m))
	out := newOutput(m, "ImageSprites", 10, "t1", 2)
	must(s.MediaOutputPut(ctx, out))(t)
	for i, id := range []string{"running", "finished", "file"} {
		task := newTask(app, id, openvod.TaskClip, i)
		task.OutputKey = "1/proc/" + id + "/"
		if id == "file" {
			task.OutputKey = "1/proc/file"
		}
		noErr(t, "insert task "+id, s.TaskInsert(ctx, task))
	}
	claimed := must(s.TaskClaim(ctx, &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskClip},
		Owner: "w", Now: at(10), LeaseUntil: at(40), Limit: 2}))(t)
	equal(t, "claimed", len(claimed), 2)
	noErr(t, "finish", s.TaskFinish(ctx, &store.TaskFinishParams{ID: "finished", Owner: "w", Attempt: 1, FinishTime: at(11)}))

	keys := []string{out.Keys[0], out.Keys[1], "1/f1/t1/9.ts",
		"1/proc/running/", "1/proc/running/a1/f100010.mp4", "1/proc/running/a2/hls/seg/0.ts", "1/proc/running",
		"1/proc/runningx/a1.mp4", "1/proc/finished/a1/f.mp4", "1/proc/file/x.mp4", "1/proc/file"}
	equal(t, "referenced", must(s.StorageKeysReferenced(ctx, keys))(t), map[string]bool{
		out.Keys[0]: true, out.Keys[1]: true,
		"1/proc/running/": true, "1/proc/running/a1/f100010.mp4": true, "1/proc/running/a2/hls/seg/0.ts": true,
		"1/proc/file": true})
}

// testMediaOutputPutConcurrent runs puts of one output at once, each with
// keys of its own and one shared key, while others delete it: every key is
// in the output left or returned, as replaced or removed, to exactly one
// caller, so that no blob is lost track of or deleted twice, and no put
// returns as replaced a key the output left holds.
func testMediaOutputPutConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	m := newMedia(app, "f1", 0)
	noErr(t, "insert media", s.MediaInsert(ctx, m))
	const puts, deletes = 16, 4
	var mu sync.Mutex
	handed := map[string]int{} // keys returned as replaced or removed
	sharedReplaced := 0
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range puts {
		wg.Go(func() {
			o := newOutput(m, "Transcode", 100010, fmt.Sprintf("t%02d", i), 2)
			o.Keys = append(o.Keys, "shared")
			<-start
			replaced, err := s.MediaOutputPut(ctx, o)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("put %d: %v", i, err)
			}
			for _, k := range replaced {
				handed[k]++
				if k == "shared" {
					sharedReplaced++
				}
			}
		})
	}
	for range deletes {
		wg.Go(func() {
			<-start
			removed, err := s.MediaOutputDelete(ctx, app.ID, "f1", "Transcode", 0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("delete: %v", err)
			}
			for _, o := range removed {
				for _, k := range o.Keys {
					handed[k]++
				}
			}
		})
	}
	close(start)
	wg.Wait()
	left := must(s.MediaOutputList(ctx, app.ID, []string{"f1"}))(t)
	if len(left) > 1 {
		t.Fatalf("%d outputs of one template", len(left))
	}
	stored := map[string]bool{}
	for _, o := range left {
		for _, k := range o.Keys {
			stored[k] = true
		}
	}
	for i := range puts {
		for j := range 2 {
			k := fmt.Sprintf("%d/f1/t%02d/Transcode.100010/%d.ts", app.ID, i, j)
			if n := handed[k]; stored[k] && n > 0 || !stored[k] && n != 1 {
				t.Errorf("key %s: stored %t, handed back %d times", k, stored[k], n)
			}
		}
	}
	if sharedReplaced > 0 {
		t.Errorf("puts returned the shared key, which each reuses, as replaced %d times", sharedReplaced)
	}
}
