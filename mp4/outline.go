package mp4

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// Limits of ReadOutline.
const (
	// maxOutlineBox is the largest box ReadOutline reads into memory: the
	// boxes it keeps (mvhd, tkhd, elst, mdhd, hdlr, stsd, dinf, ...) are a
	// few hundred bytes in real files.
	maxOutlineBox = 1 << 20
	// maxOutlineBoxes bounds the boxes of the moov walked, one small read
	// each.
	maxOutlineBoxes = 1 << 16
	// outlineBuf is the buffer the sample tables are streamed through.
	outlineBuf = 64 << 10
)

// Outline is the structure of a movie without its sample tables, read by
// [ReadOutline] in memory that does not grow with the moov box.
type Outline struct {
	// Movie is the movie as Parse reads it, except that its tracks have no
	// sample tables: TimeToSample, CompositionOffsets, SyncSamples,
	// SampleToChunk, SampleSizes and ChunkOffsets are nil (SampleCount and
	// SampleSize are set), and Track.Samples must not be called. Movie.Moov
	// holds only the boxes kept. [Movie.Info] reports the durations and
	// streams as for the parsed movie (bit rates and sizes of the sample
	// tables aside).
	Movie *Movie
	// MoovSize is the size of the moov box in the file.
	MoovSize int64
	// Tables summarises each track's stts and ctts, in Movie.Tracks order.
	Tables []TableSummary
}

// TableSummary is what ReadOutline reads of a track's stts and ctts.
type TableSummary struct {
	// Duration is the sum of the stts sample durations, LastDelta the
	// duration of the last stts entry with samples and MaxDelta the largest.
	Duration            uint64
	LastDelta, MaxDelta uint32
	// MinOffset and MaxOffset are the smallest (at most 0) and largest (at
	// least 0) ctts composition offsets.
	MinOffset, MaxOffset int32
}

// ReadOutline reads the structure of the MP4 or MOV file r of the given
// size like [Parse], but streams the moov box's sample tables through a
// small buffer instead of reading them: it keeps the movie and track
// headers, sample descriptions and edit lists, and summarises stts and
// ctts. Its memory is bounded whatever the moov size (fragments are read
// one moof box at a time, as Parse does); its time is one pass over the
// stts and ctts entries. A moov box over maxMoov bytes ([MaxMoovSize] when
// 0 or more) is a [*LimitError], found before the box is walked. Errors are
// otherwise Parse's; the offsets of errors about the kept boxes count
// within Movie.Moov.
func ReadOutline(r io.ReaderAt, size, maxMoov int64) (*Outline, error) {
	if maxMoov <= 0 || maxMoov > MaxMoovSize {
		maxMoov = MaxMoovSize
	}
	o := &Outline{}
	w := &outlineWalk{r: r}
	m, err := parseFile(r, size, 0, func(h header) (box, error) {
		if h.size > maxMoov {
			return box{}, &LimitError{What: "moov box", Value: h.size, Limit: maxMoov}
		}
		o.MoovSize = h.size
		raw, err := w.container(h.box(), h.off+h.hdr, h.off+h.size)
		if err != nil {
			return box{}, err
		}
		o.Tables = w.tables
		b := h.box()
		b.raw, b.body = raw, raw[8:]
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	if len(o.Tables) != len(m.Tracks) {
		return nil, fmt.Errorf("%w: moov has %d trak boxes, %d tracks were read", ErrInvalid, len(o.Tables), len(m.Tracks))
	}
	for i, t := range m.Tracks {
		t.tableDuration = o.Tables[i].Duration
		t.SampleCount, t.SampleSize = w.counts[i].count, w.counts[i].size
	}
	o.Movie = m
	return o, nil
}

// outlineWalk walks a moov box in the file for ReadOutline.
type outlineWalk struct {
	r      io.ReaderAt
	boxes  int
	tables []TableSummary // one per trak
	counts []sampleCount  // one per trak
}

// sampleCount is the stsz (or stz2) sample count and size of a track.
type sampleCount struct{ count, size uint32 }

// Boxes ReadOutline descends into, reads whole, or streams; it skips others.
var (
	outlineContainers = map[string]bool{"trak": true, "mdia": true, "minf": true, "stbl": true}
	outlineKept       = map[string]bool{
		"mvhd": true, "mvex": true, "tkhd": true, "edts": true, "mdhd": true, "hdlr": true, "dinf": true, "stsd": true,
		"vmhd": true, "smhd": true, "hmhd": true, "nmhd": true, "sthd": true, "gmhd": true,
	}
)

// container returns the box parent, whose children lie in [start, end) of
// the file, rebuilt with the children ReadOutline keeps.
func (w *outlineWalk) container(parent box, start, end int64) ([]byte, error) {
	out := make([]byte, 8, 256)
	copy(out[4:], parent.typ)
	for off := start; end-off >= 8; {
		if w.boxes++; w.boxes > maxOutlineBoxes {
			return nil, boxErr(parent, "more than %d boxes", maxOutlineBoxes)
		}
		h, err := readHeader(w.r, off, end)
		if err != nil {
			return nil, err
		}
		b := h.box()
		b.path = parent.path + "/" + printable(h.typ)
		if h.typ == "trak" {
			b.path = parent.path + "/trak[" + strconv.Itoa(len(w.tables)+1) + "]"
			w.tables = append(w.tables, TableSummary{})
			w.counts = append(w.counts, sampleCount{})
		}
		switch {
		case outlineContainers[h.typ]:
			kid, err := w.container(b, h.off+h.hdr, h.off+h.size)
			if err != nil {
				return nil, err
			}
			out = append(out, kid...)
		case outlineKept[h.typ]:
			if h.size > maxOutlineBox {
				return nil, &LimitError{What: b.path + " box", Value: h.size, Limit: maxOutlineBox}
			}
			kid, err := readBox(w.r, h, maxOutlineBox)
			if err != nil {
				return nil, err
			}
			out = append(out, kid.raw...)
		case len(w.tables) > 0 && parent.typ == "stbl":
			if err := w.table(b, h); err != nil {
				return nil, err
			}
		}
		off += h.size
	}
	if len(out) > MaxMoovSize {
		return nil, boxErr(parent, "kept boxes exceed %d bytes", MaxMoovSize)
	}
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	return out, nil
}

// table summarises the sample table box h of the current track.
func (w *outlineWalk) table(b box, h header) error {
	sum, cnt := &w.tables[len(w.tables)-1], &w.counts[len(w.counts)-1]
	body, n := h.off+h.hdr, h.size-h.hdr
	switch h.typ {
	case "stts":
		return w.entries(b, body, n, 8, func(e []byte) {
			count, delta := binary.BigEndian.Uint32(e), binary.BigEndian.Uint32(e[4:])
			if count == 0 {
				return
			}
			sum.Duration = addSat(sum.Duration, uint64(count)*uint64(delta))
			sum.LastDelta, sum.MaxDelta = delta, max(sum.MaxDelta, delta)
		})
	case "ctts":
		return w.entries(b, body, n, 8, func(e []byte) {
			if binary.BigEndian.Uint32(e) > 0 {
				off := int32(binary.BigEndian.Uint32(e[4:]))
				sum.MinOffset, sum.MaxOffset = min(sum.MinOffset, off), max(sum.MaxOffset, off)
			}
		})
	case "stsz", "stz2":
		var hdr [12]byte
		if n < int64(len(hdr)) {
			return boxErr(b, "payload of %d bytes is too short", n)
		}
		if err := readFull(w.r, hdr[:], body); err != nil {
			return err
		}
		cnt.count = binary.BigEndian.Uint32(hdr[8:])
		if h.typ == "stsz" {
			cnt.size = binary.BigEndian.Uint32(hdr[4:])
			if cnt.size == 0 && uint64(cnt.count)*4 > uint64(n-12) {
				return boxErr(b, "%d entries of 4 bytes need %d bytes, %d left", cnt.count, uint64(cnt.count)*4, n-12)
			}
		}
	}
	return nil
}

// entries streams the entries of the counted table (a FullBox with an entry
// count) whose payload is the n bytes at off, calling fn for each.
func (w *outlineWalk) entries(b box, off, n int64, size int, fn func([]byte)) error {
	var hdr [8]byte
	if n < int64(len(hdr)) {
		return boxErr(b, "payload of %d bytes has no entry count", n)
	}
	if err := readFull(w.r, hdr[:], off); err != nil {
		return err
	}
	if v := hdr[0]; b.typ == "ctts" && v > 1 {
		return boxErr(b, "unknown version %d", v)
	}
	left := int64(binary.BigEndian.Uint32(hdr[4:])) * int64(size)
	if left > n-8 {
		return boxErr(b, "%d entries of %d bytes need %d bytes, %d left", left/int64(size), size, left, n-8)
	}
	buf := make([]byte, min(left, outlineBuf/int64(size)*int64(size)))
	for pos := off + 8; left > 0; {
		chunk := buf[:min(left, int64(len(buf)))]
		if err := readFull(w.r, chunk, pos); err != nil {
			return err
		}
		for e := chunk; len(e) >= size; e = e[size:] {
			fn(e)
		}
		pos += int64(len(chunk))
		left -= int64(len(chunk))
	}
	return nil
}
