package tcapi

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/clip/cliptest"
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
