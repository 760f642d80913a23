// Package hls packages a stored progressive MP4 or MOV as HLS with CMAF
// (fragmented MP4) segments, on request, from its parsed sample tables
// (package mp4): nothing is stored. [New] plans the segments of a parsed
// movie into an [Index]; the Index writes the master playlist, a media
// playlist per track, each track's init segment and its media segments,
// reading only a segment's own sample bytes from the source.
//
// Segments are cut at the sync samples of the video track (the first
// one), as close to the target duration as the GOPs allow; the audio
// track (the first one) is cut at the same presentation times, so its
// segment n plays what video segment n shows. Each track keeps its decode
// times (tfdt is the source's decode time of the segment's first sample,
// so segments follow each other with no gap or overlap) and its source
// edit list is written into its init segment, so that the first frame
// shown is the source's first.
//
// An edit list with several media entries (a join of pieces, as
// FastEditMedia writes) is packaged as periods: each media entry's samples
// (from the sync sample that decoding them starts at) are a run of
// segments that starts with EXT-X-DISCONTINUITY and, when it differs, the
// EXT-X-MAP of an init segment whose edit list is that entry's. A later
// period's decode times (tfdt and its edit's media time) start at 0.
//
// Everything an Index writes is a function of the source bytes and the
// Options: the same request gives the same bytes.
package hls

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/openvod/openvod/mp4"
)

// DefaultTarget is the segment duration aimed at when Options.Target is 0.
const DefaultTarget = 6 * time.Second

// MaxSegmentBytes and MaxSegmentSamples bound the media bytes and the
// samples of one segment: a source with a larger GOP is not packaged, so
// that a segment request's memory (its bytes, and 16 bytes per sample of
// its moof) stays bounded.
const (
	MaxSegmentBytes   = 128 << 20
	MaxSegmentSamples = 1 << 17
)

// Options are the packaging choices.
type Options struct {
	// Target is the segment duration aimed at (DefaultTarget when 0): a
	// segment ends at the last sync sample at most Target after its start,
	// or at the first one after it when the GOP is longer.
	Target time.Duration
}

// ErrUnsupported is wrapped by the errors of New for a movie it does not
// package: its [*UnsupportedError] says why.
var ErrUnsupported = errors.New("hls: not packaged")

// UnsupportedError says why a movie is not packaged.
type UnsupportedError struct {
	// Track is the ID of the track at fault, 0 for the movie.
	Track uint32
	// Reason says what is not supported.
	Reason string
}

// Error implements the error interface.
func (e *UnsupportedError) Error() string {
	if e.Track == 0 {
		return "hls: not packaged: " + e.Reason
	}
	return fmt.Sprintf("hls: not packaged: track %d: %s", e.Track, e.Reason)
}

// Is reports whether target is ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

func unsupported(track uint32, format string, args ...any) error {
	return &UnsupportedError{Track: track, Reason: fmt.Sprintf(format, args...)}
}

// Index is the HLS packaging of one movie. It is not modified after New
// returns and is safe for concurrent use.
type Index struct {
	// Duration is the presentation's duration in seconds: the end of the
	// longest track's last segment.
	Duration float64
	// TargetDuration is #EXT-X-TARGETDURATION: the longest segment of any
	// track, rounded to whole seconds (at least 1).
	TargetDuration int
	// Tracks are the packaged tracks: the video track first, if any, then
	// the audio track, if any.
	Tracks []*Track
	// Independent is true when every segment starts with a sample that
	// decodes without earlier ones and is shown first: a video track's
	// segments each start at a sync sample that no later sample of the
	// segment is presented before (no leading pictures, so no open GOP:
	// an HEVC CRA with RASL pictures, an H.264 recovery point). The
	// playlists declare EXT-X-INDEPENDENT-SEGMENTS only then.
	Independent bool

	mvhd []byte
}

// Track is one packaged track: one media playlist, one init segment.
type Track struct {
	// Name names the track in URLs: "t" and its ID ("t1").
	Name string
	// ID is the source's track ID, kept in the segments.
	ID uint32
	// Video is true for the video track, false for audio.
	Video bool
	// Codec is the CODECS value of the track ("avc1.64001f", "mp4a.40.2").
	Codec string
	// Width and Height are the displayed size (after the rotation of the
	// track matrix) of a video track; 0 for audio.
	Width, Height int
	// Bandwidth is the peak bit rate of the track's segments and
	// AverageBandwidth the track's overall bit rate, in bit/s.
	Bandwidth, AverageBandwidth int64
	// Segments are the track's segments in order.
	Segments []Segment
	// Leading is the number of video segments some of whose samples are
	// presented before their first (an open GOP starts them); 0 for audio.
	Leading int

	t       *mp4.Track
	s       *mp4.Samples
	mts     uint32 // movie timescale
	periods []period
	ctts    bool     // composition offsets are written
	inits   [][]byte // the distinct init segments of the periods
}

// period is the part of a track that one media entry of its edit list
// presents, and the samples that decode it: from the sync sample (any
// sample of audio) after the samples the entries before show, to the next
// period's first.
type period struct {
	first, end int     // the samples, [first, end) in decode order
	start      float64 // where the period starts on the playlist timeline, seconds
	at         uint64  // where the media entry starts in the presentation, movie timescale
	delay      uint64  // at less the period's start, movie timescale: empty edits
	mediaTime  int64   // the entry's media time, media timescale
	base       int64   // subtracted from the period's decode times in its segments and init: its first sample's (0 in period 0)
	mediaEnd   int64   // where the entry ends in media time; math.MaxInt64 when it has no duration
	endAt      float64 // where the period's presentation ends, seconds
	visible    uint64  // the presented duration after delay, movie timescale
	init       int     // the index of its init segment in Track.inits
}

// Segment is one media segment of a track.
type Segment struct {
	// Start and Duration place the segment on the presentation timeline,
	// in seconds: Start is the sum of the Durations before it (the
	// playlist's timeline), which is the presentation time of its first
	// sample (of the first segment: 0).
	Start, Duration float64
	// FirstSample is the 0-based decode-order index of the segment's first
	// sample in the source track, and Samples their number.
	FirstSample, Samples int
	// Period is the 0-based index of the media entry of the source's edit
	// list that the segment presents (0 but for a multi-entry edit list);
	// the first segment of a later period follows a discontinuity.
	Period int
	// DecodeTime is the decode time of the first sample, in the track's
	// timescale: the segment's tfdt. It is the source's in period 0; a
	// later period's decode times start at 0 (its first sample's source
	// decode time is subtracted, as from its init segment's edit).
	DecodeTime int64
	// Bytes is the size of the segment's samples, and Runs the number of
	// runs of them adjacent in the source.
	Bytes int64
	Runs  int
	// SpanStart and SpanEnd are the smallest source byte range [SpanStart,
	// SpanEnd) holding the segment's samples, for a ranged read.
	SpanStart, SpanEnd int64
}

// Track returns the track named name, or nil.
func (ix *Index) Track(name string) *Track {
	for _, t := range ix.Tracks {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// New plans the HLS packaging of the parsed movie m: its first video track
// (H.264 or HEVC) and its first audio track (AAC); other tracks are left
// out. It reads no media data. A movie it does not package gives an error
// wrapping ErrUnsupported (fragmented files, other codecs, several sample
// descriptions, an edit at another rate, a video track that does not
// start with a sync sample, a GOP over MaxSegmentBytes or
// MaxSegmentSamples, and edit lists with several media entries that
// periods cannot present: see split); malformed sample tables give an
// error wrapping mp4.ErrInvalid.
func New(m *mp4.Movie, opt Options) (*Index, error) {
	if m.Fragmented {
		return nil, unsupported(0, "fragmented MP4")
	}
	if m.Timescale == 0 {
		return nil, fmt.Errorf("%w: movie timescale is 0", mp4.ErrInvalid)
	}
	target := opt.Target
	if target <= 0 {
		target = DefaultTarget
	}
	ix := &Index{mvhd: m.Mvhd}
	var video, audio *mp4.Track
	for _, t := range m.Tracks {
		switch {
		case t.SampleCount == 0:
		case t.Handler == "vide" && video == nil:
			video = t
		case t.Handler == "soun" && audio == nil:
			audio = t
		}
	}
	for _, t := range []*mp4.Track{video, audio} {
		if t == nil {
			continue
		}
		tr, err := newTrack(t, m.Timescale)
		if err != nil {
			return nil, err
		}
		ix.Tracks = append(ix.Tracks, tr)
	}
	if len(ix.Tracks) == 0 {
		return nil, unsupported(0, "no audio or video track with samples")
	}
	if err := alignPeriods(ix.Tracks); err != nil {
		return nil, err
	}
	ref := ix.Tracks[0]
	bounds := ref.cut(target.Seconds())
	ix.Independent = true
	// The tracks are cut at the same bounds independently: at once.
	errs := make([]error, len(ix.Tracks))
	var wg sync.WaitGroup
	for i, t := range ix.Tracks {
		wg.Go(func() { errs[i] = t.segment(bounds) })
	}
	wg.Wait()
	for i, t := range ix.Tracks {
		if errs[i] != nil {
			return nil, errs[i]
		}
		ix.Duration = max(ix.Duration, t.end())
		ix.Independent = ix.Independent && t.Leading == 0
		for _, s := range t.Segments {
			ix.TargetDuration = max(ix.TargetDuration, int(math.Round(s.Duration)))
		}
		for p := range t.periods {
			pd := &t.periods[p]
			init := ix.initSegment(t, pd)
			if k := len(t.inits) - 1; k >= 0 && bytes.Equal(t.inits[k], init) {
				pd.init = k
				continue
			}
			pd.init = len(t.inits)
			t.inits = append(t.inits, init)
		}
	}
	ix.TargetDuration = max(ix.TargetDuration, 1)
	return ix, nil
}

// newTrack checks a track and reads its edit list and sample tables.
func newTrack(t *mp4.Track, movieTimescale uint32) (*Track, error) {
	if len(t.SampleEntries) != 1 {
		return nil, unsupported(t.ID, "%d sample descriptions", len(t.SampleEntries))
	}
	e := &t.SampleEntries[0]
	codec, err := codecString(e)
	if err != nil {
		return nil, unsupported(t.ID, "%v", err)
	}
	video := t.Handler == "vide"
	if video != (e.Codec() != "aac") {
		return nil, unsupported(t.ID, "%s in a %q track", e.Codec(), t.Handler)
	}
	s, err := t.Samples()
	if err != nil {
		return nil, err
	}
	tr := &Track{Name: fmt.Sprintf("t%d", t.ID), ID: t.ID, Video: video, Codec: codec, t: t, s: s, mts: movieTimescale, ctts: len(t.CompositionOffsets) > 0}
	if video {
		tr.Width, tr.Height = int(t.DisplayWidth), int(t.DisplayHeight)
		if tr.Width == 0 || tr.Height == 0 {
			tr.Width, tr.Height = int(e.Width), int(e.Height)
		}
		if t.Rotation == 90 || t.Rotation == 270 {
			tr.Width, tr.Height = tr.Height, tr.Width
		}
	}
	if err := tr.readEdits(); err != nil {
		return nil, err
	}
	if s.Len() > 0 && !s.At(0).Sync && video {
		return nil, unsupported(t.ID, "the first sample is not a sync sample")
	}
	if err := tr.split(); err != nil {
		return nil, err
	}
	return tr, nil
}

// readEdits reads the edit list into periods, one per media entry (one
// showing all the media when there is none): where it starts in the
// presentation (after the empty entries before it) and its media range.
// Empty entries after the last media entry are left out (the track ends
// there); an entry that continues the one before (its media time is where
// that one ends, with no empty entry between) is merged into it. The media ranges must follow each other (a range starting
// before the one before ends would show media twice or out of order), and
// only the last may have no duration.
func (t *Track) readEdits() error {
	var at, prevDur uint64 // prevDur: the last media entry's duration
	for _, ed := range t.t.Edits {
		switch {
		case ed.MediaTime == -1:
			at += ed.SegmentDuration
			continue
		case ed.MediaRate != 0x10000:
			return unsupported(t.ID, "an edit at rate %g", float64(ed.MediaRate)/0x10000)
		}
		pd := period{at: at, mediaTime: ed.MediaTime, mediaEnd: math.MaxInt64}
		if ed.SegmentDuration > 0 {
			d := float64(ed.SegmentDuration) * float64(t.t.Timescale) / float64(t.mts)
			pd.mediaEnd = ed.MediaTime + int64(math.Round(d))
		}
		if n := len(t.periods); n > 0 {
			switch prev := &t.periods[n-1]; {
			case prev.mediaEnd == pd.mediaTime && prev.at+prevDur == at:
				// It continues the entry before, with no gap: one entry.
				prev.mediaEnd, prevDur = pd.mediaEnd, prevDur+ed.SegmentDuration
				at += ed.SegmentDuration
				continue
			case prev.mediaEnd == math.MaxInt64:
				return unsupported(t.ID, "edit list entry %d has no duration and is not the last media entry", n)
			case pd.mediaTime < prev.mediaEnd:
				return unsupported(t.ID, "edit list media entry %d starts at media time %d, before entry %d ends (%d): it shows media twice or out of order", n+1, pd.mediaTime, n, prev.mediaEnd)
			}
		}
		t.periods = append(t.periods, pd)
		prevDur = ed.SegmentDuration
		at += ed.SegmentDuration
	}
	if len(t.periods) == 0 {
		t.periods = []period{{at: at, mediaEnd: math.MaxInt64}}
	}
	t.periods[0].delay = t.periods[0].at
	t.periods[len(t.periods)-1].end = t.s.Len()
	return nil
}

// split assigns the samples to the periods, in decode order: period p > 0
// starts at the first cut point (sync sample; any audio sample) after the
// last sample shown by the media entries before it, so that its lead-in
// (the samples that decode its first frame but are not shown) is in it.
// A video sample is shown by the entry whose media range holds its
// composition time (a video sample's decode duration is not how long it
// is shown), an audio sample by the first entry whose media range its
// composition interval meets. It is an
// UnsupportedError when the periods cannot be cut so: an entry showing no
// sample, or an entry whose first sample shown decodes before a cut point
// after the samples the entries before show (the jump would split a GOP,
// or media is shown out of decode order).
func (t *Track) split() error {
	ps := t.periods
	if len(ps) == 1 {
		return nil
	}
	first, last := make([]int, len(ps)), make([]int, len(ps))
	for q := range ps {
		first[q], last[q] = -1, -1
	}
	for i, smp := range t.s.All() {
		cts, end := smp.PTS(), smp.PTS()+1
		if !t.Video {
			end += max(int64(smp.Duration), 1) - 1
		}
		q := sort.Search(len(ps), func(q int) bool { return ps[q].mediaEnd > cts })
		if q == len(ps) || ps[q].mediaTime >= end {
			continue // shown by no entry
		}
		if first[q] < 0 {
			first[q] = i
		}
		last[q] = i
	}
	shown := -1 // the last sample shown by the entries before
	for q := range ps {
		if first[q] < 0 {
			return unsupported(t.ID, "edit list media entry %d shows no sample", q+1)
		}
		if q > 0 {
			b := t.nextCutPoint(shown + 1)
			if b > first[q] {
				return unsupported(t.ID, "edit list media entry %d shows sample %d, decoded before a sync sample that follows the samples the entries before show", q+1, first[q]+1)
			}
			ps[q].first, ps[q-1].end, ps[q].base = b, b, t.s.At(b).DTS
		}
		shown = max(shown, last[q])
	}
	return nil
}

// nextCutPoint returns the index of the first sample at or after i a
// segment may start at (see cutPoints), or the number of samples.
func (t *Track) nextCutPoint(i int) int {
	if !t.Video || !t.t.HasSyncSamples {
		return min(i, t.s.Len())
	}
	ss := t.t.SyncSamples
	k := sort.Search(len(ss), func(k int) bool { return int(ss[k])-1 >= i })
	if k == len(ss) {
		return t.s.Len()
	}
	return int(ss[k]) - 1
}

// alignPeriods places the tracks' periods on one timeline: period p > 0
// of every track starts where the first of the tracks' media entries p
// starts (the others' empty edits before their entry p are their
// period's delay), so that the playlists' discontinuities fall at the same
// times. Tracks with several periods must have the same number.
func alignPeriods(tracks []*Track) error {
	n := len(tracks[0].periods)
	for _, t := range tracks[1:] {
		if len(t.periods) != n {
			return unsupported(0, "track %d has %d edit list media entries, track %d has %d", tracks[0].ID, n, t.ID, len(t.periods))
		}
	}
	for p := 1; p < n; p++ {
		at := uint64(math.MaxUint64)
		for _, t := range tracks {
			at = min(at, t.periods[p].at)
		}
		for _, t := range tracks {
			pd := &t.periods[p]
			pd.start, pd.delay = float64(at)/float64(t.mts), pd.at-at
		}
	}
	return nil
}

// pres returns the presentation time in seconds of media time v in
// period pd.
func (t *Track) pres(pd *period, v int64) float64 {
	return pd.start + float64(pd.delay)/float64(t.mts) + float64(v-pd.mediaTime)/float64(t.t.Timescale)
}

// cut returns, per period, the presentation times where the reference
// track's segments after the period's first start: at sync samples (every
// sample of an audio track), the last at most target after the segment's
// start, or the first after it, and before the next period.
func (t *Track) cut(target float64) [][]float64 {
	const eps = 1e-6
	bounds := make([][]float64, len(t.periods))
	for p := range t.periods {
		pd := &t.periods[p]
		limit := math.Inf(1)
		if p+1 < len(t.periods) {
			limit = t.periods[p+1].start - eps
		}
		start, good := pd.start, -1.0
		for i, smp := range t.cutPoints(pd.first, pd.end) {
			if i == pd.first {
				continue
			}
			at := t.pres(pd, smp.PTS())
			if at <= start+eps || at >= limit {
				continue
			}
			if at-start <= target+eps {
				good = at
				continue
			}
			if good > 0 {
				bounds[p] = append(bounds[p], good)
				start, good = good, -1
				if at-start <= target+eps {
					good = at
					continue
				}
			}
			bounds[p] = append(bounds[p], at)
			start = at
		}
	}
	return bounds
}

// cutPoints returns the samples of [from, to) a segment of the track may
// start at, in decode order: the sync samples of a video track (read from
// stss, not by walking every sample), every sample of an audio track.
func (t *Track) cutPoints(from, to int) iter.Seq2[int, mp4.Sample] {
	if !t.Video || !t.t.HasSyncSamples {
		return t.s.Range(from, to)
	}
	return func(yield func(int, mp4.Sample) bool) {
		for i := t.nextCutPoint(from); i < to; i = t.nextCutPoint(i + 1) {
			if !yield(i, t.s.At(i)) {
				return
			}
		}
	}
}

// segment splits each period's samples at the presentation times bounds
// (of that period): a segment holds the samples, in decode order, from the
// first (a sync sample, for video) whose presentation starts at or after
// its bound, and a period's first segment starts at its first sample and
// at its start. The reference track's bounds are its own samples' times,
// so its segments start exactly there; another track's start at its first
// sample past each bound, and it has no segments past its last sample. A
// period's last segment lasts until the next period starts, the track's
// last until its last frame ends (capped by the edit).
func (t *Track) segment(bounds [][]float64) error {
	var firstPTS int64
	seg := Segment{SpanStart: math.MaxInt64}
	leading := false
	var lastEnd int64 // where the previous sample ends in the source
	flush := func(next int, at float64, period int) error {
		if seg.Bytes > MaxSegmentBytes || seg.Samples > MaxSegmentSamples {
			return unsupported(t.ID, "segment %d holds %d samples of %d bytes, over %d samples or %d bytes", len(t.Segments), seg.Samples, seg.Bytes, MaxSegmentSamples, MaxSegmentBytes)
		}
		t.Segments = append(t.Segments, seg)
		if leading && t.Video {
			t.Leading++
		}
		seg, leading = Segment{FirstSample: next, SpanStart: math.MaxInt64, Start: at, Period: period}, false
		return nil
	}
	for p := range t.periods {
		pd := &t.periods[p]
		n := pd.end
		// Samples after the media edit's end, at the period's end in
		// decode order, are left out: nothing decoded later refers to
		// them.
		for n > pd.first+1 && t.s.At(n-1).PTS() >= pd.mediaEnd {
			n--
		}
		if seg.Samples > 0 {
			if err := flush(pd.first, pd.start, p); err != nil {
				return err
			}
		}
		maxEnd, k, b := int64(math.MinInt64), 0, bounds[p]
		for i, smp := range t.s.Range(pd.first, n) {
			pts := smp.PTS()
			// A video segment starts at a sync sample, an audio one at any.
			if at := t.pres(pd, pts); seg.Samples > 0 && k < len(b) && (smp.Sync || !t.Video) && at >= b[k]-1e-6 {
				if err := flush(i, at, p); err != nil {
					return err
				}
				for k < len(b) && at >= b[k]-1e-6 {
					k++ // past bounds with no sample of their own: this segment spans them
				}
			}
			if seg.Samples == 0 {
				seg.DecodeTime, firstPTS = smp.DTS-pd.base, pts
			}
			leading = leading || pts < firstPTS
			if seg.Samples == 0 || smp.Offset != lastEnd {
				seg.Runs++
			}
			lastEnd = smp.Offset + int64(smp.Size)
			seg.Samples++
			seg.Bytes += int64(smp.Size)
			seg.SpanStart = min(seg.SpanStart, smp.Offset)
			seg.SpanEnd = max(seg.SpanEnd, smp.Offset+int64(smp.Size))
			maxEnd = max(maxEnd, pts+int64(smp.Duration))
		}
		pd.endAt = t.pres(pd, min(maxEnd, pd.mediaEnd))
		shown := pd.endAt - pd.start - float64(pd.delay)/float64(t.mts)
		pd.visible = uint64(math.Round(max(shown, 0) * float64(t.mts)))
	}
	if seg.Samples > 0 {
		if err := flush(0, 0, 0); err != nil {
			return err
		}
	}
	var bytes int64
	endAt := t.periods[len(t.periods)-1].endAt
	for i := range t.Segments {
		s := &t.Segments[i]
		next := endAt
		if i+1 < len(t.Segments) {
			next = t.Segments[i+1].Start
		}
		s.Duration = max(next-s.Start, 0)
		bytes += s.Bytes
		t.Bandwidth = max(t.Bandwidth, int64(math.Ceil(float64(s.Bytes)*8/max(s.Duration, 1))))
	}
	if d := t.end(); d > 0 {
		t.AverageBandwidth = int64(math.Ceil(float64(bytes) * 8 / d))
	}
	// Segments under a second count as a second: short ones (a join's
	// pieces) may leave the peak under the mean, which it bounds.
	t.Bandwidth = max(t.Bandwidth, t.AverageBandwidth)
	return nil
}

// end returns the end of the track's last segment, in seconds.
func (t *Track) end() float64 {
	if len(t.Segments) == 0 {
		return 0
	}
	s := t.Segments[len(t.Segments)-1]
	return s.Start + s.Duration
}
