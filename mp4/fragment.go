package mp4

import (
	"math"
	"math/bits"
)

// FragmentSummary totals a track's samples in movie fragments
// (moof/traf/trun boxes). Sums saturate at the largest uint64.
type FragmentSummary struct {
	// Runs is the number of trun boxes for the track.
	Runs int
	// Samples is the number of samples, Bytes their total size and
	// Duration the sum of their durations in the media timescale.
	Samples, Bytes, Duration uint64
}

// tfhd flags.
const (
	tfhdBaseDataOffset = 0x01
	tfhdDescIndex      = 0x02
	tfhdDuration       = 0x08
	tfhdSize           = 0x10
	tfhdFlags          = 0x20
)

// trun flags.
const (
	trunDataOffset      = 0x001
	trunFirstFlags      = 0x004
	trunSampleDuration  = 0x100
	trunSampleSize      = 0x200
	trunSampleFlags     = 0x400
	trunSampleCTSOffset = 0x800
)

// parseMoof adds the samples of a moof box's track fragments to the
// tracks' FragmentSummary.
func (m *Movie) parseMoof(moof box, trex []trackExtends) error {
	kids, err := moof.children(0)
	if err != nil {
		return err
	}
	for _, traf := range kids {
		if traf.typ != "traf" {
			continue
		}
		if err := m.parseTraf(traf, trex); err != nil {
			return err
		}
	}
	return nil
}

// parseTraf reads one track fragment.
func (m *Movie) parseTraf(traf box, trex []trackExtends) error {
	kids, err := traf.children(0)
	if err != nil {
		return err
	}
	tfhd, ok := find(kids, "tfhd")
	if !ok {
		return boxErr(traf, "no tfhd box")
	}
	r, _, flags, err := fullBox(tfhd)
	if err != nil {
		return err
	}
	id := r.u32()
	var t *Track
	for _, c := range m.Tracks {
		if c.ID == id {
			t = c
		}
	}
	if t == nil {
		return boxErr(tfhd, "track %d is not in moov", id)
	}
	var def trackExtends
	for _, x := range trex {
		if x.trackID == id {
			def = x
		}
	}
	if flags&tfhdBaseDataOffset != 0 {
		r.take(8)
	}
	if flags&tfhdDescIndex != 0 {
		r.take(4)
	}
	if flags&tfhdDuration != 0 {
		def.duration = r.u32()
	}
	if flags&tfhdSize != 0 {
		def.size = r.u32()
	}
	if flags&tfhdFlags != 0 {
		r.take(4)
	}
	if r.short {
		return boxErr(tfhd, "payload of %d bytes is too short for flags %#x", len(tfhd.body), flags)
	}
	for _, k := range kids {
		if k.typ == "trun" {
			if err := t.Fragments.addTrun(k, def); err != nil {
				return err
			}
		}
	}
	return nil
}

// addTrun adds one track run, with def supplying absent sample fields.
func (s *FragmentSummary) addTrun(b box, def trackExtends) error {
	r, _, flags, err := fullBox(b)
	if err != nil {
		return err
	}
	count := r.u32()
	if flags&trunDataOffset != 0 {
		r.take(4)
	}
	if flags&trunFirstFlags != 0 {
		r.take(4)
	}
	if r.short {
		return boxErr(b, "payload of %d bytes is too short for flags %#x", len(b.body), flags)
	}
	entry := 4 * bits.OnesCount32(flags&(trunSampleDuration|trunSampleSize|trunSampleFlags|trunSampleCTSOffset))
	if err := table(b, r, count, entry); err != nil {
		return err
	}
	s.Runs++
	s.Samples = addSat(s.Samples, uint64(count))
	if flags&trunSampleDuration == 0 {
		s.Duration = addSat(s.Duration, mulSat(uint64(count), uint64(def.duration)))
	}
	if flags&trunSampleSize == 0 {
		s.Bytes = addSat(s.Bytes, mulSat(uint64(count), uint64(def.size)))
	}
	if entry == 0 {
		return nil
	}
	for range count {
		if flags&trunSampleDuration != 0 {
			s.Duration = addSat(s.Duration, uint64(r.u32()))
		}
		if flags&trunSampleSize != 0 {
			s.Bytes = addSat(s.Bytes, uint64(r.u32()))
		}
		r.take(entry - 4*bits.OnesCount32(flags&(trunSampleDuration|trunSampleSize)))
	}
	return nil
}

// addSat returns a+b, or the largest uint64 on overflow.
func addSat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return s
}

// mulSat returns a*b, or the largest uint64 on overflow.
func mulSat(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}
