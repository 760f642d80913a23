package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
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
		"OPENVOD_PUSH_CONCURRENCY", "OPENVOD_EVENT_RETENTION", "OPENVOD_CLIP_WORKERS", "OPENVOD_EXACT_TIMEOUT"} {
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
	} {
		env := map[string]string{"OPENVOD_DATA_DIR": t.TempDir(), "OPENVOD_ADDR": "127.0.0.1:0"}
		for k, v := range tc.env {
			env[k] = v
		}
		err := run(context.Background(), append([]string{"serve"}, tc.args...), func(k string) string { return env[k] }, &bytes.Buffer{}, &bytes.Buffer{})
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
