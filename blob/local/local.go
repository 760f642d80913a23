// Package local stores blob objects as files under a directory on local disk.
//
// The object with key "a/b.mp4" is the file dir/a/b.mp4. Put streams the
// content into a uniquely named file in dir/.tmp/ (the same file system, so
// the final rename is atomic), fsyncs it, creates and fsyncs any missing
// parent directories, renames the file into place and then fsyncs the parent
// directory (docs/wire.md §6). A crash therefore never leaves a partial
// object, only stray files in dir/.tmp/, which [Bucket.CleanTemp] removes;
// the server calls it at start.
//
// Because objects are files, a key cannot be both an object and a
// "directory": with "a" stored, Put("a/b") fails, and with "a/b" stored,
// Put("a") fails. S3 has no such limit, so callers should not rely on it
// either way.
//
// A Bucket assumes it is the only writer of its directory: it orders its own
// Puts and Deletes, and CleanTemp assumes no other process is mid-Put.
package local

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/openvod/openvod/blob"
)

// tmpDirName is the directory under the bucket root that holds files of Puts
// in progress. Keys may not start with it.
const tmpDirName = blob.ReservedPrefix

// Bucket is a blob.Bucket backed by files under a directory. It is safe for
// concurrent use.
type Bucket struct {
	dir string // absolute bucket root
	tmp string // dir/.tmp

	// dirMu orders directory creation against directory pruning: Put holds
	// it shared while it creates parent directories and renames into them,
	// Delete holds it exclusively while it removes a file and its emptied
	// parents, so Delete never removes a directory a Put is about to fill.
	dirMu sync.RWMutex
}

var _ blob.Bucket = (*Bucket)(nil)

// New returns a Bucket storing objects under dir, creating dir and dir/.tmp
// if they are missing. It fails if dir cannot be created or is not a
// directory.
func New(dir string) (*Bucket, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob/local: %w", err)
	}
	tmp := filepath.Join(abs, tmpDirName)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("blob/local: create %s: %w", tmp, err)
	}
	return &Bucket{dir: abs, tmp: tmp}, nil
}

// Put implements blob.Bucket. It streams r to a temporary file (never holding
// the whole content in memory), checking ctx between chunks, and publishes it
// under key only when every byte was read, the size is within limit and the
// file is synced. On any failure (a read error of r, ctx done, ErrTooLarge, a
// full disk) it removes the temporary file and leaves the object under key as
// it was; the returned error wraps the cause (r's error, ctx.Err(),
// blob.ErrTooLarge, syscall.ENOSPC ...).
//
// The one exception is a failed sync of the parent directory after the
// rename: then the new object is already visible but may not survive a power
// loss, and Put returns the error.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, putError(key, err)
	}
	f, err := b.createTemp()
	if err != nil {
		return 0, putError(key, err)
	}
	tmpName := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			f.Close() // may be closed already
			os.Remove(tmpName)
		}
	}()

	src := r
	if limit > 0 && limit < math.MaxInt64 {
		src = io.LimitReader(r, limit+1)
	}
	// ctxReader also hides any WriterTo of r, so io.Copy always goes through
	// the ctx check in 32 KiB chunks.
	n, err := io.Copy(f, &ctxReader{ctx: ctx, r: src})
	if err != nil {
		return 0, putError(key, err)
	}
	if limit > 0 && n > limit {
		return 0, putError(key, blob.ErrTooLarge)
	}
	if err := f.Sync(); err != nil {
		return 0, putError(key, err)
	}
	if err := f.Close(); err != nil {
		return 0, putError(key, err)
	}
	renamed, err = b.publish(ctx, tmpName, key)
	if err != nil {
		return 0, putError(key, err)
	}
	return n, nil
}

// publish renames the synced, closed temporary file tmpName to key's path
// and syncs its directory, unless ctx has ended. It reports whether the
// rename was done.
func (b *Bucket) publish(ctx context.Context, tmpName, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	final := b.path(key)
	parent := filepath.Dir(final)
	b.dirMu.RLock()
	defer b.dirMu.RUnlock()
	if err := b.mkdirAllSync(parent); err != nil {
		return false, err
	}
	if err := os.Rename(tmpName, final); err != nil {
		return false, err
	}
	return true, syncDir(parent)
}

// Create implements blob.Bucket: the bytes go to a temporary file in
// .tmp, which Writer.File returns, and Commit syncs and renames it as Put
// does.
func (b *Bucket) Create(ctx context.Context, key string) (blob.Writer, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, putError(key, err)
	}
	f, err := b.createTemp()
	if err != nil {
		return nil, putError(key, err)
	}
	return &writer{b: b, key: key, f: f}, nil
}

// writer is an object being written to a temporary file.
type writer struct {
	b    *Bucket
	key  string
	f    *os.File
	done bool // committed or aborted
}

func (w *writer) Write(p []byte) (int, error) { return w.f.Write(p) }
func (w *writer) File() *os.File              { return w.f }

func (w *writer) Commit(ctx context.Context) (int64, error) {
	if w.done {
		return 0, putError(w.key, errors.New("writer already committed or aborted"))
	}
	w.done = true
	name := w.f.Name()
	st, err := w.f.Stat()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	renamed := false
	if err == nil {
		renamed, err = w.b.publish(ctx, name, w.key)
	}
	if !renamed {
		os.Remove(name)
	}
	if err != nil {
		return 0, putError(w.key, err)
	}
	return st.Size(), nil
}

func (w *writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	os.Remove(w.f.Name())
}

// createTemp creates a new, uniquely named file in dir/.tmp, recreating the
// directory if someone removed it.
func (b *Bucket) createTemp() (*os.File, error) {
	name := filepath.Join(b.tmp, "put-"+rand.Text())
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(b.tmp, 0o755); err != nil {
			return nil, err
		}
		f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	}
	return f, err
}

// mkdirAllSync creates dir and its missing parents under the bucket root,
// fsyncing the parent of each directory it creates so the new entries are
// durable before an object is published in them.
func (b *Bucket) mkdirAllSync(dir string) error {
	var missing []string
	for d := dir; d != b.dir; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return &fs.PathError{Op: "mkdir", Path: d, Err: syscall.ENOTDIR}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
	}
	for _, d := range slices.Backward(missing) {
		// On ErrExist a concurrent Put created d and may not have synced its
		// parent yet; sync it anyway before publishing into d.
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// Open implements blob.Bucket. The returned Object reads the file directly;
// the caller must close it. A directory (a key that only prefixes other
// keys) is not an object: Open returns blob.ErrNotFound for it.
func (b *Bucket) Open(ctx context.Context, key string) (blob.Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob/local: open %q: %w", key, err)
	}
	f, err := os.Open(b.path(key))
	if err != nil {
		return nil, pathError("open", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, pathError("open", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("blob/local: open %q: %w", key, blob.ErrNotFound)
	}
	return &object{f: f, info: blob.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}}, nil
}

// Stat implements blob.Bucket.
func (b *Bucket) Stat(ctx context.Context, key string) (blob.Info, error) {
	if err := checkKey(key); err != nil {
		return blob.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return blob.Info{}, fmt.Errorf("blob/local: stat %q: %w", key, err)
	}
	fi, err := os.Stat(b.path(key))
	if err != nil {
		return blob.Info{}, pathError("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return blob.Info{}, fmt.Errorf("blob/local: stat %q: %w", key, blob.ErrNotFound)
	}
	return blob.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete implements blob.Bucket. After removing the file it removes the
// parent directories it left empty, up to but not including the bucket root
// (best effort). A missing key, or a key that is only a directory of other
// objects, is not an error. Delete does not fsync: a Delete just before a
// power loss may be undone.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob/local: delete %q: %w", key, err)
	}
	p := b.path(key)
	b.dirMu.Lock()
	defer b.dirMu.Unlock()
	fi, err := os.Lstat(p)
	if err != nil {
		if isNotExist(err) {
			return nil
		}
		return fmt.Errorf("blob/local: delete %q: %w", key, err)
	}
	if fi.IsDir() {
		return nil
	}
	if err := os.Remove(p); err != nil && !isNotExist(err) {
		return fmt.Errorf("blob/local: delete %q: %w", key, err)
	}
	for d := filepath.Dir(p); d != b.dir; d = filepath.Dir(d) {
		if os.Remove(d) != nil { // not empty, or gone: stop
			break
		}
	}
	return nil
}

// List implements blob.Bucket. It walks only the directory named by prefix
// up to its last slash, skips dir/.tmp and anything that is not a regular
// file with a valid key, and returns the objects sorted by key. Objects
// created or deleted during the walk may or may not be listed.
func (b *Bucket) List(ctx context.Context, prefix string) ([]blob.Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob/local: list %q: %w", prefix, err)
	}
	start := b.dir
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		// Every key with this prefix lies in the directory prefix[:i]; when
		// that is not a valid key, no valid key has the prefix.
		if !blob.ValidKey(prefix[:i]) {
			return nil, nil
		}
		start = b.path(prefix[:i])
	}
	var infos []blob.Info
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if isNotExist(err) { // start missing, or removed mid-walk
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(b.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if p == b.tmp || (p != start && !strings.HasPrefix(key+"/", prefix)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) || !blob.ValidKey(key) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if isNotExist(err) {
				return nil
			}
			return err
		}
		infos = append(infos, blob.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob/local: list %q: %w", prefix, err)
	}
	slices.SortFunc(infos, func(a, b blob.Info) int { return cmp.Compare(a.Key, b.Key) })
	return infos, nil
}

// CleanTemp removes what Puts that never finished (the process crashed or was
// killed mid-upload) left in dir/.tmp: every entry last modified at least
// olderThan ago. It returns how many entries it removed; it keeps going past
// errors and returns them joined.
//
// The server calls it at start, before serving, where CleanTemp(0) removes
// every leftover. A Put in progress refreshes its file's modification time
// with every chunk it writes, so a positive olderThan well above the longest
// stall of an upload also makes CleanTemp safe to run periodically alongside
// Puts; with 0 it may remove the file of a Put in progress, which then fails.
func (b *Bucket) CleanTemp(_ context.Context, olderThan time.Duration) (int, error) {
	entries, err := os.ReadDir(b.tmp)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		return 0, fmt.Errorf("blob/local: clean temp: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	var errs []error
	removed := 0
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		if fi.ModTime().After(cutoff) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(b.tmp, e.Name())); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("blob/local: clean temp: %w", err)
	}
	return removed, nil
}

// path returns the file of a valid key.
func (b *Bucket) path(key string) string {
	return filepath.Join(b.dir, filepath.FromSlash(key))
}

func checkKey(key string) error {
	if !blob.ValidKey(key) {
		return fmt.Errorf("blob/local: key %q: %w", key, blob.ErrInvalidKey)
	}
	return nil
}

func putError(key string, err error) error {
	return fmt.Errorf("blob/local: put %q: %w", key, err)
}

// pathError maps a missing file, or a path through a file ("a/b" with "a" an
// object), to blob.ErrNotFound.
func pathError(op, key string, err error) error {
	if isNotExist(err) {
		return fmt.Errorf("blob/local: %s %q: %w", op, key, blob.ErrNotFound)
	}
	return fmt.Errorf("blob/local: %s %q: %w", op, key, err)
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// ctxReader fails reads once ctx is done. It cannot interrupt a Read that
// blocks; an HTTP request body, for one, is closed when its request ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// object is an open file. Read and Seek share the file offset; ReadAt does
// not and may be called concurrently.
type object struct {
	f    *os.File
	info blob.Info
}

func (o *object) Read(p []byte) (int, error)                { return o.f.Read(p) }
func (o *object) ReadAt(p []byte, off int64) (int, error)   { return o.f.ReadAt(p, off) }
func (o *object) Seek(off int64, whence int) (int64, error) { return o.f.Seek(off, whence) }
func (o *object) Close() error                              { return o.f.Close() }
func (o *object) Info() blob.Info                           { return o.info }

// File returns the open file, for copies in the kernel; see blob.Object.
func (o *object) File() *os.File { return o.f }

// WriteTo lets io.Copy from the object use the file's fast paths (sendfile,
// splice) on the way to a socket.
func (o *object) WriteTo(w io.Writer) (int64, error) { return o.f.WriteTo(w) }
