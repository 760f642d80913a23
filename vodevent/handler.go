package vodevent

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// handlerMaxBody is the largest push body a [Handler] reads.
const handlerMaxBody = 10 << 20

// Handler receives normal callbacks (push): openvod, or Tencent Cloud,
// POSTs each event as JSON to the app's NotificationUrl. Mount it on that
// path. It is safe for concurrent use; do not change its fields while it
// serves.
//
// For each request it
//   - answers 405 to any method but POST, and 413 to a body over 10 MiB;
//   - when WebhookSecret is set, verifies the Standard Webhooks headers
//     with [WebhookVerify] and a tolerance of [WebhookToleranceDefault]
//     (401 when they fail);
//   - decodes the body with [EventContent.UnmarshalJSON] (400 when it is not
//     a JSON object with an EventType);
//   - when SignKey is set, requires Sign and T in the body, now ≤ T (T is
//     the signature's expiry) and Sign == [CallbackSign](SignKey, T),
//     compared in constant time and ignoring hex case (401 otherwise);
//   - calls Func with the request's context and answers 204 when it returns
//     nil, 500 when it returns an error (or when Func is nil).
//
// Delivery is at least once: openvod retries every answer but a 2xx, and a
// 2xx lost on the way back is retried too, so the same event can arrive more
// than once, and events arrive in no particular order. Func must be
// idempotent: dedupe on the event's content (a ClipComplete's TaskId, a
// NewFileUpload's FileId, ...) or, with WebhookSecret, on [WebhookID]. Func
// should return within openvod's 5 s delivery timeout; do slow work after
// recording the event.
type Handler struct {
	// SignKey is the app's callback key (ModifyEventConfig's SignKey).
	// Empty: Sign and T are not checked.
	SignKey string
	// WebhookSecret is the Standard Webhooks secret ("whsec_..."). Empty:
	// the webhook-* headers are not checked.
	WebhookSecret string
	// Func handles one event. The event is the caller's to keep.
	Func func(ctx context.Context, e *EventContent) error
	// NowFunc returns the current time; nil means time.Now.
	NowFunc func() time.Time
}

type webhookIDKey struct{}

// WebhookID returns the webhook-id of the push a [Handler] is serving on
// ctx, once verified against Handler.WebhookSecret; "" when the handler has
// no WebhookSecret or ctx does not come from a Handler. Retries of one event
// carry the same webhook-id.
func WebhookID(ctx context.Context) string {
	id, _ := ctx.Value(webhookIDKey{}).(string)
	return id
}

// ServeHTTP handles one push as described on [Handler].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, handlerMaxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			httpError(w, http.StatusRequestEntityTooLarge)
		} else {
			httpError(w, http.StatusBadRequest)
		}
		return
	}
	now := time.Now
	if h.NowFunc != nil {
		now = h.NowFunc
	}
	ctx := r.Context()
	if h.WebhookSecret != "" {
		err := WebhookVerify(h.WebhookSecret, r.Header, body, now(), WebhookToleranceDefault)
		switch {
		case errors.Is(err, ErrWebhookSignature), errors.Is(err, ErrWebhookTimestamp):
			httpError(w, http.StatusUnauthorized)
			return
		case err != nil:
			httpError(w, http.StatusInternalServerError)
			return
		}
		ctx = context.WithValue(ctx, webhookIDKey{}, r.Header.Get(WebhookIDHeader))
	}
	var e EventContent
	if err := json.Unmarshal(body, &e); err != nil || e.EventType == "" {
		httpError(w, http.StatusBadRequest)
		return
	}
	if h.SignKey != "" && !h.signValid(&e, now()) {
		httpError(w, http.StatusUnauthorized)
		return
	}
	if h.Func == nil || h.Func(ctx, &e) != nil {
		httpError(w, http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) signValid(e *EventContent, now time.Time) bool {
	if e.Sign == "" || e.T == 0 || now.Unix() > e.T {
		return false
	}
	return hmac.Equal([]byte(strings.ToLower(e.Sign)), []byte(CallbackSign(h.SignKey, e.T)))
}

func httpError(w http.ResponseWriter, code int) {
	http.Error(w, http.StatusText(code), code)
}
