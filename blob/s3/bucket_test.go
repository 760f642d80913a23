package s3_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/openvod/openvod/blob"
	s3blob "github.com/openvod/openvod/blob/s3"
	"github.com/openvod/openvod/blob/s3/s3test"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func mustPut(t *testing.T, b blob.Bucket, key string, data []byte) {
	t.Helper()
	if _, err := b.Put(t.Context(), key, bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, b blob.Bucket, key string) []byte {
	t.Helper()
	o, err := b.Open(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	data, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestPresigned: a PUT to a presigned URL stores the object, a GET of a
// presigned URL reads it with Range, and an expired URL is refused.
func TestPresigned(t *testing.T) {
	srv := s3test.Start(t)
	b := s3test.Open(t, srv.NewBucket(t))
	data := randomBytes(100_000)
	putURL, err := b.PresignPut(t.Context(), "up/a.mp4", time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, putURL, bytes.NewReader(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT to the presigned URL: HTTP %d", resp.StatusCode)
	}
	if got := readAll(t, b, "up/a.mp4"); !bytes.Equal(got, data) {
		t.Fatalf("the presigned PUT stored %d bytes that differ from the %d sent", len(got), len(data))
	}
	getURL, err := b.PresignGet(t.Context(), "up/a.mp4", time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodGet, getURL, nil)
	req.Header.Set("Range", "bytes=10-19")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, data[10:20]) {
		t.Fatalf("ranged GET of the presigned URL: HTTP %d, %d bytes; want 206 and bytes 10-19", resp.StatusCode, len(got))
	}
	expired, err := b.PresignGet(t.Context(), "up/a.mp4", time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	resp, err = http.Get(expired)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("GET of an expired presigned URL: HTTP %d, want 403", resp.StatusCode)
	}
}

// TestCopy copies an object inside the bucket; the copy stays as it was
// when the source is replaced, and a missing source is ErrNotFound.
func TestCopy(t *testing.T) {
	srv := s3test.Start(t)
	b := s3test.Open(t, srv.NewBucket(t))
	data := randomBytes(6 << 20)
	mustPut(t, b, "src", data)
	info, err := b.Copy(t.Context(), "dst/copy", "src")
	if err != nil || info.Size != int64(len(data)) || info.Key != "dst/copy" {
		t.Fatalf("Copy = %+v, %v; want dst/copy of %d bytes", info, err, len(data))
	}
	mustPut(t, b, "src", []byte("replaced"))
	if got := readAll(t, b, "dst/copy"); !bytes.Equal(got, data) {
		t.Fatal("the copy changed with its source")
	}
	if _, err := b.Copy(t.Context(), "dst/x", "missing"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Copy of a missing object: %v, want ErrNotFound", err)
	}
}

// TestReplacedWhileOpen: reads of an object replaced after Open fail with
// ErrChanged instead of mixing its two versions.
func TestReplacedWhileOpen(t *testing.T) {
	srv := s3test.Start(t)
	b := s3test.Open(t, srv.NewBucket(t))
	mustPut(t, b, "k", randomBytes(1<<20))
	o, err := b.Open(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	mustPut(t, b, "k", randomBytes(1<<20))
	if _, err := o.ReadAt(make([]byte, 10), 0); !errors.Is(err, s3blob.ErrChanged) {
		t.Fatalf("ReadAt of a replaced object: %v, want ErrChanged", err)
	}
}

// TestCleanTemp aborts the multipart uploads older than the age given and
// keeps younger ones; committed objects are untouched.
func TestCleanTemp(t *testing.T) {
	srv := s3test.Start(t)
	cfg := srv.NewBucket(t)
	cfg.PartSize = 5 << 20
	b := s3test.Open(t, cfg)
	mustPut(t, b, "kept", []byte("x"))
	w, err := b.Create(t.Context(), "crashed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(randomBytes(6 << 20)); err != nil { // one part sent: a multipart upload exists
		t.Fatal(err)
	}
	if n := len(srv.Uploads(t, cfg.Bucket)); n != 1 {
		t.Fatalf("%d multipart uploads in progress, want 1", n)
	}
	if n, err := b.CleanTemp(t.Context(), time.Hour); err != nil || n != 0 {
		t.Fatalf("CleanTemp(1h) = %d, %v; want 0 (the upload is younger)", n, err)
	}
	time.Sleep(1100 * time.Millisecond)
	if n, err := b.CleanTemp(t.Context(), time.Second); err != nil || n != 1 {
		t.Fatalf("CleanTemp(1s) = %d, %v; want 1", n, err)
	}
	if n := len(srv.Uploads(t, cfg.Bucket)); n != 0 {
		t.Fatalf("%d multipart uploads left, want 0", n)
	}
	if _, err := w.Commit(t.Context()); err == nil {
		t.Fatal("Commit of an aborted upload succeeded")
	}
	if got := readAll(t, b, "kept"); string(got) != "x" {
		t.Fatalf("kept = %q", got)
	}
}

// TestReadRequests counts the GETs reads make, through a proxy in front of
// the server: small reads near each other share one block request, the
// reads of an announced span (blob.WillRead) share one stream, small ones
// included, and a large read outside it is a request of its own.
func TestReadRequests(t *testing.T) {
	srv := s3test.Start(t)
	cfg, counter := srv.Counted(t, srv.NewBucket(t))
	b := s3test.Open(t, cfg)
	data := randomBytes(8 << 20)
	mustPut(t, b, "big", data)
	o, err := b.Open(t.Context(), "big")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	check := func(what string, want int64, reads func()) {
		t.Helper()
		before := counter.Requests(http.MethodGet)
		reads()
		if got := counter.Requests(http.MethodGet) - before; got != int(want) {
			t.Errorf("%s: %d GETs, want %d", what, got, want)
		}
	}
	readAt := func(n int, off int64) {
		t.Helper()
		p := make([]byte, n)
		if _, err := o.ReadAt(p, off); err != nil || !bytes.Equal(p, data[off:off+int64(n)]) {
			t.Fatalf("ReadAt(%d, %d): %v or wrong bytes", n, off, err)
		}
	}
	check("100 small reads in one block", 1, func() {
		for i := range 100 {
			readAt(16, int64(i*1000))
		}
	})
	check("six 1 MiB reads in a row, in an announced span", 1, func() {
		blob.WillRead(o, 1<<20, 8<<20)
		for i := range 6 {
			readAt(1<<20, 1<<20+int64(i)<<20)
		}
	})
	check("small reads further on in the span", 0, func() {
		readAt(100, 7<<20+50)
		readAt(100, 7<<20+5000)
	})
	check("a large read far back", 1, func() { readAt(1<<20, 0) })
	check("Read to the end", 1, func() {
		o.Seek(4<<20, io.SeekStart)
		got, err := io.ReadAll(o)
		if err != nil || !bytes.Equal(got, data[4<<20:]) {
			t.Fatalf("Read from 4 MiB: %v, %d bytes", err, len(got))
		}
	})
}
