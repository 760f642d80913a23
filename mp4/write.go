package mp4

import (
	"encoding/binary"
	"fmt"
	"math"
)

// BoxWriter appends boxes to a byte slice; the zero value is empty and
// ready to use.
type BoxWriter struct{ b []byte }

// Start begins a box of type typ and returns its position, for End.
func (w *BoxWriter) Start(typ string) int {
	pos := len(w.b)
	w.b = append(w.b, 0, 0, 0, 0)
	w.b = append(w.b, typ...)
	return pos
}

// StartFull begins a FullBox with the given version and flags.
func (w *BoxWriter) StartFull(typ string, version uint8, flags uint32) int {
	pos := w.Start(typ)
	w.U32(uint32(version)<<24 | flags&0xffffff)
	return pos
}

// End finishes the box begun at pos by writing its size.
func (w *BoxWriter) End(pos int) {
	binary.BigEndian.PutUint32(w.b[pos:], uint32(len(w.b)-pos))
}

// PutU32 overwrites the 32-bit value at pos (a count written before it was
// known).
func (w *BoxWriter) PutU32(pos int, v uint32) { binary.BigEndian.PutUint32(w.b[pos:], v) }

// U16, U32 and U64 append big-endian values; Raw appends bytes, Str a
// string and Zeros n zero bytes.
func (w *BoxWriter) U16(v uint16)  { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *BoxWriter) U32(v uint32)  { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *BoxWriter) U64(v uint64)  { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *BoxWriter) Raw(b []byte)  { w.b = append(w.b, b...) }
func (w *BoxWriter) Str(s string)  { w.b = append(w.b, s...) }
func (w *BoxWriter) Zeros(n int)   { w.b = append(w.b, make([]byte, n)...) }
func (w *BoxWriter) Len() int      { return len(w.b) }
func (w *BoxWriter) Bytes() []byte { return w.b }

// WithDuration returns a copy of an mvhd, mdhd (mid 4) or tkhd (mid 8)
// box raw (header included) with its duration field set to dur. Such a box
// has the creation and modification times, mid bytes (timescale, or track
// ID and a reserved field), then the duration; version 0 boxes whose
// duration does not fit 32 bits become version 1. A malformed box gives an
// error wrapping [ErrInvalid].
func WithDuration(raw []byte, mid int, dur uint64) ([]byte, error) {
	typ, body, ok := wholeBox(raw)
	if !ok || len(body) < 4 {
		return nil, fmt.Errorf("%w: malformed box", ErrInvalid)
	}
	version := body[0]
	var times, durSize int
	switch version {
	case 0:
		times, durSize = 4, 4
	case 1:
		times, durSize = 8, 8
	default:
		return nil, fmt.Errorf("%w: %s version %d", ErrInvalid, printable(typ), version)
	}
	durOff := 4 + 2*times + mid
	if len(body) < durOff+durSize {
		return nil, fmt.Errorf("%w: %s of %d bytes is too short", ErrInvalid, printable(typ), len(body))
	}
	rest := body[durOff+durSize:]
	var w BoxWriter
	pos := w.Start(typ)
	if version == 0 && dur <= math.MaxUint32-1 {
		w.Raw(body[:durOff])
		w.U32(uint32(dur))
	} else {
		w.U32(1<<24 | binary.BigEndian.Uint32(body)&0xffffff)
		if version == 0 {
			w.U64(uint64(binary.BigEndian.Uint32(body[4:])))
			w.U64(uint64(binary.BigEndian.Uint32(body[8:])))
		} else {
			w.Raw(body[4 : 4+2*times])
		}
		w.Raw(body[4+2*times : durOff])
		w.U64(dur)
	}
	w.Raw(rest)
	w.End(pos)
	return w.Bytes(), nil
}

// wholeBox returns the type and payload of the box at the start of raw; ok
// is false if raw does not start with a whole box.
func wholeBox(raw []byte) (typ string, body []byte, ok bool) {
	if len(raw) < 8 {
		return "", nil, false
	}
	size, hdr := uint64(binary.BigEndian.Uint32(raw)), uint64(8)
	switch size {
	case 0:
		size = uint64(len(raw))
	case 1:
		if len(raw) < 16 {
			return "", nil, false
		}
		size, hdr = binary.BigEndian.Uint64(raw[8:]), 16
	}
	if size < hdr || size > uint64(len(raw)) {
		return "", nil, false
	}
	return string(raw[4:8]), raw[hdr:size], true
}
