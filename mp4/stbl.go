package mp4

import "fmt"

// parseStbl reads the sample description and sample tables.
func (t *Track) parseStbl(stbl box) error {
	kids, err := stbl.children(0)
	if err != nil {
		return err
	}
	for _, k := range kids {
		switch k.typ {
		case "stsd":
			err = t.parseStsd(k)
		case "stts":
			err = t.parseStts(k)
		case "ctts":
			err = t.parseCtts(k)
		case "stss":
			err = t.parseStss(k)
		case "stsc":
			err = t.parseStsc(k)
		case "stsz":
			err = t.parseStsz(k)
		case "stz2":
			err = t.parseStz2(k)
		case "stco", "co64":
			err = t.parseChunkOffsets(k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// countedTable reads a FullBox's entry count and checks that count entries
// of size bytes fit in the rest of the payload.
func countedTable(b box, size int) (*bin, uint8, uint32, error) {
	r, version, _, err := fullBox(b)
	if err != nil {
		return nil, 0, 0, err
	}
	count := r.u32()
	if r.short {
		return nil, 0, 0, boxErr(b, "payload of %d bytes has no entry count", len(b.body))
	}
	if err := table(b, r, count, size); err != nil {
		return nil, 0, 0, err
	}
	return r, version, count, nil
}

func (t *Track) parseStts(b box) error {
	r, _, count, err := countedTable(b, 8)
	if err != nil {
		return err
	}
	t.TimeToSample = make([]TimeToSample, count)
	for i := range t.TimeToSample {
		t.TimeToSample[i] = TimeToSample{Count: r.u32(), Delta: r.u32()}
	}
	return nil
}

func (t *Track) parseCtts(b box) error {
	r, version, count, err := countedTable(b, 8)
	if err != nil {
		return err
	}
	if version > 1 {
		return boxErr(b, "unknown version %d", version)
	}
	t.CompositionOffsets = make([]CompositionOffset, count)
	for i := range t.CompositionOffsets {
		t.CompositionOffsets[i] = CompositionOffset{Count: r.u32(), Offset: int32(r.u32())}
	}
	return nil
}

func (t *Track) parseStss(b box) error {
	r, _, count, err := countedTable(b, 4)
	if err != nil {
		return err
	}
	t.HasSyncSamples = true
	t.SyncSamples = make([]uint32, count)
	for i := range t.SyncSamples {
		t.SyncSamples[i] = r.u32()
	}
	return nil
}

func (t *Track) parseStsc(b box) error {
	r, _, count, err := countedTable(b, 12)
	if err != nil {
		return err
	}
	t.SampleToChunk = make([]SampleToChunk, count)
	for i := range t.SampleToChunk {
		t.SampleToChunk[i] = SampleToChunk{FirstChunk: r.u32(), SamplesPerChunk: r.u32(), DescriptionIndex: r.u32()}
	}
	return nil
}

func (t *Track) parseStsz(b box) error {
	r, _, _, err := fullBox(b)
	if err != nil {
		return err
	}
	t.SampleSize = r.u32()
	t.SampleCount = r.u32()
	if r.short {
		return boxErr(b, "payload of %d bytes is too short", len(b.body))
	}
	if err := t.checkSampleLimit(); err != nil {
		return err
	}
	if t.SampleSize != 0 {
		return nil
	}
	if err := table(b, r, t.SampleCount, 4); err != nil {
		return err
	}
	t.SampleSizes = make([]uint32, t.SampleCount)
	for i := range t.SampleSizes {
		t.SampleSizes[i] = r.u32()
	}
	return nil
}

// parseStz2 reads compact sample sizes (4, 8 or 16 bits each).
func (t *Track) parseStz2(b box) error {
	r, _, _, err := fullBox(b)
	if err != nil {
		return err
	}
	r.take(3)
	field := int(r.u8())
	t.SampleCount = r.u32()
	if r.short {
		return boxErr(b, "payload of %d bytes is too short", len(b.body))
	}
	if err := t.checkSampleLimit(); err != nil {
		return err
	}
	if field != 4 && field != 8 && field != 16 {
		return boxErr(b, "field size %d is not 4, 8 or 16", field)
	}
	if need := (uint64(t.SampleCount)*uint64(field) + 7) / 8; need > uint64(r.left()) {
		return boxErr(b, "%d samples of %d bits need %d bytes, %d left", t.SampleCount, field, need, r.left())
	}
	data := r.take(r.left())
	t.SampleSize = 0
	t.SampleSizes = make([]uint32, t.SampleCount)
	for i := range t.SampleSizes {
		switch field {
		case 4:
			t.SampleSizes[i] = uint32(data[i/2]>>(4*(1-i%2))) & 0xf
		case 8:
			t.SampleSizes[i] = uint32(data[i])
		case 16:
			t.SampleSizes[i] = uint32(data[2*i])<<8 | uint32(data[2*i+1])
		}
	}
	return nil
}

// parseChunkOffsets reads stco (32-bit) or co64 (64-bit) chunk offsets.
func (t *Track) parseChunkOffsets(b box) error {
	size := 4
	if b.typ == "co64" {
		size = 8
	}
	r, _, count, err := countedTable(b, size)
	if err != nil {
		return err
	}
	t.ChunkOffsets = make([]uint64, count)
	for i := range t.ChunkOffsets {
		if size == 8 {
			t.ChunkOffsets[i] = r.u64()
		} else {
			t.ChunkOffsets[i] = uint64(r.u32())
		}
	}
	return nil
}

// checkSampleLimit reports a sample count over the track's Limits.Samples.
func (t *Track) checkSampleLimit() error {
	if t.maxSamples > 0 && t.SampleCount > t.maxSamples {
		return &LimitError{What: fmt.Sprintf("sample count of track %d", t.ID), Value: int64(t.SampleCount), Limit: int64(t.maxSamples)}
	}
	return nil
}
