package mp4

import "math"

// Track is one trak box.
type Track struct {
	// ID is the tkhd track_ID.
	ID uint32
	// Handler is the mdia hdlr handler type: "vide", "soun", "hint",
	// "meta", "text", "sbtl", "subt", "tmcd", ...
	Handler string
	// Timescale is the media timescale (units per second) from mdhd; sample
	// times count in it.
	Timescale uint32
	// Duration is the mdhd duration in Timescale units; 0 when unknown.
	Duration uint64
	// TrackDuration is the tkhd duration in the movie timescale.
	TrackDuration uint64
	// DisplayWidth and DisplayHeight are the tkhd width and height (16.16
	// fixed point, integer part): the presentation size before the matrix.
	DisplayWidth, DisplayHeight uint32
	// Matrix is the tkhd transformation matrix {a, b, u, c, d, v, x, y, w};
	// a, b, c, d, x and y are 16.16 fixed point, u, v and w 2.30.
	Matrix [9]int32
	// Rotation is the clockwise rotation in degrees (0, 90, 180 or 270) a
	// player applies to the decoded picture, read from Matrix. It matches the
	// legacy "rotate" tag: a portrait phone recording has 90. ffprobe's
	// display-matrix "rotation" is counter-clockwise, i.e. -Rotation.
	Rotation int
	// Edits is the edit list (edts/elst); nil if the track has none.
	Edits []Edit
	// SampleEntries are the stsd entries; stsc's description indexes
	// (1-based) refer to them.
	SampleEntries []SampleEntry
	// Boxes holds some boxes as stored, for copying them verbatim.
	Boxes TrackBoxes

	// TimeToSample is stts: sample durations, run-length coded.
	TimeToSample []TimeToSample
	// CompositionOffsets is ctts: composition minus decode time, run-length
	// coded; nil if every offset is 0. Version 0 offsets are read as signed
	// 32-bit values, as ffmpeg does.
	CompositionOffsets []CompositionOffset
	// SyncSamples is stss: 1-based numbers of the sync samples, ascending.
	// HasSyncSamples is false when the track has no stss, meaning every
	// sample is a sync sample.
	SyncSamples    []uint32
	HasSyncSamples bool
	// SampleToChunk is stsc.
	SampleToChunk []SampleToChunk
	// SampleCount is the stsz (or stz2) sample count. SampleSize is the size
	// of every sample if non-zero; otherwise SampleSizes lists them.
	SampleCount uint32
	SampleSize  uint32
	SampleSizes []uint32
	// ChunkOffsets are the file offsets of the chunks (stco or co64).
	ChunkOffsets []uint64

	// Fragments sums the track's samples in movie fragments.
	Fragments FragmentSummary

	movieTimescale uint32
	fileSize       int64
	maxSamples     uint32 // Limits.Samples; 0: no limit
	tableDuration  uint64 // the stts sum, when ReadOutline left TimeToSample out
}

// TrackBoxes are whole boxes of a track (header included) as stored in the
// file; nil where the track has no such box. They alias Movie.Moov.
type TrackBoxes struct {
	Tkhd, Mdhd, Hdlr, MediaHeader, Dinf, Stsd []byte
}

// Edit is one edit list entry.
type Edit struct {
	// SegmentDuration is the edit's length in the movie timescale.
	SegmentDuration uint64
	// MediaTime is where the edit starts in the media, in the media
	// timescale; -1 marks an empty edit (a gap).
	MediaTime int64
	// MediaRate is the playback rate, 16.16 fixed point (0x10000 = 1).
	MediaRate int32
}

// TimeToSample is one stts entry: Count samples of Delta units each.
type TimeToSample struct{ Count, Delta uint32 }

// CompositionOffset is one ctts entry: Count samples whose composition
// time is their decode time plus Offset.
type CompositionOffset struct {
	Count  uint32
	Offset int32
}

// SampleToChunk is one stsc entry: from chunk FirstChunk (1-based) on,
// chunks hold SamplesPerChunk samples described by stsd entry
// DescriptionIndex (1-based).
type SampleToChunk struct{ FirstChunk, SamplesPerChunk, DescriptionIndex uint32 }

// parse reads the trak box.
func (t *Track) parse(trak box) error {
	kids, err := trak.children(0)
	if err != nil {
		return err
	}
	tkhd, ok := find(kids, "tkhd")
	if !ok {
		return boxErr(trak, "no tkhd box")
	}
	if err := t.parseTkhd(tkhd); err != nil {
		return err
	}
	if edts, ok := find(kids, "edts"); ok {
		if err := t.parseEdts(edts); err != nil {
			return err
		}
	}
	mdia, ok := find(kids, "mdia")
	if !ok {
		return boxErr(trak, "no mdia box")
	}
	return t.parseMdia(mdia)
}

// parseTkhd reads the track ID, duration, matrix and size.
func (t *Track) parseTkhd(b box) error {
	r, version, _, err := fullBox(b)
	if err != nil {
		return err
	}
	t.Boxes.Tkhd = b.raw
	switch version {
	case 0:
		r.take(8)
		t.ID = r.u32()
		r.take(4)
		t.TrackDuration = unknownIfAllOnes(uint64(r.u32()), 32)
	case 1:
		r.take(16)
		t.ID = r.u32()
		r.take(4)
		t.TrackDuration = unknownIfAllOnes(r.u64(), 64)
	default:
		return boxErr(b, "unknown version %d", version)
	}
	r.take(16) // reserved, layer, alternate_group, volume, reserved
	for i := range t.Matrix {
		t.Matrix[i] = int32(r.u32())
	}
	t.DisplayWidth = r.u32() >> 16
	t.DisplayHeight = r.u32() >> 16
	if r.short {
		return boxErr(b, "payload of %d bytes is too short for version %d", len(b.body), version)
	}
	t.Rotation = rotation(t.Matrix)
	return nil
}

// rotation returns the clockwise rotation of matrix m, rounded to a
// multiple of 90 degrees. Mirroring and scaling are ignored.
func rotation(m [9]int32) int {
	a, b := float64(m[0]), float64(m[1])
	if a == 0 && b == 0 {
		return 0
	}
	deg := math.Atan2(b, a) * 180 / math.Pi
	return (int(math.Round(deg/90))*90 + 360) % 360
}

// parseEdts reads the elst box of edts.
func (t *Track) parseEdts(edts box) error {
	kids, err := edts.children(0)
	if err != nil {
		return err
	}
	elst, ok := find(kids, "elst")
	if !ok {
		return nil
	}
	r, version, _, err := fullBox(elst)
	if err != nil {
		return err
	}
	size := 12
	switch version {
	case 0:
	case 1:
		size = 20
	default:
		return boxErr(elst, "unknown version %d", version)
	}
	count := r.u32()
	if err := table(elst, r, count, size); err != nil {
		return err
	}
	t.Edits = make([]Edit, count)
	for i := range t.Edits {
		e := &t.Edits[i]
		if version == 1 {
			e.SegmentDuration, e.MediaTime = r.u64(), int64(r.u64())
		} else {
			e.SegmentDuration, e.MediaTime = uint64(r.u32()), int64(int32(r.u32()))
		}
		e.MediaRate = int32(r.u32())
	}
	return nil
}

// parseMdia reads mdhd, hdlr and minf.
func (t *Track) parseMdia(mdia box) error {
	kids, err := mdia.children(0)
	if err != nil {
		return err
	}
	mdhd, ok := find(kids, "mdhd")
	if !ok {
		return boxErr(mdia, "no mdhd box")
	}
	if err := t.parseMdhd(mdhd); err != nil {
		return err
	}
	if hdlr, ok := find(kids, "hdlr"); ok {
		r, _, _, err := fullBox(hdlr)
		if err != nil {
			return err
		}
		r.take(4) // pre_defined (QuickTime: component type)
		typ := r.take(4)
		if r.short {
			return boxErr(hdlr, "payload of %d bytes has no handler type", len(hdlr.body))
		}
		t.Handler, t.Boxes.Hdlr = string(typ), hdlr.raw
	}
	minf, ok := find(kids, "minf")
	if !ok {
		return boxErr(mdia, "no minf box")
	}
	return t.parseMinf(minf)
}

// parseMdhd reads the media timescale and duration.
func (t *Track) parseMdhd(b box) error {
	r, version, _, err := fullBox(b)
	if err != nil {
		return err
	}
	t.Boxes.Mdhd = b.raw
	switch version {
	case 0:
		r.take(8)
		t.Timescale = r.u32()
		t.Duration = unknownIfAllOnes(uint64(r.u32()), 32)
	case 1:
		r.take(16)
		t.Timescale = r.u32()
		t.Duration = unknownIfAllOnes(r.u64(), 64)
	default:
		return boxErr(b, "unknown version %d", version)
	}
	r.take(4) // language, pre_defined
	if r.short {
		return boxErr(b, "payload of %d bytes is too short for version %d", len(b.body), version)
	}
	if t.Timescale == 0 {
		return boxErr(b, "timescale is 0")
	}
	return nil
}

// parseMinf reads the media header, dinf and stbl.
func (t *Track) parseMinf(minf box) error {
	kids, err := minf.children(0)
	if err != nil {
		return err
	}
	for _, k := range kids {
		switch k.typ {
		case "vmhd", "smhd", "hmhd", "nmhd", "sthd", "gmhd":
			t.Boxes.MediaHeader = k.raw
		case "dinf":
			t.Boxes.Dinf = k.raw
		}
	}
	stbl, ok := find(kids, "stbl")
	if !ok {
		return boxErr(minf, "no stbl box")
	}
	return t.parseStbl(stbl)
}
