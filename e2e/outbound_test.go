package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/vodevent"

	_ "modernc.org/sqlite" // registers driver "sqlite", to break a server's database
)

type pullTask struct {
	Status         string
	PullUploadTask struct {
		ErrCode int64
		Message string
	}
}

type deliveries struct {
	DeliverySet []struct {
		EventType  string
		StatusCode int
		Error      string
	}
}

// waitPull waits for a PullUpload task to finish and returns its detail.
func waitPull(t *testing.T, srv *openvodtest.Server, taskID string) *pullTask {
	t.Helper()
	var d pullTask
	waitFor(t, "the pull to finish", func() bool {
		srv.Call(context.Background(), "DescribeTaskDetail", map[string]any{"TaskId": taskID}, &d)
		return d.Status == "FINISH"
	})
	return &d
}

// TestOutboundDenied denies loopback with OPENVOD_OUTBOUND_DENY: a PullUpload
// from a loopback source and a push to a loopback receiver are refused
// without a request being made.
func TestOutboundDenied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var requests atomic.Int32
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) })
	source := httptest.NewServer(count)
	defer source.Close()
	receiver := httptest.NewServer(count)
	defer receiver.Close()
	srv := openvodtest.Start(t, openvodtest.Options{Env: []string{"OPENVOD_OUTBOUND_DENY=127.0.0.0/8,::1/128", "OPENVOD_PUSH_RETRY_BASE=200ms"}})

	// PullUpload by address and by name (localhost resolves to loopback).
	_, port, _ := strings.Cut(strings.TrimPrefix(source.URL, "http://"), ":")
	for _, u := range []string{source.URL + "/clip.mp4", "http://localhost:" + port + "/clip.mp4"} {
		var pulled struct{ TaskId string }
		srv.Call(ctx, "PullUpload", map[string]any{"MediaUrl": u}, &pulled)
		d := waitPull(t, srv, pulled.TaskId)
		if d.PullUploadTask.ErrCode != 60000 || !strings.Contains(d.PullUploadTask.Message, "not allowed") ||
			!strings.Contains(d.PullUploadTask.Message, "denied by the outbound policy") {
			t.Fatalf("PullUpload of %s finished with %d %q, want 60000 and the outbound policy", u, d.PullUploadTask.ErrCode, d.PullUploadTask.Message)
		}
	}

	srv.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PUSH", "NotificationUrl": receiver.URL, "UploadMediaCompleteEventSwitch": "ON"}, nil)
	upload(t, srv, fixtureBytes(t))
	var ds deliveries
	waitFor(t, "a failed delivery", func() bool {
		srv.Call(ctx, "DescribeEventDeliveries", nil, &ds)
		return len(ds.DeliverySet) > 0
	})
	if d := ds.DeliverySet[0]; d.StatusCode != 0 || !strings.Contains(d.Error, "denied by the outbound policy") {
		t.Fatalf("delivery = %+v, want a failure by the outbound policy", d)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("the source and receiver got %d requests, want none", n)
	}
}

// TestSecretsNotLogged runs what handles secrets (event config with a
// SignKey and a WebhookSecret, an upload session, a signed push, a request
// with a wrong signature, store calls with a session key that fail) with
// debug logging and looks for them in the server's output. It also pulls
// from a source that redirects to the cloud metadata address, which the
// default policy refuses.
func TestSecretsNotLogged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	signKey := "signkey" + strings.Repeat("7", 20)
	webhookSecret := vodevent.NewWebhookSecret()
	var mu sync.Mutex
	pushed := 0
	receiver := httptest.NewServer(&vodevent.Handler{SignKey: signKey, WebhookSecret: webhookSecret, Func: func(context.Context, *vodevent.EventContent) error {
		mu.Lock()
		defer mu.Unlock()
		pushed++
		return nil
	}})
	defer receiver.Close()
	srv := openvodtest.Start(t, openvodtest.Options{})
	srv.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PUSH", "NotificationUrl": receiver.URL, "SignKey": signKey,
		"WebhookSecret": webhookSecret, "UploadMediaCompleteEventSwitch": "ON"}, nil)

	// An upload, keeping its session key and URL.
	var applied struct{ VodSessionKey, UploadUrl string }
	srv.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "secret"}, &applied)
	resp, err := http.Post(applied.UploadUrl, "video/mp4", nil) // not a PUT: an error the handler may log
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPut, applied.UploadUrl, bytes.NewReader(fixtureBytes(t)))
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT upload: %v %v", resp, err)
	}
	resp.Body.Close()
	srv.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, nil)
	if err := srv.Client().Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey + "x"}, nil); err == nil {
		t.Fatal("CommitUpload of an unknown session succeeded")
	}
	waitFor(t, "the signed push", func() bool { mu.Lock(); defer mu.Unlock(); return pushed == 1 })

	// Signed requests: a good one and one signed with a wrong key.
	var signatures []string
	sigRE := regexp.MustCompile(`Signature=([0-9a-f]+)`)
	for _, key := range []string{openvodtest.SecretKey, "wrong" + openvodtest.SecretKey} {
		c := srv.Client()
		c.SecretKey = key
		req, err := c.NewRequest(ctx, "DescribeEventsState", []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		m := sigRE.FindStringSubmatch(req.Header.Get("Authorization"))
		if m == nil {
			t.Fatalf("no Signature in %q", req.Header.Get("Authorization"))
		}
		signatures = append(signatures, m[1])
		resp, err := c.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var apiErr *vodevent.APIError
	wrong := srv.Client()
	wrong.SecretKey = "wrong" + openvodtest.SecretKey
	if err := wrong.Call(ctx, "DescribeEventsState", nil, nil); !errors.As(err, &apiErr) || !strings.HasPrefix(apiErr.Code, "AuthFailure") {
		t.Fatalf("call with a wrong key: %v, want AuthFailure", err)
	}

	// A source that redirects to the metadata address.
	source := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest/meta-data/iam/security-credentials/", http.StatusFound))
	defer source.Close()
	var pulled struct{ TaskId string }
	srv.Call(ctx, "PullUpload", map[string]any{"MediaUrl": source.URL + "/clip.mp4"}, &pulled)
	if d := waitPull(t, srv, pulled.TaskId); d.PullUploadTask.ErrCode != 60000 || !strings.Contains(d.PullUploadTask.Message, "169.254.169.254 is denied by the outbound policy") {
		t.Fatalf("PullUpload redirected to the metadata address finished with %d %q", d.PullUploadTask.ErrCode, d.PullUploadTask.Message)
	}

	// Store calls that fail while they carry a session key: the table is
	// renamed away under the server, so the PUT's session lookup and
	// CommitUpload fail and are logged.
	var broken struct{ VodSessionKey, UploadUrl string }
	srv.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4"}, &broken)
	db, err := sql.Open("sqlite", filepath.Join(srv.DataDir, "openvod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ALTER TABLE upload_session RENAME TO upload_session_away`); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodPut, broken.UploadUrl, bytes.NewReader([]byte("bytes")))
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("PUT while the store fails: %v %v, want 500", resp, err)
	}
	resp.Body.Close()
	if err := srv.Client().Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": broken.VodSessionKey}, nil); err == nil {
		t.Fatal("CommitUpload succeeded while the store fails")
	}
	if _, err := db.Exec(`ALTER TABLE upload_session_away RENAME TO upload_session`); err != nil {
		t.Fatal(err)
	}

	u, err := url.Parse(applied.UploadUrl)
	if err != nil {
		t.Fatal(err)
	}
	bu, err := url.Parse(broken.UploadUrl)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"SecretKey":                 openvodtest.SecretKey,
		"SignKey":                   signKey,
		"WebhookSecret":             webhookSecret,
		"VodSessionKey":             applied.VodSessionKey,
		"UploadUrl":                 u.Path,
		"good request's Signature":  signatures[0],
		"wrong request's Signature": signatures[1],
	}
	secrets["VodSessionKey of the failing store calls"] = broken.VodSessionKey
	secrets["UploadUrl of the failing store calls"] = bu.Path
	// The secret part of a WebhookSecret, without its "whsec_" prefix.
	secrets["WebhookSecret key"] = strings.TrimPrefix(webhookSecret, "whsec_")
	logs := srv.Stderr.String() + srv.Stdout.String()
	if !strings.Contains(logs, "DescribeEventsState") {
		t.Fatalf("the log has no request lines; is it at debug level?\n%s", logs)
	}
	for _, line := range []string{"upload session lookup failed", "no such table: upload_session"} {
		if !strings.Contains(logs, line) {
			t.Fatalf("the log does not show the failing store calls (%q)\n%s", line, logs)
		}
	}
	for what, secret := range secrets {
		if secret == "" {
			t.Fatalf("%s is empty", what)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains the %s %q", what, secret)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs)
	}
}
