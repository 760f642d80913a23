package clip

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/openvod/openvod/mp4"
)

// layout places the selected samples in the output mdat in source byte
// order, so that samples adjacent in the source (of any track) are copied
// as one run, then builds the ftyp, the moov and the mdat header. Chunk
// offsets and the mdat size use 64 bits when they exceed limit32.
func (p *Plan) layout(m *mp4.Movie, cuts []*trackCut, movieDur uint64, limit32 int64) error {
	var pos int64
	h := make(mergeHeap, 0, len(cuts))
	for _, c := range cuts {
		if len(c.samples) > 0 {
			h = append(h, mergeItem{c: c})
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		it := &h[0]
		s := &it.c.samples[it.i]
		s.out = pos
		pos += int64(s.size)
		if s.size > 0 {
			if n := len(p.runs); n > 0 && p.runs[n-1].off+p.runs[n-1].n == s.off {
				p.runs[n-1].n += int64(s.size)
			} else {
				p.runs = append(p.runs, byteRun{off: s.off, n: int64(s.size)})
			}
		}
		if it.i++; it.i < len(it.c.samples) {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	var maxOut int64
	for _, c := range cuts {
		for i, s := range c.samples {
			if n := len(c.chunks); i > 0 && c.chunks[n-1].n < math.MaxUint32 && s.out == c.samples[i-1].out+int64(c.samples[i-1].size) {
				c.chunks[n-1].n++
				continue
			}
			c.chunks = append(c.chunks, chunk{out: s.out})
			c.chunks[len(c.chunks)-1].n = 1
			maxOut = max(maxOut, s.out)
		}
	}
	p.MediaBytes, p.Runs = pos, len(p.runs)

	ftyp := ftypBox(m)
	mdatHdr := 8
	if 8+pos > limit32 {
		mdatHdr = 16
	}
	moov, err := buildMoov(m, cuts, movieDur, 0, false)
	if err != nil {
		return err
	}
	base := int64(len(ftyp) + len(moov) + mdatHdr)
	co64 := base+maxOut > limit32
	if co64 {
		if moov, err = buildMoov(m, cuts, movieDur, 0, true); err != nil {
			return err
		}
		base = int64(len(ftyp) + len(moov) + mdatHdr)
	}
	if moov, err = buildMoov(m, cuts, movieDur, base, co64); err != nil {
		return err
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
	p.head = head
	p.Size = base + pos
	return nil
}

// mergeItem is the next sample of a track in the merge by source offset.
type mergeItem struct {
	c *trackCut
	i int
}

// mergeHeap orders tracks by the source offset of their next sample.
type mergeHeap []mergeItem

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(a, b int) bool {
	return h[a].c.samples[h[a].i].off < h[b].c.samples[h[b].i].off
}
func (h mergeHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// boxWriter appends boxes to a byte slice.
type boxWriter struct{ b []byte }

// start begins a box of type typ; end(pos) writes its size.
func (w *boxWriter) start(typ string) int {
	pos := len(w.b)
	w.b = append(w.b, 0, 0, 0, 0)
	w.b = append(w.b, typ...)
	return pos
}

// startFull begins a FullBox.
func (w *boxWriter) startFull(typ string, version uint8, flags uint32) int {
	pos := w.start(typ)
	w.u32(uint32(version)<<24 | flags&0xffffff)
	return pos
}

// end finishes the box begun at pos.
func (w *boxWriter) end(pos int) {
	binary.BigEndian.PutUint32(w.b[pos:], uint32(len(w.b)-pos))
}

func (w *boxWriter) u16(v uint16)  { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *boxWriter) u32(v uint32)  { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *boxWriter) u64(v uint64)  { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *boxWriter) raw(b []byte)  { w.b = append(w.b, b...) }
func (w *boxWriter) str(s string)  { w.b = append(w.b, s...) }
func (w *boxWriter) zeros(n int)   { w.b = append(w.b, make([]byte, n)...) }
func (w *boxWriter) len() int      { return len(w.b) }
func (w *boxWriter) bytes() []byte { return w.b }

// ftypBox returns the output's ftyp: the source's brands, or QuickTime's
// for a source without ftyp.
func ftypBox(m *mp4.Movie) []byte {
	var w boxWriter
	pos := w.start("ftyp")
	if len(m.MajorBrand) != 4 {
		w.str("qt  ")
		w.u32(0x20050300)
		w.str("qt  ")
	} else {
		w.str(m.MajorBrand)
		w.u32(m.MinorVersion)
		for _, b := range m.CompatibleBrands {
			if len(b) == 4 {
				w.str(b)
			}
		}
	}
	w.end(pos)
	return w.bytes()
}

// buildMoov writes the output moov with chunk offsets counted from base
// (the offset of the mdat payload), in co64 boxes if co64.
func buildMoov(m *mp4.Movie, cuts []*trackCut, movieDur uint64, base int64, co64 bool) ([]byte, error) {
	var w boxWriter
	moov := w.start("moov")
	mvhd, err := withDuration(m.Mvhd, 4, movieDur)
	if err != nil {
		return nil, fmt.Errorf("mvhd: %w", err)
	}
	w.raw(mvhd)
	for _, c := range cuts {
		if err := c.writeTrak(&w, base, co64); err != nil {
			return nil, err
		}
	}
	w.end(moov)
	if w.len() > math.MaxUint32 {
		return nil, fmt.Errorf("%w: output moov of %d bytes", mp4.ErrInvalid, w.len())
	}
	return w.bytes(), nil
}

// writeTrak writes the track's trak box.
func (c *trackCut) writeTrak(w *boxWriter, base int64, co64 bool) error {
	t := c.t
	trak := w.start("trak")
	tkhd, err := withDuration(t.Boxes.Tkhd, 8, addSat(c.emptyTicks, c.segTicks))
	if err != nil {
		return fmt.Errorf("track %d tkhd: %w", t.ID, err)
	}
	w.raw(tkhd)

	edts := w.start("edts")
	v1 := c.emptyTicks > math.MaxUint32 || c.segTicks > math.MaxUint32 || c.mediaTimeOut > math.MaxInt32
	version := uint8(0)
	if v1 {
		version = 1
	}
	elst := w.startFull("elst", version, 0)
	entries := uint32(1)
	if c.emptyTicks > 0 {
		entries = 2
	}
	w.u32(entries)
	entry := func(dur uint64, mediaTime int64) {
		if v1 {
			w.u64(dur)
			w.u64(uint64(mediaTime))
		} else {
			w.u32(uint32(dur))
			w.u32(uint32(int32(mediaTime)))
		}
		w.u32(0x10000)
	}
	if c.emptyTicks > 0 {
		entry(c.emptyTicks, -1)
	}
	entry(c.segTicks, c.mediaTimeOut)
	w.end(elst)
	w.end(edts)

	mdia := w.start("mdia")
	mdhd, err := withDuration(t.Boxes.Mdhd, 4, c.mediaDur)
	if err != nil {
		return fmt.Errorf("track %d mdhd: %w", t.ID, err)
	}
	w.raw(mdhd)
	if t.Boxes.Hdlr != nil {
		w.raw(t.Boxes.Hdlr)
	} else {
		hdlr := w.startFull("hdlr", 0, 0)
		w.u32(0)
		w.str(t.Handler)
		w.zeros(12)
		w.str("\x00")
		w.end(hdlr)
	}
	minf := w.start("minf")
	switch {
	case t.Boxes.MediaHeader != nil:
		w.raw(t.Boxes.MediaHeader)
	case c.video:
		vmhd := w.startFull("vmhd", 0, 1)
		w.zeros(8)
		w.end(vmhd)
	default:
		smhd := w.startFull("smhd", 0, 0)
		w.zeros(4)
		w.end(smhd)
	}
	if t.Boxes.Dinf != nil {
		w.raw(t.Boxes.Dinf)
	} else {
		dinf := w.start("dinf")
		dref := w.startFull("dref", 0, 0)
		w.u32(1)
		url := w.startFull("url ", 0, 1)
		w.end(url)
		w.end(dref)
		w.end(dinf)
	}
	c.writeStbl(w, base, co64)
	w.end(minf)
	w.end(mdia)
	w.end(trak)
	return nil
}

// writeStbl writes the rebuilt sample tables.
func (c *trackCut) writeStbl(w *boxWriter, base int64, co64 bool) {
	stbl := w.start("stbl")
	w.raw(c.t.Boxes.Stsd)
	smp := c.samples

	// stts: run-length coded durations.
	stts := w.startFull("stts", 0, 0)
	countPos := w.len()
	w.u32(0)
	var n uint32
	for i := 0; i < len(smp); {
		j := i + 1
		for j < len(smp) && smp[j].dur == smp[i].dur {
			j++
		}
		w.u32(uint32(j - i))
		w.u32(smp[i].dur)
		n++
		i = j
	}
	binary.BigEndian.PutUint32(w.b[countPos:], n)
	w.end(stts)

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
		ctts := w.startFull("ctts", version, 0)
		countPos := w.len()
		w.u32(0)
		n = 0
		for i := 0; i < len(smp); {
			j := i + 1
			for j < len(smp) && smp[j].cto == smp[i].cto {
				j++
			}
			w.u32(uint32(j - i))
			w.u32(uint32(smp[i].cto))
			n++
			i = j
		}
		binary.BigEndian.PutUint32(w.b[countPos:], n)
		w.end(ctts)
	}

	// stss, when the source has one.
	if c.t.HasSyncSamples {
		stss := w.startFull("stss", 0, 0)
		countPos := w.len()
		w.u32(0)
		n = 0
		for i, s := range smp {
			if s.sync {
				w.u32(uint32(i + 1))
				n++
			}
		}
		binary.BigEndian.PutUint32(w.b[countPos:], n)
		w.end(stss)
	}

	// stsc: one entry per change of the samples per chunk.
	stsc := w.startFull("stsc", 0, 0)
	countPos = w.len()
	w.u32(0)
	n = 0
	for i, ch := range c.chunks {
		if i == 0 || ch.n != c.chunks[i-1].n {
			w.u32(uint32(i + 1))
			w.u32(ch.n)
			w.u32(1)
			n++
		}
	}
	binary.BigEndian.PutUint32(w.b[countPos:], n)
	w.end(stsc)

	// stsz: one size for all samples if they share it.
	stsz := w.startFull("stsz", 0, 0)
	same := len(smp) > 0 && c.t.SampleSize != 0
	for _, s := range smp {
		if !same || s.size != smp[0].size {
			same = false
			break
		}
	}
	if same {
		w.u32(smp[0].size)
		w.u32(uint32(len(smp)))
	} else {
		w.u32(0)
		w.u32(uint32(len(smp)))
		for _, s := range smp {
			w.u32(s.size)
		}
	}
	w.end(stsz)

	// stco or co64.
	if co64 {
		co := w.startFull("co64", 0, 0)
		w.u32(uint32(len(c.chunks)))
		for _, ch := range c.chunks {
			w.u64(uint64(base + ch.out))
		}
		w.end(co)
	} else {
		co := w.startFull("stco", 0, 0)
		w.u32(uint32(len(c.chunks)))
		for _, ch := range c.chunks {
			w.u32(uint32(base + ch.out))
		}
		w.end(co)
	}
	w.end(stbl)
}

// withDuration returns a copy of an mvhd, mdhd (mid 4) or tkhd (mid 8)
// box with its duration field set to dur. Such a box has the creation and
// modification times, mid bytes (timescale, or track ID and a reserved
// field), then the duration; version 0 boxes whose duration does not fit
// 32 bits become version 1.
func withDuration(raw []byte, mid int, dur uint64) ([]byte, error) {
	typ, body, _, ok := nextBox(raw)
	if !ok || len(body) < 4 {
		return nil, fmt.Errorf("%w: malformed box", mp4.ErrInvalid)
	}
	version := body[0]
	var times, durSize int
	switch version {
	case 0:
		times, durSize = 4, 4
	case 1:
		times, durSize = 8, 8
	default:
		return nil, fmt.Errorf("%w: %s version %d", mp4.ErrInvalid, typ, version)
	}
	durOff := 4 + 2*times + mid
	if len(body) < durOff+durSize {
		return nil, fmt.Errorf("%w: %s of %d bytes is too short", mp4.ErrInvalid, typ, len(body))
	}
	rest := body[durOff+durSize:]
	var w boxWriter
	pos := w.start(typ)
	if version == 0 && dur <= math.MaxUint32-1 {
		w.raw(body[:durOff])
		w.u32(uint32(dur))
	} else {
		w.u32(1<<24 | binary.BigEndian.Uint32(body)&0xffffff)
		if version == 0 {
			w.u64(uint64(binary.BigEndian.Uint32(body[4:])))
			w.u64(uint64(binary.BigEndian.Uint32(body[8:])))
		} else {
			w.raw(body[4 : 4+2*times])
		}
		w.raw(body[4+2*times : durOff])
		w.u64(dur)
	}
	w.raw(rest)
	w.end(pos)
	return w.bytes(), nil
}
