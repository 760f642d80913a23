package s3_test

import (
	"bytes"
	"context"
	"io"
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
// each 1 MiB read is a GET of its own (logged).
func TestWillReadOneRequest(t *testing.T) {
	srv := s3test.Start(t)
	cfg, counter := srv.Counted(t, srv.NewBucket(t))
	b := s3test.Open(t, cfg)
	ctx := context.Background()
	data := randomBytes(48 << 20)
	mustPut(t, b, "src.mp4", data)
	rng := rand.New(rand.NewPCG(1, 2)) // the gaps between runs
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

// TestWillReadStream is the same for Read, as a proxied ranged GET of the
// media uses it (http.ServeContent): the span's bytes with one GET that
// ends with them, and a Read past the span still right.
func TestWillReadStream(t *testing.T) {
	srv := s3test.Start(t)
	cfg, counter := srv.Counted(t, srv.NewBucket(t))
	b := s3test.Open(t, cfg)
	ctx := context.Background()
	data := randomBytes(24 << 20)
	mustPut(t, b, "src.mp4", data)
	const off, end = 5<<20 + 77, 6<<20 + 77
	o, err := b.Open(ctx, "src.mp4")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	counter.Reset()
	blob.WillRead(o, off, end)
	if _, err := o.Seek(off, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, end-off+1000)
	if _, err := io.ReadFull(o, got[:end-off]); err != nil {
		t.Fatal(err)
	}
	if n, sent := counter.Requests(http.MethodGet), counter.Bytes(http.MethodGet); n != 1 || sent != end-off {
		t.Errorf("span read: %d GET, %d bytes sent; want 1 GET of the span's %d bytes", n, sent, end-off)
	}
	if _, err := io.ReadFull(o, got[end-off:]); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data[off:end+1000]) {
		t.Error("the bytes read differ from the object's")
	}
}
