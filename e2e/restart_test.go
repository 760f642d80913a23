// Package e2e tests whole openvod server processes: restarts after SIGKILL
// on SQLite and PostgreSQL.
package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
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
