package local_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/local"
)

// TestPutFullDisk runs Put on a 1 MiB tmpfs. It needs root (CAP_SYS_ADMIN)
// to mount it, and fails rather than skips without it.
func TestPutFullDisk(t *testing.T) {
	t.Parallel()
	if uid := os.Geteuid(); uid != 0 {
		t.Fatalf("TestPutFullDisk mounts a 1 MiB tmpfs and needs root, but runs as uid %d: run `go test ./blob/...` as root (the dev container does)", uid)
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatalf("mount -t tmpfs -o size=1m tmpfs %s: %v (needs root with CAP_SYS_ADMIN)", dir, err)
	}
	// Registered after t.TempDir, so it runs before the directory is removed.
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("umount %s: %v", dir, err)
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	b, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	old := make([]byte, 1000)
	rand.Read(old)
	if _, err := b.Put(ctx, "keep", bytes.NewReader(old), 0); err != nil {
		t.Fatalf("Put of 1000 bytes on the tmpfs: %v", err)
	}

	big := make([]byte, 2<<20)
	rand.Read(big)
	for _, key := range []string{"media/big", "keep"} {
		n, err := b.Put(ctx, key, bytes.NewReader(big), 0)
		if err == nil || errors.Is(err, blob.ErrTooLarge) || !errors.Is(err, syscall.ENOSPC) || n != 0 {
			t.Fatalf("Put(%q) of 2 MiB on a 1 MiB disk = %d, %v, want 0 and an error wrapping ENOSPC", key, n, err)
		}
		t.Logf("Put(%q): %v", key, err)
		wantNoTemp(t, dir)
	}
	if _, err := b.Stat(ctx, "media/big"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat(media/big) after the failed Put = %v, want ErrNotFound", err)
	}
	o, err := b.Open(ctx, "keep")
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(old)+1)
	n, _ := o.ReadAt(got, 0)
	o.Close()
	if !bytes.Equal(got[:n], old) {
		t.Errorf("the failed Put changed the old object")
	}
	// The space of the failed Puts was freed.
	if _, err := b.Put(ctx, "after", bytes.NewReader(make([]byte, 500<<10)), 0); err != nil {
		t.Errorf("Put of 500 KiB after the failures: %v", err)
	}
}
