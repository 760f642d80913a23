package mp4

import (
	"strconv"
	"testing"
)

// packetFixtures are the non-fragmented fixtures whose sample tables are
// compared packet by packet with ffprobe.
var packetFixtures = []string{
	"h264_aac_faststart.mp4",
	"h264_aac_moov_end.mp4",
	"rotate90.mp4",
	"aac_only.m4a",
	"video_only.mov",
	"hevc_mp3.mp4",
	"clip_editlist.mp4",
}

func TestSamplesMatchFFprobePackets(t *testing.T) {
	t.Parallel()
	for _, name := range packetFixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, size := openFixture(t, name)
			m, err := Parse(f, size)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := ffprobe(t, name, "-show_packets", "-show_entries", "packet=stream_index,pts,dts,size,pos,flags")
			perStream := make([][]ffprobePacket, len(m.Tracks))
			for _, p := range want.Packets {
				if p.StreamIndex >= len(perStream) {
					t.Fatalf("ffprobe packet of stream %d, movie has %d tracks", p.StreamIndex, len(m.Tracks))
				}
				perStream[p.StreamIndex] = append(perStream[p.StreamIndex], p)
			}
			for ti, tr := range m.Tracks {
				s, err := tr.Samples()
				if err != nil {
					t.Fatalf("track %d Samples: %v", tr.ID, err)
				}
				packets := perStream[ti]
				if s.Len() != len(packets) {
					t.Fatalf("track %d: %d samples, ffprobe has %d packets", tr.ID, s.Len(), len(packets))
				}
				shift := editShift(tr)
				for i, smp := range s.All() {
					p := packets[i]
					got := ffprobePacket{
						StreamIndex: ti,
						PTS:         smp.PTS() - shift,
						DTS:         smp.DTS - shift,
						Size:        strconv.FormatUint(uint64(smp.Size), 10),
						Pos:         strconv.FormatInt(smp.Offset, 10),
						Flags:       keyFlag(smp.Sync),
					}
					want := p
					want.Flags = p.Flags[:min(1, len(p.Flags))] // K or _; D (discard) is ffmpeg's edit-list view
					if got != want {
						t.Fatalf("track %d sample %d = %+v, ffprobe packet %+v", tr.ID, i, got, want)
					}
				}
			}
		})
	}
}

// editShift returns how far ffmpeg moves the track's timestamps for its edit
// list: the media time of the first non-empty edit, less the empty edits
// before it, in the media timescale.
func editShift(t *Track) int64 {
	var empty uint64
	for _, e := range t.Edits {
		if e.MediaTime == -1 {
			empty += e.SegmentDuration
			continue
		}
		return e.MediaTime - int64(empty*uint64(t.Timescale)/uint64(t.movieTimescale))
	}
	return 0
}

// keyFlag renders a sync flag as ffprobe's first flag character.
func keyFlag(sync bool) string {
	if sync {
		return "K"
	}
	return "_"
}

func TestSamplesRandomAccessMatchesIteration(t *testing.T) {
	t.Parallel()
	f, size := openFixture(t, "h264_aac_moov_end.mp4")
	m, err := Parse(f, size)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range m.Tracks {
		s, err := tr.Samples()
		if err != nil {
			t.Fatal(err)
		}
		var all []Sample
		for _, smp := range s.All() {
			all = append(all, smp)
		}
		for i := range all {
			if got := s.At(i); got != all[i] {
				t.Fatalf("track %d At(%d) = %+v, iteration gave %+v", tr.ID, i, got, all[i])
			}
		}
		// A range starting mid-chunk, stopped early by the consumer.
		from, n := len(all)/3+1, 0
		for i, smp := range s.Range(from, len(all)) {
			if smp != all[i] || i != from+n {
				t.Fatalf("track %d Range sample %d = %+v, want %+v", tr.ID, i, smp, all[i])
			}
			if n++; n == 5 {
				break
			}
		}
		if n != 5 {
			t.Fatalf("track %d Range yielded %d samples before break, want 5", tr.ID, n)
		}
	}
}

// TestSamplesIterationAllocationsAreConstant checks that iterating does
// not allocate per sample. It is not parallel: AllocsPerRun refuses to run
// in a parallel test.
func TestSamplesIterationAllocationsAreConstant(t *testing.T) {
	f, size := openFixture(t, "h264_aac_faststart.mp4")
	m, err := Parse(f, size)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Tracks[0].Samples()
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	iterate := func(from, to int) func() {
		return func() {
			for _, smp := range s.Range(from, to) {
				total += int64(smp.Size)
			}
		}
	}
	one := testing.AllocsPerRun(10, iterate(0, 1))
	all := testing.AllocsPerRun(10, iterate(0, s.Len()))
	if all != one {
		t.Errorf("iterating %d samples made %.0f allocations, one sample %.0f; want the same", s.Len(), all, one)
	}
}
