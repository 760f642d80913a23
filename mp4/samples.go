package mp4

import (
	"fmt"
	"iter"
	"math"
	"sort"
)

// maxDTS bounds decode times, so that adding a composition offset cannot
// overflow an int64.
const maxDTS = 1 << 62

// Sample is one sample (an access unit) of a track.
type Sample struct {
	// DTS is the decode time in the media timescale, counted from the first
	// sample; the edit list is not applied.
	DTS int64
	// Duration is the sample's stts duration.
	Duration uint32
	// CompositionOffset is the ctts offset: the composition (presentation)
	// time is DTS + CompositionOffset.
	CompositionOffset int32
	// Size is the sample's size in bytes and Offset its file offset.
	Size   uint32
	Offset int64
	// Chunk is the 1-based chunk holding the sample.
	Chunk uint32
	// DescriptionIndex is the 1-based stsd entry describing the sample.
	DescriptionIndex uint32
	// Sync is true for a sync sample (a key frame).
	Sync bool
}

// PTS returns the composition time, DTS + CompositionOffset.
func (s Sample) PTS() int64 { return s.DTS + int64(s.CompositionOffset) }

// Samples is per-sample access to a track's sample tables in decode order:
// random access with At and sequential access with All and Range. It keeps
// one small record (8 to 20 bytes) per stts, ctts and stsc entry and none
// per sample.
//
// A Samples is read-only and safe for concurrent use.
type Samples struct {
	t    *Track
	n    int
	stts []sttsRun
	ctts []cttsRun
	stsc []stscRun
}

// sttsRun is an stts entry with the index and decode time of its first
// sample. A run ends where the next one starts, or at the last sample.
type sttsRun struct {
	dts          int64
	first, delta uint32
}

// cttsRun is a ctts entry with the index of its first sample.
type cttsRun struct {
	first  uint32
	offset int32
}

// stscRun is an stsc entry with the index of its first sample, its first
// chunk (0-based) and number of chunks, and its samples per chunk (at most
// the track's sample count).
type stscRun struct {
	first, chunk, chunks, spc, desc uint32
}

// Samples checks the track's sample tables against each other and against
// the file size and returns per-sample access to them. It returns an error
// wrapping ErrInvalid if the tables disagree (the stts, ctts or stsc/stco
// tables cover fewer samples than stsz, sync samples are out of order or
// range, a description index has no stsd entry), decode times overflow, or
// a chunk's samples extend beyond the end of the file.
//
// The check costs one pass over the table entries, plus one over the
// sample sizes when they are listed per sample. The result refers to t's
// tables, which must not be changed afterwards. Only the tables in moov are
// covered: in a fragmented movie the samples in fragments are not included.
func (t *Track) Samples() (*Samples, error) {
	if uint64(t.SampleCount) > math.MaxInt {
		return nil, t.tableErr("stsz", "%d samples do not fit in an int", t.SampleCount)
	}
	s := &Samples{t: t, n: int(t.SampleCount)}
	if t.SampleSize == 0 && len(t.SampleSizes) != s.n {
		return nil, t.tableErr("stsz", "sample count is %d but it lists %d sizes", s.n, len(t.SampleSizes))
	}
	if err := s.buildStts(); err != nil {
		return nil, err
	}
	if err := s.buildCtts(); err != nil {
		return nil, err
	}
	if err := s.checkStss(); err != nil {
		return nil, err
	}
	if err := s.buildStsc(); err != nil {
		return nil, err
	}
	if err := s.checkChunks(); err != nil {
		return nil, err
	}
	return s, nil
}

// tableErr returns an error about one of the track's sample tables.
func (t *Track) tableErr(table, format string, args ...any) error {
	return fmt.Errorf("%w: track %d %s: %s", ErrInvalid, t.ID, table, fmt.Sprintf(format, args...))
}

func (s *Samples) buildStts() error {
	var first int
	var dts int64
	s.stts = make([]sttsRun, 0, min(len(s.t.TimeToSample), s.n))
	for _, e := range s.t.TimeToSample {
		if first >= s.n {
			break
		}
		if e.Count == 0 {
			continue
		}
		count := clamp(e.Count, s.n-first)
		s.stts = append(s.stts, sttsRun{dts: dts, first: uint32(first), delta: e.Delta})
		if int64(e.Delta) > 0 && int64(count) > (maxDTS-dts)/int64(e.Delta) {
			return s.t.tableErr("stts", "decode times overflow")
		}
		first += count
		dts += int64(count) * int64(e.Delta)
	}
	if first < s.n {
		return s.t.tableErr("stts", "covers %d samples, stsz has %d", first, s.n)
	}
	return nil
}

func (s *Samples) buildCtts() error {
	if len(s.t.CompositionOffsets) == 0 {
		return nil
	}
	var first int
	s.ctts = make([]cttsRun, 0, min(len(s.t.CompositionOffsets), s.n))
	for _, e := range s.t.CompositionOffsets {
		if first >= s.n {
			break
		}
		if e.Count == 0 {
			continue
		}
		s.ctts = append(s.ctts, cttsRun{first: uint32(first), offset: e.Offset})
		first += clamp(e.Count, s.n-first)
	}
	if first < s.n {
		return s.t.tableErr("ctts", "covers %d samples, stsz has %d", first, s.n)
	}
	return nil
}

func (s *Samples) checkStss() error {
	prev := uint32(0)
	for _, v := range s.t.SyncSamples {
		if v <= prev || int64(v) > int64(s.n) {
			return s.t.tableErr("stss", "sync sample %d after %d is out of order or beyond sample %d", v, prev, s.n)
		}
		prev = v
	}
	return nil
}

func (s *Samples) buildStsc() error {
	t := s.t
	chunks := len(t.ChunkOffsets)
	var first int
	s.stsc = make([]stscRun, 0, min(len(t.SampleToChunk), s.n))
	for i, e := range t.SampleToChunk {
		if first >= s.n {
			break
		}
		if i == 0 && e.FirstChunk != 1 {
			return t.tableErr("stsc", "first entry starts at chunk %d, not 1", e.FirstChunk)
		}
		if int64(e.FirstChunk) > int64(chunks) {
			return t.tableErr("stsc", "entry %d starts at chunk %d, there are %d chunks", i+1, e.FirstChunk, chunks)
		}
		if e.SamplesPerChunk == 0 {
			return t.tableErr("stsc", "entry %d has 0 samples per chunk", i+1)
		}
		if e.DescriptionIndex == 0 || int64(e.DescriptionIndex) > int64(len(t.SampleEntries)) {
			return t.tableErr("stsc", "entry %d uses sample description %d, stsd has %d", i+1, e.DescriptionIndex, len(t.SampleEntries))
		}
		end := chunks + 1
		if i+1 < len(t.SampleToChunk) {
			end = int(min(t.SampleToChunk[i+1].FirstChunk, uint32(chunks+1)))
			if end <= int(e.FirstChunk) {
				return t.tableErr("stsc", "entry %d starts at chunk %d, not after %d", i+2, t.SampleToChunk[i+1].FirstChunk, e.FirstChunk)
			}
		}
		r := stscRun{
			first:  uint32(first),
			chunk:  e.FirstChunk - 1,
			chunks: uint32(end) - e.FirstChunk,
			spc:    uint32(clamp(e.SamplesPerChunk, s.n)),
			desc:   e.DescriptionIndex,
		}
		s.stsc = append(s.stsc, r)
		first += int(min(uint64(r.chunks)*uint64(r.spc), uint64(s.n-first)))
	}
	if first < s.n {
		return t.tableErr("stsc", "stsc and %d chunk offsets hold %d samples, stsz has %d", chunks, first, s.n)
	}
	return nil
}

// clamp returns v as an int, at most limit (which is not negative). A
// chunk with more samples per chunk than the track has behaves the same.
func clamp(v uint32, limit int) int {
	return int(min(uint64(v), uint64(limit)))
}

// checkChunks checks that every chunk's samples lie inside the file.
func (s *Samples) checkChunks() error {
	t := s.t
	i := 0
	for _, r := range s.stsc {
		for c := int(r.chunk); c < int(r.chunk+r.chunks) && i < s.n; c++ {
			n := min(int(r.spc), s.n-i)
			end := t.ChunkOffsets[c] + s.sizes(i, i+n)
			if end < t.ChunkOffsets[c] || end > uint64(t.fileSize) {
				return t.tableErr("stco", "chunk %d at offset %d ends beyond the %d-byte file", c+1, t.ChunkOffsets[c], t.fileSize)
			}
			i += n
		}
	}
	return nil
}

// sizes returns the total size of samples [from, to).
func (s *Samples) sizes(from, to int) uint64 {
	if s.t.SampleSize != 0 {
		return uint64(to-from) * uint64(s.t.SampleSize)
	}
	var sum uint64
	for _, v := range s.t.SampleSizes[from:to] {
		sum += uint64(v)
	}
	return sum
}

// size returns the size of sample i.
func (s *Samples) size(i int) uint32 {
	if s.t.SampleSize != 0 {
		return s.t.SampleSize
	}
	return s.t.SampleSizes[i]
}

// Len returns the number of samples.
func (s *Samples) Len() int { return s.n }

// At returns sample i (0-based, decode order). It costs a few binary
// searches plus a sum over the preceding samples of the same chunk. It
// panics if i is out of range, like a slice index.
func (s *Samples) At(i int) Sample {
	if i < 0 || i >= s.n {
		panic(fmt.Sprintf("mp4: sample index %d out of range [0, %d)", i, s.n))
	}
	c := s.seek(i)
	return c.sample()
}

// All returns an iterator over all samples in decode order, yielding each
// sample's index and value.
func (s *Samples) All() iter.Seq2[int, Sample] { return s.Range(0, s.n) }

// Range returns an iterator over samples [from, to) in decode order,
// yielding each sample's index and value; each step costs O(1). It panics if
// the range is not within [0, Len()].
func (s *Samples) Range(from, to int) iter.Seq2[int, Sample] {
	if from < 0 || to > s.n || from > to {
		panic(fmt.Sprintf("mp4: sample range [%d, %d) not within [0, %d]", from, to, s.n))
	}
	return func(yield func(int, Sample) bool) {
		if from == to {
			return
		}
		c := s.seek(from)
		for {
			if !yield(c.i, c.sample()) || c.i+1 >= to {
				return
			}
			c.next()
		}
	}
}

// cursor is a position in the sample tables.
type cursor struct {
	s                *Samples
	i                int   // sample index
	stts, ctts, stsc int   // run indexes
	sync             int   // index of the first sync sample number >= i+1
	chunk, inChunk   int   // 0-based chunk and index within it
	off              int64 // file offset of sample i
}

// seek returns a cursor at sample i.
func (s *Samples) seek(i int) cursor {
	c := cursor{s: s, i: i}
	c.stts = sort.Search(len(s.stts), func(k int) bool { return int(s.stts[k].first) > i }) - 1
	c.ctts = max(sort.Search(len(s.ctts), func(k int) bool { return int(s.ctts[k].first) > i })-1, 0)
	c.stsc = sort.Search(len(s.stsc), func(k int) bool { return int(s.stsc[k].first) > i }) - 1
	r := s.stsc[c.stsc]
	rel := i - int(r.first)
	c.chunk, c.inChunk = int(r.chunk)+rel/int(r.spc), rel%int(r.spc)
	c.off = int64(s.t.ChunkOffsets[c.chunk] + s.sizes(i-c.inChunk, i))
	sync := s.t.SyncSamples
	c.sync = sort.Search(len(sync), func(k int) bool { return int64(sync[k]) >= int64(i)+1 })
	return c
}

// sample returns the sample at the cursor.
func (c *cursor) sample() Sample {
	s := c.s
	r := s.stts[c.stts]
	smp := Sample{
		DTS:              r.dts + int64(c.i-int(r.first))*int64(r.delta),
		Duration:         r.delta,
		Size:             s.size(c.i),
		Offset:           c.off,
		Chunk:            uint32(c.chunk + 1),
		DescriptionIndex: s.stsc[c.stsc].desc,
	}
	if len(s.ctts) > 0 {
		smp.CompositionOffset = s.ctts[c.ctts].offset
	}
	sync := s.t.SyncSamples
	smp.Sync = !s.t.HasSyncSamples || (c.sync < len(sync) && int64(sync[c.sync]) == int64(c.i)+1)
	return smp
}

// next moves the cursor to the following sample; the caller checks that
// there is one.
func (c *cursor) next() {
	s := c.s
	size := s.size(c.i)
	c.i++
	if k := c.stts + 1; k < len(s.stts) && c.i >= int(s.stts[k].first) {
		c.stts = k
	}
	if k := c.ctts + 1; k < len(s.ctts) && c.i >= int(s.ctts[k].first) {
		c.ctts = k
	}
	if sync := s.t.SyncSamples; c.sync < len(sync) && int64(sync[c.sync]) < int64(c.i)+1 {
		c.sync++
	}
	r := s.stsc[c.stsc]
	if c.inChunk++; c.inChunk < int(r.spc) {
		c.off += int64(size)
		return
	}
	c.inChunk = 0
	c.chunk++
	if c.chunk >= int(r.chunk+r.chunks) {
		c.stsc++
	}
	c.off = int64(s.t.ChunkOffsets[c.chunk])
}
