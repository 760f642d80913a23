package hls

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// attrRe matches one attribute of an attribute list (RFC 8216 §4.2): a
// name of A-Z, 0-9 and '-', and a quoted string, a hexadecimal sequence, a
// resolution, a decimal or an enumerated string.
var attrRe = regexp.MustCompile(`^[A-Z0-9-]+=("[^"\r\n]*"|0[xX][0-9A-Fa-f]+|[0-9]+x[0-9]+|-?[0-9]+(\.[0-9]+)?|[A-Za-z0-9_-]+)`)

// attrs parses an attribute list strictly, failing on any syntax error or
// repeated name.
func attrs(tb testing.TB, list string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for rest := list; rest != ""; {
		m := attrRe.FindString(rest)
		if m == "" {
			tb.Fatalf("attribute list %q: bad syntax at %q", list, rest)
		}
		name, value, _ := strings.Cut(m, "=")
		if _, dup := out[name]; dup {
			tb.Fatalf("attribute list %q: %s twice", list, name)
		}
		out[name] = strings.Trim(value, `"`)
		rest = rest[len(m):]
		if rest != "" {
			if rest[0] != ',' || len(rest) == 1 {
				tb.Fatalf("attribute list %q: no comma before %q", list, rest)
			}
			rest = rest[1:]
		}
	}
	return out
}

// masterInfo is what checkMaster reads from a master playlist.
type masterInfo struct {
	variant  map[string]string // the first variant's attributes
	uri      string            // and its URI
	variants []map[string]string
	uris     []string
	audioURI string
}

// checkMaster checks a master playlist's syntax and tags.
func checkMaster(tb testing.TB, text string) masterInfo {
	tb.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if lines[0] != "#EXTM3U" || lines[1] != "#EXT-X-VERSION:7" {
		tb.Fatalf("master playlist starts with %q", lines[:2])
	}
	var mi masterInfo
	for i := 2; i < len(lines); i++ {
		if i == 2 && lines[i] == "#EXT-X-INDEPENDENT-SEGMENTS" {
			continue
		}
		tag, list, _ := strings.Cut(lines[i], ":")
		switch tag {
		case "#EXT-X-MEDIA":
			a := attrs(tb, list)
			if a["TYPE"] != "AUDIO" || a["GROUP-ID"] == "" || a["NAME"] == "" || a["URI"] == "" || a["DEFAULT"] != "YES" {
				tb.Fatalf("EXT-X-MEDIA %q", list)
			}
			mi.audioURI = a["URI"]
		case "#EXT-X-STREAM-INF":
			if i+1 >= len(lines) || strings.HasPrefix(lines[i+1], "#") || lines[i+1] == "" {
				tb.Fatalf("EXT-X-STREAM-INF without a URI")
			}
			mi.variants = append(mi.variants, attrs(tb, list))
			i++
			mi.uris = append(mi.uris, lines[i])
		default:
			tb.Fatalf("unexpected line %q in the master playlist", lines[i])
		}
	}
	if len(mi.variants) == 0 {
		tb.Fatalf("no EXT-X-STREAM-INF")
	}
	mi.variant, mi.uri = mi.variants[0], mi.uris[0]
	for _, v := range mi.variants {
		for _, k := range []string{"BANDWIDTH", "AVERAGE-BANDWIDTH", "CODECS"} {
			if v[k] == "" {
				tb.Fatalf("EXT-X-STREAM-INF %v without %s", v, k)
			}
		}
		bw, _ := strconv.Atoi(v["BANDWIDTH"])
		avg, _ := strconv.Atoi(v["AVERAGE-BANDWIDTH"])
		if avg <= 0 || bw < avg {
			tb.Fatalf("BANDWIDTH %d, AVERAGE-BANDWIDTH %d", bw, avg)
		}
		if g := v["AUDIO"]; g != "" && (mi.audioURI == "" || g != audioGroup) {
			tb.Fatalf("variant %v: AUDIO group %q has no rendition", v, g)
		}
		if v["AUDIO"] != "" && !strings.Contains(v["CODECS"], "mp4a.") {
			tb.Fatalf("variant %v plays an audio group without its codec", v)
		}
	}
	if mi.audioURI != "" && mi.variant["AUDIO"] == "" {
		tb.Fatalf("audio rendition not referenced by the variant")
	}
	return mi
}

// mediaInfo is what checkMedia reads from a media playlist.
type mediaInfo struct {
	target   int
	initURI  string
	uris     []string
	extinf   []float64
	duration float64
}

// checkMedia checks a media playlist's syntax and tags: every required tag
// once, in order, each EXTINF followed by its URI, every rounded EXTINF at
// most the target duration, ENDLIST last.
func checkMedia(tb testing.TB, text string) mediaInfo {
	tb.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	head := []string{"#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:", "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-MAP:"}
	if len(lines) > 5 && lines[5] != head[5] { // declared only for independent segments
		head = slices.Delete(head, 5, 6)
	}
	mapAt := len(head) - 1
	if len(lines) < len(head)+3 {
		tb.Fatalf("media playlist of %d lines", len(lines))
	}
	var mi mediaInfo
	for i, want := range head {
		if !strings.HasPrefix(lines[i], want) || (!strings.HasSuffix(want, ":") && lines[i] != want) {
			tb.Fatalf("line %d is %q, want %q", i+1, lines[i], want)
		}
	}
	var err error
	if mi.target, err = strconv.Atoi(strings.TrimPrefix(lines[2], head[2])); err != nil || mi.target < 1 {
		tb.Fatalf("target duration %q", lines[2])
	}
	mi.initURI = attrs(tb, strings.TrimPrefix(lines[mapAt], head[mapAt]))["URI"]
	if lines[len(lines)-1] != "#EXT-X-ENDLIST" {
		tb.Fatalf("last line %q", lines[len(lines)-1])
	}
	body := lines[len(head) : len(lines)-1]
	if len(body)%2 != 0 {
		tb.Fatalf("%d lines between the header and ENDLIST", len(body))
	}
	for i := 0; i < len(body); i += 2 {
		v, ok := strings.CutPrefix(body[i], "#EXTINF:")
		v, ok2 := strings.CutSuffix(v, ",")
		d, err := strconv.ParseFloat(v, 64)
		if !ok || !ok2 || err != nil || d <= 0 {
			tb.Fatalf("line %q is not an EXTINF", body[i])
		}
		if int(math.Round(d)) > mi.target {
			tb.Errorf("segment %d of %.6f s is over the target duration %d", i/2, d, mi.target)
		}
		if strings.HasPrefix(body[i+1], "#") || body[i+1] == "" {
			tb.Fatalf("EXTINF without a URI: %q", body[i+1])
		}
		mi.extinf = append(mi.extinf, d)
		mi.uris = append(mi.uris, body[i+1])
		mi.duration += d
	}
	return mi
}

// fragment is what readFragment reads of a media segment.
type fragment struct {
	trackID    uint32
	decodeTime uint64
	durations  []uint32
	flags      []uint32
	mdat       int
}

// readFragment parses a media segment: one moof (mfhd, one traf with
// tfhd, tfdt and one trun giving durations, sizes and flags) and an mdat
// holding exactly the trun's bytes at its data offset.
func readFragment(tb testing.TB, seg []byte, seq uint32) fragment {
	tb.Helper()
	var f fragment
	moofSize := binary.BigEndian.Uint32(seg)
	if string(seg[4:8]) != "moof" || int(moofSize)+8 > len(seg) || string(seg[moofSize+4:moofSize+8]) != "mdat" {
		tb.Fatalf("segment is not moof+mdat: % x", seg[:16])
	}
	f.mdat = int(binary.BigEndian.Uint32(seg[moofSize:])) - 8
	if int(moofSize)+8+f.mdat != len(seg) {
		tb.Fatalf("mdat of %d bytes in a segment of %d", f.mdat, len(seg))
	}
	var walk func(b []byte)
	var sizes int
	walk = func(b []byte) {
		for len(b) >= 8 {
			n := binary.BigEndian.Uint32(b)
			typ, body := string(b[4:8]), b[8:n]
			switch typ {
			case "traf":
				walk(body)
			case "mfhd":
				if got := binary.BigEndian.Uint32(body[4:]); got != seq {
					tb.Errorf("mfhd sequence %d, want %d", got, seq)
				}
			case "tfhd":
				f.trackID = binary.BigEndian.Uint32(body[4:])
			case "tfdt":
				f.decodeTime = binary.BigEndian.Uint64(body[4:])
			case "trun":
				flags := binary.BigEndian.Uint32(body) & 0xffffff
				count := binary.BigEndian.Uint32(body[4:])
				if off := binary.BigEndian.Uint32(body[8:]); off != moofSize+8 {
					tb.Errorf("trun data offset %d, want %d", off, moofSize+8)
				}
				p := 12
				for range count {
					f.durations = append(f.durations, binary.BigEndian.Uint32(body[p:]))
					sizes += int(binary.BigEndian.Uint32(body[p+4:]))
					f.flags = append(f.flags, binary.BigEndian.Uint32(body[p+8:]))
					p += 12
					if flags&trunCTO != 0 {
						p += 4
					}
				}
			}
			b = b[n:]
		}
	}
	walk(seg[8:moofSize])
	if sizes != f.mdat {
		tb.Errorf("trun sizes sum to %d, mdat holds %d", sizes, f.mdat)
	}
	return f
}

// decodedEnd decodes the source's first stream of kind ("v" or "a") with
// ffmpeg and returns where its last frame ends (pts plus duration) and the
// longest frame, in seconds: the presentation a player shows, after the
// edit list.
func decodedEnd(tb testing.TB, path, kind string) (end, frame float64) {
	tb.Helper()
	out := ffmpeg(tb, "-i", path, "-map", "0:"+kind+":0", "-f", "framemd5", "-")
	tbase := 0.0
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "#tb 0: "); ok {
			num, den, _ := strings.Cut(v, "/")
			n, _ := strconv.ParseFloat(num, 64)
			d, _ := strconv.ParseFloat(den, 64)
			tbase = n / d
		}
		f := strings.Split(line, ",")
		if line == "" || line[0] == '#' || len(f) < 6 || tbase == 0 {
			continue
		}
		pts, err1 := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		dur, err2 := strconv.ParseInt(strings.TrimSpace(f[3]), 10, 64)
		if err1 != nil || err2 != nil {
			tb.Fatalf("framemd5 line %q", line)
		}
		end = max(end, float64(pts+dur)*tbase)
		frame = max(frame, float64(dur)*tbase)
	}
	return end, frame
}

// TestPlaylistsAndSegments checks every fixture's playlists strictly and
// every segment's boxes: EXTINF sums equal the track's duration within a
// frame, each video segment starts with a sync sample, tfdt continues the
// previous segment exactly, the init segment has mvex/trex and no samples.
func TestPlaylistsAndSegments(t *testing.T) {
	requireFFmpeg(t)
	for _, name := range oracleFixtures {
		for _, target := range []time.Duration{2 * time.Second, DefaultTarget} {
			t.Run(fmt.Sprintf("%s/%v", name, target), func(t *testing.T) {
				t.Parallel()
				f, ix := openIndex(t, name, Options{Target: target})
				master := checkMaster(t, string(ix.Master()))
				for _, tr := range ix.Tracks {
					if tr.Video && (master.uri != tr.PlaylistName() || !strings.Contains(master.variant["CODECS"], tr.Codec) ||
						master.variant["RESOLUTION"] != fmt.Sprintf("%dx%d", tr.Width, tr.Height)) {
						t.Errorf("variant %v does not describe video track %s", master.variant, tr.Name)
					}
					mi := checkMedia(t, string(ix.MediaPlaylist(tr, 0, len(tr.Segments), "")))
					kind := "a"
					if tr.Video {
						kind = "v"
					}
					if end, frame := decodedEnd(t, fixture(name), kind); math.Abs(mi.duration-end) > frame+1e-6 {
						t.Errorf("%s: EXTINF sum %.6f s, the decoded source ends at %.6f s (frames up to %.6f s)", tr.Name, mi.duration, end, frame)
					}
					init := tr.Init()
					if !bytes.Contains(init, []byte("mvex")) || !bytes.Contains(init, []byte("trex")) || bytes.Contains(init, []byte("mdat")) {
						t.Errorf("%s: init segment without mvex/trex or with mdat", tr.Name)
					}
					next := uint64(0)
					for n := range mi.uris {
						if mi.uris[n] != tr.SegmentName(n) {
							t.Fatalf("segment %d URI %q", n, mi.uris[n])
						}
						seg, err := tr.Segment(f, n)
						if err != nil {
							t.Fatal(err)
						}
						fr := readFragment(t, seg, uint32(n+1))
						if fr.trackID != tr.ID || len(fr.durations) != tr.Segments[n].Samples {
							t.Fatalf("segment %d: track %d, %d samples", n, fr.trackID, len(fr.durations))
						}
						if fr.decodeTime != next {
							t.Errorf("segment %d: tfdt %d, the previous segment ends at %d", n, fr.decodeTime, next)
						}
						for _, d := range fr.durations {
							next += uint64(d)
						}
						if tr.Video && (fr.flags[0] != flagsSync || !tr.s.At(tr.Segments[n].FirstSample).Sync) {
							t.Errorf("segment %d does not start with a sync sample (flags %#x)", n, fr.flags[0])
						}
					}
					if _, err := tr.Segment(f, len(mi.uris)); err != ErrNoSegment {
						t.Errorf("segment past the end: %v", err)
					}
				}
			})
		}
	}
}

func TestCodecStrings(t *testing.T) {
	for name, want := range map[string][]string{
		"bf2_gop1s.mp4":         {"avc1.64000d", "mp4a.40.2"},
		"hevc_x265_default.mp4": {"hvc1.1.6.L60.90", "mp4a.40.2"}, // Main, compatible with Main and Main 10, level 2
		"aac_only.m4a":          {"mp4a.40.2"},
	} {
		_, ix := openIndex(t, name, Options{})
		var got []string
		for _, tr := range ix.Tracks {
			got = append(got, tr.Codec)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: codecs %v, want %v", name, got, want)
		}
	}
}

func TestHEVCCodecString(t *testing.T) {
	for _, c := range []struct {
		hvcC []byte
		want string
	}{
		// Main 10, compatible with Main 10, main tier, level 5.1, progressive source flag set.
		{[]byte{1, 0x02, 0x20, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 153}, "2.4.L153.B0"},
		// Profile space 1 (A), high tier, Main, compatible with Main and Main 10, level 4, two constraint bytes.
		{[]byte{1, 0x40 | 0x20 | 1, 0x60, 0, 0, 0, 0x90, 0x01, 0, 0, 0, 0, 120}, "A1.6.H120.90.1"},
	} {
		if got := hevcCodec(c.hvcC); got != c.want {
			t.Errorf("hevcCodec(% x) = %q, want %q", c.hvcC, got, c.want)
		}
	}
	if aot, ok := audioObjectType([]byte{0xf8, 0x20}); !ok || aot != 33 {
		t.Errorf("escaped audio object type = %d, %v; want 33", aot, ok)
	}
}
