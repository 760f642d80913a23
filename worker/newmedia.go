package worker

import (
	"context"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/store"
)

// commitMedia makes the media record of the attempt's object (p names it)
// and commits it in one transaction of events: it inserts the record,
// starts the task flow proc on it (none when nil) at now(), calls finish
// with the record and the flow's task ID ("" for none) to finish the task
// and emit its event, then emits the record's NewFileUpload naming the
// flow. A record it cannot make discards the attempt; otherwise it commits
// as attempt.commit does.
func (a *attempt) commitMedia(ctx context.Context, svc *media.Service, events Transactor, p media.NewMediaParams,
	proc *proctask.Input, now func() time.Time,
	finish func(q store.Querier, em *eventlog.Emitter, m *openvod.Media, procID string) error) error {
	m, err := svc.NewMedia(ctx, p)
	if err != nil {
		return a.discard(ctx, err)
	}
	return a.commit(ctx, events, func(q store.Querier, em *eventlog.Emitter) error {
		if err := q.MediaInsert(ctx, m); err != nil {
			return err
		}
		procID, err := proctask.Start(ctx, q, proc, m, now())
		if err != nil {
			return err
		}
		if err := finish(q, em, m, procID); err != nil {
			return err
		}
		ev := svc.UploadEvent(m)
		ev.FileUploadEvent.ProcedureTaskId = procID
		return em.Emit(ctx, m.SubAppID, ev)
	})
}
