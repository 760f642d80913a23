package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/store/sqlite"
)

type testBundle struct {
	svc     *Service
	uploads *Uploads
	srv     *httptest.Server
	now     time.Time
	dataDir string
}

func setup(t *testing.T, maxSize int64) *testBundle {
	t.Helper()
	dir := t.TempDir()
	blobs, err := local.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	return setupWith(t, maxSize, dir, blobs)
}

// setupWith is setup on the media store blobs.
func setupWith(t *testing.T, maxSize int64, dir string, blobs blob.Bucket) *testBundle {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC().Truncate(time.Second)
	if _, err := st.AppCreate(ctx, "default", now); err != nil {
		t.Fatal(err)
	}
	b := &testBundle{now: now, dataDir: dir}
	events := &eventlog.Log{Store: st, Hub: eventlog.NewHub(), Owner: "test"}
	b.svc = &Service{Store: st, Blobs: blobs, UploadTTL: time.Hour, MaxUploadSize: maxSize, Events: events, Logger: slog.New(slog.DiscardHandler)}
	mux := http.NewServeMux()
	mux.HandleFunc(MediaPathPrefix, b.svc.ServeMedia)
	mux.HandleFunc(HLSPathPrefix, b.svc.ServeHLS)
	b.uploads = &Uploads{Service: b.svc, MaxSize: maxSize, NowFunc: func() time.Time { return b.now }}
	mux.Handle(UploadPathPrefix, b.uploads)
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	b.svc.PublicURL = b.srv.URL
	return b
}

// session stores an upload session whose deadline is in d.
func (b *testBundle) session(t *testing.T, d time.Duration) *openvod.UploadSession {
	t.Helper()
	s := &openvod.UploadSession{SessionKey: openvod.RandomHex(24), SubAppID: openvod.DefaultSubAppID, MediaType: "mp4",
		StorageKey: NewStorageKey(openvod.DefaultSubAppID, "mp4"), ExpireTime: openvod.NeverExpire,
		CreateTime: b.now, Deadline: b.now.Add(d), UploadedSize: -1}
	if err := b.svc.Store.UploadSessionInsert(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (b *testBundle) put(t *testing.T, key string, body []byte) int {
	t.Helper()
	return putURL(t, b.srv.URL+UploadPathPrefix+key, body)
}

// putURL PUTs body to a URL and returns the status.
func putURL(t *testing.T, url string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestUpload(t *testing.T) {
	t.Parallel()
	b := setup(t, 1000)
	body := bytes.Repeat([]byte("v"), 1000)

	s := b.session(t, time.Minute)
	if got := b.put(t, s.SessionKey, body); got != http.StatusOK {
		t.Fatalf("PUT = %d, want 200", got)
	}
	got, _ := b.svc.Store.UploadSessionGet(context.Background(), s.SessionKey)
	if got.UploadedSize != 1000 {
		t.Fatalf("UploadedSize = %d, want 1000", got.UploadedSize)
	}
	if code := b.put(t, s.SessionKey, body); code != http.StatusForbidden {
		t.Fatalf("second PUT = %d, want 403", code)
	}
	if code := b.put(t, "nosuchsession", body); code != http.StatusForbidden {
		t.Fatalf("unknown PUT = %d, want 403", code)
	}
	if code := b.put(t, "../../etc/passwd", body); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Fatalf("path trick PUT = %d, want 403 or 404", code)
	}
	expired := b.session(t, -time.Second)
	if code := b.put(t, expired.SessionKey, body); code != http.StatusForbidden {
		t.Fatalf("expired PUT = %d, want 403", code)
	}
	big := b.session(t, time.Minute)
	if code := b.put(t, big.SessionKey, append(body, 'x')); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize PUT = %d, want 413", code)
	}
	if _, err := b.svc.Blobs.Stat(context.Background(), big.StorageKey); err == nil {
		t.Fatal("an oversize upload left an object")
	}
	if entries, _ := os.ReadDir(filepath.Join(b.dataDir, "media", ".tmp")); len(entries) != 0 {
		t.Fatalf("%d temporary files left", len(entries))
	}
}

func TestServeMedia(t *testing.T) {
	t.Parallel()
	b := setup(t, 1<<20)
	ctx := context.Background()
	s := b.session(t, time.Minute)
	body := []byte("0123456789abcdefghij")
	if code := b.put(t, s.SessionKey, body); code != http.StatusOK {
		t.Fatalf("PUT = %d", code)
	}
	url := b.svc.URL(s.StorageKey)
	if code, _ := get(t, url, ""); code != http.StatusNotFound {
		t.Fatalf("GET before commit = %d, want 404", code)
	}
	m, err := b.svc.NewMedia(ctx, NewMediaParams{SubAppID: s.SubAppID, Type: "mp4", StorageKey: s.StorageKey,
		SourceType: "Upload", ExpireTime: openvod.NeverExpire, Now: b.now})
	if err != nil {
		t.Fatal(err)
	}
	if m.MetaError == "" || m.Size != int64(len(body)) || m.MetaData != nil {
		t.Fatalf("media of a non-MP4 = size %d meta %q err %q; want the size and a metadata error", m.Size, m.MetaData, m.MetaError)
	}
	if err := b.svc.Store.MediaInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	if code, got := get(t, url, ""); code != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("GET = %d %q", code, got)
	}
	if code, got := get(t, url, "bytes=5-9"); code != http.StatusPartialContent || string(got) != "56789" {
		t.Fatalf("GET range = %d %q, want 206 56789", code, got)
	}
	if code, _ := get(t, url, "bytes=100-200"); code != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("GET bad range = %d, want 416", code)
	}
	for rng, want := range map[string]string{"bytes=-5": "fghij", "bytes=-0, 5-9": "56789", "bytes=-0,-00": ""} {
		code, got := get(t, url, rng)
		if want == "" && code != http.StatusRequestedRangeNotSatisfiable || want != "" && (code != http.StatusPartialContent || string(got) != want) {
			t.Errorf("GET %s = %d %q, want %q (416 when empty)", rng, code, got, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Range", "bytes=-0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || resp.Header.Get("Content-Range") != "bytes */20" {
		t.Fatalf("GET bytes=-0 = %d Content-Range %q, want 416 bytes */20", resp.StatusCode, resp.Header.Get("Content-Range"))
	}
	if code, _ := get(t, b.srv.URL+MediaPathPrefix+"../"+s.StorageKey, ""); code != http.StatusNotFound {
		t.Fatalf("GET with a path trick = %d, want 404", code)
	}
	if err := b.svc.Delete(ctx, m.SubAppID, m.FileID); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, url, ""); code != http.StatusNotFound {
		t.Fatalf("GET after delete = %d, want 404", code)
	}
	if _, err := b.svc.Blobs.Stat(ctx, s.StorageKey); err == nil {
		t.Fatal("delete left the bytes")
	}
}

func get(t *testing.T, url, rng string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// startPut begins a PUT of size bytes to key whose body the test writes to
// the returned pipe. The client sends the body only once the handler reads
// it (Expect: 100-continue), so the first write returns after the handler
// claimed the session. The status arrives on the channel, 0 when the
// request failed.
func (b *testBundle) startPut(t *testing.T, key string, size int) (*io.PipeWriter, <-chan int) {
	t.Helper()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPut, b.srv.URL+UploadPathPrefix+key, pr)
	req.ContentLength = int64(size)
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	status := make(chan int, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			pr.CloseWithError(err)
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	return pw, status
}

// TestUploadClaim checks the claim a PUT holds on its session: a second PUT
// is refused while the first streams (the claim renewed past its TTL), an
// aborted PUT frees it at once, a claim left by a crash ends by itself, and
// a PUT that loses its claim or its session stores nothing.
func TestUploadClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, 1<<20)
	b.uploads.NowFunc = nil
	b.uploads.ClaimTTL = 300 * time.Millisecond
	body := bytes.Repeat([]byte("s"), 2000)

	// Renewed: a competing PUT after three TTLs is still refused.
	s1 := b.session(t, time.Hour)
	pw, status := b.startPut(t, s1.SessionKey, len(body))
	pw.Write(body[:1000])
	time.Sleep(3 * b.uploads.ClaimTTL)
	if code := b.put(t, s1.SessionKey, []byte("other")); code != http.StatusConflict {
		t.Fatalf("PUT while another streams = %d, want 409", code)
	}
	pw.Write(body[1000:])
	pw.Close()
	if code := <-status; code != http.StatusOK {
		t.Fatalf("slow PUT = %d, want 200", code)
	}
	if got, _ := b.svc.Store.UploadSessionGet(ctx, s1.SessionKey); got.UploadedSize != int64(len(body)) {
		t.Fatalf("UploadedSize = %d, want %d", got.UploadedSize, len(body))
	}
	obj, err := b.svc.Blobs.Open(ctx, s1.StorageKey)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(obj)
	obj.Close()
	if !bytes.Equal(stored, body) {
		t.Fatalf("stored %q, want the slow PUT's bytes", stored)
	}

	// Lost: the session is removed while the PUT streams; the next renewal
	// fails, the PUT stops and nothing is stored.
	s2 := b.session(t, time.Hour)
	pw, status = b.startPut(t, s2.SessionKey, len(body))
	pw.Write(body[:1000])
	if err := b.svc.Store.UploadSessionDelete(ctx, s2.SessionKey); err != nil {
		t.Fatal(err)
	}
	go func(pw *io.PipeWriter) {
		for {
			if _, err := pw.Write(body[:10]); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}(pw)
	if code := <-status; code != http.StatusConflict {
		t.Fatalf("PUT that lost its claim = %d, want 409", code)
	}
	if _, err := b.svc.Blobs.Stat(ctx, s2.StorageKey); err == nil {
		t.Fatal("a PUT that lost its claim stored its bytes")
	}

	// Left by a crash: refused until the claim ends.
	s3 := b.session(t, time.Hour)
	now := time.Now()
	if err := b.svc.Store.UploadSessionClaim(ctx, s3.SessionKey, "crashed", now, now.Add(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if code := b.put(t, s3.SessionKey, body); code != http.StatusConflict {
		t.Fatalf("PUT while a crashed claim lasts = %d, want 409", code)
	}
	if _, err := b.svc.Blobs.Stat(ctx, s3.StorageKey); err == nil {
		t.Fatal("a refused PUT stored its bytes")
	}
	time.Sleep(time.Until(now.Add(600 * time.Millisecond)))
	if code := b.put(t, s3.SessionKey, body); code != http.StatusOK {
		t.Fatalf("PUT after a crashed claim ended = %d, want 200", code)
	}

	// Aborted: the claim is released at once (the TTL is long here).
	b.uploads.ClaimTTL = time.Hour
	s4 := b.session(t, time.Hour)
	pw, status = b.startPut(t, s4.SessionKey, len(body))
	pw.Write(body[:1000])
	pw.CloseWithError(errors.New("client gone"))
	<-status
	deadline := time.Now().Add(10 * time.Second)
	for code := b.put(t, s4.SessionKey, body); code != http.StatusOK; code = b.put(t, s4.SessionKey, body) {
		if code != http.StatusConflict || time.Now().After(deadline) {
			t.Fatalf("PUT after an aborted one = %d, want 200", code)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Expired: the session is removed (by the janitor, once stale) while the
	// body streams and before any renewal; the PUT's bytes are removed too.
	s5 := b.session(t, time.Hour)
	pw, status = b.startPut(t, s5.SessionKey, len(body))
	pw.Write(body[:1000])
	if err := b.svc.Store.UploadSessionDelete(ctx, s5.SessionKey); err != nil {
		t.Fatal(err)
	}
	pw.Write(body[1000:])
	pw.Close()
	if code := <-status; code != http.StatusForbidden {
		t.Fatalf("PUT whose session was removed = %d, want 403", code)
	}
	if _, err := b.svc.Blobs.Stat(ctx, s5.StorageKey); err == nil {
		t.Fatal("a PUT whose session was removed left its bytes")
	}
}

// TestSingleRange finds the one closed range a proxied GET announces to
// the media store, and nothing in any other Range.
func TestSingleRange(t *testing.T) {
	for _, c := range []struct {
		rng      string
		off, end int64
		ok       bool
	}{
		{"bytes=0-0", 0, 1, true},
		{"bytes=100-1099", 100, 1100, true},
		{"bytes=100-", 0, 0, false},
		{"bytes=-500", 0, 0, false},
		{"bytes=0-1,5-9", 0, 0, false},
		{"bytes=9-1", 0, 0, false},
		{"items=0-1", 0, 0, false},
		{"", 0, 0, false},
	} {
		h := http.Header{}
		if c.rng != "" {
			h.Set("Range", c.rng)
		}
		off, end, ok := singleRange(h)
		if off != c.off || end != c.end || ok != c.ok {
			t.Errorf("singleRange(%q) = %d, %d, %v; want %d, %d, %v", c.rng, off, end, ok, c.off, c.end, c.ok)
		}
	}
}
