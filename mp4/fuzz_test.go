package mp4

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds seeds a fuzz target with the test files and two made ones.
func addSeeds(f *testing.F) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.m*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(testFile(nil))
	f.Add(testFragmentedFile(1))
}

// FuzzParse feeds arbitrary bytes to Parse, Info and the sample access. Any
// failure must be an error wrapping ErrInvalid, never a panic, and every
// sample a Samples yields must lie inside the input.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse error %q does not wrap ErrInvalid", err)
			}
			return
		}
		m.Info()
		for _, tr := range m.Tracks {
			s, err := tr.Samples()
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Samples error %q does not wrap ErrInvalid", err)
				}
				continue
			}
			for i, smp := range s.All() {
				if smp.Offset < 0 || smp.Offset+int64(smp.Size) > int64(len(data)) {
					t.Fatalf("track %d sample %d at %d+%d is outside the %d-byte input", tr.ID, i, smp.Offset, smp.Size, len(data))
				}
				if i%101 == 0 && s.At(i) != smp {
					t.Fatalf("track %d At(%d) = %+v, iteration gave %+v", tr.ID, i, s.At(i), smp)
				}
				if i >= 1<<16 {
					break
				}
			}
		}
	})
}
