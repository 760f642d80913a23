package hls

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseClipRange(t *testing.T) {
	for s, want := range map[string]bool{
		"0-1": true, "2000-10000": true, "1-1": false, "2-1": false, "-1-2": false, "01-2": false,
		"1-02": false, "1": false, "a-2": false, "1-2-3": false, "": false, "+1-2": false,
	} {
		r, ok := ParseClipRange(s)
		if ok != want || (ok && r.Name() != s) {
			t.Errorf("ParseClipRange(%q) = %v, %v", s, r, ok)
		}
	}
}

func TestClipSegments(t *testing.T) {
	tr := &Track{Segments: []Segment{{Start: 0, Duration: 2}, {Start: 2, Duration: 2}, {Start: 4, Duration: 2}, {Start: 6, Duration: 1.5}}}
	for _, c := range []struct {
		start, end float64
		incl       bool
		from, to   int
	}{
		{0, 7.5, true, 0, 4},
		{0, 7.5, false, 0, 4},
		{2, 4, true, 1, 2}, // bounds on segment edges: that segment alone
		{2, 4, false, 1, 2},
		{1, 5, true, 0, 3}, // both bounds straddled: both segments in
		{1, 5, false, 0, 2},
		{2.5, 3, true, 1, 2},
		{2.5, 3, false, 1, 1},              // the only segment straddles the end
		{3.9999999, 6.0000001, true, 2, 3}, // within a microsecond of the edges: on them
		{7.5, 8, true, 4, 4},
	} {
		from, to := tr.ClipSegments(c.start, c.end, c.incl)
		if from != c.from || to != c.to {
			t.Errorf("ClipSegments(%g, %g, %v) = [%d, %d), want [%d, %d)", c.start, c.end, c.incl, from, to, c.from, c.to)
		}
	}
}

// TestClipFile checks the clipped playlists of a fixture: the media
// playlist lists the source's segments straddling the range under their
// own URIs, the master playlist is the source's.
func TestClipFile(t *testing.T) {
	_, ix := openIndex(t, "bf2_gop1s.mp4", Options{Target: time.Second})
	v := ix.Tracks[0]
	if len(v.Segments) < 4 {
		t.Fatalf("%d segments, want at least 4", len(v.Segments))
	}
	s1, s2 := v.Segments[1], v.Segments[2]
	r := ClipRange{int64((s1.Start + s1.Duration/2) * 1000), int64((s2.Start + s2.Duration/2) * 1000)}
	got, err := ix.ClipFile(r, v.PlaylistName())
	if err != nil {
		t.Fatal(err)
	}
	want := string(ix.MediaPlaylist(v, 1, 3, "../../"))
	if string(got) != want {
		t.Errorf("clip playlist:\n%s\nwant\n%s", got, want)
	}
	for _, n := range []int{1, 2} {
		if !strings.Contains(want, fmt.Sprintf("\n../../%s\n", v.SegmentName(n))) {
			t.Errorf("segment %d missing from\n%s", n, want)
		}
	}
	if strings.Contains(want, v.SegmentName(0)) || strings.Contains(want, v.SegmentName(3)) {
		t.Errorf("segments outside the range in\n%s", want)
	}
	if m, err := ix.ClipFile(r, MasterName); err != nil || string(m) != string(ix.Master()) {
		t.Errorf("clip master: %v\n%s", err, m)
	}
	for _, name := range []string{"t99.m3u8", v.SegmentName(1), v.InitName(), "master"} {
		if _, err := ix.ClipFile(r, name); !errors.Is(err, ErrNoSegment) {
			t.Errorf("ClipFile(%q): %v, want ErrNoSegment", name, err)
		}
	}
	past := ClipRange{int64(ix.Duration*1000) + 1000, int64(ix.Duration*1000) + 2000}
	if _, err := ix.ClipFile(past, v.PlaylistName()); !errors.Is(err, ErrNoSegment) {
		t.Errorf("range past the end: %v, want ErrNoSegment", err)
	}
}
