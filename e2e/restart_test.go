// Package e2e tests whole openvod server processes: restarts after SIGKILL
// on SQLite and PostgreSQL.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
)

func TestRestartSQLite(t *testing.T) {
	t.Parallel()
	testRestart(t, "")
}

func TestRestartPostgres(t *testing.T) {
	t.Parallel()
	testRestart(t, pgtest.URL(t))
}

// testRestart uploads a file and starts a slow PullUpload, SIGKILLs the
// server mid-download and restarts it: the upload is still listed and
// served byte for byte, and the PullUpload finishes.
func testRestart(t *testing.T, db string) {
	ctx := context.Background()
	fixture := fixtureBytes(t)
	srv := openvodtest.Start(t, openvodtest.Options{DB: db, Env: []string{"OPENVOD_TASK_LEASE=3s"}})

	fileID, mediaURL := upload(t, srv, fixture)

	// A source that sends half the file, then stalls until released.
	var release atomic.Bool
	var requests atomic.Int32
	source := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Length", itoa(len(fixture)))
		w.Write(fixture[:len(fixture)/2])
		w.(http.Flusher).Flush()
		for !release.Load() {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		w.Write(fixture[len(fixture)/2:])
	}))
	defer source.Close()

	var pulled struct{ TaskId string }
	srv.Call(ctx, "PullUpload", map[string]any{"MediaUrl": source.URL + "/clip.mp4"}, &pulled)
	waitFor(t, "the pull to start", func() bool { return requests.Load() >= 1 })
	if got := taskStatus(t, srv, pulled.TaskId); got != "PROCESSING" {
		t.Fatalf("task status before kill = %s, want PROCESSING", got)
	}

	srv.Kill()
	release.Store(true)
	srv.Restart()

	var infos struct {
		MediaInfoSet []struct {
			FileId    string
			BasicInfo struct{ MediaUrl string }
		}
		NotExistFileIdSet []string
	}
	srv.Call(ctx, "DescribeMediaInfos", map[string]any{"FileIds": []string{fileID}}, &infos)
	if len(infos.MediaInfoSet) != 1 || infos.MediaInfoSet[0].FileId != fileID || infos.MediaInfoSet[0].BasicInfo.MediaUrl != mediaURL {
		t.Fatalf("after restart DescribeMediaInfos = %+v, want %s at %s", infos, fileID, mediaURL)
	}
	if got := get(t, mediaURL); !bytes.Equal(got, fixture) {
		t.Fatalf("after restart the media bytes differ: got %d bytes, want %d", len(got), len(fixture))
	}

	waitFor(t, "the PullUpload to finish after restart", func() bool { return taskStatus(t, srv, pulled.TaskId) == "FINISH" })
	var detail struct {
		PullUploadTask struct {
			ErrCode int64
			FileId  string
			FileUrl string
		}
	}
	srv.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": pulled.TaskId}, &detail)
	if detail.PullUploadTask.ErrCode != 0 || detail.PullUploadTask.FileId == "" {
		t.Fatalf("PullUploadTask after restart = %+v, want success", detail.PullUploadTask)
	}
	if got := get(t, detail.PullUploadTask.FileUrl); !bytes.Equal(got, fixture) {
		t.Fatalf("pulled media bytes differ: got %d bytes, want %d", len(got), len(fixture))
	}
	if requests.Load() < 2 {
		t.Fatalf("source requests = %d, want a second fetch after the restart", requests.Load())
	}
	assertNoTempFiles(t, srv.DataDir)
}

// fixtureBytes returns an MP4 fixture, or random bytes when none exists.
func fixtureBytes(t *testing.T) []byte {
	t.Helper()
	matches, _ := filepath.Glob("../mp4/testdata/*.mp4")
	if len(matches) > 0 {
		b, err := os.ReadFile(matches[0])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := make([]byte, 256<<10)
	rand.Read(b)
	return b
}

// upload runs ApplyUpload, PUT and CommitUpload and returns FileId and MediaUrl.
func upload(t *testing.T, srv *openvodtest.Server, data []byte) (string, string) {
	t.Helper()
	ctx := context.Background()
	var applied struct{ VodSessionKey, UploadUrl string }
	srv.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "restart"}, &applied)
	req, _ := http.NewRequest(http.MethodPut, applied.UploadUrl, bytes.NewReader(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT upload: HTTP %d", resp.StatusCode)
	}
	var committed struct{ FileId, MediaUrl string }
	srv.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed)
	return committed.FileId, committed.MediaUrl
}

func taskStatus(t *testing.T, srv *openvodtest.Server, id string) string {
	t.Helper()
	var d struct{ Status string }
	srv.Call(context.Background(), "DescribeTaskDetail", map[string]any{"TaskId": id}, &d)
	return d.Status
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertNoTempFiles checks that no partial upload is left in the media store.
func assertNoTempFiles(t *testing.T, dataDir string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(dataDir, "media", ".tmp"))
	if len(entries) != 0 {
		t.Fatalf("%d temporary files left in the media store", len(entries))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// onEachDatabase runs test in parallel subtests "sqlite" and "postgres",
// each on a server of its own on that database (PostgreSQL in a schema of
// its own, see pgtest).
func onEachDatabase(t *testing.T, test func(t *testing.T, srv *openvodtest.Server)) {
	t.Helper()
	for name, db := range map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return "" },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, openvodtest.Start(t, openvodtest.Options{DB: db(t)}))
		})
	}
}
