package media

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/store"
)

// ClaimTTLDefault is how long a PUT's claim on its upload session lasts
// without renewal: how long a PUT cut off by another server's crash keeps
// the URL from a retry (a single-node server releases its claims at start).
const ClaimTTLDefault = 20 * time.Second

// releaseTimeout bounds the release of a claim after a failed PUT.
const releaseTimeout = 5 * time.Second

// Uploads accepts the bytes of ApplyUpload sessions at their presigned URL.
type Uploads struct {
	Service *Service
	// MaxSize is the largest upload accepted, in bytes.
	MaxSize int64
	// ClaimTTL is how long a PUT's claim lasts unless renewed
	// (ClaimTTLDefault when zero); a PUT renews it every third of that.
	ClaimTTL time.Duration
	// NowFunc is the clock; time.Now when nil.
	NowFunc func() time.Time
}

// Answers of the upload URL that more than one check gives.
const (
	msgUnknown = "forbidden: unknown upload URL"
	msgUsed    = "forbidden: this upload URL was already used"
)

// tooLarge answers 413 for a body over MaxSize.
func (u *Uploads) tooLarge(w http.ResponseWriter) {
	http.Error(w, "too large: uploads are limited to "+strconv.FormatInt(u.MaxSize, 10)+" bytes", http.StatusRequestEntityTooLarge)
}

func (u *Uploads) now() time.Time {
	if u.NowFunc != nil {
		return u.NowFunc()
	}
	return time.Now()
}

// ServeHTTP takes PUT /upload/<VodSessionKey>: the body is streamed to a
// temporary file, synced and renamed into place. The URL accepts one
// completed upload before its deadline. A PUT claims the session before it
// reads the body, so a second PUT while one streams answers 409 and later
// or late PUTs answer 403; neither stores anything (docs/architecture.md).
func (u *Uploads) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", "PUT")
		http.Error(w, "method not allowed: PUT the file's bytes", http.StatusMethodNotAllowed)
		return
	}
	now := u.now()
	s := u.Service
	key := strings.TrimPrefix(r.URL.Path, UploadPathPrefix)
	sess, err := s.Store.UploadSessionGet(r.Context(), key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, msgUnknown, http.StatusForbidden)
		return
	case err != nil:
		s.Logger.Error("upload session lookup failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case now.After(sess.Deadline):
		http.Error(w, "forbidden: the upload URL expired at "+sess.Deadline.UTC().Format(time.RFC3339), http.StatusForbidden)
		return
	case sess.FileID != "" || sess.UploadedSize >= 0:
		http.Error(w, msgUsed, http.StatusForbidden)
		return
	}
	if r.ContentLength > u.MaxSize {
		u.tooLarge(w)
		return
	}
	ttl := cmp.Or(u.ClaimTTL, ClaimTTLDefault)
	token := openvod.RandomHex(16)
	err = s.Store.UploadSessionClaim(r.Context(), key, token, now, now.Add(ttl))
	switch {
	case errors.Is(err, store.ErrConflict):
		// A claim held by a PUT that died ends within ttl.
		w.Header().Set("Retry-After", strconv.Itoa(int(ttl.Seconds())))
		http.Error(w, "conflict: another upload to this URL is in progress or done; nothing was stored", http.StatusConflict)
		return
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, msgUnknown, http.StatusForbidden)
		return
	case err != nil:
		s.Logger.Error("upload session claim failed", "session", store.KeyRef(key), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	uploaded := false
	defer func() {
		if uploaded {
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), releaseTimeout)
		defer cancel()
		if err := s.Store.UploadSessionRelease(ctx, key, token); err != nil {
			s.Logger.Warn("upload claim not released; it ends by itself", "session", store.KeyRef(key), "err", err)
		}
	}()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := u.keepClaim(ctx, cancel, key, token, now.Add(ttl), ttl)
	n, err := s.Blobs.Put(ctx, sess.StorageKey, r.Body, u.MaxSize)
	lost := stop()
	switch {
	case errors.Is(err, blob.ErrTooLarge):
		u.tooLarge(w)
		return
	case lost:
		// Put may have stored the bytes if the claim was lost during its
		// final sync; with no size recorded, a later PUT replaces them or
		// the janitor removes them with the stale session.
		http.Error(w, "conflict: this upload lost its claim on the URL; nothing was recorded", http.StatusConflict)
		return
	case err != nil:
		s.Logger.Error("upload failed", "session", store.KeyRef(key), "err", err)
		http.Error(w, "upload failed; nothing was stored", http.StatusInternalServerError)
		return
	}
	err = s.Store.UploadSessionSetUploaded(r.Context(), key, token, n)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// The session was removed while the body streamed (it expired):
		// nothing refers to the bytes.
		if err := s.Blobs.Delete(r.Context(), sess.StorageKey); err != nil {
			s.Logger.Warn("bytes of a removed upload session not deleted; the janitor will remove them", "err", err)
		}
		http.Error(w, "forbidden: the upload URL expired while the upload ran; nothing was stored", http.StatusForbidden)
		return
	case errors.Is(err, store.ErrConflict):
		http.Error(w, msgUsed, http.StatusForbidden)
		return
	case err != nil:
		s.Logger.Error("upload not recorded", "session", store.KeyRef(key), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	uploaded = true
	w.WriteHeader(http.StatusOK)
}

// keepClaim renews token's claim on the session every third of ttl until
// stop is called, and cancels the upload (cancel) once the claim is lost:
// taken by another attempt, the session gone, or no renewal succeeded
// before the claim ended. stop reports whether the claim was lost.
func (u *Uploads) keepClaim(ctx context.Context, cancel func(), key, token string, until time.Time, ttl time.Duration) (stop func() bool) {
	done := make(chan struct{})
	var lost atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ticker := time.NewTicker(max(ttl/3, time.Millisecond))
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			now := u.now()
			err := u.Service.Store.UploadSessionClaim(ctx, key, token, now, now.Add(ttl))
			switch {
			case err == nil:
				until = now.Add(ttl)
			case ctx.Err() != nil:
				return
			case errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) || !now.Before(until):
				u.Service.Logger.Warn("upload claim lost; the upload is stopped", "session", store.KeyRef(key), "err", err)
				lost.Store(true)
				cancel()
				return
			default:
				u.Service.Logger.Warn("upload claim not renewed; retrying", "session", store.KeyRef(key), "err", err)
			}
		}
	}()
	return func() bool {
		close(done)
		wg.Wait()
		return lost.Load()
	}
}
