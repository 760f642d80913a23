package clip

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/openvod/openvod/mp4"
)

// outTrack is one track of an output file: the samples and edits of the
// cut of one source, or of the cuts of a join's pieces. Its headers (tkhd,
// hdlr, stsd, ...) are those of track t, the first piece's.
type outTrack struct {
	t         *mp4.Track
	video     bool
	timescale uint32 // media timescale: t.Timescale, or a join's common one
	edits     []edit
	mediaDur  uint64 // sum of sample durations
	samples   []outSample
	chunks    []chunk
	stss      bool // write stss (a source track has one)
	constSize bool // the source tracks give one size for all samples

	// Joins: the end of the last piece's media edit, and the largest
	// composition time, in the track's media time.
	editEnd, lastCTS int64
}

// edit is an output edit list entry, in the movie timescale; mediaTime -1
// is an empty edit.
type edit struct {
	dur       uint64
	mediaTime int64
}

// addEdit appends e to the track's edit list, merging it into an empty
// edit before it when both are empty.
func (o *outTrack) addEdit(e edit) {
	if n := len(o.edits); n > 0 && e.mediaTime == -1 && o.edits[n-1].mediaTime == -1 {
		o.edits[n-1].dur = addSat(o.edits[n-1].dur, e.dur)
		return
	}
	o.edits = append(o.edits, e)
}

// output returns the cut as an output track: an empty edit for a late
// start, then the media edit.
func (c *trackCut) output() *outTrack {
	o := &outTrack{t: c.t, video: c.video, timescale: c.t.Timescale, mediaDur: c.mediaDur, samples: c.samples,
		stss: c.t.HasSyncSamples, constSize: c.t.SampleSize != 0}
	if c.emptyTicks > 0 {
		o.addEdit(edit{dur: c.emptyTicks, mediaTime: -1})
	}
	o.addEdit(edit{dur: c.segTicks, mediaTime: c.mediaTimeOut})
	return o
}

// laidOut is an output file laid out: ftyp, moov and the mdat header, then
// the source runs copied into mdat, in output order.
type laidOut struct {
	head       []byte
	runs       []byteRun
	mediaBytes int64
	size       int64
}

// layout places the tracks' samples in the output mdat in (piece, source
// byte) order, so that samples adjacent in a source (of any track) are
// copied as one run, then builds the ftyp, the moov (movie timescale
// movieTimescale, duration movieDur) and the mdat header from m's. Chunk
// offsets and the mdat size use 64 bits when they exceed limit32.
func layout(m *mp4.Movie, tracks []*outTrack, movieTimescale uint32, movieDur uint64, limit32 int64) (*laidOut, error) {
	out := &laidOut{}
	var pos int64
	h := make(mergeHeap, 0, len(tracks))
	for _, o := range tracks {
		if len(o.samples) > 0 {
			h = append(h, mergeItem{o: o})
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		it := &h[0]
		s := &it.o.samples[it.i]
		s.out = pos
		pos += int64(s.size)
		if s.size > 0 {
			if n := len(out.runs); n > 0 && out.runs[n-1].piece == s.piece && out.runs[n-1].off+out.runs[n-1].n == s.off {
				out.runs[n-1].n += int64(s.size)
			} else {
				out.runs = append(out.runs, byteRun{piece: s.piece, off: s.off, n: int64(s.size)})
			}
		}
		if it.i++; it.i < len(it.o.samples) {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	var maxOut int64
	for _, o := range tracks {
		o.chunks = o.chunks[:0]
		for i, s := range o.samples {
			if n := len(o.chunks); i > 0 && o.chunks[n-1].n < math.MaxUint32 && s.out == o.samples[i-1].out+int64(o.samples[i-1].size) {
				o.chunks[n-1].n++
				continue
			}
			o.chunks = append(o.chunks, chunk{out: s.out, n: 1})
			maxOut = max(maxOut, s.out)
		}
	}
	out.mediaBytes = pos

	ftyp := ftypBox(m)
	mdatHdr := 8
	if 8+pos > limit32 {
		mdatHdr = 16
	}
	moov, err := buildMoov(m, tracks, movieTimescale, movieDur, 0, false)
	if err != nil {
		return nil, err
	}
	base := int64(len(ftyp) + len(moov) + mdatHdr)
	co64 := base+maxOut > limit32
	if co64 {
		if moov, err = buildMoov(m, tracks, movieTimescale, movieDur, 0, true); err != nil {
			return nil, err
		}
		base = int64(len(ftyp) + len(moov) + mdatHdr)
	}
	if moov, err = buildMoov(m, tracks, movieTimescale, movieDur, base, co64); err != nil {
		return nil, err
	}
	head := make([]byte, 0, int(base))
	head = append(head, ftyp...)
	head = append(head, moov...)
	if mdatHdr == 16 {
		head = binary.BigEndian.AppendUint32(head, 1)
		head = append(head, "mdat"...)
		head = binary.BigEndian.AppendUint64(head, uint64(16+pos))
	} else {
		head = binary.BigEndian.AppendUint32(head, uint32(8+pos))
		head = append(head, "mdat"...)
	}
	out.head = head
	out.size = base + pos
	return out, nil
}

// mergeItem is the next sample of a track in the merge by piece and
// source offset.
type mergeItem struct {
	o *outTrack
	i int
}

// mergeHeap orders tracks by the piece and the source offset of their next
// sample.
type mergeHeap []mergeItem

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(a, b int) bool {
	x, y := &h[a].o.samples[h[a].i], &h[b].o.samples[h[b].i]
	if x.piece != y.piece {
		return x.piece < y.piece
	}
	return x.off < y.off
}
func (h mergeHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// ftypBox returns the output's ftyp: the source's brands, or QuickTime's
// for a source without ftyp.
func ftypBox(m *mp4.Movie) []byte {
	var w mp4.BoxWriter
	pos := w.Start("ftyp")
	if len(m.MajorBrand) != 4 {
		w.Str("qt  ")
		w.U32(0x20050300)
		w.Str("qt  ")
	} else {
		w.Str(m.MajorBrand)
		w.U32(m.MinorVersion)
		for _, b := range m.CompatibleBrands {
			if len(b) == 4 {
				w.Str(b)
			}
		}
	}
	w.End(pos)
	return w.Bytes()
}

// buildMoov writes the output moov with chunk offsets counted from base
// (the offset of the mdat payload), in co64 boxes if co64.
func buildMoov(m *mp4.Movie, tracks []*outTrack, movieTimescale uint32, movieDur uint64, base int64, co64 bool) ([]byte, error) {
	var w mp4.BoxWriter
	moov := w.Start("moov")
	mvhd, err := withTimescale(m.Mvhd, m.Timescale, movieTimescale)
	if err == nil {
		mvhd, err = mp4.WithDuration(mvhd, 4, movieDur)
	}
	if err != nil {
		return nil, fmt.Errorf("mvhd: %w", err)
	}
	w.Raw(mvhd)
	for _, o := range tracks {
		if err := o.writeTrak(&w, base, co64); err != nil {
			return nil, err
		}
	}
	w.End(moov)
	if w.Len() > math.MaxUint32 {
		return nil, fmt.Errorf("%w: output moov of %d bytes", mp4.ErrInvalid, w.Len())
	}
	return w.Bytes(), nil
}

// withTimescale returns raw, an mvhd or mdhd box whose timescale is from,
// with its timescale set to to (a copy when they differ).
func withTimescale(raw []byte, from, to uint32) ([]byte, error) {
	if from == to {
		return raw, nil
	}
	hdr := 8
	if len(raw) >= 16 && binary.BigEndian.Uint32(raw) == 1 {
		hdr = 16
	}
	off := hdr + 4 + 8 // version and flags, creation and modification times
	if len(raw) > hdr && raw[hdr] == 1 {
		off += 8
	}
	if len(raw) < off+4 || binary.BigEndian.Uint32(raw[off:]) != from {
		return nil, fmt.Errorf("%w: malformed %q box", mp4.ErrInvalid, raw[4:min(len(raw), 8)])
	}
	b := append([]byte(nil), raw...)
	binary.BigEndian.PutUint32(b[off:], to)
	return b, nil
}

// writeTrak writes the track's trak box.
func (o *outTrack) writeTrak(w *mp4.BoxWriter, base int64, co64 bool) error {
	t := o.t
	trak := w.Start("trak")
	var dur uint64
	v1 := false
	for _, e := range o.edits {
		dur = addSat(dur, e.dur)
		v1 = v1 || e.dur > math.MaxUint32 || e.mediaTime > math.MaxInt32
	}
	tkhd, err := mp4.WithDuration(t.Boxes.Tkhd, 8, dur)
	if err != nil {
		return fmt.Errorf("track %d tkhd: %w", t.ID, err)
	}
	w.Raw(tkhd)

	edts := w.Start("edts")
	version := uint8(0)
	if v1 {
		version = 1
	}
	elst := w.StartFull("elst", version, 0)
	w.U32(uint32(len(o.edits)))
	for _, e := range o.edits {
		if v1 {
			w.U64(e.dur)
			w.U64(uint64(e.mediaTime))
		} else {
			w.U32(uint32(e.dur))
			w.U32(uint32(int32(e.mediaTime)))
		}
		w.U32(0x10000)
	}
	w.End(elst)
	w.End(edts)

	mdia := w.Start("mdia")
	mdhd, err := withTimescale(t.Boxes.Mdhd, t.Timescale, o.timescale)
	if err == nil {
		mdhd, err = mp4.WithDuration(mdhd, 4, o.mediaDur)
	}
	if err != nil {
		return fmt.Errorf("track %d mdhd: %w", t.ID, err)
	}
	w.Raw(mdhd)
	if t.Boxes.Hdlr != nil {
		w.Raw(t.Boxes.Hdlr)
	} else {
		hdlr := w.StartFull("hdlr", 0, 0)
		w.U32(0)
		w.Str(t.Handler)
		w.Zeros(12)
		w.Str("\x00")
		w.End(hdlr)
	}
	minf := w.Start("minf")
	switch {
	case t.Boxes.MediaHeader != nil:
		w.Raw(t.Boxes.MediaHeader)
	case o.video:
		vmhd := w.StartFull("vmhd", 0, 1)
		w.Zeros(8)
		w.End(vmhd)
	default:
		smhd := w.StartFull("smhd", 0, 0)
		w.Zeros(4)
		w.End(smhd)
	}
	if t.Boxes.Dinf != nil {
		w.Raw(t.Boxes.Dinf)
	} else {
		dinf := w.Start("dinf")
		dref := w.StartFull("dref", 0, 0)
		w.U32(1)
		url := w.StartFull("url ", 0, 1)
		w.End(url)
		w.End(dref)
		w.End(dinf)
	}
	o.writeStbl(w, base, co64)
	w.End(minf)
	w.End(mdia)
	w.End(trak)
	return nil
}

// writeStbl writes the rebuilt sample tables.
func (o *outTrack) writeStbl(w *mp4.BoxWriter, base int64, co64 bool) {
	stbl := w.Start("stbl")
	w.Raw(o.t.Boxes.Stsd)
	smp := o.samples

	// stts: run-length coded durations.
	stts := w.StartFull("stts", 0, 0)
	countPos := w.Len()
	w.U32(0)
	var n uint32
	for i := 0; i < len(smp); {
		j := i + 1
		for j < len(smp) && smp[j].dur == smp[i].dur {
			j++
		}
		w.U32(uint32(j - i))
		w.U32(smp[i].dur)
		n++
		i = j
	}
	w.PutU32(countPos, n)
	w.End(stts)

	// ctts, when any composition offset is not 0; version 1 when one is
	// negative.
	var anyOff, negOff bool
	for _, s := range smp {
		anyOff = anyOff || s.cto != 0
		negOff = negOff || s.cto < 0
	}
	if anyOff {
		version := uint8(0)
		if negOff {
			version = 1
		}
		ctts := w.StartFull("ctts", version, 0)
		countPos := w.Len()
		w.U32(0)
		n = 0
		for i := 0; i < len(smp); {
			j := i + 1
			for j < len(smp) && smp[j].cto == smp[i].cto {
				j++
			}
			w.U32(uint32(j - i))
			w.U32(uint32(smp[i].cto))
			n++
			i = j
		}
		w.PutU32(countPos, n)
		w.End(ctts)
	}

	// stss, when the source has one.
	if o.stss {
		stss := w.StartFull("stss", 0, 0)
		countPos := w.Len()
		w.U32(0)
		n = 0
		for i, s := range smp {
			if s.sync {
				w.U32(uint32(i + 1))
				n++
			}
		}
		w.PutU32(countPos, n)
		w.End(stss)
	}

	// stsc: one entry per change of the samples per chunk.
	stsc := w.StartFull("stsc", 0, 0)
	countPos = w.Len()
	w.U32(0)
	n = 0
	for i, ch := range o.chunks {
		if i == 0 || ch.n != o.chunks[i-1].n {
			w.U32(uint32(i + 1))
			w.U32(ch.n)
			w.U32(1)
			n++
		}
	}
	w.PutU32(countPos, n)
	w.End(stsc)

	// stsz: one size for all samples if they share it.
	stsz := w.StartFull("stsz", 0, 0)
	same := len(smp) > 0 && o.constSize
	for _, s := range smp {
		if !same || s.size != smp[0].size {
			same = false
			break
		}
	}
	if same {
		w.U32(smp[0].size)
		w.U32(uint32(len(smp)))
	} else {
		w.U32(0)
		w.U32(uint32(len(smp)))
		for _, s := range smp {
			w.U32(s.size)
		}
	}
	w.End(stsz)

	// stco or co64.
	if co64 {
		co := w.StartFull("co64", 0, 0)
		w.U32(uint32(len(o.chunks)))
		for _, ch := range o.chunks {
			w.U64(uint64(base + ch.out))
		}
		w.End(co)
	} else {
		co := w.StartFull("stco", 0, 0)
		w.U32(uint32(len(o.chunks)))
		for _, ch := range o.chunks {
			w.U32(uint32(base + ch.out))
		}
		w.End(co)
	}
	w.End(stbl)
}
