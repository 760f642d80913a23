package mp4

import (
	"bytes"
	"encoding/binary"
)

// Helpers that assemble small MP4 files for table tests and fuzz seeds.

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func zeros(n int) []byte  { return make([]byte, n) }

// bx assembles a box of type typ from payload parts.
func bx(typ string, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	return append(append(u32(uint32(8+len(body))), typ...), body...)
}

// full prefixes FullBox version and flags to payload parts.
func full(version uint8, flags uint32, parts ...[]byte) []byte {
	return append(u32(uint32(version)<<24|flags), bytes.Join(parts, nil)...)
}

// testMdatPayload is the media of testFile: three samples of 10, 20 and 30
// bytes.
var testMdatPayload = bytes.Repeat([]byte{0xab}, 60)

// testFile builds ftyp, mdat and moov (at the end) for a movie with one
// 320x240 H.264 track of three samples in one chunk. over replaces the
// named boxes (by type, or "avc1" for the sample entry) with other bytes.
func testFile(over map[string][]byte) []byte {
	pick := func(name string, def []byte) []byte {
		if b, ok := over[name]; ok {
			return b
		}
		return def
	}
	ftyp := bx("ftyp", []byte("isom"), u32(512), []byte("isomiso2"))
	mdat := bx("mdat", testMdatPayload)
	chunk := uint32(len(ftyp) + 8)
	identity := bytes.Join([][]byte{u32(0x10000), u32(0), u32(0), u32(0), u32(0x10000), u32(0), u32(0), u32(0), u32(0x40000000)}, nil)
	avc1 := pick("avc1", bx("avc1", zeros(6), u16(1), zeros(16), u16(320), u16(240), zeros(50),
		bx("avcC", []byte{1, 0x64, 0, 0x1e, 0xff, 0xe0, 0})))
	stbl := bx("stbl",
		pick("stsd", bx("stsd", full(0, 0, u32(1), avc1))),
		pick("stts", bx("stts", full(0, 0, u32(1), u32(3), u32(512)))),
		pick("ctts", bx("ctts", full(0, 0, u32(2), u32(1), u32(1024), u32(2), u32(0)))),
		pick("stss", bx("stss", full(0, 0, u32(1), u32(1)))),
		pick("stsc", bx("stsc", full(0, 0, u32(1), u32(1), u32(3), u32(1)))),
		pick("stsz", bx("stsz", full(0, 0, u32(0), u32(3), u32(10), u32(20), u32(30)))),
		pick("stco", bx("stco", full(0, 0, u32(1), u32(chunk)))),
	)
	minf := bx("minf", bx("vmhd", full(0, 1, zeros(8))), stbl)
	mdia := bx("mdia",
		pick("mdhd", bx("mdhd", full(0, 0, zeros(8), u32(15360), u32(1536), zeros(4)))),
		pick("hdlr", bx("hdlr", full(0, 0, u32(0), []byte("vide"), zeros(12), []byte("V\x00")))),
		minf)
	trak := bx("trak",
		pick("tkhd", bx("tkhd", full(0, 3, zeros(8), u32(1), zeros(4), u32(100), zeros(16), identity, u32(320<<16), u32(240<<16)))),
		pick("edts", bx("edts", pick("elst", bx("elst", full(0, 0, u32(1), u32(100), u32(1024), u32(0x10000)))))),
		mdia)
	moov := bx("moov", pick("mvhd", bx("mvhd", full(0, 0, zeros(8), u32(1000), u32(100), zeros(80)))), trak, over["mvex"])
	return bytes.Join([][]byte{ftyp, mdat, moov, over["moof"]}, nil)
}

// testFragmentedFile is testFile with an mvex box and one moof with two
// track runs for track trackID: three samples with explicit sizes 5, 6
// and 7, then two with the trex default size 7. Durations are tfhd's 512.
func testFragmentedFile(trackID uint32) []byte {
	return testFile(map[string][]byte{
		"mvex": bx("mvex", bx("trex", full(0, 0, u32(1), u32(1), u32(100), u32(7), u32(0)))),
		"moof": bx("moof", bx("mfhd", full(0, 0, u32(1))), bx("traf",
			bx("tfhd", full(0, 0x20000|tfhdDuration, u32(trackID), u32(512))),
			bx("tfdt", full(1, 0, zeros(8))),
			bx("trun", full(0, trunDataOffset|trunSampleSize, u32(3), u32(0), u32(5), u32(6), u32(7))),
			bx("trun", full(0, 0, u32(2))))),
	})
}
