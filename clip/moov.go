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
func buildMoov(m *mp4.Movie, cuts []*trackCut, movieDur uint64, base int64, co64 bool) ([]byte, error) {
	var w mp4.BoxWriter
	moov := w.Start("moov")
	mvhd, err := mp4.WithDuration(m.Mvhd, 4, movieDur)
	if err != nil {
		return nil, fmt.Errorf("mvhd: %w", err)
	}
	w.Raw(mvhd)
	for _, c := range cuts {
		if err := c.writeTrak(&w, base, co64); err != nil {
			return nil, err
		}
	}
	w.End(moov)
	if w.Len() > math.MaxUint32 {
		return nil, fmt.Errorf("%w: output moov of %d bytes", mp4.ErrInvalid, w.Len())
	}
	return w.Bytes(), nil
}

// writeTrak writes the track's trak box.
func (c *trackCut) writeTrak(w *mp4.BoxWriter, base int64, co64 bool) error {
	t := c.t
	trak := w.Start("trak")
	tkhd, err := mp4.WithDuration(t.Boxes.Tkhd, 8, addSat(c.emptyTicks, c.segTicks))
	if err != nil {
		return fmt.Errorf("track %d tkhd: %w", t.ID, err)
	}
	w.Raw(tkhd)

	edts := w.Start("edts")
	v1 := c.emptyTicks > math.MaxUint32 || c.segTicks > math.MaxUint32 || c.mediaTimeOut > math.MaxInt32
	version := uint8(0)
	if v1 {
		version = 1
	}
	elst := w.StartFull("elst", version, 0)
	entries := uint32(1)
	if c.emptyTicks > 0 {
		entries = 2
	}
	w.U32(entries)
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
	if c.emptyTicks > 0 {
		entry(c.emptyTicks, -1)
	}
	entry(c.segTicks, c.mediaTimeOut)
	w.End(elst)
	w.End(edts)

	mdia := w.Start("mdia")
	mdhd, err := mp4.WithDuration(t.Boxes.Mdhd, 4, c.mediaDur)
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
	case c.video:
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
	c.writeStbl(w, base, co64)
	w.End(minf)
	w.End(mdia)
	w.End(trak)
	return nil
}

// writeStbl writes the rebuilt sample tables.
func (c *trackCut) writeStbl(w *mp4.BoxWriter, base int64, co64 bool) {
	stbl := w.Start("stbl")
	w.Raw(c.t.Boxes.Stsd)
	smp := c.samples

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
	if c.t.HasSyncSamples {
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
	for i, ch := range c.chunks {
		if i == 0 || ch.n != c.chunks[i-1].n {
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
	same := len(smp) > 0 && c.t.SampleSize != 0
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
		w.U32(uint32(len(c.chunks)))
		for _, ch := range c.chunks {
			w.U64(uint64(base + ch.out))
		}
		w.End(co)
	} else {
		co := w.StartFull("stco", 0, 0)
		w.U32(uint32(len(c.chunks)))
		for _, ch := range c.chunks {
			w.U32(uint32(base + ch.out))
		}
		w.End(co)
	}
	w.End(stbl)
}
