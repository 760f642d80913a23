package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/store"
)

// discardTimeout bounds the deletion of an abandoned attempt's object.
const discardTimeout = 30 * time.Second

// discardAttempt deletes the object of an attempt that did not and will
// not commit it (it stopped, or lost its lease). It runs even when ctx is
// cancelled; an object it cannot delete is left to the janitor.
func discardAttempt(ctx context.Context, blobs blob.Bucket, key string, log *slog.Logger) {
	if key == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discardTimeout)
	defer cancel()
	if err := blobs.Delete(ctx, key); err != nil {
		log.Warn("an abandoned attempt's object is left to the janitor", "key", key, "err", err)
	}
}

// commitAttempt runs fn, which stores the attempt's results and finishes
// its task, in one transaction of events. When fn fails (its lease was
// lost, say) nothing commits and the attempt's object under key is
// deleted; when only the commit fails, the transaction may have committed,
// so the object is left to the janitor.
func commitAttempt(ctx context.Context, events Transactor, blobs blob.Bucket, key string, log *slog.Logger,
	fn func(q store.Querier, em *eventlog.Emitter) error) error {
	var fnErr error
	err := events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		fnErr = fn(q, em)
		return fnErr
	})
	if fnErr != nil {
		discardAttempt(ctx, blobs, key, log)
	}
	return err
}
