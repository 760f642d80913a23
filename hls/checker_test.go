package hls

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/hls/hlstest"
)

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
	for tbase, f := range framemd5Rows(out) {
		pts, err1 := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		dur, err2 := strconv.ParseInt(strings.TrimSpace(f[3]), 10, 64)
		if err1 != nil || err2 != nil {
			tb.Fatalf("framemd5 row %q", f)
		}
		end = max(end, float64(pts+dur)*tbase)
		frame = max(frame, float64(dur)*tbase)
	}
	return end, frame
}

// TestPlaylistsAndSegments checks every fixture's playlists strictly and
// every segment's boxes: EXTINF sums equal the track's duration within a
// frame, each video segment starts with a sync sample, tfdt continues the
// previous segment exactly (at a later period's start, it is 0),
// every init segment has mvex/trex and no samples. A join's playlists
// have a discontinuity at each period's start, at the same time in every
// track, each period's EXT-X-MAP its own init segment.
func TestPlaylistsAndSegments(t *testing.T) {
	requireFFmpeg(t)
	for _, name := range slices.Concat(oracleFixtures, joinFixtures) {
		for _, target := range []time.Duration{2 * time.Second, DefaultTarget} {
			t.Run(fmt.Sprintf("%s/%v", name, target), func(t *testing.T) {
				t.Parallel()
				f, ix := openIndex(t, name, Options{Target: target})
				master := hlstest.CheckMaster(t, string(ix.Master()))
				var starts [][]float64 // each track's period starts, by EXTINF
				for _, tr := range ix.Tracks {
					if tr.Video && (master.URI != tr.PlaylistName() || !strings.Contains(master.Variant["CODECS"], tr.Codec) ||
						master.Variant["RESOLUTION"] != fmt.Sprintf("%dx%d", tr.Width, tr.Height)) {
						t.Errorf("variant %v does not describe video track %s", master.Variant, tr.Name)
					}
					mi := hlstest.CheckMedia(t, string(ix.MediaPlaylist(tr, 0, len(tr.Segments), "")))
					kind := "a"
					if tr.Video {
						kind = "v"
					}
					if end, frame := decodedEnd(t, fixture(name), kind); math.Abs(mi.Duration-end) > frame+1e-6 {
						t.Errorf("%s: EXTINF sum %.6f s, the decoded source ends at %.6f s (frames up to %.6f s)", tr.Name, mi.Duration, end, frame)
					}
					var periodStarts []float64
					at := 0.0
					for n := range mi.URIs {
						if p := tr.Segments[n].Period; n == 0 || p != tr.Segments[n-1].Period {
							if p != len(periodStarts) || (n > 0) != slices.Contains(mi.Discontinuities, n) {
								t.Fatalf("segment %d starts period %d after %d; discontinuities before %v", n, p, len(periodStarts), mi.Discontinuities)
							}
							periodStarts = append(periodStarts, at)
						}
						at += mi.ExtInf[n]
						init, err := ix.File(f, mi.Maps[n])
						if err != nil || mi.Maps[n] != tr.initName(tr.periods[tr.Segments[n].Period].init) {
							t.Fatalf("segment %d: EXT-X-MAP %q: %v", n, mi.Maps[n], err)
						}
						if !bytes.Contains(init, []byte("mvex")) || !bytes.Contains(init, []byte("trex")) || bytes.Contains(init, []byte("mdat")) {
							t.Errorf("%s: init segment %s without mvex/trex or with mdat", tr.Name, mi.Maps[n])
						}
					}
					if len(periodStarts) != len(tr.periods) || len(mi.Discontinuities) != len(tr.periods)-1 {
						t.Errorf("%s: %d periods, %d discontinuities", tr.Name, len(tr.periods), len(mi.Discontinuities))
					}
					starts = append(starts, periodStarts)
					next := uint64(0)
					for n := range mi.URIs {
						if mi.URIs[n] != tr.SegmentName(n) {
							t.Fatalf("segment %d URI %q", n, mi.URIs[n])
						}
						seg, err := tr.Segment(f, n)
						if err != nil {
							t.Fatal(err)
						}
						fr := readFragment(t, seg, uint32(n+1))
						if fr.trackID != tr.ID || len(fr.durations) != tr.Segments[n].Samples {
							t.Fatalf("segment %d: track %d, %d samples", n, fr.trackID, len(fr.durations))
						}
						periodStart := n > 0 && tr.Segments[n].Period != tr.Segments[n-1].Period
						if !periodStart && fr.decodeTime != next {
							t.Errorf("segment %d: tfdt %d, the previous segment ends at %d", n, fr.decodeTime, next)
						}
						if periodStart && fr.decodeTime != 0 {
							t.Errorf("segment %d starts period %d at tfdt %d, not 0", n, tr.Segments[n].Period, fr.decodeTime)
						}
						next = fr.decodeTime
						for _, d := range fr.durations {
							next += uint64(d)
						}
						if tr.Video && (fr.flags[0] != flagsSync || !tr.s.At(tr.Segments[n].FirstSample).Sync) {
							t.Errorf("segment %d does not start with a sync sample (flags %#x)", n, fr.flags[0])
						}
					}
					if _, err := tr.Segment(f, len(mi.URIs)); err != ErrNoSegment {
						t.Errorf("segment past the end: %v", err)
					}
				}
				for k := 1; k < len(starts); k++ {
					for p := range min(len(starts[k]), len(starts[0])) {
						if math.Abs(starts[k][p]-starts[0][p]) > 1e-5 {
							t.Errorf("period %d starts at %.6f s in track %s, at %.6f s in %s", p, starts[k][p], ix.Tracks[k].Name, starts[0][p], ix.Tracks[0].Name)
						}
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

// framemd5Rows yields the frame rows of ffmpeg's framemd5 output (the
// fields: stream, dts, pts, duration, size, hash) with the time base of
// their stream 0, in seconds per tick.
func framemd5Rows(out []byte) iter.Seq2[float64, []string] {
	return func(yield func(float64, []string) bool) {
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
			if !yield(tbase, f) {
				return
			}
		}
	}
}
