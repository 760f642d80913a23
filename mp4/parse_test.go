package mp4

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func parseBytes(data []byte) (*Movie, error) {
	return Parse(bytes.NewReader(data), int64(len(data)))
}

func TestParseSyntheticMovie(t *testing.T) {
	t.Parallel()
	data := testFile(nil)
	m, err := parseBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "MajorBrand", m.MajorBrand, "isom")
	eq(t, "Timescale", m.Timescale, 1000)
	eq(t, "tracks", len(m.Tracks), 1)
	tr := m.Tracks[0]
	eq(t, "Handler", tr.Handler, "vide")
	eq(t, "entry", tr.SampleEntries[0].Type, "avc1")
	eq(t, "ConfigType", tr.SampleEntries[0].ConfigType, "avcC")
	eq(t, "Boxes.Stsd is inside Moov", bytes.Contains(m.Moov, tr.Boxes.Stsd), true)
	s, err := tr.Samples()
	if err != nil {
		t.Fatal(err)
	}
	chunk := int64(len(data) - len(m.Moov) - len(testMdatPayload))
	want := []Sample{
		{DTS: 0, Duration: 512, CompositionOffset: 1024, Size: 10, Offset: chunk, Chunk: 1, DescriptionIndex: 1, Sync: true},
		{DTS: 512, Duration: 512, Size: 20, Offset: chunk + 10, Chunk: 1, DescriptionIndex: 1},
		{DTS: 1024, Duration: 512, Size: 30, Offset: chunk + 30, Chunk: 1, DescriptionIndex: 1},
	}
	var got []Sample
	for _, smp := range s.All() {
		got = append(got, smp)
	}
	if !slices.Equal(got, want) {
		t.Errorf("samples = %+v, want %+v", got, want)
	}
}

func TestParseLayouts(t *testing.T) {
	t.Parallel()
	base := testFile(nil)
	moovAt := bytes.Index(base, []byte("moov")) - 4
	moov := base[moovAt:]
	large := slices.Concat(u32(1), []byte("moov"), zeros(4), u32(uint32(len(moov)+8)), moov[8:])
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"trailing bytes shorter than a header", slices.Concat(base, []byte{0, 0, 0})},
		{"size 0 runs to the end of the file", slices.Concat(base, u32(0), []byte("free"), zeros(5))},
		{"64-bit moov size", slices.Concat(base[:moovAt], large)},
		{"no ftyp", base[bytes.Index(base, []byte("mdat"))-4:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := parseBytes(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "tracks", len(m.Tracks), 1)
		})
	}
}

func TestParseRejectsMalformedBoxes(t *testing.T) {
	t.Parallel()
	stbl := "moov/trak[1]/mdia/minf/stbl"
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"no moov", testFile(nil)[:24+8+60], "no moov box"},
		{"top-level size below header", slices.Concat(testFile(nil), u32(3), []byte("free")), `box "free" at offset`},
		{"top-level box beyond end", slices.Concat(testFile(nil), u32(100), []byte("free")), "size 100 exceeds the 8 bytes left in the file"},
		{"64-bit size beyond end", slices.Concat(testFile(nil), u32(1), []byte("free"), zeros(4), u32(1<<20)), "size 1048576 exceeds the 16 bytes left"},
		{"stsz count beyond box", testFile(map[string][]byte{"stsz": bx("stsz", full(0, 0, u32(0), u32(1<<30), u32(10)))}),
			stbl + `/stsz" at offset 675: 1073741824 entries of 4 bytes need 4294967296 bytes, 4 left`},
		{"stts count beyond box", testFile(map[string][]byte{"stts": bx("stts", full(0, 0, u32(0xffffffff)))}),
			stbl + `/stts" at offset`},
		{"ctts version 2", testFile(map[string][]byte{"ctts": bx("ctts", full(2, 0, u32(0)))}), "unknown version 2"},
		{"stco count beyond box", testFile(map[string][]byte{"stco": bx("stco", full(0, 0, u32(2), u32(0)))}),
			"2 entries of 4 bytes need 8 bytes, 4 left"},
		{"stz2 bad field size", testFile(map[string][]byte{"stsz": bx("stz2", full(0, 0, zeros(3), []byte{5}, u32(0)))}),
			"field size 5 is not 4, 8 or 16"},
		{"stss without count", testFile(map[string][]byte{"stss": bx("stss", full(0, 0))}), "has no entry count"},
		{"child size below header", testFile(map[string][]byte{"stss": slices.Concat(u32(4), []byte("stss"))}),
			"size 4 is smaller than its 8-byte header"},
		{"child beyond parent", testFile(map[string][]byte{"hdlr": slices.Concat(u32(5000), []byte("hdlr"))}),
			`moov/trak[1]/mdia/hdlr" at offset`},
		{"elst version 2", testFile(map[string][]byte{"elst": bx("elst", full(2, 0, u32(0)))}), "elst\" at offset"},
		{"mvhd truncated", testFile(map[string][]byte{"mvhd": bx("mvhd", full(0, 0, zeros(16)))}), "too short for version 0"},
		{"mdhd timescale 0", testFile(map[string][]byte{"mdhd": bx("mdhd", full(0, 0, zeros(8), u32(0), u32(1), zeros(4)))}), "timescale is 0"},
		{"no tkhd", testFile(map[string][]byte{"tkhd": nil}), `"moov/trak[1]" at offset 208: no tkhd box`},
		{"stsd count beyond entries", testFile(map[string][]byte{"stsd": bx("stsd", full(0, 0, u32(5), bx("avc1", zeros(78))))}),
			"entry count is 5, found 1 entries"},
		{"visual entry too short", testFile(map[string][]byte{"avc1": bx("avc1", zeros(40))}), "too short for a visual sample entry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := parseBytes(tc.data)
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", m)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestSamplesRejectsInconsistentTables(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		over map[string][]byte
		want string
	}{
		{"stts short", map[string][]byte{"stts": bx("stts", full(0, 0, u32(1), u32(2), u32(512)))}, "stts: covers 2 samples, stsz has 3"},
		{"ctts short", map[string][]byte{"ctts": bx("ctts", full(0, 0, u32(1), u32(1), u32(0)))}, "ctts: covers 1 samples, stsz has 3"},
		{"stss out of order", map[string][]byte{"stss": bx("stss", full(0, 0, u32(2), u32(2), u32(1)))}, "sync sample 1 after 2"},
		{"stss beyond samples", map[string][]byte{"stss": bx("stss", full(0, 0, u32(1), u32(4)))}, "beyond sample 3"},
		{"stsc first chunk not 1", map[string][]byte{"stsc": bx("stsc", full(0, 0, u32(1), u32(2), u32(3), u32(1)))}, "first entry starts at chunk 2"},
		{"stsc chunks not increasing", map[string][]byte{"stsc": bx("stsc", full(0, 0, u32(2), u32(1), u32(1), u32(1), u32(1), u32(2), u32(1)))},
			"entry 2 starts at chunk 1, not after 1"},
		{"stsc zero samples per chunk", map[string][]byte{"stsc": bx("stsc", full(0, 0, u32(1), u32(1), u32(0), u32(1)))}, "0 samples per chunk"},
		{"stsc bad description", map[string][]byte{"stsc": bx("stsc", full(0, 0, u32(1), u32(1), u32(3), u32(2)))}, "uses sample description 2, stsd has 1"},
		{"too few chunks", map[string][]byte{"stsc": bx("stsc", full(0, 0, u32(1), u32(1), u32(2), u32(1)))}, "hold 2 samples, stsz has 3"},
		{"chunk beyond file", map[string][]byte{"stco": bx("stco", full(0, 0, u32(1), u32(1<<31)))}, "chunk 1 at offset 2147483648 ends beyond"},
		{"constant size, huge count", map[string][]byte{
			"stsz": bx("stsz", full(0, 0, u32(1), u32(0xffffffff))),
			"stts": bx("stts", full(0, 0, u32(1), u32(0xffffffff), u32(1))),
			"ctts": nil,
			"stsc": bx("stsc", full(0, 0, u32(1), u32(1), u32(0xffffffff), u32(1))),
		}, "chunk 1 at offset 32 ends beyond the 683-byte file"},
		{"decode time overflow", map[string][]byte{
			"stsz": bx("stsz", full(0, 0, u32(1), u32(0xffffffff))),
			"stts": bx("stts", full(0, 0, u32(1), u32(0xffffffff), u32(0xffffffff))),
		}, "decode times overflow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := parseBytes(testFile(tc.over))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			s, err := m.Tracks[0].Samples()
			if err == nil {
				t.Fatalf("Samples = %d samples, want an error", s.Len())
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	const one = 0x10000
	for _, tc := range []struct {
		a, b, c, d int32
		want       int
	}{
		{one, 0, 0, one, 0},
		{0, one, -one, 0, 90},
		{-one, 0, 0, -one, 180},
		{0, -one, one, 0, 270},
		{0, 0, 0, 0, 0},
	} {
		got := rotation([9]int32{tc.a, tc.b, 0, tc.c, tc.d, 0, 0, 0, 0x40000000})
		eq(t, "rotation", got, tc.want)
	}
}

func TestProbeDynamicRange(t *testing.T) {
	t.Parallel()
	entry := func(colr []byte) []byte {
		return bx("avc1", zeros(6), u16(1), zeros(16), u16(320), u16(240), zeros(50), bx("avcC", []byte{1}), colr)
	}
	for _, tc := range []struct {
		name, dr, hdr string
		colr          []byte
	}{
		{"no colr", "", "", nil},
		{"bt709", "SDR", "", bx("colr", []byte("nclx"), u16(1), u16(1), u16(1), []byte{0})},
		{"pq", "HDR", "hdr10", bx("colr", []byte("nclx"), u16(9), u16(16), u16(9), []byte{0})},
		{"hlg", "HDR", "hlg", bx("colr", []byte("nclc"), u16(9), u16(18), u16(9))},
		{"icc profile", "", "", bx("colr", []byte("prof"), zeros(4))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := parseBytes(testFile(map[string][]byte{"avc1": entry(tc.colr)}))
			if err != nil {
				t.Fatal(err)
			}
			v := m.Info().Video[0]
			eq(t, "DynamicRange", v.DynamicRange, tc.dr)
			eq(t, "HDRType", v.HDRType, tc.hdr)
		})
	}
}

func TestParseMoovPlacementDoesNotMatter(t *testing.T) {
	t.Parallel()
	parse := func(name string) *Movie {
		f, size := openFixture(t, name)
		m, err := Parse(f, size)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	start, end := parse("h264_aac_faststart.mp4"), parse("h264_aac_moov_end.mp4")
	if start.MoovOffset >= end.MoovOffset {
		t.Fatalf("moov offsets %d and %d: fixtures do not differ in layout", start.MoovOffset, end.MoovOffset)
	}
	for i, a := range start.Tracks {
		b := end.Tracks[i]
		if !slices.Equal(a.SampleSizes, b.SampleSizes) || !slices.Equal(a.TimeToSample, b.TimeToSample) ||
			!slices.Equal(a.CompositionOffsets, b.CompositionOffsets) || !slices.Equal(a.SyncSamples, b.SyncSamples) {
			t.Errorf("track %d: sample tables differ between moov at start and at end", a.ID)
		}
		if !bytes.Equal(a.SampleEntries[0].Raw, b.SampleEntries[0].Raw) {
			t.Errorf("track %d: sample entries differ", a.ID)
		}
	}
}

func TestParseFragments(t *testing.T) {
	t.Parallel()
	m, err := parseBytes(testFragmentedFile(1))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Fragmented", m.Fragmented, true)
	want := FragmentSummary{Runs: 2, Samples: 5, Bytes: 5 + 6 + 7 + 2*7, Duration: 5 * 512}
	eq(t, "Fragments", m.Tracks[0].Fragments, want)
	v := m.Info().Video[0]
	eq(t, "Frames", v.Frames, 3+5)
	eq(t, "Duration", v.Duration, float64(3*512+5*512)/15360)

	if _, err := parseBytes(testFragmentedFile(9)); err == nil || !strings.Contains(err.Error(), "track 9 is not in moov") {
		t.Errorf("traf of an unknown track: error %v, want one naming track 9", err)
	}
	moof := bx("moof", bx("mfhd", full(0, 0, u32(1))))
	if _, err := parseBytes(slices.Concat(moof, testFile(nil))); err == nil || !strings.Contains(err.Error(), "moof before moov") {
		t.Errorf("moof before moov: error %v", err)
	}
}

func TestDecoderSpecificInfo(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file     string
		asc      []byte // AudioSpecificConfig: AAC-LC (2), rate index, channels
		noConfig bool
	}{
		{file: "h264_aac_faststart.mp4", asc: []byte{0x11, 0x90}}, // LC, 48 kHz, stereo
		{file: "aac_only.m4a", asc: []byte{0x12, 0x08}},           // LC, 44.1 kHz, mono
		{file: "hevc_mp3.mp4", noConfig: true},                    // MP3: no DecoderSpecificInfo
	} {
		f, size := openFixture(t, c.file)
		m, err := Parse(f, size)
		if err != nil {
			t.Fatal(err)
		}
		var e *SampleEntry
		for _, tr := range m.Tracks {
			if tr.Handler == "soun" {
				e = &tr.SampleEntries[0]
			}
		}
		if e == nil {
			t.Fatalf("%s: no audio track", c.file)
		}
		if c.noConfig {
			eq(t, c.file+" DecoderSpecific", len(e.DecoderSpecific), 0)
			continue
		}
		if !bytes.HasPrefix(e.DecoderSpecific, c.asc) {
			t.Errorf("%s: DecoderSpecific = % x, want prefix % x", c.file, e.DecoderSpecific, c.asc)
		}
	}
}
