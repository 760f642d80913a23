package clip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/openvod/openvod/mp4"
)

// FuzzPlan feeds arbitrary files and ranges to Parse, PlanFast and
// WriteTo. Nothing may panic; PlanFast's errors must be of the documented
// kinds; a plan must write exactly Plan.Size bytes, and the result must
// pass Verify.
//
// The seeds are short clips (a quarter of a second) of the fixtures, cut
// by the fast mode itself, so that they are small and the fuzzer mutates
// the moov rather than the media; fixtures that cannot be cut and are
// small are added as they are.
func FuzzPlan(f *testing.F) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.m*"))
	if err != nil {
		f.Fatal(err)
	}
	for i, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if seed := smallClip(data); seed != nil {
			data = seed
		} else if len(data) > 64<<10 {
			continue
		}
		f.Add(data, 0.1, 0.2, i%2 == 0)
		f.Add(data, 0.0, 100.0, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, start, end float64, hide bool) {
		if err := tryCutHide(data, start, end, hide); err != nil {
			t.Fatal(err)
		}
	})
}

// smallClip returns the first quarter second of the MP4 data, cut by the
// fast mode, or nil if it cannot be cut.
func smallClip(data []byte) []byte {
	src := bytes.NewReader(data)
	m, err := mp4.Parse(src, int64(len(data)))
	if err != nil {
		return nil
	}
	p, err := PlanFast(m, src, 0, 0.25, true)
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf, src); err != nil {
		return nil
	}
	return buf.Bytes()
}

// tryCut runs tryCutHide with and without hiding the lead-in.
func tryCut(data []byte, start, end float64) error {
	return errors.Join(tryCutHide(data, start, end, true), tryCutHide(data, start, end, false))
}

// tryCutHide parses, plans and writes a cut of data to a buffer. It
// returns an error when something breaks a documented promise: PlanFast
// fails with an undocumented error, WriteTo fails or writes another size
// than planned, or Verify rejects the output.
func tryCutHide(data []byte, start, end float64, hide bool) error {
	src := bytes.NewReader(data)
	m, err := mp4.Parse(src, int64(len(data)))
	if err != nil {
		return nil
	}
	p, err := PlanFast(m, src, start, end, hide)
	if err != nil {
		if !errors.Is(err, ErrRange) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, mp4.ErrInvalid) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("PlanFast(%g, %g, %v): undocumented error: %w", start, end, hide, err)
		}
		return nil
	}
	var buf bytes.Buffer
	n, err := p.WriteTo(&buf, src)
	if err != nil {
		return fmt.Errorf("WriteTo: %w", err)
	}
	if n != p.Size || int64(buf.Len()) != p.Size {
		return fmt.Errorf("WriteTo wrote %d bytes (%d buffered), Plan.Size is %d", n, buf.Len(), p.Size)
	}
	if _, err := Verify(bytes.NewReader(buf.Bytes()), n, 0); err != nil {
		return fmt.Errorf("Verify of the cut %g..%g (hide %v): %w", start, end, hide, err)
	}
	return nil
}
