package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// hlsMaster returns the master playlist of the media stored under key,
// packaged as ix: ix's own variant, then the rungs of the media's HLS
// adaptive-streaming outputs (hlsLadder), and its ETag, a hash of its
// bytes (the outputs change; the source does not).
func (s *Service) hlsMaster(ctx context.Context, key string, ix *hls.Index) ([]byte, string) {
	body := ix.Master(s.hlsLadder(ctx, key)...)
	sum := sha256.Sum256(body)
	return body, `"` + hex.EncodeToString(sum[:16]) + `"`
}

// hlsLadder returns the variants of the HLS adaptive-streaming outputs of
// the original media stored under key, in the order DescribeMediaInfos
// lists them (by Definition), each output's in its master playlist's
// order, their URIs resolved against the output's Url. A key that is not
// an original's (an output's) has none. An output whose master playlist
// cannot be read or parsed is left out and logged: the media's own
// variant still plays.
func (s *Service) hlsLadder(ctx context.Context, key string) []hls.Variant {
	app, _, _ := strings.Cut(key, "/")
	subAppID, err := strconv.ParseInt(app, 10, 64)
	if err != nil {
		return nil
	}
	m, err := s.Store.MediaGetByStorageKey(ctx, subAppID, key)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.Logger.Warn("HLS master playlist without its ladder", "key", key, "err", err)
		}
		return nil
	}
	outs, err := s.Store.MediaOutputList(ctx, subAppID, []string{m.FileID})
	if err != nil {
		s.Logger.Warn("HLS master playlist without its ladder", "key", key, "err", err)
		return nil
	}
	var ladder []hls.Variant
	for _, o := range outs {
		if o.Kind != vodevent.ResultAdaptiveDynamicStreaming {
			continue
		}
		v, err := s.ladderVariants(ctx, o)
		if err != nil {
			s.Logger.Warn("HLS ladder left out of the master playlist", "key", key, "definition", o.Definition, "err", err)
			continue
		}
		ladder = append(ladder, v...)
	}
	return ladder
}

// ladderVariants returns the variants of an adaptive-streaming output's
// master playlist; none for a DASH output.
func (s *Service) ladderVariants(ctx context.Context, o *openvod.MediaOutput) ([]hls.Variant, error) {
	var item vodevent.AdaptiveDynamicStreamingInfoItem
	if err := json.Unmarshal(o.Item, &item); err != nil {
		return nil, err
	}
	if item.Package != "HLS" {
		return nil, nil
	}
	base, err := url.Parse(item.Url)
	if err != nil {
		return nil, err
	}
	main := ""
	for _, k := range o.Keys {
		if strings.HasSuffix(item.Url, "/vod/"+k) {
			main = k
		}
	}
	if main == "" {
		return nil, fmt.Errorf("no key of the output is its Url %s", item.Url)
	}
	obj, err := s.Blobs.Open(ctx, main)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, hls.MaxLadderPlaylist+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", main, err)
	}
	return hls.ParseVariants(b, base)
}
