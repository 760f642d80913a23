package hls

import (
	"os"
	"strings"
	"testing"
	"time"
)

// sliceTypes returns the NAL unit types of the slices of the sample at
// off of size bytes (NAL length fields of lengthSize bytes).
func sliceTypes(tb testing.TB, f *os.File, off int64, size uint32, lengthSize int, hevc bool) []int {
	tb.Helper()
	b := make([]byte, size)
	if _, err := f.ReadAt(b, off); err != nil {
		tb.Fatal(err)
	}
	var types []int
	for len(b) > lengthSize {
		n := 0
		for _, v := range b[:lengthSize] {
			n = n<<8 | int(v)
		}
		b = b[lengthSize:]
		if n > len(b) || n < 1 {
			tb.Fatalf("NAL unit of %d bytes in %d", n, len(b))
		}
		if hevc {
			if t := int(b[0] >> 1 & 0x3f); t < 32 {
				types = append(types, t)
			}
		} else if t := int(b[0] & 0x1f); t >= 1 && t <= 5 {
			types = append(types, t)
		}
		b = b[n:]
	}
	return types
}

// TestIndependentSegments: a video track's Leading counts the segments
// that are not independent by their bytes (an H.264 segment whose first
// slice is not an IDR slice; an HEVC segment whose first GOP holds RASL
// pictures, which cannot be decoded from the segment on), and the playlists declare
// EXT-X-INDEPENDENT-SEGMENTS exactly when there is none.
func TestIndependentSegments(t *testing.T) {
	open := map[string]bool{}
	for _, name := range oracleFixtures {
		f, ix := openIndex(t, name, Options{Target: 2 * time.Second})
		for _, tr := range ix.Tracks {
			want := 0
			if tr.Video {
				e := &tr.t.SampleEntries[0]
				hevc := e.ConfigType == "hvcC"
				lengthSize := int(e.Config[4]&3) + 1
				if hevc {
					lengthSize = int(e.Config[21]&3) + 1
				}
				for _, seg := range tr.Segments {
					// The pictures up to the next sync sample, which the
					// segment's first one starts.
					dependent := false
					for i, s := range tr.s.Range(seg.FirstSample, seg.FirstSample+seg.Samples) {
						if i > seg.FirstSample && s.Sync {
							break
						}
						for _, typ := range sliceTypes(t, f, s.Offset, s.Size, lengthSize, hevc) {
							dependent = dependent || i == seg.FirstSample && !hevc && typ != 5 || hevc && (typ == 8 || typ == 9)
						}
					}
					if dependent {
						want++
					}
				}
			}
			if tr.Leading != want {
				t.Errorf("%s %s: Leading %d, %d segments not independent by their NAL units", name, tr.Name, tr.Leading, want)
			}
			declared := strings.Contains(string(ix.MediaPlaylist(tr, 0, len(tr.Segments), "")), "\n#EXT-X-INDEPENDENT-SEGMENTS\n")
			if declared != (want == 0) {
				t.Errorf("%s %s: EXT-X-INDEPENDENT-SEGMENTS declared %v with %d dependent segments", name, tr.Name, declared, want)
			}
			open[name] = open[name] || want > 0
		}
		if declared := strings.Contains(string(ix.Master()), "\n#EXT-X-INDEPENDENT-SEGMENTS\n"); declared == open[name] || ix.Independent == open[name] {
			t.Errorf("%s: master declares EXT-X-INDEPENDENT-SEGMENTS %v, Independent %v, open GOP %v", name, declared, ix.Independent, open[name])
		}
	}
	for _, name := range []string{"hevc_x265_default.mp4"} {
		if !open[name] {
			t.Errorf("%s: no dependent segment: the check checks nothing", name)
		}
	}
}
