package hls

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/openvod/openvod/hls/hlstest"
	"github.com/openvod/openvod/mp4"
)

// TestJoinClipPlaylist: a clip's media playlist that starts in a later
// period numbers its discontinuities from that period
// (EXT-X-DISCONTINUITY-SEQUENCE), maps that period's init segment first,
// and marks the periods it crosses.
func TestJoinClipPlaylist(t *testing.T) {
	_, ix := openIndex(t, "join_bf2.mp4", Options{Target: 2e9})
	v := ix.Tracks[0]
	from, to := v.ClipSegments(2, 100, true) // from inside period 1 to the end
	if v.Segments[from].Period != 1 || v.Segments[to-1].Period != 2 {
		t.Fatalf("clip from 2 s: segments %d-%d, periods %d-%d", from, to, v.Segments[from].Period, v.Segments[to-1].Period)
	}
	got := string(ix.MediaPlaylist(v, from, to, "../../"))
	for _, want := range []string{
		"#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n",
		"#EXT-X-MAP:URI=\"../../t1/init-1.mp4\"\n#EXTINF:",
		"#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"../../t1/init-2.mp4\"\n#EXTINF:",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("clip playlist lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "#EXT-X-DISCONTINUITY\n"); n != 1 {
		t.Errorf("%d discontinuities in the clip of periods 1 and 2:\n%s", n, got)
	}
	// The whole playlist: two discontinuities, three init segments.
	mi := hlstest.CheckMedia(t, string(ix.MediaPlaylist(v, 0, len(v.Segments), "")))
	if len(mi.Discontinuities) != 2 || mi.Maps[0] != "t1/init.mp4" || mi.Maps[len(mi.Maps)-1] != "t1/init-2.mp4" {
		t.Errorf("discontinuities before %v, maps %v", mi.Discontinuities, mi.Maps)
	}
	for _, name := range []string{"t1/init-3.mp4", "t1/init-0.mp4", "t1/init-01.mp4", "t1/init1.mp4"} {
		if _, err := ix.File(nil, name); !errors.Is(err, ErrNoSegment) {
			t.Errorf("File(%q) = %v, want ErrNoSegment", name, err)
		}
	}
}

// TestEditsRefused: the edit lists that periods cannot present are
// refused, saying why; a join's, with a trailing empty edit or with an
// entry split in two that follow each other, are packaged (the video as
// the join's).
func TestEditsRefused(t *testing.T) {
	parse := func(t *testing.T) *mp4.Movie {
		_, m := openMovie(t, "join_bf2.mp4")
		return m
	}
	base, err := New(parse(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(video, audio *mp4.Track)
		want string // "" for packaged
	}{
		{"as joined", func(v, a *mp4.Track) {}, ""},
		{"out of order", func(v, a *mp4.Track) { v.Edits[0], v.Edits[1] = v.Edits[1], v.Edits[0] }, "shows media twice or out of order"},
		{"twice", func(v, a *mp4.Track) { v.Edits[1] = v.Edits[0] }, "shows media twice or out of order"},
		{"open entry first", func(v, a *mp4.Track) { v.Edits[0].SegmentDuration = 0 }, "has no duration and is not the last"},
		{"rate", func(v, a *mp4.Track) { a.Edits[1].MediaRate = 0x20000 }, "an edit at rate 2"},
		{"entries differ", func(v, a *mp4.Track) { a.Edits = a.Edits[:2] }, "track 1 has 3 edit list media entries, track 2 has 2"},
		{"nothing shown", func(v, a *mp4.Track) {
			// 1 ms of media between the first piece's end and the second's
			// start, where no frame is composed.
			end := v.Edits[0].MediaTime + int64(v.Edits[0].SegmentDuration)*int64(v.Timescale)/1000
			v.Edits = []mp4.Edit{v.Edits[0], {SegmentDuration: 1, MediaTime: end + 1, MediaRate: 0x10000}, v.Edits[2]}
		}, "entry 2 shows no sample"},
		{"inside a GOP", func(v, a *mp4.Track) {
			// The first piece's first 0.8 s, then the rest less a frame:
			// the second entry starts inside the GOP the first shows.
			e := v.Edits[0]
			v.Edits = []mp4.Edit{{SegmentDuration: 800, MediaTime: e.MediaTime, MediaRate: 0x10000},
				{SegmentDuration: e.SegmentDuration - 800, MediaTime: e.MediaTime + 12288 + 512, MediaRate: 0x10000}, v.Edits[2]}
		}, "entry 2 shows sample 41, decoded before a sync sample"},
		{"split entry", func(v, a *mp4.Track) {
			// The first piece's edit in two that follow each other: merged.
			e := v.Edits[0]
			v.Edits = []mp4.Edit{{SegmentDuration: 800, MediaTime: e.MediaTime, MediaRate: 0x10000},
				{SegmentDuration: e.SegmentDuration - 800, MediaTime: e.MediaTime + 12288, MediaRate: 0x10000}, v.Edits[1], v.Edits[2]}
		}, ""},
		{"trailing empty edit", func(v, a *mp4.Track) {
			a.Edits = append(a.Edits, mp4.Edit{SegmentDuration: 500, MediaTime: -1, MediaRate: 0x10000})
		}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := parse(t)
			c.edit(m.Tracks[0], m.Tracks[1])
			ix, err := New(m, Options{})
			switch {
			case c.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case c.want == "" && (!slices.Equal(ix.Tracks[0].Segments, base.Tracks[0].Segments) || !bytes.Equal(ix.Tracks[0].Init(), base.Tracks[0].Init())):
				t.Errorf("the video is not packaged as the join's")
			case c.want != "" && (!errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), c.want)):
				t.Errorf("New: %v, want ErrUnsupported saying %q", err, c.want)
			}
		})
	}
}
