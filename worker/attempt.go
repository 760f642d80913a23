package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/store"
)

// cleanupTimeout bounds the deletions of objects no attempt will commit.
const cleanupTimeout = 30 * time.Second

// attempt is one run of a task that writes its output: it writes its own
// object (openvod.AttemptKey of the task's output key and attempt number),
// never one another attempt wrote or committed.
type attempt struct {
	blobs  blob.Bucket
	log    *slog.Logger
	output string // the task's output key, from its input
	n      int64  // the attempt's number, Task.Attempts
}

// newAttempt returns the attempt task t is on. output is the output key in
// t's input (t.OutputKey is empty on tasks accepted before it existed).
func newAttempt(blobs blob.Bucket, log *slog.Logger, t *openvod.Task, output string) *attempt {
	return &attempt{blobs: blobs, log: log, output: output, n: t.Attempts}
}

// key returns the object this attempt writes.
func (a *attempt) key() string { return openvod.AttemptKey(a.output, a.n) }

// discard deletes this attempt's object, which it did not and will not
// commit (it stopped, or lost its lease), and returns err. It runs even
// when ctx is cancelled; an object it cannot delete is left to the janitor.
func (a *attempt) discard(ctx context.Context, err error) error {
	a.delete(ctx, a.key())
	return err
}

// commit runs fn, which stores the attempt's results and finishes its task,
// in one transaction of events. When fn fails (its lease was lost, say)
// nothing commits and the attempt's object is deleted; when only the
// commit fails, the transaction may have committed, so the object is left
// to the janitor. Once the task is finished no earlier attempt can commit,
// so their objects (and the output key itself, written by attempts before
// attempt keys) are deleted then.
func (a *attempt) commit(ctx context.Context, events Transactor, fn func(q store.Querier, em *eventlog.Emitter) error) error {
	var fnErr error
	err := events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		fnErr = fn(q, em)
		return fnErr
	})
	switch {
	case fnErr != nil:
		a.delete(ctx, a.key())
	case err == nil:
		a.delete(ctx, a.output)
		for n := int64(1); n < a.n; n++ {
			a.delete(ctx, openvod.AttemptKey(a.output, n))
		}
	}
	return err
}

// delete removes the object under key, logging a failure.
func (a *attempt) delete(ctx context.Context, key string) {
	if key == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := a.blobs.Delete(ctx, key); err != nil {
		a.log.Warn("an object no attempt will commit is left to the janitor", "key", key, "err", err)
	}
}
