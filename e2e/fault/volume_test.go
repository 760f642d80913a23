package fault

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
)

// TestMediaVolumeFull runs a server whose media directory is a 2 MiB tmpfs.
// Uploads are made until a PUT fails: it answers 5xx, its session cannot
// be committed, no partial file remains, the earlier uploads are intact and
// the server healthy; deleting media frees space for a new upload. A
// PullUpload larger than the free space finishes with an error and leaves
// no file.
func TestMediaVolumeFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := t.TempDir()
	mediaDir := filepath.Join(dataDir, "media")
	if err := os.MkdirAll(mediaDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mediaDir).CombinedOutput(); err != nil {
		t.Fatalf("mount -t tmpfs -o size=2m tmpfs %s: %v\n%s\n(the fault tests must run as root, with CAP_SYS_ADMIN in a container)", mediaDir, err, out)
	}
	t.Cleanup(func() { // after the server is killed (cleanups run last first)
		if out, err := exec.Command("umount", mediaDir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", mediaDir, err, out)
		}
	})
	srv := openvodtest.Start(t, openvodtest.Options{DataDir: dataDir})
	t.Cleanup(func() { dumpErrors(t, srv.Stderr.String()) })
	c := srv.Client()

	type stored struct {
		fileID, url string
		data        []byte
	}
	var ok []stored
	uploadOne := func(size int) (stored, int, string) { // the upload, or the failing PUT's status and body
		data := make([]byte, size)
		rand.Read(data)
		var applied struct{ VodSessionKey, UploadUrl string }
		srv.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "full"}, &applied)
		req, _ := http.NewRequest(http.MethodPut, applied.UploadUrl, bytes.NewReader(data))
		resp, err := httpc.Do(req)
		if err != nil {
			t.Fatalf("PUT: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			// The session holds nothing: CommitUpload says so.
			err := c.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, nil)
			if e := apiError(err); e == nil || e.Code != "InvalidParameterValue.VodSessionKey" || !strings.Contains(e.Message, "nothing was uploaded") {
				t.Errorf("CommitUpload after the failed PUT: %v, want InvalidParameterValue.VodSessionKey: nothing was uploaded", err)
			}
			return stored{}, resp.StatusCode, string(body)
		}
		var committed struct{ FileId, MediaUrl string }
		srv.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed)
		return stored{committed.FileId, committed.MediaUrl, data}, http.StatusOK, ""
	}

	const size = 400 << 10
	failStatus, failBody := 0, ""
	for range 10 {
		s, status, body := uploadOne(size)
		if status != http.StatusOK {
			failStatus, failBody = status, body
			break
		}
		ok = append(ok, s)
	}
	if failStatus == 0 {
		t.Fatalf("10 uploads of %d KiB fit in a 2 MiB volume", size>>10)
	}
	if failStatus < 500 {
		t.Errorf("the PUT that overflowed the volume answered HTTP %d %q, want 5xx", failStatus, failBody)
	}
	if len(ok) < 3 {
		t.Errorf("only %d uploads fitted before the volume was full, want at least 3", len(ok))
	}
	known := func() []string {
		var ids []string
		for _, s := range ok {
			ids = append(ids, s.fileID)
		}
		return ids
	}
	full := checkStore(t, srv, known(), localStore(t, srv))
	intact := 0
	for _, s := range ok {
		got, err := get(s.url)
		if err != nil || !bytes.Equal(got, s.data) {
			t.Errorf("%s after the volume filled: %d bytes, %v; want the %d bytes uploaded", s.fileID, len(got), err, len(s.data))
			continue
		}
		intact++
	}
	healthyWhenFull := healthy(srv)
	t.Logf("volume full: uploads stored=%d, failing PUT answered %d %q; files=%d orphan=%d partial=%d intact=%d healthy=%v",
		len(ok), failStatus, strings.TrimSpace(failBody), full.files, full.orphans, full.partial, intact, healthyWhenFull)
	full.assert(t)
	if full.files != len(ok) {
		t.Errorf("media store holds %d files, want %d", full.files, len(ok))
	}
	if !healthyWhenFull {
		t.Errorf("/healthz not 200 with the volume full")
	}

	// Delete two media: a new upload fits again.
	for _, s := range ok[:2] {
		srv.Call(ctx, "DeleteMedia", map[string]any{"FileId": s.fileID}, nil)
	}
	ok = ok[2:]
	s, status, body := uploadOne(size)
	if status != http.StatusOK {
		t.Fatalf("upload after deleting two media: HTTP %d %q, want 200", status, body)
	}
	ok = append(ok, s)

	// A PullUpload larger than the free space: the task fails, no file.
	big := make([]byte, 3<<20)
	rand.Read(big)
	source := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write(big)
	}))
	defer source.Close()
	var pulled struct{ TaskId string }
	srv.Call(ctx, "PullUpload", map[string]any{"MediaUrl": source.URL + "/big.mp4"}, &pulled)
	var detail struct {
		Status         string
		PullUploadTask struct {
			ErrCode         int64
			Message, FileId string
		}
	}
	if !waitUntil(60*time.Second, func() bool {
		srv.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": pulled.TaskId}, &detail)
		return detail.Status == "FINISH"
	}) {
		t.Fatalf("PullUpload overflowing the volume not FINISH after 60 s: %+v", detail)
	}
	if detail.PullUploadTask.ErrCode == 0 || detail.PullUploadTask.FileId != "" {
		t.Errorf("PullUpload overflowing the volume finished with %+v, want a non-zero ErrCode and no FileId", detail.PullUploadTask)
	}
	after := checkStore(t, srv, known(), localStore(t, srv))
	after.assert(t)
	if after.files != len(ok) {
		t.Errorf("media store holds %d files after the failed PullUpload, want %d", after.files, len(ok))
	}
	// Still serving: a small upload works.
	small, status, body := uploadOne(16 << 10)
	if status != http.StatusOK {
		t.Errorf("small upload after the failed PullUpload: HTTP %d %q", status, body)
	} else {
		ok = append(ok, small)
	}
	isHealthy := healthy(srv)
	t.Logf("invariants: tasks accepted=1 finished=1 (PullUpload ErrCode=%d %q) uploads stored=%d intact=%d rejected PUT=HTTP %d "+
		"orphan files=%d partial files=%d healthy=%v",
		detail.PullUploadTask.ErrCode, detail.PullUploadTask.Message, len(ok), intact, failStatus,
		after.orphans, after.partial, isHealthy)
	if !isHealthy {
		t.Errorf("/healthz not 200 at the end")
	}
}
