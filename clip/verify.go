package clip

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/openvod/openvod/mp4"
)

// maxVerifyBoxes bounds the top-level boxes Verify walks.
const maxVerifyBoxes = 1 << 16

// Verify checks that the MP4 file r of the given size is a well-formed,
// fast-start clip: its top-level boxes are whole, moov comes before the
// first mdat, the file is not fragmented, it has at least one audio or
// video track, every audio and video track has samples, its sample tables
// agree with each other and every sample lies inside an mdat box, and its
// duration is within one frame of wantDuration seconds (the check is
// skipped when wantDuration is not positive). One frame is the longest
// sample duration of the first video track, or of the first audio track
// without video, plus one unit of the movie timescale for rounding.
//
// It returns the file's summary, or an error wrapping [ErrBadOutput] that
// says what is wrong (and wraps [mp4.ErrInvalid] when the file does not
// parse); a read error from r is returned wrapped.
func Verify(r io.ReaderAt, size int64, wantDuration float64) (*mp4.Info, error) {
	mdats, err := topLevel(r, size)
	if err != nil {
		return nil, err
	}
	m, err := mp4.Parse(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadOutput, err)
	}
	if m.Fragmented {
		return nil, fmt.Errorf("%w: fragmented MP4", ErrBadOutput)
	}
	if len(mdats) > 0 && mdats[0].off < m.MoovOffset {
		return nil, fmt.Errorf("%w: mdat at offset %d comes before moov at %d (not fast start)", ErrBadOutput, mdats[0].off, m.MoovOffset)
	}
	var frame float64
	media := 0
	for _, t := range m.Tracks {
		if t.Handler != "vide" && t.Handler != "soun" {
			continue
		}
		media++
		s, err := t.Samples()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadOutput, err)
		}
		if s.Len() == 0 {
			return nil, fmt.Errorf("%w: %s track %d has no samples", ErrBadOutput, t.Handler, t.ID)
		}
		var longest uint32
		for i, smp := range s.All() {
			longest = max(longest, smp.Duration)
			if !inside(mdats, smp.Offset, int64(smp.Size)) {
				return nil, fmt.Errorf("%w: track %d sample %d at offset %d (%d bytes) is not inside an mdat box", ErrBadOutput, t.ID, i+1, smp.Offset, smp.Size)
			}
		}
		d := float64(longest) / float64(t.Timescale)
		if frame == 0 || (t.Handler == "vide" && !hasVideoBefore(m, t)) {
			frame = d
		}
	}
	if media == 0 {
		return nil, fmt.Errorf("%w: no audio or video track", ErrBadOutput)
	}
	info := m.Info()
	if wantDuration > 0 {
		tol := frame
		if m.Timescale > 0 {
			tol += 1 / float64(m.Timescale)
		}
		if math.Abs(info.Duration-wantDuration) > tol {
			return nil, fmt.Errorf("%w: duration %.3f s, want %.3f s (±%.3f s)", ErrBadOutput, info.Duration, wantDuration, tol)
		}
	}
	return info, nil
}

// hasVideoBefore reports whether a video track comes before t in m.
func hasVideoBefore(m *mp4.Movie, t *mp4.Track) bool {
	for _, u := range m.Tracks {
		if u == t {
			return false
		}
		if u.Handler == "vide" {
			return true
		}
	}
	return false
}

// span is a byte range of a file.
type span struct{ off, end int64 }

// inside reports whether [off, off+n) lies in one of the spans.
func inside(spans []span, off, n int64) bool {
	for _, s := range spans {
		if off >= s.off && off <= s.end && n <= s.end-off {
			return true
		}
	}
	return false
}

// topLevel walks the top-level boxes of r and returns the payload spans of
// its mdat boxes in file order. A box that runs past the end of the file
// is an error wrapping ErrBadOutput.
func topLevel(r io.ReaderAt, size int64) ([]span, error) {
	var mdats []span
	var buf [16]byte
	off := int64(0)
	for i := 0; off < size; i++ {
		if i >= maxVerifyBoxes || size-off < 8 {
			return nil, fmt.Errorf("%w: trailing %d bytes at offset %d are not a box", ErrBadOutput, size-off, off)
		}
		n := min(int64(len(buf)), size-off)
		if err := readAt(r, buf[:n], off); err != nil {
			return nil, err
		}
		boxSize, hdr := int64(binary.BigEndian.Uint32(buf[:])), int64(8)
		switch boxSize {
		case 0:
			boxSize = size - off
		case 1:
			if n < 16 {
				return nil, fmt.Errorf("%w: box at offset %d: truncated 64-bit size", ErrBadOutput, off)
			}
			large := binary.BigEndian.Uint64(buf[8:])
			if large > math.MaxInt64 {
				return nil, fmt.Errorf("%w: box at offset %d: size %d", ErrBadOutput, off, large)
			}
			boxSize, hdr = int64(large), 16
		}
		if boxSize < hdr || boxSize > size-off {
			return nil, fmt.Errorf("%w: box %q at offset %d: size %d does not fit the %d bytes left", ErrBadOutput, buf[4:8], off, boxSize, size-off)
		}
		if string(buf[4:8]) == "mdat" {
			mdats = append(mdats, span{off: off + hdr, end: off + boxSize})
		}
		off += boxSize
	}
	return mdats, nil
}
