package clip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"

	"github.com/openvod/openvod/mp4"
)

// MaxPieces is the largest number of pieces [PlanJoin] joins.
const MaxPieces = 100

// Piece is one range of a source to join; Movie is Src parsed by
// [ParseSource].
type Piece struct {
	Movie *mp4.Movie
	Src   io.ReaderAt
	// Start and End are the range on the source's timeline, with
	// PlanFast's rules.
	Start, End float64
}

// ErrMismatch is wrapped by every error about pieces whose codec
// parameters differ, so that they cannot be joined by stream copy; a
// re-encode can join them.
var ErrMismatch = errors.New("clip: pieces' codec parameters differ")

// MismatchError says which piece differs from the first and how. It
// matches [ErrMismatch] with [errors.Is].
type MismatchError struct {
	// Index is the 0-based index of the piece that differs from piece 0.
	Index int
	// Handler is the track concerned, "vide" or "soun", or "" when the
	// track sets differ (or the movie timescales cannot be joined).
	Handler string
	// Reason says what differs, e.g. "width 640, the first piece has 320".
	Reason string
}

// Error implements the error interface.
func (e *MismatchError) Error() string {
	if e.Handler != "" {
		return fmt.Sprintf("%v: piece %d: %s track: %s", ErrMismatch, e.Index, e.Handler, e.Reason)
	}
	return fmt.Sprintf("%v: piece %d: %s", ErrMismatch, e.Index, e.Reason)
}

// Is reports whether target is [ErrMismatch].
func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }

// PieceError is an error of one piece of a join: PlanFast's error for its
// range ([*RangeError], [*UnsupportedError], ...), or the error opening or
// parsing its file.
type PieceError struct {
	Index int // 0-based
	Err   error
}

// Error implements the error interface.
func (e *PieceError) Error() string { return fmt.Sprintf("clip: piece %d: %v", e.Index, e.Err) }

// Unwrap returns Err.
func (e *PieceError) Unwrap() error { return e.Err }

// JoinPlan is a stream-copy join of pieces, ready to be written by
// [JoinPlan.WriteTo]. Like a [Plan], it is not modified after PlanJoin
// returns and may be written several times.
type JoinPlan struct {
	// Duration is the output's duration in seconds: the sum of the
	// pieces' durations.
	Duration float64
	// Size is the size in bytes of the output file.
	Size int64
	// MediaBytes is the size of the media data copied from the sources
	// (the mdat payload), and Runs the number of contiguous byte ranges
	// they are copied from (each within one piece).
	MediaBytes int64
	Runs       int
	// Pieces are the pieces in output order.
	Pieces []JoinedPiece
	// Tracks describes the output tracks, in the first piece's order.
	Tracks []JoinedTrack

	head []byte
	runs []byteRun
	srcs []io.ReaderAt
}

// JoinedPiece is one piece of a [JoinPlan]; times are in seconds.
type JoinedPiece struct {
	// EffectiveStart, EffectiveEnd, Duration and LeadIn are those of
	// PlanFast's plan of the piece's range, with HideLeadIn true.
	EffectiveStart, EffectiveEnd, Duration, LeadIn float64
	// OutputStart is where the piece starts in the output: the sum of the
	// durations of the pieces before it.
	OutputStart float64
}

// JoinedTrack describes one output track of a [JoinPlan].
type JoinedTrack struct {
	// ID is the first piece's track ID; Handler is "vide" or "soun" and
	// Codec the ffprobe codec name.
	ID      uint32
	Handler string
	Codec   string
	// Samples is the number of samples copied from all the pieces.
	Samples int
	// Timescale is the output media timescale (see PlanJoin).
	Timescale uint32
}

// PlanJoin plans the stream-copy join of pieces (1 to [MaxPieces]) in
// order into one MP4. Each piece is cut as [PlanFast] cuts it with
// HideLeadIn true: its first frame shown is the frame at its start and
// its duration is exact. Per track, the pieces' samples follow each other
// in one decode timeline, and the edit list has one media entry per piece
// (its media time is where the piece's first shown instant is in that
// timeline, its duration the piece's), so that each piece's lead-in and
// audio pre-roll stay hidden. A track that starts after its piece or ends
// before it (audio shorter than the video) gets empty edits, so that every
// track of piece i starts at the piece's OutputStart: audio does not drift
// from video across pieces. Each piece's samples get a constant
// composition offset, and its edits the same shift, so that ffmpeg's MP4
// demuxer, which rebuilds the timestamps of each edit after the first from
// decode times, places the piece at its OutputStart too (see demuxShifts).
//
// The pieces must have the same tracks (after PlanFast leaves out the
// tracks without media in the range), and per track the same codec and
// sample entry (codec configuration: avcC, hvcC, the esds decoder
// configuration; size, rotation and colour of video; channels and sample
// rate of audio). Timescales may differ: the output timescale of a track
// (and of the movie) is the least common multiple of the pieces', and
// every time is rescaled exactly; when that multiple or a rescaled time
// does not fit its field, the pieces do not match. A one-piece join is
// PlanFast's output byte for byte. The headers (ftyp, mvhd, tkhd, stsd)
// are the first piece's.
//
// Errors: a [*PieceError] wrapping PlanFast's error for a piece's range or
// source; a [*MismatchError] (wrapping [ErrMismatch]) naming the first
// piece that differs from piece 0; an error wrapping [ErrUnsupported] for
// a join over the fast mode's sample limit.
func PlanJoin(pieces []Piece) (*JoinPlan, error) {
	return planJoin(pieces, math.MaxUint32)
}

// joinedCut is the cut of one piece.
type joinedCut struct {
	plan     *Plan
	cuts     []*trackCut
	segTotal uint64 // duration, piece's movie timescale
}

// planJoin is PlanJoin with the largest offset of 32-bit fields (see
// planFast).
func planJoin(pieces []Piece, limit32 int64) (*JoinPlan, error) {
	if len(pieces) == 0 || len(pieces) > MaxPieces {
		return nil, fmt.Errorf("clip: %d pieces to join (1 to %d)", len(pieces), MaxPieces)
	}
	jc := make([]joinedCut, len(pieces))
	samples := 0
	for i, pc := range pieces {
		if pc.Src == nil {
			return nil, &PieceError{Index: i, Err: errors.New("clip: nil source")}
		}
		p, cuts, seg, err := planCuts(pc.Movie, pc.Src, pc.Start, pc.End, true)
		if err != nil {
			return nil, &PieceError{Index: i, Err: err}
		}
		jc[i] = joinedCut{plan: p, cuts: cuts, segTotal: seg}
		for _, c := range cuts {
			samples += len(c.samples)
		}
		if i > 0 {
			if err := matchCuts(i, jc[0].cuts, cuts); err != nil {
				return nil, err
			}
		}
	}
	if samples > maxClipSamples {
		return nil, unsupported(0, "the join has more than %d samples", maxClipSamples)
	}

	// The output timescales: least common multiples of the pieces'.
	movieTS := pieces[0].Movie.Timescale
	for i, pc := range pieces {
		var ok bool
		if movieTS, ok = lcm(movieTS, pc.Movie.Timescale); !ok {
			return nil, &MismatchError{Index: i, Reason: fmt.Sprintf("movie timescale %d cannot be rescaled exactly to the first pieces'", pc.Movie.Timescale)}
		}
	}
	tracks := make([]*outTrack, len(jc[0].cuts))
	for k, c := range jc[0].cuts {
		o := &outTrack{t: c.t, video: c.video, timescale: c.t.Timescale, constSize: true}
		for i := range jc {
			t := jc[i].cuts[k].t
			var ok bool
			if o.timescale, ok = lcm(o.timescale, t.Timescale); !ok {
				return nil, &MismatchError{Index: i, Handler: t.Handler, Reason: fmt.Sprintf("media timescale %d cannot be rescaled exactly to the first pieces'", t.Timescale)}
			}
			o.stss = o.stss || t.HasSyncSamples
			o.constSize = o.constSize && t.SampleSize != 0
		}
		tracks[k] = o
	}

	shifts := make([][]int64, len(tracks))
	for k, o := range tracks {
		shifts[k] = demuxShifts(pieces, jc, k, o)
	}

	jp := &JoinPlan{srcs: make([]io.ReaderAt, len(pieces))}
	var movieDur uint64
	for i := range jc {
		jp.srcs[i] = pieces[i].Src
		km := uint64(movieTS / pieces[i].Movie.Timescale)
		for k, c := range jc[i].cuts {
			if err := tracks[k].addCut(c, i, pieces[i].Movie.Timescale, km, i == len(jc)-1, jc[i].segTotal, shifts[k][i]); err != nil {
				return nil, err
			}
		}
		p := jc[i].plan
		jp.Pieces = append(jp.Pieces, JoinedPiece{
			EffectiveStart: p.EffectiveStart, EffectiveEnd: p.EffectiveEnd, Duration: p.Duration, LeadIn: p.LeadIn,
			OutputStart: float64(movieDur) / float64(movieTS),
		})
		movieDur = addSat(movieDur, mulSat(jc[i].segTotal, km))
	}
	out, err := layout(pieces[0].Movie, tracks, movieTS, movieDur, limit32)
	if err != nil {
		return nil, err
	}
	jp.Duration = float64(movieDur) / float64(movieTS)
	jp.Size, jp.MediaBytes, jp.Runs, jp.head, jp.runs = out.size, out.mediaBytes, len(out.runs), out.head, out.runs
	for k, o := range tracks {
		jp.Tracks = append(jp.Tracks, JoinedTrack{ID: o.t.ID, Handler: o.t.Handler, Codec: jc[0].cuts[k].codec, Samples: len(o.samples), Timescale: o.timescale})
	}
	return jp, nil
}

// addCut appends the cut c of piece i (movie timescale mts) to the track: its samples after the
// samples before them, rescaled to the track's timescale, with shift added
// to their composition offsets (see demuxShifts), and its edits (rescaled
// by km to the movie timescale), padded with an empty edit to the piece's
// duration segTotal unless it is the last piece. When the samples before
// would be composed inside the piece's edit, or the piece's inside the
// edit before, the last sample before lasts longer, so that each edit
// shows its own piece's samples only.
func (o *outTrack) addCut(c *trackCut, piece int, mts uint32, km uint64, last bool, segTotal uint64, shift int64) error {
	k := int64(o.timescale / c.t.Timescale)
	mediaTime := c.mediaTimeOut*k + shift
	// Composition times relative to the piece's first decode time.
	first, dts := int64(math.MaxInt64), int64(0)
	for _, s := range c.samples {
		first = min(first, dts+int64(s.cto)*k+shift)
		dts += int64(s.dur) * k
	}
	if n := len(o.samples); n > 0 && len(c.samples) > 0 {
		base := int64(o.mediaDur)
		if gap := max(o.editEnd-(base+first), o.lastCTS+1-(base+mediaTime), 0); gap > 0 {
			prev := &o.samples[n-1]
			if int64(prev.dur)+gap > math.MaxUint32 {
				return &MismatchError{Index: piece, Handler: c.t.Handler, Reason: fmt.Sprintf("the gap before the piece does not fit 32 bits in timescale %d", o.timescale)}
			}
			prev.dur += uint32(gap)
			o.mediaDur += uint64(gap)
		}
	}
	base := o.mediaDur
	dts = int64(base)
	for _, s := range c.samples {
		dur, cto := uint64(s.dur)*uint64(k), int64(s.cto)*k+shift
		if dur > math.MaxUint32 || cto > math.MaxInt32 || cto < math.MinInt32 {
			return &MismatchError{Index: piece, Handler: c.t.Handler, Reason: fmt.Sprintf("sample times do not fit 32 bits in timescale %d", o.timescale)}
		}
		s.dur, s.cto, s.piece = uint32(dur), int32(cto), uint8(piece)
		o.samples = append(o.samples, s)
		o.lastCTS = max(o.lastCTS, dts+cto)
		dts += int64(dur)
	}
	o.mediaDur = addSat(o.mediaDur, mulSat(c.mediaDur, uint64(k)))
	if o.mediaDur > math.MaxInt64 {
		return unsupported(c.t.ID, "the joined track is too long")
	}
	if c.emptyTicks > 0 {
		o.addEdit(edit{dur: mulSat(c.emptyTicks, km), mediaTime: -1})
	}
	o.addEdit(edit{dur: mulSat(c.segTicks, km), mediaTime: int64(base) + mediaTime})
	o.editEnd = int64(base) + mediaTime + c.segMedia(mts)*k
	if shown := c.emptyTicks + c.segTicks; !last && shown < segTotal {
		o.addEdit(edit{dur: mulSat(segTotal-shown, km), mediaTime: -1})
	}
	return nil
}

// segMedia returns the duration of the cut's media edit (movie timescale
// mts) in the track's timescale, rounded up.
func (c *trackCut) segMedia(mts uint32) int64 {
	return int64((mulSat(c.segTicks, uint64(c.t.Timescale)) + uint64(mts) - 1) / uint64(mts))
}

// demuxLead returns, in the track's timescale (movie timescale mts), how much later than the
// edit list ffmpeg's MP4 demuxer (libavformat's mov_fix_index) presents
// the cut's samples when its edit is not a track's first: it gives the
// first sample in decode order composed inside the edit the decode time
// where the edit starts, and counts the other samples' times from it, so
// it presents them the media time of the edit less that sample's decode
// time late (early when negative: audio, whose edits after the first it
// applies to whole frames from the first frame that starts inside).
func (c *trackCut) demuxLead(mts uint32) int64 {
	end := c.mediaTimeOut + c.segMedia(mts)
	var dts int64
	for _, s := range c.samples {
		if cts := dts + int64(s.cto); cts >= c.mediaTimeOut && cts < end {
			return c.mediaTimeOut - dts
		}
		dts += int64(s.dur)
	}
	return 0
}

// demuxShifts returns, per piece, the composition offset added to the
// samples of track k of the join (and to its edit's media time), in the
// output track's timescale, so that ffmpeg's MP4 demuxer presents every
// piece where the edit list does; the presentation by the edit list is
// the same. ffmpeg presents an edit's samples demuxLead late; for video it
// then moves the whole track so that its first frame is at the start, so
// each piece's lead is raised to the largest; audio edits after the first
// need a lead of 0 (ffmpeg trims the first one exactly).
func demuxShifts(pieces []Piece, jc []joinedCut, k int, o *outTrack) []int64 {
	leads := make([]int64, len(jc))
	var most int64
	for i := range jc {
		c := jc[i].cuts[k]
		leads[i] = c.demuxLead(pieces[i].Movie.Timescale) * int64(o.timescale/c.t.Timescale)
		most = max(most, leads[i])
	}
	shifts := make([]int64, len(jc))
	for i, lead := range leads {
		switch {
		case o.video:
			shifts[i] = most - lead
		case i > 0:
			shifts[i] = max(-lead, 0)
		}
	}
	return shifts
}

// matchCuts checks that the tracks kept of piece i match those of piece 0.
func matchCuts(i int, first, cuts []*trackCut) error {
	if len(cuts) != len(first) {
		return &MismatchError{Index: i, Reason: fmt.Sprintf("tracks %s, the first piece has %s", handlers(cuts), handlers(first))}
	}
	for k, c := range cuts {
		f := first[k]
		if c.t.Handler != f.t.Handler {
			return &MismatchError{Index: i, Reason: fmt.Sprintf("tracks %s, the first piece has %s", handlers(cuts), handlers(first))}
		}
		if r := entryDiff(f, c); r != "" {
			return &MismatchError{Index: i, Handler: c.t.Handler, Reason: r}
		}
	}
	return nil
}

// handlers lists the cuts' handlers, e.g. "vide+soun".
func handlers(cuts []*trackCut) string {
	s := ""
	for i, c := range cuts {
		if i > 0 {
			s += "+"
		}
		s += c.t.Handler
	}
	return s
}

// entryDiff says how track c's sample entry differs from track f's in what
// a decoder of the joined track is configured with, or returns "".
func entryDiff(f, c *trackCut) string {
	a, b := f.entry, c.entry
	switch {
	case a.Type != b.Type:
		return fmt.Sprintf("sample entry %q, the first piece has %q", b.Type, a.Type)
	case c.codec != f.codec:
		return fmt.Sprintf("codec %s, the first piece has %s", c.codec, f.codec)
	case f.video && (a.Width != b.Width || a.Height != b.Height):
		return fmt.Sprintf("size %dx%d, the first piece has %dx%d", b.Width, b.Height, a.Width, a.Height)
	case f.video && f.t.Matrix != c.t.Matrix:
		return fmt.Sprintf("rotation %d°, the first piece has %d° (the display matrices differ)", c.t.Rotation, f.t.Rotation)
	case f.video && (a.Colour == nil) != (b.Colour == nil), f.video && a.Colour != nil && *a.Colour != *b.Colour:
		return "colour description (colr) differs"
	case !f.video && a.Channels != b.Channels:
		return fmt.Sprintf("%d channels, the first piece has %d", b.Channels, a.Channels)
	case !f.video && a.SampleRate != b.SampleRate:
		return fmt.Sprintf("sample rate %d Hz, the first piece has %d Hz", b.SampleRate, a.SampleRate)
	case !f.video && a.SampleSize != b.SampleSize:
		return fmt.Sprintf("%d-bit samples, the first piece has %d-bit", b.SampleSize, a.SampleSize)
	case a.ConfigType != b.ConfigType:
		return fmt.Sprintf("codec configuration %q, the first piece has %q", b.ConfigType, a.ConfigType)
	case a.ConfigType == "esds" && (a.ObjectType != b.ObjectType || !bytes.Equal(a.DecoderSpecific, b.DecoderSpecific)):
		// esds also holds bit rates, which may differ.
		return "decoder configuration (esds) differs"
	case a.ConfigType != "esds" && !bytes.Equal(a.Config, b.Config):
		return fmt.Sprintf("codec configuration (%s) differs", a.ConfigType)
	}
	return ""
}

// lcm returns the least common multiple of a and b, and false when it does
// not fit 32 bits or one of them is 0.
func lcm(a, b uint32) (uint32, bool) {
	if a == 0 || b == 0 {
		return 0, false
	}
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	l := uint64(a/x) * uint64(b)
	return uint32(l), l <= math.MaxUint32
}

// mulSat returns a*b, saturating.
func mulSat(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// WriteTo writes the join to dst as [Plan.WriteTo] writes a cut: ftyp,
// moov and the mdat header with one write, then each run of source bytes
// read from its piece's Src with one copy (copy_file_range between files).
// It returns the number of bytes written and the first error.
func (p *JoinPlan) WriteTo(dst io.Writer) (int64, error) {
	return writeOutput(dst, p.head, p.runs, p.srcs)
}

// FilePiece is a range [Start, End) of the MP4 file at Path, for
// [JoinFile].
type FilePiece struct {
	Path       string
	Start, End float64
}

// JoinFile joins the pieces of MP4 files into dstPath with [PlanJoin] and
// [JoinPlan.WriteTo], atomically as [CutFile] writes: dstPath is either
// absent, the old file or the whole join. Each file is opened and parsed
// (with [ParseSource]) once, however many pieces it has; an error opening
// or parsing it is a [*PieceError] of its first piece. It returns the plan
// written, PlanJoin's errors, or an I/O error.
func JoinFile(dstPath string, pieces []FilePiece) (*JoinPlan, error) {
	if len(pieces) == 0 || len(pieces) > MaxPieces {
		return nil, fmt.Errorf("clip: %d pieces to join (1 to %d)", len(pieces), MaxPieces)
	}
	type source struct {
		f *os.File
		m *mp4.Movie
	}
	sources := map[string]source{}
	defer func() {
		for _, s := range sources {
			s.f.Close()
		}
	}()
	ps := make([]Piece, len(pieces))
	for i, fp := range pieces {
		s, ok := sources[fp.Path]
		if !ok {
			f, m, err := openSource(fp.Path)
			if err != nil {
				return nil, &PieceError{Index: i, Err: err}
			}
			s = source{f, m}
			sources[fp.Path] = s
		}
		ps[i] = Piece{Movie: s.m, Src: s.f, Start: fp.Start, End: fp.End}
	}
	p, err := PlanJoin(ps)
	if err != nil {
		return nil, err
	}
	if err := writeFile(dstPath, p.Size, p.WriteTo); err != nil {
		return nil, err
	}
	return p, nil
}

// openSource opens the MP4 file at path and parses it with ParseSource; the
// caller closes the file.
func openSource(path string) (*os.File, *mp4.Movie, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil {
		var m *mp4.Movie
		if m, err = ParseSource(f, st.Size()); err == nil {
			return f, m, nil
		}
	}
	f.Close()
	return nil, nil, err
}
