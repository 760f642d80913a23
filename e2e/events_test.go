package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/vodevent"
)

// TestPullEvents follows events of uploads and deletes through PullEvents
// and ConfirmEvents, including the long poll and the all-or-nothing confirm.
func TestPullEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := openvodtest.Start(t, openvodtest.Options{})
	srv.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PULL", "UploadMediaCompleteEventSwitch": "ON", "DeleteMediaCompleteEventSwitch": "ON"}, nil)

	fileID, _ := upload(t, srv, fixtureBytes(t))
	var p pulled
	srv.Call(ctx, "PullEvents", nil, &p)
	if len(p.EventSet) != 1 {
		t.Fatalf("EventSet has %d events, want 1", len(p.EventSet))
	}
	ev := decodeEvent(t, p.EventSet[0])
	if ev.EventType != "NewFileUpload" || ev.FileUploadEvent == nil || ev.FileUploadEvent.FileId != fileID || ev.EventHandle == "" {
		t.Fatalf("pulled %s", p.EventSet[0])
	}
	if !strings.HasPrefix(string(p.EventSet[0]), `{"EventHandle":"`+ev.EventHandle+`","EventType":"NewFileUpload","FileUploadEvent":{`) {
		t.Fatalf("pulled event does not start with EventHandle, EventType, FileUploadEvent: %s", p.EventSet[0])
	}
	var state struct{ CountOfEventsToPull int64 }
	srv.Call(ctx, "DescribeEventsState", nil, &state)
	if state.CountOfEventsToPull != 1 {
		t.Fatalf("CountOfEventsToPull = %d before confirm, want 1", state.CountOfEventsToPull)
	}

	// All or nothing: one bad handle confirms nothing.
	err := srv.Client().Call(ctx, "ConfirmEvents", map[string]any{"EventHandles": []string{ev.EventHandle, "bogus"}}, nil)
	var re *vodevent.APIError
	if !errors.As(err, &re) || re.Code != "InvalidParameterValue" || !strings.Contains(re.Message, "bogus") || strings.Contains(re.Message, ev.EventHandle) {
		t.Fatalf("confirm with a bad handle: %v, want InvalidParameterValue naming only the bad handle", err)
	}
	srv.Call(ctx, "DescribeEventsState", nil, &state)
	if state.CountOfEventsToPull != 1 {
		t.Fatalf("a failed confirm consumed the event")
	}
	srv.Call(ctx, "ConfirmEvents", map[string]any{"EventHandles": []string{ev.EventHandle}}, nil)
	srv.Call(ctx, "ConfirmEvents", map[string]any{"EventHandles": []string{ev.EventHandle}}, nil) // again: still valid
	srv.Call(ctx, "DescribeEventsState", nil, &state)
	if state.CountOfEventsToPull != 0 {
		t.Fatalf("CountOfEventsToPull = %d after confirm, want 0", state.CountOfEventsToPull)
	}

	// Long poll: a pull waiting for events answers as soon as one commits.
	done := make(chan pulled, 1)
	start := time.Now()
	go func() {
		var p pulled
		srv.Call(ctx, "PullEvents", nil, &p)
		done <- p
	}()
	time.Sleep(300 * time.Millisecond)
	srv.Call(ctx, "DeleteMedia", map[string]any{"FileId": fileID}, nil)
	p = <-done
	if waited := time.Since(start); waited > 2*time.Second || len(p.EventSet) != 1 {
		t.Fatalf("long poll returned %d events after %s, want 1 soon after the delete", len(p.EventSet), waited)
	}
	ev = decodeEvent(t, p.EventSet[0])
	if ev.EventType != "FileDeleted" || ev.FileDeleteEvent.FileIdSet[0] != fileID {
		t.Fatalf("pulled %s, want FileDeleted of %s", p.EventSet[0], fileID)
	}
	srv.Call(ctx, "ConfirmEvents", map[string]any{"EventHandles": []string{ev.EventHandle}}, nil)

	// Nothing to pull: an empty EventSet after the 5 s hold.
	start = time.Now()
	body := rawCall(t, srv, "PullEvents", `{}`)
	if !strings.HasPrefix(body, `{"Response":{"EventSet":[],"RequestId":"`) || time.Since(start) < 4*time.Second {
		t.Fatalf("empty pull after %s: %s", time.Since(start), body)
	}
}

// TestPushEvents delivers by normal callback with Sign/T and Standard
// Webhooks signatures, retries a failing receiver, records every attempt,
// and makes an event pullable when its retry window ends.
func TestPushEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	var bodies [][]byte
	fail := 1 // answer 500 to the first delivery
	secret := vodevent.NewWebhookSecret()
	receiver := httptest.NewServer(&vodevent.Handler{SignKey: "abc123", WebhookSecret: secret, Func: func(ctx context.Context, e *vodevent.EventContent) error {
		mu.Lock()
		defer mu.Unlock()
		if fail > 0 {
			fail--
			return errors.New("not now")
		}
		b, _ := json.Marshal(e)
		bodies = append(bodies, b)
		return nil
	}})
	defer receiver.Close()
	srv := openvodtest.Start(t, openvodtest.Options{Env: []string{"OPENVOD_PUSH_RETRY_BASE=200ms", "OPENVOD_PUSH_RETRY_WINDOW=3s"}})
	srv.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PUSH", "NotificationUrl": receiver.URL, "SignKey": "abc123",
		"WebhookSecret": secret, "UploadMediaCompleteEventSwitch": "ON"}, nil)

	fileID, _ := upload(t, srv, fixtureBytes(t))
	waitFor(t, "the push", func() bool { mu.Lock(); defer mu.Unlock(); return len(bodies) == 1 })
	var got vodevent.EventContent
	json.Unmarshal(bodies[0], &got)
	if got.EventType != "NewFileUpload" || got.FileUploadEvent.FileId != fileID {
		t.Fatalf("pushed %s", bodies[0])
	}
	var deliveries struct {
		DeliverySet []struct {
			EventType  string
			StatusCode int
			Error      string
		}
	}
	// Attempts are recorded after the answer, asynchronously.
	waitFor(t, "two recorded attempts", func() bool {
		srv.Call(ctx, "DescribeEventDeliveries", nil, &deliveries)
		return len(deliveries.DeliverySet) >= 2
	})
	if len(deliveries.DeliverySet) != 2 || deliveries.DeliverySet[0].StatusCode != 204 || deliveries.DeliverySet[1].StatusCode != 500 {
		t.Fatalf("deliveries = %+v, want a 204 after a 500", deliveries.DeliverySet)
	}

	// A dead receiver: retries end with the window and the event becomes pullable.
	receiver.Close()
	srv.Call(ctx, "DeleteMedia", map[string]any{"FileId": fileID}, nil)
	srv.Call(ctx, "ModifyEventConfig", map[string]any{"DeleteMediaCompleteEventSwitch": "ON"}, nil) // after: no FileDeleted
	start := time.Now()
	var state struct{ CountOfEventsToPull int64 }
	second, _ := upload(t, srv, fixtureBytes(t))
	waitFor(t, "the event to become pullable", func() bool {
		srv.Call(ctx, "DescribeEventsState", nil, &state)
		return state.CountOfEventsToPull == 1
	})
	if time.Since(start) < 2*time.Second {
		t.Fatalf("pullable after %s, before the 3 s retry window ended", time.Since(start))
	}
	var p pulled
	srv.Call(ctx, "PullEvents", nil, &p)
	if ev := decodeEvent(t, p.EventSet[0]); len(p.EventSet) != 1 || ev.FileUploadEvent.FileId != second {
		t.Fatalf("pulled %s, want the upload of %s", p.EventSet, second)
	}
}

// rawCall returns the raw answer of a signed request.
func rawCall(t *testing.T, srv *openvodtest.Server, action, body string) string {
	t.Helper()
	c := srv.Client()
	req, err := c.NewRequest(context.Background(), action, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d", action, resp.StatusCode)
	}
	return string(b)
}

// TestSlowEndpointIsolated: an app whose receiver hangs holds only its own
// share of the push workers; another app's events still arrive at once and
// the API does not slow down.
func TestSlowEndpointIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hang)
	var mu sync.Mutex
	var arrived time.Time
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if arrived.IsZero() {
			arrived = time.Now()
		}
		mu.Unlock()
	}))
	defer fast.Close()
	srv := openvodtest.Start(t, openvodtest.Options{Env: []string{"OPENVOD_PUSH_TIMEOUT=20s", "OPENVOD_PUSH_CONCURRENCY=4"}})
	out, err := exec.Command(openvodtest.Binary(t), "apps", "create", "--data-dir", srv.DataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("apps create: %v\n%s", err, out)
	}
	const other = 1500000002
	srv.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PUSH", "NotificationUrl": slow.URL, "UploadMediaCompleteEventSwitch": "ON"}, nil)
	srv.Call(ctx, "ModifyEventConfig", map[string]any{"SubAppId": other, "Mode": "PUSH", "NotificationUrl": fast.URL, "UploadMediaCompleteEventSwitch": "ON"}, nil)
	for range 12 {
		upload(t, srv, []byte("slow app's file"))
	}
	var applied struct{ VodSessionKey, UploadUrl string }
	start := time.Now()
	srv.Call(ctx, "ApplyUpload", map[string]any{"SubAppId": other, "MediaType": "mp4"}, &applied)
	req, _ := http.NewRequest(http.MethodPut, applied.UploadUrl, strings.NewReader("other app's file"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Call(ctx, "CommitUpload", map[string]any{"SubAppId": other, "VodSessionKey": applied.VodSessionKey}, nil)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the API took %s while an endpoint hangs", d)
	}
	waitFor(t, "the other app's event", func() bool { mu.Lock(); defer mu.Unlock(); return !arrived.IsZero() })
	if d := arrived.Sub(start); d > 2*time.Second {
		t.Fatalf("the other app's event arrived after %s, held up by the hanging endpoint", d)
	}
	var state struct{ CountOfEventsToPull int64 }
	srv.Call(ctx, "DescribeEventsState", nil, &state)
	if state.CountOfEventsToPull != 0 {
		t.Fatalf("the slow app's events became pullable: %d", state.CountOfEventsToPull)
	}
}
