package hls

import (
	"fmt"
	"strconv"
	"strings"
)

// ClipDir is the directory, next to the master playlist, under which the
// clipped playlists of a range are served: ClipDir + ClipRange.Name() +
// "/" + a playlist's name (the master playlist or a track's).
const ClipDir = "clip/"

// ClipRange is a clip of the presentation [Start, End) in whole
// milliseconds, as named in clip URLs ("2000-10000").
type ClipRange struct{ Start, End int64 }

// Name returns the range's URL element: "<Start>-<End>".
func (r ClipRange) Name() string {
	return strconv.FormatInt(r.Start, 10) + "-" + strconv.FormatInt(r.End, 10)
}

// ParseClipRange parses a range's URL element as ClipRange.Name writes it
// (canonical decimal numbers, Start < End).
func ParseClipRange(s string) (ClipRange, bool) {
	a, b, ok := strings.Cut(s, "-")
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || strconv.FormatInt(start, 10) != a || strconv.FormatInt(end, 10) != b ||
		start < 0 || end <= start {
		return ClipRange{}, false
	}
	return ClipRange{start, end}, true
}

// ClipSegments returns the segments [from, to) of the track that a clip
// of the presentation [start, end) seconds plays, as Tencent clips HLS:
// whole segments, a segment straddling a bound included (when endInclusive
// is false, the segment straddling end is left out). to == from when no
// segment is in the range.
func (t *Track) ClipSegments(start, end float64, endInclusive bool) (from, to int) {
	// Bounds within a microsecond of a segment's are on it, whatever the
	// rounding of seconds.
	const eps = 1e-6
	from = len(t.Segments)
	for n, s := range t.Segments {
		if s.Start+s.Duration > start+eps {
			from = n
			break
		}
	}
	to = from
	for to < len(t.Segments) {
		s := t.Segments[to]
		if s.Start >= end-eps || (!endInclusive && s.Start+s.Duration > end+eps) {
			break
		}
		to++
	}
	return from, to
}

// ClipFile returns the playlist name (MasterName or a track's
// PlaylistName) of the clip r, served at ClipDir + r.Name() + "/" + name:
// the master playlist as Index.Master writes it (its URIs are the clip's
// track playlists next to it), or the media playlist of the track's
// segments that the clip plays (ClipSegments, end inclusive), whose URIs
// are the source's segments. It returns ErrNoSegment for any other name
// and for a range that plays no segment.
func (ix *Index) ClipFile(r ClipRange, name string) ([]byte, error) {
	if name == MasterName {
		return ix.Master(), nil
	}
	trackName, ok := strings.CutSuffix(name, ".m3u8")
	t := ix.Track(trackName)
	if !ok || t == nil {
		return nil, ErrNoSegment
	}
	from, to := t.ClipSegments(float64(r.Start)/1000, float64(r.End)/1000, true)
	if from == to {
		return nil, fmt.Errorf("%w: the clip %s plays no segment", ErrNoSegment, r.Name())
	}
	return ix.MediaPlaylist(t, from, to, "../../"), nil
}
