// Package eventlog appends events to the durable event log in the same
// transaction as the state change that causes them (an outbox), and after
// the commit hands new push deliveries to this server's dispatcher and
// wakes the app's waiting pullers.
package eventlog

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// Defaults for Log.
const (
	// PushLeaseDefault is how long the server that commits an event holds
	// its first push delivery before another server may take it.
	PushLeaseDefault = 30 * time.Second
	// RetryWindowDefault is how long a push is retried before the event
	// becomes pullable.
	RetryWindowDefault = 24 * time.Hour
)

// Log appends events. Its exported fields must be set before use.
type Log struct {
	Store       store.Store
	Hub         *Hub
	Owner       string        // this server's name in push leases
	PushLease   time.Duration // PushLeaseDefault when zero
	RetryWindow time.Duration // RetryWindowDefault when zero
	NowFunc     func() time.Time
}

// Emitter appends events inside one transaction.
type Emitter struct {
	log     *Log
	q       store.Querier
	now     time.Time
	configs map[int64]*openvod.EventConfig
	events  []*openvod.Event
}

// Tx runs fn in one durable transaction with an Emitter. The events fn
// emits are appended to the log when fn returns nil, in one insert, and
// handed on only when the transaction commits.
func (l *Log) Tx(ctx context.Context, fn func(q store.Querier, em *Emitter) error) error {
	var em *Emitter
	err := l.Store.InTx(ctx, func(q store.Querier) error {
		em = &Emitter{log: l, q: q, now: l.now(), configs: map[int64]*openvod.EventConfig{}}
		if err := fn(q, em); err != nil {
			return err
		}
		return q.EventInsert(ctx, em.events...)
	})
	if err == nil {
		l.Hub.Committed(em.events)
	}
	return err
}

func (l *Log) now() time.Time {
	if l.NowFunc != nil {
		return l.NowFunc()
	}
	return time.Now()
}

// Emit appends the event content for the app, unless the app's switch for
// that event type is OFF; the event is written when the transaction's fn
// returns. The event is pushed when the app is in PUSH mode with a URL,
// else pullable at once.
func (em *Emitter) Emit(ctx context.Context, subAppID int64, content *vodevent.EventContent) error {
	cfg, ok := em.configs[subAppID]
	if !ok {
		var err error
		if cfg, err = em.q.EventConfigGet(ctx, subAppID); err != nil {
			return err
		}
		em.configs[subAppID] = cfg
	}
	if !Enabled(cfg, content.EventType) {
		return nil
	}
	body, err := vodevent.Marshal(content)
	if err != nil {
		return fmt.Errorf("event %s: %w", content.EventType, err)
	}
	e := &openvod.Event{
		ID: NewEventID(), SubAppID: subAppID, Type: content.EventType, Body: body,
		CreateTime: em.now, State: openvod.EventPull, AvailableAt: em.now,
	}
	if Pushes(cfg) {
		e.State, e.Owner = openvod.EventPush, em.log.Owner
		e.AvailableAt = em.now.Add(cmp.Or(em.log.PushLease, PushLeaseDefault))
		e.PushDeadline = em.now.Add(cmp.Or(em.log.RetryWindow, RetryWindowDefault))
	}
	em.events = append(em.events, e)
	return nil
}

// Enabled reports whether the app's switches let an event of type typ be
// emitted. Task completions have no switch.
func Enabled(cfg *openvod.EventConfig, typ string) bool {
	switch typ {
	case vodevent.TypeNewFileUpload:
		return cfg.UploadMediaComplete
	case vodevent.TypeFileDeleted:
		return cfg.DeleteMediaComplete
	case vodevent.TypePersistenceComplete:
		return cfg.PersistenceComplete
	}
	return true
}

// Pushes reports whether the app's events are delivered by push.
func Pushes(cfg *openvod.EventConfig) bool {
	return cfg.Mode == openvod.EventModePush && cfg.NotificationURL != ""
}

// NewEventID returns a fresh event identity, also the Standard Webhooks
// webhook-id of its pushes.
func NewEventID() string { return "evt_" + openvod.RandomHex(16) }

// Window returns the push retry window.
func (l *Log) Window() time.Duration { return cmp.Or(l.RetryWindow, RetryWindowDefault) }
