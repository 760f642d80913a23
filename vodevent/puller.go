package vodevent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Defaults of [Puller].
const (
	// PullerRequestTimeoutDefault bounds each API request. PullEvents is
	// held up to 5 s by the server.
	PullerRequestTimeoutDefault = 15 * time.Second
	// PullerBackoffMinDefault is the first wait after a failed PullEvents.
	PullerBackoffMinDefault = time.Second
	// PullerBackoffMaxDefault caps the doubling wait after repeated
	// failures.
	PullerBackoffMaxDefault = time.Minute
)

const (
	apiVersion       = "2018-07-17"
	maxConfirmBatch  = 16               // ConfirmEvents takes at most 16 handles
	confirmFlushAge  = 20 * time.Second // confirm early: a lease lasts 30 s
	maxResponseBytes = 32 << 20
)

// APIError is an error answered by the API: the Error object of the
// response envelope.
type APIError struct {
	Code      string // e.g. "AuthFailure.SignatureFailure"
	Message   string
	RequestId string
}

// Error returns the code, message and request ID.
func (e *APIError) Error() string {
	return fmt.Sprintf("vodevent: %s: %s (RequestId %s)", e.Code, e.Message, e.RequestId)
}

// Puller consumes reliable callbacks (pull): it calls PullEvents and
// ConfirmEvents on an openvod (or Tencent Cloud VOD) endpoint with
// TC3-HMAC-SHA256 signed requests. Its methods are safe for concurrent use;
// do not change its fields while they run.
//
// Delivery is at least once: an event not confirmed within 30 s of being
// pulled (Func failed, the process died, ConfirmEvents was lost) is pulled
// again, so Func must be idempotent (dedupe on the event's content, such as
// a ClipComplete's TaskId or a NewFileUpload's FileId).
type Puller struct {
	// Endpoint is the API's base URL, e.g. http://127.0.0.1:8080. Requests
	// go to its path, or to / when it has none.
	Endpoint string
	// SecretId and SecretKey are an API key of the account.
	SecretId, SecretKey string
	// SubAppId picks the app; 0 leaves it out of requests (the server's
	// default app).
	SubAppId uint64
	// Func handles one event for [Puller.Run]; an error leaves the event
	// unconfirmed, to be pulled again after its lease. The event is the
	// caller's to keep.
	Func func(ctx context.Context, e *EventContent) error
	// HTTPClient sends the requests; nil means http.DefaultClient. Each
	// request is also bounded by [PullerRequestTimeoutDefault]; a Timeout
	// of its own must exceed the 5 s long poll (10 s or more).
	HTTPClient *http.Client
	// NowFunc returns the current time, for X-TC-Timestamp and the
	// confirmation deadline; nil means time.Now.
	NowFunc func() time.Time
	// ErrorFunc, when set, is told of each error [Puller.Run] goes on
	// after: a failed PullEvents or ConfirmEvents, or an error of Func.
	ErrorFunc func(err error)
	// BackoffMin and BackoffMax bound Run's wait after a failed
	// PullEvents; zero means [PullerBackoffMinDefault] and
	// [PullerBackoffMaxDefault].
	BackoffMin, BackoffMax time.Duration
}

// PullOnce calls PullEvents once and returns the events it answered: at
// most 16, none when the server's long poll (up to 5 s) ends without one.
// Each event's EventHandle must be passed to [Puller.Confirm] within 30 s,
// or the event will be pulled again. An error answered by the API is an
// [*APIError]; any other error is a transport or decoding failure.
func (p *Puller) PullOnce(ctx context.Context) ([]*EventContent, error) {
	req := struct {
		SubAppId uint64 `json:"SubAppId,omitempty"`
	}{p.SubAppId}
	var resp struct {
		EventSet []*EventContent `json:"EventSet"`
	}
	if err := p.call(ctx, "PullEvents", req, &resp); err != nil {
		return nil, err
	}
	events := make([]*EventContent, 0, len(resp.EventSet))
	for _, e := range resp.EventSet {
		if e != nil {
			events = append(events, e)
		}
	}
	return events, nil
}

// Confirm calls ConfirmEvents for handles, 16 per call, so the events are
// not pulled again. With no handles it does nothing. A call confirms all
// its handles or none (openvod rejects the call when one handle is unknown
// or its 30 s lease has lapsed); Confirm makes every call and returns the
// errors joined, each an [*APIError] or a transport failure.
func (p *Puller) Confirm(ctx context.Context, handles []string) error {
	var errs []error
	for batch := range slices.Chunk(handles, maxConfirmBatch) {
		req := struct {
			EventHandles []string `json:"EventHandles"`
			SubAppId     uint64   `json:"SubAppId,omitempty"`
		}{batch, p.SubAppId}
		if err := p.call(ctx, "ConfirmEvents", req, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run pulls and handles events until ctx ends, then returns ctx's error.
// For each pulled event it calls Func, in order, one at a time; it
// confirms the events whose Func returned nil (early, when 20 s of their
// 30 s lease have passed, else after the batch) and leaves the others to
// be pulled again. When ctx ends during a batch, Func is not called for
// the rest, and the finished ones are still confirmed.
//
// A failed PullEvents is reported to ErrorFunc and retried after an
// exponential, jittered backoff between BackoffMin and BackoffMax, except
// an [*APIError] that retrying cannot fix (AuthFailure.*,
// UnauthorizedOperation.*, InvalidParameter*, MissingParameter,
// UnknownParameter, InvalidAction, NoSuchVersion, NoSuchProduct,
// ActionOffline, FailedOperation.InvalidVodUser), which Run returns. Run
// returns an error at once when Func is nil or Endpoint is not an absolute
// URL.
func (p *Puller) Run(ctx context.Context) error {
	if p.Func == nil {
		return errors.New("vodevent: Puller.Func is nil")
	}
	if u, err := url.Parse(p.Endpoint); err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("vodevent: Puller.Endpoint %q is not an absolute URL", p.Endpoint)
	}
	failures := 0
	for ctx.Err() == nil {
		events, err := p.PullOnce(ctx)
		switch {
		case ctx.Err() != nil: // the loop condition returns
		case err != nil && permanent(err):
			return err
		case err != nil:
			p.report(err)
			failures++
			p.sleep(ctx, p.backoff(failures))
		default:
			failures = 0
			p.handle(ctx, events)
		}
	}
	return ctx.Err()
}

// handle runs Func on events and confirms the successes.
func (p *Puller) handle(ctx context.Context, events []*EventContent) {
	pulled := p.now()
	var done []string
	for _, e := range events {
		if ctx.Err() != nil {
			break
		}
		if len(done) > 0 && p.now().Sub(pulled) >= confirmFlushAge {
			p.confirm(ctx, done)
			done = nil
		}
		if err := p.Func(ctx, e); err != nil {
			p.report(fmt.Errorf("vodevent: %s event %s: %w", e.EventType, e.EventHandle, err))
			continue
		}
		if e.EventHandle != "" {
			done = append(done, e.EventHandle)
		}
	}
	p.confirm(ctx, done)
}

// confirm confirms handles even when ctx has ended, so that finished work
// is not redelivered.
func (p *Puller) confirm(ctx context.Context, handles []string) {
	if err := p.Confirm(context.WithoutCancel(ctx), handles); err != nil {
		p.report(err)
	}
}

func (p *Puller) report(err error) {
	if p.ErrorFunc != nil {
		p.ErrorFunc(err)
	}
}

func (p *Puller) now() time.Time {
	if p.NowFunc != nil {
		return p.NowFunc()
	}
	return time.Now()
}

// backoff returns the wait after the n-th failure in a row: BackoffMin
// doubled n-1 times, capped at BackoffMax, then jittered to between half
// and all of it.
func (p *Puller) backoff(n int) time.Duration {
	lo := cmp.Or(p.BackoffMin, PullerBackoffMinDefault)
	hi := cmp.Or(p.BackoffMax, PullerBackoffMaxDefault)
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + rand.N(d/2+1)
}

func (p *Puller) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// call signs and sends one API request, bounded by
// PullerRequestTimeoutDefault, and decodes the Response object into out.
func (p *Puller) call(ctx context.Context, action string, params, out any) error {
	ctx, cancel := context.WithTimeout(ctx, PullerRequestTimeoutDefault)
	defer cancel()
	c := Client{Endpoint: p.Endpoint, SecretId: p.SecretId, SecretKey: p.SecretKey, HTTPClient: p.HTTPClient, NowFunc: p.NowFunc}
	return c.Call(ctx, action, params, out)
}

// permanent reports whether err is an API error that retrying the same
// request cannot fix.
func permanent(err error) bool {
	ae, ok := errors.AsType[*APIError](err)
	if !ok {
		return false
	}
	for _, code := range []string{
		"AuthFailure", "UnauthorizedOperation", "InvalidParameter", "InvalidParameterValue",
		"MissingParameter", "UnknownParameter", "InvalidAction", "NoSuchVersion", "NoSuchProduct",
		"ActionOffline", "FailedOperation.InvalidVodUser",
	} {
		if ae.Code == code || strings.HasPrefix(ae.Code, code+".") {
			return true
		}
	}
	return false
}
