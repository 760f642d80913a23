package tcapi

import (
	"context"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/store"
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
			StatusCode: at.StatusCode, LatencyMs: float64(at.Latency.Microseconds()) / 1000, Error: at.Error,
		}
	}
	return resp, nil
}

type describeEventsRequest struct {
	State    string `json:"State"`
	AfterSeq int64  `json:"AfterSeq"`
	Limit    int    `json:"Limit"`
}

type eventItem struct {
	Seq        int64  `json:"Seq"`
	EventId    string `json:"EventId"`
	EventType  string `json:"EventType"`
	CreateTime string `json:"CreateTime"`
	State      string `json:"State"`
	Attempts   int64  `json:"Attempts"`
	Pulls      int64  `json:"Pulls"`
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
	events, err := a.cfg.Store.EventList(ctx, &store.EventListParams{SubAppID: c.App.ID, State: state, AfterSeq: req.AfterSeq, Limit: limit})
	if err != nil {
		return nil, err
	}
	resp := &describeEventsResponse{EventSet: make([]eventItem, len(events))}
	for i, e := range events {
		resp.EventSet[i] = eventItem{Seq: e.Seq, EventId: e.ID, EventType: e.Type, CreateTime: openvod.FormatTime(e.CreateTime),
			State: string(e.State), Attempts: e.Attempts, Pulls: e.Pulls}
	}
	return resp, nil
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
