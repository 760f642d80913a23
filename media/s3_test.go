package media

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/s3/s3test"
)

func setupS3(t *testing.T, maxSize int64) *testBundle {
	t.Helper()
	srv := s3test.Start(t)
	return setupWith(t, maxSize, t.TempDir(), s3test.Open(t, srv.NewBucket(t)))
}

// TestPlaceUploadS3: the upload URL is the store's presigned PUT; nothing
// PUT is ErrNothingUploaded; the bytes are copied to a fresh key at commit,
// which a later PUT to the URL does not change; FinishUpload removes the
// URL's object; an upload over the limit is refused.
func TestPlaceUploadS3(t *testing.T) {
	b := setupS3(t, 1000)
	ctx := t.Context()
	sess := b.session(t, time.Hour)
	url, err := b.svc.UploadURL(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(url, b.srv.URL) || !strings.Contains(url, "X-Amz-Signature=") {
		t.Fatalf("UploadURL = %q, want a presigned URL of the store", url)
	}
	if _, err := b.svc.PlaceUpload(ctx, sess); !errors.Is(err, ErrNothingUploaded) {
		t.Fatalf("PlaceUpload before any PUT: %v, want ErrNothingUploaded", err)
	}
	first := bytes.Repeat([]byte("a"), 600)
	if code := putURL(t, url, first); code != http.StatusOK {
		t.Fatalf("PUT: HTTP %d", code)
	}
	key, err := b.svc.PlaceUpload(ctx, sess)
	if err != nil || key == sess.StorageKey {
		t.Fatalf("PlaceUpload = %q, %v; want a key other than the URL's %q", key, err, sess.StorageKey)
	}
	b.svc.FinishUpload(ctx, sess, key)
	if _, err := b.svc.Blobs.Stat(ctx, sess.StorageKey); err == nil {
		t.Error("the URL's object is still there after FinishUpload")
	}
	if code := putURL(t, url, bytes.Repeat([]byte("b"), 700)); code != http.StatusOK {
		t.Fatalf("late PUT: HTTP %d", code)
	}
	o, err := b.svc.Blobs.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(o)
	o.Close()
	if !bytes.Equal(got, first) {
		t.Fatalf("the placed object reads %d bytes (%.10q), want the 600 first uploaded", len(got), got)
	}

	big := b.session(t, time.Hour)
	bigURL, _ := b.svc.UploadURL(ctx, big)
	putURL(t, bigURL, make([]byte, 1001))
	if _, err := b.svc.PlaceUpload(ctx, big); !errors.Is(err, ErrUploadTooLarge) {
		t.Fatalf("PlaceUpload of 1001 bytes with a 1000-byte limit: %v, want ErrUploadTooLarge", err)
	}
}

// TestServeMediaRedirect: with Redirect a media GET answers 302 to a
// presigned URL that serves the bytes with Range; unknown keys still 404.
func TestServeMediaRedirect(t *testing.T) {
	b := setupS3(t, 1<<20)
	b.svc.Redirect = true
	data := bytes.Repeat([]byte("0123456789"), 1000)
	key := b.commit(t, data)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(b.srv.URL + MediaPathPrefix + key)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.Contains(loc, "X-Amz-Signature=") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET = %d, Location %q, Cache-Control %q; want 302 to a presigned URL, no-store", resp.StatusCode, loc, resp.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest(http.MethodGet, b.srv.URL+MediaPathPrefix+key, nil)
	req.Header.Set("Range", "bytes=5-14")
	resp, err = http.DefaultClient.Do(req) // follows the redirect, Range and all
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(got) != "5678901234" {
		t.Fatalf("ranged GET through the redirect = %d %q, want 206 \"5678901234\"", resp.StatusCode, got)
	}
	resp, err = client.Get(b.srv.URL + MediaPathPrefix + "1/unknown/f0.mp4")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET of an unknown key = %d, want 404", resp.StatusCode)
	}
}

// commit stores data under a fresh key with a media record and returns the key.
func (b *testBundle) commit(t *testing.T, data []byte) string {
	t.Helper()
	return b.commitMedia(t, data).StorageKey
}

// commitMedia stores data under a fresh key with a media record and
// returns the record.
func (b *testBundle) commitMedia(t *testing.T, data []byte) *openvod.Media {
	t.Helper()
	key := NewStorageKey(openvod.DefaultSubAppID, "mp4")
	if _, err := b.svc.Blobs.Put(t.Context(), key, bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	m, err := b.svc.NewMedia(t.Context(), NewMediaParams{SubAppID: openvod.DefaultSubAppID, Type: "mp4", StorageKey: key,
		SourceType: "Upload", ExpireTime: openvod.NeverExpire, Now: b.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.svc.Store.MediaInsert(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	return m
}
