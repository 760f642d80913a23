package hls

import (
	"bytes"
	"os"
	"testing"

	"github.com/openvod/openvod/mp4"
)

// FuzzIndex packages mutated sources: New and every file of the Index
// never panic, and every segment is no larger than its planned size.
func FuzzIndex(f *testing.F) {
	for _, name := range []string{"bf2_gop1s.mp4", "aac_only.m4a", "clip_editlist.mp4", "hevc_x265_default.mp4", "h264_aac_moov_end.mp4"} {
		data, err := os.ReadFile(fixture(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := bytes.NewReader(data)
		m, err := mp4.ParseLimited(src, int64(len(data)), ParseLimits)
		if err != nil {
			return
		}
		ix, err := New(m, Options{})
		if err != nil {
			return
		}
		ix.Master()
		for _, tr := range ix.Tracks {
			ix.MediaPlaylist(tr, 0, len(tr.Segments), "")
			for n, s := range tr.Segments {
				seg, err := ix.File(src, tr.SegmentName(n))
				if err == nil && int64(len(seg)) < s.Bytes {
					t.Fatalf("segment %d of %d bytes holds %d bytes of samples", n, len(seg), s.Bytes)
				}
			}
		}
	})
}
