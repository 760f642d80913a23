package mp4

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error about a malformed, truncated or
// unsupported file. Errors from the underlying reader are not wrapped in it.
var ErrInvalid = errors.New("mp4: invalid file")

// ErrNoMoov reports a file without a moov box. It wraps [ErrInvalid].
var ErrNoMoov = fmt.Errorf("%w: no moov box", ErrInvalid)

// BoxError describes a malformed box: where it is and what is wrong with it.
// It matches [ErrInvalid] with [errors.Is].
type BoxError struct {
	// Path names the box from the top level, e.g. "moov/trak[2]/mdia/minf/stbl/stsz".
	Path string
	// Offset is the absolute file offset of the box's first byte.
	Offset int64
	// Reason says what is wrong.
	Reason string
}

// Error implements the error interface.
func (e *BoxError) Error() string {
	return fmt.Sprintf("mp4: box %q at offset %d: %s", e.Path, e.Offset, e.Reason)
}

// Is reports whether target is [ErrInvalid].
func (e *BoxError) Is(target error) bool { return target == ErrInvalid }

// boxErr builds a *BoxError for the box b with a formatted reason.
func boxErr(b box, format string, args ...any) error {
	return &BoxError{Path: b.path, Offset: b.off, Reason: fmt.Sprintf(format, args...)}
}

// LimitError reports a file over a memory budget of [ParseLimited] or
// [ReadOutline]. The file may be valid: it does not match [ErrInvalid].
type LimitError struct {
	// What names the quantity ("moov box", "sample count of track 1").
	What string
	// Value is its size or count, and Limit the largest accepted.
	Value, Limit int64
}

// Error implements the error interface.
func (e *LimitError) Error() string {
	return fmt.Sprintf("mp4: %s is %d, over the limit of %d", e.What, e.Value, e.Limit)
}
