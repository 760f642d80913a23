package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// newEvent returns an event of app in state, available at sec.
func newEvent(app *openvod.App, id string, state openvod.EventState, sec int) *openvod.Event {
	return &openvod.Event{
		ID: id, SubAppID: app.ID, Type: "NewFileUpload", Body: []byte(`{"EventType":"NewFileUpload","Id":"` + id + `"}`),
		CreateTime: at(sec), State: state, AvailableAt: at(sec), PushDeadline: at(sec + 3600),
	}
}

func seqs(events []*openvod.Event) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.Seq
	}
	return out
}

func ids(events []*openvod.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func testEventConfig(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	equal(t, "default", must(s.EventConfigGet(ctx, app.ID))(t), &openvod.EventConfig{SubAppID: app.ID, Mode: openvod.EventModePull})
	c := &openvod.EventConfig{SubAppID: app.ID, Mode: openvod.EventModePush, NotificationURL: "http://127.0.0.1:9/cb",
		UploadMediaComplete: true, DeleteMediaComplete: true, PersistenceComplete: true, SignKey: "k1",
		WebhookSecret: "whsec_x", UpdateTime: at(5)}
	noErr(t, "put", s.EventConfigPut(ctx, c))
	equal(t, "get", must(s.EventConfigGet(ctx, app.ID))(t), c)
	c.Mode, c.UploadMediaComplete, c.SignKey = openvod.EventModePull, false, ""
	noErr(t, "put again", s.EventConfigPut(ctx, c))
	equal(t, "get again", must(s.EventConfigGet(ctx, app.ID))(t), c)
}

func testEventInsert(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	full := &openvod.Event{ID: "e-full", SubAppID: app.ID, Type: "ClipComplete", Body: []byte(`{"a":"\u00e9 & <"}`),
		CreateTime: at(1), State: openvod.EventPush, AvailableAt: at(2), Owner: "node-1", LeaseToken: "tok",
		LeaseUntil: at(3), Attempts: 4, Pulls: 5, PushDeadline: at(6), ConsumedTime: at(7)}
	noErr(t, "insert", s.EventInsert(ctx, full))
	if full.Seq <= 0 {
		t.Fatalf("Seq = %d, want > 0", full.Seq)
	}
	equal(t, "get", must(s.EventGet(ctx, app.ID, "e-full"))(t), full)
	_, err := s.EventGet(ctx, other.ID, "e-full")
	isErr(t, "get from another app", err, store.ErrNotFound)
	dup := *full
	isErr(t, "duplicate id", s.EventInsert(ctx, &dup), store.ErrConflict)
	next := newEvent(app, "e-next", openvod.EventPull, 2)
	noErr(t, "insert next", s.EventInsert(ctx, next))
	if next.Seq <= full.Seq {
		t.Fatalf("Seq %d after %d: want increasing", next.Seq, full.Seq)
	}
	equal(t, "get many", len(must(s.EventGetMany(ctx, app.ID, []int64{full.Seq, next.Seq, 999999}))(t)), 2)
	equal(t, "get many of another app", len(must(s.EventGetMany(ctx, other.ID, []int64{full.Seq}))(t)), 0)
	equal(t, "list", ids(must(s.EventList(ctx, &store.EventListParams{SubAppID: app.ID, Limit: 10}))(t)), []string{"e-full", "e-next"})
	equal(t, "list pull", ids(must(s.EventList(ctx, &store.EventListParams{SubAppID: app.ID, State: openvod.EventPull, Limit: 10}))(t)), []string{"e-next"})
	equal(t, "list after", ids(must(s.EventList(ctx, &store.EventListParams{SubAppID: app.ID, AfterSeq: full.Seq, Limit: 10}))(t)), []string{"e-next"})
}

func testEventInsertMany(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	// More than one statement carries, in a length that is no power of two.
	var batch []*openvod.Event
	for i := range 150 {
		a, state := app, openvod.EventPull
		if i%3 == 1 {
			a, state = other, openvod.EventPush
		}
		batch = append(batch, newEvent(a, fmt.Sprint("m", i), state, i))
	}
	noErr(t, "insert many", s.InTx(ctx, func(q store.Querier) error { return q.EventInsert(ctx, batch...) }))
	for i, e := range batch {
		if i > 0 && e.Seq <= batch[i-1].Seq {
			t.Fatalf("event %d has Seq %d after %d: want increasing in order", i, e.Seq, batch[i-1].Seq)
		}
		equal(t, "get "+e.ID, must(s.EventGet(ctx, e.SubAppID, e.ID))(t), e)
	}
	equal(t, "count pullable", must(s.EventCountPullable(ctx, app.ID))(t), int64(100))
	noErr(t, "insert none", s.EventInsert(ctx))

	// A batch with an existing ID is refused; its transaction rolls back.
	fresh, dup := newEvent(app, "fresh", openvod.EventPull, 1), newEvent(app, "m0", openvod.EventPull, 1)
	err := s.InTx(ctx, func(q store.Querier) error { return q.EventInsert(ctx, fresh, dup) })
	isErr(t, "batch with a duplicate", err, store.ErrConflict)
	_, err = s.EventGet(ctx, app.ID, "fresh")
	isErr(t, "rolled back", err, store.ErrNotFound)
	twice := newEvent(app, "twice", openvod.EventPull, 1)
	again := *twice
	err = s.InTx(ctx, func(q store.Querier) error { return q.EventInsert(ctx, twice, &again) })
	isErr(t, "one ID twice in a batch", err, store.ErrConflict)

	// Attempts too go in batches, IDs increasing in order.
	var attempts []*openvod.DeliveryAttempt
	for i, e := range batch[:70] {
		attempts = append(attempts, &openvod.DeliveryAttempt{EventSeq: e.Seq, EventID: e.ID, EventType: e.Type,
			SubAppID: e.SubAppID, Time: at(i), URL: "http://x/", StatusCode: 200 + i, Latency: time.Duration(i) * time.Millisecond})
	}
	noErr(t, "attempts", s.DeliveryAttemptInsert(ctx, attempts...))
	var newestFirst []*openvod.DeliveryAttempt
	for i, a := range attempts {
		if i > 0 && a.ID <= attempts[i-1].ID {
			t.Fatalf("attempt %d has ID %d after %d: want increasing in order", i, a.ID, attempts[i-1].ID)
		}
		if a.SubAppID == app.ID {
			newestFirst = append([]*openvod.DeliveryAttempt{a}, newestFirst...)
		}
	}
	equal(t, "attempts listed", must(s.DeliveryAttemptList(ctx, app.ID, "", 100))(t), newestFirst)
}

func testEventPull(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	for i := range 5 {
		noErr(t, "insert", s.EventInsert(ctx, newEvent(app, fmt.Sprint("p", i), openvod.EventPull, i)))
	}
	noErr(t, "insert later", s.EventInsert(ctx, newEvent(app, "later", openvod.EventPull, 100)))
	noErr(t, "insert push", s.EventInsert(ctx, newEvent(app, "push", openvod.EventPush, 0)))
	noErr(t, "insert other", s.EventInsert(ctx, newEvent(other, "other", openvod.EventPull, 0)))
	equal(t, "count", must(s.EventCountPullable(ctx, app.ID))(t), int64(6))

	got := must(s.EventLeaseForPull(ctx, &store.EventLeaseParams{SubAppID: app.ID, Now: at(10), Token: "t1", Until: at(40), Limit: 3}))(t)
	equal(t, "first lease", ids(got), []string{"p0", "p1", "p2"})
	for _, e := range got {
		if e.LeaseToken != "t1" || !e.LeaseUntil.Equal(at(40)) || e.AvailableAt.After(at(10)) || e.Pulls != 1 {
			t.Fatalf("leased event %+v: want token t1, until 40, available as before (by 10), one pull", e)
		}
	}
	equal(t, "second lease", ids(must(s.EventLeaseForPull(ctx, &store.EventLeaseParams{SubAppID: app.ID, Now: at(11), Token: "t2", Until: at(41), Limit: 16}))(t)), []string{"p3", "p4"})
	equal(t, "nothing left", len(must(s.EventLeaseForPull(ctx, &store.EventLeaseParams{SubAppID: app.ID, Now: at(12), Token: "t3", Until: at(42), Limit: 16}))(t)), 0)

	equal(t, "confirm with another token", must(s.EventConfirm(ctx, app.ID, "t2", seqs(got[:2]), at(20)))(t), int64(0))
	equal(t, "confirm after the lease", must(s.EventConfirm(ctx, app.ID, "t1", seqs(got[:2]), at(41)))(t), int64(0))
	equal(t, "confirm of another app", must(s.EventConfirm(ctx, other.ID, "t1", seqs(got[:2]), at(20)))(t), int64(0))
	equal(t, "confirm with a bad handle", must(s.EventConfirm(ctx, app.ID, "t1", []int64{got[1].Seq, 999999}, at(19)))(t), int64(0))
	if e := must(s.EventGet(ctx, app.ID, got[1].ID))(t); e.State != openvod.EventPull {
		t.Fatalf("event %s confirmed with a bad handle beside it: state %s, want pull (all or nothing)", e.ID, e.State)
	}
	equal(t, "confirm a handle twice", must(s.EventConfirm(ctx, app.ID, "t1", []int64{got[1].Seq, got[1].Seq}, at(19)))(t), int64(1))
	noErr(t, "unconfirm", s.InTx(ctx, func(q store.Querier) error {
		_, err := q.EventResend(ctx, app.ID, []string{got[1].ID}, openvod.EventPull, at(19), at(3600))
		return err
	}))
	again1 := must(s.EventLeaseForPull(ctx, &store.EventLeaseParams{SubAppID: app.ID, Now: at(19), Token: "t1", Until: at(40), Limit: 1}))(t)
	equal(t, "lease again", ids(again1), []string{got[1].ID})
	equal(t, "confirm", must(s.EventConfirm(ctx, app.ID, "t1", seqs(got[:1]), at(19)))(t), int64(1))
	equal(t, "confirm again", must(s.EventConfirm(ctx, app.ID, "t1", seqs(got[:1]), at(20)))(t), int64(1))
	equal(t, "consume", must(s.EventConsume(ctx, app.ID, seqs(got[:2]), at(20)))(t), int64(1))
	equal(t, "consume again", must(s.EventConsume(ctx, app.ID, seqs(got[:2]), at(21)))(t), int64(0))
	equal(t, "consume from another app", must(s.EventConsume(ctx, other.ID, seqs(got[2:]), at(21)))(t), int64(0))
	equal(t, "count after consume", must(s.EventCountPullable(ctx, app.ID))(t), int64(4))

	again := must(s.EventLeaseForPull(ctx, &store.EventLeaseParams{SubAppID: app.ID, Now: at(40), Token: "t4", Until: at(70), Limit: 16}))(t)
	equal(t, "lease after expiry", ids(again), []string{"p2"})
	if again[0].Pulls != 2 || again[0].LeaseToken != "t4" {
		t.Fatalf("re-leased event %+v: want 2 pulls and token t4", again[0])
	}
	done := must(s.EventGet(ctx, app.ID, "p0"))(t)
	if done.State != openvod.EventDone || !done.ConsumedTime.Equal(at(19)) {
		t.Fatalf("confirmed event %+v: want done at 19, the first confirmation", done)
	}
	equal(t, "later event", ids(must(s.EventLeaseForPull(ctx, &store.EventLeaseParams{SubAppID: app.ID, Now: at(100), Token: "t5", Until: at(130), Limit: 16}))(t)), []string{"p2", "p3", "p4", "later"})
}

func testEventPullConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	const n = 200
	noErr(t, "insert", s.InTx(ctx, func(q store.Querier) error {
		for i := range n {
			if err := q.EventInsert(ctx, newEvent(app, fmt.Sprint("c", i), openvod.EventPull, 0)); err != nil {
				return err
			}
		}
		return nil
	}))
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var got []*openvod.Event
				err := s.InTxRelaxed(ctx, func(q store.Querier) error {
					var err error
					got, err = q.EventLeaseForPull(ctx, &store.EventLeaseParams{SubAppID: app.ID, Now: at(1), Token: fmt.Sprint("w", w), Until: at(31), Limit: 7})
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, e := range got {
					seen[e.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("leased %d distinct events, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("event %s leased %d times within its lease", id, c)
		}
	}
}

func testEventPush(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, busy := newApp(t, s, "app"), newApp(t, s, "busy")
	noErr(t, "insert a", s.EventInsert(ctx, newEvent(app, "a", openvod.EventPush, 2)))
	noErr(t, "insert b", s.EventInsert(ctx, newEvent(app, "b", openvod.EventPush, 1)))
	noErr(t, "insert future", s.EventInsert(ctx, newEvent(app, "future", openvod.EventPush, 50)))
	noErr(t, "insert busy", s.EventInsert(ctx, newEvent(busy, "busy", openvod.EventPush, 0)))
	noErr(t, "insert pull", s.EventInsert(ctx, newEvent(app, "pull", openvod.EventPull, 0)))

	got := must(s.EventClaimPush(ctx, &store.EventClaimParams{Owner: "n1", Now: at(10), Until: at(40), Limit: 10, SkipApps: []int64{busy.ID}}))(t)
	equal(t, "claim", ids(got), []string{"a", "b"})
	for _, e := range got {
		if e.Owner != "n1" || !e.AvailableAt.Equal(at(40)) {
			t.Fatalf("claimed %+v: want owner n1 until 40", e)
		}
	}
	equal(t, "claimed again before the lease ends", len(must(s.EventClaimPush(ctx, &store.EventClaimParams{Owner: "n2", Now: at(11), Until: at(41), Limit: 10, SkipApps: []int64{busy.ID}}))(t)), 0)

	a, b := got[0], got[1]
	isErr(t, "retry by another owner", s.EventPushRetry(ctx, a.Seq, "n2", at(100)), store.ErrConflict)
	noErr(t, "retry", s.EventPushRetry(ctx, a.Seq, "n1", at(100)))
	ra := must(s.EventGet(ctx, app.ID, "a"))(t)
	if ra.Attempts != 1 || ra.Owner != "" || !ra.AvailableAt.Equal(at(100)) || ra.State != openvod.EventPush {
		t.Fatalf("after retry %+v", ra)
	}
	isErr(t, "retry not held", s.EventPushRetry(ctx, a.Seq, "n1", at(100)), store.ErrConflict)
	noErr(t, "give up", s.EventPushGiveUp(ctx, b.Seq, "n1", at(12)))
	rb := must(s.EventGet(ctx, app.ID, "b"))(t)
	if rb.State != openvod.EventPull || rb.Attempts != 1 || !rb.AvailableAt.Equal(at(12)) {
		t.Fatalf("after give up %+v", rb)
	}

	// A delivery released by its owner is claimed at once, with no attempt counted.
	held := must(s.EventClaimPush(ctx, &store.EventClaimParams{Owner: "n1", Now: at(13), Until: at(43), Limit: 10, SkipApps: []int64{busy.ID}}))(t)
	equal(t, "claim before release", len(held), 0)
	busyOne := must(s.EventClaimPush(ctx, &store.EventClaimParams{Owner: "n1", Now: at(13), Until: at(43), Limit: 10}))(t)
	equal(t, "claim the busy app's", ids(busyOne), []string{"busy"})
	equal(t, "release by another owner", must(s.EventPushRelease(ctx, []int64{busyOne[0].Seq}, "n2", at(14)))(t), int64(0))
	equal(t, "release", must(s.EventPushRelease(ctx, []int64{busyOne[0].Seq, a.Seq}, "n1", at(14)))(t), int64(1))
	again := must(s.EventClaimPush(ctx, &store.EventClaimParams{Owner: "n2", Now: at(14), Until: at(44), Limit: 10}))(t)
	equal(t, "claim after release", ids(again), []string{"busy"})
	if again[0].Attempts != 0 || again[0].Owner != "n2" {
		t.Fatalf("released then claimed %+v: want no attempt, owner n2", again[0])
	}
	equal(t, "release back", must(s.EventPushRelease(ctx, []int64{again[0].Seq}, "n2", at(0)))(t), int64(1))

	// An expired delivery lease is claimed by another server.
	expired := must(s.EventClaimPush(ctx, &store.EventClaimParams{Owner: "n2", Now: at(60), Until: at(90), Limit: 10}))(t)
	equal(t, "claim after lease end", ids(expired), []string{"future", "busy"})
	equal(t, "consume pushed", must(s.EventConsume(ctx, app.ID, []int64{expired[0].Seq}, at(61)))(t), int64(1))

	// Mode switches.
	equal(t, "to pull", must(s.EventMoveToPull(ctx, app.ID, at(70)))(t), int64(1)) // a
	equal(t, "pullable", must(s.EventCountPullable(ctx, app.ID))(t), int64(3))     // a, b, pull
	leased := must(s.EventLeaseForPull(ctx, &store.EventLeaseParams{SubAppID: app.ID, Now: at(70), Token: "t", Until: at(100), Limit: 1}))(t)
	equal(t, "lease one", len(leased), 1)
	equal(t, "to push skips the leased one", must(s.EventMoveToPush(ctx, app.ID, at(71), at(3671)))(t), int64(2))
	moved := must(s.EventClaimPush(ctx, &store.EventClaimParams{Owner: "n3", Now: at(71), Until: at(101), Limit: 10, SkipApps: []int64{busy.ID}}))(t)
	equal(t, "claim moved", len(moved), 2)
	for _, e := range moved {
		if e.Attempts != 0 || !e.PushDeadline.Equal(at(3671)) {
			t.Fatalf("moved %+v: want no attempts and a fresh deadline", e)
		}
	}

	// Resend a consumed event.
	equal(t, "resend", must(s.EventResend(ctx, app.ID, []string{"future", "nope"}, openvod.EventPull, at(80), at(3680)))(t), int64(1))
	rf := must(s.EventGet(ctx, app.ID, "future"))(t)
	if rf.State != openvod.EventPull || !rf.ConsumedTime.IsZero() || rf.Attempts != 0 {
		t.Fatalf("resent %+v", rf)
	}
	equal(t, "resend in another app", must(s.EventResend(ctx, busy.ID, []string{"future"}, openvod.EventPull, at(80), at(3680)))(t), int64(0))
}

func testEventPurgeAndAttempts(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	old, young := newEvent(app, "old", openvod.EventPull, 0), newEvent(app, "young", openvod.EventPull, 100)
	noErr(t, "insert old", s.EventInsert(ctx, old))
	noErr(t, "insert young", s.EventInsert(ctx, young))
	a1 := &openvod.DeliveryAttempt{EventSeq: old.Seq, EventID: "old", EventType: "NewFileUpload", SubAppID: app.ID,
		Time: at(1), URL: "http://x/", StatusCode: 500, Latency: 1234 * 1000, Error: "HTTP 500"}
	a2 := &openvod.DeliveryAttempt{EventSeq: young.Seq, EventID: "young", EventType: "NewFileUpload", SubAppID: app.ID,
		Time: at(101), URL: "http://x/", StatusCode: 200, Latency: 5 * 1000}
	noErr(t, "attempt 1", s.DeliveryAttemptInsert(ctx, a1))
	noErr(t, "attempt 2", s.DeliveryAttemptInsert(ctx, a2))
	equal(t, "list", must(s.DeliveryAttemptList(ctx, app.ID, "", 10))(t), []*openvod.DeliveryAttempt{a2, a1})
	equal(t, "list one event", must(s.DeliveryAttemptList(ctx, app.ID, "old", 10))(t), []*openvod.DeliveryAttempt{a1})
	equal(t, "list another app", len(must(s.DeliveryAttemptList(ctx, other.ID, "", 10))(t)), 0)
	equal(t, "purge", must(s.EventPurge(ctx, at(50)))(t), int64(1))
	_, err := s.EventGet(ctx, app.ID, "old")
	isErr(t, "purged", err, store.ErrNotFound)
	equal(t, "attempts after purge", must(s.DeliveryAttemptList(ctx, app.ID, "", 10))(t), []*openvod.DeliveryAttempt{a2})
}

func testInTxRelaxed(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	noErr(t, "relaxed commit", s.InTxRelaxed(ctx, func(q store.Querier) error {
		return q.EventInsert(ctx, newEvent(app, "relaxed", openvod.EventPull, 0))
	}))
	must(s.EventGet(ctx, app.ID, "relaxed"))(t)
	err := s.InTxRelaxed(ctx, func(q store.Querier) error {
		if err := q.EventInsert(ctx, newEvent(app, "rolled-back", openvod.EventPull, 0)); err != nil {
			return err
		}
		return store.ErrConflict
	})
	isErr(t, "relaxed rollback", err, store.ErrConflict)
	_, err = s.EventGet(ctx, app.ID, "rolled-back")
	isErr(t, "rolled back", err, store.ErrNotFound)
	noErr(t, "relaxed statement", s.RunRelaxed(ctx, func(q store.Querier) error {
		return q.EventInsert(ctx, newEvent(app, "relaxed statement", openvod.EventPull, 0))
	}))
	must(s.EventGet(ctx, app.ID, "relaxed statement"))(t)
	isErr(t, "relaxed statement's error", s.RunRelaxed(ctx, func(store.Querier) error { return store.ErrConflict }), store.ErrConflict)
	// A durable transaction after a relaxed one still works.
	noErr(t, "durable after relaxed", s.InTx(ctx, func(q store.Querier) error {
		return q.EventInsert(ctx, newEvent(app, "durable", openvod.EventPull, 0))
	}))
}

// testEventMoveRacesResults runs the statements that move all of an app's
// events (ModifyEventConfig) against transactions that record push results
// one event at a time in an order of their own, as the push dispatcher
// does. Row locks taken in different orders deadlock on a backend with row
// locks; EventLock and the bulk statements agree on seq order, so none may.
func testEventMoveRacesResults(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	const n, batch = 300, 30
	events := make([]*openvod.Event, n)
	for i := range events {
		events[i] = newEvent(app, fmt.Sprint("r", i), openvod.EventPush, 0)
	}
	noErr(t, "insert", s.EventInsert(ctx, events...))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the dispatcher's result writer, newest first in each batch
		defer wg.Done()
		for lo := 0; lo < n; lo += batch {
			part := slices.Clone(events[lo : lo+batch])
			slices.Reverse(part)
			err := s.InTxRelaxed(ctx, func(q store.Querier) error {
				if err := q.EventLock(ctx, seqs(part)); err != nil {
					return err
				}
				for i, e := range part {
					var err error
					if i%2 == 0 {
						err = q.EventPushRetry(ctx, e.Seq, "", at(5))
					} else {
						err = q.EventPushGiveUp(ctx, e.Seq, "", at(5))
					}
					if err != nil && !errors.Is(err, store.ErrConflict) {
						return err
					}
				}
				_, err := q.EventConsume(ctx, app.ID, seqs(part), at(6))
				return err
			})
			if err != nil {
				t.Errorf("results %d: %v", lo, err)
				return
			}
		}
	}()
	go func() { // ModifyEventConfig, switching back and forth
		defer wg.Done()
		for i := range 2 * n / batch {
			err := s.InTx(ctx, func(q store.Querier) error {
				var err error
				if i%2 == 0 {
					_, err = q.EventMoveToPull(ctx, app.ID, at(5))
				} else {
					_, err = q.EventMoveToPush(ctx, app.ID, at(5), at(3600))
				}
				return err
			})
			if err != nil {
				t.Errorf("move %d: %v", i, err)
				return
			}
		}
	}()
	wg.Wait()
	done := must(s.EventList(ctx, &store.EventListParams{SubAppID: app.ID, State: openvod.EventDone, Limit: n + 1}))(t)
	equal(t, "events consumed by the result writer", len(done), n)
}
