package tcapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/pull"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/vodevent"
)

type testBundle struct {
	st     store.Store
	blobs  blob.Bucket
	srv    *httptest.Server
	client *vodevent.Client
	now    time.Time
	logs   *bytes.Buffer
}

// setup starts the gateway in process on a fresh SQLite store and data directory.
func setup(t *testing.T) *testBundle {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return setupStore(t, st)
}

// setupStore starts the gateway in process on st, a fresh store, and a
// fresh data directory.
func setupStore(t *testing.T, st store.Store) *testBundle {
	t.Helper()
	blobs, err := local.New(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	return setupBlobs(t, st, blobs)
}

// setupBlobs starts the gateway in process on st, a fresh store, and
// blobs, its media store.
func setupBlobs(t *testing.T, st store.Store, blobs blob.Bucket) *testBundle {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	if _, err := st.AppCreate(ctx, "default", now); err != nil {
		t.Fatal(err)
	}
	if err := st.KeyInsert(ctx, &openvod.APIKey{SecretID: "AKIDtest", SecretKey: "secret", CreateTime: now}); err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	hub := eventlog.NewHub()
	events := &eventlog.Log{Store: st, Hub: hub, Owner: "test", NowFunc: func() time.Time { return now }}
	svc := &media.Service{Store: st, Blobs: blobs, PublicURL: "http://vod.test", UploadTTL: time.Hour, Events: events, Logger: logger}
	api := New(Config{Store: st, Media: svc, Sources: blobs, Logger: logger, NowFunc: func() time.Time { return now },
		Events: events, Pull: &pull.Queue{Store: st, Hub: hub, NowFunc: func() time.Time { return now }}})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &testBundle{st: st, blobs: blobs, srv: srv, now: now, logs: logs,
		client: &vodevent.Client{Endpoint: srv.URL, SecretId: "AKIDtest", SecretKey: "secret", HTTPClient: srv.Client(), NowFunc: func() time.Time { return now }}}
}

// do sends a signed request, lets mutate change it, and returns the raw answer.
func (b *testBundle) do(t *testing.T, action, body string, mutate func(*http.Request)) (*http.Response, []byte) {
	t.Helper()
	req, err := b.client.NewRequest(context.Background(), action, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(req)
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var env struct {
		Response struct {
			Error     struct{ Code, Message string }
			RequestId string
		}
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("answer is not JSON: %s", body)
	}
	if env.Response.RequestId == "" {
		t.Fatalf("answer has no RequestId: %s", body)
	}
	if env.Response.Error.Code != "" && env.Response.Error.Message == "" {
		t.Fatalf("error without a message: %s", body)
	}
	return env.Response.Error.Code
}

func TestGatewayErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	big := `{"MediaType":"` + strings.Repeat("a", MaxBodySize) + `"}`
	tests := []struct {
		name, action, body string
		mutate             func(*http.Request)
		want               string
	}{
		{"OK", "DescribeMediaInfos", `{"FileIds":["1"]}`, nil, ""},
		{"ErrMethod", "DescribeMediaInfos", `{}`, func(r *http.Request) { r.Method = http.MethodPut }, "UnsupportedProtocol"},
		{"ErrNoAuthorization", "DescribeMediaInfos", `{}`, func(r *http.Request) { r.Header.Del("Authorization") }, "AuthFailure.InvalidAuthorization"},
		{"ErrMalformedAuthorization", "DescribeMediaInfos", `{}`, func(r *http.Request) { r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=x") }, "AuthFailure.InvalidAuthorization"},
		{"ErrAlgorithm", "DescribeMediaInfos", `{}`, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "TC3-HMAC-SHA256", "HMAC", 1))
		}, "AuthFailure.InvalidAuthorization"},
		{"ErrTimestampNotNumber", "DescribeMediaInfos", `{}`, func(r *http.Request) { r.Header.Set("X-TC-Timestamp", "soon") }, "AuthFailure.InvalidAuthorization"},
		{"ErrSkew", "DescribeMediaInfos", `{}`, func(r *http.Request) { r.Header.Set("X-TC-Timestamp", "1000") }, "AuthFailure.SignatureExpire"},
		{"ErrUnknownKey", "DescribeMediaInfos", `{}`, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AKIDtest", "AKIDnobody", 1))
		}, "AuthFailure.SecretIdNotFound"},
		{"ErrTamperedBody", "DescribeMediaInfos", `{"FileIds":["1"]}`, func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(`{"FileIds":["2"]}`))
		}, "AuthFailure.SignatureFailure"},
		{"ErrVersion", "DescribeMediaInfos", `{}`, func(r *http.Request) { r.Header.Set("X-TC-Version", "2017-01-01") }, "NoSuchVersion"},
		{"ErrAction", "NoSuchAction", `{}`, nil, "InvalidAction"},
		{"ErrBodyNotObject", "DescribeMediaInfos", `[1]`, nil, "InvalidParameter"},
		{"ErrType", "DescribeMediaInfos", `{"FileIds":"1"}`, nil, "InvalidParameter"},
		{"ErrSubAppIdType", "DescribeMediaInfos", `{"FileIds":["1"],"SubAppId":"x"}`, nil, "InvalidParameter"},
		{"ErrSubAppId", "DescribeMediaInfos", `{"FileIds":["1"],"SubAppId":1999999999}`, nil, "InvalidParameterValue.SubAppId"},
		{"ErrUnknownField", "DescribeMediaInfos", `{"FileIds":["1"],"Nope":1}`, nil, "UnknownParameter"},
		{"ErrFieldCase", "DescribeMediaInfos", `{"fileids":["1"]}`, nil, "UnknownParameter"},
		{"ErrMissing", "DescribeMediaInfos", `{}`, nil, "MissingParameter"},
		{"ErrNullElement", "DescribeMediaInfos", `{"FileIds":[null]}`, nil, "InvalidParameter"},
		{"ErrNullRequired", "DescribeMediaInfos", `{"FileIds":null}`, nil, "MissingParameter"},
		{"ErrTooBig", "ApplyUpload", big, nil, "RequestSizeLimitExceeded"},
		{"IgnoredTencentFields", "ApplyUpload", `{"MediaType":"mp4","StorageRegion":"ap-guangzhou","ExtInfo":"","CoverType":"jpg"}`, nil, ""},
	}
	ids := map[string]bool{}
	for _, tt := range tests {
		resp, body := b.do(t, tt.action, tt.body, tt.mutate)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: HTTP %d %q, want 200 application/json", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if got := errorCode(t, body); got != tt.want {
			t.Errorf("%s: code %q, want %q (%s)", tt.name, got, tt.want, body)
		}
		var env struct{ Response struct{ RequestId string } }
		json.Unmarshal(body, &env)
		if ids[env.Response.RequestId] {
			t.Errorf("%s: RequestId %s repeated", tt.name, env.Response.RequestId)
		}
		ids[env.Response.RequestId] = true
		if !strings.Contains(b.logs.String(), "request_id="+env.Response.RequestId) {
			t.Errorf("%s: RequestId %s not in the log", tt.name, env.Response.RequestId)
		}
	}
}

// TestSignatureHostWithoutPort accepts the Node.js SDK's way of signing the
// host name without its port, with a service taken from the Credential.
func TestSignatureHostWithoutPort(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := []byte(`{"FileIds":["1"]}`)
	host := strings.TrimPrefix(b.srv.URL, "http://")
	hostname := host[:strings.LastIndex(host, ":")]
	sig := Sign(SignInput{SecretKey: "secret", Service: "127", Timestamp: b.now.Unix(), Method: "POST", Path: "/",
		SignedHeaders: "content-type;host", Headers: map[string]string{"content-type": "application/json", "host": hostname},
		PayloadHash: PayloadHash(body)})
	_, out := b.do(t, "DescribeMediaInfos", string(body), func(r *http.Request) {
		r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=AKIDtest/2026-11-28/127/tc3_request, SignedHeaders=content-type;host, Signature="+sig)
	})
	if code := errorCode(t, out); code != "" {
		t.Fatalf("code %q, want success: %s", code, out)
	}
}

// TestEnvelopeBytes pins the exact bytes of a success and an error answer.
func TestEnvelopeBytes(t *testing.T) {
	t.Parallel()
	b, err := successBody(&struct {
		URL string `json:"Url"`
		N   float64
	}{"http://x/?a=1&b=<2>", 30.5}, "id-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Response":{"Url":"http://x/?a=1&b=<2>","N":30.5,"RequestId":"id-1"}}`; string(b) != want {
		t.Fatalf("success body\n got %s\nwant %s", b, want)
	}
	if b, _ := successBody(nil, "id-2"); string(b) != `{"Response":{"RequestId":"id-2"}}` {
		t.Fatalf("empty success body = %s", b)
	}
	if b := errorBody(openvod.Errorf("InvalidParameter", "x & y"), "id-3"); string(b) != `{"Response":{"Error":{"Code":"InvalidParameter","Message":"x & y"},"RequestId":"id-3"}}` {
		t.Fatalf("error body = %s", b)
	}
}
