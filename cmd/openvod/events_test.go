package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/vodevent"
)

// TestEventsConfig sets fields one at a time and checks that each change
// keeps the others and shows in the printed configuration.
func TestEventsConfig(t *testing.T) {
	t.Parallel()
	srv := openvodtest.Start(t, openvodtest.Options{})
	cli := newEventsCLI(t, srv)

	cfg := cli.config()
	if cfg.Mode != "PULL" || cfg.UploadMediaCompleteEventSwitch != "OFF" {
		t.Fatalf("initial config = %+v, want PULL with events off", cfg)
	}
	cfg = cli.config("--mode", "push", "--url", "http://127.0.0.1:1/hook", "--upload-switch", "on", "--sign-key", "abc123")
	want := eventConfig{Mode: "PUSH", NotificationUrl: "http://127.0.0.1:1/hook",
		UploadMediaCompleteEventSwitch: "ON", DeleteMediaCompleteEventSwitch: "OFF", PersistenceCompleteEventSwitch: "OFF"}
	if cfg != want {
		t.Fatalf("config after change = %+v, want %+v", cfg, want)
	}
	cfg = cli.config("--delete-switch", "ON")
	want.DeleteMediaCompleteEventSwitch = "ON"
	if cfg != want {
		t.Fatalf("config after --delete-switch = %+v, want %+v (the other fields kept)", cfg, want)
	}
	cfg = cli.config("--url", "", "--mode", "PULL")
	want.NotificationUrl, want.Mode = "", "PULL"
	if cfg != want {
		t.Fatalf("config after --url \"\" = %+v, want %+v", cfg, want)
	}
	if got := cli.config(); got != want {
		t.Fatalf("config shown = %+v, want %+v", got, want)
	}

	out, _ := cli.mustRun("events", "config", "--webhook-secret", "new")
	secret, _, _ := strings.Cut(out, "\n")
	if !strings.HasPrefix(secret, "WebhookSecret: whsec_") {
		t.Fatalf("--webhook-secret new printed %q, want the new secret first", out)
	}
	if _, err := vodevent.WebhookSign(strings.TrimPrefix(secret, "WebhookSecret: "), "id", 1, nil); err != nil {
		t.Fatalf("printed secret unusable: %v", err)
	}

	if _, _, err := cli.run("events", "config", "--mode", "SOMETIMES"); err == nil || !strings.Contains(err.Error(), "Mode") {
		t.Fatalf("--mode SOMETIMES: err = %v, want the server's InvalidParameterValue", err)
	}
	if got := cli.config(); got != want {
		t.Fatalf("a rejected change altered the config: %+v", got)
	}
}

// TestEventsPull pulls the event of an upload, prints it and confirms it.
func TestEventsPull(t *testing.T) {
	t.Parallel()
	srv := openvodtest.Start(t, openvodtest.Options{})
	cli := newEventsCLI(t, srv)
	cli.config("--upload-switch", "ON")
	fileID := eventsUpload(t, srv)

	out, stderr := cli.mustRun("events", "pull")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("events pull printed %d lines, want 1:\n%s", len(lines), out)
	}
	e := decodeEventLine(t, lines[0])
	if e.EventType != vodevent.TypeNewFileUpload || e.FileUploadEvent == nil || e.FileUploadEvent.FileId != fileID || e.EventHandle == "" {
		t.Fatalf("pulled %s, want a NewFileUpload of %s with its EventHandle", lines[0], fileID)
	}
	if !strings.Contains(stderr, "1 events pulled, 1 confirmed") {
		t.Fatalf("summary = %q", stderr)
	}
	if n := eventsToPull(t, srv); n != 0 {
		t.Fatalf("CountOfEventsToPull = %d after events pull, want 0", n)
	}

	out, _ = cli.mustRun("events", "list", "--state", "done")
	if !regexp.MustCompile(`(?m)^\d+\s+\S+\s+NewFileUpload\s+done\s`).MatchString(out) {
		t.Fatalf("events list --state done does not show the confirmed event:\n%s", out)
	}
}

// TestEventsPullFollow keeps pulling until cancelled and confirms what it
// printed.
func TestEventsPullFollow(t *testing.T) {
	t.Parallel()
	srv := openvodtest.Start(t, openvodtest.Options{})
	cli := newEventsCLI(t, srv)
	cli.config("--upload-switch", "ON", "--delete-switch", "ON")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr openvodtest.SyncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"events", "pull", "--follow"}, cli.getenv, &stdout, &stderr) }()

	fileID := eventsUpload(t, srv)
	srv.Call(context.Background(), "DeleteMedia", map[string]any{"FileId": fileID}, nil)
	waitForEvents(t, "two pulled events", func() bool { return strings.Count(stdout.String(), "\n") >= 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("events pull --follow: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	types := map[string]bool{}
	for _, l := range lines {
		types[decodeEventLine(t, l).EventType] = true
	}
	if len(lines) != 2 || !types[vodevent.TypeNewFileUpload] || !types[vodevent.TypeFileDeleted] {
		t.Fatalf("events pull --follow printed:\n%s", stdout.String())
	}
	waitForEvents(t, "the events to be confirmed", func() bool { return eventsToPull(t, srv) == 0 })
}

// TestEventsListenPush receives the push of an upload with both
// signatures checked, then finds the attempt in events deliveries.
func TestEventsListenPush(t *testing.T) {
	t.Parallel()
	srv := openvodtest.Start(t, openvodtest.Options{})
	cli := newEventsCLI(t, srv)
	out, _ := cli.mustRun("events", "config", "--webhook-secret", "new", "--sign-key", "key123")
	secret, _, _ := strings.Cut(strings.TrimPrefix(out, "WebhookSecret: "), "\n")

	l := startListen(t, cli.getenv, "--sign-key", "key123", "--webhook-secret", secret)
	cli.config("--mode", "PUSH", "--url", l.url+"/vod/events", "--upload-switch", "ON")
	fileID := eventsUpload(t, srv)

	waitForEvents(t, "the pushed event", func() bool { return strings.Contains(l.stdout.String(), "\n") })
	line := strings.TrimSuffix(l.stdout.String(), "\n")
	e := decodeEventLine(t, line)
	if e.EventType != vodevent.TypeNewFileUpload || e.FileUploadEvent == nil || e.FileUploadEvent.FileId != fileID || e.Sign == "" || e.T == 0 {
		t.Fatalf("listen printed %s, want the signed NewFileUpload of %s", line, fileID)
	}
	human := l.stderr.String()
	for _, want := range []string{"NewFileUpload", "FileId " + fileID, "signature ok (Sign/T, webhook-signature)", "answered 204"} {
		if !strings.Contains(human, want) {
			t.Fatalf("listen stderr lacks %q:\n%s", want, human)
		}
	}

	var table string
	waitForEvents(t, "a 204 in events deliveries", func() bool {
		table, _ = cli.mustRun("events", "deliveries")
		return regexp.MustCompile(`(?m)^\S+\s+\S+\s+NewFileUpload\s+204\s+\d+\.\d\s*$`).MatchString(table)
	})
	if !strings.HasPrefix(table, "TIME ") || !strings.Contains(table, "LATENCY MS") {
		t.Fatalf("events deliveries has no header:\n%s", table)
	}
	if n := eventsToPull(t, srv); n != 0 {
		t.Fatalf("CountOfEventsToPull = %d after a delivered push, want 0", n)
	}
	if err := l.stop(); err != nil {
		t.Fatalf("events listen: %v", err)
	}
}

// TestEventsListenRejects checks, without a server, that listen answers
// 401 to a bad Sign and reports it, and 500 to a good one under --fail.
func TestEventsListenRejects(t *testing.T) {
	t.Parallel()
	l := startListen(t, func(string) string { return "" }, "--sign-key", "key123", "--fail")
	post := func(body string) int {
		t.Helper()
		resp, err := http.Post(l.url+"/", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	T := time.Now().Add(time.Minute).Unix()
	if code := post(fmt.Sprintf(`{"EventType":"NewFileUpload","Sign":"00","T":%d}`, T)); code != http.StatusUnauthorized {
		t.Fatalf("bad Sign answered %d, want 401", code)
	}
	if !strings.Contains(l.stderr.String(), "REJECTED POST / ") || !strings.Contains(l.stderr.String(), "Sign does not match") {
		t.Fatalf("the rejection is not reported:\n%s", l.stderr.String())
	}
	if code := post(`{"EventType":"NewFileUpload"}`); code != http.StatusUnauthorized {
		t.Fatalf("unsigned event answered %d, want 401", code)
	}
	if l.stdout.String() != "" {
		t.Fatalf("rejected events were printed: %s", l.stdout.String())
	}
	good := fmt.Sprintf(`{"EventType":"NewFileUpload", "FileUploadEvent":{"FileId":"42"},"Sign":"%s","T":%d}`, vodevent.CallbackSign("key123", T), T)
	if code := post(good); code != http.StatusInternalServerError {
		t.Fatalf("good event under --fail answered %d, want 500", code)
	}
	var compact bytes.Buffer
	json.Compact(&compact, []byte(good))
	if got := l.stdout.String(); got != compact.String()+"\n" {
		t.Fatalf("printed %q, want the body compacted on one line", got)
	}
	if !strings.Contains(l.stderr.String(), "answered 500 (--fail)") {
		t.Fatalf("stderr:\n%s", l.stderr.String())
	}
	if err := l.stop(); err != nil {
		t.Fatalf("events listen: %v", err)
	}
}

type eventConfig struct {
	Mode                           string
	NotificationUrl                string
	UploadMediaCompleteEventSwitch string
	DeleteMediaCompleteEventSwitch string
	PersistenceCompleteEventSwitch string
}

// eventsCLI runs commands against one test server.
type eventsCLI struct {
	t      *testing.T
	getenv func(string) string
}

func newEventsCLI(t *testing.T, srv *openvodtest.Server) *eventsCLI {
	env := map[string]string{
		"OPENVOD_ENDPOINT":   srv.URL,
		"OPENVOD_SECRET_ID":  openvodtest.SecretID,
		"OPENVOD_SECRET_KEY": openvodtest.SecretKey,
		"OPENVOD_DATA_DIR":   t.TempDir(), // no key file: the key comes from the variables
	}
	return &eventsCLI{t: t, getenv: func(k string) string { return env[k] }}
}

func (c *eventsCLI) run(args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, log bytes.Buffer
	err = run(ctx, args, c.getenv, &out, &log)
	return out.String(), log.String(), err
}

func (c *eventsCLI) mustRun(args ...string) (stdout, stderr string) {
	c.t.Helper()
	stdout, stderr, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("openvod %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout, stderr
}

// config runs events config with flags and decodes what it prints.
func (c *eventsCLI) config(flags ...string) eventConfig {
	c.t.Helper()
	out, _ := c.mustRun(append([]string{"events", "config"}, flags...)...)
	var cfg eventConfig
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		c.t.Fatalf("events config printed %q: %v", out, err)
	}
	return cfg
}

// listening is an events listen running in the background.
type listening struct {
	url            string
	stdout, stderr *openvodtest.SyncBuffer
	stop           func() error
}

// startListen runs events listen on a free port until stop or the end of
// the test.
func startListen(t *testing.T, getenv func(string) string, flags ...string) *listening {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &listening{stdout: &openvodtest.SyncBuffer{}, stderr: &openvodtest.SyncBuffer{}}
	done := make(chan error, 1)
	args := append([]string{"events", "listen", "--addr", "127.0.0.1:0"}, flags...)
	go func() { done <- run(ctx, args, getenv, l.stdout, l.stderr) }()
	var err error
	var stopped bool
	l.stop = func() error {
		if !stopped {
			cancel()
			err, stopped = <-done, true
		}
		return err
	}
	t.Cleanup(func() { l.stop() })
	addrRE := regexp.MustCompile(`listening on (http://\S+)/ `)
	waitForEvents(t, "events listen to start", func() bool {
		select {
		case err := <-done:
			t.Fatalf("events listen exited: %v\n%s", err, l.stderr.String())
		default:
		}
		m := addrRE.FindStringSubmatch(l.stderr.String())
		if m != nil {
			l.url = m[1]
		}
		return m != nil
	})
	return l
}

// eventsUpload uploads a small file and returns its FileId.
func eventsUpload(t *testing.T, srv *openvodtest.Server) string {
	t.Helper()
	ctx := context.Background()
	var applied struct{ VodSessionKey, UploadUrl string }
	srv.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "events"}, &applied)
	req, err := http.NewRequest(http.MethodPut, applied.UploadUrl, bytes.NewReader(bytes.Repeat([]byte("openvod "), 4096)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT upload: HTTP %d", resp.StatusCode)
	}
	var committed struct{ FileId string }
	srv.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed)
	return committed.FileId
}

func eventsToPull(t *testing.T, srv *openvodtest.Server) int64 {
	t.Helper()
	var state struct{ CountOfEventsToPull int64 }
	srv.Call(context.Background(), "DescribeEventsState", nil, &state)
	return state.CountOfEventsToPull
}

func decodeEventLine(t *testing.T, line string) *vodevent.EventContent {
	t.Helper()
	var e vodevent.EventContent
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		t.Fatalf("printed line %q is not an event: %v", line, err)
	}
	return &e
}

func waitForEvents(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
