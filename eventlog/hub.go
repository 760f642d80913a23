package eventlog

import (
	"sync"

	"github.com/openvod/openvod"
)

// Hub passes committed events on within one server: push deliveries this
// server holds go to PushFunc, and the app's waiting pullers are woken.
// Other servers learn of events through the store (PostgreSQL NOTIFY, or
// the end of a push lease). Watchers of an app (the web console) are told
// of its events committed, notified, and changed (Changed). It is safe for
// concurrent use.
type Hub struct {
	// PushFunc receives push deliveries this server holds; set it before
	// events are committed.
	PushFunc func(events []*openvod.Event)

	mu       sync.Mutex
	waiters  map[int64]chan struct{}
	watchers map[int64]chan struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{waiters: map[int64]chan struct{}{}, watchers: map[int64]chan struct{}{}}
}

// Committed hands on the events of a committed transaction.
func (h *Hub) Committed(events []*openvod.Event) {
	var push []*openvod.Event
	for i, e := range events {
		if i == 0 || e.SubAppID != events[i-1].SubAppID {
			h.Changed(e.SubAppID)
		}
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

// Notify wakes everyone waiting for the app's events, and its watchers.
func (h *Hub) Notify(subAppID int64) {
	h.mu.Lock()
	ch, ok := h.waiters[subAppID]
	delete(h.waiters, subAppID)
	h.mu.Unlock()
	if ok {
		close(ch)
	}
	h.Changed(subAppID)
}

// Changed wakes the app's watchers: its events were committed or changed
// state (a push attempt recorded, a confirmation, a resend).
func (h *Hub) Changed(subAppID int64) {
	h.mu.Lock()
	ch, ok := h.watchers[subAppID]
	delete(h.watchers, subAppID)
	h.mu.Unlock()
	if ok {
		close(ch)
	}
}

// Watch returns a channel closed at the app's next Changed. Take it before
// reading the app's events, so that a change meanwhile is not missed.
func (h *Hub) Watch(subAppID int64) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch, ok := h.watchers[subAppID]
	if !ok {
		ch = make(chan struct{})
		h.watchers[subAppID] = ch
	}
	return ch
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
