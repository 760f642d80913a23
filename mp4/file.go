package mp4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxMoovSize is the largest moov box Parse reads (256 MiB); a larger one
// is reported as a [*LimitError]. A 60 min movie at 30 fps with AAC audio has a moov
// of about 4 MB.
const MaxMoovSize = 256 << 20

// Limits on the other boxes Parse reads into memory or walks through.
const (
	// maxMoofSize is the largest moof box Parse reads.
	maxMoofSize = 64 << 20
	// maxFtypSize is the largest ftyp box Parse reads.
	maxFtypSize = 64 << 10
	// maxTopLevelBoxes bounds the top-level walk, one small read per box.
	maxTopLevelBoxes = 1 << 20
)

// Parse reads the structure of the MP4 or MOV file r of the given size. It
// walks the top-level boxes (one read of up to 16 bytes each), reads the ftyp
// and moov boxes wherever they are and, in a fragmented file, every moof box,
// but never the media data. It returns an error wrapping [ErrInvalid] for a
// malformed file ([ErrNoMoov] when there is no moov box) and a wrapped reader
// error if a read fails.
//
// Parse is safe for concurrent use if r is. The returned Movie is not
// modified afterwards and may be shared; its byte slices alias one buffer
// holding the moov box.
func Parse(r io.ReaderAt, size int64) (*Movie, error) {
	return ParseLimited(r, size, Limits{})
}

// Limits is a memory budget of [ParseLimited]: the parsed movie holds the
// moov box and its sample tables, a few times the moov size.
type Limits struct {
	// MoovSize is the largest moov box read ([MaxMoovSize] when 0 or more).
	MoovSize int64
	// Samples is the largest sample count of one track's sample tables (no
	// limit when 0).
	Samples uint32
}

// ParseLimited is [Parse] within the budget lim: a moov box or a track over
// it is reported as a [*LimitError] before it is read into memory.
func ParseLimited(r io.ReaderAt, size int64, lim Limits) (*Movie, error) {
	moovLimit := int64(MaxMoovSize)
	if lim.MoovSize > 0 {
		moovLimit = min(lim.MoovSize, moovLimit)
	}
	return parseFile(r, size, lim.Samples, func(h header) (box, error) {
		if h.size > moovLimit {
			return box{}, &LimitError{What: "moov box", Value: h.size, Limit: moovLimit}
		}
		return readBox(r, h, moovLimit)
	})
}

// parseFile walks the top-level boxes of r as Parse documents, reading the
// moov box with readMoov; maxSamples bounds a track's sample count (0: no
// limit).
func parseFile(r io.ReaderAt, size int64, maxSamples uint32, readMoov func(header) (box, error)) (*Movie, error) {
	if size < 0 {
		return nil, fmt.Errorf("%w: negative file size %d", ErrInvalid, size)
	}
	m := &Movie{Size: size, maxSamples: maxSamples}
	var sawMoov bool
	var trex []trackExtends
	n := 0
	for off := int64(0); size-off >= 8; {
		if n++; n > maxTopLevelBoxes {
			return nil, &BoxError{Path: "file", Offset: off, Reason: fmt.Sprintf("more than %d top-level boxes", maxTopLevelBoxes)}
		}
		h, err := readHeader(r, off, size)
		if err != nil {
			return nil, err
		}
		switch h.typ {
		case "ftyp":
			if m.MajorBrand != "" || sawMoov {
				break // only the first ftyp counts, and only before moov
			}
			b, err := readBox(r, h, maxFtypSize)
			if err != nil {
				return nil, err
			}
			if err := m.parseFtyp(b); err != nil {
				return nil, err
			}
		case "moov":
			if sawMoov {
				return nil, boxErr(h.box(), "second moov box")
			}
			sawMoov = true
			b, err := readMoov(h)
			if err != nil {
				return nil, err
			}
			if trex, err = m.parseMoov(b); err != nil {
				return nil, err
			}
		case "moof":
			if !sawMoov {
				return nil, boxErr(h.box(), "moof before moov")
			}
			m.Fragmented = true
			b, err := readBox(r, h, maxMoofSize)
			if err != nil {
				return nil, err
			}
			if err := m.parseMoof(b, trex); err != nil {
				return nil, err
			}
		}
		off += h.size
	}
	if !sawMoov {
		return nil, ErrNoMoov
	}
	return m, nil
}

// header is a top-level box header read from the file.
type header struct {
	typ  string
	off  int64 // offset of the box
	size int64 // size of the whole box
	hdr  int64 // header length: 8 or 16
}

// box returns a payload-less box for error messages.
func (h header) box() box { return box{typ: h.typ, path: printable(h.typ), off: h.off} }

// readHeader reads and checks the header of the top-level box at off.
func readHeader(r io.ReaderAt, off, fileSize int64) (header, error) {
	var buf [16]byte
	n := min(int64(len(buf)), fileSize-off)
	if err := readFull(r, buf[:n], off); err != nil {
		return header{}, err
	}
	h := header{typ: string(buf[4:8]), off: off, size: int64(binary.BigEndian.Uint32(buf[:])), hdr: 8}
	left := fileSize - off
	switch h.size {
	case 0:
		h.size = left
	case 1:
		if n < 16 {
			return header{}, boxErr(h.box(), "64-bit size truncated: file ends %d bytes after the box start", left)
		}
		large := binary.BigEndian.Uint64(buf[8:])
		if large > uint64(left) {
			return header{}, boxErr(h.box(), "size %d exceeds the %d bytes left in the file (truncated file?)", large, left)
		}
		h.size, h.hdr = int64(large), 16
	}
	if h.size < h.hdr {
		return header{}, boxErr(h.box(), "size %d is smaller than its %d-byte header", h.size, h.hdr)
	}
	if h.size > left {
		return header{}, boxErr(h.box(), "size %d exceeds the %d bytes left in the file (truncated file?)", h.size, left)
	}
	return h, nil
}

// readBox reads the whole box h into memory if it is at most limit bytes.
func readBox(r io.ReaderAt, h header, limit int64) (box, error) {
	if h.size > limit {
		return box{}, boxErr(h.box(), "size %d is over the %d-byte limit", h.size, limit)
	}
	raw := make([]byte, h.size)
	if err := readFull(r, raw, h.off); err != nil {
		return box{}, err
	}
	b := h.box()
	b.raw, b.body = raw, raw[h.hdr:]
	return b, nil
}

// readFull fills buf from r at off; a short read is an error.
func readFull(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("mp4: read %d bytes at offset %d: %w", len(buf), off, err)
}

// parseFtyp reads the brands of the ftyp box.
func (m *Movie) parseFtyp(b box) error {
	r := &bin{b: b.body}
	major := r.take(4)
	m.MinorVersion = r.u32()
	if r.short || r.left()%4 != 0 {
		return boxErr(b, "payload of %d bytes is not 8 + 4n", len(b.body))
	}
	m.MajorBrand = string(major)
	m.CompatibleBrands = make([]string, 0, r.left()/4)
	for r.left() > 0 {
		m.CompatibleBrands = append(m.CompatibleBrands, string(r.take(4)))
	}
	return nil
}
