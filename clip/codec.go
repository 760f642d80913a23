package clip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/openvod/openvod/mp4"
)

// Video codecs the fast mode cuts: those whose sync samples it can check
// for a clean random access point (an H.264 IDR picture; an HEVC IRAP
// picture, whose RASL pictures are left out).
var videoCodecs = map[string]bool{"h264": true, "hevc": true}

// audioPreRoll says how many frames before the start an audio codec needs
// to decode the first frame correctly. The frames are decoded and hidden by
// the edit list.
type preRollRule int

const (
	preRollNone     preRollRule = iota // lossless and PCM: frames are independent
	preRollOneFrame                    // MDCT codecs: one frame of overlap (AAC, AC-3)
	preRollMP3                         // one frame of overlap plus the bit reservoir
	preRollOpus                        // 80 ms (RFC 7845 §4.6)
)

// audioCodecs are the audio codecs the fast mode cuts, by ffprobe name.
var audioCodecs = map[string]preRollRule{
	"aac": preRollOneFrame, "ac3": preRollOneFrame, "eac3": preRollOneFrame,
	"mp3": preRollMP3, "opus": preRollOpus,
	"flac": preRollNone, "alac": preRollNone,
	"pcm_s16le": preRollNone, "pcm_s16be": preRollNone, "pcm_mulaw": preRollNone, "pcm_alaw": preRollNone,
}

// mp3Reservoir is the largest main_data_begin of an MPEG-1 layer III frame:
// how many bytes of earlier frames a frame's main data may start in.
const mp3Reservoir = 511

// mp3SideInfo bounds the header and side information of a layer III frame,
// which are not part of the bit reservoir.
const mp3SideInfo = 36

// maxPreRollFrames bounds the frames a pre-roll rule may add.
const maxPreRollFrames = 64

// preRoll returns how many samples before sample a (0-based, decode order)
// the track needs decoded to present sample a correctly.
func (c *trackCut) preRoll(a int) int {
	n := 0
	switch c.preRollRule {
	case preRollOneFrame:
		n = 1
	case preRollMP3:
		// The frame before a for the overlap, then earlier frames until
		// their main data covers the reservoir of that frame.
		n = 1
		bytes := 0
		for a-n > 0 && bytes < mp3Reservoir && n < maxPreRollFrames {
			n++
			bytes += max(int(c.s.At(a-n).Size)-mp3SideInfo, 1)
		}
	case preRollOpus:
		need := int64(math.Ceil(0.080 * float64(c.t.Timescale)))
		var dur int64
		for a-n > 0 && dur < need && n < maxPreRollFrames {
			n++
			dur += int64(c.s.At(a - n).Duration)
		}
	}
	return min(n, a)
}

// nalLengthSize returns the NAL unit length field size of an avcC or hvcC
// configuration.
func nalLengthSize(e *mp4.SampleEntry) (int, error) {
	var pos int
	switch e.ConfigType {
	case "avcC":
		pos = 4
	case "hvcC":
		pos = 21
	default:
		return 0, fmt.Errorf("no avcC or hvcC codec configuration in %q", e.Type)
	}
	if len(e.Config) <= pos {
		return 0, fmt.Errorf("%s of %d bytes is truncated", e.ConfigType, len(e.Config))
	}
	n := int(e.Config[pos]&3) + 1
	if n == 3 {
		return 0, fmt.Errorf("%s NAL length size 3 is not allowed", e.ConfigType)
	}
	return n, nil
}

// maxNALsPerSample bounds the NAL units read to find a sample's first
// slice.
const maxNALsPerSample = 64

// errNoSlice reports a sample without a slice NAL unit among its first
// maxNALsPerSample units.
var errNoSlice = errors.New("no slice NAL unit")

// firstSliceType returns the NAL unit type of the first slice (VCL NAL
// unit) of the sample at off of the given size, reading only NAL headers.
func firstSliceType(src io.ReaderAt, off int64, size uint32, lengthSize int, hevc bool) (int, error) {
	var buf [6]byte
	hdr := 1
	if hevc {
		hdr = 2
	}
	for pos, i := int64(0), 0; i < maxNALsPerSample; i++ {
		if pos+int64(lengthSize+hdr) > int64(size) {
			break
		}
		b := buf[:lengthSize+hdr]
		if err := readAt(src, b, off+pos); err != nil {
			return 0, err
		}
		var n uint64
		for _, v := range b[:lengthSize] {
			n = n<<8 | uint64(v)
		}
		t := int(b[lengthSize])
		if hevc {
			t = t >> 1 & 0x3f
			if t < 32 {
				return t, nil
			}
		} else {
			t &= 0x1f
			if t >= 1 && t <= 5 {
				return t, nil
			}
		}
		pos += int64(lengthSize) + int64(n)
	}
	return 0, errNoSlice
}

// readAt fills b from src at off; a short read is an error wrapping
// io.ErrUnexpectedEOF.
func readAt(src io.ReaderAt, b []byte, off int64) error {
	n, err := src.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("clip: read %d bytes at offset %d: %w", len(b), off, err)
}

// H.264 and HEVC NAL unit types (ITU-T H.264 table 7-1, H.265 table 7-1).
const (
	avcIDR      = 5
	hevcSTSAR   = 5 // the last trailing picture type (TRAIL, TSA, STSA)
	hevcRADLN   = 6
	hevcRADLR   = 7
	hevcRASLN   = 8
	hevcRASLR   = 9
	hevcBLAWLP  = 16
	hevcBLAWRAD = 17
	hevcBLANLP  = 18
	hevcIDRWRAD = 19
	hevcIDRNLP  = 20
	hevcCRA     = 21
	hevcIRAPMax = 23 // the last IRAP type (22 and 23 are reserved)
)

// maxLeadingScan bounds the samples after a CRA or BLA picture searched for
// its leading pictures.
const maxLeadingScan = 256

// checkRandomAccess checks that decoding can start at sample k of a video
// track without references to earlier samples, and returns the samples
// after k that must then be left out: for H.264 k must be an IDR picture
// (nothing is left out); for HEVC an IDR or BLA picture without RASL
// pictures, or a CRA or BLA_W_LP picture, whose RASL pictures are left out
// (see startDecoding).
func (c *trackCut) checkRandomAccess(src io.ReaderAt, k int) ([]int, error) {
	hevc := c.codec == "hevc"
	n, err := nalLengthSize(c.entry)
	if err != nil {
		return nil, unsupported(c.t.ID, "%v", err)
	}
	smp := c.s.At(k)
	typ, err := firstSliceType(src, smp.Offset, smp.Size, n, hevc)
	if errors.Is(err, errNoSlice) {
		return nil, fmt.Errorf("%w: track %d sample %d: sync sample has no slice", mp4.ErrInvalid, c.t.ID, k+1)
	}
	if err != nil {
		return nil, err
	}
	if !hevc {
		if typ != avcIDR {
			return nil, unsupported(c.t.ID, "open GOP: sync sample %d, where decoding would start, is not an IDR picture (NAL type %d)", k+1, typ)
		}
		return nil, nil
	}
	switch typ {
	case hevcIDRWRAD, hevcIDRNLP, hevcBLAWRAD, hevcBLANLP:
		return nil, nil
	case hevcCRA, hevcBLAWLP:
		return c.raslAfter(src, k, n)
	}
	return nil, unsupported(c.t.ID, "sync sample %d, where decoding would start, is not an IRAP picture (NAL type %d)", k+1, typ)
}

// checkDataRef checks that the sample entry's data reference is the file
// itself (dref entry "url " with flag 1) and not an external file.
func checkDataRef(t *mp4.Track, e *mp4.SampleEntry) error {
	if t.Boxes.Dinf == nil {
		return nil // written as self-contained
	}
	dinf, ok := payload(t.Boxes.Dinf)
	if !ok {
		return unsupported(t.ID, "malformed dinf box")
	}
	dref, ok := findChild(dinf, "dref")
	if !ok || len(dref) < 8 {
		return unsupported(t.ID, "no data reference (dref)")
	}
	count := binary.BigEndian.Uint32(dref[4:])
	entries := dref[8:]
	idx := uint32(e.DataReferenceIndex)
	if idx == 0 || idx > count {
		return unsupported(t.ID, "sample entry uses data reference %d, dref has %d", idx, count)
	}
	for i := uint32(1); ; i++ {
		typ, body, rest, ok := nextBox(entries)
		if !ok {
			return unsupported(t.ID, "data reference %d is missing", idx)
		}
		if i == idx {
			if (typ != "url " && typ != "urn ") || len(body) < 4 || body[3]&1 == 0 {
				return unsupported(t.ID, "samples are in an external file (data reference %q)", typ)
			}
			return nil
		}
		entries = rest
	}
}

// payload returns the payload of the whole box raw.
func payload(raw []byte) ([]byte, bool) {
	_, body, _, ok := nextBox(raw)
	return body, ok
}

// findChild returns the payload of the first child box of type typ in data.
func findChild(data []byte, typ string) ([]byte, bool) {
	for {
		t, body, rest, ok := nextBox(data)
		if !ok {
			return nil, false
		}
		if t == typ {
			return body, true
		}
		data = rest
	}
}

// nextBox splits the first box off data: its type, payload and what
// follows it. ok is false if data does not start with a whole box.
func nextBox(data []byte) (typ string, body, rest []byte, ok bool) {
	if len(data) < 8 {
		return "", nil, nil, false
	}
	size := uint64(binary.BigEndian.Uint32(data))
	hdr := uint64(8)
	switch size {
	case 0:
		size = uint64(len(data))
	case 1:
		if len(data) < 16 {
			return "", nil, nil, false
		}
		size, hdr = binary.BigEndian.Uint64(data[8:]), 16
	}
	if size < hdr || size > uint64(len(data)) {
		return "", nil, nil, false
	}
	return string(data[4:8]), data[hdr:size], data[size:], true
}
