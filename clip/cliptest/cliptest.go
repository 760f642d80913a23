// Package cliptest makes clip sources for tests of the packages that read
// them.
package cliptest

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// HugeMoov returns an open sparse file of size bytes that is one moov box
// holding one free box: a moov of any size that costs no disk and whose
// bytes need never be read. The file is closed when tb ends.
func HugeMoov(tb testing.TB, size int64) *os.File {
	tb.Helper()
	f, err := os.Create(filepath.Join(tb.TempDir(), "huge.mp4"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	hdr := binary.BigEndian.AppendUint32(nil, uint32(size))
	hdr = append(hdr, "moov"...)
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(size-8))
	hdr = append(hdr, "free"...)
	if _, err := f.Write(hdr); err != nil {
		tb.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		tb.Fatal(err)
	}
	return f
}
