package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// The store operations of the web console: sessions, disabled keys,
// searching media, listing tasks and events by status.

func testKeyDisable(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := &openvod.APIKey{SecretID: "AKIDa", SecretKey: "ka", CreateTime: at(1)}
	b := &openvod.APIKey{SecretID: "AKIDb", SecretKey: "kb", CreateTime: at(2)}
	noErr(t, "insert a", s.KeyInsert(ctx, a))
	noErr(t, "insert b", s.KeyInsert(ctx, b))
	sessA := &store.ConsoleSession{TokenHash: "ha", SecretID: "AKIDa", CSRFToken: "ca", CreateTime: at(1), ExpireTime: at(100)}
	sessB := &store.ConsoleSession{TokenHash: "hb", SecretID: "AKIDb", CSRFToken: "cb", CreateTime: at(1), ExpireTime: at(100)}
	noErr(t, "session a", s.ConsoleSessionInsert(ctx, sessA))
	noErr(t, "session b", s.ConsoleSessionInsert(ctx, sessB))

	isErr(t, "disable missing", s.KeyDisable(ctx, "AKIDmissing", at(3)), store.ErrNotFound)
	noErr(t, "disable a", s.KeyDisable(ctx, "AKIDa", at(3)))
	got := must(s.KeyGet(ctx, "AKIDa"))(t)
	equal(t, "disable time", got.DisableTime, at(3))
	_, err := s.ConsoleSessionGet(ctx, "ha", at(4))
	isErr(t, "session of the disabled key ended", err, store.ErrNotFound)
	equal(t, "session of the other key kept", must(s.ConsoleSessionGet(ctx, "hb", at(4)))(t), sessB)

	noErr(t, "disable a again keeps its time", s.KeyDisable(ctx, "AKIDa", at(9)))
	equal(t, "disable time kept", must(s.KeyGet(ctx, "AKIDa"))(t).DisableTime, at(3))
	isErr(t, "disable the last enabled key", s.KeyDisable(ctx, "AKIDb", at(5)), store.ErrConflict)
	equal(t, "last key still enabled", must(s.KeyGet(ctx, "AKIDb"))(t).DisableTime, time.Time{})
	equal(t, "its session kept", must(s.ConsoleSessionGet(ctx, "hb", at(5)))(t), sessB)
	equal(t, "list shows disabled", must(s.KeyList(ctx))(t), []*openvod.APIKey{
		{SecretID: "AKIDa", SecretKey: "ka", CreateTime: at(1), DisableTime: at(3)}, b})
}

func testKeyDisableConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 6
	for i := range n {
		noErr(t, "insert", s.KeyInsert(ctx, &openvod.APIKey{SecretID: "AKID" + string(rune('a'+i)), SecretKey: "k", CreateTime: at(i)}))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.KeyDisable(ctx, "AKID"+string(rune('a'+i)), at(10))
		}()
	}
	wg.Wait()
	refused := 0
	for _, err := range errs {
		if err != nil {
			isErr(t, "refusal", err, store.ErrConflict)
			refused++
		}
	}
	enabled := 0
	for _, k := range must(s.KeyList(ctx))(t) {
		if k.DisableTime.IsZero() {
			enabled++
		}
	}
	equal(t, "enabled keys left", enabled, 1)
	equal(t, "refused", refused, 1)
}

func testConsoleSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	live := &store.ConsoleSession{TokenHash: "h1", SecretID: "AKID1", CSRFToken: "c1", CreateTime: at(0), ExpireTime: at(100)}
	old := &store.ConsoleSession{TokenHash: "h2", SecretID: "AKID1", CSRFToken: "c2", CreateTime: at(0), ExpireTime: at(10)}
	noErr(t, "insert live", s.ConsoleSessionInsert(ctx, live))
	noErr(t, "insert old", s.ConsoleSessionInsert(ctx, old))
	isErr(t, "insert duplicate", s.ConsoleSessionInsert(ctx, &store.ConsoleSession{TokenHash: "h1", SecretID: "x", CSRFToken: "y",
		CreateTime: at(0), ExpireTime: at(5)}), store.ErrConflict)
	equal(t, "get", must(s.ConsoleSessionGet(ctx, "h1", at(99)))(t), live)
	_, err := s.ConsoleSessionGet(ctx, "h2", at(10))
	isErr(t, "get at its end", err, store.ErrNotFound)
	_, err = s.ConsoleSessionGet(ctx, "nope", at(0))
	isErr(t, "get unknown", err, store.ErrNotFound)
	equal(t, "purge", must(s.ConsoleSessionPurge(ctx, at(10)))(t), int64(1))
	equal(t, "purge again", must(s.ConsoleSessionPurge(ctx, at(10)))(t), int64(0))
	noErr(t, "delete", s.ConsoleSessionDelete(ctx, "h1"))
	noErr(t, "delete absent", s.ConsoleSessionDelete(ctx, "h1"))
	_, err = s.ConsoleSessionGet(ctx, "h1", at(0))
	isErr(t, "get deleted", err, store.ErrNotFound)
}

func testMediaSearch(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	var all []*openvod.Media
	for i, name := range []string{"Holiday 100%", "holiday_2", "Work", "Team Meeting"} {
		m := newMedia(app, "f"+string(rune('0'+i)), 9999)
		m.Name, m.CreateTime = name, at(i)
		if i == 3 {
			m.Description, m.SourceType = "the holiday plan", "Record"
		}
		noErr(t, "insert", s.MediaInsert(ctx, m))
		all = append(all, m)
	}
	noErr(t, "insert other app's", s.MediaInsert(ctx, func() *openvod.Media {
		m := newMedia(other, "g0", 9999)
		m.Name = "holiday"
		return m
	}()))
	search := func(what string, p store.MediaSearchParams, total int64, want ...*openvod.Media) {
		t.Helper()
		p.SubAppID = app.ID
		if p.Limit == 0 {
			p.Limit = 10
		}
		got, n, err := s.MediaSearch(ctx, &p)
		noErr(t, what, err)
		equal(t, what+": total", n, total)
		if want == nil {
			want = []*openvod.Media{}
		}
		if got == nil {
			got = []*openvod.Media{}
		}
		equal(t, what, got, want)
	}
	search("everything, oldest first", store.MediaSearchParams{}, 4, all...)
	search("newest first, paged", store.MediaSearchParams{Descending: true, Offset: 1, Limit: 2}, 4, all[2], all[1])
	search("names ignore case", store.MediaSearchParams{Names: []string{"HOLIDAY"}}, 2, all[0], all[1])
	search("% and _ are literal", store.MediaSearchParams{Names: []string{"y 100%", "y_"}}, 2, all[0], all[1])
	search("_ is not a wildcard", store.MediaSearchParams{Names: []string{"y_1"}}, 0)
	search("prefixes ignore case", store.MediaSearchParams{NamePrefixes: []string{"wO", "team", "eeting"}}, 2, all[2], all[3])
	search("text in name or description", store.MediaSearchParams{Text: "holiday"}, 3, all[0], all[1], all[3])
	search("file ids", store.MediaSearchParams{FileIDs: []string{"f2", "g0", "f3"}}, 2, all[2], all[3])
	search("sets AND", store.MediaSearchParams{Text: "holiday", SourceTypes: []string{"Record"}}, 1, all[3])
	search("create time range", store.MediaSearchParams{CreatedAfter: at(1), CreatedBefore: at(3)}, 2, all[1], all[2])
	search("class ids", store.MediaSearchParams{ClassIDs: []int64{4}}, 0)
}

func testTaskList(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	var tasks []*openvod.Task
	for i, id := range []string{"t0", "t1", "t2", "t3"} {
		task := newTask(app, id, openvod.TaskClip, 1)
		if i == 3 {
			task.CreateTime = at(2)
		}
		noErr(t, "insert", s.TaskInsert(ctx, task))
		tasks = append(tasks, task)
	}
	noErr(t, "insert other app's", s.TaskInsert(ctx, newTask(other, "o0", openvod.TaskClip, 1)))
	since := at(0)
	before := must(s.TaskActivity(ctx, app.ID, since))(t)
	equal(t, "activity", before, store.TaskActivity{Count: 4})

	claimedTasks := must(s.TaskClaim(ctx, &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskClip}, Owner: "w",
		Now: at(5), LeaseUntil: at(60), Limit: 1, SkipApps: []int64{other.ID}}))(t)
	equal(t, "claimed", len(claimedTasks), 1)
	c := claimedTasks[0]
	equal(t, "activity after a claim", must(s.TaskActivity(ctx, app.ID, since))(t), store.TaskActivity{Count: 4, Processing: 1, Attempts: 1})
	noErr(t, "progress", s.TaskSetProgress(ctx, c.ID, "w", 40))
	equal(t, "activity after progress", must(s.TaskActivity(ctx, app.ID, since))(t), store.TaskActivity{Count: 4, Processing: 1, Progress: 40, Attempts: 1})
	noErr(t, "finish", s.TaskFinish(ctx, &store.TaskFinishParams{ID: c.ID, Owner: "w", Attempt: c.Attempts, FinishTime: at(6)}))
	equal(t, "activity after finish", must(s.TaskActivity(ctx, app.ID, since))(t), store.TaskActivity{Count: 4, Finished: 1, Progress: 40, Attempts: 1})
	equal(t, "activity since after the finish", must(s.TaskActivity(ctx, app.ID, at(7)))(t), store.TaskActivity{Count: 3})

	list := func(what string, p store.TaskListParams, want ...string) {
		t.Helper()
		p.SubAppID = app.ID
		if p.Limit == 0 {
			p.Limit = 10
		}
		got := must(s.TaskList(ctx, &p))(t)
		gotIDs := []string{}
		for _, task := range got {
			gotIDs = append(gotIDs, task.ID)
		}
		if want == nil {
			want = []string{}
		}
		equal(t, what, gotIDs, want)
	}
	list("all, oldest first", store.TaskListParams{}, "t0", "t1", "t2", "t3")
	list("newest first", store.TaskListParams{Descending: true}, "t3", "t2", "t1", "t0")
	list("after a cursor in a tie", store.TaskListParams{After: &store.TaskCursor{CreateTime: at(1), ID: "t1"}}, "t2", "t3")
	list("before a cursor, newest first", store.TaskListParams{Descending: true, Limit: 2,
		After: &store.TaskCursor{CreateTime: at(1), ID: "t2"}}, "t1", "t0")
	list("status", store.TaskListParams{Status: openvod.TaskFinish}, c.ID)
	list("created range", store.TaskListParams{CreatedAfter: at(2)}, "t3")
	list("finished range", store.TaskListParams{FinishedAfter: at(6), FinishedBefore: at(7)}, c.ID)
	list("finished range excludes", store.TaskListParams{FinishedBefore: at(6)})
	equal(t, "rows whole", must(s.TaskList(ctx, &store.TaskListParams{SubAppID: app.ID, Limit: 1, Descending: true}))(t), []*openvod.Task{tasks[3]})
}

func testEventStatus(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	now := at(100)
	lease := func(id, token string, until int) {
		t.Helper()
		noErr(t, "insert "+id, s.EventInsert(ctx, newEvent(app, id, openvod.EventPull, 0)))
		got := must(s.EventLeaseForPull(ctx, &store.EventLeaseParams{SubAppID: app.ID, Now: at(0), Token: token, Until: at(until), Limit: 10}))(t)
		equal(t, "leased "+id, ids(got), []string{id})
	}
	lease("lapsed", "t1", 50)     // its lease ends before now
	lease("leased", "t2", 150)    // its lease ends after now
	lease("confirmed", "t3", 150) // confirmed below
	equal(t, "confirm", must(s.EventConfirm(ctx, app.ID, "t3", []int64{must(s.EventGet(ctx, app.ID, "confirmed"))(t).Seq}, at(10)))(t), int64(1))
	clip := newEvent(app, "clip", openvod.EventPull, 0)
	clip.Type = "ClipComplete"
	pushing, gaveUp, delivered := newEvent(app, "pushing", openvod.EventPush, 0), newEvent(app, "gave-up", openvod.EventPush, 0),
		newEvent(app, "delivered", openvod.EventPush, 0)
	noErr(t, "insert", s.EventInsert(ctx, newEvent(app, "pending", openvod.EventPull, 0), clip, pushing, gaveUp, delivered))
	equal(t, "claimed pushes", len(must(s.EventClaimPush(ctx, &store.EventClaimParams{Owner: "o", Now: at(0), Until: at(30), Limit: 10}))(t)), 3)
	noErr(t, "retry", s.EventPushRetry(ctx, pushing.Seq, "o", at(200)))
	noErr(t, "give up", s.EventPushGiveUp(ctx, gaveUp.Seq, "o", at(20)))
	equal(t, "consume", must(s.EventConsume(ctx, app.ID, []int64{delivered.Seq}, at(20)))(t), int64(1))

	wantBy := map[store.EventStatus][]string{
		store.EventPending:   {"pending", "clip", "pushing"},
		store.EventLeased:    {"leased"},
		store.EventDelivered: {"delivered"},
		store.EventConfirmed: {"confirmed"},
		store.EventExpired:   {"lapsed", "gave-up"},
	}
	byStatus := map[store.EventStatus][]string{}
	for _, e := range must(s.EventList(ctx, &store.EventListParams{SubAppID: app.ID, Limit: 100}))(t) {
		st := store.EventStatusOf(e, now)
		byStatus[st] = append(byStatus[st], e.ID)
	}
	equal(t, "statuses", byStatus, wantBy)
	for _, st := range store.EventStatuses {
		got := ids(must(s.EventList(ctx, &store.EventListParams{SubAppID: app.ID, Status: st, Now: now, Limit: 100}))(t))
		equal(t, "list "+string(st), got, wantBy[st])
	}
	equal(t, "list by type", ids(must(s.EventList(ctx, &store.EventListParams{SubAppID: app.ID, Type: "ClipComplete", Limit: 100}))(t)),
		[]string{"clip"})
	equal(t, "list by type and status", len(must(s.EventList(ctx, &store.EventListParams{SubAppID: app.ID, Type: "ClipComplete",
		Status: store.EventLeased, Now: now, Limit: 100}))(t)), 0)
}

func testDeliveryAttemptExcerpt(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	a := &openvod.DeliveryAttempt{EventSeq: 1, EventID: "e", EventType: "NewFileUpload", SubAppID: app.ID, Time: at(1),
		URL: "http://x/", StatusCode: 500, Latency: time.Millisecond, Error: "HTTP 500", ResponseExcerpt: "{\"error\":\"é\"}\n"}
	noErr(t, "insert", s.DeliveryAttemptInsert(ctx, a))
	equal(t, "list", must(s.DeliveryAttemptList(ctx, app.ID, "e", 10))(t), []*openvod.DeliveryAttempt{a})
}
