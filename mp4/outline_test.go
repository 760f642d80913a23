package mp4

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestOutlineMatchesParse: for every test file Parse reads, ReadOutline
// reads the same headers, sample counts and durations, and summarises
// stts and ctts as the parsed tables are.
func TestOutlineMatchesParse(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.m[op4]*")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		full, err := Parse(bytes.NewReader(data), int64(len(data)))
		o, oerr := ReadOutline(bytes.NewReader(data), int64(len(data)), 0)
		if err != nil {
			if oerr == nil {
				t.Errorf("%s: Parse: %v; ReadOutline: no error", name, err)
			}
			continue
		}
		if oerr != nil {
			t.Errorf("%s: ReadOutline: %v", name, oerr)
			continue
		}
		m := o.Movie
		if m.Info().Duration != full.Info().Duration || m.Fragmented != full.Fragmented || m.Timescale != full.Timescale ||
			len(m.Tracks) != len(full.Tracks) || len(o.Tables) != len(m.Tracks) || o.MoovSize != int64(len(full.Moov)) {
			t.Errorf("%s: outline %+v differs from the parsed movie", name, m)
			continue
		}
		for i, ft := range full.Tracks {
			ot := m.Tracks[i]
			if ot.ID != ft.ID || ot.Handler != ft.Handler || ot.Timescale != ft.Timescale || ot.SampleCount != ft.SampleCount ||
				ot.SampleSize != ft.SampleSize || !reflect.DeepEqual(ot.Edits, ft.Edits) ||
				!reflect.DeepEqual(ot.SampleEntries, ft.SampleEntries) || ot.MediaDuration() != ft.MediaDuration() ||
				ot.TimeToSample != nil || ot.SampleSizes != nil || ot.ChunkOffsets != nil {
				t.Errorf("%s: track %d: outline differs from the parsed track", name, ft.ID)
			}
			var want TableSummary
			for _, e := range ft.TimeToSample {
				if e.Count > 0 {
					want.Duration += uint64(e.Count) * uint64(e.Delta)
					want.LastDelta, want.MaxDelta = e.Delta, max(want.MaxDelta, e.Delta)
				}
			}
			for _, e := range ft.CompositionOffsets {
				if e.Count > 0 {
					want.MinOffset, want.MaxOffset = min(want.MinOffset, e.Offset), max(want.MaxOffset, e.Offset)
				}
			}
			if o.Tables[i] != want {
				t.Errorf("%s: track %d: tables %+v, want %+v", name, ft.ID, o.Tables[i], want)
			}
		}
	}
}

// TestParseLimited: a moov box or a track over the budget is a LimitError
// naming the limit, not ErrInvalid; within the budget the file parses.
func TestParseLimited(t *testing.T) {
	data, err := os.ReadFile("testdata/h264_aac_faststart.mp4")
	if err != nil {
		t.Fatal(err)
	}
	full, err := Parse(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	moov := int64(len(full.Moov))
	var most uint32
	for _, tr := range full.Tracks {
		most = max(most, tr.SampleCount)
	}
	for _, tt := range []struct {
		lim  Limits
		what string
	}{
		{Limits{MoovSize: moov - 1}, "moov box"},
		{Limits{Samples: most - 1}, "sample count of track"},
	} {
		_, err := ParseLimited(bytes.NewReader(data), int64(len(data)), tt.lim)
		var le *LimitError
		if !errors.As(err, &le) || errors.Is(err, ErrInvalid) || le.Limit <= 0 || le.Value <= le.Limit || !bytes.Contains([]byte(le.What), []byte(tt.what)) {
			t.Errorf("ParseLimited(%+v) = %v, want a LimitError about the %s", tt.lim, err, tt.what)
		}
	}
	if _, err := ParseLimited(bytes.NewReader(data), int64(len(data)), Limits{MoovSize: moov, Samples: most}); err != nil {
		t.Errorf("ParseLimited at the limits: %v", err)
	}
}

// FuzzOutline feeds arbitrary bytes to ReadOutline: any failure is an error
// wrapping ErrInvalid, never a panic, and a file Parse reads gives the same
// duration and tracks.
func FuzzOutline(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ReadOutline(bytes.NewReader(data), int64(len(data)), 0)
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("ReadOutline error %q does not wrap ErrInvalid", err)
		}
		m, perr := Parse(bytes.NewReader(data), int64(len(data)))
		if perr != nil {
			return
		}
		if err != nil {
			t.Fatalf("Parse reads the file, ReadOutline: %v", err)
		}
		if len(o.Movie.Tracks) != len(m.Tracks) || o.Movie.Info().Duration != m.Info().Duration {
			t.Fatalf("outline: %d tracks, %g s; Parse: %d tracks, %g s", len(o.Movie.Tracks), o.Movie.Info().Duration, len(m.Tracks), m.Info().Duration)
		}
	})
}
