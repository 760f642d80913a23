package s3_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/s3/s3test"
)

// TestWillReadOneRequest reads a span the way a Fast clip copies its runs
// (1 MiB ReadAt calls in increasing order, small gaps between runs) after
// blob.WillRead: one GET, of the span's bytes and no more. Without the hint
// the stream asks for the object's rest, and the server sends bytes past
// the span (logged).
func TestWillReadOneRequest(t *testing.T) {
	srv := s3test.Start(t)
	cfg, counter := srv.Counted(t, srv.NewBucket(t))
	b := s3test.Open(t, cfg)
	ctx := context.Background()
	data := make([]byte, 48<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	if _, err := b.Put(ctx, "src.mp4", bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	const off, end = 3<<20 + 123, 15<<20 + 4567
	read := func(hint bool) {
		t.Helper()
		o, err := b.Open(ctx, "src.mp4")
		if err != nil {
			t.Fatal(err)
		}
		counter.Reset()
		if hint {
			blob.WillRead(o, off, end)
		}
		buf := make([]byte, 1<<20)
		for pos := int64(off); pos < end; {
			n := min(int64(len(buf)), end-pos)
			if _, err := o.ReadAt(buf[:n], pos); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf[:n], data[pos:pos+n]) {
				t.Fatalf("bytes at %d differ", pos)
			}
			pos += n + int64(rng.IntN(4096)) // a gap between runs
		}
		o.Close()
	}
	read(false)
	time.Sleep(200 * time.Millisecond) // the server's bytes past the span arrive after the Close
	t.Logf("without WillRead: %d GET, %d bytes sent for a span of %d", counter.Requests(http.MethodGet), counter.Bytes(http.MethodGet), end-off)
	read(true)
	if n, sent := counter.Requests(http.MethodGet), counter.Bytes(http.MethodGet); n != 1 || sent != end-off {
		t.Errorf("with WillRead: %d GET, %d bytes sent; want 1 GET of the span's %d bytes", n, sent, end-off)
	}
}
