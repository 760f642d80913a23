package worker

import (
	"context"
	"errors"
	"time"

	"github.com/openvod/openvod/blob"
)

// locateSource says where ffmpeg reads the source src (the object under
// key): its file when it is local (path), else a presigned GET of it
// (url) valid for ttl, so that a run of up to ttl can read it to its end.
func locateSource(ctx context.Context, blobs blob.Bucket, src blob.Object, key string, ttl time.Duration) (path, url string, err error) {
	if f := blob.LocalFile(src); f != nil {
		return f.Name(), "", nil
	}
	ps, ok := blobs.(blob.Presigner)
	if !ok {
		return "", "", errors.New("the media store gives ffmpeg no way to read the source")
	}
	// Wall-clock time, not a test clock: the storage checks the URL against its own.
	url, err = ps.PresignGet(ctx, key, time.Now().Add(ttl+time.Minute))
	return "", url, err
}
