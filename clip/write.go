package clip

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/openvod/openvod/mp4"
)

// copyBufferSize is the buffer of a copy that cannot be done in the
// kernel.
const copyBufferSize = 1 << 20

// WriteTo writes the clip to dst: ftyp, moov and the mdat header with one
// write, then each run of source bytes read from src with one copy. When
// dst and src are both *os.File, the copies go through copy_file_range on
// a private handle of the source, so the data need not pass through user
// space and src's file offset is not used. Memory use is bounded by the
// moov and a 1 MiB buffer, whatever the clip's size.
//
// src must hold the same bytes as the source the Plan was made from. It
// returns the number of bytes written and the first error; a source
// shorter than the plan expects gives an error wrapping
// io.ErrUnexpectedEOF. WriteTo is safe for concurrent use with different
// destinations if src is safe for concurrent use.
func (p *Plan) WriteTo(dst io.Writer, src io.ReaderAt) (int64, error) {
	return writeOutput(dst, p.head, p.runs, []io.ReaderAt{src})
}

// writeOutput writes head, then each run of the source of its piece
// (srcs[run.piece]), with one copier per piece.
func writeOutput(dst io.Writer, head []byte, runs []byteRun, srcs []io.ReaderAt) (int64, error) {
	n, err := dst.Write(head)
	written := int64(n)
	if err != nil {
		return written, err
	}
	var cp *copier
	defer func() {
		if cp != nil {
			cp.close()
		}
	}()
	for i, r := range runs {
		if i == 0 || r.piece != runs[i-1].piece {
			if cp != nil {
				cp.close()
			}
			cp = newCopier(dst, srcs[r.piece])
		}
		n, err := cp.copy(r.off, r.n)
		written += n
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// SourceSpan returns the smallest byte range [off, end) of the source
// that holds everything WriteTo reads from it (the source's moov is not
// needed). A caller reading the source from object storage can fetch this
// span with one ranged request; it is 0, 0 for a clip without media data.
func (p *Plan) SourceSpan() (off, end int64) {
	for i, r := range p.runs {
		if i == 0 || r.off < off {
			off = r.off
		}
		end = max(end, r.off+r.n)
	}
	return off, end
}

// copier copies ranges of a source to a writer.
type copier struct {
	dst  io.Writer
	src  io.ReaderAt
	file *os.File // private handle on the source for copy_file_range, or nil
	buf  []byte
}

// newCopier returns a copier; when dst and src are files, it opens its own
// handle on src so that it can seek it.
func newCopier(dst io.Writer, src io.ReaderAt) *copier {
	c := &copier{dst: dst, src: src}
	if _, ok := dst.(*os.File); ok {
		if sf, ok := src.(*os.File); ok {
			c.file = reopen(sf)
		}
	}
	return c
}

// reopen opens f again, read-only, through /proc/self/fd so that renames
// do not matter; it returns nil if that fails or gives another file.
func reopen(f *os.File) *os.File {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	g, err := os.Open("/proc/self/fd/" + strconv.FormatUint(uint64(f.Fd()), 10))
	if err != nil {
		return nil
	}
	if gst, err := g.Stat(); err != nil || !os.SameFile(st, gst) {
		g.Close()
		return nil
	}
	return g
}

// close releases the private source handle.
func (c *copier) close() {
	if c.file != nil {
		c.file.Close()
	}
}

// copy copies n bytes at off of the source to dst.
func (c *copier) copy(off, n int64) (int64, error) {
	var written int64
	var err error
	if c.file != nil {
		if _, err = c.file.Seek(off, io.SeekStart); err != nil {
			return 0, fmt.Errorf("clip: seek source to %d: %w", off, err)
		}
		written, err = io.Copy(c.dst, &io.LimitedReader{R: c.file, N: n})
	} else {
		if c.buf == nil {
			c.buf = make([]byte, copyBufferSize)
		}
		written, err = io.CopyBuffer(writerOnly{c.dst}, io.NewSectionReader(c.src, off, n), c.buf)
	}
	if err == nil && written < n {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return written, fmt.Errorf("clip: copy %d bytes at source offset %d: %w", n, off, err)
	}
	return written, nil
}

// writerOnly hides a writer's ReadFrom method, so that io.CopyBuffer uses
// the copier's buffer.
type writerOnly struct{ io.Writer }

// CutFile cuts [start, end) of the MP4 file srcPath into dstPath with
// [PlanFast] and [Plan.WriteTo]. It writes a temporary file next to
// dstPath, syncs it to disk and renames it into place, so dstPath is
// either absent, the old file or the whole clip. It returns the plan that
// was written and PlanFast's errors, or an I/O error.
func CutFile(dstPath, srcPath string, start, end float64, hideLeadIn bool) (*Plan, error) {
	src, err := os.Open(srcPath)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return nil, err
	}
	m, err := mp4.Parse(src, st.Size())
	if err != nil {
		return nil, err
	}
	p, err := PlanFast(m, src, start, end, hideLeadIn)
	if err != nil {
		return nil, err
	}
	if err := writeFile(dstPath, p.Size, func(w io.Writer) (int64, error) { return p.WriteTo(w, src) }); err != nil {
		return nil, err
	}
	return p, nil
}

// writeFile writes a file of size bytes with write into dstPath: into a
// temporary file next to it, synced to disk and renamed into place, so that
// dstPath is either absent, the old file or the whole new one.
func writeFile(dstPath string, size int64, write func(io.Writer) (int64, error)) error {
	tmp, err := os.CreateTemp(filepath.Dir(dstPath), "."+filepath.Base(dstPath)+".*.tmp")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := write(tmp)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("clip: wrote %d bytes, planned %d", n, size)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dstPath); err != nil {
		return errors.Join(err, os.Remove(tmp.Name()))
	}
	done = true
	return nil
}
