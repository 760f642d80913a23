package blob_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/local"
)

// TestLocalFile: a local bucket's object has its file behind it, and an
// object without one gives nil.
func TestLocalFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(ctx, "a/b.mp4", strings.NewReader("bytes"), 0); err != nil {
		t.Fatal(err)
	}
	o, err := b.Open(ctx, "a/b.mp4")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	f := blob.LocalFile(o)
	if f == nil || !strings.HasSuffix(f.Name(), "/a/b.mp4") {
		t.Fatalf("LocalFile = %v", f)
	}
	buf := make([]byte, 5)
	if _, err := f.ReadAt(buf, 0); err != nil || string(buf) != "bytes" {
		t.Fatalf("read through the file: %q, %v", buf, err)
	}
	if blob.LocalFile(memObject{}) != nil {
		t.Fatal("an object without a file gave one")
	}
}

// memObject is an Object with no file behind it.
type memObject struct{ *strings.Reader }

func (memObject) Close() error    { return nil }
func (memObject) Info() blob.Info { return blob.Info{} }

// TestReadErrors: reads to the end (io.EOF) are no error of the store; a
// read that fails is kept, and only the first.
func TestReadErrors(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &blob.ReadErrors{R: f}
	buf := make([]byte, 4)
	if n, err := r.ReadAt(buf, 8); n != 2 || err != io.EOF || r.Err() != nil {
		t.Fatalf("ReadAt at the end: %d, %v; Err %v; want 2, EOF, nil", n, err, r.Err())
	}
	f.Close()
	_, first := r.ReadAt(buf, 0)
	if first == nil || !errors.Is(r.Err(), first) {
		t.Fatalf("ReadAt of a closed file: %v; Err %v, want that error", first, r.Err())
	}
	r.R = strings.NewReader("x") // a later failure does not replace the first
	r.ReadAt(buf, -1)
	if !errors.Is(r.Err(), first) {
		t.Fatalf("Err after a second failure: %v, want the first, %v", r.Err(), first)
	}
}
