package tcapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/pull"
	"github.com/openvod/openvod/store"
)

type modifyEventConfigRequest struct {
	Mode                           *string `json:"Mode"`
	NotificationUrl                *string `json:"NotificationUrl"`
	UploadMediaCompleteEventSwitch *string `json:"UploadMediaCompleteEventSwitch"`
	DeleteMediaCompleteEventSwitch *string `json:"DeleteMediaCompleteEventSwitch"`
	PersistenceCompleteEventSwitch *string `json:"PersistenceCompleteEventSwitch"`
	SignKey                        *string `json:"SignKey"`
	// WebhookSecret (extension) turns on Standard Webhooks signing; "" turns it off.
	WebhookSecret *string `json:"WebhookSecret"`
}

var signKeyRE = regexp.MustCompile(`^[A-Za-z0-9]{0,32}$`)

func (a *API) modifyEventConfig(ctx context.Context, c *call) (any, error) {
	var req modifyEventConfigRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	var changed bool
	err := a.cfg.Store.InTx(ctx, func(q store.Querier) error {
		cfg, err := q.EventConfigGet(ctx, c.App.ID)
		if err != nil {
			return err
		}
		before := eventlog.Pushes(cfg)
		if err := applyEventConfig(cfg, &req); err != nil {
			return err
		}
		cfg.UpdateTime = c.Now
		if err := q.EventConfigPut(ctx, cfg); err != nil {
			return err
		}
		switch after := eventlog.Pushes(cfg); {
		case !before && after:
			_, err = q.EventMoveToPush(ctx, c.App.ID, c.Now, c.Now.Add(a.cfg.Events.Window()))
		case before && !after:
			_, err = q.EventMoveToPull(ctx, c.App.ID, c.Now)
		}
		changed = true
		return err
	})
	if err != nil {
		return nil, err
	}
	if changed {
		a.cfg.EventConfigChanged(c.App.ID)
	}
	return nil, nil
}

// applyEventConfig checks the request's fields and sets those present.
func applyEventConfig(cfg *openvod.EventConfig, req *modifyEventConfigRequest) error {
	if req.Mode != nil {
		switch m := openvod.EventMode(*req.Mode); m {
		case openvod.EventModePush, openvod.EventModePull:
			cfg.Mode = m
		default:
			return openvod.InvalidValue("Mode", false, "must be PUSH or PULL, got %q", *req.Mode)
		}
	}
	if req.NotificationUrl != nil {
		if u := *req.NotificationUrl; u != "" && !httpURL(u) {
			return openvod.InvalidValue("NotificationUrl", false, "must be an http or https URL, or \"\" to clear it")
		}
		cfg.NotificationURL = *req.NotificationUrl
	}
	switches := []struct {
		name string
		v    *string
		dst  *bool
	}{
		{"UploadMediaCompleteEventSwitch", req.UploadMediaCompleteEventSwitch, &cfg.UploadMediaComplete},
		{"DeleteMediaCompleteEventSwitch", req.DeleteMediaCompleteEventSwitch, &cfg.DeleteMediaComplete},
		{"PersistenceCompleteEventSwitch", req.PersistenceCompleteEventSwitch, &cfg.PersistenceComplete},
	}
	for _, s := range switches {
		if s.v == nil {
			continue
		}
		if *s.v != "ON" && *s.v != "OFF" {
			return openvod.InvalidValue(s.name, false, "must be ON or OFF, got %q", *s.v)
		}
		*s.dst = *s.v == "ON"
	}
	if req.SignKey != nil {
		if !signKeyRE.MatchString(*req.SignKey) {
			return openvod.InvalidValue("SignKey", false, "must be at most 32 letters and digits")
		}
		cfg.SignKey = *req.SignKey
	}
	if req.WebhookSecret != nil {
		if s := *req.WebhookSecret; s != "" {
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
			if !strings.HasPrefix(s, "whsec_") || err != nil || len(raw) < 24 || len(raw) > 64 {
				return openvod.InvalidValue("WebhookSecret", false, "must be whsec_ followed by 24 to 64 base64-encoded bytes")
			}
		}
		cfg.WebhookSecret = *req.WebhookSecret
	}
	return nil
}

// httpURL reports whether u is an absolute http or https URL.
func httpURL(u string) bool {
	parsed, err := url.Parse(u)
	return err == nil && (parsed.Scheme == "http" || parsed.Scheme == "https") && parsed.Host != ""
}

type describeEventConfigResponse struct {
	Mode                           string `json:"Mode"`
	NotificationUrl                string `json:"NotificationUrl"`
	UploadMediaCompleteEventSwitch string `json:"UploadMediaCompleteEventSwitch"`
	DeleteMediaCompleteEventSwitch string `json:"DeleteMediaCompleteEventSwitch"`
	PersistenceCompleteEventSwitch string `json:"PersistenceCompleteEventSwitch"`
}

func (a *API) describeEventConfig(ctx context.Context, c *call) (any, error) {
	if err := c.Params.decode(&struct{}{}); err != nil {
		return nil, err
	}
	cfg, err := a.cfg.Store.EventConfigGet(ctx, c.App.ID)
	if err != nil {
		return nil, err
	}
	return &describeEventConfigResponse{
		Mode: string(cfg.Mode), NotificationUrl: cfg.NotificationURL,
		UploadMediaCompleteEventSwitch: onOff(cfg.UploadMediaComplete),
		DeleteMediaCompleteEventSwitch: onOff(cfg.DeleteMediaComplete),
		PersistenceCompleteEventSwitch: onOff(cfg.PersistenceComplete),
	}, nil
}

func onOff(b bool) string {
	if b {
		return "ON"
	}
	return "OFF"
}

type pullEventsRequest struct {
	ExtInfo string `json:"ExtInfo"` // accepted and ignored
}

type pullEventsResponse struct {
	EventSet []json.RawMessage `json:"EventSet"`
}

func (a *API) pullEvents(ctx context.Context, c *call) (any, error) {
	if err := c.Params.decode(&pullEventsRequest{}); err != nil {
		return nil, err
	}
	items, err := a.cfg.Pull.Pull(ctx, c.App.ID)
	if err != nil {
		return nil, err
	}
	resp := &pullEventsResponse{EventSet: make([]json.RawMessage, len(items))}
	for i, it := range items {
		resp.EventSet[i] = pullItem(it)
	}
	return resp, nil
}

// pullItem is {"EventHandle":"...", followed by the event's push body keys.
func pullItem(it pull.Item) json.RawMessage {
	handle, _ := json.Marshal(it.Handle)
	b := make([]byte, 0, len(it.Event.Body)+len(handle)+16)
	b = append(b, `{"EventHandle":`...)
	b = append(b, handle...)
	b = append(b, ',')
	return append(b, it.Event.Body[1:]...)
}

type confirmEventsRequest struct {
	EventHandles []string `json:"EventHandles" tc:"required"`
	ExtInfo      string   `json:"ExtInfo"` // accepted and ignored
}

func (a *API) confirmEvents(ctx context.Context, c *call) (any, error) {
	var req confirmEventsRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if n := len(req.EventHandles); n == 0 || n > pull.BatchSize {
		return nil, openvod.InvalidValue("EventHandles", false, "give 1 to %d handles, got %d", pull.BatchSize, n)
	}
	return nil, a.cfg.Pull.Confirm(ctx, c.App.ID, req.EventHandles)
}

type describeEventsStateResponse struct {
	CountOfEventsToPull int64 `json:"CountOfEventsToPull"`
}

func (a *API) describeEventsState(ctx context.Context, c *call) (any, error) {
	if err := c.Params.decode(&struct{}{}); err != nil {
		return nil, err
	}
	n, err := a.cfg.Pull.CountToPull(ctx, c.App.ID)
	if err != nil {
		return nil, err
	}
	return &describeEventsStateResponse{CountOfEventsToPull: n}, nil
}
