package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// streamWriteTimeout bounds each write of a stream (the server's own
// write timeout is lifted for it).
const streamWriteTimeout = 10 * time.Second

// stream follows an app for the pages: "events" when its events are
// committed or change state on this server (or, through PostgreSQL NOTIFY,
// pullable events another server commits), "tasks" when the store's
// summary of its recent tasks changes (checked every TaskPoll), at most one
// message of a kind per Coalesce, and a ": ping" comment every
// PingInterval. It ends when the session does.
func (c *Console) stream(w http.ResponseWriter, r *http.Request, s *store.ConsoleSession) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.URL.Query().Get("SubAppId"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, openvod.CodeInvalidParameterValue, "SubAppId: give the app to follow, as ?SubAppId=N")
		return
	}
	if _, err := c.cfg.Store.AppGet(ctx, id); errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusBadRequest, "InvalidParameterValue.SubAppId", fmt.Sprintf("SubAppId: no app has ID %d", id))
		return
	} else if err != nil {
		c.internalError(w, "stream app", err)
		return
	}
	// Watched before the first ping, which tells the client the stream is
	// open: an event committed after it must wake this stream.
	events := c.cfg.Hub.Watch(id)
	since := c.cfg.NowFunc().Add(-time.Minute)
	activity, err := c.cfg.Store.TaskActivity(ctx, id, since)
	if err != nil {
		c.internalError(w, "stream tasks", err)
		return
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	data := fmt.Sprintf(`{"SubAppId":%d}`, id)
	write := func(text string) bool {
		rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := fmt.Fprint(w, text); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write(": ping\n\n") {
		return
	}

	kinds := []string{"events", "tasks"}
	pending := map[string]bool{}
	last := map[string]time.Time{}
	coalesce := time.NewTimer(time.Hour)
	coalesce.Stop()
	defer coalesce.Stop()
	// flush sends the pending kinds whose Coalesce has passed and arms the
	// timer for the others.
	flush := func() bool {
		now := time.Now()
		var wait time.Duration
		for _, k := range kinds {
			if !pending[k] {
				continue
			}
			if d := last[k].Add(c.cfg.Coalesce).Sub(now); d > 0 {
				if wait == 0 || d < wait {
					wait = d
				}
				continue
			}
			pending[k], last[k] = false, now
			if !write("event: " + k + "\ndata: " + data + "\n\n") {
				return false
			}
		}
		if wait > 0 {
			coalesce.Reset(wait)
		}
		return true
	}
	tasks := time.NewTicker(c.cfg.TaskPoll)
	defer tasks.Stop()
	ping := time.NewTicker(c.cfg.PingInterval)
	defer ping.Stop()
	end := time.NewTimer(time.Until(s.ExpireTime))
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case <-events:
			events = c.cfg.Hub.Watch(id)
			pending["events"] = true
		case <-tasks.C:
			now, err := c.cfg.Store.TaskActivity(ctx, id, since)
			if err != nil {
				c.cfg.Logger.Warn("console stream: task check failed", "sub_app_id", id, "err", err)
				continue
			}
			if now != activity {
				activity = now
				pending["tasks"] = true
			}
		case <-coalesce.C:
		case <-ping.C:
			if _, err := c.session(ctx, r); err != nil {
				return // signed out, or its key disabled
			}
			if !write(": ping\n\n") {
				return
			}
			continue
		}
		if !flush() {
			return
		}
	}
}
