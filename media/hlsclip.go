package media

import (
	"io"
	"strings"

	"github.com/openvod/openvod/hls"
)

// HLSClipURL returns the URL of the playlist name (hls.MasterName or a
// track's) of the clip r of the media stored under key (SimpleHlsClip's
// answer): served by ServeHLS, it references the source's segments.
func (s *Service) HLSClipURL(key string, r hls.ClipRange, name string) string {
	return s.PublicURL + HLSPathPrefix + key + "/" + hlsClipName(&r, name)
}

// splitHLSClip splits a key of SplitHLSPath that ends in a clip's
// directory (hls.ClipDir and a range) into the media's key and the range;
// other keys are returned as they are, with a nil range.
func splitHLSClip(key string) (string, *hls.ClipRange) {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return key, nil
	}
	rest, ok := strings.CutSuffix(key[:i+1], "/"+hls.ClipDir)
	r, valid := hls.ParseClipRange(key[i+1:])
	if !ok || !valid {
		return key, nil
	}
	return rest, &r
}

// hlsClipName returns the name of a file within the packaging as the
// cache's ETags take it: name itself, or, in the clip r, its path from the
// master playlist's directory.
func hlsClipName(r *hls.ClipRange, name string) string {
	if r == nil {
		return name
	}
	return hls.ClipDir + r.Name() + "/" + name
}

// hlsFile returns the file name of the packaging ix (Index.File), or of
// its clip r when r is not nil (Index.ClipFile: playlists only).
func hlsFile(ix *hls.Index, src io.ReaderAt, name string, r *hls.ClipRange) ([]byte, error) {
	if r == nil {
		return ix.File(src, name)
	}
	return ix.ClipFile(*r, name)
}
