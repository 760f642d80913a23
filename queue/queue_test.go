package queue_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
)

// onStores runs test on a SQLite file and on a PostgreSQL schema.
func onStores(t *testing.T, test func(t *testing.T, st store.Store)) {
	t.Parallel()
	storetest.OnBackends(t, test)
}

// clock is an injected clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// handler runs and gives up tasks with the functions given; a nil GiveUp
// finishes the task with ErrCode 1 and the cause as message.
type handler struct {
	run     func(ctx context.Context, t *openvod.Task, l *queue.Lease) error
	giveUps atomic.Int64
	st      store.Store
}

func (h *handler) Run(ctx context.Context, t *openvod.Task, l *queue.Lease) error {
	return h.run(ctx, t, l)
}

func (h *handler) GiveUp(ctx context.Context, t *openvod.Task, l *queue.Lease, cause error) error {
	h.giveUps.Add(1)
	return l.Finish(ctx, h.st, 1, cause.Error(), nil)
}

// setup inserts one task per entry of apps (the app of each, in order, one
// second apart) and returns them with a runner config using h.
func setup(t *testing.T, st store.Store, h *handler, apps ...string) ([]*openvod.Task, queue.Config) {
	t.Helper()
	h.st = st
	ctx := t.Context()
	ids := map[string]int64{}
	var tasks []*openvod.Task
	for i, name := range apps {
		if _, ok := ids[name]; !ok {
			app, err := st.AppCreate(ctx, name, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			ids[name] = app.ID
		}
		task := &openvod.Task{ID: fmt.Sprintf("task%02d-%s", i, name), SubAppID: ids[name], Type: openvod.TaskPullUpload,
			Status: openvod.TaskWaiting, Input: []byte("{}"), CreateTime: time.Unix(int64(i), 0).UTC()}
		if err := st.TaskInsert(ctx, task); err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, task)
	}
	return tasks, queue.Config{
		Store: st, Owner: "runner", Handlers: map[openvod.TaskType]queue.Handler{openvod.TaskPullUpload: h},
		PollInterval: 10 * time.Millisecond, RetryDelay: time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	}
}

// start runs r until the test ends; stop cancels it and waits for Run.
func start(t *testing.T, r *queue.Runner) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	stop = sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func getTask(t *testing.T, st store.Store, task *openvod.Task) *openvod.Task {
	t.Helper()
	got, err := st.TaskGet(context.Background(), task.SubAppID, task.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func finished(t *testing.T, st store.Store, tasks ...*openvod.Task) func() bool {
	return func() bool {
		for _, task := range tasks {
			if getTask(t, st, task).Status != openvod.TaskFinish {
				return false
			}
		}
		return true
	}
}

func succeed(ctx context.Context, st store.Store, l *queue.Lease) error {
	return l.Finish(ctx, st, 0, "SUCCESS", nil)
}

// TestRunBoundsWorkers runs six tasks with two workers: each runs once, never
// more than two at once, and all finish.
func TestRunBoundsWorkers(t *testing.T) {
	onStores(t, func(t *testing.T, st store.Store) {
		var running, most atomic.Int64
		runs := sync.Map{}
		h := &handler{}
		h.run = func(ctx context.Context, task *openvod.Task, l *queue.Lease) error {
			n := running.Add(1)
			defer running.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			if _, again := runs.LoadOrStore(task.ID, true); again {
				t.Errorf("task %s ran twice", task.ID)
			}
			time.Sleep(30 * time.Millisecond)
			return succeed(ctx, h.st, l)
		}
		tasks, cfg := setup(t, st, h, "a", "b", "c", "a", "b", "c")
		cfg.Workers = 2
		start(t, queue.New(cfg))
		waitFor(t, "every task to finish", finished(t, st, tasks...))
		if most.Load() != 2 {
			t.Fatalf("at most %d tasks ran at once, want 2", most.Load())
		}
		for _, task := range tasks {
			if got := getTask(t, st, task); got.ErrCode != 0 || got.Message != "SUCCESS" || got.Attempts != 1 {
				t.Errorf("task %s = code %d %q after %d attempts", task.ID, got.ErrCode, got.Message, got.Attempts)
			}
		}
	})
}

// TestPerAppCap: four tasks of app a that never end occupy three of four
// workers; the task of app b, queued after them, runs in the fourth.
func TestPerAppCap(t *testing.T) {
	onStores(t, func(t *testing.T, st store.Store) {
		var runningA atomic.Int64
		release := make(chan struct{})
		h := &handler{}
		h.run = func(ctx context.Context, task *openvod.Task, l *queue.Lease) error {
			if strings.HasSuffix(task.ID, "-a") {
				runningA.Add(1)
				select {
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return succeed(ctx, h.st, l)
		}
		tasks, cfg := setup(t, st, h, "a", "a", "a", "a", "b")
		cfg.Workers = 4
		start(t, queue.New(cfg))
		waitFor(t, "the task of app b to finish", finished(t, st, tasks[4]))
		if n := runningA.Load(); n != 3 {
			t.Fatalf("%d tasks of app a ran, want 3 (Workers-1)", n)
		}
		close(release)
		waitFor(t, "every task to finish", finished(t, st, tasks...))
	})
}

// TestLeaseLost: a runner whose lease ran out (its clock stands still, so
// its heartbeat cannot keep up) loses the task to another owner; the first
// runner's handler is cancelled and its Finish fails with ErrConflict.
func TestLeaseLost(t *testing.T) {
	onStores(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		finishErr := make(chan error, 1)
		h := &handler{}
		h.run = func(ctx context.Context, task *openvod.Task, l *queue.Lease) error {
			<-ctx.Done()
			finishErr <- succeed(context.Background(), h.st, l)
			return ctx.Err()
		}
		tasks, cfg := setup(t, st, h, "a")
		cfg.NowFunc, cfg.LeaseDuration = clk.Now, 300*time.Millisecond
		start(t, queue.New(cfg))
		waitFor(t, "the task to be claimed", func() bool { return getTask(t, st, tasks[0]).Status == openvod.TaskProcessing })

		taken, err := st.TaskClaim(t.Context(), &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskPullUpload},
			Owner: "other", Now: clk.Now().Add(time.Second), LeaseUntil: clk.Now().Add(time.Hour), Limit: 1})
		if err != nil || len(taken) != 1 {
			t.Fatalf("claim after the lease ended = %v, %v; want the task", taken, err)
		}
		select {
		case err := <-finishErr:
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("Finish after the lease was lost = %v, want ErrConflict", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the handler was not cancelled after its lease was lost")
		}
		got := getTask(t, st, tasks[0])
		if got.Status != openvod.TaskProcessing || got.Attempts != 2 {
			t.Fatalf("task = %s after %d attempts, want PROCESSING (the other owner's) after 2", got.Status, got.Attempts)
		}
		if err := st.TaskFinish(t.Context(), &store.TaskFinishParams{ID: got.ID, Owner: "other", Attempt: got.Attempts, FinishTime: clk.Now()}); err != nil {
			t.Fatalf("the new owner cannot finish: %v", err)
		}
	})
}

// TestHeartbeatExtendsLease: while a task runs, the heartbeat moves its
// lease to the clock's now plus the lease duration, so another owner
// cannot claim it where the first lease would have ended.
func TestHeartbeatExtendsLease(t *testing.T) {
	onStores(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		t0 := clk.Now()
		release := make(chan struct{})
		h := &handler{}
		h.run = func(ctx context.Context, task *openvod.Task, l *queue.Lease) error {
			<-release
			return succeed(ctx, h.st, l)
		}
		tasks, cfg := setup(t, st, h, "a")
		cfg.NowFunc, cfg.LeaseDuration = clk.Now, 600*time.Millisecond
		start(t, queue.New(cfg))
		waitFor(t, "the task to be claimed", func() bool { return getTask(t, st, tasks[0]).Status == openvod.TaskProcessing })
		clk.Add(400 * time.Millisecond)
		time.Sleep(500 * time.Millisecond) // two heartbeats (every 200 ms)

		// The first lease ended at t0+600ms; the heartbeat moved it to t0+1s.
		taken, err := st.TaskClaim(t.Context(), &store.TaskClaimParams{Types: []openvod.TaskType{openvod.TaskPullUpload},
			Owner: "other", Now: t0.Add(800 * time.Millisecond), LeaseUntil: t0.Add(time.Hour), Limit: 1})
		if err != nil || len(taken) != 0 {
			t.Fatalf("claim past the first lease = %d tasks, %v; want none (the heartbeat extended it)", len(taken), err)
		}
		close(release)
		waitFor(t, "the task to finish", finished(t, st, tasks...))
		if got := getTask(t, st, tasks[0]); got.Attempts != 1 || got.ErrCode != 0 {
			t.Fatalf("task = code %d after %d attempts, want 0 after 1", got.ErrCode, got.Attempts)
		}
	})
}

// TestRetryDelay: a failed attempt is not run again before RetryDelay has
// passed on the runner's clock, and is run again after it.
func TestRetryDelay(t *testing.T) {
	onStores(t, func(t *testing.T, st store.Store) {
		clk := newClock()
		var runs atomic.Int64
		h := &handler{}
		h.run = func(ctx context.Context, task *openvod.Task, l *queue.Lease) error {
			if runs.Add(1) == 1 {
				return errors.New("the first attempt fails")
			}
			return succeed(ctx, h.st, l)
		}
		tasks, cfg := setup(t, st, h, "a")
		// The lease outlasts the test, so only the retry delay can end it.
		cfg.NowFunc, cfg.LeaseDuration, cfg.RetryDelay = clk.Now, time.Hour, time.Minute
		start(t, queue.New(cfg))
		waitFor(t, "the first attempt", func() bool { return runs.Load() == 1 })
		clk.Add(30 * time.Second)
		time.Sleep(300 * time.Millisecond) // many polls
		if n := runs.Load(); n != 1 {
			t.Fatalf("%d attempts before RetryDelay passed, want 1", n)
		}
		clk.Add(31 * time.Second)
		waitFor(t, "the retry to finish the task", finished(t, st, tasks...))
		if got := getTask(t, st, tasks[0]); got.Attempts != 2 || got.ErrCode != 0 || runs.Load() != 2 {
			t.Fatalf("task = code %d after %d attempts (%d runs), want 0 after 2", got.ErrCode, got.Attempts, runs.Load())
		}
	})
}

// TestGiveUp: a task whose handler fails every attempt, by an error or a
// panic, is retried and given up after MaxAttempts runs, with a cause
// saying so; a panic is logged with its stack and the process goes on.
func TestGiveUp(t *testing.T) {
	t.Parallel()
	for name, fail := range map[string]func() error{
		"error": func() error { return errors.New("always fails") },
		"panic": func() error {
			var m map[string]int
			m["boom"]++ // assignment to a nil map panics
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			onStores(t, func(t *testing.T, st store.Store) {
				var runs atomic.Int64
				h := &handler{}
				h.run = func(ctx context.Context, task *openvod.Task, l *queue.Lease) error {
					runs.Add(1)
					return fail()
				}
				tasks, cfg := setup(t, st, h, "a")
				var log openvodtest.SyncBuffer
				cfg.MaxAttempts, cfg.Logger = 3, slog.New(slog.NewTextHandler(&log, nil))
				start(t, queue.New(cfg))
				waitFor(t, "the task to be given up", finished(t, st, tasks...))
				if runs.Load() != 3 || h.giveUps.Load() != 1 {
					t.Fatalf("%d runs and %d give-ups, want 3 and 1", runs.Load(), h.giveUps.Load())
				}
				got := getTask(t, st, tasks[0])
				want := "the task failed or was interrupted 3 times"
				if got.Attempts != 4 || got.ErrCode != 1 || got.Message != want {
					t.Fatalf("task = code %d %q after %d attempts, want 1 %q after 4", got.ErrCode, got.Message, got.Attempts, want)
				}
				out := log.String()
				if n := strings.Count(out, `msg="task handler panicked"`); name == "panic" && n != 3 || name == "error" && n != 0 {
					t.Fatalf("%d panics logged for the %s handler:\n%s", n, name, out)
				}
				if name == "panic" && (!strings.Contains(out, "assignment to entry in nil map") || !strings.Contains(out, "queue_test.go")) {
					t.Fatalf("the log lacks the panic value or its stack:\n%s", out)
				}
			})
		})
	}
}

// TestShutdownWaits: Run returns after its context ends, once the running
// tasks have returned.
func TestShutdownWaits(t *testing.T) {
	onStores(t, func(t *testing.T, st store.Store) {
		var returned atomic.Bool
		h := &handler{}
		h.run = func(ctx context.Context, task *openvod.Task, l *queue.Lease) error {
			<-ctx.Done()
			time.Sleep(200 * time.Millisecond) // cleaning up
			returned.Store(true)
			return ctx.Err()
		}
		tasks, cfg := setup(t, st, h, "a", "b")
		stop := start(t, queue.New(cfg))
		waitFor(t, "both tasks to be claimed", func() bool {
			return getTask(t, st, tasks[0]).Status == openvod.TaskProcessing && getTask(t, st, tasks[1]).Status == openvod.TaskProcessing
		})
		began := time.Now()
		stop()
		if !returned.Load() {
			t.Fatal("Run returned before its running tasks")
		}
		if d := time.Since(began); d > 5*time.Second {
			t.Fatalf("Run took %v to return after cancel", d)
		}
		for _, task := range tasks {
			if got := getTask(t, st, task); got.Status != openvod.TaskProcessing || got.Attempts != 1 {
				t.Fatalf("task %s = %s after %d attempts, want PROCESSING after 1 (redone when its lease ends)", task.ID, got.Status, got.Attempts)
			}
		}
	})
}
