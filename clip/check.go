package clip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/openvod/openvod/mp4"
)

// MaxMoovSize is the largest source moov box a clip is made from (64 MiB:
// a 24-hour 60 fps movie has about that much in sample tables). Parsing a
// moov holds a few times its size in memory.
const MaxMoovSize = 64 << 20

// ErrTooLarge is wrapped by the errors of [Inspect] and [ParseSource] for
// a source over openvod's budget; a [*mp4.LimitError] names the limit.
var ErrTooLarge = errors.New("clip: source over the parsing budget")

// sourceLimits is the memory budget of ParseSource.
var sourceLimits = mp4.Limits{MoovSize: MaxMoovSize, Samples: maxTrackSamples}

// ParseSource parses a clip source for [PlanFast] within openvod's budget:
// a moov over [MaxMoovSize] or a track over the fast mode's sample limit is
// an error wrapping [ErrTooLarge] and a [*mp4.LimitError]. Other errors are
// [mp4.Parse]'s.
func ParseSource(r io.ReaderAt, size int64) (*mp4.Movie, error) {
	m, err := mp4.ParseLimited(r, size, sourceLimits)
	return m, tooLarge(err)
}

// tooLarge wraps a *mp4.LimitError in ErrTooLarge.
func tooLarge(err error) error {
	var le *mp4.LimitError
	if errors.As(err, &le) {
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	return err
}

// Source is what [Inspect] reads of a clip source: enough to check a range
// and to choose the precision, not enough to plan the cut.
type Source struct {
	// Duration is the source's duration in seconds, as [mp4.Movie.Info]
	// reports it (the API resolves offsets from the end against it).
	Duration float64
	// Unsupported, when not nil, says why the fast mode cannot cut the
	// source (it wraps [ErrUnsupported]); Exact can. A source it lets
	// through may still need Exact: PlanFast reads the sample tables
	// and a few frame headers that Inspect does not.
	Unsupported error
	// maxEnd is the largest End accepted, exclusive.
	maxEnd float64
}

// Inspect reads the source's headers with [mp4.ReadOutline], in memory that
// does not grow with the moov box, and sums its sample tables in one
// streamed pass. It returns an error wrapping [ErrTooLarge] and a
// [*mp4.LimitError] for a moov over [MaxMoovSize], and mp4's errors for a
// file it cannot read.
func Inspect(r io.ReaderAt, size int64) (*Source, error) {
	o, err := mp4.ReadOutline(r, size, MaxMoovSize)
	if err != nil {
		return nil, tooLarge(err)
	}
	m := o.Movie
	src := &Source{Duration: m.Info().Duration}
	src.maxEnd = src.Duration
	if m.Fragmented {
		src.Unsupported = unsupported(0, "fragmented MP4")
		return src, nil
	}
	if m.Timescale == 0 {
		return nil, fmt.Errorf("%w: movie timescale is 0", mp4.ErrInvalid)
	}
	// One frame of the first video track (or of the first track) is the
	// tolerance at the end, as in PlanFast.
	var end, frame float64
	sawVideo := false
	for i, t := range m.Tracks {
		c, err := headerCut(m, t)
		if errors.Is(err, ErrUnsupported) {
			src.Unsupported = err
			return src, nil
		}
		if err != nil {
			return nil, err
		}
		if c == nil {
			continue
		}
		// The track's last composition end is at most its decode duration
		// plus the largest composition offset.
		sum := o.Tables[i]
		visEnd := min(satAdd(int64(min(sum.Duration, math.MaxInt64)), int64(sum.MaxOffset)), c.editEnd)
		end = max(end, c.delay+float64(visEnd-c.mediaTime)/c.ts)
		if f := float64(sum.LastDelta) / c.ts; frame == 0 || (c.video && !sawVideo) {
			frame = f
		}
		sawVideo = sawVideo || c.video
	}
	if end == 0 {
		src.Unsupported = unsupported(0, "no audio or video track with samples")
		return src, nil
	}
	src.maxEnd = max(src.Duration, end) + frame
	return src, nil
}

// CheckRange checks the range [start, end) (seconds on the source's
// timeline) as PlanFast does: it returns a [*RangeError] for a start that
// is negative or not before Duration, an end not after start, or an end
// past the media (by a frame or more when the fast mode can cut the source;
// at all when not).
func (s *Source) CheckRange(start, end float64) error {
	switch {
	case math.IsNaN(start) || math.IsInf(start, 0) || start < 0:
		return &RangeError{Bound: BoundStart, Value: start, Duration: s.Duration, Reason: "is not a non-negative number of seconds"}
	case start >= s.Duration:
		return &RangeError{Bound: BoundStart, Value: start, Duration: s.Duration, Reason: fmt.Sprintf("is not before the %.3f s duration", s.Duration)}
	case math.IsNaN(end) || end <= start:
		return &RangeError{Bound: BoundEnd, Value: end, Duration: s.Duration, Reason: fmt.Sprintf("is not after Start (%g s)", start)}
	case s.Unsupported != nil && end > s.Duration:
		return &RangeError{Bound: BoundEnd, Value: end, Duration: s.Duration, Reason: fmt.Sprintf("is past the %.3f s duration", s.Duration)}
	case end-s.maxEnd >= -1e-6:
		return &RangeError{Bound: BoundEnd, Value: end, Duration: s.Duration, Reason: fmt.Sprintf("is past the %.3f s duration by a frame or more", s.Duration)}
	}
	return nil
}

// Inspector runs [Inspect] a bounded number of times at once, so that
// many requests cannot read many moov boxes together.
type Inspector struct{ slots chan struct{} }

// NewInspector returns an Inspector running at most n (at least 1) at once.
func NewInspector(n int) *Inspector { return &Inspector{slots: make(chan struct{}, max(n, 1))} }

// Inspect is [Inspect] once a slot is free; it returns ctx's error if ctx
// ends first.
func (in *Inspector) Inspect(ctx context.Context, r io.ReaderAt, size int64) (*Source, error) {
	select {
	case in.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-in.slots }()
	return Inspect(r, size)
}
