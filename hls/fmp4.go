package hls

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/openvod/openvod/mp4"
)

// Sample flags of trun (ISO/IEC 14496-12 §8.8.3.1): a sync sample depends
// on no other; any other sample depends on others and is not a sync
// sample.
const (
	flagsSync    = 0x02000000
	flagsNonSync = 0x01010000
)

// trun and tfhd flags.
const (
	trunDataOffset  = 0x000001
	trunDuration    = 0x000100
	trunSize        = 0x000200
	trunFlags       = 0x000400
	trunCTO         = 0x000800
	tfhdDefaultBase = 0x020000 // default-base-is-moof
)

// Init returns the track's (first period's) init segment: ftyp and a moov
// with the track's headers, sample description and edit list, no samples,
// and mvex.
func (t *Track) Init() []byte { return t.inits[0] }

// initSegment builds t's init segment for period pd: its edit list is the
// period's empty edits and media edit, its media time rebased as the
// period's decode times (less pd.base).
func (ix *Index) initSegment(t *Track, pd *period) []byte {
	var w mp4.BoxWriter
	ftyp := w.Start("ftyp")
	w.Str("iso6")
	w.U32(0)
	w.Str("iso6cmfcmp41")
	w.End(ftyp)

	moov := w.Start("moov")
	w.Raw(mustDuration(ix.mvhd, 4))
	trak := w.Start("trak")
	w.Raw(mustDuration(t.t.Boxes.Tkhd, 8))
	if mediaTime := pd.mediaTime - pd.base; pd.delay > 0 || mediaTime != 0 {
		edts := w.Start("edts")
		v1 := pd.delay > math.MaxUint32 || pd.visible > math.MaxUint32 || mediaTime > math.MaxInt32
		version := uint8(0)
		if v1 {
			version = 1
		}
		elst := w.StartFull("elst", version, 0)
		entry := func(dur uint64, mediaTime int64) {
			if v1 {
				w.U64(dur)
				w.U64(uint64(mediaTime))
			} else {
				w.U32(uint32(dur))
				w.U32(uint32(int32(mediaTime)))
			}
			w.U32(0x10000)
		}
		if pd.delay > 0 {
			w.U32(2)
			entry(pd.delay, -1)
		} else {
			w.U32(1)
		}
		entry(pd.visible, mediaTime)
		w.End(elst)
		w.End(edts)
	}
	mdia := w.Start("mdia")
	w.Raw(mustDuration(t.t.Boxes.Mdhd, 4))
	if t.t.Boxes.Hdlr != nil {
		w.Raw(t.t.Boxes.Hdlr)
	} else {
		hdlr := w.StartFull("hdlr", 0, 0)
		w.U32(0)
		w.Str(t.t.Handler)
		w.Zeros(12)
		w.Str("\x00")
		w.End(hdlr)
	}
	minf := w.Start("minf")
	if t.Video {
		vmhd := w.StartFull("vmhd", 0, 1)
		w.Zeros(8)
		w.End(vmhd)
	} else {
		smhd := w.StartFull("smhd", 0, 0)
		w.Zeros(4)
		w.End(smhd)
	}
	dinf := w.Start("dinf")
	dref := w.StartFull("dref", 0, 0)
	w.U32(1)
	url := w.StartFull("url ", 0, 1)
	w.End(url)
	w.End(dref)
	w.End(dinf)
	stbl := w.Start("stbl")
	w.Raw(t.t.Boxes.Stsd)
	for _, typ := range []string{"stts", "stsc", "stco"} {
		b := w.StartFull(typ, 0, 0)
		w.U32(0)
		w.End(b)
	}
	stsz := w.StartFull("stsz", 0, 0)
	w.U64(0)
	w.End(stsz)
	w.End(stbl)
	w.End(minf)
	w.End(mdia)
	w.End(trak)
	mvex := w.Start("mvex")
	trex := w.StartFull("trex", 0, 0)
	w.U32(t.ID)
	w.U32(1) // default_sample_description_index
	w.U32(0)
	w.U32(0)
	w.U32(0)
	w.End(trex)
	w.End(mvex)
	w.End(moov)
	return w.Bytes()
}

// mustDuration returns a header box with its duration set to 0 (unknown
// in a fragmented file). The parser read these boxes, so they are well
// formed; a box it could not rewrite is copied as it is.
func mustDuration(raw []byte, mid int) []byte {
	b, err := mp4.WithDuration(raw, mid, 0)
	if err != nil {
		return raw
	}
	return b
}

// ErrNoSegment is returned for a segment number the track does not have.
var ErrNoSegment = errors.New("hls: no such segment")

// Segment returns media segment n (0-based) of the track: a moof with the
// samples' durations, sizes, flags and composition offsets, and an mdat
// with their bytes, read from src (the source the Index was made from)
// with one ReadAt per run of adjacent samples (see SegmentParts), or one
// ReadAt of the segment's span when the gaps between its runs add at most
// an eighth to its size. Its memory is the segment's size (plus those
// gaps) and 16 bytes per sample. A src with a
// method WillRead(off, end int64), as blob's objects on S3 have
// (blob.WillRead), is first told the segment's source span, so that it
// fetches it with one request. It returns ErrNoSegment for an n out of
// range and an error wrapping io.ErrUnexpectedEOF for a source shorter
// than its tables say.
func (t *Track) Segment(src io.ReaderAt, n int) ([]byte, error) {
	return t.AppendSegment(nil, src, n)
}

// AppendSegment is Segment writing the segment after the bytes of dst,
// whose spare capacity it uses (a caller may so reuse its buffers); it
// returns the extended slice.
func (t *Track) AppendSegment(dst []byte, src io.ReaderAt, n int) ([]byte, error) {
	head, runs, err := t.SegmentParts(n)
	if err != nil {
		return nil, err
	}
	seg := t.Segments[n]
	if h, ok := src.(interface{ WillRead(off, end int64) }); ok {
		h.WillRead(seg.SpanStart, seg.SpanEnd)
	}
	base := int64(len(dst))
	h := base + int64(len(head))
	if span := seg.SpanEnd - seg.SpanStart; len(runs) > 1 && seg.dense() && ascending(runs) {
		// Dense: one read of the span, then the gaps closed in place.
		out := append(slices.Grow(dst, int(int64(len(head))+span)), head...)[:h+span]
		if err := readFull(src, out[h:], seg.SpanStart); err != nil {
			return nil, err
		}
		pos := h
		for _, r := range runs {
			pos += int64(copy(out[pos:], out[h+r.Off-seg.SpanStart:][:r.Len]))
		}
		return out[:pos], nil
	}
	out := append(slices.Grow(dst, int(int64(len(head))+seg.Bytes)), head...)[:h+seg.Bytes]
	pos := h
	for _, r := range runs {
		if err := readFull(src, out[pos:pos+r.Len], r.Off); err != nil {
			return nil, err
		}
		pos += r.Len
	}
	return out, nil
}

// appendBytes is the most bytes AppendSegment appends for segment n: its
// head (segmentHeadBytes and 16 bytes a sample at most) and its samples,
// or their span when it may read that at once. A dst with that much spare
// capacity is not grown.
func (t *Track) appendBytes(n int) int64 {
	seg := t.Segments[n]
	body := seg.Bytes
	if seg.dense() {
		body = max(body, seg.SpanEnd-seg.SpanStart)
	}
	return segmentHeadBytes + 16*int64(seg.Samples) + body
}

// segmentHeadBytes is the size of a segment's head (SegmentParts) less
// its trun's sample entries: moof, mfhd, traf, tfhd, tfdt, the trun's
// header and the mdat header.
const segmentHeadBytes = 8 + 16 + 8 + 16 + 20 + 20 + 8

// denseGap is the inverse of the share of a segment's size that the gaps
// between its runs may add for Segment to read its span at once (one read
// instead of one per run, as for a video segment of a file interleaved
// sample by sample) rather than each run.
const denseGap = 8

// dense reports whether the gaps between s's runs are small enough
// (denseGap) for its span to be read at once.
func (s Segment) dense() bool { return s.SpanEnd-s.SpanStart <= s.Bytes+s.Bytes/denseGap }

// ascending reports whether each run starts after the one before ends.
func ascending(runs []Run) bool {
	for i := 1; i < len(runs); i++ {
		if runs[i].Off < runs[i-1].Off+runs[i-1].Len {
			return false
		}
	}
	return true
}

// Run is a range of source bytes: adjacent samples of a segment.
type Run struct {
	Off, Len int64
}

// SegmentParts returns media segment n (0-based) of the track as its
// head, the moof and the mdat's header, and the runs of source bytes that
// follow it in the mdat, in order: the segment is head followed by each
// run's bytes, so that a caller may send the samples straight from the
// source. It reads nothing, and returns ErrNoSegment for an n out of
// range.
func (t *Track) SegmentParts(n int) (head []byte, runs []Run, err error) {
	if n < 0 || n >= len(t.Segments) {
		return nil, nil, ErrNoSegment
	}
	seg := t.Segments[n]
	negative := false
	if t.ctts {
		for _, s := range t.s.Range(seg.FirstSample, seg.FirstSample+seg.Samples) {
			negative = negative || s.CompositionOffset < 0
		}
	}
	var w mp4.BoxWriter
	moof := w.Start("moof")
	mfhd := w.StartFull("mfhd", 0, 0)
	w.U32(uint32(n + 1))
	w.End(mfhd)
	traf := w.Start("traf")
	tfhd := w.StartFull("tfhd", 0, tfhdDefaultBase)
	w.U32(t.ID)
	w.End(tfhd)
	tfdt := w.StartFull("tfdt", 1, 0)
	w.U64(uint64(seg.DecodeTime))
	w.End(tfdt)
	flags := uint32(trunDataOffset | trunDuration | trunSize | trunFlags)
	if t.ctts {
		flags |= trunCTO
	}
	version := uint8(0)
	if negative {
		version = 1
	}
	trun := w.StartFull("trun", version, flags)
	w.U32(uint32(seg.Samples))
	dataOffset := w.Len()
	w.U32(0)
	for _, s := range t.s.Range(seg.FirstSample, seg.FirstSample+seg.Samples) {
		w.U32(s.Duration)
		w.U32(s.Size)
		if s.Sync || !t.Video {
			w.U32(flagsSync)
		} else {
			w.U32(flagsNonSync)
		}
		if t.ctts {
			w.U32(uint32(s.CompositionOffset))
		}
		if k := len(runs) - 1; k >= 0 && runs[k].Off+runs[k].Len == s.Offset {
			runs[k].Len += int64(s.Size)
		} else {
			runs = append(runs, Run{Off: s.Offset, Len: int64(s.Size)})
		}
	}
	w.End(trun)
	w.End(traf)
	w.End(moof)
	w.PutU32(dataOffset, uint32(w.Len()+8))
	w.U32(uint32(8 + seg.Bytes))
	w.Str("mdat")
	return w.Bytes(), runs, nil
}

// readFull fills b from src at off; a short read is an error wrapping
// io.ErrUnexpectedEOF.
func readFull(src io.ReaderAt, b []byte, off int64) error {
	n, err := src.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("hls: read %d bytes at offset %d: %w", len(b), off, err)
}
