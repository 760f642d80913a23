package vodevent

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testSecretId  = "AKIDtest"
	testSecretKey = "SECRETKEYtest0123456789abcdef"
	testSubAppId  = 1500000001
)

// pullAnswer scripts one PullEvents answer.
type pullAnswer struct {
	httpStatus int    // not 0: answer this status with a text body
	errCode    string // not "": answer this API error
	events     []*EventContent
}

// fakeVOD implements PullEvents and ConfirmEvents, verifying each request's
// TC3 signature with TC3Sign. Once its script is used up, PullEvents holds
// the request like a long poll: until the client goes away, or 5 s.
type fakeVOD struct {
	srv *httptest.Server

	mu        sync.Mutex
	script    []pullAnswer
	leased    map[string]bool
	bodies    map[string][]string // action -> raw request bodies
	confirmed [][]string
	requests  int

	confirms chan []string // each accepted ConfirmEvents
	idle     chan struct{} // each PullEvents past the script
}

func newFakeVOD(t *testing.T, script ...pullAnswer) *fakeVOD {
	t.Helper()
	f := &fakeVOD{
		script:   script,
		leased:   map[string]bool{},
		bodies:   map[string][]string{},
		confirms: make(chan []string, 100),
		idle:     make(chan struct{}, 100),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeVOD) puller(fn func(context.Context, *EventContent) error) *Puller {
	return &Puller{
		Endpoint: f.srv.URL, SecretId: testSecretId, SecretKey: testSecretKey, SubAppId: testSubAppId,
		Func: fn, BackoffMin: time.Millisecond, BackoffMax: 4 * time.Millisecond,
	}
}

func (f *fakeVOD) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	action := r.Header.Get("X-TC-Action")
	f.mu.Lock()
	f.requests++
	reqID := "req-" + strconv.Itoa(f.requests)
	f.mu.Unlock()
	answer := func(v map[string]any) {
		v["RequestId"] = reqID
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"Response": v})
	}
	fail := func(code, msg string) {
		answer(map[string]any{"Error": map[string]string{"Code": code, "Message": msg}})
	}
	if code, msg := f.verify(r, body); code != "" {
		fail(code, msg)
		return
	}
	f.mu.Lock()
	f.bodies[action] = append(f.bodies[action], string(body))
	f.mu.Unlock()

	switch action {
	case "PullEvents":
		f.mu.Lock()
		if len(f.script) == 0 {
			f.mu.Unlock()
			f.idle <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
				answer(map[string]any{"EventSet": []any{}})
			}
			return
		}
		a := f.script[0]
		f.script = f.script[1:]
		for _, e := range a.events {
			f.leased[e.EventHandle] = true
		}
		f.mu.Unlock()
		switch {
		case a.httpStatus != 0:
			http.Error(w, "upstream trouble", a.httpStatus)
		case a.errCode != "":
			fail(a.errCode, "scripted")
		default:
			answer(map[string]any{"EventSet": a.events})
		}
	case "ConfirmEvents":
		var req struct{ EventHandles []string }
		if err := json.Unmarshal(body, &req); err != nil || len(req.EventHandles) == 0 || len(req.EventHandles) > 16 {
			fail("InvalidParameterValue.EventHandles", "1 to 16 handles")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, h := range req.EventHandles {
			if !f.leased[h] {
				fail("InvalidParameterValue", "unknown or expired EventHandles: "+h)
				return
			}
		}
		f.confirmed = append(f.confirmed, req.EventHandles)
		f.confirms <- req.EventHandles
		answer(map[string]any{})
	default:
		fail("InvalidAction", action)
	}
}

// verify checks the request's headers and TC3 signature as a server does;
// it returns an error code, or "".
func (f *fakeVOD) verify(r *http.Request, body []byte) (code, msg string) {
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/json" {
		return "InvalidRequest", r.Method + " " + r.URL.Path + " " + r.Header.Get("Content-Type")
	}
	if r.Header.Get("X-TC-Version") != "2018-07-17" {
		return "NoSuchVersion", r.Header.Get("X-TC-Version")
	}
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "TC3-HMAC-SHA256 ")
	parts := strings.Split(auth, ", ")
	if !ok || len(parts) != 3 {
		return "AuthFailure.InvalidAuthorization", auth
	}
	cred, ok1 := strings.CutPrefix(parts[0], "Credential=")
	signed, ok2 := strings.CutPrefix(parts[1], "SignedHeaders=")
	sig, ok3 := strings.CutPrefix(parts[2], "Signature=")
	scope := strings.Split(cred, "/")
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if !ok1 || !ok2 || !ok3 || len(scope) != 4 || scope[3] != "tc3_request" || signed != "content-type;host" || err != nil {
		return "AuthFailure.InvalidAuthorization", auth
	}
	if scope[0] != testSecretId {
		return "AuthFailure.SecretIdNotFound", scope[0]
	}
	if scope[1] != time.Unix(ts, 0).UTC().Format(time.DateOnly) || scope[2] != "vod" {
		return "AuthFailure.InvalidAuthorization", cred
	}
	want := TC3Sign(TC3SignInput{
		SecretKey: testSecretKey, Service: scope[2], Timestamp: ts, Method: r.Method, Path: "/",
		RawQuery: r.URL.RawQuery, SignedHeaders: signed,
		Headers:     map[string]string{"content-type": r.Header.Get("Content-Type"), "host": r.Host},
		PayloadHash: TC3PayloadHash(body),
	})
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return "AuthFailure.SignatureFailure", "signature mismatch"
	}
	return "", ""
}

func (f *fakeVOD) snapshot() (confirmed [][]string, bodies map[string][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.confirmed), f.bodies
}

func withHandle(e *EventContent, h string) *EventContent {
	e.EventHandle = h
	return e
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// runPuller starts p.Run and returns a function that cancels it and
// returns Run's error.
func runPuller(t *testing.T, p *Puller) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() error {
		cancel()
		return wait(t, done, "Run to return")
	}
}

func TestPullerPullOnceAndConfirm(t *testing.T) {
	t.Parallel()
	events := []*EventContent{withHandle(clipComplete(), "h1"), withHandle(newFileUpload(), "h2")}
	f := newFakeVOD(t, pullAnswer{events: events})
	p := f.puller(nil)

	got, err := p.PullOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, events) {
		t.Fatalf("PullOnce = %+v", got)
	}
	if err := p.Confirm(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Confirm(t.Context(), []string{"h1", "h2"}); err != nil {
		t.Fatal(err)
	}
	_, bodies := f.snapshot()
	if want := []string{`{"SubAppId":1500000001}`}; !slices.Equal(bodies["PullEvents"], want) {
		t.Errorf("PullEvents bodies = %q, want %q", bodies["PullEvents"], want)
	}
	if want := []string{`{"EventHandles":["h1","h2"],"SubAppId":1500000001}`}; !slices.Equal(bodies["ConfirmEvents"], want) {
		t.Errorf("ConfirmEvents bodies = %q, want %q", bodies["ConfirmEvents"], want)
	}

	err = p.Confirm(t.Context(), []string{"h1", "nope"})
	ae, ok := errors.AsType[*APIError](err)
	if !ok || ae.Code != "InvalidParameterValue" || ae.RequestId == "" || !strings.Contains(ae.Message, "nope") {
		t.Fatalf("Confirm with an unknown handle = %v", err)
	}
}

func TestPullerConfirmBatchesAndNoSubAppId(t *testing.T) {
	t.Parallel()
	var events []*EventContent
	var handles []string
	for i := range 20 {
		h := fmt.Sprintf("h%02d", i)
		events = append(events, withHandle(clipComplete(), h))
		handles = append(handles, h)
	}
	f := newFakeVOD(t, pullAnswer{events: events[:16]}, pullAnswer{events: events[16:]})
	p := f.puller(nil)
	p.SubAppId = 0
	for range 2 {
		if _, err := p.PullOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Confirm(t.Context(), handles); err != nil {
		t.Fatal(err)
	}
	confirmed, bodies := f.snapshot()
	if want := [][]string{handles[:16], handles[16:]}; !reflect.DeepEqual(confirmed, want) {
		t.Fatalf("confirmed %q, want %q", confirmed, want)
	}
	if want := []string{`{}`, `{}`}; !slices.Equal(bodies["PullEvents"], want) {
		t.Errorf("PullEvents bodies = %q, want %q", bodies["PullEvents"], want)
	}
	if want := `{"EventHandles":["h16","h17","h18","h19"]}`; bodies["ConfirmEvents"][1] != want {
		t.Errorf("ConfirmEvents body = %s, want %s", bodies["ConfirmEvents"][1], want)
	}
}

func TestPullerAuthErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, id, key, wantCode string }{
		{"WrongKey", testSecretId, "wrong", "AuthFailure.SignatureFailure"},
		{"WrongId", "AKIDother", testSecretKey, "AuthFailure.SecretIdNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeVOD(t, pullAnswer{events: []*EventContent{withHandle(clipComplete(), "h1")}})
			calls := 0
			p := f.puller(func(context.Context, *EventContent) error { calls++; return nil })
			p.SecretId, p.SecretKey = tc.id, tc.key

			_, err := p.PullOnce(t.Context())
			if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != tc.wantCode || ae.RequestId == "" {
				t.Fatalf("PullOnce = %v, want %s", err, tc.wantCode)
			}
			err = p.Run(t.Context())
			if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != tc.wantCode {
				t.Fatalf("Run = %v, want %s", err, tc.wantCode)
			}
			if calls != 0 {
				t.Fatalf("Func called %d times", calls)
			}
		})
	}
}

func TestPullerRunConfirmsOnlySuccesses(t *testing.T) {
	t.Parallel()
	f := newFakeVOD(t, pullAnswer{events: []*EventContent{
		withHandle(clipComplete(), "h1"), withHandle(fileDeleted(), "h2"), withHandle(persistenceComplete(), "h3"),
	}})
	boom := errors.New("boom")
	var seen []string
	var reported []error
	p := f.puller(func(_ context.Context, e *EventContent) error {
		seen = append(seen, e.EventHandle)
		if e.EventType == TypeFileDeleted {
			return boom
		}
		return nil
	})
	p.ErrorFunc = func(err error) { reported = append(reported, err) }
	stop := runPuller(t, p)
	if got := wait(t, f.confirms, "ConfirmEvents"); !slices.Equal(got, []string{"h1", "h3"}) {
		t.Fatalf("confirmed %q, want [h1 h3]", got)
	}
	wait(t, f.idle, "the next PullEvents")
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if !slices.Equal(seen, []string{"h1", "h2", "h3"}) {
		t.Fatalf("Func saw %q", seen)
	}
	if len(reported) != 1 || !errors.Is(reported[0], boom) {
		t.Fatalf("ErrorFunc got %v", reported)
	}
	if confirmed, _ := f.snapshot(); len(confirmed) != 1 {
		t.Fatalf("confirmed %q", confirmed)
	}
}

func TestPullerRunFailingFuncNoConfirm(t *testing.T) {
	t.Parallel()
	f := newFakeVOD(t, pullAnswer{events: []*EventContent{withHandle(clipComplete(), "h1")}})
	calls := 0
	p := f.puller(func(context.Context, *EventContent) error { calls++; return errors.New("db down") })
	stop := runPuller(t, p)
	wait(t, f.idle, "the next PullEvents")
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	confirmed, bodies := f.snapshot()
	if calls != 1 || len(confirmed) != 0 || len(bodies["ConfirmEvents"]) != 0 {
		t.Fatalf("%d calls, confirmed %q, ConfirmEvents bodies %q", calls, confirmed, bodies["ConfirmEvents"])
	}
}

func TestPullerRunRetriesTransientErrors(t *testing.T) {
	t.Parallel()
	f := newFakeVOD(t,
		pullAnswer{httpStatus: http.StatusBadGateway},
		pullAnswer{errCode: "InternalError"},
		pullAnswer{errCode: "RequestLimitExceeded"},
		pullAnswer{events: []*EventContent{withHandle(clipComplete(), "h1")}},
	)
	var reported []error
	p := f.puller(func(context.Context, *EventContent) error { return nil })
	p.ErrorFunc = func(err error) { reported = append(reported, err) }
	stop := runPuller(t, p)
	if got := wait(t, f.confirms, "ConfirmEvents"); !slices.Equal(got, []string{"h1"}) {
		t.Fatalf("confirmed %q", got)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	if len(reported) != 3 {
		t.Fatalf("ErrorFunc got %v", reported)
	}
	if _, ok := errors.AsType[*APIError](reported[0]); ok || !strings.Contains(reported[0].Error(), "HTTP 502") {
		t.Errorf("first error = %v", reported[0])
	}
	if ae, ok := errors.AsType[*APIError](reported[1]); !ok || ae.Code != "InternalError" {
		t.Errorf("second error = %v", reported[1])
	}
}

// TestPullerRunConfirmsBeforeLeaseEnds checks that when Func is slow, the
// finished events are confirmed once 20 s of the 30 s lease have passed.
func TestPullerRunConfirmsBeforeLeaseEnds(t *testing.T) {
	t.Parallel()
	f := newFakeVOD(t, pullAnswer{events: []*EventContent{
		withHandle(clipComplete(), "h1"), withHandle(clipComplete(), "h2"), withHandle(clipComplete(), "h3"),
	}})
	var clock atomic.Int64
	clock.Store(1700000000)
	p := f.puller(func(context.Context, *EventContent) error {
		clock.Add(11) // each event takes 11 s
		return nil
	})
	p.NowFunc = func() time.Time { return time.Unix(clock.Load(), 0) }
	stop := runPuller(t, p)
	first := wait(t, f.confirms, "the first ConfirmEvents")
	second := wait(t, f.confirms, "the second ConfirmEvents")
	stop()
	if !slices.Equal(first, []string{"h1", "h2"}) || !slices.Equal(second, []string{"h3"}) {
		t.Fatalf("confirmed %q then %q, want [h1 h2] then [h3]", first, second)
	}
}

// TestPullerRunCancelMidBatch checks that Run stops calling Func when ctx
// ends and still confirms what Func finished.
func TestPullerRunCancelMidBatch(t *testing.T) {
	t.Parallel()
	f := newFakeVOD(t, pullAnswer{events: []*EventContent{withHandle(clipComplete(), "h1"), withHandle(clipComplete(), "h2")}})
	ctx, cancel := context.WithCancel(t.Context())
	var seen []string
	p := f.puller(func(_ context.Context, e *EventContent) error {
		seen = append(seen, e.EventHandle)
		cancel()
		return nil
	})
	if err := p.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	confirmed, _ := f.snapshot()
	if !slices.Equal(seen, []string{"h1"}) || !reflect.DeepEqual(confirmed, [][]string{{"h1"}}) {
		t.Fatalf("Func saw %q, confirmed %q", seen, confirmed)
	}
}

func TestPullerRunConfigErrors(t *testing.T) {
	t.Parallel()
	if err := (&Puller{Endpoint: "http://127.0.0.1:1"}).Run(t.Context()); err == nil {
		t.Error("Run without Func: no error")
	}
	p := &Puller{Endpoint: "127.0.0.1:8080", Func: func(context.Context, *EventContent) error { return nil }}
	if err := p.Run(t.Context()); err == nil {
		t.Error("Run with a relative Endpoint: no error")
	}
}

func TestPermanent(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{
		"AuthFailure.SignatureFailure":         true,
		"AuthFailure":                          true,
		"InvalidParameterValue.SubAppId":       true,
		"InvalidParameter":                     true,
		"UnauthorizedOperation":                true,
		"FailedOperation.InvalidVodUser":       true,
		"InternalError":                        false,
		"InternalError.DBError":                false,
		"RequestLimitExceeded":                 false,
		"FailedOperation":                      false,
		"ResourceNotFound":                     false,
		"AuthFailureX":                         false,
		"InvalidParameterValueX.Something":     false,
		"RequestLimitExceeded.IPLimitExceeded": false,
	} {
		if got := permanent(&APIError{Code: code}); got != want {
			t.Errorf("permanent(%s) = %v, want %v", code, got, want)
		}
	}
	if permanent(errors.New("dial tcp: refused")) {
		t.Error("a transport error is permanent")
	}
	if got := (&APIError{Code: "InternalError", Message: "oops", RequestId: "r1"}).Error(); got != "vodevent: InternalError: oops (RequestId r1)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestPullerBackoff(t *testing.T) {
	t.Parallel()
	p := &Puller{}
	for n := 1; n <= 12; n++ {
		full := min(time.Second<<(n-1), time.Minute)
		for range 50 {
			if d := p.backoff(n); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, full/2, full)
			}
		}
	}
}
