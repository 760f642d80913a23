package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/postgres"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/store/sqldb"
	"github.com/openvod/openvod/store/storetest"
)

func open(t *testing.T, url string) store.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) store.Store {
		return open(t, pgtest.URL(t))
	})
}

// TestOpenConcurrent starts several stores on one new schema at once: the
// migrations run once, and every store works.
func TestOpenConcurrent(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	const n = 4
	stores := make([]store.Store, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), url)
			if err != nil {
				t.Errorf("open %d: %v", i, err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	if t.Failed() {
		return
	}
	for i, s := range stores {
		if _, err := s.AppCreate(t.Context(), "app", time.Now()); err != nil {
			t.Errorf("store %d: %v", i, err)
		}
	}
	apps, err := stores[0].AppList(t.Context())
	if err != nil || len(apps) != n {
		t.Errorf("apps %d, err %v; want %d", len(apps), err, n)
	}
}

// TestUpgradeSessionTasks migrates a version 2 schema with tasks to the
// current one.
func TestUpgradeSessionTasks(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := sqldb.Migrate(t.Context(), raw, sqldb.Dialect{NumberedParams: true}, storetest.MigrationsUpTo(t, "migration", 2)); err != nil {
		t.Fatal(err)
	}
	storetest.UpgradeSessionTasks(t, func(q string) error { _, err := raw.Exec(q); return err },
		func() store.Store { return open(t, url) })
}

// TestCapabilities: a PostgreSQL store is an EventListener (it hears the
// events another store on the schema commits) and not SingleProcess, so a
// server neither expires its leases at start nor needs its URL to listen.
func TestCapabilities(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	a, b := open(t, url), open(t, url)
	if _, ok := a.(store.SingleProcess); ok {
		t.Error("a PostgreSQL store says it is single-process")
	}
	l, ok := a.(store.EventListener)
	if !ok {
		t.Fatal("a PostgreSQL store is not an EventListener")
	}
	app, err := b.AppCreate(t.Context(), "app", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	heard := make(chan int64, 16)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		l.ListenEvents(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), func(id int64) { heard <- id })
		close(done)
	}()
	defer func() { cancel(); <-done }()
	pushApp, err := b.AppCreate(t.Context(), "push app", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Each round inserts a pullable event of app and a push delivery of
	// pushApp, which no other server may take yet: only app is announced.
	insert := func(i int) {
		t.Helper()
		now := time.Now()
		pullable := &openvod.Event{ID: fmt.Sprintf("evt_cap%d", i), SubAppID: app.ID, Type: "ClipComplete", Body: []byte("{}"),
			CreateTime: now, State: openvod.EventPull, AvailableAt: now}
		pushed := &openvod.Event{ID: fmt.Sprintf("evt_push%d", i), SubAppID: pushApp.ID, Type: "ClipComplete", Body: []byte("{}"),
			CreateTime: now, State: openvod.EventPush, Owner: "a", AvailableAt: now.Add(time.Minute)}
		if err := b.EventInsert(t.Context(), pushed, pullable); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.After(10 * time.Second)
	for i := 0; ; i++ {
		// Insert until heard: the listener may not be connected yet.
		insert(i)
		select {
		case id := <-heard:
			if id != app.ID {
				t.Fatalf("heard app %d, want %d", id, app.ID)
			}
		case <-time.After(100 * time.Millisecond):
			continue
		case <-deadline:
			t.Fatal("no event heard")
		}
		break
	}
	insert(-1)
	timeout := time.After(300 * time.Millisecond)
	for {
		select {
		case id := <-heard:
			if id != app.ID {
				t.Fatalf("heard app %d, which only has push deliveries; want only %d", id, app.ID)
			}
		case <-timeout:
			return
		}
	}
}
