// Package queue runs durable tasks stored in the metadata store. A task is
// claimed under a lease that a heartbeat keeps alive; a task whose worker
// died (its lease ran out) is claimed again, so an accepted task is never
// lost. The number of tasks running at once is bounded.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	// transaction that commits the task's results. Returning an error
	// means "try again later"; the task keeps its state.
	Run(ctx context.Context, t *openvod.Task, l *Lease) error
	// GiveUp finishes a task that failed MaxAttempts times, with cause.
	GiveUp(ctx context.Context, t *openvod.Task, l *Lease, cause error) error
}

// Config configures a Runner. Zero values take the defaults.
type Config struct {
	Store    store.Store
	Handlers map[openvod.TaskType]Handler
	// Owner names this process in leases; it must be unique per process.
	Owner         string
	Workers       int
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
}

// New returns a Runner for cfg.
func New(cfg Config) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = WorkersDefault
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
	r := &Runner{cfg: cfg, wake: make(chan struct{}, 1), slots: make(chan struct{}, cfg.Workers)}
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

// claimAndStart fills the free worker slots with claimed tasks.
func (r *Runner) claimAndStart(ctx context.Context) {
	for {
		free := cap(r.slots) - len(r.slots)
		if free == 0 || ctx.Err() != nil {
			return
		}
		now := r.cfg.NowFunc()
		tasks, err := r.cfg.Store.TaskClaim(ctx, &store.TaskClaimParams{
			Types: r.types, Owner: r.cfg.Owner, Now: now, LeaseUntil: now.Add(r.cfg.LeaseDuration), Limit: free,
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
			go func() {
				defer func() { <-r.slots; r.wg.Done(); r.Wake() }()
				r.runOne(ctx, t)
			}()
		}
	}
}

// runOne runs a claimed task with a lease heartbeat.
func (r *Runner) runOne(ctx context.Context, t *openvod.Task) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l := &Lease{runner: r, taskID: t.ID}
	go r.heartbeat(ctx, cancel, t.ID)

	h := r.cfg.Handlers[t.Type]
	log := r.cfg.Logger.With("task_id", t.ID, "task_type", t.Type, "attempt", t.Attempts)
	var err error
	if t.Attempts > r.cfg.MaxAttempts {
		err = h.GiveUp(ctx, t, l, fmt.Errorf("the task was interrupted %d times", t.Attempts-1))
	} else {
		err = h.Run(ctx, t, l)
	}
	if err == nil || ctx.Err() != nil {
		return
	}
	log.Warn("task failed; it will be retried", "err", err)
	retryAt := r.cfg.NowFunc().Add(r.cfg.RetryDelay)
	if err := r.cfg.Store.TaskExtendLease(ctx, t.ID, r.cfg.Owner, retryAt); err != nil && !errors.Is(err, store.ErrConflict) {
		log.Error("task retry not scheduled", "err", err)
	}
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
	runner *Runner
	taskID string
}

// SetProgress records the task's progress (0-100).
func (l *Lease) SetProgress(ctx context.Context, progress int64) error {
	return l.runner.cfg.Store.TaskSetProgress(ctx, l.taskID, l.runner.cfg.Owner, progress)
}

// Finish marks the task FINISH using q, normally inside the transaction
// that stores the task's results. It returns store.ErrConflict when the
// lease was lost, so that the transaction rolls back.
func (l *Lease) Finish(ctx context.Context, q store.Querier, errCode int64, message string, output []byte) error {
	return q.TaskFinish(ctx, &store.TaskFinishParams{
		ID: l.taskID, Owner: l.runner.cfg.Owner, ErrCode: errCode, Message: message,
		Output: output, FinishTime: l.runner.cfg.NowFunc(),
	})
}
