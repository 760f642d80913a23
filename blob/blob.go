// Package blob is the media store seam: named byte objects on local disk
// (blob/local) or S3-compatible storage (blob/s3), checked by one conformance
// suite (blob/blobtest).
package blob

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	// Create starts writing an object under key: the bytes written to the
	// Writer appear under key, replacing any object there, only when
	// Commit succeeds, with Put's guarantees (whole or not at all). The
	// caller must Commit or Abort it.
	Create(ctx context.Context, key string) (Writer, error)
	// Open returns the object for reading, or ErrNotFound. The caller must close it.
	Open(ctx context.Context, key string) (Object, error)
	// Stat returns the object's attributes, or ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]Info, error)
}

// Writer is an object being written, returned by [Bucket.Create]. It is
// not safe for concurrent use.
type Writer interface {
	io.Writer
	// File returns the file the bytes go to when the backend writes to a
	// local file, so that a copy between files can stay in the kernel
	// (copy_file_range); nil otherwise. Bytes written to it, at its current
	// offset, are the object's; the caller must not close it.
	File() *os.File
	// Commit makes the bytes durable and publishes them under the key; it
	// returns the object's size. On error nothing is published.
	Commit(ctx context.Context) (int64, error)
	// Abort discards the bytes. It does nothing after Commit and may be
	// called more than once, so that it can be deferred.
	Abort()
}

// Object is an open object. It is not safe for concurrent Read/Seek, but
// ReadAt may be called concurrently. An object backed by a local file (as
// blob/local's are) also has a method File() *os.File returning it, for
// copies in the kernel; the caller reads it with ReadAt or through its own
// handle and must not close it.
type Object interface {
	io.ReadSeeker
	io.ReaderAt
	io.Closer
	// Info returns the object's attributes.
	Info() Info
}

// ReservedPrefix starts the names a backend keeps for its own use (such as
// blob/local's temporary files); no key starts with it.
const ReservedPrefix = ".tmp"

// ValidKey reports whether key follows the rules in [Bucket]: a clean
// relative slash path, not empty, no leading, trailing or doubled slash, no
// "." or ".." segment, no backslash or NUL, not starting with
// ReservedPrefix.
func ValidKey(key string) bool {
	if key == "" || strings.HasPrefix(key, ReservedPrefix) || strings.ContainsAny(key, "\\\x00") {
		return false
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	// Also rejects what the OS treats specially (e.g. "C:" or "NUL" on Windows).
	return filepath.IsLocal(filepath.FromSlash(key))
}

// Presigner is a Bucket whose clients can move an object's bytes to and
// from the storage themselves, with presigned URLs, so that they never pass
// through openvod.
type Presigner interface {
	// PresignPut returns a URL that accepts PUTs of the object's bytes until
	// expires; each completed PUT replaces the object.
	PresignPut(ctx context.Context, key string, expires time.Time) (string, error)
	// PresignGet returns a URL that reads the object (GET, HEAD, Range)
	// until expires.
	PresignGet(ctx context.Context, key string, expires time.Time) (string, error)
}

// TypedPresigner is a Presigner whose GET URLs can set the Content-Type
// the storage answers with, whatever the object was stored with.
type TypedPresigner interface {
	Presigner
	// PresignGetAs is PresignGet whose URL is answered with Content-Type
	// contentType.
	PresignGetAs(ctx context.Context, key, contentType string, expires time.Time) (string, error)
}

// Copier is a Bucket that copies objects inside the storage.
type Copier interface {
	// Copy copies the object under src to dst, replacing any object there,
	// whole or not at all, and returns dst's attributes. It returns
	// ErrNotFound when src holds no object.
	Copy(ctx context.Context, dst, src string) (Info, error)
}

// TempCleaner is a Bucket that keeps partial writes of its own (temporary
// files, multipart uploads) that a crash can leave behind.
type TempCleaner interface {
	// CleanTemp removes the partial writes started more than olderThan ago
	// and returns how many it removed.
	CleanTemp(ctx context.Context, olderThan time.Duration) (int, error)
}

// LocalFile returns the local file behind o (see [Object]), or nil.
func LocalFile(o Object) *os.File {
	if f, ok := o.(interface{ File() *os.File }); ok {
		return f.File()
	}
	return nil
}

// ReadErrors is an io.ReaderAt over R that keeps the first error of its
// reads other than io.EOF. A parser that fails on an object can so tell
// the object's bytes at fault (Err is nil) from a media store that failed
// to deliver them (unreachable, timed out), which a later try may not meet.
// It is safe for concurrent use when R is.
type ReadErrors struct {
	R io.ReaderAt

	mu  sync.Mutex
	err error
}

// ReadAt reads from R, keeping its error.
func (r *ReadErrors) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.R.ReadAt(p, off)
	if err != nil && err != io.EOF {
		r.mu.Lock()
		if r.err == nil {
			r.err = err
		}
		r.mu.Unlock()
	}
	return n, err
}

// Err returns the first error of a read other than io.EOF, or nil.
func (r *ReadErrors) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// WillRead tells o that its next reads (ReadAt calls, or Read from a
// position within the span) fall within [off, end), so that an object in
// remote storage fetches that span with one request ending there instead
// of reading ahead to the object's end; objects that need no hint (local
// files) ignore it.
func WillRead(o Object, off, end int64) {
	if w, ok := o.(interface{ WillRead(off, end int64) }); ok {
		w.WillRead(off, end)
	}
}

// Reopen returns o opened again for ctx without asking the storage for
// its attributes, when its backend can (blob/s3's objects: the new one
// reads the version o found, so a replaced object fails its reads); ok
// is false otherwise, and the caller opens the key again. o may be
// closed.
func Reopen(ctx context.Context, o Object) (Object, bool) {
	if r, ok := o.(interface {
		Reopen(context.Context) Object
	}); ok {
		return r.Reopen(ctx), true
	}
	return nil, false
}

// Info describes an object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}
