package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/vodevent"
)

// TestThreeServers runs three server processes on one PostgreSQL database
// and one S3 bucket (versitygw). An upload applied through A is PUT to the
// bucket's presigned URL, committed through B, described and read (ranged,
// byte for byte) through C. A Fast clip asked of C, with A and B down and
// C SIGKILLed at once, completes all the same (A and B, restarted, take it
// over after C's lease if C had taken it): its ClipComplete is pulled
// through A and B serves the clip. An Exact clip
// through B reads its source through a presigned URL. DeleteMedia through A
// removes the object from the bucket. No media byte is ever written under a
// server's data directory.
func TestThreeServers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s3srv := s3test.Start(t)
	bucket := s3srv.NewBucket(t)
	db := pgtest.URL(t)
	env := append(s3test.Env(), "OPENVOD_STORAGE=s3://"+bucket.Bucket+"/vod", "OPENVOD_S3_ENDPOINT="+s3srv.Endpoint,
		"OPENVOD_S3_PATH_STYLE=true", "OPENVOD_TASK_LEASE=3s")
	var servers []*openvodtest.Server
	for range 3 {
		servers = append(servers, openvodtest.Start(t, openvodtest.Options{DB: db,
			Env: append(env, "OPENVOD_SCRATCH_DIR="+t.TempDir())}))
	}
	a, b, c := servers[0], servers[1], servers[2]
	a.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PULL"}, nil)

	src := longSource(t) // long enough that C dies while it cuts
	var applied struct {
		VodSessionKey, UploadUrl, MediaStoragePath string
		StorageBucket, StorageRegion               string
	}
	a.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "scale"}, &applied)
	if !strings.HasPrefix(applied.UploadUrl, s3srv.Endpoint+"/"+bucket.Bucket+"/vod/") || !strings.Contains(applied.UploadUrl, "X-Amz-Signature=") {
		t.Fatalf("UploadUrl %q is not a presigned URL of the bucket", applied.UploadUrl)
	}
	if applied.StorageBucket != bucket.Bucket || applied.StorageRegion != "us-east-1" {
		t.Errorf("StorageBucket, StorageRegion = %q, %q; want %q, us-east-1", applied.StorageBucket, applied.StorageRegion, bucket.Bucket)
	}
	put(t, applied.UploadUrl, src)
	var committed struct{ FileId, MediaUrl string }
	b.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed)
	// The URL outlives the commit, but cannot change the committed file.
	put(t, applied.UploadUrl, bytes.Repeat([]byte("X"), 1000))

	var infos struct {
		MediaInfoSet []struct {
			BasicInfo struct{ MediaUrl, StorageRegion string }
			MetaData  struct {
				Size     int64
				Duration float64
			}
		}
	}
	c.Call(ctx, "DescribeMediaInfos", map[string]any{"FileIds": []string{committed.FileId}}, &infos)
	if len(infos.MediaInfoSet) != 1 || infos.MediaInfoSet[0].MetaData.Size != int64(len(src)) || infos.MediaInfoSet[0].MetaData.Duration <= 0 {
		t.Fatalf("DescribeMediaInfos through C = %+v, want one media of %d bytes with a duration", infos, len(src))
	}
	mediaPath := urlPath(t, committed.MediaUrl)
	if got := getRange(t, c.URL+mediaPath, 1000, 50000); !bytes.Equal(got, src[1000:50001]) {
		t.Fatalf("ranged GET through C: %d bytes that differ from the upload's [1000, 50000]", len(got))
	}
	if got := get(t, c.URL+mediaPath); !bytes.Equal(got, src) {
		t.Fatalf("GET through C after a late PUT: %d bytes, want the %d committed", len(got), len(src))
	}

	// With A and B down, only C can take the clip; it dies at once, and A
	// and B, back, take the task over once C's lease ends.
	a.Kill()
	b.Kill()
	var fast struct{ TaskId string }
	c.Call(ctx, "ClipVideo", map[string]any{"FileId": committed.FileId, "StartTimeOffset": 1, "EndTimeOffset": 39}, &fast)
	status := ""
	for status == "" || status == "WAITING" {
		status = taskStatus(t, c, fast.TaskId) // C dies as soon as it holds the task
	}
	c.Kill()
	killed := time.Now()
	a.Restart()
	b.Restart()
	clip := pullClipComplete(t, a, fast.TaskId)
	took := time.Since(killed)
	t.Logf("C killed with the clip %s; its ClipComplete pulled through A %v later", status, took.Round(time.Millisecond))
	if status == "PROCESSING" && took < 3*time.Second {
		t.Errorf("the clip C held was finished %v after C died, before its 3 s lease ended", took)
	}
	if clip.FileInfo == nil || clip.FileInfo.ErrCode != 0 {
		t.Fatalf("ClipComplete of the clip asked of C: %+v", clip.FileInfo)
	}
	clipFile := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(clipFile, get(t, b.URL+urlPath(t, clip.FileInfo.FileUrl)), 0o644); err != nil {
		t.Fatal(err)
	}
	if d := ffprobeDuration(t, clipFile); d < 37.9 || d > 38.1 {
		t.Fatalf("B serves a clip of %g s, want 38", d)
	}

	var exact struct{ TaskId string }
	b.Call(ctx, "ClipVideo", map[string]any{"FileId": committed.FileId, "StartTimeOffset": 0.5, "EndTimeOffset": 2, "Precision": "Exact"}, &exact)
	if d := waitClip(t, b, exact.TaskId); d.ClipTask.FileInfo.ErrCode != 0 || d.ClipTask.VideoEncoder == "" {
		t.Fatalf("Exact clip on S3: %+v", d.ClipTask)
	}

	a.Call(ctx, "DeleteMedia", map[string]any{"FileId": committed.FileId}, nil)
	// Left: the two clips, and what the late PUT wrote to the upload URL's
	// object (the janitor removes it once the session has ended).
	objects := s3srv.Files(t, bucket.Bucket)
	uploadObject := "vod" + applied.MediaStoragePath
	fastObject := "vod/" + strings.TrimPrefix(urlPath(t, clip.FileInfo.FileUrl), "/vod/")
	found := 0
	for _, o := range objects {
		if strings.Contains(o, strings.TrimPrefix(mediaPath, "/vod/")) {
			t.Errorf("object %s of the deleted media is still in the bucket", o)
		}
		if o == uploadObject || o == fastObject {
			found++
		}
	}
	if len(objects) != 3 || found != 2 {
		t.Errorf("bucket holds %v, want the two clips (one %s) and the upload URL's %s", objects, fastObject, uploadObject)
	}
	for i, s := range servers {
		if files := s.DataFiles(); len(files) != 0 {
			t.Errorf("server %d wrote media under its data directory: %v", i, files)
		}
	}
}

// urlPath returns the path of u.
func urlPath(t *testing.T, u string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Path
}

// put PUTs body to url and fails the test unless it answers 200.
func put(t *testing.T, to string, body []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, to, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: HTTP %d %s", to, resp.StatusCode, msg)
	}
}

// getRange GETs bytes [first, last] of url.
func getRange(t *testing.T, from string, first, last int) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, from, nil)
	req.Header.Set("Range", "bytes="+itoa(first)+"-"+itoa(last))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("ranged GET %s: HTTP %d, want 206", from, resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pullClipComplete pulls events through srv, confirming them, until the
// ClipComplete of taskID arrives.
func pullClipComplete(t *testing.T, srv *openvodtest.Server, taskID string) *vodevent.ClipTask2017 {
	t.Helper()
	p := &vodevent.Puller{Endpoint: srv.URL, SecretId: openvodtest.SecretID, SecretKey: openvodtest.SecretKey,
		HTTPClient: &http.Client{Timeout: 20 * time.Second}}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		events, err := p.PullOnce(context.Background())
		if err != nil {
			t.Fatalf("PullEvents: %v", err)
		}
		var handles []string
		var found *vodevent.ClipTask2017
		for _, e := range events {
			handles = append(handles, e.EventHandle)
			if e.EventType == vodevent.TypeClipComplete && e.ClipCompleteEvent.TaskId == taskID {
				found = e.ClipCompleteEvent
			}
		}
		if len(handles) > 0 {
			srv.Call(context.Background(), "ConfirmEvents", map[string]any{"EventHandles": handles}, nil)
		}
		if found != nil {
			return found
		}
	}
	t.Fatalf("no ClipComplete of %s within 90 s", taskID)
	return nil
}
