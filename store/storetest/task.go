package storetest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// newTask returns a new task of app as TaskInsert expects it: WAITING, never run.
func newTask(app *openvod.App, id string, typ openvod.TaskType, created int) *openvod.Task {
	return &openvod.Task{
		ID:         id,
		SubAppID:   app.ID,
		Type:       typ,
		Status:     openvod.TaskWaiting,
		Input:      []byte("{\"Source\": \"" + id + "\",\n \"T\":[1, 2.50]}"),
		CreateTime: at(created),
	}
}

// claimed is t as a claim at now by a worker leaves it.
func claimed(t *openvod.Task, now time.Time) *openvod.Task {
	c := *t
	c.Status = openvod.TaskProcessing
	c.Attempts++
	if c.BeginProcessTime.IsZero() {
		c.BeginProcessTime = now
	}
	return &c
}

func testTask(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	full := &openvod.Task{
		ID:               "task-full",
		SubAppID:         app.ID,
		Type:             openvod.TaskClip,
		Status:           openvod.TaskFinish,
		Input:            []byte("{\"In\":  [1,2]}\n"),
		Output:           []byte("{\"Out\":\"\u00e9\"}"),
		ErrCode:          40000,
		Message:          "message",
		Progress:         42,
		Attempts:         3,
		SessionID:        "session",
		OutputKey:        "media/out.mp4",
		Priority:         -3,
		State:            []byte(`{"Done": [0]}`),
		CreateTime:       at(1),
		BeginProcessTime: at(2),
		FinishTime:       at(3),
	}
	noErr(t, "insert", s.TaskInsert(ctx, full))
	want := *full
	want.Status = openvod.TaskWaiting
	equal(t, "get", must(s.TaskGet(ctx, app.ID, full.ID))(t), &want)

	fresh := newTask(app, "task-new", openvod.TaskPullUpload, 4)
	noErr(t, "insert new", s.TaskInsert(ctx, fresh))
	equal(t, "get new", must(s.TaskGet(ctx, app.ID, fresh.ID))(t), fresh)

	isErr(t, "insert duplicate", s.TaskInsert(ctx, newTask(other, full.ID, openvod.TaskClip, 5)), store.ErrConflict)
	equal(t, "get after duplicate", must(s.TaskGet(ctx, app.ID, full.ID))(t), &want)
	_, err := s.TaskGet(ctx, other.ID, full.ID)
	isErr(t, "get from another app", err, store.ErrNotFound)
	_, err = s.TaskGet(ctx, app.ID, "missing")
	isErr(t, "get missing", err, store.ErrNotFound)
	equal(t, "counts", must(s.TaskCountByStatus(ctx))(t),
		map[openvod.TaskStatus]int64{openvod.TaskWaiting: 2, openvod.TaskProcessing: 0, openvod.TaskFinish: 0})
}

// testTaskInsertOnce checks that a SessionID holds one task of a type in
// an app within the window, and TaskFindBySession finds it.
func testTaskInsertOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := newApp(t, s, "app"), newApp(t, s, "other")
	withSession := func(task *openvod.Task) *openvod.Task { task.SessionID = "session"; return task }
	older := withSession(newTask(app, "older", openvod.TaskClip, 1))
	retry := withSession(newTask(app, "retry", openvod.TaskClip, 2))
	newer := withSession(newTask(app, "newer", openvod.TaskClip, 5))
	pull := withSession(newTask(app, "pull", openvod.TaskPullUpload, 3))
	foreign := withSession(newTask(other, "foreign", openvod.TaskClip, 4))
	insert := func(task *openvod.Task, since int) *openvod.Task {
		t.Helper()
		return must(s.TaskInsertOnce(ctx, task, at(since)))(t)
	}

	equal(t, "first", insert(older, 0), older)
	equal(t, "retry within the window", insert(retry, 1), older)
	_, err := s.TaskGet(ctx, app.ID, retry.ID)
	isErr(t, "get the retry", err, store.ErrNotFound)
	equal(t, "other type", insert(pull, 0), pull)
	equal(t, "other app", insert(foreign, 0), foreign)
	equal(t, "after the window", insert(newer, 2), newer)
	equal(t, "older kept", must(s.TaskGet(ctx, app.ID, older.ID))(t), older)
	equal(t, "retry of the newer", insert(withSession(newTask(app, "retry2", openvod.TaskClip, 6)), 2), newer)
	noSession := newTask(app, "no-session", openvod.TaskClip, 7)
	equal(t, "without a session", insert(noSession, 0), noSession)
	noSession2 := newTask(app, "no-session-2", openvod.TaskClip, 8)
	equal(t, "another without a session", insert(noSession2, 0), noSession2)
	_, err = s.TaskInsertOnce(ctx, newTask(app, noSession.ID, openvod.TaskClip, 9), at(0))
	isErr(t, "duplicate ID", err, store.ErrConflict)

	// A rolled-back insert does not take the SessionID.
	rolledBack := newTask(app, "rolled-back", openvod.TaskClip, 10)
	rolledBack.SessionID = "later"
	errRollback := errors.New("roll back")
	isErr(t, "rolled back", s.InTx(ctx, func(q store.Querier) error {
		equal(t, "in the transaction", must(q.TaskInsertOnce(ctx, rolledBack, at(0)))(t), rolledBack)
		return errRollback
	}), errRollback)
	committed := newTask(app, "committed", openvod.TaskClip, 11)
	committed.SessionID = "later"
	equal(t, "after a rollback", insert(committed, 0), committed)

	find := func(app *openvod.App, typ openvod.TaskType, session string, since time.Time) (*openvod.Task, error) {
		return s.TaskFindBySession(ctx, app.ID, typ, session, since)
	}
	equal(t, "find", must(find(app, openvod.TaskClip, "session", at(0)))(t), newer)
	equal(t, "find since its creation", must(find(app, openvod.TaskClip, "session", at(5)))(t), newer)
	equal(t, "find other type", must(find(app, openvod.TaskPullUpload, "session", at(0)))(t), pull)
	equal(t, "find other app", must(find(other, openvod.TaskClip, "session", at(0)))(t), foreign)
	for name, since := range map[string]time.Time{"after the newest": at(5).Add(time.Microsecond)} {
		_, err := find(app, openvod.TaskClip, "session", since)
		isErr(t, "find "+name, err, store.ErrNotFound)
	}
	for _, session := range []string{"unknown", ""} {
		_, err := find(app, openvod.TaskClip, session, at(0))
		isErr(t, "find session "+session, err, store.ErrNotFound)
	}
}

// testTaskInsertOnceConcurrent sends 20 retries of one request at once:
// one task is stored and every call returns it.
func testTaskInsertOnceConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const retries = 20
	app := newApp(t, s, "app")
	ids := make([]string, retries)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range retries {
		wg.Go(func() {
			task := newTask(app, fmt.Sprintf("retry%02d", i), openvod.TaskPullUpload, 1)
			task.SessionID = "once"
			<-start
			got, err := s.TaskInsertOnce(ctx, task, at(0))
			if err != nil {
				t.Errorf("retry %d: %v", i, err)
				return
			}
			ids[i] = got.ID
		})
	}
	close(start)
	wg.Wait()
	for i, id := range ids {
		if id != ids[0] {
			t.Errorf("retry %d got task %q, retry 0 got %q", i, id, ids[0])
		}
	}
	equal(t, "counts", must(s.TaskCountByStatus(ctx))(t),
		map[openvod.TaskStatus]int64{openvod.TaskWaiting: 1, openvod.TaskProcessing: 0, openvod.TaskFinish: 0})
}

func testTaskClaim(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	pull := newTask(app, "pull", openvod.TaskPullUpload, 0)
	clip1 := newTask(app, "clip1", openvod.TaskClip, 1)
	clip2 := newTask(app, "clip2", openvod.TaskClip, 2)
	clip3 := newTask(app, "clip3", openvod.TaskClip, 3)
	other := newTask(app, "other", "Transcode", 4)
	for _, task := range []*openvod.Task{clip3, other, clip1, pull, clip2} {
		noErr(t, "insert "+task.ID, s.TaskInsert(ctx, task))
	}
	claim := func(owner string, types []openvod.TaskType, now, lease, limit int) []*openvod.Task {
		t.Helper()
		return must(s.TaskClaim(ctx, &store.TaskClaimParams{
			Types: types, Owner: owner, Now: at(now), LeaseUntil: at(lease), Limit: limit,
		}))(t)
	}
	clips := []openvod.TaskType{openvod.TaskClip}

	clip1, clip2 = claimed(clip1, at(10)), claimed(clip2, at(10))
	equal(t, "first claim", claim("w1", clips, 10, 40, 2), []*openvod.Task{clip1, clip2})
	equal(t, "get claimed", must(s.TaskGet(ctx, app.ID, clip1.ID))(t), clip1)
	clip3 = claimed(clip3, at(20))
	equal(t, "second claim", claim("w2", clips, 20, 50, 10), []*openvod.Task{clip3})
	equal(t, "claim while leased", len(claim("w3", clips, 30, 60, 10)), 0)
	pull = claimed(pull, at(30))
	equal(t, "claim of two types", claim("w3", []openvod.TaskType{openvod.TaskPullUpload, openvod.TaskClip}, 30, 60, 10), []*openvod.Task{pull})
	equal(t, "claim without types", len(claim("w3", nil, 30, 60, 10)), 0)
	equal(t, "claim of zero tasks", len(claim("w3", []openvod.TaskType{"Transcode"}, 30, 60, 0)), 0)

	isErr(t, "extend another's lease", s.TaskExtendLease(ctx, clip1.ID, "w2", at(100)), store.ErrConflict)
	noErr(t, "extend lease", s.TaskExtendLease(ctx, clip1.ID, "w1", at(100)))
	isErr(t, "extend lease of missing task", s.TaskExtendLease(ctx, "missing", "w1", at(100)), store.ErrConflict)
	isErr(t, "set another's progress", s.TaskSetProgress(ctx, clip2.ID, "w2", 50), store.ErrConflict)
	noErr(t, "set progress", s.TaskSetProgress(ctx, clip2.ID, "w1", 50))
	clip2.Progress = 50
	equal(t, "get with progress", must(s.TaskGet(ctx, app.ID, clip2.ID))(t), clip2)

	result := &store.TaskFinishParams{ID: clip2.ID, Owner: "w1", Attempt: clip2.Attempts, ErrCode: 70000, Message: "failed",
		Output: []byte("{\"Out\": 1}"), FinishTime: at(45)}
	isErr(t, "finish another's task", s.TaskFinish(ctx, &store.TaskFinishParams{ID: clip2.ID, Owner: "w2", Attempt: clip2.Attempts}), store.ErrConflict)
	isErr(t, "finish by an earlier attempt", s.TaskFinish(ctx, &store.TaskFinishParams{ID: clip2.ID, Owner: "w1", Attempt: clip2.Attempts - 1}), store.ErrConflict)
	noErr(t, "finish", s.TaskFinish(ctx, result))
	clip2.Status, clip2.ErrCode, clip2.Message, clip2.Output, clip2.FinishTime =
		openvod.TaskFinish, result.ErrCode, result.Message, result.Output, result.FinishTime
	equal(t, "get finished", must(s.TaskGet(ctx, app.ID, clip2.ID))(t), clip2)
	isErr(t, "finish again", s.TaskFinish(ctx, result), store.ErrConflict)
	isErr(t, "set progress when finished", s.TaskSetProgress(ctx, clip2.ID, "w1", 60), store.ErrConflict)
	isErr(t, "extend lease when finished", s.TaskExtendLease(ctx, clip2.ID, "w1", at(200)), store.ErrConflict)

	equal(t, "claim at the lease end", len(claim("w4", clips, 50, 80, 10)), 0)
	clip3 = claimed(clip3, at(51))
	equal(t, "claim after the lease end", claim("w4", clips, 51, 80, 10), []*openvod.Task{clip3})
	isErr(t, "extend a lost lease", s.TaskExtendLease(ctx, clip3.ID, "w2", at(300)), store.ErrConflict)
	isErr(t, "set progress on a lost lease", s.TaskSetProgress(ctx, clip3.ID, "w2", 1), store.ErrConflict)
	equal(t, "counts", must(s.TaskCountByStatus(ctx))(t),
		map[openvod.TaskStatus]int64{openvod.TaskWaiting: 1, openvod.TaskProcessing: 3, openvod.TaskFinish: 1})

	noErr(t, "expire leases", s.ExpireLeases(ctx))
	pull, clip1, clip3 = claimed(pull, at(52)), claimed(clip1, at(52)), claimed(clip3, at(52))
	equal(t, "claim after expiry", claim("w5", []openvod.TaskType{openvod.TaskClip, openvod.TaskPullUpload}, 52, 90, 10),
		[]*openvod.Task{pull, clip1, clip3})
	equal(t, "attempts after expiry", []int64{pull.Attempts, clip1.Attempts, clip3.Attempts}, []int64{2, 2, 3})
	equal(t, "begin times after expiry", []time.Time{pull.BeginProcessTime, clip1.BeginProcessTime, clip3.BeginProcessTime},
		[]time.Time{at(30), at(10), at(20)})
	noErr(t, "new owner extends", s.TaskExtendLease(ctx, clip1.ID, "w5", at(95)))
	isErr(t, "old owner extends", s.TaskExtendLease(ctx, clip1.ID, "w1", at(95)), store.ErrConflict)
	equal(t, "counts at the end", must(s.TaskCountByStatus(ctx))(t),
		map[openvod.TaskStatus]int64{openvod.TaskWaiting: 1, openvod.TaskProcessing: 3, openvod.TaskFinish: 1})
}

func testTaskClaimSkipApps(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b, c := newApp(t, s, "a"), newApp(t, s, "b"), newApp(t, s, "c")
	a1, a2 := newTask(a, "a1", openvod.TaskPullUpload, 1), newTask(a, "a2", openvod.TaskPullUpload, 2)
	b1, c1 := newTask(b, "b1", openvod.TaskPullUpload, 3), newTask(c, "c1", openvod.TaskPullUpload, 4)
	for _, task := range []*openvod.Task{a1, a2, b1, c1} {
		noErr(t, "insert "+task.ID, s.TaskInsert(ctx, task))
	}
	claim := func(limit int, skip ...int64) []*openvod.Task {
		t.Helper()
		return must(s.TaskClaim(ctx, &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskPullUpload},
			Owner: "w", Now: at(10), LeaseUntil: at(40), Limit: limit, SkipApps: skip}))(t)
	}
	b1, c1 = claimed(b1, at(10)), claimed(c1, at(10))
	equal(t, "claim skipping a", claim(10, a.ID), []*openvod.Task{b1, c1})
	equal(t, "claim skipping every app with tasks", len(claim(10, a.ID, b.ID, c.ID)), 0)
	a1 = claimed(a1, at(10))
	equal(t, "claim skipping b and c", claim(1, b.ID, c.ID), []*openvod.Task{a1})
	a2 = claimed(a2, at(10))
	equal(t, "claim skipping none", claim(10), []*openvod.Task{a2})
}

func testTaskClaimConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const tasks, workers = 60, 8
	app := newApp(t, s, "app")
	for i := range tasks {
		noErr(t, "insert", s.TaskInsert(ctx, newTask(app, fmt.Sprintf("task%02d", i), openvod.TaskClip, i)))
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		owner = map[string]string{}
	)
	for w := range workers {
		wg.Go(func() {
			name := fmt.Sprintf("worker%d", w)
			for {
				got, err := s.TaskClaim(ctx, &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskClip},
					Owner: name, Now: at(1000), LeaseUntil: at(2000), Limit: 3})
				if err != nil {
					t.Errorf("%s: claim: %v", name, err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, task := range got {
					if prev, ok := owner[task.ID]; ok {
						t.Errorf("task %s leased to %s and %s", task.ID, prev, name)
					}
					owner[task.ID] = name
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	equal(t, "tasks claimed", len(owner), tasks)
	for id, name := range owner {
		noErr(t, "extend "+id+" by its owner "+name, s.TaskExtendLease(ctx, id, name, at(3000)))
	}
	equal(t, "counts", must(s.TaskCountByStatus(ctx))(t),
		map[openvod.TaskStatus]int64{openvod.TaskWaiting: 0, openvod.TaskProcessing: tasks, openvod.TaskFinish: 0})
}

// UpgradeSessionTasks checks migration 003 on tasks stored before it: exec
// runs a statement on a database migrated to version 2, then open opens the
// store on it, applying 003. Each SessionId is held by its newest task.
func UpgradeSessionTasks(t *testing.T, exec func(query string) error, open func() store.Store) {
	t.Helper()
	err := exec(`INSERT INTO app (id, name, create_time) VALUES (1, 'app', 0)`)
	if err == nil {
		err = exec(`INSERT INTO task (id, sub_app_id, type, status, err_code, message, progress, attempts, session_id, create_time)
VALUES ('t1', 1, 'Clip', 'WAITING', 0, '', 0, 0, 's', 10), ('t2', 1, 'Clip', 'WAITING', 0, '', 0, 0, 's', 20),
('t3', 1, 'Clip', 'WAITING', 0, '', 0, 0, 's', 20), ('t4', 1, 'PullUpload', 'WAITING', 0, '', 0, 0, 's', 5),
('t5', 1, 'Clip', 'WAITING', 0, '', 0, 0, '', 30)`)
	}
	noErr(t, "tasks before the upgrade", err)
	s := open()
	ctx := t.Context()
	since := time.UnixMicro(0)
	equal(t, "clip session", must(s.TaskFindBySession(ctx, 1, openvod.TaskClip, "s", since))(t).ID, "t3")
	equal(t, "pull session", must(s.TaskFindBySession(ctx, 1, openvod.TaskPullUpload, "s", since))(t).ID, "t4")
	retry := &openvod.Task{ID: "retry", SubAppID: 1, Type: openvod.TaskClip, SessionID: "s", CreateTime: time.UnixMicro(40)}
	equal(t, "retry", must(s.TaskInsertOnce(ctx, retry, since))(t).ID, "t3")
}

// MigrationsUpTo returns the migrations NNN_name.sql of dir numbered up to
// version, to build a database as an older binary left it.
func MigrationsUpTo(t *testing.T, dir string, version int) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for v := 1; v <= version; v++ {
		names, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("%03d_*.sql", v)))
		if len(names) != 1 {
			t.Fatalf("migration %d: %v", v, names)
		}
		body, err := os.ReadFile(names[0])
		if err != nil {
			t.Fatal(err)
		}
		fsys[filepath.Base(names[0])] = &fstest.MapFile{Data: body}
	}
	return fsys
}
