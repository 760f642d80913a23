package janitor

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/store/storetest"
	"github.com/openvod/openvod/vodevent"
)

// TestSweep checks retention, stale uploads and media expiry with a clock
// moved by hand.
func TestSweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	app, _ := st.AppCreate(ctx, "app", now)
	blobs, _ := local.New(filepath.Join(dir, "media"))
	events := &eventlog.Log{Store: st, Hub: eventlog.NewHub(), Owner: "test", NowFunc: clock}
	svc := &media.Service{Store: st, Blobs: blobs, Events: events, Logger: slog.New(slog.DiscardHandler)}
	j := &Janitor{Store: st, Blobs: blobs, Media: svc, Logger: slog.New(slog.DiscardHandler), NowFunc: clock}
	if err := st.EventConfigPut(ctx, &openvod.EventConfig{SubAppID: app.ID, Mode: openvod.EventModePull, DeleteMediaComplete: true, UpdateTime: now}); err != nil {
		t.Fatal(err)
	}

	// An old event, a stale upload with bytes, and media expiring in an hour.
	if err := events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		return em.Emit(ctx, app.ID, &vodevent.EventContent{EventType: vodevent.TypePullComplete, PullCompleteEvent: &vodevent.PullUploadTask{TaskId: "old"}})
	}); err != nil {
		t.Fatal(err)
	}
	sess := &openvod.UploadSession{SessionKey: "k", SubAppID: app.ID, MediaType: "mp4", StorageKey: "1/a/f0.mp4",
		CreateTime: now, Deadline: now.Add(time.Hour), UploadedSize: -1}
	st.UploadSessionInsert(ctx, sess)
	blobs.Put(ctx, sess.StorageKey, strings.NewReader("bytes"), 0)
	m := &openvod.Media{FileID: "1234567890123456789", SubAppID: app.ID, Type: "mp4", StorageKey: "1/b/f0.mp4",
		CreateTime: now, UpdateTime: now, ExpireTime: now.Add(time.Hour)}
	st.MediaInsert(ctx, m)
	blobs.Put(ctx, m.StorageKey, strings.NewReader("media"), 0)

	if err := j.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.EventCountPullable(ctx, app.ID); n != 1 {
		t.Fatalf("a fresh sweep removed events: %d pullable", n)
	}
	if _, err := st.MediaGet(ctx, app.ID, m.FileID); err != nil {
		t.Fatal("a fresh sweep removed media")
	}

	now = now.Add(2 * time.Hour) // upload deadline and media expiry passed
	if err := j.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UploadSessionGet(ctx, "k"); err == nil {
		t.Fatal("stale upload session kept")
	}
	if _, err := blobs.Stat(ctx, sess.StorageKey); err == nil {
		t.Fatal("stale upload bytes kept")
	}
	if _, err := st.MediaGet(ctx, app.ID, m.FileID); err == nil {
		t.Fatal("expired media kept")
	}
	if _, err := blobs.Stat(ctx, m.StorageKey); err == nil {
		t.Fatal("expired media bytes kept")
	}
	list, _ := st.EventList(ctx, &store.EventListParams{SubAppID: app.ID, Limit: 10})
	if len(list) != 2 || list[1].Type != vodevent.TypeFileDeleted {
		t.Fatalf("events after expiry: %d, want the old one and a FileDeleted", len(list))
	}

	now = now.Add(EventRetentionDefault - time.Hour) // the first event is 4 days + 1 h old, the FileDeleted 4 days - 1 h
	if err := j.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	list, _ = st.EventList(ctx, &store.EventListParams{SubAppID: app.ID, Limit: 10})
	if len(list) != 1 || list[0].Type != vodevent.TypeFileDeleted {
		t.Fatalf("after retention: %d events, want only the FileDeleted", len(list))
	}
}

// TestSweepConsoleSessions: a sweep removes the web console sessions that
// have ended (their rows, not just their use) and keeps the live one, and
// Run sweeps again each Interval.
func TestSweepConsoleSessions(t *testing.T) {
	t.Parallel()
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
		blobs, err := local.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		j := &Janitor{Store: st, Blobs: blobs, Media: &media.Service{Store: st, Blobs: blobs}, Logger: slog.New(slog.DiscardHandler),
			Interval: 10 * time.Millisecond, NowFunc: func() time.Time { return now }}
		insert := func(hash string, end time.Time) {
			t.Helper()
			s := &store.ConsoleSession{TokenHash: hash, SecretID: "AKID", CSRFToken: "c" + hash, CreateTime: now.Add(-time.Hour), ExpireTime: end}
			if err := st.ConsoleSessionInsert(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		// exists reports whether the row is still stored, asking as of
		// before any session ended.
		exists := func(hash string) bool {
			t.Helper()
			_, err := st.ConsoleSessionGet(ctx, hash, now.Add(-time.Hour))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		insert("ended", now.Add(-time.Second))
		insert("ends-now", now)
		insert("live", now.Add(time.Second))
		if err := j.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if exists("ended") || exists("ends-now") || !exists("live") {
			t.Fatalf("after a sweep: ended %v, ends-now %v, live %v; want only live kept", exists("ended"), exists("ends-now"), exists("live"))
		}

		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { j.Run(runCtx); close(done) }()
		defer func() { cancel(); <-done }()
		insert("ended-later", now.Add(-time.Minute))
		for deadline := time.Now().Add(5 * time.Second); exists("ended-later"); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("Run did not remove a session that ended within 5 s")
			}
		}
		if !exists("live") {
			t.Fatal("Run removed the live session")
		}
	})
}
