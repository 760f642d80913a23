package storetest

import (
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// testTaskPriority checks that TaskClaim takes higher priorities first,
// then older tasks, and that a priority is stored and read back.
func testTaskPriority(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	prio := func(id string, created int, p int64) *openvod.Task {
		task := newTask(app, id, openvod.TaskProcedure, created)
		task.Priority = p
		return task
	}
	low, old, young, high, top := prio("low", 0, -10), prio("old", 1, 0), prio("young", 2, 0), prio("high", 3, 5), prio("top", 4, 10)
	for _, task := range []*openvod.Task{young, low, top, old, high} {
		noErr(t, "insert "+task.ID, s.TaskInsert(ctx, task))
	}
	equal(t, "get", must(s.TaskGet(ctx, app.ID, low.ID))(t), low)
	claim := func(now, limit int) []*openvod.Task {
		t.Helper()
		return must(s.TaskClaim(ctx, &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskProcedure},
			Owner: "w", Now: at(now), LeaseUntil: at(now + 30), Limit: limit}))(t)
	}
	top, high = claimed(top, at(10)), claimed(high, at(10))
	equal(t, "first claim", claim(10, 2), []*openvod.Task{top, high})
	old, young, low = claimed(old, at(11)), claimed(young, at(11)), claimed(low, at(11))
	equal(t, "second claim", claim(11, 10), []*openvod.Task{old, young, low})
}

// testTaskSetState checks that only the holder of a task's lease, in its
// attempt, records its State, which TaskGet and a later claim return.
func testTaskSetState(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, "app")
	task := newTask(app, "flow", openvod.TaskProcedure, 0)
	isErr(t, "set state of a waiting task", s.TaskSetState(ctx, task.ID, "w1", 0, []byte("{}")), store.ErrConflict)
	noErr(t, "insert", s.TaskInsert(ctx, task))
	isErr(t, "set state of an unclaimed task", s.TaskSetState(ctx, task.ID, "", 0, []byte("{}")), store.ErrConflict)
	claim := func(owner string, now int) []*openvod.Task {
		t.Helper()
		return must(s.TaskClaim(ctx, &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskProcedure},
			Owner: owner, Now: at(now), LeaseUntil: at(now + 30), Limit: 1}))(t)
	}
	task = claimed(task, at(10))
	equal(t, "claim", claim("w1", 10), []*openvod.Task{task})
	state := []byte(`{"Done":[1, "é"]}`)
	isErr(t, "set state by another owner", s.TaskSetState(ctx, task.ID, "w2", 1, state), store.ErrConflict)
	isErr(t, "set state by another attempt", s.TaskSetState(ctx, task.ID, "w1", 2, state), store.ErrConflict)
	isErr(t, "set state of a missing task", s.TaskSetState(ctx, "missing", "w1", 1, state), store.ErrConflict)
	noErr(t, "set state", s.TaskSetState(ctx, task.ID, "w1", 1, state))
	task.State = state
	equal(t, "get with state", must(s.TaskGet(ctx, app.ID, task.ID))(t), task)

	// The next attempt (the lease ended) gets the state, and the first
	// attempt can no longer write it.
	task = claimed(task, at(41))
	equal(t, "claim after the lease end", claim("w2", 41), []*openvod.Task{task})
	isErr(t, "set state by the lost attempt", s.TaskSetState(ctx, task.ID, "w1", 1, []byte("{}")), store.ErrConflict)
	next := []byte(`{"Done":[1,2]}`)
	noErr(t, "set state in the next attempt", s.TaskSetState(ctx, task.ID, "w2", 2, next))
	noErr(t, "finish", s.TaskFinish(ctx, &store.TaskFinishParams{ID: task.ID, Owner: "w2", Attempt: 2, FinishTime: at(50)}))
	isErr(t, "set state when finished", s.TaskSetState(ctx, task.ID, "w2", 2, state), store.ErrConflict)
	task.State, task.Status, task.FinishTime = next, openvod.TaskFinish, at(50)
	equal(t, "get finished", must(s.TaskGet(ctx, app.ID, task.ID))(t), task)
}
