package media

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/openvod/openvod/blob/s3/s3test"
)

// TestProbeStoreDown: bytes the media store fails to deliver while their
// container is read are an error of Probe (the commit fails and can be
// tried again), not unreadable metadata that a media record would keep.
func TestProbeStoreDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := s3test.Start(t)
	bucket := s3test.Open(t, srv.NewBucket(t))
	data, err := os.ReadFile("../mp4/testdata/h264_aac_moov_end.mp4")
	if err != nil {
		t.Fatal(err)
	}
	const key = "1/a/f0.mp4"
	if _, err := bucket.Put(ctx, key, bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	svc := &Service{Blobs: srv.DownAfterOpen(t, bucket)}
	if _, meta, metaErr, err := svc.Probe(ctx, key); err == nil {
		t.Fatalf("Probe with the store down after Open: metadata %s, metadata error %q, no error; want an error", meta, metaErr)
	}
	size, meta, metaErr, err := svc.Probe(ctx, key) // the store is back
	if err != nil || metaErr != "" || meta == nil || size != int64(len(data)) {
		t.Fatalf("Probe with the store back: size %d, metadata %s, metadata error %q, %v", size, meta, metaErr, err)
	}
}
