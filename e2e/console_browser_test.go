package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
)

// consoleReport is what e2e/browser/console.mjs prints.
type consoleReport struct {
	OK             bool     `json:"ok"`
	Failure        string   `json:"failure"`
	Steps          []string `json:"steps"`
	Screenshots    []string `json:"screenshots"`
	Violations     []string `json:"violations"`
	KeyLeaks       []string `json:"keyLeaks"`
	CSPErrors      []string `json:"cspErrors"`
	PlayedTo       float64  `json:"playedTo"`
	PlayerSource   string   `json:"playerSource"`
	ClipTask       string   `json:"clipTask"`
	ResentEvent    string   `json:"resentEvent"`
	UploadProgress struct {
		Value float64  `json:"value"`
		Seen  []string `json:"seen"`
	} `json:"uploadProgress"`
}

// hookReceiver is a webhook receiver whose answer the browser script sets:
// POST /hook answers the status last set by POST /status?code=N (500 at
// first) with the body "receiver says N"; it records each status it gave.
type hookReceiver struct {
	mu       sync.Mutex
	code     int
	answered []int
}

func (rc *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	switch r.URL.Path {
	case "/status":
		code, err := strconv.Atoi(r.URL.Query().Get("code"))
		if err != nil || code < 200 || code > 599 {
			http.Error(w, "code must be an HTTP status", http.StatusBadRequest)
			return
		}
		rc.code = code
		w.WriteHeader(http.StatusNoContent)
	case "/hook":
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		rc.answered = append(rc.answered, rc.code)
		w.WriteHeader(rc.code)
		io.WriteString(w, "receiver says "+strconv.Itoa(rc.code))
	default:
		http.NotFound(w, r)
	}
}

func (rc *hookReceiver) statuses() []int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]int(nil), rc.answered...)
}

// consoleArtifacts returns the directory for the console's screenshots:
// $OPENVOD_ARTIFACTS/console when set, else openvod-console-artifacts in
// the system's temporary directory; it is emptied first and kept after the
// test.
func consoleArtifacts(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "openvod-console-artifacts")
	if base := os.Getenv("OPENVOD_ARTIFACTS"); base != "" {
		dir = filepath.Join(base, "console")
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestConsoleVendoredHLS checks that the console's vendored hls.js is the
// file of the hls.js package e2e/browser/package.json pins, byte for byte.
func TestConsoleVendoredHLS(t *testing.T) {
	t.Parallel()
	vendored, err := os.ReadFile(filepath.Join("..", "console", "web", "vendor", "hls.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	npm, err := os.ReadFile(filepath.Join("browser", "node_modules", "hls.js", "dist", "hls.min.js"))
	if err != nil {
		t.Fatalf("%v: run npm ci in e2e/browser (scripts/test.sh does)", err)
	}
	if !bytes.Equal(vendored, npm) {
		t.Fatal("console/web/vendor/hls.min.js differs from e2e/browser/node_modules/hls.js/dist/hls.min.js: " +
			"after changing the hls.js version in e2e/browser/package.json, copy the file again (docs/console.md)")
	}
}

// TestConsoleBrowser drives the web console in Debian's Chromium
// (e2e/browser/console.mjs): sign-in and a wrong key, upload by drag and
// drop, playback, a clip made with the editor whose ClipComplete shows in
// the events page live, a failed push to a real receiver answering 500,
// then Resend once it answers 200, a mode change, API keys, sign-out; with
// screenshots of every page at 1280 and 375 px, an axe-core scan with no
// serious or critical violation, and no request after sign-in carrying the
// SecretKey.
func TestConsoleBrowser(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing: the browser check needs Debian's Chromium (apt-get install -y chromium; scripts/test.sh installs it)", chromiumPath)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is missing: apt-get install -y nodejs npm")
	}
	dir, err := filepath.Abs("browser")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"axe-core", "playwright-core"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("%s is not installed: run npm ci in e2e/browser (scripts/test.sh does)", pkg)
		}
	}
	artifacts := consoleArtifacts(t)
	t.Logf("console screenshots: %s", artifacts)

	// A failed push is retried after 10 minutes: within the test only the
	// Resend delivers it again.
	srv := openvodtest.Start(t, openvodtest.Options{Env: []string{"OPENVOD_PUSH_RETRY_BASE=10m", "OPENVOD_PUSH_RETRY_MAX=10m"}})
	rc := &hookReceiver{code: http.StatusInternalServerError}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })

	fixture := filepath.Join(t.TempDir(), "console.mp4")
	gen := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi",
		"-i", "sine=frequency=440:sample_rate=48000", "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "30",
		"-c:a", "aac", "-movflags", "+faststart", fixture)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s (install ffmpeg: apt-get install -y ffmpeg)", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "console.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath, "CONSOLE_URL="+srv.URL+"/console/",
		"SECRET_ID="+openvodtest.SecretID, "SECRET_KEY="+openvodtest.SecretKey, "FIXTURE="+fixture,
		"RECEIVER=http://"+ln.Addr().String(), "ARTIFACTS="+artifacts)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	t.Logf("console.mjs: %s%s", out, stderr.String())
	var r consoleReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("console.mjs (%v) printed no report: %v", runErr, err)
	}
	if runErr != nil || !r.OK {
		t.Fatalf("the console browser check failed (%v): %s", runErr, r.Failure)
	}

	// The script's checks, again on its report and on the server.
	if len(r.KeyLeaks) != 0 || len(r.CSPErrors) != 0 || len(r.Violations) != 0 {
		t.Fatalf("key leaks %v, CSP errors %v, accessibility violations %v", r.KeyLeaks, r.CSPErrors, r.Violations)
	}
	if r.UploadProgress.Value != 100 || r.PlayedTo <= 1 || !strings.Contains(r.PlayerSource, "HLS") {
		t.Fatalf("upload progress %g, played to %g s, player source %q: want 100, > 1 s, HLS", r.UploadProgress.Value, r.PlayedTo, r.PlayerSource)
	}
	pages := []string{"signin", "media-empty", "media", "media-detail", "tasks", "config", "events", "apps"}
	if len(r.Screenshots) != 2*len(pages) {
		t.Fatalf("%d screenshots, want %d (%v at 1280 and 375 px): %v", len(r.Screenshots), 2*len(pages), pages, r.Screenshots)
	}
	for _, f := range r.Screenshots {
		if st, err := os.Stat(f); err != nil || st.Size() < 1000 {
			t.Fatalf("screenshot %s: %v", f, err)
		}
	}
	got := rc.statuses()
	if len(got) < 2 || got[0] != http.StatusInternalServerError || got[len(got)-1] != http.StatusOK {
		t.Fatalf("the receiver answered %v: want 500 first (the failed push) and 200 last (the Resend)", got)
	}
	var cfg struct{ Mode, NotificationUrl string }
	srv.Call(ctx, "DescribeEventConfig", map[string]any{}, &cfg)
	if cfg.Mode != "PULL" || !strings.HasSuffix(cfg.NotificationUrl, "/hook") {
		t.Fatalf("DescribeEventConfig after the console's changes: %+v, want PULL and the receiver's URL", cfg)
	}
	var task struct {
		Status   string
		ClipTask struct {
			Precision                            string
			EffectiveStartTime, EffectiveEndTime float64
		}
	}
	srv.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": r.ClipTask}, &task)
	if task.Status != "FINISH" || task.ClipTask.Precision != "Exact" || task.ClipTask.EffectiveStartTime != 1 || task.ClipTask.EffectiveEndTime != 3 {
		t.Fatalf("the editor's clip task: %+v, want FINISH, Exact, 1 to 3 s", task)
	}
}
