// Package tcapi serves the Tencent Cloud API 3.0 gateway of openvod, version
// 2018-07-17: POST / with a JSON body or GET with a query string, signed
// with TC3-HMAC-SHA256 (the action in X-TC-Action), and GET with a query
// string or POST with a form body signed with API v1's HmacSHA1 or
// HmacSHA256 (the action in the Action parameter). It verifies, decodes,
// runs the action and answers in the {"Response":{...}} envelope, always
// with HTTP 200.
package tcapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/pull"
	"github.com/openvod/openvod/push"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/ttlcache"
)

// Version is the only API version served.
const Version = "2018-07-17"

// MaxBodySize is the largest request body accepted (TC3 POST limit).
const MaxBodySize = 10 << 20

// Config wires the gateway to the rest of the server.
type Config struct {
	Store store.Store
	Media *media.Service
	// Sources opens stored media for reading (ClipVideo reads a source's
	// headers).
	Sources Opener
	Logger  *slog.Logger
	Metrics *Metrics
	// NowFunc is the clock; time.Now when nil.
	NowFunc func() time.Time
	// WakeTasks is called after a task is stored, to start workers at once.
	WakeTasks func()
	Events    *eventlog.Log
	Pull      *pull.Queue
	// EventConfigChanged is called after an app's event configuration or
	// events changed, to redo push scheduling at once.
	EventConfigChanged func(subAppID int64)
	// SendEvent POSTs an event once to cfg's NotificationURL, as push
	// deliveries are made, for SendTestEvent (push.Dispatcher.SendOnce).
	SendEvent func(ctx context.Context, e *openvod.Event, cfg *openvod.EventConfig) push.Outcome
}

// Opener opens stored objects for reading; a blob.Bucket is one.
type Opener interface {
	Open(ctx context.Context, key string) (blob.Object, error)
}

// API is the gateway. Build it with New; it is an http.Handler.
type API struct {
	cfg     Config
	actions map[string]action
	keys    *ttlcache.Cache[string, *openvod.APIKey]
	apps    *ttlcache.Cache[int64, *openvod.App]
}

// call is one decoded, authenticated request.
type call struct {
	App       *openvod.App
	Params    params
	RequestID string
	Now       time.Time
	// SecretID is the key the request was made with.
	SecretID string
}

// action runs one API action and returns its result object (encoded inside
// "Response") or an error.
type action func(ctx context.Context, c *call) (any, error)

// New returns the gateway.
func New(cfg Config) *API {
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	if cfg.WakeTasks == nil {
		cfg.WakeTasks = func() {}
	}
	if cfg.EventConfigChanged == nil {
		cfg.EventConfigChanged = func(int64) {}
	}
	a := &API{cfg: cfg, keys: ttlcache.New[string, *openvod.APIKey](time.Minute), apps: ttlcache.New[int64, *openvod.App](time.Minute)}
	a.actions = a.actionTable()
	return a
}

// ServeHTTP answers one API request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := uuid.NewString()
	var in incoming
	var subAppID int64
	result, err := a.serve(r, requestID, &in, &subAppID)
	writeBody(w, a.answer(result, err, requestID, in.action, subAppID, start))
}

// Invoke runs one action for the holder of the enabled key secretID, with
// body (a JSON object) its parameters, as ServeHTTP does for a request
// signed with that key, and returns the answer's body: the same
// {"Response":{...}} envelope, errors included. Only the signature check
// is skipped; the caller (the web console) has authenticated the key
// holder its own way.
func (a *API) Invoke(ctx context.Context, secretID, action string, body []byte) []byte {
	start := time.Now()
	requestID := uuid.NewString()
	var subAppID int64
	result, err := a.invoke(ctx, secretID, action, body, requestID, &subAppID)
	return a.answer(result, err, requestID, action, subAppID, start)
}

func (a *API) invoke(ctx context.Context, secretID, action string, body []byte, requestID string, subAppID *int64) (any, error) {
	if len(body) > MaxBodySize {
		return nil, openvod.Errorf(openvod.CodeRequestSizeLimitExceeded, "the request body exceeds %d bytes", MaxBodySize)
	}
	if _, err := a.secretKey(ctx, secretID); err != nil {
		return nil, err
	}
	p, err := parseParams(body)
	if err != nil {
		return nil, err
	}
	return a.run(ctx, action, p, secretID, requestID, a.cfg.NowFunc(), subAppID)
}

// answer encodes an action's outcome, logs it and counts it.
func (a *API) answer(result any, err error, requestID, action string, subAppID int64, start time.Time) []byte {
	var body []byte
	if err == nil {
		body, err = successBody(result, requestID)
	}
	code := ""
	if err != nil {
		var e *openvod.Error
		if !errors.As(err, &e) {
			a.cfg.Logger.Error("internal error", "request_id", requestID, "action", action, "err", err)
			e = openvod.Errorf(openvod.CodeInternalError, "an internal error occurred; quote RequestId %s when reporting it", requestID)
		}
		code = e.Code
		body = errorBody(e, requestID)
	}
	latency := time.Since(start)
	metricsAction := action
	if _, known := a.actions[action]; !known {
		metricsAction = "unknown" // keep label values bounded
	}
	a.cfg.Metrics.observe(metricsAction, code, latency)
	a.cfg.Logger.Info("request", "request_id", requestID, "action", action, "sub_app_id", subAppID,
		"code", code, "latency_ms", float64(latency.Microseconds())/1000)
	return body
}

func (a *API) serve(r *http.Request, requestID string, in *incoming, subAppID *int64) (any, error) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, openvod.Errorf(openvod.CodeUnsupportedProtocol, "openvod accepts POST with a JSON or form body and GET with a query string, not %s", r.Method)
	}
	var body []byte
	if r.Method == http.MethodPost {
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1)); err != nil {
			return nil, openvod.Errorf(openvod.CodeInvalidParameter, "reading the request body failed")
		}
		if len(body) > MaxBodySize {
			return nil, openvod.Errorf(openvod.CodeRequestSizeLimitExceeded, "the request body exceeds %d bytes", MaxBodySize)
		}
	}
	if err := readIncoming(r, body, in); err != nil {
		return nil, err
	}
	now := a.cfg.NowFunc()
	secretID, err := a.authenticate(r.Context(), r, in, body, now)
	if err != nil {
		return nil, err
	}
	if in.version != Version {
		name := "X-TC-Version"
		if in.v1 {
			name = "the parameter Version"
		}
		return nil, openvod.Errorf(openvod.CodeNoSuchVersion, "%s must be %s, got %q", name, Version, in.version)
	}
	if in.action == "" {
		return nil, openvod.Errorf(openvod.CodeMissingParameter, "the request names no action: send the X-TC-Action header (TC3) or the Action parameter (v1)")
	}
	if _, ok := a.actions[in.action]; !ok {
		return nil, unknownAction(in.action)
	}
	p, err := in.params(body)
	if err != nil {
		return nil, err
	}
	return a.run(r.Context(), in.action, p, secretID, requestID, now, subAppID)
}

// run resolves the app of p and runs the action for the key secretID.
func (a *API) run(ctx context.Context, action string, p params, secretID, requestID string, now time.Time, subAppID *int64) (any, error) {
	act, ok := a.actions[action]
	if !ok {
		return nil, unknownAction(action)
	}
	app, err := a.resolveApp(ctx, p)
	if err != nil {
		return nil, err
	}
	*subAppID = app.ID
	return act(ctx, &call{App: app, Params: p, RequestID: requestID, Now: now, SecretID: secretID})
}

func unknownAction(action string) error {
	return openvod.Errorf(openvod.CodeInvalidAction, "the action %s does not exist in openvod's VOD API %s", action, Version)
}

// resolveApp returns the app named by SubAppId, the default app when omitted or 0.
func (a *API) resolveApp(ctx context.Context, p params) (*openvod.App, error) {
	id := openvod.DefaultSubAppID
	if p.has("SubAppId") {
		var v uint64
		if err := json.Unmarshal(p.raw("SubAppId", reflect.TypeFor[uint64]()), &v); err != nil {
			return nil, openvod.Errorf(openvod.CodeInvalidParameter, "the parameter SubAppId must be an integer")
		}
		if v != 0 {
			if v > 1<<62 {
				return nil, openvod.InvalidValue("SubAppId", true, "no app has ID %d", v)
			}
			id = int64(v)
		}
	}
	app, err := a.apps.Get(id, func() (*openvod.App, error) { return a.cfg.Store.AppGet(ctx, id) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, openvod.InvalidValue("SubAppId", true, "no app has ID %s; list apps with `openvod apps list`", strconv.FormatInt(id, 10))
	}
	return app, err
}
