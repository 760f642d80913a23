package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/console"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/server"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
	"github.com/openvod/openvod/tcapi"
	"github.com/openvod/openvod/vodevent"
)

const (
	secretID  = "AKIDconsole"
	secretKey = "console-secret"
)

type testBundle struct {
	st     store.Store
	srv    *server.Server
	http   *httptest.Server
	client *http.Client // with a cookie jar
	app    *openvod.App
}

// setup runs a whole server (server.New) on st over real HTTP, with one
// app and one key.
func setup(t *testing.T, st store.Store) *testBundle {
	t.Helper()
	ctx := t.Context()
	app, err := st.AppCreate(ctx, "default", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.KeyInsert(ctx, &openvod.APIKey{SecretID: secretID, SecretKey: secretKey, CreateTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	blobs, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Store: st, Blobs: blobs, PublicURL: "http://vod.test", Owner: "test", ScratchDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	hs := httptest.NewServer(srv.Handler)
	t.Cleanup(hs.Close)
	return &testBundle{st: st, srv: srv, http: hs, client: newClient(t), app: app}
}

func newClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// do sends a console request and returns the status and body.
func (b *testBundle) do(t *testing.T, c *http.Client, method, path, csrf, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, b.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf != "" {
		req.Header.Set(console.CSRFHeader, csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

type session struct {
	SecretId, CsrfToken, ExpiresAt string
	Apps                           []struct {
		SubAppId int64
		Name     string
	}
}

// signIn signs c in and returns the session.
func (b *testBundle) signIn(t *testing.T, c *http.Client, id, key string) *session {
	t.Helper()
	resp, body := b.do(t, c, "POST", "/console/api/session", "", `{"SecretId":"`+id+`","SecretKey":"`+key+`"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	var s session
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// wantError checks a console error answer.
func wantError(t *testing.T, what string, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if resp.StatusCode != status || json.Unmarshal(body, &e) != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("%s: %d %s; want %d with code %s", what, resp.StatusCode, body, status, code)
	}
}

func TestSignIn(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		b := setup(t, st)
		c := newClient(t)
		resp, body := b.do(t, c, "GET", "/console/api/session", "", "")
		wantError(t, "no cookie", resp, body, 401, console.CodeUnauthorized)

		wrong := `{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"SecretId or SecretKey is wrong"}}`
		for _, pair := range []string{`{"SecretId":"` + secretID + `","SecretKey":"nope"}`, `{"SecretId":"AKIDunknown","SecretKey":"` + secretKey + `"}`} {
			resp, body = b.do(t, c, "POST", "/console/api/session", "", pair)
			if resp.StatusCode != 401 || string(body) != wrong || resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("sign-in with %s: %d %s (cookie %q); want 401 %s", pair, resp.StatusCode, body, resp.Header.Get("Set-Cookie"), wrong)
			}
		}

		resp, body = b.do(t, c, "POST", "/console/api/session", "", `{"SecretId":"`+secretID+`","SecretKey":"`+secretKey+`"}`)
		if resp.StatusCode != 200 {
			t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
		}
		cookie := resp.Header.Get("Set-Cookie")
		if !regexp.MustCompile(`^openvod_console=[0-9a-f]{64}; Path=/console; Max-Age=43200; HttpOnly; SameSite=Strict$`).MatchString(cookie) {
			t.Errorf("Set-Cookie %q", cookie)
		}
		var s session
		if err := json.Unmarshal(body, &s); err != nil {
			t.Fatal(err)
		}
		exp, err := time.Parse(time.RFC3339, s.ExpiresAt)
		if s.SecretId != secretID || len(s.CsrfToken) != 64 || err != nil || exp.Location() != time.UTC ||
			time.Until(exp) < 11*time.Hour || len(s.Apps) != 1 || s.Apps[0].SubAppId != b.app.ID || s.Apps[0].Name != "default" {
			t.Errorf("session %s", body)
		}
		if strings.Contains(string(body), secretKey) {
			t.Error("the answer holds the SecretKey")
		}
		resp, again := b.do(t, c, "GET", "/console/api/session", "", "")
		if resp.StatusCode != 200 || string(again) != string(body) {
			t.Errorf("GET session: %d %s; want %s", resp.StatusCode, again, body)
		}

		// A disabled key signs in no more.
		other := openvod.NewAPIKey(time.Now())
		if err := st.KeyInsert(t.Context(), other); err != nil {
			t.Fatal(err)
		}
		if err := st.KeyDisable(t.Context(), other.SecretID, time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, body = b.do(t, newClient(t), "POST", "/console/api/session", "", `{"SecretId":"`+other.SecretID+`","SecretKey":"`+other.SecretKey+`"}`)
		wantError(t, "disabled key", resp, body, 401, openvod.CodeAuthSecretIDNotFound)
	})
}

// TestCSRFAndScoping: without the CSRF token nothing runs; call/ answers
// as the signed API does; another app's media is out of reach.
func TestCSRFAndScoping(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		b := setup(t, st)
		c := newClient(t)
		s := b.signIn(t, c, secretID, secretKey)
		for _, token := range []string{"", strings.Repeat("0", 64)} {
			resp, body := b.do(t, c, "POST", "/console/api/call/CreateSubAppId", token, `{"Name":"sneaky"}`)
			wantError(t, "call with CSRF token "+token, resp, body, 403, console.CodeCSRFToken)
			resp, body = b.do(t, c, "DELETE", "/console/api/session", token, "")
			wantError(t, "sign-out with CSRF token "+token, resp, body, 403, console.CodeCSRFToken)
		}
		apps, err := st.AppList(t.Context())
		if err != nil || len(apps) != 1 {
			t.Fatalf("apps after refused calls: %d %v; want 1", len(apps), err)
		}
		if resp, _ := b.do(t, c, "GET", "/console/api/session", "", ""); resp.StatusCode != 200 {
			t.Fatalf("session after a refused sign-out: %d", resp.StatusCode)
		}

		// call/ answers what the signed API answers.
		api := &vodevent.Client{Endpoint: b.http.URL, SecretId: secretID, SecretKey: secretKey, HTTPClient: b.http.Client()}
		for _, tc := range []struct{ action, body string }{
			{"DescribeEventConfig", `{}`},
			{"DescribeMediaInfos", `{"FileIds":["123"]}`},
			{"DescribeTaskDetail", `{"TaskId":"nope"}`},
			{"NoSuchAction", `{}`},
		} {
			_, viaConsole := b.do(t, c, "POST", "/console/api/call/"+tc.action, s.CsrfToken, tc.body)
			req, err := api.NewRequest(t.Context(), tc.action, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := b.http.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			signed, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if withoutRequestID(viaConsole) != withoutRequestID(signed) {
				t.Errorf("%s:\nconsole %s\nsigned  %s", tc.action, viaConsole, signed)
			}
		}

		// App B's media, asked for with SubAppId A.
		appB, err := st.AppCreate(t.Context(), "b", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		m := &openvod.Media{FileID: "5285890000000000001", SubAppID: appB.ID, Name: "b's", Type: "mp4", StorageKey: "b/x.mp4",
			Size: 1, SourceType: "Upload", CreateTime: time.Now(), ExpireTime: openvod.NeverExpire}
		if err := st.MediaInsert(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		sub := func(id int64) string { return `"SubAppId":` + jsonInt(id) }
		_, body := b.do(t, c, "POST", "/console/api/call/DescribeMediaInfos", s.CsrfToken, `{`+sub(b.app.ID)+`,"FileIds":["`+m.FileID+`"]}`)
		if !strings.Contains(string(body), `"MediaInfoSet":[],"NotExistFileIdSet":["`+m.FileID+`"]`) {
			t.Errorf("B's media through app A: %s", body)
		}
		_, body = b.do(t, c, "POST", "/console/api/call/SearchMedia", s.CsrfToken, `{`+sub(b.app.ID)+`}`)
		if !strings.Contains(string(body), `"TotalCount":0,"MediaInfoSet":[]`) {
			t.Errorf("SearchMedia of app A: %s", body)
		}
		_, body = b.do(t, c, "POST", "/console/api/call/DeleteMedia", s.CsrfToken, `{`+sub(b.app.ID)+`,"FileId":"`+m.FileID+`"}`)
		if !strings.Contains(string(body), `"Code":"ResourceNotFound.FileNotExist"`) {
			t.Errorf("DeleteMedia of B's media through app A: %s", body)
		}
		if _, err := st.MediaGet(t.Context(), appB.ID, m.FileID); err != nil {
			t.Errorf("B's media after: %v", err)
		}
		_, body = b.do(t, c, "POST", "/console/api/call/SearchMedia", s.CsrfToken, `{`+sub(appB.ID)+`}`)
		if !strings.Contains(string(body), `"TotalCount":1,`) {
			t.Errorf("SearchMedia of app B: %s", body)
		}
	})
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

var requestIDRE = regexp.MustCompile(`"RequestId":"[^"]*"|RequestId [0-9a-f-]+`)

func withoutRequestID(b []byte) string { return requestIDRE.ReplaceAllString(string(b), "RequestId") }

// TestSignOutAndKeys: sign-out ends the session; disabling a key ends its
// sessions and its API access; the last enabled key cannot be disabled.
func TestSignOutAndKeys(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		b := setup(t, st)
		admin := newClient(t)
		s := b.signIn(t, admin, secretID, secretKey)
		_, body := b.do(t, admin, "POST", "/console/api/call/CreateApiKey", s.CsrfToken, `{}`)
		var created struct {
			Response struct{ SecretId, SecretKey string }
		}
		if err := json.Unmarshal(body, &created); err != nil || created.Response.SecretKey == "" {
			t.Fatalf("CreateApiKey: %s", body)
		}
		_, body = b.do(t, admin, "POST", "/console/api/call/DescribeApiKeys", s.CsrfToken, `{}`)
		if strings.Contains(string(body), created.Response.SecretKey) || strings.Contains(string(body), secretKey) ||
			!strings.Contains(string(body), `{"SecretId":"`+created.Response.SecretId+`","CreateTime":`) {
			t.Errorf("DescribeApiKeys: %s", body)
		}
		user := newClient(t)
		us := b.signIn(t, user, created.Response.SecretId, created.Response.SecretKey)
		_, body = b.do(t, admin, "POST", "/console/api/call/DisableApiKey", s.CsrfToken, `{"SecretId":"`+created.Response.SecretId+`"}`)
		if strings.Contains(string(body), `"Error"`) {
			t.Fatalf("DisableApiKey: %s", body)
		}
		resp, body := b.do(t, user, "POST", "/console/api/call/DescribeEventConfig", us.CsrfToken, `{}`)
		wantError(t, "a disabled key's session", resp, body, 401, console.CodeSessionExpired)
		api := &vodevent.Client{Endpoint: b.http.URL, SecretId: created.Response.SecretId, SecretKey: created.Response.SecretKey, HTTPClient: b.http.Client()}
		err := api.Call(t.Context(), "DescribeEventConfig", map[string]any{}, nil)
		if err == nil || !strings.Contains(err.Error(), openvod.CodeAuthSecretIDNotFound) {
			t.Errorf("signed call with a disabled key: %v", err)
		}
		_, body = b.do(t, admin, "POST", "/console/api/call/DisableApiKey", s.CsrfToken, `{"SecretId":"`+secretID+`"}`)
		if !strings.Contains(string(body), `"Code":"UnsupportedOperation","Message":"SecretId: `+secretID+` is the key you are using and the last enabled one`) {
			t.Errorf("disabling one's own last key: %s", body)
		}

		resp, _ = b.do(t, admin, "DELETE", "/console/api/session", s.CsrfToken, "")
		if resp.StatusCode != 204 || !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("sign-out: %d, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
		resp, body = b.do(t, admin, "GET", "/console/api/session", "", "")
		wantError(t, "after sign-out", resp, body, 401, console.CodeUnauthorized)
	})
}

// TestCookieOfAnotherServer: a session cookie of one deployment (its own
// data directory and database) opens nothing on another.
func TestCookieOfAnotherServer(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		one := setup(t, st)
		c := newClient(t)
		one.signIn(t, c, secretID, secretKey)
		u := one.http.URL + "/console/"
		var token string
		for _, ck := range c.Jar.Cookies(mustURL(t, u)) {
			if ck.Name == console.CookieName {
				token = ck.Value
			}
		}
		otherStore := openSQLite(t)
		two := setup(t, otherStore)
		req, _ := http.NewRequest("GET", two.http.URL+"/console/api/session", nil)
		req.AddCookie(&http.Cookie{Name: console.CookieName, Value: token})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantError(t, "another server's cookie", resp, body, 401, console.CodeSessionExpired)
	})
}

// TestSessionExpiry: with a fake clock, a session works until its TTL
// and is refused from then on (the janitor removes its row).
func TestSessionExpiry(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		if err := st.KeyInsert(ctx, &openvod.APIKey{SecretID: secretID, SecretKey: secretKey, CreateTime: time.Now()}); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		con := console.New(console.Config{API: tcapi.New(tcapi.Config{Store: st, Logger: logger}), Store: st, Hub: eventlog.NewHub(),
			Logger: logger, SessionTTL: time.Minute, NowFunc: clock})
		hs := httptest.NewServer(con)
		t.Cleanup(hs.Close)
		b := &testBundle{http: hs}
		c := newClient(t)
		s := b.signIn(t, c, secretID, secretKey)
		if s.ExpiresAt != "2026-05-01T10:01:00Z" {
			t.Errorf("ExpiresAt %s", s.ExpiresAt)
		}
		now = now.Add(59 * time.Second)
		if resp, body := b.do(t, c, "GET", "/console/api/session", "", ""); resp.StatusCode != 200 {
			t.Fatalf("before the end: %d %s", resp.StatusCode, body)
		}
		now = now.Add(time.Second)
		resp, body := b.do(t, c, "GET", "/console/api/session", "", "")
		wantError(t, "at the end", resp, body, 401, console.CodeSessionExpired)
	})
}

// TestStream: an events message arrives within 1 s of an event's commit.
func TestStream(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		b := setup(t, st)
		c := newClient(t)
		b.signIn(t, c, secretID, secretKey)
		resp, body := b.do(t, c, "GET", "/console/api/stream?SubAppId=42", "", "")
		wantError(t, "stream of no app", resp, body, 400, "InvalidParameterValue.SubAppId")

		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", b.http.URL+"/console/api/stream?SubAppId="+jsonInt(b.app.ID), nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		lines := bufio.NewReader(resp.Body)
		if l, _ := lines.ReadString('\n'); l != ": ping\n" {
			t.Fatalf("first line %q", l)
		}
		lines.ReadString('\n')
		start := time.Now()
		err = b.srv.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
			return em.Emit(ctx, b.app.ID, &vodevent.EventContent{EventType: vodevent.TypeClipComplete,
				ClipCompleteEvent: &vodevent.ClipTask2017{TaskId: "t"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		for !strings.Contains(got.String(), "event: events\ndata: {\"SubAppId\":"+jsonInt(b.app.ID)+"}\n\n") {
			l, err := lines.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended: %v after %q", err, got.String())
			}
			got.WriteString(l)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("events message after %s", d)
		}
	})
}

// ownOriginPolicy is the console's Content-Security-Policy when the pages
// reach no other origin.
const ownOriginPolicy = "default-src 'self'; media-src 'self' blob:; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'"

// TestContentSecurityPolicy: the policy allows the S3 store's origin (its
// public endpoint's, which presigned URLs name) for uploads, and for media
// reads with redirects, and nothing else; with local storage only the
// pages' own origin.
func TestContentSecurityPolicy(t *testing.T) {
	s3srv := s3test.Start(t)
	const public = "http://media.example.test:9000"
	cases := []struct {
		name     string
		store    func() blob.Bucket
		redirect bool
		want     string
	}{
		{"local", func() blob.Bucket { b, _ := local.New(t.TempDir()); return b }, false, ownOriginPolicy},
		{"s3 proxy", func() blob.Bucket { return s3test.Open(t, s3srv.NewBucket(t)) }, false,
			"default-src 'self'; media-src 'self' blob:; img-src 'self' data: blob:; connect-src 'self' " + s3srv.Endpoint + "; frame-ancestors 'none'"},
		{"s3 redirect, public endpoint", func() blob.Bucket {
			cfg := s3srv.NewBucket(t)
			cfg.PublicEndpoint = public
			return s3test.Open(t, cfg)
		}, true, "default-src 'self'; media-src 'self' blob: " + public + "; img-src 'self' data: blob: " + public +
			"; connect-src 'self' " + public + "; frame-ancestors 'none'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := server.New(server.Config{Store: openSQLite(t), Blobs: tc.store(), MediaRedirect: tc.redirect, PublicURL: "http://vod.test",
				Owner: "test", ScratchDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			for _, path := range []string{"/console/", "/console/api/session"} {
				w := httptest.NewRecorder()
				srv.Handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
				if got := w.Header().Get("Content-Security-Policy"); got != tc.want {
					t.Errorf("GET %s: Content-Security-Policy\n%s\nwant\n%s", path, got, tc.want)
				}
			}
		})
	}
}

func TestStatic(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	hs := httptest.NewServer(console.New(console.Config{API: tcapi.New(tcapi.Config{Logger: logger}), Logger: logger}))
	t.Cleanup(hs.Close)
	resp, err := http.Get(hs.URL + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 200 || h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Cache-Control") != "no-cache" ||
		h.Get("ETag") == "" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != ownOriginPolicy ||
		!strings.Contains(string(body), "<title>openvod console</title>") {
		t.Errorf("GET /console/: %d %v %s", resp.StatusCode, h, body)
	}
	req, _ := http.NewRequest("GET", hs.URL+"/console/index.html", nil)
	req.Header.Set("If-None-Match", h.Get("ETag"))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", resp.StatusCode)
	}
	resp, err = http.Get(hs.URL + "/console/nope.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("missing file: %d", resp.StatusCode)
	}
}
