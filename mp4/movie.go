package mp4

import "strconv"

// Movie is the parsed structure of an MP4 or MOV file.
type Movie struct {
	// Size is the file size given to Parse.
	Size int64
	// MajorBrand, MinorVersion and CompatibleBrands come from the ftyp box;
	// they are empty for a file without one (old QuickTime files).
	MajorBrand       string
	MinorVersion     uint32
	CompatibleBrands []string
	// MoovOffset is the file offset of the moov box, and Moov its bytes,
	// header included.
	MoovOffset int64
	Moov       []byte
	// Mvhd is the whole mvhd box as stored, for copying.
	Mvhd []byte
	// Timescale is the movie timescale (units per second) from mvhd; edit
	// list segment durations and tkhd durations count in it.
	Timescale uint32
	// Duration is the mvhd duration in Timescale units; 0 when unknown.
	Duration uint64
	// Tracks are the trak boxes in file order.
	Tracks []*Track
	// Fragmented is true when moov has an mvex box or the file has moof
	// boxes. Samples in fragments are summed in Track.Fragments but are not
	// part of Track's sample tables.
	Fragmented bool

	maxSamples uint32 // Limits.Samples
}

// trackExtends is a trex box: sample defaults for a track's fragments.
type trackExtends struct {
	trackID, descIndex, duration, size, flags uint32
}

// parseMoov fills m from the moov box and returns the trex defaults.
func (m *Movie) parseMoov(moov box) ([]trackExtends, error) {
	m.MoovOffset, m.Moov = moov.off, moov.raw
	kids, err := moov.children(0)
	if err != nil {
		return nil, err
	}
	mvhd, ok := find(kids, "mvhd")
	if !ok {
		return nil, boxErr(moov, "no mvhd box")
	}
	if err := m.parseMvhd(mvhd); err != nil {
		return nil, err
	}
	var trex []trackExtends
	for _, k := range kids {
		switch k.typ {
		case "trak":
			k.path = moov.path + "/trak[" + strconv.Itoa(len(m.Tracks)+1) + "]"
			t := &Track{movieTimescale: m.Timescale, fileSize: m.Size, maxSamples: m.maxSamples}
			if err := t.parse(k); err != nil {
				return nil, err
			}
			m.Tracks = append(m.Tracks, t)
		case "mvex":
			m.Fragmented = true
			if trex, err = parseMvex(k); err != nil {
				return nil, err
			}
		}
	}
	return trex, nil
}

// parseMvhd reads the movie timescale and duration.
func (m *Movie) parseMvhd(b box) error {
	r, version, _, err := fullBox(b)
	if err != nil {
		return err
	}
	m.Mvhd = b.raw
	switch version {
	case 0:
		r.take(8)
		m.Timescale = r.u32()
		m.Duration = unknownIfAllOnes(uint64(r.u32()), 32)
	case 1:
		r.take(16)
		m.Timescale = r.u32()
		m.Duration = unknownIfAllOnes(r.u64(), 64)
	default:
		return boxErr(b, "unknown version %d", version)
	}
	r.take(80) // rate, volume, reserved, matrix, pre_defined, next_track_ID
	if r.short {
		return boxErr(b, "payload of %d bytes is too short for version %d", len(b.body), version)
	}
	return nil
}

// parseMvex reads the trex boxes of mvex.
func parseMvex(b box) ([]trackExtends, error) {
	kids, err := b.children(0)
	if err != nil {
		return nil, err
	}
	var out []trackExtends
	for _, k := range kids {
		if k.typ != "trex" {
			continue
		}
		r, _, _, err := fullBox(k)
		if err != nil {
			return nil, err
		}
		t := trackExtends{trackID: r.u32(), descIndex: r.u32(), duration: r.u32(), size: r.u32(), flags: r.u32()}
		if r.short {
			return nil, boxErr(k, "payload of %d bytes is too short", len(k.body))
		}
		out = append(out, t)
	}
	return out, nil
}

// unknownIfAllOnes maps the all-ones "duration unknown" value of a bits-wide
// field to 0.
func unknownIfAllOnes(v uint64, bits uint) uint64 {
	if v == 1<<bits-1 {
		return 0
	}
	return v
}
