package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
)

// TestServeFirstStart checks that the first start creates and prints a key
// pair once, stores it with mode 0600, never logs the SecretKey, and that
// the next start reuses it.
func TestServeFirstStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"OPENVOD_DATA_DIR": dir, "OPENVOD_ADDR": openvodtest.FreeAddr(t)}
	getenv := func(k string) string { return env[k] }

	out1, log1 := serveBriefly(t, getenv)
	b, err := os.ReadFile(filepath.Join(dir, credentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	var c credentials
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.SubAppId != 1500000001 || !strings.HasPrefix(c.SecretId, "AKID") || len(c.SecretKey) != 32 {
		t.Fatalf("credentials = %+v", c)
	}
	fi, _ := os.Stat(filepath.Join(dir, credentialsFile))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	for _, want := range []string{c.SecretId, c.SecretKey, "1500000001", env["OPENVOD_ADDR"]} {
		if !strings.Contains(out1, want) {
			t.Fatalf("first start output lacks %q:\n%s", want, out1)
		}
	}
	if strings.Contains(log1, c.SecretKey) {
		t.Fatalf("the SecretKey appears in the log:\n%s", log1)
	}

	out2, log2 := serveBriefly(t, getenv)
	if !strings.Contains(out2, c.SecretId) || strings.Contains(out2, c.SecretKey) || strings.Contains(log2, c.SecretKey) {
		t.Fatalf("second start must show the same SecretId and not the SecretKey:\n%s\n%s", out2, log2)
	}
}

// TestHelpListsSettings checks that serve --help documents every variable.
func TestHelpListsSettings(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	run(context.Background(), []string{"serve", "--help"}, func(string) string { return "" }, &bytes.Buffer{}, &stderr)
	for _, env := range []string{"OPENVOD_ADDR", "OPENVOD_DATA_DIR", "OPENVOD_DB", "OPENVOD_SECRET_ID", "OPENVOD_SECRET_KEY",
		"OPENVOD_PUBLIC_URL", "OPENVOD_SQLITE_SYNCHRONOUS", "OPENVOD_MAX_UPLOAD_SIZE", "OPENVOD_UPLOAD_TTL",
		"OPENVOD_WORKERS", "OPENVOD_TASK_LEASE", "OPENVOD_LOG_LEVEL", "OPENVOD_LOG_FORMAT",
		"OPENVOD_PUSH_TIMEOUT", "OPENVOD_PUSH_RETRY_WINDOW", "OPENVOD_PUSH_RETRY_BASE", "OPENVOD_PUSH_RETRY_MAX",
		"OPENVOD_PUSH_CONCURRENCY", "OPENVOD_EVENT_RETENTION", "OPENVOD_CLIP_WORKERS", "OPENVOD_EXACT_TIMEOUT",
		"OPENVOD_WORKERS_PER_APP", "OPENVOD_PULL_CONNECT_TIMEOUT", "OPENVOD_PULL_IDLE_TIMEOUT", "OPENVOD_PULL_TOTAL_TIMEOUT",
		"OPENVOD_MIN_TRANSFER_RATE", "OPENVOD_MIN_TRANSFER_WINDOW", "OPENVOD_STORAGE", "OPENVOD_S3_ENDPOINT",
		"OPENVOD_S3_PUBLIC_ENDPOINT", "OPENVOD_S3_REGION", "OPENVOD_S3_PATH_STYLE", "OPENVOD_MEDIA_DELIVERY", "OPENVOD_SCRATCH_DIR",
		"OPENVOD_JANITOR_INTERVAL", "OPENVOD_ORPHAN_SWEEP_INTERVAL"} {
		if !strings.Contains(stderr.String(), "$"+env) {
			t.Errorf("serve --help does not mention %s", env)
		}
	}
}

// serveBriefly runs "serve" until /healthz answers, then stops it.
func serveBriefly(t *testing.T, getenv func(string) string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, log openvodtest.SyncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, &out, &log) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + getenv("OPENVOD_ADDR") + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not start: %v\n%s", <-done, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	return out.String(), log.String()
}

// TestBadSettingIsAnError checks that a variable or flag whose value does
// not parse stops the command with an error naming it, instead of running
// with the default.
func TestBadSettingIsAnError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{env: map[string]string{"OPENVOD_WORKERS": "eight"}, want: `$OPENVOD_WORKERS="eight" is not valid`},
		{env: map[string]string{"OPENVOD_TASK_LEASE": "30"}, want: `$OPENVOD_TASK_LEASE="30" is not valid`},
		{env: map[string]string{"OPENVOD_MAX_UPLOAD_SIZE": "5G", "OPENVOD_PUSH_TIMEOUT": "fast"},
			want: `$OPENVOD_MAX_UPLOAD_SIZE="5G" is not valid: want an integer` + "\n" + `$OPENVOD_PUSH_TIMEOUT="fast" is not valid`},
		{args: []string{"--workers", "eight"}, want: `invalid value "eight" for flag -workers`},
		// Values that parse but mean nothing are errors too, not the default.
		{env: map[string]string{"OPENVOD_WORKERS": "0"}, want: `$OPENVOD_WORKERS="0" is not valid: want a positive integer`},
		{args: []string{"--clip-workers", "-1"}, want: `--clip-workers=-1 is not valid: want a positive integer`},
		{env: map[string]string{"OPENVOD_PUSH_CONCURRENCY": "0", "OPENVOD_MAX_UPLOAD_SIZE": "-5"},
			want: `$OPENVOD_MAX_UPLOAD_SIZE="-5" is not valid: want a positive integer` + "\n" + `$OPENVOD_PUSH_CONCURRENCY="0" is not valid: want a positive integer`},
		{env: map[string]string{"OPENVOD_WORKERS_PER_APP": "0"}, want: `$OPENVOD_WORKERS_PER_APP="0" is not valid`},
		{env: map[string]string{"OPENVOD_EVENT_RETENTION": "-1h"}, want: `$OPENVOD_EVENT_RETENTION="-1h" is not valid: want a positive duration`},
		{env: map[string]string{"OPENVOD_TASK_LEASE": "0s"}, want: `$OPENVOD_TASK_LEASE="0s" is not valid: want a positive duration`},
		{args: []string{"--pull-idle-timeout", "0s"}, want: `--pull-idle-timeout=0s is not valid: want a positive duration`},
		{env: map[string]string{"OPENVOD_MIN_TRANSFER_RATE": "0"}, want: `$OPENVOD_MIN_TRANSFER_RATE="0" is not valid`},
		// The media store: a storage URL that does not parse, a delivery that
		// does not exist or needs S3, an S3 server that does not answer.
		{env: map[string]string{"OPENVOD_STORAGE": "gs://bucket"}, want: `--storage="gs://bucket" is not valid: want local or s3://BUCKET[/PREFIX]`},
		{env: map[string]string{"OPENVOD_STORAGE": "s3://"}, want: `--storage="s3://" is not valid`},
		{env: map[string]string{"OPENVOD_MEDIA_DELIVERY": "cdn"}, want: `--media-delivery="cdn" is not valid: want proxy or redirect`},
		{env: map[string]string{"OPENVOD_MEDIA_DELIVERY": "redirect"}, want: `--media-delivery=redirect needs --storage=s3://`},
		{env: map[string]string{"OPENVOD_STORAGE": "s3://b", "OPENVOD_S3_ENDPOINT": "http://127.0.0.1:9", "OPENVOD_S3_PATH_STYLE": "true"}, want: `--storage=s3://b: blob/s3: bucket "b" at http://127.0.0.1:9`},
		// The flag wins over the variable, and is the one named.
		{env: map[string]string{"OPENVOD_UPLOAD_TTL": "1h"}, args: []string{"--upload-ttl", "0s"}, want: `--upload-ttl=0s is not valid`},
	} {
		env := map[string]string{"OPENVOD_DATA_DIR": t.TempDir(), "OPENVOD_ADDR": "127.0.0.1:0"}
		for k, v := range tc.env {
			env[k] = v
		}
		// A server started in spite of a bad value stops after a while, and the case fails.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := run(ctx, append([]string{"serve"}, tc.args...), func(k string) string { return env[k] }, &bytes.Buffer{}, &bytes.Buffer{})
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve with %v %v: err = %v, want it to contain %q", tc.env, tc.args, err, tc.want)
		}
	}
	err := run(context.Background(), []string{"events", "listen"}, func(k string) string {
		return map[string]string{"OPENVOD_EVENTS_FAIL": "maybe"}[k]
	}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "$OPENVOD_EVENTS_FAIL") {
		t.Errorf("events listen with OPENVOD_EVENTS_FAIL=maybe: err = %v", err)
	}
}

// TestSettingsReachTheServer starts a server process with short PullUpload
// and transfer-rate settings and two workers, both allowed to one app: two
// PullUploads of one app whose source stalls run at once and fail after the
// idle timeout set, and an upload PUT whose client stalls is cut off after
// the window set, not after the defaults (30 s each, one pull of an app at
// a time with two workers).
func TestSettingsReachTheServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The source answers with headers and then sends nothing.
	stall, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stall.Close()
	go func() {
		for {
			c, err := stall.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			go func() {
				http.ReadRequest(bufio.NewReader(c))
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
			}()
		}
	}()
	srv := openvodtest.Start(t, openvodtest.Options{Env: []string{"OPENVOD_PULL_IDLE_TIMEOUT=2s",
		"OPENVOD_WORKERS=2", "OPENVOD_WORKERS_PER_APP=2", "OPENVOD_MIN_TRANSFER_RATE=1000", "OPENVOD_MIN_TRANSFER_WINDOW=1s"}})

	type pullDetail struct {
		Status, BeginProcessTime string
		PullUploadTask           struct {
			ErrCode int64
			Message string
		}
	}
	var pulled [2]struct{ TaskId string }
	var details [2]pullDetail
	began := time.Now()
	for i := range pulled {
		srv.Call(ctx, "PullUpload", map[string]any{"MediaUrl": fmt.Sprintf("http://%s/%d.mp4", stall.Addr(), i)}, &pulled[i])
	}
	for i := range pulled {
		waitForEvents(t, "the stalled pull to finish", func() bool {
			srv.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": pulled[i].TaskId}, &details[i])
			return details[i].Status == "FINISH"
		})
	}
	if took := time.Since(began); took > 8*time.Second {
		t.Errorf("the stalled pulls finished after %v, want about 2s (OPENVOD_PULL_IDLE_TIMEOUT=2s)", took)
	}
	for _, d := range details {
		if want := "the MediaUrl stalled: no byte for 2s"; d.PullUploadTask.ErrCode != 60000 || d.PullUploadTask.Message != want {
			t.Fatalf("stalled pull = %d %q, want 60000 %q", d.PullUploadTask.ErrCode, d.PullUploadTask.Message, want)
		}
	}
	first, err1 := time.Parse(time.RFC3339, details[0].BeginProcessTime)
	second, err2 := time.Parse(time.RFC3339, details[1].BeginProcessTime)
	if err1 != nil || err2 != nil || second.Sub(first) > time.Second {
		t.Errorf("the pulls of one app began at %s and %s, want together (OPENVOD_WORKERS_PER_APP=2)",
			details[0].BeginProcessTime, details[1].BeginProcessTime)
	}

	var applied struct{ UploadUrl string }
	srv.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4"}, &applied)
	u, err := url.Parse(applied.UploadUrl)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	began = time.Now()
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 100000\r\n\r\n0123456789", u.Path, srv.Addr)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	io.Copy(io.Discard, conn) // until the server answers and closes, or gives up on the body
	if took := time.Since(began); took < time.Second || took > 5*time.Second {
		t.Fatalf("a stalled upload PUT was cut off after %v, want about 1s (OPENVOD_MIN_TRANSFER_WINDOW=1s)", took)
	}
}
