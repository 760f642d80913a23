package server_test

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

	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/server"
	"github.com/openvod/openvod/store/sqlite"
)

// TestRoutes assembles a server on SQLite and local disk and checks the
// routes outside the API, then that Run returns when its context ends.
func TestRoutes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	blobs, err := local.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Store: st, Blobs: blobs, Owner: "test", ScratchDir: t.TempDir(),
		Logger: slog.New(slog.DiscardHandler)})
	hs := httptest.NewServer(srv.Handler)
	defer hs.Close()

	for _, tc := range []struct {
		method, path string
		status       int
		body         string // a substring of the answer
	}{
		{"GET", "/healthz", 200, "ok\n"},
		{"GET", "/metrics", 200, `openvod_tasks{status="WAITING"} 0`},
		{"POST", "/vod/1/a/f0.mp4", 405, "method not allowed"},
		{"GET", "/vod/1/a/f0.mp4", 404, ""},
		{"PUT", "/upload/unknown", 403, "unknown upload URL"},
		{"GET", "/upload/unknown", 405, "PUT"},
		{"GET", "/", 200, `"Code":"AuthFailure`},
	} {
		req, _ := http.NewRequest(tc.method, hs.URL+tc.path, strings.NewReader(""))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
			t.Errorf("%s %s = %d %q, want %d with %q", tc.method, tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
	}

	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { srv.Run(ctx); close(stopped) }()
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return 10 s after its context ended")
	}
}
