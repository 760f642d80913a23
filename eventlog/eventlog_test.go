package eventlog_test

import (
	"errors"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
	"github.com/openvod/openvod/vodevent"
)

var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func clipEvent(taskID string) *vodevent.EventContent {
	return &vodevent.EventContent{EventType: vodevent.TypeClipComplete, ClipCompleteEvent: &vodevent.ClipTask2017{
		TaskId: taskID, SrcFileId: "1", FileInfo: &vodevent.ClipFileInfo2017{FileType: "mp4"},
	}}
}

func deleteEvent() *vodevent.EventContent {
	return &vodevent.EventContent{EventType: vodevent.TypeFileDeleted, FileDeleteEvent: &vodevent.FileDeleteTask{
		FileIdSet: []string{"1"}, FileDeleteResultInfo: []vodevent.FileDeleteResultItem{},
	}}
}

// newLog returns a Log on st whose pushes are recorded in pushed.
func newLog(st store.Store, pushed *[]*openvod.Event) *eventlog.Log {
	hub := eventlog.NewHub()
	hub.PushFunc = func(events []*openvod.Event) { *pushed = append(*pushed, events...) }
	return &eventlog.Log{Store: st, Hub: hub, Owner: "server-a", NowFunc: func() time.Time { return now }}
}

// TestTx checks the outbox on both databases: events commit with the
// transaction or not at all, switches gate them, a PULL app's events are
// pullable at once (its pullers woken), and a PUSH app's are held by this
// server for its first delivery, within the retry window.
func TestTx(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		app, err := st.AppCreate(ctx, "a", now)
		if err != nil {
			t.Fatal(err)
		}
		var pushed []*openvod.Event
		log := newLog(st, &pushed)

		// A rolled back transaction leaves no event and wakes nobody.
		woken := log.Hub.Wait(app.ID)
		boom := errors.New("boom")
		err = log.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
			if err := em.Emit(ctx, app.ID, clipEvent("rolled-back")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v, want boom", err)
		}
		if n, _ := st.EventCountPullable(ctx, app.ID); n != 0 {
			t.Fatalf("%d pullable events after a rollback, want 0", n)
		}
		select {
		case <-woken:
			t.Fatal("a rollback woke the app's pullers")
		default:
		}

		// PULL mode (the default): ClipComplete is pullable, FileDeleted is off.
		err = log.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
			if err := em.Emit(ctx, app.ID, clipEvent("pulled")); err != nil {
				return err
			}
			return em.Emit(ctx, app.ID, deleteEvent())
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-woken:
		default:
			t.Fatal("a commit did not wake the app's pullers")
		}
		events, err := st.EventList(ctx, &store.EventListParams{SubAppID: app.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Type != vodevent.TypeClipComplete || events[0].State != openvod.EventPull ||
			!events[0].AvailableAt.Equal(now) {
			t.Fatalf("events after a PULL commit = %+v, want one pullable ClipComplete", events)
		}
		want, _ := vodevent.Marshal(clipEvent("pulled"))
		if string(events[0].Body) != string(want) {
			t.Fatalf("body = %s, want %s", events[0].Body, want)
		}
		if len(pushed) != 0 {
			t.Fatalf("%d pushes in PULL mode", len(pushed))
		}

		// PUSH mode with a URL and the delete switch on: both are pushed by this server.
		if err := st.EventConfigPut(ctx, &openvod.EventConfig{SubAppID: app.ID, Mode: openvod.EventModePush,
			NotificationURL: "http://127.0.0.1:1/", DeleteMediaComplete: true, UpdateTime: now}); err != nil {
			t.Fatal(err)
		}
		err = log.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
			if err := em.Emit(ctx, app.ID, clipEvent("pushed")); err != nil {
				return err
			}
			return em.Emit(ctx, app.ID, deleteEvent())
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(pushed) != 2 {
			t.Fatalf("%d pushes handed on, want 2", len(pushed))
		}
		for _, e := range pushed {
			if e.State != openvod.EventPush || e.Owner != "server-a" || !e.AvailableAt.Equal(now.Add(eventlog.PushLeaseDefault)) ||
				!e.PushDeadline.Equal(now.Add(eventlog.RetryWindowDefault)) {
				t.Errorf("push %s = state %s owner %q available %v deadline %v", e.Type, e.State, e.Owner, e.AvailableAt, e.PushDeadline)
			}
		}
		stored, err := st.EventList(ctx, &store.EventListParams{SubAppID: app.ID, State: openvod.EventPush, Limit: 10})
		if err != nil || len(stored) != 2 {
			t.Fatalf("stored pushes = %d, %v; want 2", len(stored), err)
		}
	})
}

// TestWaitNotify checks that Wait's channel closes at the app's next
// Notify only.
func TestWaitNotify(t *testing.T) {
	t.Parallel()
	hub := eventlog.NewHub()
	a, b := hub.Wait(1), hub.Wait(2)
	hub.Notify(1)
	select {
	case <-a:
	case <-time.After(time.Second):
		t.Fatal("app 1's waiter not woken")
	}
	select {
	case <-b:
		t.Fatal("app 2's waiter woken by app 1's event")
	default:
	}
	if hub.Wait(1) == a {
		t.Fatal("a new Wait after Notify returned the closed channel")
	}
}
