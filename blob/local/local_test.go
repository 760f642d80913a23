package local_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/blobtest"
	"github.com/openvod/openvod/blob/local"
)

func setup(t *testing.T) (*local.Bucket, string) {
	t.Helper()
	dir := t.TempDir()
	b, err := local.New(dir)
	if err != nil {
		t.Fatalf("New(%q) error: %v", dir, err)
	}
	return b, dir
}

func TestBucket(t *testing.T) {
	t.Parallel()
	blobtest.Exercise(t, func(t *testing.T) blob.Bucket {
		b, dir := setup(t)
		t.Cleanup(func() { wantNoTemp(t, dir) })
		return b
	})
}

func TestNew(t *testing.T) {
	t.Parallel()
	t.Run("CreatesDir", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "a", "b")
		if _, err := local.New(dir); err != nil {
			t.Fatalf("New(%q) error: %v", dir, err)
		}
		if fi, err := os.Stat(filepath.Join(dir, ".tmp")); err != nil || !fi.IsDir() {
			t.Fatalf("New did not create %s/.tmp: %v", dir, err)
		}
	})
	t.Run("FileInTheWay", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := local.New(file); err == nil {
			t.Fatalf("New(a file) error = nil, want an error")
		}
	})
}

// Keys starting with ".tmp" are reserved only at the top level.
func TestTmpKeys(t *testing.T) {
	t.Parallel()
	b, _ := setup(t)
	ctx := t.Context()
	for _, key := range []string{".tmp", ".tmp/x", ".tmpx", ".tmp.mp4"} {
		if _, err := b.Put(ctx, key, bytes.NewReader([]byte("x")), 0); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put(%q) error = %v, want ErrInvalidKey", key, err)
		}
	}
	for _, key := range []string{"a/.tmp", "b/.tmp/x", ".tm", "x.tmp"} {
		if _, err := b.Put(ctx, key, bytes.NewReader([]byte("x")), 0); err != nil {
			t.Errorf("Put(%q) error: %v", key, err)
		}
	}
	infos, err := b.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keys(infos), []string{".tm", "a/.tmp", "b/.tmp/x", "x.tmp"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func TestNoTempFilesLeft(t *testing.T) {
	t.Parallel()
	b, dir := setup(t)
	ctx := t.Context()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	boom := errors.New("boom")

	if _, err := b.Put(ctx, "ok/obj", bytes.NewReader(make([]byte, 100<<10)), 0); err != nil {
		t.Fatalf("Put error: %v", err)
	}
	wantNoTemp(t, dir)
	for _, tc := range []struct {
		name  string
		key   string
		r     io.Reader
		limit int64
		ctx   context.Context
	}{
		{"TooLarge", "big", bytes.NewReader(make([]byte, 2000)), 1000, ctx},
		{"ReaderError", "fail", io.MultiReader(bytes.NewReader(make([]byte, 100<<10)), iotest.ErrReader(boom)), 0, ctx},
		{"Cancelled", "cancel", bytes.NewReader(make([]byte, 10)), 0, cancelled},
		{"InvalidKey", "a/../b", bytes.NewReader(nil), 0, ctx},
		// Objects are files: a key cannot be both an object and a directory.
		{"ParentIsObject", "ok/obj/child", bytes.NewReader(make([]byte, 10)), 0, ctx},
		{"TargetIsDirectory", "ok", bytes.NewReader(make([]byte, 10)), 0, ctx},
	} {
		if _, err := b.Put(tc.ctx, tc.key, tc.r, tc.limit); err == nil {
			t.Errorf("%s: Put(%q) error = nil, want an error", tc.name, tc.key)
		}
		wantNoTemp(t, dir)
	}
	infos, err := b.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(infos); !slices.Equal(got, []string{"ok/obj"}) {
		t.Errorf("List = %q, want [ok/obj]", got)
	}
}

func TestDeletePrunesEmptyDirs(t *testing.T) {
	t.Parallel()
	b, dir := setup(t)
	ctx := t.Context()
	for _, key := range []string{"p/q/r/s", "p/t"} {
		if _, err := b.Put(ctx, key, bytes.NewReader([]byte(key)), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Delete(ctx, "p/q/r/s"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "p", "q")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("p/q after deleting its last object: %v, want it removed", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "p", "t")); err != nil {
		t.Errorf("p/t: %v", err)
	}
	if err := b.Delete(ctx, "p/t"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("bucket root after deleting everything: %v", err)
	}
	if len(entries) != 1 || entries[0].Name() != ".tmp" {
		t.Errorf("bucket root holds %v, want only .tmp", entries)
	}
}

func TestCleanTemp(t *testing.T) {
	t.Parallel()
	b, dir := setup(t)
	ctx := t.Context()
	if _, err := b.Put(ctx, "keep", bytes.NewReader([]byte("keep")), 0); err != nil {
		t.Fatal(err)
	}
	// What a crash mid-Put leaves behind, and one Put that is still running.
	tmp := filepath.Join(dir, ".tmp")
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range []string{"put-stale1", "put-stale2", "put-fresh"} {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
		if name != "put-fresh" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	infos, err := b.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(infos); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("List = %q, want [keep]: temp files must not be listed", got)
	}

	if n, err := b.CleanTemp(t.Context(), time.Hour); err != nil || n != 2 {
		t.Fatalf("CleanTemp(1h) = %d, %v, want 2, nil", n, err)
	}
	if names := dirNames(t, tmp); !slices.Equal(names, []string{"put-fresh"}) {
		t.Fatalf(".tmp after CleanTemp(1h) = %q, want [put-fresh]", names)
	}
	if n, err := b.CleanTemp(t.Context(), 0); err != nil || n != 1 {
		t.Fatalf("CleanTemp(0) = %d, %v, want 1, nil", n, err)
	}
	wantNoTemp(t, dir)
	if _, err := b.Stat(ctx, "keep"); err != nil {
		t.Fatalf("Stat(keep) after CleanTemp: %v", err)
	}

	// A missing .tmp is nothing to clean, and Put recreates it.
	if err := os.Remove(tmp); err != nil {
		t.Fatal(err)
	}
	if n, err := b.CleanTemp(t.Context(), 0); err != nil || n != 0 {
		t.Fatalf("CleanTemp(0) without .tmp = %d, %v, want 0, nil", n, err)
	}
	if _, err := b.Put(ctx, "again", bytes.NewReader([]byte("x")), 0); err != nil {
		t.Fatalf("Put after .tmp was removed: %v", err)
	}
	wantNoTemp(t, dir)
}

func wantNoTemp(t *testing.T, dir string) {
	t.Helper()
	if names := dirNames(t, filepath.Join(dir, ".tmp")); len(names) != 0 {
		t.Errorf("temporary files left: %q", names)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func keys(infos []blob.Info) []string {
	var ks []string
	for _, info := range infos {
		ks = append(ks, info.Key)
	}
	return ks
}

// TestCreateFileAndTemp: a local Writer exposes its temporary file in .tmp
// (for copy_file_range), and neither Commit nor Abort leaves a temporary
// file behind.
func TestCreateFileAndTemp(t *testing.T) {
	dir := t.TempDir()
	b, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, commit := range []bool{true, false} {
		w, err := b.Create(t.Context(), "c/x.mp4")
		if err != nil {
			t.Fatal(err)
		}
		f := w.File()
		if f == nil || filepath.Dir(f.Name()) != filepath.Join(dir, ".tmp") {
			t.Fatalf("File() = %v, want a file in .tmp", f)
		}
		if _, err := f.Write([]byte("abc")); err != nil {
			t.Fatal(err)
		}
		if commit {
			if n, err := w.Commit(t.Context()); err != nil || n != 3 {
				t.Fatalf("Commit = %d, %v", n, err)
			}
		} else {
			w.Abort()
		}
		if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
			t.Errorf("commit=%v: .tmp holds %d entries", commit, len(entries))
		}
	}
}
