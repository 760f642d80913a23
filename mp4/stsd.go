package mp4

import "math"

// SampleEntry is one entry of a track's sample description box (stsd).
type SampleEntry struct {
	// Type is the entry's four-character code: "avc1", "avc3", "hvc1",
	// "hev1", "av01", "vp09", "mp4v", "mp4a", "Opus", "ac-3", ...
	Type string
	// DataReferenceIndex is the 1-based dref entry holding the samples.
	DataReferenceIndex uint16
	// Raw is the whole entry box as stored, header and codec configuration
	// (avcC, hvcC, esds, ...) included, for copying it verbatim.
	Raw []byte

	// Width and Height are the coded size from a visual sample entry.
	Width, Height uint16
	// Colour is the colr box of a visual entry (nclx or QuickTime nclc);
	// nil if there is none.
	Colour *Colour

	// Channels, SampleSize (bits) and SampleRate (Hz, integer part) come
	// from an audio sample entry, QuickTime version 1 and 2 layouts
	// included. MP4 writers often store the template values (2 channels,
	// 16 bits) whatever the stream has; the codec configuration is
	// authoritative. SampleRate is 0 when the rate does not fit the 16-bit
	// integer part (over 65535 Hz) of a version 0 entry.
	Channels   uint16
	SampleSize uint16
	SampleRate uint32

	// ConfigType is the type of the first codec configuration box found
	// (avcC, hvcC, av1C, vpcC, esds, dOps, dac3, dec3, dfLa, alac) and
	// Config its payload; both are empty if there is none. An esds inside
	// a QuickTime wave box counts.
	ConfigType string
	Config     []byte
	// ObjectType is the esds objectTypeIndication (0x40 MPEG-4 audio, 0x6b
	// MP3, ...); 0 without esds.
	ObjectType uint8
	// DecoderSpecific is the esds DecoderSpecificInfo (for AAC the
	// AudioSpecificConfig); nil without one.
	DecoderSpecific []byte
	// MaxBitrate and AvgBitrate come from esds or btrt, in bit/s; 0 if
	// absent.
	MaxBitrate, AvgBitrate uint32
}

// Colour is the colour description of a visual sample entry, with the
// code points of ISO/IEC 23091-2 (transfer 16 is PQ, 18 is HLG).
type Colour struct {
	Primaries, Transfer, Matrix uint16
	FullRange                   bool
}

// configTypes are the codec configuration boxes recorded in SampleEntry.
var configTypes = map[string]bool{
	"avcC": true, "hvcC": true, "av1C": true, "vpcC": true, "esds": true,
	"dOps": true, "dac3": true, "dec3": true, "dfLa": true, "alac": true,
}

// parseStsd reads the sample entries.
func (t *Track) parseStsd(b box) error {
	r, version, _, err := fullBox(b)
	if err != nil {
		return err
	}
	count := r.u32()
	if r.short {
		return boxErr(b, "payload of %d bytes has no entry count", len(b.body))
	}
	if err := table(b, r, count, 8); err != nil {
		return err
	}
	entries, err := b.children(8)
	if err != nil {
		return err
	}
	if uint32(len(entries)) < count {
		return boxErr(b, "entry count is %d, found %d entries", count, len(entries))
	}
	t.Boxes.Stsd = b.raw
	t.SampleEntries = make([]SampleEntry, count)
	for i := range t.SampleEntries {
		if err := t.SampleEntries[i].parse(entries[i], t.Handler, version); err != nil {
			return err
		}
	}
	return nil
}

// parse reads one sample entry of a track with the given handler type.
func (e *SampleEntry) parse(b box, handler string, stsdVersion uint8) error {
	e.Type, e.Raw = b.typ, b.raw
	r := &bin{b: b.body}
	r.take(6)
	e.DataReferenceIndex = r.u16()
	if r.short {
		return boxErr(b, "payload of %d bytes is too short for a sample entry", len(b.body))
	}
	var kids []box
	var err error
	switch handler {
	case "vide":
		kids, err = e.parseVisual(b, r)
	case "soun":
		kids, err = e.parseAudio(b, r, stsdVersion)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	return e.parseChildren(kids)
}

// parseVisual reads a VisualSampleEntry and returns its child boxes.
func (e *SampleEntry) parseVisual(b box, r *bin) ([]box, error) {
	r.take(16) // pre_defined, reserved
	e.Width, e.Height = r.u16(), r.u16()
	r.take(50) // resolutions, reserved, frame_count, compressorname, depth, pre_defined
	if r.short {
		return nil, boxErr(b, "payload of %d bytes is too short for a visual sample entry", len(b.body))
	}
	return b.children(r.p)
}

// parseAudio reads an AudioSampleEntry, including the QuickTime sound
// description versions 1 and 2, and returns its child boxes.
func (e *SampleEntry) parseAudio(b box, r *bin, stsdVersion uint8) ([]box, error) {
	version := r.u16()
	r.take(6) // revision, vendor
	e.Channels, e.SampleSize = r.u16(), r.u16()
	r.take(4) // compression ID, packet size
	e.SampleRate = r.u32() >> 16
	if stsdVersion == 0 {
		switch version {
		case 1:
			r.take(16) // samples per packet, bytes per packet/frame/sample
		case 2:
			r.take(4) // sizeOfStructOnly
			rate := math.Float64frombits(r.u64())
			channels := r.u32()
			r.take(20) // always 0x7f000000, bits, flags, bytes/packet, frames/packet
			e.SampleRate = 0
			if rate >= 1 && rate < math.MaxUint32 {
				e.SampleRate = uint32(rate)
			}
			e.Channels = uint16(min(channels, math.MaxUint16))
		}
	}
	if r.short {
		return nil, boxErr(b, "payload of %d bytes is too short for a version %d audio sample entry", len(b.body), version)
	}
	return b.children(r.p)
}

// parseChildren reads the codec configuration, bitrate and colour boxes.
func (e *SampleEntry) parseChildren(kids []box) error {
	for _, k := range kids {
		switch {
		case k.typ == "wave":
			inner, err := k.children(0)
			if err != nil {
				return err
			}
			if err := e.parseChildren(inner); err != nil {
				return err
			}
		case configTypes[k.typ] && e.ConfigType == "":
			e.ConfigType, e.Config = k.typ, k.body
			if k.typ == "esds" {
				if err := e.parseEsds(k); err != nil {
					return err
				}
			}
		case k.typ == "btrt":
			r := &bin{b: k.body}
			r.take(4) // bufferSizeDB
			maxRate, avgRate := r.u32(), r.u32()
			if r.short {
				return boxErr(k, "payload of %d bytes is too short", len(k.body))
			}
			if e.AvgBitrate == 0 {
				e.MaxBitrate, e.AvgBitrate = maxRate, avgRate
			}
		case k.typ == "colr" && e.Colour == nil:
			if err := e.parseColr(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseColr reads an nclx or nclc colour box; other kinds (ICC profiles)
// are skipped.
func (e *SampleEntry) parseColr(b box) error {
	r := &bin{b: b.body}
	kind := string(r.take(4))
	if kind != "nclx" && kind != "nclc" {
		return nil
	}
	c := &Colour{Primaries: r.u16(), Transfer: r.u16(), Matrix: r.u16()}
	if kind == "nclx" {
		c.FullRange = r.u8()&0x80 != 0
	}
	if r.short {
		return boxErr(b, "payload of %d bytes is too short for %s", len(b.body), kind)
	}
	e.Colour = c
	return nil
}
