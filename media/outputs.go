package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/mp4"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// MediaTranscodeInfo is DescribeMediaInfos' TranscodeInfo.
type MediaTranscodeInfo struct {
	TranscodeSet []*vodevent.MediaTranscodeItem `json:"TranscodeSet"`
}

// MediaAdaptiveDynamicStreamingInfo is DescribeMediaInfos' AdaptiveDynamicStreamingInfo.
type MediaAdaptiveDynamicStreamingInfo struct {
	AdaptiveDynamicStreamingSet []*vodevent.AdaptiveDynamicStreamingInfoItem `json:"AdaptiveDynamicStreamingSet"`
}

// MediaSnapshotByTimeOffsetInfo is DescribeMediaInfos' SnapshotByTimeOffsetInfo.
type MediaSnapshotByTimeOffsetInfo struct {
	SnapshotByTimeOffsetSet []*vodevent.MediaSnapshotByTimeOffsetItem `json:"SnapshotByTimeOffsetSet"`
}

// MediaSampleSnapshotInfo is DescribeMediaInfos' SampleSnapshotInfo.
type MediaSampleSnapshotInfo struct {
	SampleSnapshotSet []*vodevent.MediaSampleSnapshotItem `json:"SampleSnapshotSet"`
}

// MediaImageSpriteInfo is DescribeMediaInfos' ImageSpriteInfo.
type MediaImageSpriteInfo struct {
	ImageSpriteSet []*vodevent.MediaImageSpriteItem `json:"ImageSpriteSet"`
}

// MediaAnimatedGraphicsInfo is DescribeMediaInfos' AnimatedGraphicsInfo.
type MediaAnimatedGraphicsInfo struct {
	AnimatedGraphicsSet []*vodevent.MediaAnimatedGraphicsItem `json:"AnimatedGraphicsSet"`
}

// OutputInfos are the members of a DescribeMediaInfos MediaInfo that
// processing fills. TranscodeInfo always holds the original (Definition
// 0); every other info is nil (null on the wire) when the media has no
// output of its kind.
type OutputInfos struct {
	TranscodeInfo                *MediaTranscodeInfo
	AdaptiveDynamicStreamingInfo *MediaAdaptiveDynamicStreamingInfo
	SnapshotByTimeOffsetInfo     *MediaSnapshotByTimeOffsetInfo
	SampleSnapshotInfo           *MediaSampleSnapshotInfo
	ImageSpriteInfo              *MediaImageSpriteInfo
	AnimatedGraphicsInfo         *MediaAnimatedGraphicsInfo
	// CoverUrl is the newest CoverBySnapshot output's, "" when none.
	CoverUrl string
}

// Outputs returns the OutputInfos of m from outputs (as the store lists
// them, by Kind and Definition; those of other media are skipped; Keys are
// not needed). An output of an unknown Kind or with an Item that does not
// decode is an error.
func (s *Service) Outputs(m *openvod.Media, outputs []*openvod.MediaOutput) (*OutputInfos, error) {
	meta := MetaData(m)
	infos := &OutputInfos{TranscodeInfo: &MediaTranscodeInfo{TranscodeSet: []*vodevent.MediaTranscodeItem{{
		Url: s.URL(m.StorageKey), Definition: 0, Bitrate: meta.Bitrate, Height: meta.Height, Width: meta.Width,
		Size: meta.Size, Duration: meta.Duration, Container: meta.Container,
		VideoStreamSet: meta.VideoStreamSet, AudioStreamSet: meta.AudioStreamSet, DigitalWatermarkType: "None",
	}}}}
	if hlsPackaged(meta) {
		infos.AdaptiveDynamicStreamingInfo = &MediaAdaptiveDynamicStreamingInfo{
			AdaptiveDynamicStreamingSet: []*vodevent.AdaptiveDynamicStreamingInfoItem{s.onTheFlyHLS(m, meta)},
		}
	}
	var cover *openvod.MediaOutput
	for _, o := range outputs {
		if o.FileID != m.FileID {
			continue
		}
		var err error
		switch o.Kind {
		case vodevent.ResultTranscode:
			err = appendItem(o, &infos.TranscodeInfo.TranscodeSet)
		case vodevent.ResultAdaptiveDynamicStreaming:
			infos.AdaptiveDynamicStreamingInfo = orNew(infos.AdaptiveDynamicStreamingInfo)
			err = appendItem(o, &infos.AdaptiveDynamicStreamingInfo.AdaptiveDynamicStreamingSet)
		case vodevent.ResultSnapshotByTimeOffset:
			infos.SnapshotByTimeOffsetInfo = orNew(infos.SnapshotByTimeOffsetInfo)
			err = appendItem(o, &infos.SnapshotByTimeOffsetInfo.SnapshotByTimeOffsetSet)
		case vodevent.ResultSampleSnapshot:
			infos.SampleSnapshotInfo = orNew(infos.SampleSnapshotInfo)
			err = appendItem(o, &infos.SampleSnapshotInfo.SampleSnapshotSet)
		case vodevent.ResultImageSprites:
			infos.ImageSpriteInfo = orNew(infos.ImageSpriteInfo)
			err = appendItem(o, &infos.ImageSpriteInfo.ImageSpriteSet)
		case vodevent.ResultAnimatedGraphics:
			infos.AnimatedGraphicsInfo = orNew(infos.AnimatedGraphicsInfo)
			err = appendItem(o, &infos.AnimatedGraphicsInfo.AnimatedGraphicsSet)
		case vodevent.ResultCoverBySnapshot:
			if cover == nil || !o.CreateTime.Before(cover.CreateTime) {
				cover = o
			}
		default:
			err = errors.New("unknown kind")
		}
		if err != nil {
			return nil, fmt.Errorf("output %s/%s/%d: %w", o.FileID, o.Kind, o.Definition, err)
		}
	}
	if cover != nil {
		var c vodevent.CoverBySnapshotTaskOutput
		if err := json.Unmarshal(cover.Item, &c); err != nil {
			return nil, fmt.Errorf("output %s/%s/%d: %w", cover.FileID, cover.Kind, cover.Definition, err)
		}
		infos.CoverUrl = c.CoverUrl
	}
	return infos, nil
}

// hlsPackaged reports whether package hls packages media with metadata
// meta (ServeHLS): an MP4 or MOV whose first video stream is H.264 or HEVC
// (in an avc1, avc3, hvc1 or hev1 sample entry, when the metadata names
// it) and whose first audio stream is AAC, with at least one of them. The sample tables can still hold
// what hls refuses (fragments, several sample descriptions); ServeHLS then
// answers 404 and says why.
func hlsPackaged(meta *vodevent.MediaMetaData) bool {
	if meta.Container != mp4.FormatName || len(meta.VideoStreamSet)+len(meta.AudioStreamSet) == 0 {
		return false
	}
	if len(meta.VideoStreamSet) > 0 {
		v := meta.VideoStreamSet[0]
		if v.Codec != "h264" && v.Codec != "hevc" {
			return false
		}
		switch v.CodecTag {
		case "", "avc1", "avc3", "hvc1", "hev1":
		default:
			return false
		}
	}
	return len(meta.AudioStreamSet) == 0 || meta.AudioStreamSet[0].Codec == "aac"
}

// onTheFlyHLS is the AdaptiveDynamicStreamingInfo item of the media's
// own HLS packaging (docs/streaming.md): Definition 0, its master playlist,
// nothing stored (Size 0), one sub-stream: the video, or the audio of an
// audio-only file.
func (s *Service) onTheFlyHLS(m *openvod.Media, meta *vodevent.MediaMetaData) *vodevent.AdaptiveDynamicStreamingInfoItem {
	sub := vodevent.MediaSubStreamInfoItem{Type: "audio"}
	if len(meta.VideoStreamSet) > 0 {
		sub = vodevent.MediaSubStreamInfoItem{Type: "video", Width: meta.Width, Height: meta.Height}
	}
	return &vodevent.AdaptiveDynamicStreamingInfoItem{
		Definition: 0, Package: "HLS", DrmType: "", Url: s.HLSURL(m.StorageKey), DigitalWatermarkType: "None",
		SubStreamSet: []vodevent.MediaSubStreamInfoItem{sub}, SubtitleSet: []json.RawMessage{},
	}
}

// orNew returns p, or a new T when p is nil.
func orNew[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}

// appendItem decodes o's Item and appends it to set.
func appendItem[T any](o *openvod.MediaOutput, set *[]*T) error {
	item := new(T)
	if err := json.Unmarshal(o.Item, item); err != nil {
		return err
	}
	*set = append(*set, item)
	return nil
}

// Types of MediaDeleteItem (DeleteMedia's DeleteParts).
const (
	PartOriginalFiles                 = "OriginalFiles"
	PartTranscodeFiles                = "TranscodeFiles"
	PartAdaptiveDynamicStreamingFiles = "AdaptiveDynamicStreamingFiles"
	PartWechatPublishFiles            = "WechatPublishFiles"
	PartWechatMiniProgramPublishFiles = "WechatMiniProgramPublishFiles"
)

// partKinds are the output kinds that part Types remove. WeChat publishing
// makes no files here, so its Types remove nothing.
var partKinds = map[string]string{
	PartTranscodeFiles:                vodevent.ResultTranscode,
	PartAdaptiveDynamicStreamingFiles: vodevent.ResultAdaptiveDynamicStreaming,
	PartWechatPublishFiles:            "",
	PartWechatMiniProgramPublishFiles: "",
}

// DeleteParts removes the outputs that parts name (Definition 0: every one
// of the Type) of an app's media file, and with TranscodeFiles the covers
// processing made (as Tencent does, whatever the part's Definition), with
// a FileDeleted event whose DeleteParts lists, as asked, the parts that
// removed a file, and then their bytes. When nothing is removed there is
// no event. Parts must not hold OriginalFiles (see Delete). It returns
// store.ErrNotFound for unknown media.
func (s *Service) DeleteParts(ctx context.Context, subAppID int64, fileID string, parts []vodevent.MediaDeleteItem) error {
	var removed []*openvod.MediaOutput
	err := s.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		if _, err := q.MediaGet(ctx, subAppID, fileID); err != nil {
			return err
		}
		removed = nil
		var deleted []vodevent.MediaDeleteItem
		for _, p := range parts {
			kind, ok := partKinds[p.Type]
			if !ok {
				return fmt.Errorf("delete %s of %s: not a Type of outputs", p.Type, fileID)
			}
			var gone []*openvod.MediaOutput
			if kind != "" {
				outs, err := q.MediaOutputDelete(ctx, subAppID, fileID, kind, p.Definition)
				if err != nil {
					return err
				}
				gone = outs
			}
			if p.Type == PartTranscodeFiles {
				covers, err := q.MediaOutputDelete(ctx, subAppID, fileID, vodevent.ResultCoverBySnapshot, 0)
				if err != nil {
					return err
				}
				gone = append(gone, covers...)
			}
			if len(gone) > 0 {
				deleted = append(deleted, p)
				removed = append(removed, gone...)
			}
		}
		if len(deleted) == 0 {
			return nil
		}
		return em.Emit(ctx, subAppID, DeleteEvent(fileID, deleted...))
	})
	if err != nil {
		return err
	}
	s.DeleteBlobs(ctx, fileID, outputKeys(removed))
	return nil
}
