// Package queue runs durable tasks stored in the metadata store. A task is
// claimed under a lease that a heartbeat keeps alive; a task whose worker
// died (its lease ran out) is claimed again, so an accepted task is never
// lost. The number of tasks running at once is bounded, and so is the
// number one app may run (Config.PerApp), so that one app's stalled tasks
// never hold every worker.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// Defaults for Config.
const (
	LeaseDurationDefault = 30 * time.Second
	PollIntervalDefault  = time.Second
	WorkersDefault       = 4
	MaxAttemptsDefault   = 5
	RetryDelayDefault    = 5 * time.Second
)

// Handler runs tasks of one type.
type Handler interface {
	// Run does the task and finishes it with Lease.Finish, inside the
	// transaction that commits the task's results. Returning an error (or
	// panicking) means "try again later"; the task keeps its state.
	Run(ctx context.Context, t *openvod.Task, l *Lease) error
	// GiveUp finishes a task that failed MaxAttempts times, with cause.
	GiveUp(ctx context.Context, t *openvod.Task, l *Lease, cause error) error
}

// Config configures a Runner. Zero values take the defaults.
type Config struct {
	Store    store.Store
	Handlers map[openvod.TaskType]Handler
	// Owner names this process in leases; it must be unique per process.
	Owner   string
	Workers int
	// PerApp bounds the tasks of one app this runner runs at once; the
	// default, Workers-1 (at least 1), keeps a worker for the other apps.
	PerApp        int
	LeaseDuration time.Duration
	PollInterval  time.Duration
	MaxAttempts   int64
	RetryDelay    time.Duration
	Logger        *slog.Logger
	NowFunc       func() time.Time
}

// Runner claims and runs tasks until its context ends.
type Runner struct {
	cfg   Config
	types []openvod.TaskType
	wake  chan struct{}
	slots chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	running map[int64]int // tasks running per app
}

// New returns a Runner for cfg.
func New(cfg Config) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = WorkersDefault
	}
	if cfg.PerApp <= 0 {
		cfg.PerApp = max(1, cfg.Workers-1)
	}
	if cfg.LeaseDuration <= 0 {
		cfg.LeaseDuration = LeaseDurationDefault
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = PollIntervalDefault
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = MaxAttemptsDefault
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = RetryDelayDefault
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{cfg: cfg, wake: make(chan struct{}, 1), slots: make(chan struct{}, cfg.Workers), running: map[int64]int{}}
	for typ := range cfg.Handlers {
		r.types = append(r.types, typ)
	}
	return r
}

// Wake makes the runner look for tasks now. It never blocks.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs tasks until ctx ends, then waits for running tasks.
func (r *Runner) Run(ctx context.Context) {
	defer r.wg.Wait()
	ticker := time.NewTicker(r.cfg.PollInterval)
	defer ticker.Stop()
	for {
		r.claimAndStart(ctx)
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-ticker.C:
		}
	}
}

// claimAndStart fills the free worker slots with claimed tasks, skipping
// apps that run PerApp tasks already.
func (r *Runner) claimAndStart(ctx context.Context) {
	for {
		free := cap(r.slots) - len(r.slots)
		if free == 0 || ctx.Err() != nil {
			return
		}
		skip, limit := r.appLimits(free)
		now := r.cfg.NowFunc()
		tasks, err := r.cfg.Store.TaskClaim(ctx, &store.TaskClaimParams{
			Types: r.types, Owner: r.cfg.Owner, Now: now, LeaseUntil: now.Add(r.cfg.LeaseDuration), Limit: limit,
			SkipApps: skip,
		})
		if err != nil {
			if ctx.Err() == nil {
				r.cfg.Logger.Error("task claim failed", "err", err)
			}
			return
		}
		if len(tasks) == 0 {
			return
		}
		for _, t := range tasks {
			r.slots <- struct{}{}
			r.wg.Add(1)
			r.countApp(t.SubAppID, 1)
			go func() {
				defer func() { r.countApp(t.SubAppID, -1); <-r.slots; r.wg.Done(); r.Wake() }()
				r.runOne(ctx, t)
			}()
		}
	}
}

// appLimits returns the apps at their PerApp cap, and how many tasks one
// claim may take so that no other app goes over it: free, or less when an
// app runs tasks already.
func (r *Runner) appLimits(free int) (skip []int64, limit int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	limit = min(free, r.cfg.PerApp)
	for app, n := range r.running {
		if n >= r.cfg.PerApp {
			skip = append(skip, app)
		} else {
			limit = min(limit, r.cfg.PerApp-n)
		}
	}
	slices.Sort(skip)
	return skip, limit
}

func (r *Runner) countApp(app int64, delta int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[app] += delta; r.running[app] == 0 {
		delete(r.running, app)
	}
}

// runOne runs a claimed task with a lease heartbeat.
func (r *Runner) runOne(ctx context.Context, t *openvod.Task) {
	ctx, cancel := context.WithCancel(ctx)
	beating := make(chan struct{})
	go func() { defer close(beating); r.heartbeat(ctx, cancel, t.ID) }()
	// The heartbeat ends with the task: once Run returns, no lease
	// extension is still using the store.
	defer func() { cancel(); <-beating }()
	l := &Lease{runner: r, taskID: t.ID, attempt: t.Attempts}

	h := r.cfg.Handlers[t.Type]
	log := r.cfg.Logger.With("task_id", t.ID, "task_type", t.Type, "attempt", t.Attempts)
	err := runHandler(log, func() error {
		if t.Attempts > r.cfg.MaxAttempts {
			return h.GiveUp(ctx, t, l, fmt.Errorf("the task failed or was interrupted %d times", t.Attempts-1))
		}
		return h.Run(ctx, t, l)
	})
	if err == nil || ctx.Err() != nil {
		return
	}
	log.Warn("task failed; it will be retried", "err", err)
	retryAt := r.cfg.NowFunc().Add(r.cfg.RetryDelay)
	if err := r.cfg.Store.TaskExtendLease(ctx, t.ID, r.cfg.Owner, retryAt); err != nil && !errors.Is(err, store.ErrConflict) {
		log.Error("task retry not scheduled", "err", err)
	}
}

// runHandler calls run; a panic in it becomes its error, logged with the
// stack, so that one task's bug fails that attempt and not the process.
func runHandler(log *slog.Logger, run func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("task handler panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("the task handler panicked: %v", p)
		}
	}()
	return run()
}

// heartbeat extends the lease until ctx ends; a lost lease cancels the task.
func (r *Runner) heartbeat(ctx context.Context, cancel context.CancelFunc, id string) {
	ticker := time.NewTicker(r.cfg.LeaseDuration / 3)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			err := r.cfg.Store.TaskExtendLease(ctx, id, r.cfg.Owner, r.cfg.NowFunc().Add(r.cfg.LeaseDuration))
			if errors.Is(err, store.ErrConflict) {
				r.cfg.Logger.Warn("task lease lost; stopping it", "task_id", id)
				cancel()
				return
			}
			if err != nil && ctx.Err() == nil {
				r.cfg.Logger.Error("task lease not extended", "task_id", id, "err", err)
			}
		}
	}
}

// Lease is a running task's hold on it.
type Lease struct {
	runner  *Runner
	taskID  string
	attempt int64 // the task's Attempts when claimed
}

// SetProgress records the task's progress (0-100).
func (l *Lease) SetProgress(ctx context.Context, progress int64) error {
	return l.runner.cfg.Store.TaskSetProgress(ctx, l.taskID, l.runner.cfg.Owner, progress)
}

// SetState records the task's State using q, normally inside the
// transaction that stores the results it names. It returns
// store.ErrConflict when the lease was lost (or a later attempt holds it).
func (l *Lease) SetState(ctx context.Context, q store.Querier, state []byte) error {
	return q.TaskSetState(ctx, l.taskID, l.runner.cfg.Owner, l.attempt, state)
}

// Finish marks the task FINISH using q, normally inside the transaction
// that stores the task's results. It returns store.ErrConflict when the
// lease was lost, so that the transaction rolls back.
func (l *Lease) Finish(ctx context.Context, q store.Querier, errCode int64, message string, output []byte) error {
	return q.TaskFinish(ctx, &store.TaskFinishParams{
		ID: l.taskID, Owner: l.runner.cfg.Owner, Attempt: l.attempt, ErrCode: errCode, Message: message,
		Output: output, FinishTime: l.runner.cfg.NowFunc(),
	})
}
