package tcapi

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/clip/cliptest"
	"github.com/openvod/openvod/store/sqlite"
)

// TestClipVideoMoovBudget: a source whose moov is over clip.MaxMoovSize is
// refused at once with UnsupportedOperation naming the limit, without
// reading the box, and no task is made.
func TestClipVideoMoovBudget(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	size := int64(clip.MaxMoovSize + 1024)
	key := "1/huge.mp4"
	if _, err := b.blobs.Put(ctx, key, cliptest.HugeMoov(t, size), 0); err != nil {
		t.Fatal(err)
	}
	m := &openvod.Media{FileID: "5285890000000000001", SubAppID: openvod.DefaultSubAppID, Name: "huge", Type: "mp4",
		StorageKey: key, Size: size, SourceType: "Upload", CreateTime: b.now, UpdateTime: b.now}
	if err := b.st.MediaInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	_, body := b.do(t, "ClipVideo", `{"FileId":"`+m.FileID+`","StartTimeOffset":0,"EndTimeOffset":1}`, nil)
	if code := errorCode(t, body); code != openvod.CodeUnsupportedOperation || !strings.Contains(string(body), strconv.Itoa(clip.MaxMoovSize)) {
		t.Fatalf("ClipVideo of a source with a %d-byte moov: %s, want UnsupportedOperation naming the %d-byte limit", size, body, clip.MaxMoovSize)
	}
	counts, err := b.st.TaskCountByStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for s, n := range counts {
		if n != 0 {
			t.Errorf("%d tasks %s, want none", n, s)
		}
	}
}

// TestClipVideoStoreDownWhileInspecting: when the media store fails while
// ClipVideo reads the source's headers, the request fails (InternalError)
// and no task is made: the range was not checked, and a task accepted
// with it unchecked would fail a valid request, or run one that is not.
func TestClipVideoStoreDownWhileInspecting(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	blobs := srv.DownAfterOpen(t, s3test.Open(t, srv.NewBucket(t)))
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b := setupBlobs(t, st, blobs)
	ctx := context.Background()
	src, err := os.ReadFile("../clip/testdata/bf2_gop1s.mp4")
	if err != nil {
		t.Fatal(err)
	}
	key := "1/src.mp4"
	if _, err := b.blobs.Put(ctx, key, bytes.NewReader(src), 0); err != nil {
		t.Fatal(err)
	}
	m := &openvod.Media{FileID: "5285890000000000002", SubAppID: openvod.DefaultSubAppID, Name: "src", Type: "mp4",
		StorageKey: key, Size: int64(len(src)), SourceType: "Upload", CreateTime: b.now, UpdateTime: b.now}
	if err := b.st.MediaInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	// From the end: a range only the headers resolve.
	_, body := b.do(t, "ClipVideo", `{"FileId":"`+m.FileID+`","StartTimeOffset":-3,"EndTimeOffset":-1}`, nil)
	if code := errorCode(t, body); code != openvod.CodeInternalError {
		t.Fatalf("ClipVideo while the store is down: %s, want InternalError", body)
	}
	counts, err := b.st.TaskCountByStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for s, n := range counts {
		if n != 0 {
			t.Errorf("%d tasks %s, want none", n, s)
		}
	}
}
