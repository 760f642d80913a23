// Package blob is the media store seam: named byte objects on local disk
// (blob/local) or, later, S3-compatible storage, checked by one conformance
// suite (blob/blobtest).
package blob

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned for a key that holds no object.
var ErrNotFound = errors.New("blob: not found")

// ErrTooLarge is returned by Put when the content passes the size limit.
var ErrTooLarge = errors.New("blob: object too large")

// ErrInvalidKey is returned for a key that breaks the rules in [Bucket]:
// empty, absolute, climbing out of the bucket (".."), or otherwise unclean.
var ErrInvalidKey = errors.New("blob: invalid key")

// Bucket stores objects by key. Implementations are safe for concurrent use.
//
// Keys are clean slash-separated relative paths, such as "media/1/a.mp4": not
// empty, no leading, trailing or doubled slash, no "." or ".." segment, no
// backslash or NUL, and not starting with ".tmp" (reserved for the backend's
// own use). Put, Open, Stat and Delete return ErrInvalidKey for any other
// key. Apart from prefix matching in List, a key is not a directory: Open and
// Stat of "media/1" return ErrNotFound even when "media/1/a.mp4" exists.
type Bucket interface {
	// Put stores the bytes of r under key, replacing any object there. The
	// object appears whole or not at all: bytes go to a temporary name that
	// is synced and then renamed. When r yields more than limit bytes
	// (limit > 0), Put stores nothing and returns ErrTooLarge, having read
	// at most limit+1 bytes of r. It returns the number of bytes stored.
	//
	// Put reads r to its end unless it fails first; it does not close r. On
	// any error nothing is stored and the object under key, if any, is left
	// as it was; the error wraps the cause: r's own error, ctx.Err() (ctx is
	// checked between chunks, so a cancelled ctx stops even an endless r),
	// ErrTooLarge, or the storage's error (such as syscall.ENOSPC).
	Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error)
	// Open returns the object for reading, or ErrNotFound. The caller must close it.
	Open(ctx context.Context, key string) (Object, error)
	// Stat returns the object's attributes, or ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]Info, error)
}

// Object is an open object. It is not safe for concurrent Read/Seek, but
// ReadAt may be called concurrently.
type Object interface {
	io.ReadSeeker
	io.ReaderAt
	io.Closer
	// Info returns the object's attributes.
	Info() Info
}

// Info describes an object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}
