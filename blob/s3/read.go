package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/openvod/openvod/blob"
)

// Reading an object.
const (
	// blockSize is the unit of ReadAt's cache: a read smaller than this
	// fetches the aligned block (or blocks) around it, so that a parser's
	// many small reads of nearby headers cost one request.
	blockSize = 256 << 10
	// cachedBlocks is how many blocks an open object keeps.
	cachedBlocks = 16
	// skipMax is the farthest ahead of its position a ReadAt stream reads
	// on, discarding the gap, rather than starting a new request.
	skipMax = 1 << 20
)

// ErrChanged is returned by reads of an object replaced since it was opened.
var ErrChanged = errors.New("blob/s3: the object changed while it was read")

// Open returns the object for reading, or blob.ErrNotFound. Its reads are
// requests made with ctx, so they end when ctx does; every read asks for
// the version Open found (If-Match), so a replaced object fails with
// ErrChanged instead of mixing two versions.
func (b *Bucket) Open(ctx context.Context, key string) (blob.Object, error) {
	info, etag, err := b.head(ctx, key)
	if err != nil {
		return nil, err
	}
	return &object{b: b, ctx: ctx, info: info, etag: etag}, nil
}

// Reopen returns the object opened again for ctx, reading the same
// version, with no request (blob.Reopen).
func (o *object) Reopen(ctx context.Context) blob.Object {
	return &object{b: o.b, ctx: ctx, info: o.info, etag: o.etag}
}

// object is an open S3 object. Read and Seek share a position and a stream;
// ReadAt has its own stream and block cache, guarded by mu.
type object struct {
	b    *Bucket
	ctx  context.Context
	info blob.Info
	etag string

	pos int64
	seq *stream // Read's stream, or nil

	mu     sync.Mutex
	ahead  *stream  // ReadAt's stream, or nil
	blocks []*block // most recently used last
	closed bool
	// span is the range [span[0], span[1]) WillRead announced, or zero.
	span [2]int64
}

type block struct {
	index int64
	data  []byte
}

func (o *object) Info() blob.Info { return o.info }

func (o *object) Read(p []byte) (int, error) {
	if o.pos >= o.info.Size {
		return 0, io.EOF
	}
	if o.seq == nil || o.seq.off != o.pos {
		o.seq.close()
		end := o.info.Size
		o.mu.Lock()
		if o.pos >= o.span[0] && o.pos < o.span[1] {
			end = o.span[1]
		}
		o.mu.Unlock()
		s, err := o.open(o.pos, end)
		if err != nil {
			o.seq = nil
			return 0, err
		}
		o.seq = s
	}
	p = p[:min(int64(len(p)), o.info.Size-o.pos)]
	n, err := o.seq.Read(p)
	o.pos += int64(n)
	if err == nil && o.seq.off == o.seq.end && o.pos < o.info.Size {
		o.seq.finish() // the span's stream is done; the next Read starts another
		o.seq = nil
	} else if err != nil {
		o.seq.close()
		o.seq = nil
		if errors.Is(err, io.EOF) {
			err = nil
			if n == 0 {
				err = io.ErrUnexpectedEOF // the stream ended before the object did
			}
		}
	}
	return n, err
}

func (o *object) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.pos
	case io.SeekEnd:
		offset += o.info.Size
	default:
		return 0, errors.New("blob/s3: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("blob/s3: negative position")
	}
	o.pos = offset
	return offset, nil
}

// WillRead makes ReadAt, and Read from a position within it, fetch
// [off, end) with one stream that ends there (see blob.WillRead): reads
// within it stream, whatever their size, and the stream ends where the span
// does, so that no byte past it is requested and the connection is reused.
func (o *object) WillRead(off, end int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.span = [2]int64{max(off, 0), min(end, o.info.Size)}
}

// inSpan reports whether [off, end) lies within the announced span.
func (o *object) inSpan(off, end int64) bool { return off >= o.span[0] && end <= o.span[1] }

func (o *object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("blob/s3: negative offset")
	}
	if off >= o.info.Size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), o.info.Size-off)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return 0, errors.New("blob/s3: read of a closed object")
	}
	var err error
	if want >= blockSize || o.inSpan(off, off+want) || o.ahead.covers(off, off+want) {
		err = o.readAhead(p[:want], off)
	} else {
		err = o.readBlocks(p[:want], off)
	}
	if err != nil {
		return 0, err
	}
	if want < int64(len(p)) {
		return int(want), io.EOF
	}
	return int(want), nil
}

// readAhead fills p from ReadAt's stream, moving it to off (by reading on
// when off is a little ahead, by a new request otherwise). A new stream
// ends where the announced span does when the read lies within it, with
// the read otherwise: a stream to the object's end would have the server
// send bytes past what is read (as far as the connection's buffers go) and
// lose the connection at its close.
func (o *object) readAhead(p []byte, off int64) error {
	end := off + int64(len(p))
	s := o.ahead
	if s.covers(off, end) {
		if _, err := io.CopyN(io.Discard, s, off-s.off); err != nil {
			s = nil
		}
	} else {
		s = nil
	}
	if s == nil {
		o.ahead.close()
		streamEnd := end
		if o.inSpan(off, end) {
			streamEnd = o.span[1]
		}
		var err error
		if s, err = o.open(off, streamEnd); err != nil {
			o.ahead = nil
			return err
		}
		o.ahead = s
	}
	if _, err := io.ReadFull(s, p); err != nil {
		s.close()
		o.ahead = nil
		return fmt.Errorf("blob/s3: read %q at %d: %w", o.info.Key, off, err)
	}
	if s.off == s.end {
		s.finish()
		o.ahead = nil
	}
	return nil
}

// readBlocks fills p from the cached blocks around [off, off+len(p)),
// fetching those missing.
func (o *object) readBlocks(p []byte, off int64) error {
	for len(p) > 0 {
		b, err := o.block(off / blockSize)
		if err != nil {
			return err
		}
		n := copy(p, b.data[off-b.index*blockSize:])
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// block returns block i, from the cache or fetched.
func (o *object) block(i int64) (*block, error) {
	for j, b := range o.blocks {
		if b.index == i {
			o.blocks = append(append(o.blocks[:j:j], o.blocks[j+1:]...), b)
			return b, nil
		}
	}
	start := i * blockSize
	end := min(start+blockSize, o.info.Size)
	s, err := o.open(start, end)
	if err != nil {
		return nil, err
	}
	defer s.close()
	b := &block{index: i, data: make([]byte, end-start)}
	if _, err := io.ReadFull(s, b.data); err != nil {
		return nil, fmt.Errorf("blob/s3: read %q at %d: %w", o.info.Key, start, err)
	}
	if len(o.blocks) == cachedBlocks {
		o.blocks = o.blocks[1:]
	}
	o.blocks = append(o.blocks, b)
	return b, nil
}

func (o *object) Close() error {
	o.seq.close()
	o.seq = nil
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ahead.close()
	o.ahead, o.blocks, o.closed = nil, nil, true
	return nil
}

// stream is the body of a ranged GET, cut off when no byte arrives within
// the bucket's idle timeout.
type stream struct {
	body   io.ReadCloser
	off    int64 // the object offset of the next byte
	end    int64 // the object offset after the last byte
	cancel context.CancelFunc
	timer  *time.Timer
	idle   time.Duration
}

// open starts a GET of the object's bytes [off, end).
func (o *object) open(off, end int64) (*stream, error) {
	b := o.b
	ctx, cancel := context.WithCancel(o.ctx)
	timer := time.AfterFunc(b.idle, cancel)
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: &b.bucket, Key: b.objectKey(o.info.Key), IfMatch: aws.String(o.etag),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, end-1)),
	})
	if err != nil {
		timer.Stop()
		cancel()
		if isPreconditionFailed(err) {
			return nil, fmt.Errorf("blob/s3: read %q: %w", o.info.Key, ErrChanged)
		}
		return nil, storageError("read", o.info.Key, err)
	}
	return &stream{body: out.Body, off: off, end: end, cancel: cancel, timer: timer, idle: b.idle}, nil
}

func (s *stream) Read(p []byte) (int, error) {
	s.timer.Reset(s.idle)
	n, err := s.body.Read(p)
	s.off += int64(n)
	return n, err
}

// covers reports whether the stream can serve [off, end): it has not passed
// off, off is at most skipMax ahead of it, and end is within it. A nil
// stream covers nothing.
func (s *stream) covers(off, end int64) bool {
	return s != nil && off >= s.off && off-s.off <= skipMax && end <= s.end
}

// finish closes a stream read to its end, after reading the end of the
// body, so that the connection goes back to the pool.
func (s *stream) finish() {
	s.body.Read(make([]byte, 1))
	s.close()
}

// close ends the request; a nil stream is already closed.
func (s *stream) close() {
	if s == nil {
		return
	}
	s.timer.Stop()
	s.cancel()
	s.body.Close()
}
