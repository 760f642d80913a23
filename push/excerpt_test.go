package push_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/push"
	"github.com/openvod/openvod/store/sqlite"
)

// TestResponseExcerpt: a receiver answers 500 with a 3000-byte body whose
// 1024th byte is inside a two-byte character; the attempt records the first
// 1023 bytes (the cut character dropped), and the hub tells the app's
// watchers that its events changed.
func TestResponseExcerpt(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	app, err := st.AppCreate(ctx, "a", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	answer := strings.Repeat("x", 1023) + "é" + strings.Repeat("y", 3000-1025)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	if err := st.EventConfigPut(ctx, &openvod.EventConfig{SubAppID: app.ID, Mode: openvod.EventModePush, NotificationURL: srv.URL, UpdateTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	hub := eventlog.NewHub()
	d := push.New(push.Config{Store: st, Hub: hub, Owner: "live", Timeout: time.Second, PollInterval: 50 * time.Millisecond,
		Backoff: push.Backoff{Base: time.Hour, Max: time.Hour}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Client: push.NewClient(loopback())})
	hub.PushFunc = d.Enqueue
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	committed := hub.Watch(app.ID)
	emit(t, &eventlog.Log{Store: st, Hub: hub, Owner: "live"}, app.ID, "c", 1)
	select {
	case <-committed:
	case <-time.After(time.Second):
		t.Fatal("watchers not told of the committed event")
	}
	changed := hub.Watch(app.ID)
	var got []*openvod.DeliveryAttempt
	waitFor(t, 3*time.Second, "the attempt to be recorded", func() bool {
		got, err = st.DeliveryAttemptList(ctx, app.ID, "", 10)
		return err == nil && len(got) == 1
	})
	if want := strings.Repeat("x", 1023); got[0].ResponseExcerpt != want || got[0].StatusCode != 500 {
		t.Fatalf("attempt: status %d, excerpt of %d bytes %q...; want 500 and 1023 x", got[0].StatusCode, len(got[0].ResponseExcerpt), got[0].ResponseExcerpt[:10])
	}
	select {
	case <-changed:
	case <-time.After(time.Second):
		t.Fatal("watchers not told of the recorded attempt")
	}
}

// TestSendOnce: a synchronous POST returns the receiver's answer and
// records nothing.
func TestSendOnce(t *testing.T) {
	var gotBody, gotSig string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody, gotSig = string(b), r.Header.Get("webhook-signature")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "ok\x00\xff")
	}))
	t.Cleanup(srv.Close)
	d := push.New(push.Config{Client: push.NewClient(loopback())})
	e := &openvod.Event{ID: "evt_test", Body: []byte(`{"EventType":"TestEvent"}`)}
	out := d.SendOnce(context.Background(), e, &openvod.EventConfig{NotificationURL: srv.URL, SignKey: "key",
		WebhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if out.StatusCode != 202 || out.Error != "" || out.ResponseExcerpt != "ok" || out.Latency <= 0 {
		t.Fatalf("outcome %+v; want 202, no error, excerpt \"ok\"", out)
	}
	if !strings.HasPrefix(gotBody, `{"EventType":"TestEvent","Sign":"`) || gotSig == "" {
		t.Fatalf("body %s, webhook-signature %q: want signed as deliveries are", gotBody, gotSig)
	}
	if !utf8.ValidString(out.ResponseExcerpt) {
		t.Fatal("excerpt not UTF-8")
	}
}
