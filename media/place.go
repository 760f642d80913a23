package media

import (
	"context"
	"errors"
	"fmt"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
)

// ErrNothingUploaded is returned by PlaceUpload when no bytes reached the
// upload session.
var ErrNothingUploaded = errors.New("media: nothing was uploaded")

// ErrUploadTooLarge is returned by PlaceUpload for an upload over
// MaxUploadSize.
var ErrUploadTooLarge = errors.New("media: the upload is too large")

// directStore is a media store that clients upload to themselves: upload
// URLs are its presigned URLs, and committed bytes are copied inside it.
type directStore interface {
	blob.Presigner
	blob.Copier
}

// PlaceUpload returns the storage key of the bytes uploaded to sess, for
// the media record that commits them.
//
// With openvod's own upload URL that is the session's key: the URL takes
// one completed PUT, recorded in the session before CommitUpload can run.
// A presigned URL of the media store takes PUTs until the session's
// deadline, so the bytes are first copied inside the store to a fresh key
// that no URL writes: a committed file never changes, whatever the URL
// receives later. The caller ends with FinishUpload once the media record
// is committed, or AbandonUpload when it is not.
func (s *Service) PlaceUpload(ctx context.Context, sess *openvod.UploadSession) (string, error) {
	ds, direct := s.Blobs.(directStore)
	if !direct {
		if sess.UploadedSize < 0 {
			return "", ErrNothingUploaded
		}
		return sess.StorageKey, nil
	}
	info, err := s.Blobs.Stat(ctx, sess.StorageKey)
	switch {
	case errors.Is(err, blob.ErrNotFound):
		return "", ErrNothingUploaded
	case err != nil:
		return "", err
	case s.MaxUploadSize > 0 && info.Size > s.MaxUploadSize:
		return "", fmt.Errorf("%w: %d bytes, over the limit of %d", ErrUploadTooLarge, info.Size, s.MaxUploadSize)
	}
	key := NewStorageKey(sess.SubAppID, sess.MediaType)
	if _, err := ds.Copy(ctx, key, sess.StorageKey); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return "", ErrNothingUploaded
		}
		return "", err
	}
	return key, nil
}

// FinishUpload removes what the upload URL wrote once its bytes are
// committed under key (a copy); a PUT after this leaves an object the
// janitor removes.
func (s *Service) FinishUpload(ctx context.Context, sess *openvod.UploadSession, key string) {
	if key == sess.StorageKey {
		return
	}
	if err := s.Blobs.Delete(ctx, sess.StorageKey); err != nil {
		s.Logger.Warn("uploaded bytes not removed after their copy was committed; the janitor will remove them", "err", err)
	}
}

// AbandonUpload removes the copy PlaceUpload made when it is not committed.
func (s *Service) AbandonUpload(ctx context.Context, sess *openvod.UploadSession, key string) {
	if key == sess.StorageKey {
		return
	}
	if err := s.Blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.Logger.Warn("copy of an upload not committed not removed; the janitor will remove it", "err", err)
	}
}
