package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/openvod/openvod/blob"
)

// minTransferRate is the slowest a part may move: its upload times out
// after OpTimeout plus the time the part takes at this rate.
const minTransferRate = 64 << 10

// transfer returns ctx bounded by the timeout of one part's upload.
func (b *Bucket) transfer(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.opTimeout+time.Duration(b.partSize/minTransferRate)*time.Second)
}

// Put stores the bytes of r under key (see blob.Bucket): it streams them
// through a writer and commits it.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	w, err := b.Create(ctx, key)
	if err != nil {
		return 0, err
	}
	defer w.Abort()
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	n, err := copyChunks(ctx, w, r)
	switch {
	case err != nil:
		return 0, fmt.Errorf("blob/s3: put %q: %w", key, err)
	case limit > 0 && n > limit:
		return 0, fmt.Errorf("blob/s3: put %q: %w", key, blob.ErrTooLarge)
	}
	return w.Commit(ctx)
}

// copyChunks copies r to w, checking ctx between chunks.
func copyChunks(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, rerr := r.Read(buf)
		if m > 0 {
			if _, err := w.Write(buf[:m]); err != nil {
				return n, err
			}
			n += int64(m)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// Create starts writing an object under key. The bytes are sent in parts
// as they are written; ctx bounds the whole write.
func (b *Bucket) Create(ctx context.Context, key string) (blob.Writer, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return &writer{b: b, ctx: ctx, key: key}, nil
}

// writer buffers one part and uploads it when full, starting a multipart
// upload at the first full part. An object smaller than a part is sent
// with one PutObject at Commit. The buffer grows with what is written, so
// a small object costs its own size, not a part's.
type writer struct {
	b        *Bucket
	ctx      context.Context
	key      string
	buf      []byte
	n        int64
	uploadID string
	parts    []types.CompletedPart
	err      error // the first failure; every later call returns it
	done     bool  // committed or aborted
}

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("blob/s3: write after Commit or Abort")
	}
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		m := min(int(w.b.partSize)-len(w.buf), len(p))
		w.buf = append(w.buf, p[:m]...)
		p = p[m:]
		written += m
		w.n += int64(m)
		if len(w.buf) == int(w.b.partSize) {
			if err := w.flush(w.ctx); err != nil {
				w.err = err
				return written, err
			}
		}
	}
	return written, nil
}

// File returns nil: the bytes go to object storage.
func (w *writer) File() *os.File { return nil }

// flush uploads the buffered bytes as the next part.
func (w *writer) flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := w.b
	if w.uploadID == "" {
		octx, cancel := b.op(ctx)
		out, err := b.client.CreateMultipartUpload(octx, &s3.CreateMultipartUploadInput{Bucket: &b.bucket, Key: b.objectKey(w.key)})
		cancel()
		if err != nil {
			return storageError("start upload of", w.key, err)
		}
		w.uploadID = aws.ToString(out.UploadId)
	}
	num := int32(len(w.parts) + 1)
	pctx, cancel := b.transfer(ctx)
	out, err := b.client.UploadPart(pctx, &s3.UploadPartInput{
		Bucket: &b.bucket, Key: b.objectKey(w.key), UploadId: &w.uploadID, PartNumber: &num,
		Body: bytes.NewReader(w.buf), ContentLength: aws.Int64(int64(len(w.buf))),
	})
	cancel()
	if err != nil {
		return storageError(fmt.Sprintf("upload part %d of", num), w.key, err)
	}
	w.parts = append(w.parts, types.CompletedPart{ETag: out.ETag, PartNumber: &num})
	w.buf = w.buf[:0]
	return nil
}

// Commit sends what is left and publishes the object.
func (w *writer) Commit(ctx context.Context) (int64, error) {
	if w.done {
		return 0, errors.New("blob/s3: Commit after Commit or Abort")
	}
	if w.err != nil {
		return 0, w.err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	b := w.b
	if w.uploadID == "" {
		pctx, cancel := b.transfer(ctx)
		_, err := b.client.PutObject(pctx, &s3.PutObjectInput{
			Bucket: &b.bucket, Key: b.objectKey(w.key), Body: bytes.NewReader(w.buf), ContentLength: aws.Int64(int64(len(w.buf))),
		})
		cancel()
		if err != nil {
			return 0, storageError("put", w.key, err)
		}
		w.done, w.buf = true, nil
		return w.n, nil
	}
	if len(w.buf) > 0 {
		if err := w.flush(ctx); err != nil {
			w.err = err
			return 0, err
		}
	}
	octx, cancel := b.op(ctx)
	defer cancel()
	_, err := b.client.CompleteMultipartUpload(octx, &s3.CompleteMultipartUploadInput{
		Bucket: &b.bucket, Key: b.objectKey(w.key), UploadId: &w.uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: w.parts},
	})
	if err != nil {
		w.err = storageError("complete upload of", w.key, err)
		return 0, w.err
	}
	w.done, w.buf = true, nil
	return w.n, nil
}

// Abort discards the bytes, aborting the multipart upload if one started.
func (w *writer) Abort() {
	if w.done {
		return
	}
	w.done, w.buf = true, nil
	if w.uploadID != "" {
		// A failed abort leaves the parts to CleanTemp.
		w.b.abort(w.ctx, *w.b.objectKey(w.key), w.uploadID)
	}
}
