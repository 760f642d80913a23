package media

import (
	"context"
	"strconv"
	"strings"

	"github.com/openvod/openvod/hls"
)

// HLSFileURL returns the URL of the master playlist of the app's media
// fileID named by its FileId, /hls/<SubAppId>/<FileId>/master.m3u8: a URL
// known before the media's bytes are stored (a FastEditMedia answers it),
// which answers 404 until the media is committed.
func (s *Service) HLSFileURL(subAppID int64, fileID string) string {
	return s.PublicURL + HLSPathPrefix + strconv.FormatInt(subAppID, 10) + "/" + fileID + "/" + hls.MasterName
}

// hlsKey returns the storage key an HLS path's key names: for
// "<SubAppId>/<FileId>" (HLSFileURL; no storage key has that form) the
// media's storage key, or "" when there is no such media; any other key
// as it is.
func (s *Service) hlsKey(ctx context.Context, key string) (string, error) {
	app, fileID, ok := strings.Cut(key, "/")
	if !ok || len(fileID) != 19 || !digits(app) || !digits(fileID) {
		return key, nil
	}
	subAppID, err := strconv.ParseInt(app, 10, 64)
	if err != nil {
		return "", nil
	}
	m, err := s.Store.MediaGet(ctx, subAppID, fileID)
	if err != nil {
		return "", err
	}
	return m.StorageKey, nil
}

// digits reports whether s is a non-empty string of ASCII digits.
func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
