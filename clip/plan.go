package clip

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"

	"github.com/openvod/openvod/mp4"
)

// Limits on the work and memory of a plan. A track with more samples
// than maxTrackSamples (e.g. PCM stored one sample per audio frame, 172
// million per hour at 48 kHz) or a clip with more than maxClipSamples is
// reported as unsupported; 24 hours of 60 fps video has 5.2 million
// samples, and the plan keeps 32 bytes per sample copied.
const (
	maxTrackSamples = 1 << 23
	maxClipSamples  = 1 << 22
)

// Plan is a fast-precision cut of one source: which samples of which tracks
// are copied, and the output's ftyp and moov, ready to be written by
// [Plan.WriteTo]. Times are in seconds on the source's presentation
// timeline (after its edit list).
//
// A Plan is not modified after PlanFast returns; it may be written several
// times, concurrently, to different destinations.
type Plan struct {
	// Start and End are the requested range.
	Start, End float64
	// EffectiveStart is where the clip starts: Start snapped back to the
	// start of the video frame shown at Start, or, with HideLeadIn false,
	// the time of the keyframe decoding starts at. The first frame the
	// clip shows is the source frame shown at EffectiveStart.
	EffectiveStart float64
	// EffectiveEnd is where the clip ends: End, clamped to the source
	// duration when it was less than one frame past it, and rounded to the
	// movie timescale (never before the start of the last frame kept).
	EffectiveEnd float64
	// Duration is EffectiveEnd - EffectiveStart: the clip's duration.
	Duration float64
	// LeadIn is the length in seconds of the video that is stored and
	// decoded but hidden by the edit list: from the keyframe decoding
	// starts at to EffectiveStart. It is 0 when HideLeadIn is false.
	LeadIn float64
	// KeyframeTime is the time of the sync sample at or before the start
	// that decoding starts at (for the first video track); it equals
	// EffectiveStart - LeadIn. It is negative when that sync sample is
	// hidden by the source's own edit list (a source that is itself a
	// clip). For an audio-only clip it is EffectiveStart.
	KeyframeTime float64
	// HideLeadIn is the option given to PlanFast.
	HideLeadIn bool
	// Size is the size in bytes of the output file.
	Size int64
	// MediaBytes is the size of the media data copied from the source (the
	// mdat payload), and Runs the number of contiguous byte ranges of the
	// source it is copied from: samples adjacent in the source, of any
	// track, are copied together, with one copy_file_range between files
	// or with 1 MiB reads otherwise.
	MediaBytes int64
	Runs       int
	// Tracks describes the output tracks, in source order.
	Tracks []TrackPlan
	// DroppedTracks lists the IDs of the source tracks not copied: tracks
	// other than audio and video (timecode, subtitles, hint, metadata) and
	// tracks with no media in the range.
	DroppedTracks []uint32

	head []byte    // ftyp, moov and the mdat header
	runs []byteRun // source ranges copied into mdat, in output order
}

// TrackPlan describes one output track of a [Plan].
type TrackPlan struct {
	// ID is the track ID, the same as in the source; Handler is "vide" or
	// "soun" and Codec the ffprobe codec name ("h264", "aac", ...).
	ID      uint32
	Handler string
	Codec   string
	// FirstSample is the 0-based decode-order index in the source of the
	// first sample copied, and Samples the number of samples copied.
	FirstSample, Samples int
	// Hidden is the number of samples copied before the first one shown:
	// the video lead-in from the keyframe, or the audio pre-roll.
	Hidden int
	// Dropped is the number of samples in the selection that are not
	// copied: the RASL pictures of the HEVC CRA picture decoding starts
	// at, which show frames before it and refer to the GOP before it (see
	// docs/architecture.md). Their durations are added to the sample
	// before them, so the other samples keep their times.
	Dropped int
	// MediaTime is the output edit list's media time, in Timescale units:
	// the decode-time offset of the first instant shown.
	MediaTime int64
	Timescale uint32
	// Bytes is the size of the samples copied.
	Bytes int64
}

// byteRun is a range of a source copied in one go: of the source of a
// cut, or of a join's piece.
type byteRun struct {
	piece  uint8
	off, n int64
}

// outSample is one sample copied to the output.
type outSample struct {
	off   int64 // source offset
	out   int64 // offset in the mdat payload
	size  uint32
	dur   uint32
	cto   int32
	sync  bool
	piece uint8 // the source: the index of a join's piece, 0 for a cut
}

// chunk is a run of a track's samples that are adjacent in the output.
type chunk struct {
	out int64 // offset in the mdat payload
	n   uint32
}

// trackCut is the cut of one track.
type trackCut struct {
	t           *mp4.Track
	s           *mp4.Samples
	entry       *mp4.SampleEntry
	video       bool
	codec       string
	preRollRule preRollRule

	// Source timeline. The track shows media time mediaTime at delay
	// seconds, up to media time editEnd.
	mediaTime int64
	editEnd   int64
	delay     float64
	ts        float64 // media timescale
	firstCTS  int64   // smallest composition time
	endCTS    int64   // largest composition end time
	lastDur   uint32  // duration of the sample shown last
	minOff    int64   // smallest composition offset (at most 0)
	maxOff    int64   // largest composition offset (at least 0)
	maxDelta  int64   // largest sample duration
	visStart  int64   // first media time shown: max(firstCTS, mediaTime)
	visEnd    int64   // media time where showing ends: min(endCTS, editEnd)
	start     float64 // presentation time of visStart
	end       float64 // presentation time of visEnd

	// Selection: samples [first, last) in decode order, less those in
	// drop (ascending); decoding starts at sample key (video) and media
	// time startTick is shown first.
	first, last int
	key         int
	drop        []int
	startTick   int64
	endTick     int64

	// Output.
	emptyTicks, segTicks uint64 // edit list, movie timescale
	mediaTimeOut         int64  // edit media_time
	mediaDur             uint64 // sum of sample durations
	samples              []outSample
	bytes                int64
	hidden               int // samples copied but not shown
}

// PlanFast plans a fast-precision cut of [start, end) (seconds on the
// source's presentation timeline) of the parsed movie m, whose bytes src
// reads; it reads only a few NAL unit headers from src, to check that
// decoding can start at the chosen sync sample. With hideLeadIn, the
// frames from that sync sample to start are stored and hidden by the edit
// list, and the clip starts with the frame shown at start; without, the
// clip starts at the sync sample and no video is hidden (the audio keeps
// its pre-roll, one hidden frame for AAC, so that its first frame decodes
// right).
//
// It returns a [*RangeError] (wrapping [ErrRange]) for a range that is
// empty, inverted or outside the media, an error wrapping [ErrUnsupported]
// for a source the fast mode cannot cut exactly, an error wrapping
// [mp4.ErrInvalid] for malformed sample tables, and a wrapped read error if
// src fails. The Plan does not refer to m or src afterwards.
func PlanFast(m *mp4.Movie, src io.ReaderAt, start, end float64, hideLeadIn bool) (*Plan, error) {
	return planFast(m, src, start, end, hideLeadIn, math.MaxUint32)
}

// planFast is PlanFast with the largest file offset that 32-bit fields
// (stco, the mdat size) may hold; tests lower it to exercise co64 and a
// 64-bit mdat size.
func planFast(m *mp4.Movie, src io.ReaderAt, start, end float64, hideLeadIn bool, limit32 int64) (*Plan, error) {
	p, cuts, segTotal, err := planCuts(m, src, start, end, hideLeadIn)
	if err != nil {
		return nil, err
	}
	tracks := make([]*outTrack, len(cuts))
	for i, c := range cuts {
		tracks[i] = c.output()
	}
	out, err := layout(m, tracks, m.Timescale, segTotal, limit32)
	if err != nil {
		return nil, err
	}
	p.Size, p.MediaBytes, p.Runs, p.head, p.runs = out.size, out.mediaBytes, len(out.runs), out.head, out.runs
	for _, c := range cuts {
		p.Tracks = append(p.Tracks, TrackPlan{
			ID:          c.t.ID,
			Handler:     c.t.Handler,
			Codec:       c.codec,
			FirstSample: c.first,
			Samples:     len(c.samples),
			Hidden:      c.hidden,
			Dropped:     len(c.drop),
			MediaTime:   c.mediaTimeOut,
			Timescale:   c.t.Timescale,
			Bytes:       c.bytes,
		})
	}
	return p, nil
}

// planCuts chooses the samples of each track of m that the cut of [start,
// end) copies: PlanFast without the output's layout, shared with
// [PlanJoin]. It returns the plan's times, the tracks kept (with their
// edits and samples) and the clip's duration in the movie timescale.
func planCuts(m *mp4.Movie, src io.ReaderAt, start, end float64, hideLeadIn bool) (*Plan, []*trackCut, uint64, error) {
	if m == nil {
		return nil, nil, 0, errors.New("clip: nil movie")
	}
	if math.IsNaN(start) || math.IsInf(start, 0) || start < 0 {
		return nil, nil, 0, &RangeError{Bound: BoundStart, Value: start, Reason: "is not a non-negative number of seconds"}
	}
	if math.IsNaN(end) || math.IsInf(end, -1) {
		return nil, nil, 0, &RangeError{Bound: BoundEnd, Value: end, Reason: "is not a number of seconds"}
	}
	if m.Fragmented {
		return nil, nil, 0, unsupported(0, "fragmented MP4")
	}
	if m.Timescale == 0 {
		return nil, nil, 0, fmt.Errorf("%w: movie timescale is 0", mp4.ErrInvalid)
	}
	p := &Plan{Start: start, End: end, HideLeadIn: hideLeadIn}
	var cuts []*trackCut
	for _, t := range m.Tracks {
		c, err := analyse(m, t)
		if err != nil {
			return nil, nil, 0, err
		}
		if c == nil {
			p.DroppedTracks = append(p.DroppedTracks, t.ID)
			continue
		}
		cuts = append(cuts, c)
	}
	if len(cuts) == 0 {
		return nil, nil, 0, unsupported(0, "no audio or video track with samples")
	}

	// The source duration, and one frame of the first video track (or of
	// the first audio track) for the tolerance at the end.
	var duration, frame float64
	for _, c := range cuts {
		duration = max(duration, c.end)
	}
	for _, c := range cuts {
		if c.video {
			frame = float64(c.lastDur) / c.ts
			break
		}
	}
	if frame == 0 {
		frame = float64(cuts[0].lastDur) / cuts[0].ts
	}
	if start >= duration {
		return nil, nil, 0, &RangeError{Bound: BoundStart, Value: start, Duration: duration, Reason: fmt.Sprintf("is not before the %.3f s duration", duration)}
	}
	if end <= start {
		return nil, nil, 0, &RangeError{Bound: BoundEnd, Value: end, Duration: duration, Reason: fmt.Sprintf("is not after Start (%g s)", start)}
	}
	effEnd := end
	if end > duration {
		// The API turns an omitted End into the duration it probed, the
		// mvhd one: accept up to a frame past either.
		limit := max(duration, float64(m.Duration)/float64(m.Timescale))
		if end-limit >= frame-1e-6 {
			return nil, nil, 0, &RangeError{Bound: BoundEnd, Value: end, Duration: duration, Reason: fmt.Sprintf("is past the %.3f s duration by a frame or more", duration)}
		}
		effEnd = duration
	}

	// The reference track: the first video track showing something at
	// start. Start snaps to its frames, and its lead-in is reported.
	var ref *trackCut
	for _, c := range cuts {
		if c.video && c.start <= start && start < c.end {
			ref = c
			break
		}
	}
	effStart := start
	p.KeyframeTime = start
	if ref != nil {
		sTick := max(satAdd(ref.mediaTime, floorTicks(start-ref.delay, ref.ts)), ref.visStart)
		eTick := min(satAdd(ref.mediaTime, ceilTicks(effEnd-ref.delay, ref.ts)), ref.visEnd)
		if err := ref.selectVideo(sTick, max(eTick, satAdd(sTick, 1))); err != nil {
			return nil, nil, 0, err
		}
		if err := ref.startDecoding(src); err != nil {
			return nil, nil, 0, err
		}
		keyCTS := ref.s.At(ref.key).PTS()
		if !hideLeadIn {
			if keyCTS < ref.mediaTime {
				return nil, nil, 0, unsupported(ref.t.ID, "the keyframe at or before Start is hidden by the source's edit list; the clip cannot start at a keyframe without hiding frames")
			}
			ref.startTick = keyCTS
		}
		if i := ref.shownLateBeforeKey(); i > 0 {
			return nil, nil, 0, unsupported(ref.t.ID, "sample %d, decoded before sync sample %d, is shown after the start", i, ref.key+1)
		}
		effStart = ref.delay + float64(ref.startTick-ref.mediaTime)/ref.ts
		p.KeyframeTime = ref.delay + float64(keyCTS-ref.mediaTime)/ref.ts
	}

	// The movie's edit length, in the movie timescale; the last frame
	// kept must start before it ends.
	mts := float64(m.Timescale)
	segTotal := max(roundU64((effEnd-effStart)*mts), 1)
	if ref != nil {
		if lastShown, ok := ref.lastShownBefore(ref.endTick); ok {
			need := float64(lastShown-ref.startTick) / ref.ts * mts
			if float64(segTotal) <= need {
				segTotal = uint64(math.Floor(need)) + 1
			}
		}
	}
	effEnd = effStart + float64(segTotal)/mts

	kept := cuts[:0]
	clipSamples := 0
	for _, c := range cuts {
		tStart, tEnd := max(effStart, c.start), min(effEnd, c.end)
		if c != ref {
			if tEnd <= tStart {
				p.DroppedTracks = append(p.DroppedTracks, c.t.ID)
				continue
			}
			sTick := min(max(satAdd(c.mediaTime, roundTicks(tStart-c.delay, c.ts)), c.visStart), c.visEnd-1)
			eTick := max(min(satAdd(c.mediaTime, ceilTicks(tEnd-c.delay, c.ts)), c.visEnd), satAdd(sTick, 1))
			var err error
			if c.video {
				err = c.selectVideo(sTick, eTick)
				if err == nil {
					err = c.startDecoding(src)
				}
				if i := c.shownLateBeforeKey(); err == nil && i > 0 {
					err = unsupported(c.t.ID, "sample %d, decoded before sync sample %d, is shown after the start", i, c.key+1)
				}
				if err == nil && !hideLeadIn && c.s.At(c.key).PTS() < c.startTick {
					err = unsupported(c.t.ID, "a second video track would need a hidden lead-in")
				}
			} else {
				err = c.selectAudio(sTick, eTick)
			}
			if err != nil {
				return nil, nil, 0, err
			}
		}
		c.emptyTicks = roundU64((tStart - effStart) * mts)
		endTicks := segTotal
		if tEnd < effEnd {
			endTicks = min(roundU64((tEnd-effStart)*mts), segTotal)
		}
		if endTicks <= c.emptyTicks {
			p.DroppedTracks = append(p.DroppedTracks, c.t.ID)
			continue
		}
		c.segTicks = endTicks - c.emptyTicks
		if clipSamples += c.last - c.first; clipSamples > maxClipSamples {
			return nil, nil, 0, unsupported(0, "the clip has more than %d samples", maxClipSamples)
		}
		if err := c.collect(!hideLeadIn && c == ref); err != nil {
			return nil, nil, 0, err
		}
		kept = append(kept, c)
	}
	cuts = kept
	if len(cuts) == 0 {
		return nil, nil, 0, &RangeError{Bound: BoundStart, Value: start, Duration: duration, Reason: "leaves no media in the range"}
	}

	p.EffectiveStart, p.EffectiveEnd, p.Duration = effStart, effEnd, float64(segTotal)/mts
	if ref != nil && hideLeadIn {
		p.LeadIn = max(effStart-p.KeyframeTime, 0)
	} else {
		p.KeyframeTime = effStart
	}
	return p, cuts, segTotal, nil
}

// analyse checks a track and reads its timeline. It returns nil for a
// track that is not copied (not audio or video, or empty).
func analyse(m *mp4.Movie, t *mp4.Track) (*trackCut, error) {
	c, err := headerCut(m, t)
	if c == nil || err != nil {
		return nil, err
	}
	s, err := t.Samples()
	if err != nil {
		return nil, err
	}
	c.s = s
	c.scan()
	if c.visEnd <= c.visStart {
		return nil, nil
	}
	return c, nil
}

// headerCut checks what the track's headers, sample description and edit
// list say of it, without its sample tables. It returns nil for a track
// that is not copied (not audio or video, or without samples).
func headerCut(m *mp4.Movie, t *mp4.Track) (*trackCut, error) {
	var video bool
	switch t.Handler {
	case "vide":
		video = true
	case "soun":
	default:
		return nil, nil
	}
	if t.SampleCount == 0 {
		return nil, nil
	}
	if len(t.SampleEntries) != 1 {
		return nil, unsupported(t.ID, "%d sample descriptions", len(t.SampleEntries))
	}
	if t.SampleCount > maxTrackSamples {
		return nil, unsupported(t.ID, "%d samples (the fast mode handles up to %d per track)", t.SampleCount, maxTrackSamples)
	}
	e := &t.SampleEntries[0]
	c := &trackCut{t: t, entry: e, video: video, codec: e.Codec(), ts: float64(t.Timescale)}
	name := c.codec
	if name == "" {
		name = fmt.Sprintf("%q", e.Type)
	}
	if video {
		if !videoCodecs[c.codec] {
			return nil, unsupported(t.ID, "unknown codec %s (fast mode cuts h264 and hevc video)", name)
		}
		if _, err := nalLengthSize(e); err != nil {
			return nil, unsupported(t.ID, "%v", err)
		}
	} else {
		rule, ok := audioCodecs[c.codec]
		if !ok {
			return nil, unsupported(t.ID, "unknown codec %s", name)
		}
		c.preRollRule = rule
	}
	if err := checkDataRef(t, e); err != nil {
		return nil, err
	}
	if err := c.readEdits(m.Timescale); err != nil {
		return nil, err
	}
	return c, nil
}

// readEdits reads the source edit list: leading empty edits, then at most
// one media edit at normal rate.
func (c *trackCut) readEdits(movieTimescale uint32) error {
	c.editEnd = math.MaxInt64
	var empty uint64
	seen := false
	for _, e := range c.t.Edits {
		if e.MediaTime == -1 {
			if seen {
				return unsupported(c.t.ID, "edit list with an empty edit after the media")
			}
			empty = addSat(empty, e.SegmentDuration)
			continue
		}
		if seen {
			return unsupported(c.t.ID, "edit list with several non-empty entries")
		}
		if e.MediaTime < 0 {
			return fmt.Errorf("%w: track %d elst: media time %d", mp4.ErrInvalid, c.t.ID, e.MediaTime)
		}
		if e.MediaRate != 0x10000 {
			return unsupported(c.t.ID, "edit with rate %g", float64(e.MediaRate)/0x10000)
		}
		seen = true
		c.mediaTime = e.MediaTime
		if e.SegmentDuration > 0 {
			c.editEnd = addSatInt(c.mediaTime, scale(e.SegmentDuration, uint64(c.t.Timescale), uint64(movieTimescale)))
		}
	}
	if !seen && len(c.t.Edits) > 0 {
		return unsupported(c.t.ID, "edit list without a media entry")
	}
	c.delay = float64(empty) / float64(movieTimescale)
	return nil
}

// scan reads the track's composition time range. It reads only the first
// and the last few samples: a sample's composition time is its decode
// time plus an offset within [minOff, maxOff].
func (c *trackCut) scan() {
	for _, e := range c.t.CompositionOffsets {
		if e.Count > 0 {
			c.minOff, c.maxOff = min(c.minOff, int64(e.Offset)), max(c.maxOff, int64(e.Offset))
		}
	}
	n := c.s.Len()
	var dts, lastDTS int64
	first := 0
	for _, e := range c.t.TimeToSample {
		if first >= n {
			break
		}
		if e.Count == 0 {
			continue
		}
		cnt := min(int(e.Count), n-first)
		c.maxDelta = max(c.maxDelta, int64(e.Delta))
		lastDTS = dts + int64(cnt-1)*int64(e.Delta)
		dts += int64(cnt) * int64(e.Delta)
		first += cnt
	}
	c.firstCTS, c.endCTS = math.MaxInt64, math.MinInt64
	for _, s := range c.s.All() {
		if s.DTS+c.minOff > c.firstCTS {
			break
		}
		c.firstCTS = min(c.firstCTS, s.PTS())
	}
	maxCTS := int64(math.MinInt64)
	from := c.dtsIndex(satAdd(lastDTS, c.minOff-c.maxOff-c.maxDelta))
	for _, s := range c.s.Range(from, n) {
		cts := s.PTS()
		c.endCTS = max(c.endCTS, cts+int64(s.Duration))
		if cts >= maxCTS {
			maxCTS, c.lastDur = cts, s.Duration
		}
	}
	c.visStart, c.visEnd = max(c.firstCTS, c.mediaTime), min(c.endCTS, c.editEnd)
	if c.visEnd > c.visStart {
		c.start = c.delay + float64(c.visStart-c.mediaTime)/c.ts
		c.end = c.delay + float64(c.visEnd-c.mediaTime)/c.ts
	}
}

// dtsIndex returns the index of the first sample whose decode time is at
// least d, or Len() if there is none. It walks the stts entries, not the
// samples.
func (c *trackCut) dtsIndex(d int64) int {
	n := c.s.Len()
	first := 0
	var dts int64
	for _, e := range c.t.TimeToSample {
		if first >= n {
			break
		}
		if e.Count == 0 {
			continue
		}
		if d <= dts {
			return first
		}
		cnt := min(int(e.Count), n-first)
		if e.Delta > 0 {
			if k := (d - dts + int64(e.Delta) - 1) / int64(e.Delta); k < int64(cnt) {
				return first + int(k)
			}
		}
		first += cnt
		dts += int64(cnt) * int64(e.Delta)
	}
	return n
}

// selectVideo picks the samples that show media times [sTick, eTick):
// from the sync sample at or before the frame shown at sTick, in decode
// order, through the last sample shown before eTick. It sets startTick to
// the time of that frame (at least mediaTime).
func (c *trackCut) selectVideo(sTick, eTick int64) error {
	f, last := -1, -1
	var fCTS int64
	// A sample decoded before from is shown before a sample that is
	// itself shown at or before sTick, so it cannot be the frame at sTick.
	from := c.dtsIndex(satAdd(sTick, c.minOff-2*c.maxOff-c.maxDelta))
	for i, s := range c.s.Range(from, c.s.Len()) {
		if s.DTS+c.minOff >= eTick {
			break
		}
		cts := s.PTS()
		if cts <= sTick && (f < 0 || cts > fCTS) {
			f, fCTS = i, cts
		}
		if cts < eTick {
			last = i
		}
	}
	if f < 0 || last < f {
		return fmt.Errorf("%w: track %d: no frame is shown at media time %d", mp4.ErrInvalid, c.t.ID, sTick)
	}
	key := f
	if c.t.HasSyncSamples {
		sync := c.t.SyncSamples
		k := sort.Search(len(sync), func(k int) bool { return int64(sync[k]) > int64(f)+1 }) - 1
		if k < 0 {
			return unsupported(c.t.ID, "no sync sample at or before sample %d", f+1)
		}
		key = int(sync[k]) - 1
	}
	c.first, c.key, c.last = key, key, last+1
	c.startTick, c.endTick = max(fCTS, c.mediaTime), eTick
	return nil
}

// shownLateBeforeKey returns the number (1-based) of a sample decoded
// before the key sample but shown at or after startTick, or 0.
func (c *trackCut) shownLateBeforeKey() int {
	from := min(c.dtsIndex(satAdd(c.startTick, -c.maxOff)), c.key)
	for i, s := range c.s.Range(from, c.key) {
		if s.PTS() >= c.startTick {
			return i + 1
		}
	}
	return 0
}

// selectAudio picks the samples that play media times [sTick, eTick),
// plus the codec's pre-roll before them.
func (c *trackCut) selectAudio(sTick, eTick int64) error {
	a, last := -1, -1
	var aCTS int64
	from := c.dtsIndex(satAdd(sTick, c.minOff-2*c.maxOff-c.maxDelta))
	for i, s := range c.s.Range(from, c.s.Len()) {
		if s.DTS+c.minOff >= eTick {
			break
		}
		cts := s.PTS()
		if cts <= sTick && (a < 0 || cts > aCTS) {
			a, aCTS = i, cts
		}
		if cts < eTick {
			last = i
		}
	}
	if a < 0 || last < a {
		return fmt.Errorf("%w: track %d: no sample plays at media time %d", mp4.ErrInvalid, c.t.ID, sTick)
	}
	c.key, c.last = a, last+1
	c.first = a - c.preRoll(a)
	c.startTick, c.endTick = sTick, eTick
	return nil
}

// lastShownBefore returns the largest composition time below eTick among
// the selected samples.
func (c *trackCut) lastShownBefore(eTick int64) (int64, bool) {
	best, ok := int64(0), false
	for _, s := range c.s.Range(c.first, c.last) {
		if cts := s.PTS(); cts < eTick && (!ok || cts > best) {
			best, ok = cts, true
		}
	}
	return best, ok
}

// collect copies the selected samples' records and sets the output edit's
// media time. A sample left out (in drop, never the first) gives its
// duration to the sample copied before it. With strict, no selected sample
// may be shown before the start: nothing is hidden.
func (c *trackCut) collect(strict bool) error {
	c.samples = make([]outSample, 0, c.last-c.first-len(c.drop))
	var base int64
	for i, s := range c.s.Range(c.first, c.last) {
		if i == c.first {
			base = s.DTS
		}
		c.mediaDur = addSat(c.mediaDur, uint64(s.Duration))
		if c.dropped(i) {
			prev := &c.samples[len(c.samples)-1]
			if prev.dur > math.MaxUint32-s.Duration {
				return unsupported(c.t.ID, "sample %d: durations too long to leave out the RASL picture after it", i)
			}
			prev.dur += s.Duration
			continue
		}
		c.samples = append(c.samples, outSample{off: s.Offset, size: s.Size, dur: s.Duration, cto: s.CompositionOffset, sync: s.Sync})
		c.bytes += int64(s.Size)
		cts := s.PTS()
		if (c.video && cts < c.startTick) || (!c.video && cts+int64(s.Duration) <= c.startTick) {
			if strict {
				return unsupported(c.t.ID, "sample %d after the keyframe is shown before it", i+1)
			}
			c.hidden++
		}
	}
	c.mediaTimeOut = c.startTick - base
	if c.mediaTimeOut < 0 {
		return unsupported(c.t.ID, "the first frame shown is composed before the first sample's decode time (negative composition offsets)")
	}
	return nil
}

// floorTicks returns floor(sec*ts), allowing for float error just below
// a whole tick.
func floorTicks(sec, ts float64) int64 { return toInt64(math.Floor(sec*ts + 1e-6)) }

// ceilTicks returns ceil(sec*ts), allowing for float error just above a
// whole tick.
func ceilTicks(sec, ts float64) int64 { return toInt64(math.Ceil(sec*ts - 1e-6)) }

// roundTicks returns sec*ts rounded.
func roundTicks(sec, ts float64) int64 { return toInt64(math.Round(sec * ts)) }

// toInt64 converts v to an int64, saturating.
func toInt64(v float64) int64 {
	switch {
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	case v != v:
		return 0
	}
	return int64(v)
}

// roundU64 returns v rounded to a uint64, saturating; negative is 0.
func roundU64(v float64) uint64 {
	v = math.Round(v)
	switch {
	case !(v > 0):
		return 0
	case v >= math.MaxUint64:
		return math.MaxUint64
	}
	return uint64(v)
}

// scale returns v*num/den rounded, saturating at the largest int64.
func scale(v, num, den uint64) int64 {
	hi, lo := bits.Mul64(v, num)
	if den == 0 || hi >= den {
		return math.MaxInt64
	}
	q, r := bits.Div64(hi, lo, den)
	if r >= den-r {
		q++
	}
	return int64(min(q, math.MaxInt64))
}

// addSat returns a+b, saturating.
func addSat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return s
}

// satAdd returns a+b, saturating.
func satAdd(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}

// addSatInt returns a+b for b >= 0, saturating.
func addSatInt(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
