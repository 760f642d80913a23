package janitor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
)

// TestSweepOrphans stores real files under every kind of reference
// (including task attempts' keys and processing outputs) and none, moves the clock past the upload TTL and checks that exactly the
// unreferenced old objects are removed, on both databases.
func TestSweepOrphans(t *testing.T) {
	t.Parallel()
	storetest.OnBackends(t, func(t *testing.T, st store.Store) { testSweepOrphans(t, st, t.TempDir()) })
}

func testSweepOrphans(t *testing.T, st store.Store, dir string) {
	ctx := context.Background()
	const ttl = time.Hour
	start := time.Now()
	now := start
	clock := func() time.Time { return now }
	app, err := st.AppCreate(ctx, "app", now)
	if err != nil {
		t.Fatal(err)
	}
	mediaDir := filepath.Join(dir, "media")
	blobs, err := local.New(mediaDir)
	if err != nil {
		t.Fatal(err)
	}
	events := &eventlog.Log{Store: st, Hub: eventlog.NewHub(), Owner: "test", NowFunc: clock}
	svc := &media.Service{Store: st, Blobs: blobs, UploadTTL: ttl, Events: events, Logger: slog.New(slog.DiscardHandler)}
	j := &Janitor{Store: st, Blobs: blobs, Media: svc, UploadTTL: ttl, Logger: slog.New(slog.DiscardHandler), NowFunc: clock}
	putAt := func(key, what string) string {
		t.Helper()
		if _, err := blobs.Put(ctx, key, strings.NewReader(what), 0); err != nil {
			t.Fatal(err)
		}
		return key
	}
	put := func(what string) string { return putAt(media.NewStorageKey(app.ID, "mp4"), what) }
	newTask := func(id, key string) *openvod.Task {
		return &openvod.Task{ID: id, SubAppID: app.ID, Type: openvod.TaskClip, Input: []byte("{}"), OutputKey: key, CreateTime: now}
	}

	kept := map[string]string{}
	removed := map[string]string{}

	// Referenced: media, a live upload session, clip tasks waiting and processing.
	key := put("media")
	kept["media"] = key
	if err := st.MediaInsert(ctx, &openvod.Media{FileID: "5285890800000001", SubAppID: app.ID, Type: "mp4", StorageKey: key,
		CreateTime: now, UpdateTime: now, ExpireTime: openvod.NeverExpire}); err != nil {
		t.Fatal(err)
	}
	key = put("uploaded, not committed")
	kept["live upload session"] = key
	if err := st.UploadSessionInsert(ctx, &openvod.UploadSession{SessionKey: "live", SubAppID: app.ID, MediaType: "mp4",
		StorageKey: key, CreateTime: now, Deadline: now.Add(10 * ttl)}); err != nil {
		t.Fatal(err)
	}
	kept["waiting task"] = put("clip output")
	kept["processing task"] = put("clip output")
	removed["failed task"] = put("clip output of a failed task")
	for _, id := range []string{"failed task", "processing task", "waiting task"} {
		k := kept[id] + removed[id]
		if err := st.TaskInsert(ctx, newTask(strings.ReplaceAll(id, " ", "-"), k)); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second) // claim order: failed, then processing
	}
	claimed, err := st.TaskClaim(ctx, &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskClip},
		Owner: "w", Now: now, LeaseUntil: now.Add(100 * ttl), Limit: 2})
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %d tasks, %v", len(claimed), err)
	}
	if err := st.TaskFinish(ctx, &store.TaskFinishParams{ID: "failed-task", Owner: "w", Attempt: 1, ErrCode: 70000, FinishTime: now}); err != nil {
		t.Fatal(err)
	}
	// Attempts' objects (openvod.AttemptKey): kept while their task is not
	// finished, removed after (an attempt that lost its lease wrote late).
	kept["processing task's attempt"] = putAt(openvod.AttemptKey(kept["processing task"], 1), "attempt 1")
	kept["waiting task's attempt"] = putAt(openvod.AttemptKey(kept["waiting task"], 2), "attempt 2")
	removed["failed task's attempt"] = putAt(openvod.AttemptKey(removed["failed task"], 1), "attempt 1")

	// Unreferenced: a PUT that finished after its session was committed
	// elsewhere (no session names the key), and media whose record was
	// deleted but whose bytes were not (a crash or a failed delete).
	removed["late PUT"] = put("late bytes")
	key = put("deleted media")
	removed["deleted media"] = key
	if err := st.MediaInsert(ctx, &openvod.Media{FileID: "5285890800000002", SubAppID: app.ID, Type: "mp4", StorageKey: key,
		CreateTime: now, UpdateTime: now, ExpireTime: openvod.NeverExpire}); err != nil {
		t.Fatal(err)
	}
	if err := st.MediaDelete(ctx, app.ID, "5285890800000002"); err != nil {
		t.Fatal(err)
	}

	// Outputs of processing: an output's files are kept, those of an
	// output removed are not; files under the OutputKey prefix ("…/") of a
	// procedure task not finished are kept.
	outDir := fmt.Sprintf("%d/%s/", app.ID, openvod.RandomHex(16))
	kept["output"] = putAt(outDir+"out/f100010.mp4", "output")
	kept["output's segment"] = putAt(outDir+"out/hls/0.ts", "segment")
	removed["removed output"] = putAt(outDir+"gone/0.jpg", "snapshot")
	kept["outputs' source"] = put("source")
	if err := st.MediaInsert(ctx, &openvod.Media{FileID: "5285890800000003", SubAppID: app.ID, Type: "mp4", StorageKey: kept["outputs' source"],
		CreateTime: now, UpdateTime: now, ExpireTime: openvod.NeverExpire}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []*openvod.MediaOutput{
		{SubAppID: app.ID, FileID: "5285890800000003", Kind: "Transcode", Definition: 100210, Item: []byte("{}"), Keys: []string{kept["output"], kept["output's segment"]}, CreateTime: now},
		{SubAppID: app.ID, FileID: "5285890800000003", Kind: "SnapshotByTimeOffset", Definition: 10, Item: []byte("{}"), Keys: []string{removed["removed output"]}, CreateTime: now},
	} {
		if _, err := st.MediaOutputPut(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.MediaOutputDelete(ctx, app.ID, "5285890800000003", "SnapshotByTimeOffset", 0); err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("%d/%s/", app.ID, openvod.RandomHex(16))
	kept["procedure's attempt"] = putAt(prefix+"a1/f100010.mp4", "attempt")
	if err := st.TaskInsert(ctx, newTask("procedure", prefix)); err != nil {
		t.Fatal(err)
	}

	// A young orphan: written (per its mtime) just before the last sweep below.
	kept["young orphan"] = put("young")
	young := start.Add(ttl + 10*time.Minute)
	if err := os.Chtimes(filepath.Join(mediaDir, kept["young orphan"]), young, young); err != nil {
		t.Fatal(err)
	}

	check := func(when string, gone map[string]string) {
		t.Helper()
		for what, key := range kept {
			if _, err := blobs.Stat(ctx, key); err != nil {
				t.Errorf("%s: the %s object was removed: %v", when, what, err)
			}
		}
		for what, key := range removed {
			_, err := blobs.Stat(ctx, key)
			if gone[what] != "" && err == nil {
				t.Errorf("%s: the %s object was kept", when, what)
			}
			if gone[what] == "" && err != nil {
				t.Errorf("%s: the %s object was removed before its time: %v", when, what, err)
			}
		}
	}
	if err := j.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	check("before the TTL", nil)

	now = start.Add(ttl + 11*time.Minute) // everything but the young orphan is older than the TTL
	if err := j.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	check("past the TTL", removed)
	if len(removed) != 5 {
		t.Fatalf("%d objects meant to be removed", len(removed))
	}
}
