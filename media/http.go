package media

import (
	"errors"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/store"
)

// MediaPathPrefix is the URL path under which media bytes are served.
const MediaPathPrefix = "/vod/"

// UploadPathPrefix is the URL path of presigned upload URLs.
const UploadPathPrefix = "/upload/"

// ServeMedia serves the bytes of committed media at /vod/<storage key>,
// with Range support. Keys of uploads not committed, deleted or unknown
// media answer 404.
func (s *Service) ServeMedia(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key := strings.TrimPrefix(r.URL.Path, MediaPathPrefix)
	ok, err := s.Store.MediaStorageKeyExists(r.Context(), key)
	if err != nil {
		s.Logger.Error("media lookup failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	obj, err := s.Blobs.Open(r.Context(), key)
	if errors.Is(err, blob.ErrNotFound) || errors.Is(err, blob.ErrInvalidKey) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.Logger.Error("media open failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer obj.Close()
	if !dropEmptySuffixRanges(r.Header) {
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(obj.Info().Size, 10))
		http.Error(w, "requested range not satisfiable", http.StatusRequestedRangeNotSatisfiable)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(key)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	http.ServeContent(w, r, path.Base(key), obj.Info().ModTime, obj)
}

// dropEmptySuffixRanges removes the ranges "-0" (a suffix of no bytes, not
// satisfiable by RFC 9110 section 14.1.2) from h's Range, which
// http.ServeContent would answer 206 with no bytes. It reports false when
// the Range held only such ranges, so the request must be answered 416. A
// request with If-Range is left to http.ServeContent.
func dropEmptySuffixRanges(h http.Header) bool {
	spec, ok := strings.CutPrefix(h.Get("Range"), "bytes=")
	if !ok || h.Get("If-Range") != "" {
		return true
	}
	var kept []string
	for _, ra := range strings.Split(spec, ",") {
		suffix, ok := strings.CutPrefix(strings.TrimSpace(ra), "-")
		if !ok || suffix == "" || strings.Trim(suffix, "0") != "" {
			kept = append(kept, ra)
		}
	}
	if len(kept) == 0 {
		return false
	}
	h.Set("Range", "bytes="+strings.Join(kept, ","))
	return true
}

// Uploads accepts the bytes of ApplyUpload sessions at their presigned URL.
type Uploads struct {
	Service *Service
	// MaxSize is the largest upload accepted, in bytes.
	MaxSize int64
	// NowFunc is the clock; time.Now when nil.
	NowFunc func() time.Time
}

// ServeHTTP takes PUT /upload/<VodSessionKey>: the body is streamed to a
// temporary file, synced and renamed into place. The URL accepts one
// completed upload before its deadline; later or late PUTs answer 403.
func (u *Uploads) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", "PUT")
		http.Error(w, "method not allowed: PUT the file's bytes", http.StatusMethodNotAllowed)
		return
	}
	now := time.Now()
	if u.NowFunc != nil {
		now = u.NowFunc()
	}
	s := u.Service
	key := strings.TrimPrefix(r.URL.Path, UploadPathPrefix)
	sess, err := s.Store.UploadSessionGet(r.Context(), key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, "forbidden: unknown upload URL", http.StatusForbidden)
		return
	case err != nil:
		s.Logger.Error("upload session lookup failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case now.After(sess.Deadline):
		http.Error(w, "forbidden: the upload URL expired at "+sess.Deadline.UTC().Format(time.RFC3339), http.StatusForbidden)
		return
	case sess.FileID != "" || sess.UploadedSize >= 0:
		http.Error(w, "forbidden: this upload URL was already used", http.StatusForbidden)
		return
	}
	if r.ContentLength > u.MaxSize {
		http.Error(w, "too large: uploads are limited to "+strconv.FormatInt(u.MaxSize, 10)+" bytes", http.StatusRequestEntityTooLarge)
		return
	}
	n, err := s.Blobs.Put(r.Context(), sess.StorageKey, r.Body, u.MaxSize)
	if errors.Is(err, blob.ErrTooLarge) {
		http.Error(w, "too large: uploads are limited to "+strconv.FormatInt(u.MaxSize, 10)+" bytes", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		s.Logger.Error("upload failed", "err", err)
		http.Error(w, "upload failed; nothing was stored", http.StatusInternalServerError)
		return
	}
	if err := s.Store.UploadSessionSetUploaded(r.Context(), key, n); err != nil {
		if errors.Is(err, store.ErrConflict) {
			http.Error(w, "forbidden: this upload URL was already used", http.StatusForbidden)
			return
		}
		s.Logger.Error("upload not recorded", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}
