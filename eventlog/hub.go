package eventlog

import (
	"sync"

	"github.com/openvod/openvod"
)

// Hub passes committed events on within one server: push deliveries this
// server holds go to PushFunc, and the app's waiting pullers are woken.
// Other servers learn of events through the store (PostgreSQL NOTIFY, or
// the end of a push lease). It is safe for concurrent use.
type Hub struct {
	// PushFunc receives push deliveries this server holds; set it before
	// events are committed.
	PushFunc func(events []*openvod.Event)

	mu      sync.Mutex
	waiters map[int64]chan struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{waiters: map[int64]chan struct{}{}} }

// Committed hands on the events of a committed transaction.
func (h *Hub) Committed(events []*openvod.Event) {
	var push []*openvod.Event
	for _, e := range events {
		if e.State == openvod.EventPush {
			push = append(push, e)
		} else {
			h.Notify(e.SubAppID)
		}
	}
	if len(push) > 0 && h.PushFunc != nil {
		h.PushFunc(push)
	}
}

// Notify wakes everyone waiting for the app's events.
func (h *Hub) Notify(subAppID int64) {
	h.mu.Lock()
	ch, ok := h.waiters[subAppID]
	delete(h.waiters, subAppID)
	h.mu.Unlock()
	if ok {
		close(ch)
	}
}

// Wait returns a channel closed at the app's next Notify. Take it before
// looking for events, so that an event committed meanwhile is not missed.
func (h *Hub) Wait(subAppID int64) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch, ok := h.waiters[subAppID]
	if !ok {
		ch = make(chan struct{})
		h.waiters[subAppID] = ch
	}
	return ch
}
