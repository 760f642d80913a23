package tcapi

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// Extension actions for operating event delivery: the attempt log, the
// events not yet consumed, and re-sending.

const maxListLimit = 100

type describeEventDeliveriesRequest struct {
	EventId string `json:"EventId"`
	Limit   int    `json:"Limit"`
}

type deliveryItem struct {
	EventId    string  `json:"EventId"`
	EventType  string  `json:"EventType"`
	Time       string  `json:"Time"`
	Url        string  `json:"Url"`
	StatusCode int     `json:"StatusCode"`
	LatencyMs  float64 `json:"LatencyMs"`
	Error      string  `json:"Error"`
	// ResponseExcerpt is the start of the receiver's answer, at most 1 KiB.
	ResponseExcerpt string `json:"ResponseExcerpt"`
}

type describeEventDeliveriesResponse struct {
	DeliverySet []deliveryItem `json:"DeliverySet"`
}

func (a *API) describeEventDeliveries(ctx context.Context, c *call) (any, error) {
	var req describeEventDeliveriesRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	limit, err := checkLimit(req.Limit)
	if err != nil {
		return nil, err
	}
	attempts, err := a.cfg.Store.DeliveryAttemptList(ctx, c.App.ID, req.EventId, limit)
	if err != nil {
		return nil, err
	}
	resp := &describeEventDeliveriesResponse{DeliverySet: make([]deliveryItem, len(attempts))}
	for i, at := range attempts {
		resp.DeliverySet[i] = deliveryItem{
			EventId: at.EventID, EventType: at.EventType, Time: at.Time.UTC().Format(time.RFC3339Nano), Url: at.URL,
			StatusCode: at.StatusCode, LatencyMs: latencyMs(at.Latency), Error: at.Error, ResponseExcerpt: at.ResponseExcerpt,
		}
	}
	return resp, nil
}

type describeEventsRequest struct {
	State    string `json:"State"`
	AfterSeq int64  `json:"AfterSeq"`
	Limit    int    `json:"Limit"`
	// EventType and Status filter the list; EventId asks for one event,
	// with its Body.
	EventType string `json:"EventType"`
	Status    string `json:"Status"`
	EventId   string `json:"EventId"`
}

type eventItem struct {
	Seq        int64  `json:"Seq"`
	EventId    string `json:"EventId"`
	EventType  string `json:"EventType"`
	CreateTime string `json:"CreateTime"`
	State      string `json:"State"`
	Attempts   int64  `json:"Attempts"`
	Pulls      int64  `json:"Pulls"`
	// Status is where the event is in its delivery (store.EventStatus).
	Status string `json:"Status"`
	// Body is the event as the app receives it (without a push's Sign and
	// T, without a pull's EventHandle), a JSON text; only for EventId.
	Body *string `json:"Body,omitempty"`
}

type describeEventsResponse struct {
	EventSet []eventItem `json:"EventSet"`
}

func (a *API) describeEvents(ctx context.Context, c *call) (any, error) {
	var req describeEventsRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	limit, err := checkLimit(req.Limit)
	if err != nil {
		return nil, err
	}
	state := openvod.EventState(req.State)
	switch state {
	case "", openvod.EventPush, openvod.EventPull, openvod.EventDone:
	default:
		return nil, openvod.InvalidValue("State", false, "must be push, pull or done, got %q", req.State)
	}
	status := store.EventStatus(req.Status)
	if status != "" && !slices.Contains(store.EventStatuses, status) {
		return nil, openvod.InvalidValue("Status", false, "must be pending, leased, delivered, confirmed or expired, got %q", req.Status)
	}
	resp := &describeEventsResponse{EventSet: []eventItem{}}
	if req.EventId != "" {
		e, err := a.cfg.Store.EventGet(ctx, c.App.ID, req.EventId)
		if errors.Is(err, store.ErrNotFound) {
			return resp, nil
		}
		if err != nil {
			return nil, err
		}
		item := newEventItem(e, c.Now)
		body := string(e.Body)
		item.Body = &body
		resp.EventSet = append(resp.EventSet, item)
		return resp, nil
	}
	events, err := a.cfg.Store.EventList(ctx, &store.EventListParams{SubAppID: c.App.ID, State: state, Type: req.EventType,
		Status: status, Now: c.Now, AfterSeq: req.AfterSeq, Limit: limit})
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		resp.EventSet = append(resp.EventSet, newEventItem(e, c.Now))
	}
	return resp, nil
}

func newEventItem(e *openvod.Event, now time.Time) eventItem {
	return eventItem{Seq: e.Seq, EventId: e.ID, EventType: e.Type, CreateTime: openvod.FormatTime(e.CreateTime),
		State: string(e.State), Attempts: e.Attempts, Pulls: e.Pulls, Status: string(store.EventStatusOf(e, now))}
}

type resendEventsRequest struct {
	EventIds []string `json:"EventIds" tc:"required"`
}

type resendEventsResponse struct {
	// NotExistEventIdSet lists the ids of no event of the app.
	NotExistEventIdSet []string `json:"NotExistEventIdSet"`
}

func (a *API) resendEvents(ctx context.Context, c *call) (any, error) {
	var req resendEventsRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if n := len(req.EventIds); n == 0 || n > maxListLimit {
		return nil, openvod.InvalidValue("EventIds", false, "give 1 to %d event ids, got %d", maxListLimit, n)
	}
	resp := &resendEventsResponse{NotExistEventIdSet: []string{}}
	err := a.cfg.Store.InTx(ctx, func(q store.Querier) error {
		cfg, err := q.EventConfigGet(ctx, c.App.ID)
		if err != nil {
			return err
		}
		state := openvod.EventPull
		if eventlog.Pushes(cfg) {
			state = openvod.EventPush
		}
		for _, id := range req.EventIds {
			n, err := q.EventResend(ctx, c.App.ID, []string{id}, state, c.Now, c.Now.Add(a.cfg.Events.Window()))
			if err != nil {
				return err
			}
			if n == 0 {
				resp.NotExistEventIdSet = append(resp.NotExistEventIdSet, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.cfg.EventConfigChanged(c.App.ID)
	return resp, nil
}

// TestEventType is the EventType of SendTestEvent's event: every event key
// of the body is null.
const TestEventType = "TestEvent"

type sendTestEventRequest struct {
	// Url receives the test event instead of the app's NotificationUrl.
	Url string `json:"Url"`
}

// sendTestEventResponse names the attempt's error ErrorMessage: an Error
// member of Response marks an error answer to every SDK.
type sendTestEventResponse struct {
	StatusCode      int     `json:"StatusCode"` // 0 when there was no HTTP answer
	LatencyMs       float64 `json:"LatencyMs"`
	ErrorMessage    string  `json:"ErrorMessage"` // "" when answered 2xx
	ResponseExcerpt string  `json:"ResponseExcerpt"`
}

func (a *API) sendTestEvent(ctx context.Context, c *call) (any, error) {
	var req sendTestEventRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	cfg, err := a.cfg.Store.EventConfigGet(ctx, c.App.ID)
	if err != nil {
		return nil, err
	}
	if req.Url != "" {
		if !httpURL(req.Url) {
			return nil, openvod.InvalidValue("Url", false, "must be an http or https URL")
		}
		cfg.NotificationURL = req.Url
	}
	if cfg.NotificationURL == "" {
		return nil, openvod.InvalidValue("Url", false, "the app has no NotificationUrl: give Url, or set one with ModifyEventConfig")
	}
	if a.cfg.SendEvent == nil {
		return nil, openvod.Errorf(openvod.CodeUnsupportedOperation, "this server sends no events")
	}
	body, err := marshal(&vodevent.EventContent{EventType: TestEventType})
	if err != nil {
		return nil, err
	}
	e := &openvod.Event{ID: eventlog.NewEventID(), SubAppID: c.App.ID, Type: TestEventType, Body: body, CreateTime: c.Now}
	out := a.cfg.SendEvent(ctx, e, cfg)
	return &sendTestEventResponse{StatusCode: out.StatusCode, LatencyMs: latencyMs(out.Latency), ErrorMessage: out.Error,
		ResponseExcerpt: out.ResponseExcerpt}, nil
}

// latencyMs is d in milliseconds, to the microsecond.
func latencyMs(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// checkLimit returns the list size asked, 20 when 0.
func checkLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return 20, nil
	case limit < 0 || limit > maxListLimit:
		return 0, openvod.InvalidValue("Limit", false, "must be 1 to %d", maxListLimit)
	}
	return limit, nil
}
