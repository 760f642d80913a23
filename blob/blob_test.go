package blob_test

import (
	"context"
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
