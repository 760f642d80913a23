package tcapi

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/clip"
)

// TestClipVideoMoovBudget: a source whose moov is over clip.MaxMoovSize is
// refused at once with UnsupportedOperation naming the limit, without
// reading the box, and no task is made.
func TestClipVideoMoovBudget(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// A sparse file: a moov header claiming 64 MiB + 1 KiB, holding one free box.
	path := filepath.Join(t.TempDir(), "huge.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(clip.MaxMoovSize + 1024)
	hdr := binary.BigEndian.AppendUint32(nil, uint32(size))
	hdr = append(hdr, "moov"...)
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(size-8))
	hdr = append(hdr, "free"...)
	f.Write(hdr)
	f.Truncate(size)
	f.Seek(0, 0)
	defer f.Close()
	key := "1/huge.mp4"
	if _, err := b.blobs.Put(ctx, key, f, 0); err != nil {
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
