package clip

import (
	"errors"
	"io"
	"sort"
)

// HEVC open GOPs (ITU-T H.265 §7.4.2.2, §8.1.3). x265's default output
// starts each GOP after the first with a CRA picture followed, in decode
// order, by RASL pictures: they are shown before the CRA and refer to
// pictures of the previous GOP, so they cannot be decoded when decoding
// starts at the CRA, and a decoder discards them there. The pictures that
// follow them (RADL and trailing pictures) never refer to a RASL picture
// or to anything before the CRA. A cut that starts decoding at a CRA (or
// BLA_W_LP) picture therefore leaves out that picture's RASL pictures and
// copies the rest; the RASL pictures of later CRA pictures in the range
// are copied, since the GOP they refer to is then decoded.

// maxStepBack bounds how many sync samples decoding may move back when the
// frame at the start is a RASL picture of the sync sample before it.
const maxStepBack = 4

// startDecoding chooses where decoding starts for the frames from startTick
// on: sample key (set by selectVideo) after checking that it is a clean
// random access point, and the samples to leave out after it (drop). When
// a RASL picture left out would be shown (the frame at the start is one),
// decoding starts at the sync sample before instead, whose GOP those
// pictures refer to.
func (c *trackCut) startDecoding(src io.ReaderAt) error {
	for step := 0; ; step++ {
		drop, err := c.checkRandomAccess(src, c.key)
		if err != nil {
			return err
		}
		drop = drop[:sort.SearchInts(drop, c.last)]
		shown := -1
		for _, i := range drop {
			if c.s.At(i).PTS() >= c.startTick {
				shown = i
				break
			}
		}
		if shown < 0 {
			c.first, c.drop = c.key, drop
			return nil
		}
		prev := c.prevSync(c.key)
		if prev < 0 || step == maxStepBack {
			return unsupported(c.t.ID, "open GOP: sample %d, shown at the start, is a RASL picture of sync sample %d and no earlier sync sample can be decoded from", shown+1, c.key+1)
		}
		c.key = prev
	}
}

// prevSync returns the sync sample before sample k, or -1.
func (c *trackCut) prevSync(k int) int {
	if !c.t.HasSyncSamples {
		return k - 1
	}
	sync := c.t.SyncSamples
	i := sort.Search(len(sync), func(i int) bool { return int64(sync[i]) > int64(k) }) - 1
	if i < 0 {
		return -1
	}
	return int(sync[i]) - 1
}

// raslAfter returns the samples holding the RASL pictures of the CRA or
// BLA_W_LP picture at sample k (lengthSize is the NAL unit length size):
// its leading pictures come right after it in decode order and end at
// the first trailing picture (§7.4.2.2); RASL pictures among them are
// returned, RADL pictures are decodable and kept.
func (c *trackCut) raslAfter(src io.ReaderAt, k, lengthSize int) ([]int, error) {
	var drop []int
	for i := k + 1; i < c.s.Len(); i++ {
		if i-k > maxLeadingScan {
			return nil, unsupported(c.t.ID, "more than %d leading pictures after sync sample %d", maxLeadingScan, k+1)
		}
		s := c.s.At(i)
		t, err := firstSliceType(src, s.Offset, s.Size, lengthSize, true)
		if errors.Is(err, errNoSlice) {
			continue
		}
		if err != nil {
			return nil, err
		}
		switch {
		case t <= hevcSTSAR: // a trailing picture: the leading pictures have ended
			return drop, nil
		case t == hevcRADLN || t == hevcRADLR:
		case t == hevcRASLN || t == hevcRASLR:
			drop = append(drop, i)
		case t >= hevcBLAWLP && t <= hevcIRAPMax:
			if len(drop) > 0 {
				// The next GOP's RASL pictures could refer to the ones
				// left out: no trailing picture ended their use.
				return nil, unsupported(c.t.ID, "open GOP: sync sample %d has RASL pictures and no trailing picture before the next IRAP picture (sample %d)", k+1, i+1)
			}
			return nil, nil
		default:
			return nil, unsupported(c.t.ID, "sample %d after sync sample %d has reserved NAL unit type %d", i+1, k+1, t)
		}
	}
	return drop, nil
}

// dropped reports whether sample i is left out of the cut.
func (c *trackCut) dropped(i int) bool {
	j := sort.SearchInts(c.drop, i)
	return j < len(c.drop) && c.drop[j] == i
}
