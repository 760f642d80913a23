package vodevent

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// handlerNow is the handlers' clock: 10 minutes before testT.
var handlerNow = time.Unix(testT-600, 0)

type handlerBundle struct {
	handler *Handler
	got     []*EventContent
	ids     []string
}

func setupHandler(t *testing.T, signKey, webhookSecret string, funcErr error) *handlerBundle {
	t.Helper()
	b := &handlerBundle{}
	b.handler = &Handler{
		SignKey:       signKey,
		WebhookSecret: webhookSecret,
		NowFunc:       func() time.Time { return handlerNow },
		Func: func(ctx context.Context, e *EventContent) error {
			b.got = append(b.got, e)
			b.ids = append(b.ids, WebhookID(ctx))
			return funcErr
		},
	}
	return b
}

func post(t *testing.T, h http.Handler, body []byte, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/vod/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// signedBody is the ClipComplete push signed with testSignKey, expiring at t.
func signedBody(t *testing.T, t0 int64) []byte {
	t.Helper()
	return AppendSign(wire(t, clipComplete()), testSignKey, t0)
}

func TestHandlerSign(t *testing.T) {
	t.Parallel()
	unsigned := wire(t, clipComplete())
	for _, tc := range []struct {
		name     string
		signKey  string
		body     []byte
		funcErr  error
		wantCode int
	}{
		{"GoodSign", testSignKey, signedBody(t, testT), nil, http.StatusNoContent},
		{"ExpiresNow", testSignKey, signedBody(t, handlerNow.Unix()), nil, http.StatusNoContent},
		{"UppercaseSign", testSignKey, bytes.Replace(signedBody(t, testT), []byte(CallbackSign(testSignKey, testT)), []byte(strings.ToUpper(CallbackSign(testSignKey, testT))), 1), nil, http.StatusNoContent},
		{"Expired", testSignKey, signedBody(t, handlerNow.Unix()-1), nil, http.StatusUnauthorized},
		{"WrongKey", "otherKey1", signedBody(t, testT), nil, http.StatusUnauthorized},
		{"SignOfOtherT", testSignKey, bytes.Replace(signedBody(t, testT), []byte(`"T":1700000600`), []byte(`"T":1700000601`), 1), nil, http.StatusUnauthorized},
		{"MissingSign", testSignKey, unsigned, nil, http.StatusUnauthorized},
		{"MissingT", testSignKey, AppendSign(unsigned, testSignKey, 0), nil, http.StatusUnauthorized},
		{"NoKeyUnsigned", "", unsigned, nil, http.StatusNoContent},
		{"NoKeySignedIgnored", "", signedBody(t, 1), nil, http.StatusNoContent},
		{"FuncError", testSignKey, signedBody(t, testT), errors.New("db down"), http.StatusInternalServerError},
		{"BadJSON", testSignKey, []byte(`{"EventType":`), nil, http.StatusBadRequest},
		{"NotAnEvent", "", []byte(`{}`), nil, http.StatusBadRequest},
		{"NullBody", "", []byte(`null`), nil, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupHandler(t, tc.signKey, "", tc.funcErr)
			rec := post(t, b.handler, tc.body, nil)
			if rec.Code != tc.wantCode {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tc.wantCode, rec.Body)
			}
			called := tc.wantCode == http.StatusNoContent || tc.funcErr != nil
			if called != (len(b.got) == 1) {
				t.Fatalf("Func called %d times", len(b.got))
			}
			if called && !reflect.DeepEqual(b.got[0].ClipCompleteEvent, clipComplete().ClipCompleteEvent) {
				t.Fatalf("Func got %+v", b.got[0])
			}
		})
	}
}

func TestHandlerWebhook(t *testing.T) {
	t.Parallel()
	secret := NewWebhookSecret()
	body := wire(t, clipComplete())
	headers := func(ts time.Time, body []byte) http.Header {
		sig, err := WebhookSign(secret, "msg_42", ts.Unix(), body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(WebhookIDHeader, "msg_42")
		h.Set(WebhookTimestampHeader, strconv.FormatInt(ts.Unix(), 10))
		h.Set(WebhookSignatureHeader, sig)
		return h
	}
	for _, tc := range []struct {
		name     string
		secret   string
		signKey  string
		body     []byte
		header   http.Header
		wantCode int
	}{
		{"Good", secret, "", body, headers(handlerNow, body), http.StatusNoContent},
		{"GoodWithSign", secret, testSignKey, signedBody(t, testT), headers(handlerNow, signedBody(t, testT)), http.StatusNoContent},
		{"GoodWebhookBadSign", secret, testSignKey, body, headers(handlerNow, body), http.StatusUnauthorized},
		{"BodyTampered", secret, "", bytes.Replace(body, []byte("f0.mp4"), []byte("f1.mp4"), 1), headers(handlerNow, body), http.StatusUnauthorized},
		{"OtherSecret", NewWebhookSecret(), "", body, headers(handlerNow, body), http.StatusUnauthorized},
		{"Expired", secret, "", body, headers(handlerNow.Add(-6*time.Minute), body), http.StatusUnauthorized},
		{"Future", secret, "", body, headers(handlerNow.Add(6*time.Minute), body), http.StatusUnauthorized},
		{"NoHeaders", secret, "", body, nil, http.StatusUnauthorized},
		{"MalformedSecret", "whsec_!!", "", body, headers(handlerNow, body), http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupHandler(t, tc.signKey, tc.secret, nil)
			rec := post(t, b.handler, tc.body, tc.header)
			if rec.Code != tc.wantCode {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tc.wantCode, rec.Body)
			}
			if ok := tc.wantCode == http.StatusNoContent; ok != (len(b.got) == 1) {
				t.Fatalf("Func called %d times", len(b.got))
			}
			if len(b.ids) == 1 && b.ids[0] != "msg_42" {
				t.Fatalf("WebhookID = %q, want msg_42", b.ids[0])
			}
		})
	}
}

func TestHandlerWebhookIDUnsetWithoutSecret(t *testing.T) {
	t.Parallel()
	b := setupHandler(t, "", "", nil)
	h := http.Header{}
	h.Set(WebhookIDHeader, "msg_forged")
	if rec := post(t, b.handler, wire(t, clipComplete()), h); rec.Code != http.StatusNoContent {
		t.Fatalf("status = %d", rec.Code)
	}
	if b.ids[0] != "" {
		t.Fatalf("WebhookID = %q without a secret", b.ids[0])
	}
}

func TestHandlerRequests(t *testing.T) {
	t.Parallel()
	t.Run("MethodNotAllowed", func(t *testing.T) {
		t.Parallel()
		b := setupHandler(t, "", "", nil)
		rec := httptest.NewRecorder()
		b.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/vod/events", nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost || len(b.got) != 0 {
			t.Fatalf("status = %d, Allow %q, %d calls", rec.Code, rec.Header().Get("Allow"), len(b.got))
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		t.Parallel()
		b := setupHandler(t, "", "", nil)
		body := append([]byte(`{"EventType":"ClipComplete","Pad":"`), bytes.Repeat([]byte("x"), handlerMaxBody)...)
		body = append(body, `"}`...)
		if rec := post(t, b.handler, body, nil); rec.Code != http.StatusRequestEntityTooLarge || len(b.got) != 0 {
			t.Fatalf("status = %d, %d calls", rec.Code, len(b.got))
		}
	})
	t.Run("NilFunc", func(t *testing.T) {
		t.Parallel()
		h := &Handler{}
		if rec := post(t, h, wire(t, clipComplete()), nil); rec.Code != http.StatusInternalServerError {
			t.Fatalf("status = %d", rec.Code)
		}
	})
	t.Run("RealClock", func(t *testing.T) {
		t.Parallel()
		var got string
		h := &Handler{SignKey: testSignKey, Func: func(_ context.Context, e *EventContent) error {
			got = e.EventType
			return nil
		}}
		body := AppendSign(wire(t, clipComplete()), testSignKey, time.Now().Add(10*time.Minute).Unix())
		if rec := post(t, h, body, nil); rec.Code != http.StatusNoContent || got != TypeClipComplete {
			t.Fatalf("status = %d, event %q", rec.Code, got)
		}
	})
}
