package clip

import (
	"errors"
	"fmt"
)

// ErrUnsupported is wrapped by every error about a source that the fast mode
// cannot cut exactly; [*UnsupportedError] carries the reason. The exact mode
// (a re-encode) can still cut such a source.
var ErrUnsupported = errors.New("clip: source cannot be cut exactly by stream copy")

// UnsupportedError says why a source cannot be cut by stream copy. It
// matches [ErrUnsupported] with [errors.Is].
type UnsupportedError struct {
	// TrackID is the track concerned, or 0 for the whole file.
	TrackID uint32
	// Reason says what the fast mode cannot handle, e.g. "fragmented MP4",
	// "2 sample descriptions", "open GOP: sync sample 31 is not an IDR
	// picture", "unknown codec mp4v".
	Reason string
}

// Error implements the error interface.
func (e *UnsupportedError) Error() string {
	if e.TrackID != 0 {
		return fmt.Sprintf("%v: track %d: %s", ErrUnsupported, e.TrackID, e.Reason)
	}
	return fmt.Sprintf("%v: %s", ErrUnsupported, e.Reason)
}

// Is reports whether target is [ErrUnsupported].
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// unsupported returns an *UnsupportedError for track id (0: the file).
func unsupported(id uint32, format string, args ...any) error {
	return &UnsupportedError{TrackID: id, Reason: fmt.Sprintf(format, args...)}
}

// ErrRange is wrapped by every error about a time range that is empty,
// inverted or outside the media; [*RangeError] says which bound is wrong.
var ErrRange = errors.New("clip: time range out of bounds")

// Bounds named by [RangeError.Bound].
const (
	BoundStart = "Start"
	BoundEnd   = "End"
)

// RangeError reports a bound of the requested range that is wrong. It
// matches [ErrRange] with [errors.Is].
type RangeError struct {
	// Bound is BoundStart or BoundEnd: the bound to correct.
	Bound string
	// Value is the requested value of that bound, in seconds.
	Value float64
	// Duration is the source's duration in seconds (0 if not known yet).
	Duration float64
	// Reason says what is wrong, e.g. "is not before the 10.000 s duration".
	Reason string
}

// Error implements the error interface.
func (e *RangeError) Error() string {
	return fmt.Sprintf("clip: %s %g s %s", e.Bound, e.Value, e.Reason)
}

// Is reports whether target is [ErrRange].
func (e *RangeError) Is(target error) bool { return target == ErrRange }

// ErrBadOutput is wrapped by the errors of [Verify]: the file is not a
// well-formed, fast-start MP4 of the expected duration.
var ErrBadOutput = errors.New("clip: output check failed")
