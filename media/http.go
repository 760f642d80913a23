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
)

// MediaPathPrefix is the URL path under which media bytes are served.
const MediaPathPrefix = "/vod/"

// UploadPathPrefix is the URL path of presigned upload URLs.
const UploadPathPrefix = "/upload/"

// ServeMedia serves the bytes of committed media and of their outputs at
// /vod/<storage key>, with Range support and the Content-Type of the key's
// extension (see ContentType), and CORS for players on other origins (an
// HLS ladder's playlists and segments are read from here). Keys of uploads
// not committed, deleted or unknown media answer 404.
func (s *Service) ServeMedia(w http.ResponseWriter, r *http.Request) {
	if !cors(w, r) {
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
	if ps, ok := s.Blobs.(blob.Presigner); ok && s.Redirect {
		s.redirect(w, r, ps, key)
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
	if ct := ContentType(key); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if off, end, ok := singleRange(r.Header); ok {
		blob.WillRead(obj, off, end) // storage is asked for these bytes only
	}
	http.ServeContent(w, r, path.Base(key), obj.Info().ModTime, obj)
}

// contentTypes are the Content-Types of the files openvod stores and makes,
// by extension: fixed here, since the system's MIME table may say otherwise
// (Debian's names .ts a Qt translation and .m3u8 audio/x-mpegurl).
var contentTypes = map[string]string{
	".mp4": "video/mp4", ".mov": "video/quicktime", ".flv": "video/x-flv",
	".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".aac": "audio/aac", ".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg",
	".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t",
	".mpd": "application/dash+xml", ".m4s": "video/iso.segment",
	".vtt": "text/vtt",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif",
}

// ContentType returns the Content-Type a media GET of key answers with: by
// its extension, from contentTypes or else the system's MIME table; "" when
// neither knows it.
func ContentType(key string) string {
	ext := strings.ToLower(path.Ext(key))
	if ct, ok := contentTypes[ext]; ok {
		return ct
	}
	return mime.TypeByExtension(ext)
}

// RedirectTTL is how long the presigned URL of a media redirect is valid.
const RedirectTTL = 15 * time.Minute

// redirect answers 302 Found to a presigned URL of the object, so that its
// bytes go from storage to the client without passing through openvod;
// the URL asks for the key's Content-Type when the store can.
func (s *Service) redirect(w http.ResponseWriter, r *http.Request, ps blob.Presigner, key string) {
	expires := time.Now().Add(RedirectTTL)
	var url string
	var err error
	if tp, ok := ps.(blob.TypedPresigner); ok {
		url, err = tp.PresignGetAs(r.Context(), key, ContentType(key), expires)
	} else {
		url, err = ps.PresignGet(r.Context(), key, expires)
	}
	if err != nil {
		s.Logger.Error("media URL not presigned", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// The URL expires: a client must come back here, not cache the redirect.
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, url, http.StatusFound)
}

// singleRange returns the bytes [off, end) of a Range of one closed range
// ("bytes=off-last"); ok is false for any other Range.
func singleRange(h http.Header) (off, end int64, ok bool) {
	spec, ok := strings.CutPrefix(h.Get("Range"), "bytes=")
	first, last, found := strings.Cut(spec, "-")
	if !ok || !found || strings.Contains(last, ",") {
		return 0, 0, false
	}
	off, err1 := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	l, err2 := strconv.ParseInt(strings.TrimSpace(last), 10, 64)
	if err1 != nil || err2 != nil || off < 0 || l < off {
		return 0, 0, false
	}
	return off, l + 1, true
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
