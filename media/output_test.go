package media

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
)

// outputFiles are files of every kind processing makes, with the
// Content-Type a GET must answer with.
var outputFiles = []struct{ name, contentType string }{
	{"hls/master.m3u8", "application/vnd.apple.mpegurl"},
	{"hls/0/seg0.ts", "video/mp2t"},
	{"dash/manifest.mpd", "application/dash+xml"},
	{"dash/0/chunk1.m4s", "video/iso.segment"},
	{"sprite/sprite.vtt", "text/vtt"},
	{"sprite/0.jpg", "image/jpeg"},
	{"snap/1.png", "image/png"},
	{"snap/2.webp", "image/webp"},
	{"gif/f20000.gif", "image/gif"},
	{"f100010.mp4", "video/mp4"},
}

// putOutput stores files (name → bytes) of media m under keys of the
// task's prefix and the output record naming them; it returns the output.
func (b *testBundle) putOutput(t *testing.T, m *openvod.Media, kind string, definition int64, files map[string][]byte) *openvod.MediaOutput {
	t.Helper()
	o := &openvod.MediaOutput{SubAppID: m.SubAppID, FileID: m.FileID, Kind: kind, Definition: definition,
		Item: fmt.Appendf(nil, `{"Definition":%d}`, definition), TaskID: "task", CreateTime: b.now}
	prefix := fmt.Sprintf("%d/%s/", m.SubAppID, openvod.RandomHex(16))
	for name, data := range files {
		key := prefix + name
		if _, err := b.svc.Blobs.Put(t.Context(), key, bytes.NewReader(data), 0); err != nil {
			t.Fatal(err)
		}
		o.Keys = append(o.Keys, key)
	}
	if _, err := b.svc.Store.MediaOutputPut(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

// fileBytes returns distinct bytes for the file named name.
func fileBytes(name string) []byte {
	return bytes.Repeat([]byte(name+"\n"), 100)
}

// checkOutputServing stores an output of every file type and checks that
// GETs (following redirects) answer its bytes with its Content-Type and
// ranges; that an output removed from the store answers 404; and that
// deleting the media deletes the outputs' bytes.
func checkOutputServing(t *testing.T, b *testBundle) {
	ctx := t.Context()
	m := b.commitMedia(t, []byte("source bytes"))
	files := map[string][]byte{}
	for _, f := range outputFiles {
		files[f.name] = fileBytes(f.name)
	}
	out := b.putOutput(t, m, "AdaptiveDynamicStreaming", 10, files)
	cover := b.putOutput(t, m, "CoverBySnapshot", 10, map[string][]byte{"cover.jpg": fileBytes("cover")})
	for _, key := range out.Keys {
		want := files[strings.SplitN(key, "/", 3)[2]]
		resp, err := http.Get(b.svc.URL(key))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := ContentType(key); resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) || resp.Header.Get("Content-Type") != ct || ct == "" {
			t.Errorf("GET %s = %d, %d bytes (equal: %t), Content-Type %q; want 200, %d bytes, %q",
				key, resp.StatusCode, len(got), bytes.Equal(got, want), resp.Header.Get("Content-Type"), len(want), ct)
		}
		if code, got := get(t, b.svc.URL(key), "bytes=3-9"); code != http.StatusPartialContent || !bytes.Equal(got, want[3:10]) {
			t.Errorf("GET %s bytes=3-9 = %d %q, want 206 %q", key, code, got, want[3:10])
		}
	}

	removed, err := b.svc.Store.MediaOutputDelete(ctx, m.SubAppID, m.FileID, "AdaptiveDynamicStreaming", 0)
	if err != nil || len(removed) != 1 {
		t.Fatalf("MediaOutputDelete = %d outputs, %v; want 1", len(removed), err)
	}
	if code, _ := get(t, b.svc.URL(out.Keys[0]), ""); code != http.StatusNotFound {
		t.Errorf("GET of a removed output's file = %d, want 404", code)
	}
	if code, got := get(t, b.svc.URL(cover.Keys[0]), ""); code != http.StatusOK || !bytes.Equal(got, fileBytes("cover")) {
		t.Errorf("GET of the cover = %d %q", code, got)
	}
	if err := b.svc.Delete(ctx, m.SubAppID, m.FileID); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{m.StorageKey, cover.Keys[0]} {
		if _, err := b.svc.Blobs.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("after Delete, Stat(%s) = %v, want ErrNotFound", key, err)
		}
	}
	if code, _ := get(t, b.svc.URL(cover.Keys[0]), ""); code != http.StatusNotFound {
		t.Errorf("GET of a deleted media's cover = %d, want 404", code)
	}
	// The removed output's bytes are its remover's to delete: still there.
	if _, err := b.svc.Blobs.Stat(ctx, out.Keys[0]); err != nil {
		t.Errorf("Stat of a removed output's file: %v", err)
	}
}

// TestServeOutputs serves outputs from local disk.
func TestServeOutputs(t *testing.T) {
	t.Parallel()
	checkOutputServing(t, setup(t, 1<<20))
}

// TestServeOutputsS3 serves outputs from S3, through openvod (proxy) and
// by redirect to presigned URLs answered with the file's Content-Type.
func TestServeOutputsS3(t *testing.T) {
	t.Parallel()
	t.Run("proxy", func(t *testing.T) {
		t.Parallel()
		checkOutputServing(t, setupS3(t, 1<<20))
	})
	t.Run("redirect", func(t *testing.T) {
		t.Parallel()
		b := setupS3(t, 1<<20)
		b.svc.Redirect = true
		checkOutputServing(t, b)
	})
}

// TestContentType checks the Content-Types of media and output files.
func TestContentType(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{"1/a/f0.MP4": "video/mp4", "1/a/x.TS": "video/mp2t", "1/a/b.m3u8": "application/vnd.apple.mpegurl",
		"1/a/noext": "", "1/a/c.json": "application/json"} {
		if got := ContentType(key); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", key, got, want)
		}
	}
}
