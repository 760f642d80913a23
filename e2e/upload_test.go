package e2e

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
)

// TestUploadOverlap sends two PUTs to one upload URL that overlap: B starts
// and streams slowly, A is sent whole meanwhile, CommitUpload is tried, then
// B finishes. Exactly one PUT succeeds, and the committed media serves that
// PUT's bytes with the size DescribeMediaInfos reports; nothing else is
// stored.
func TestUploadOverlap(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, testUploadOverlap)
}

func testUploadOverlap(t *testing.T, srv *openvodtest.Server) {
	ctx := context.Background()
	bodyA := fixtureBytes(t)
	bodyB := bytes.Repeat([]byte("B"), 3*len(bodyA)/2)
	var applied struct{ VodSessionKey, UploadUrl string }
	srv.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "overlap"}, &applied)

	// B: the body comes from a pipe. With Expect: 100-continue the client
	// sends it only once the handler reads the body, so when the first
	// write returns, B's handler has checked (and claimed) the session.
	pr, pw := io.Pipe()
	reqB, _ := http.NewRequest(http.MethodPut, applied.UploadUrl, pr)
	reqB.ContentLength = int64(len(bodyB))
	reqB.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	statusB := make(chan int, 1)
	go func() {
		resp, err := client.Do(reqB)
		if err != nil {
			t.Errorf("PUT B: %v", err)
			statusB <- 0
			return
		}
		resp.Body.Close()
		statusB <- resp.StatusCode
	}()
	if _, err := pw.Write(bodyB[:1000]); err != nil {
		t.Fatal(err)
	}

	// A, whole, while B streams; then a commit.
	reqA, _ := http.NewRequest(http.MethodPut, applied.UploadUrl, bytes.NewReader(bodyA))
	respA, err := http.DefaultClient.Do(reqA)
	if err != nil {
		t.Fatal(err)
	}
	respA.Body.Close()
	var committed struct{ FileId, MediaUrl string }
	commitErr := srv.Client().Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed)

	// B finishes.
	if _, err := pw.Write(bodyB[1000:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	codeB := <-statusB
	if commitErr != nil {
		srv.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed)
	}

	var want []byte
	switch {
	case respA.StatusCode == http.StatusOK && codeB != http.StatusOK:
		want = bodyA
	case codeB == http.StatusOK && respA.StatusCode != http.StatusOK:
		want = bodyB
	default:
		t.Fatalf("PUT A answered %d and PUT B %d, want exactly one 200", respA.StatusCode, codeB)
	}
	if got := get(t, committed.MediaUrl); !bytes.Equal(got, want) {
		t.Errorf("MediaUrl serves %d bytes (%.20q), want the %d bytes of the PUT answered 200 (A %d, B %d)",
			len(got), got, len(want), respA.StatusCode, codeB)
	}
	var infos struct {
		MediaInfoSet []struct{ MetaData struct{ Size int64 } }
	}
	srv.Call(ctx, "DescribeMediaInfos", map[string]any{"FileIds": []string{committed.FileId}}, &infos)
	if len(infos.MediaInfoSet) != 1 || infos.MediaInfoSet[0].MetaData.Size != int64(len(want)) {
		t.Errorf("DescribeMediaInfos = %+v, want one media of %d bytes", infos, len(want))
	}

	// The PUT refused stored nothing: the media store holds one object.
	var objects []string
	root := filepath.Join(srv.DataDir, "media")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.Contains(p, string(filepath.Separator)+".tmp") {
			objects = append(objects, p)
		}
		return err
	})
	if len(objects) != 1 {
		t.Errorf("media store objects %v, want one", objects)
	}
	assertNoTempFiles(t, srv.DataDir)
}
