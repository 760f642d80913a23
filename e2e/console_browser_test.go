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
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	s3blob "github.com/openvod/openvod/blob/s3"
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/openvodtest"
)

// consoleReport is what e2e/browser/console.mjs prints.
type consoleReport struct {
	OK          bool     `json:"ok"`
	Failure     string   `json:"failure"`
	Steps       []string `json:"steps"`
	Screenshots []string `json:"screenshots"`
	Violations  []string `json:"violations"`
	KeyLeaks    []string `json:"keyLeaks"`
	CSPErrors   []string `json:"cspErrors"`
	PageErrors  []string `json:"pageErrors"`
	Store       []string `json:"store"`
	PlayerURL   string   `json:"playerURL"`
	// TaskFetchGapsMs are the times between the Tasks page's DescribeTasks
	// calls while a clip ran.
	TaskFetchGapsMs []float64 `json:"taskFetchGapsMs"`
	PlayedTo        float64   `json:"playedTo"`
	PlayerSource    string    `json:"playerSource"`
	ClipTask        string    `json:"clipTask"`
	ResentEvent     string    `json:"resentEvent"`
	UploadProgress  struct {
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

// consoleBrowser returns node and the directory of the browser scripts,
// failing the test when Chromium, node or the npm packages are missing.
func consoleBrowser(t *testing.T) (node, dir string) {
	t.Helper()
	return browserScripts(t, "axe-core", "playwright-core")
}

// consoleFixture makes a 6 s 30 fps MP4 with sound with ffmpeg.
func consoleFixture(t *testing.T) string {
	t.Helper()
	fixture := filepath.Join(t.TempDir(), "console.mp4")
	gen := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi",
		"-i", "sine=frequency=440:sample_rate=48000", "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "30",
		"-c:a", "aac", "-movflags", "+faststart", fixture)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s (install ffmpeg: apt-get install -y ffmpeg)", err, out)
	}
	return fixture
}

// runConsoleScript runs the browser script of e2e/browser with env added
// (and CHROMIUM, CONSOLE_URL, SECRET_ID, SECRET_KEY and FIXTURE for srv),
// fails the test unless it reports success, and returns its report.
func runConsoleScript(t *testing.T, script string, srv *openvodtest.Server, fixture string, env ...string) *consoleReport {
	t.Helper()
	node, dir := consoleBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath, "CONSOLE_URL="+srv.URL+"/console/",
		"SECRET_ID="+openvodtest.SecretID, "SECRET_KEY="+openvodtest.SecretKey, "FIXTURE="+fixture)
	cmd.Env = append(cmd.Env, env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	t.Logf("%s: %s%s", script, out, stderr.String())
	var r consoleReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%s (%v) printed no report: %v", script, runErr, err)
	}
	if runErr != nil || !r.OK {
		t.Fatalf("the browser check %s failed (%v): %s", script, runErr, r.Failure)
	}
	if len(r.CSPErrors) != 0 || len(r.PageErrors) != 0 {
		t.Fatalf("CSP violations %v, page errors %v", r.CSPErrors, r.PageErrors)
	}
	if r.UploadProgress.Value != 100 || r.PlayedTo <= 1 {
		t.Fatalf("upload progress %g, played to %g s: want 100 and > 1 s", r.UploadProgress.Value, r.PlayedTo)
	}
	return &r
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
	consoleBrowser(t)
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

	r := runConsoleScript(t, "console.mjs", srv, consoleFixture(t), "RECEIVER=http://"+ln.Addr().String(), "ARTIFACTS="+artifacts)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// The script's checks, again on its report and on the server.
	if len(r.KeyLeaks) != 0 || len(r.Violations) != 0 {
		t.Fatalf("key leaks %v, accessibility violations %v", r.KeyLeaks, r.Violations)
	}
	if len(r.TaskFetchGapsMs) == 0 || slices.Min(r.TaskFetchGapsMs) < 900 {
		t.Fatalf("the Tasks page's DescribeTasks gaps %v ms: want a live refresh, at most once a second", r.TaskFetchGapsMs)
	}
	if !strings.Contains(r.PlayerSource, "HLS") {
		t.Fatalf("player source %q, want HLS", r.PlayerSource)
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
	// The dropped file's Chinese name arrived intact (UTF-8, extension cut).
	var found struct {
		MediaInfoSet []struct{ BasicInfo struct{ Name string } }
	}
	srv.Call(ctx, "SearchMedia", map[string]any{}, &found)
	var named int
	for _, m := range found.MediaInfoSet {
		if m.BasicInfo.Name == "console 发布会 fixture" {
			named++
		}
	}
	if named != 1 {
		t.Fatalf("SearchMedia: %+v, want one media named %q", found, "console 发布会 fixture")
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

// consoleCORS is the bucket CORS rule docs/deployment.md tells operators
// to set for the console at origin.
func consoleCORS(origin string) *types.CORSConfiguration {
	return &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		AllowedOrigins: []string{origin}, AllowedMethods: []string{"PUT", "GET", "HEAD"},
		AllowedHeaders: []string{"Content-Type", "Range"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(3600),
	}}}
}

// TestConsoleBrowserS3 drives the console (e2e/browser/console-s3.mjs)
// with media on S3 (versitygw) delivered by redirect: the upload PUTs to a
// presigned URL of the store, cross-origin, with the bucket CORS rule of
// docs/deployment.md and the progress bar reaching 100 %, and the player
// plays the file read from the store after openvod's redirect; the pages'
// Content-Security-Policy allows that and no violation is reported.
func TestConsoleBrowserS3(t *testing.T) {
	t.Parallel()
	consoleBrowser(t)
	s3srv := s3test.Start(t)
	bucket := s3srv.NewBucket(t)
	srv := openvodtest.Start(t, openvodtest.Options{Env: append(s3test.Env(), "OPENVOD_STORAGE=s3://"+bucket.Bucket+"/vod",
		"OPENVOD_S3_ENDPOINT="+s3srv.Endpoint, "OPENVOD_S3_PATH_STYLE=true", "OPENVOD_MEDIA_DELIVERY=redirect")})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := s3.New(s3.Options{Region: s3blob.RegionDefault, Credentials: s3test.Credentials(), BaseEndpoint: aws.String(s3srv.Endpoint), UsePathStyle: true})
	if _, err := client.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: &bucket.Bucket, CORSConfiguration: consoleCORS(srv.URL)}); err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}

	fixture := consoleFixture(t)
	r := runConsoleScript(t, "console-s3.mjs", srv, fixture, "STORE_ORIGIN="+s3srv.Endpoint)
	if !strings.HasPrefix(r.PlayerURL, srv.URL+"/vod/") || !strings.Contains(r.PlayerSource, "the file itself") {
		t.Fatalf("the player played %q (%s): want the file, at openvod's /vod/ URL", r.PlayerURL, r.PlayerSource)
	}
	var puts, gets int
	for _, s := range r.Store {
		switch {
		case strings.HasPrefix(s, "PUT 200 "):
			puts++
		case strings.HasPrefix(s, "GET 200 "), strings.HasPrefix(s, "GET 206 "):
			gets++
		}
	}
	if puts != 1 || gets == 0 {
		t.Fatalf("answers from the store %v: want one PUT 200 and a GET of the media", r.Store)
	}
	// The media committed from the store's bytes: those of the fixture.
	var found struct {
		MediaInfoSet []struct {
			BasicInfo struct{ Name, MediaUrl string }
		}
	}
	srv.Call(ctx, "SearchMedia", map[string]any{}, &found)
	if len(found.MediaInfoSet) != 1 || found.MediaInfoSet[0].BasicInfo.Name != "s3 fixture" {
		t.Fatalf("SearchMedia: %+v, want the one upload", found)
	}
	key, ok := strings.CutPrefix(found.MediaInfoSet[0].BasicInfo.MediaUrl, srv.URL+"/vod/")
	if !ok {
		t.Fatalf("MediaUrl %s is not openvod's", found.MediaInfoSet[0].BasicInfo.MediaUrl)
	}
	stored, err := os.ReadFile(filepath.Join(s3srv.Dir, bucket.Bucket, "vod", key))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(fixture)
	if !bytes.Equal(stored, want) {
		t.Fatalf("the stored media is %d bytes, not the fixture's %d", len(stored), len(want))
	}
}
