package pull

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/vodevent"
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

type testBundle struct {
	queue *Queue
	log   *eventlog.Log
	clock *clock
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{now: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)}
	if _, err := st.AppCreate(ctx, "app", c.Now()); err != nil {
		t.Fatal(err)
	}
	hub := eventlog.NewHub()
	return &testBundle{
		queue: &Queue{Store: st, Hub: hub, MaxWait: 50 * time.Millisecond, NowFunc: c.Now},
		log:   &eventlog.Log{Store: st, Hub: hub, Owner: "test", NowFunc: c.Now},
		clock: c,
	}
}

func (b *testBundle) emit(t *testing.T, n int) {
	t.Helper()
	err := b.log.Tx(context.Background(), func(q store.Querier, em *eventlog.Emitter) error {
		for range n {
			if err := em.Emit(context.Background(), openvod.DefaultSubAppID, &vodevent.EventContent{
				EventType: vodevent.TypePullComplete, PullCompleteEvent: &vodevent.PullUploadTask{TaskId: "t"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func handles(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Handle
	}
	return out
}

func TestVisibilityWindow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.emit(t, 20)

	first, err := b.queue.Pull(ctx, openvod.DefaultSubAppID)
	if err != nil || len(first) != BatchSize {
		t.Fatalf("first pull: %d events, %v; want %d", len(first), err, BatchSize)
	}
	second, _ := b.queue.Pull(ctx, openvod.DefaultSubAppID)
	if len(second) != 4 || second[0].Event.Seq <= first[BatchSize-1].Event.Seq {
		t.Fatalf("second pull: %d events; want the 4 others, none leased", len(second))
	}
	if third, _ := b.queue.Pull(ctx, openvod.DefaultSubAppID); len(third) != 0 {
		t.Fatalf("third pull within the window: %d events, want 0", len(third))
	}

	b.clock.Add(29 * time.Second)
	if err := b.queue.Confirm(ctx, openvod.DefaultSubAppID, handles(second)); err != nil {
		t.Fatalf("confirm at 29 s: %v", err)
	}
	if err := b.queue.Confirm(ctx, openvod.DefaultSubAppID, handles(second)); err != nil {
		t.Fatalf("confirm again at 29 s: %v", err)
	}

	b.clock.Add(2 * time.Second) // 31 s: the first batch's lease has ended
	err = b.queue.Confirm(ctx, openvod.DefaultSubAppID, handles(first[:2]))
	var e *openvod.Error
	if !errors.As(err, &e) || e.Code != "InvalidParameterValue" || !strings.Contains(e.Message, first[0].Handle) {
		t.Fatalf("confirm at 31 s: %v, want InvalidParameterValue naming the handle", err)
	}
	if err := b.queue.Confirm(ctx, openvod.DefaultSubAppID, handles(second)); err == nil {
		t.Fatal("a confirmed handle past its lease was accepted")
	}
	again, _ := b.queue.Pull(ctx, openvod.DefaultSubAppID)
	if len(again) != BatchSize || again[0].Event.ID != first[0].Event.ID || again[0].Handle == first[0].Handle {
		t.Fatalf("pull after the window: %d events; want the first batch again, same events, new handles", len(again))
	}
	if n, _ := b.queue.CountToPull(ctx, openvod.DefaultSubAppID); n != BatchSize {
		t.Fatalf("CountToPull = %d, want %d", n, BatchSize)
	}
	// All or nothing: a valid handle with a bad one confirms nothing.
	if err := b.queue.Confirm(ctx, openvod.DefaultSubAppID, append(handles(again[:3]), "AAAAAAAAAAAAAAAAAAAAAA.99999")); err == nil {
		t.Fatal("confirm with an unknown handle succeeded")
	}
	if n, _ := b.queue.CountToPull(ctx, openvod.DefaultSubAppID); n != BatchSize {
		t.Fatalf("a failed confirm consumed events: CountToPull = %d", n)
	}
	if err := b.queue.Confirm(ctx, openvod.DefaultSubAppID, handles(again)); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.queue.CountToPull(ctx, openvod.DefaultSubAppID); n != 0 {
		t.Fatalf("CountToPull = %d after confirming everything", n)
	}
}

func TestLongPollWakes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.queue.MaxWait = 10 * time.Second
	done := make(chan []Item)
	go func() {
		items, _ := b.queue.Pull(context.Background(), openvod.DefaultSubAppID)
		done <- items
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	b.emit(t, 1)
	select {
	case items := <-done:
		if len(items) != 1 {
			t.Fatalf("woken pull returned %d events", len(items))
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("woken after %s", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting pull was not woken by the commit")
	}
}
