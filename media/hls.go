package media

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/mp4"
)

// HLSPathPrefix is the URL path under which committed media are served as
// HLS, packaged on request (docs/streaming.md).
const HLSPathPrefix = "/hls/"

// HLSCacheEntries and HLSCacheBytes bound the default cache of packaged
// sources.
const (
	HLSCacheEntries = 256
	HLSCacheBytes   = 256 << 20
)

// HLSURL returns the URL of the master playlist of the media stored under
// key.
func (s *Service) HLSURL(key string) string {
	return s.PublicURL + HLSPathPrefix + key + "/" + hls.MasterName
}

// hlsCache returns s.HLS, made on first use with the default segment
// duration when it was not set.
func (s *Service) hlsCache() *hls.Cache {
	s.hlsOnce.Do(func() {
		if s.HLS == nil {
			s.HLS = hls.NewCache(hls.Options{}, HLSCacheEntries, HLSCacheBytes)
		}
	})
	return s.HLS
}

// ServeHLS serves committed media as HLS at /hls/<storage key>/ followed
// by master.m3u8, t<ID>.m3u8, t<ID>/init.mp4 or t<ID>/<n>.m4s (see
// package hls), with strong ETags, Range support and CORS. Keys that are
// not committed media, sources that are not packaged (the answer says
// why) and segments that do not exist answer 404. Init and media segments
// may be cached forever; playlists for an hour.
func (s *Service) ServeHLS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Range, If-None-Match, If-Range")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodHead:
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, ETag")
	key, name, ok := splitHLSPath(strings.TrimPrefix(r.URL.Path, HLSPathPrefix))
	key, clip := splitHLSClip(key)
	if !ok || !blob.ValidKey(key) {
		http.NotFound(w, r)
		return
	}
	exists, err := s.Store.MediaStorageKeyExists(r.Context(), key)
	if err != nil {
		s.Logger.Error("media lookup failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !exists {
		http.NotFound(w, r)
		return
	}
	obj, err := s.Blobs.Open(r.Context(), key)
	if errors.Is(err, blob.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.Logger.Error("media open failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer obj.Close()
	info := obj.Info()
	cache := s.hlsCache()
	id := hls.SourceID{Key: key, Size: info.Size, ModTime: info.ModTime.UnixNano()}
	ix, err := cache.Get(id, obj)
	var limit *mp4.LimitError
	if errors.Is(err, hls.ErrUnsupported) || errors.Is(err, mp4.ErrInvalid) || errors.As(err, &limit) {
		http.Error(w, "not available as HLS: "+err.Error(), http.StatusNotFound)
		return
	}
	if err != nil {
		s.Logger.Error("HLS index failed", "key", key, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	body, err := hlsFile(ix, obj, name, clip)
	if errors.Is(err, hls.ErrNoSegment) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.Logger.Error("HLS segment failed", "key", key, "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", ContentType(name))
	h.Set("ETag", cache.ETag(id, hlsClipName(clip, name)))
	if strings.HasSuffix(name, ".m3u8") {
		h.Set("Cache-Control", "public, max-age=3600")
	} else {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// splitHLSPath splits the path after HLSPathPrefix into the storage key
// and the name of the file within its packaging: the last element for a
// playlist, the last two for a segment.
func splitHLSPath(p string) (key, name string, ok bool) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", "", false
	}
	if strings.HasSuffix(p, ".m3u8") {
		return p[:i], p[i+1:], true
	}
	j := strings.LastIndexByte(p[:i], '/')
	if j < 0 {
		return "", "", false
	}
	return p[:j], p[j+1:], true
}
