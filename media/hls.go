package media

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/mp4"
	"github.com/openvod/openvod/store"
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

// DefaultHLSBuildBytes and DefaultHLSBuildWait are the defaults of
// Service.HLSBuildBytes and HLSBuildWait.
const (
	DefaultHLSBuildBytes = 256 << 20
	DefaultHLSBuildWait  = 2 * time.Second
)

// HLSURL returns the URL of the master playlist of the media stored under
// key.
func (s *Service) HLSURL(key string) string {
	return s.PublicURL + HLSPathPrefix + key + "/" + hls.MasterName
}

// hlsCache returns s.HLS, made on first use with the default segment
// duration when it was not set.
func (s *Service) hlsCache() *hls.Cache {
	s.hlsInit()
	return s.HLS
}

// hlsInit sets the HLS defaults on first use.
func (s *Service) hlsInit() {
	s.hlsOnce.Do(func() {
		if s.HLS == nil {
			s.HLS = hls.NewCache(hls.Options{}, HLSCacheEntries, HLSCacheBytes)
		}
		s.hlsBuildBytes = cmp.Or(s.HLSBuildBytes, DefaultHLSBuildBytes)
		s.hlsBuilds = newGate(s.hlsBuildBytes)
	})
}

// hlsBuild takes room for a segment of n media bytes among those being
// written and sent (HLSBuildBytes; a segment larger than all of it takes
// all of it), waiting up to HLSBuildWait; ok is false when there was no
// room in time or ctx ended. The caller calls release once the answer is
// sent.
func (s *Service) hlsBuild(ctx context.Context, n int64) (release func(), ok bool) {
	s.hlsInit()
	n = min(n, s.hlsBuildBytes)
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(s.HLSBuildWait, DefaultHLSBuildWait))
	defer cancel()
	if s.hlsBuilds.acquire(ctx, n) != nil {
		return nil, false
	}
	return func() { s.hlsBuilds.release(n) }, true
}

// ServeHLS serves committed media as HLS at /hls/<storage key>/ followed
// by master.m3u8, t<ID>.m3u8, t<ID>/init.mp4 or t<ID>/<n>.m4s (see
// package hls; the master playlist also lists the rungs of the media's HLS
// ladders, hlsMaster), with strong ETags, Range support and CORS. Keys that are
// not committed media, sources that are not packaged (the answer says
// why) and segments that do not exist answer 404. Init and media segments
// may be cached forever; playlists for an hour.
func (s *Service) ServeHLS(w http.ResponseWriter, r *http.Request) {
	if !cors(w, r) {
		return
	}
	h := w.Header()
	key, name, ok := SplitHLSPath(strings.TrimPrefix(r.URL.Path, HLSPathPrefix))
	key, clip := splitHLSClip(key)
	if !ok {
		http.NotFound(w, r)
		return
	}
	ix, obj, id, err := s.OpenHLS(r.Context(), key)
	var limit *mp4.LimitError
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.NotFound(w, r)
		return
	case errors.Is(err, hls.ErrUnsupported) || errors.Is(err, mp4.ErrInvalid) || errors.As(err, &limit):
		http.Error(w, "not available as HLS: "+err.Error(), http.StatusNotFound)
		return
	case err != nil:
		s.Logger.Error("HLS index failed", "key", key, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer obj.Close()
	segment := ix.SegmentBytes(name) > 0 && clip == nil
	if f := blob.LocalFile(obj); segment && f != nil && plainGet(r) && ix.SegmentRunBytes(name) >= sendRunBytes {
		s.sendSegment(w, f, ix, name, s.hlsCache().ETag(id, name))
		return
	}
	if segment {
		release, ok := s.hlsBuild(r.Context(), ix.SegmentBytes(name))
		if !ok {
			h.Set("Retry-After", "1")
			http.Error(w, "busy: the server is writing as many HLS segments as it may; retry", http.StatusServiceUnavailable)
			return
		}
		defer release()
	}
	var body []byte
	etag := s.hlsCache().ETag(id, hlsClipName(clip, name))
	switch {
	case name == hls.MasterName && clip == nil:
		body, etag = s.hlsMaster(r.Context(), key, ix)
	case segment:
		buf := segmentBuffers.take(int(ix.AppendSegmentBytes(name)))
		body, err = ix.AppendSegment(*buf, obj, name)
		defer func() {
			*buf = body[:0]
			segmentBuffers.put(buf)
		}()
	default:
		body, err = hlsFile(ix, obj, name, clip)
	}
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
	h.Set("ETag", etag)
	if strings.HasSuffix(name, ".m3u8") {
		h.Set("Cache-Control", "public, max-age=3600")
	} else {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// sendRunBytes is the mean size of the runs of adjacent samples of a
// segment from which sendSegment sends it from the file (two system calls
// a run), rather than the segment being written in memory (one read of
// its span, one write: Track.Segment). Tests lower it to send every
// segment.
var sendRunBytes int64 = 64 << 10

// segmentBuffers are the buffers of segments written in memory, reused
// once their answer is sent: at most keptSegmentBytes of them are kept
// while no request uses them.
var segmentBuffers = bufferShelf{max: keptSegmentBytes}

const keptSegmentBytes = 32 << 20

// cors sets the CORS headers of a public GET, HEAD or OPTIONS route (any
// origin may read it, as players on other sites do) and answers a
// preflight (OPTIONS) or another method itself; it returns whether the
// caller is to answer r.
func cors(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Range, If-None-Match, If-Range")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return false
	case http.MethodGet, http.MethodHead:
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return false
	}
	h.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, ETag")
	return true
}

// plainGet reports whether r is a GET of a whole resource: no range, no
// condition.
func plainGet(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	for _, k := range []string{"Range", "If-Range", "If-None-Match", "If-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if r.Header.Get(k) != "" {
			return false
		}
	}
	return true
}

// sendSegment answers a plain GET of the media segment name of ix whose
// source is the local file f (opened for this request alone): its head
// from memory, then its samples' runs copied from f to the connection by
// the kernel (sendfile, through io.Copy into the ResponseWriter), so that
// the segment's bytes are not held in memory. The answer's headers are
// those ServeContent gives the same segment. A read error once the
// answer has started cuts the connection: the client sees a short body.
func (s *Service) sendSegment(w http.ResponseWriter, f *os.File, ix *hls.Index, name, etag string) {
	head, runs, err := ix.SegmentParts(name)
	if err != nil {
		s.Logger.Error("HLS segment failed", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	size := int64(len(head))
	for _, r := range runs {
		size += r.Len
	}
	h := w.Header()
	h.Set("Content-Type", ContentType(name))
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(head); err != nil {
		return // the client went away
	}
	for _, r := range runs {
		if _, err := f.Seek(r.Off, io.SeekStart); err != nil {
			s.Logger.Error("HLS segment failed", "name", name, "err", err)
			panic(http.ErrAbortHandler)
		}
		n, err := io.Copy(w, io.LimitReader(f, r.Len))
		if n != r.Len {
			if err == nil { // the file is shorter than its tables say
				s.Logger.Warn("HLS segment cut short", "name", name, "err", io.ErrUnexpectedEOF)
			}
			panic(http.ErrAbortHandler) // a read error, or the client went away
		}
	}
}

// OpenHLS returns the HLS packaging of the committed media (or output)
// stored under key (or named by "<SubAppId>/<FileId>": HLSFileURL), with its object open for reading segments (the caller
// closes it) and its identity in the cache. It returns store.ErrNotFound
// for a key that is not committed media or holds no object, an error
// wrapping hls.ErrUnsupported, mp4.ErrInvalid or an *mp4.LimitError for a
// source that is not packaged, and the store's or the media store's
// errors.
func (s *Service) OpenHLS(ctx context.Context, key string) (*hls.Index, blob.Object, hls.SourceID, error) {
	if !blob.ValidKey(key) {
		return nil, nil, hls.SourceID{}, store.ErrNotFound
	}
	key, err := s.hlsKey(ctx, key)
	if err != nil {
		return nil, nil, hls.SourceID{}, err
	}
	exists, err := s.Store.MediaStorageKeyExists(ctx, key)
	if err != nil {
		return nil, nil, hls.SourceID{}, fmt.Errorf("media lookup: %w", err)
	}
	if !exists {
		return nil, nil, hls.SourceID{}, store.ErrNotFound
	}
	obj, err := s.openSource(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil, hls.SourceID{}, store.ErrNotFound
	}
	if err != nil {
		return nil, nil, hls.SourceID{}, fmt.Errorf("media open: %w", err)
	}
	info := obj.Info()
	id := hls.SourceID{Key: key, Size: info.Size, ModTime: info.ModTime.UnixNano()}
	ix, err := s.hlsCache().Get(id, obj)
	if err != nil {
		obj.Close()
		return nil, nil, id, err
	}
	return ix, obj, id, nil
}

// openSource opens the object under key: again, with no request to the
// media store, when a request opened it lately and its backend can
// (blob.Reopen: on S3, no HEAD; committed keys are not rewritten, and a
// replaced object fails its reads), else with Blobs.Open. It remembers
// the objects of at most HLSCacheEntries keys, forgetting them all when
// more come.
func (s *Service) openSource(ctx context.Context, key string) (blob.Object, error) {
	s.hlsOpenedMu.Lock()
	known := s.hlsOpened[key]
	s.hlsOpenedMu.Unlock()
	if known != nil {
		if obj, ok := blob.Reopen(ctx, known); ok {
			return obj, nil
		}
	}
	obj, err := s.Blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	if again, ok := blob.Reopen(ctx, obj); ok {
		s.hlsOpenedMu.Lock()
		if s.hlsOpened == nil || len(s.hlsOpened) >= HLSCacheEntries {
			s.hlsOpened = map[string]blob.Object{}
		}
		s.hlsOpened[key] = again
		s.hlsOpenedMu.Unlock()
	}
	return obj, nil
}

// SplitHLSPath splits the path after HLSPathPrefix into the storage key
// and the name of the file within its packaging (as hls.Index.File takes
// it): the last element for a playlist, the last two for a segment.
func SplitHLSPath(p string) (key, name string, ok bool) {
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
