package tcapi

import (
	"context"
	"errors"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// MaxFileIDs is the most FileIds DescribeMediaInfos takes.
const MaxFileIDs = 20

type describeMediaInfosRequest struct {
	FileIds []string `json:"FileIds" tc:"required"`
	Filters []string `json:"Filters"`
}

type describeMediaInfosResponse struct {
	MediaInfoSet      []object `json:"MediaInfoSet"`
	NotExistFileIdSet []string `json:"NotExistFileIdSet"`
}

// mediaInfoKeys are the members of the SDK's MediaInfo, in order.
var mediaInfoKeys = []string{"BasicInfo", "MetaData", "TranscodeInfo", "AnimatedGraphicsInfo", "SampleSnapshotInfo",
	"ImageSpriteInfo", "SnapshotByTimeOffsetInfo", "KeyFrameDescInfo", "AdaptiveDynamicStreamingInfo",
	"MiniProgramReviewInfo", "SubtitleInfo", "FileId", "ReviewInfo", "MPSAiMediaInfo", "ImageUnderstandingInfo",
	"KnowledgeBasesInfo", "FaceRecognitionInfo"}

// mediaInfoFilters are the Filters values Tencent accepts; openvod fills
// basicInfo, metaData and the infos of processing outputs (see
// media.OutputInfos) and answers null for the others.
var mediaInfoFilters = map[string]bool{
	"basicInfo": true, "metaData": true, "transcodeInfo": true, "animatedGraphicsInfo": true,
	"imageSpriteInfo": true, "snapshotByTimeOffsetInfo": true, "sampleSnapshotInfo": true,
	"keyFrameDescInfo": true, "adaptiveDynamicStreamingInfo": true, "miniProgramReviewInfo": true,
	"subtitleInfo": true, "reviewInfo": true, "mpsAiMediaInfo": true, "knowledgeBasesInfo": true,
}

func (a *API) describeMediaInfos(ctx context.Context, c *call) (any, error) {
	var req describeMediaInfosRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if len(req.FileIds) == 0 {
		return nil, openvod.Errorf("InvalidParameterValue.FileIdsEmpty", "FileIds: give at least one FileId")
	}
	if len(req.FileIds) > MaxFileIDs {
		return nil, openvod.Errorf("InvalidParameterValue.FileIdsOverLimit", "FileIds: at most %d FileIds per request, got %d", MaxFileIDs, len(req.FileIds))
	}
	want, err := parseFilters(req.Filters)
	if err != nil {
		return nil, err
	}
	found, err := a.cfg.Store.MediaGetMany(ctx, c.App.ID, req.FileIds)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*openvod.Media, len(found))
	for _, m := range found {
		byID[m.FileID] = m
	}
	resp := &describeMediaInfosResponse{NotExistFileIdSet: []string{}}
	var ordered []*openvod.Media
	seen := map[string]bool{}
	for _, id := range req.FileIds {
		if seen[id] {
			continue
		}
		seen[id] = true
		m, ok := byID[id]
		if !ok {
			resp.NotExistFileIdSet = append(resp.NotExistFileIdSet, id)
			continue
		}
		ordered = append(ordered, m)
	}
	if resp.MediaInfoSet, err = a.mediaInfoSet(ctx, c.App.ID, ordered, want); err != nil {
		return nil, err
	}
	return resp, nil
}

// parseFilters checks a request's Filters and returns the infos they ask
// for: want[filter], or every info when want is nil.
func parseFilters(filters []string) (want map[string]bool, err error) {
	for _, f := range filters {
		if !mediaInfoFilters[f] {
			return nil, openvod.InvalidValue("Filters", false, "unknown filter %q; use basicInfo, metaData, transcodeInfo, ...", f)
		}
		if want == nil {
			want = map[string]bool{}
		}
		want[f] = true
	}
	return want, nil
}

// mediaInfoSet returns the MediaInfo items of the app's media, in order,
// with the infos want asks for (parseFilters).
func (a *API) mediaInfoSet(ctx context.Context, subAppID int64, medias []*openvod.Media, want map[string]bool) ([]object, error) {
	all := want == nil
	set := make([]object, 0, len(medias))
	if len(medias) == 0 {
		return set, nil
	}
	fileIDs := make([]string, len(medias))
	for i, m := range medias {
		fileIDs[i] = m.FileID
	}
	outputs, err := a.cfg.Store.MediaOutputListItems(ctx, subAppID, fileIDs)
	if err != nil {
		return nil, err
	}
	for _, m := range medias {
		outs, err := a.cfg.Media.Outputs(m, outputs)
		if err != nil {
			return nil, err
		}
		info := nulls(mediaInfoKeys...).set("FileId", m.FileID)
		if all || want["basicInfo"] {
			basic := a.cfg.Media.BasicInfo(m)
			basic.CoverUrl = outs.CoverUrl
			info = info.set("BasicInfo", basic)
		}
		if all || want["metaData"] {
			info = info.set("MetaData", media.MetaData(m))
		}
		for _, o := range []struct {
			filter, key string
			value       any // a nil pointer when there is no output: null
		}{
			{"transcodeInfo", "TranscodeInfo", outs.TranscodeInfo},
			{"animatedGraphicsInfo", "AnimatedGraphicsInfo", outs.AnimatedGraphicsInfo},
			{"sampleSnapshotInfo", "SampleSnapshotInfo", outs.SampleSnapshotInfo},
			{"imageSpriteInfo", "ImageSpriteInfo", outs.ImageSpriteInfo},
			{"snapshotByTimeOffsetInfo", "SnapshotByTimeOffsetInfo", outs.SnapshotByTimeOffsetInfo},
			{"adaptiveDynamicStreamingInfo", "AdaptiveDynamicStreamingInfo", outs.AdaptiveDynamicStreamingInfo},
		} {
			if all || want[o.filter] {
				info = info.set(o.key, o.value)
			}
		}
		// Extension: why the metadata could not be read ("" when it could).
		info = info.set("MetaDataError", m.MetaError)
		set = append(set, info)
	}
	return set, nil
}

type deleteMediaRequest struct {
	FileId      string            `json:"FileId" tc:"required"`
	DeleteParts []mediaDeleteItem `json:"DeleteParts"`
}

type mediaDeleteItem struct {
	Type       string `json:"Type"`
	Definition int64  `json:"Definition"`
}

// MaxDeleteParts is the most DeleteParts one DeleteMedia takes (each is a
// statement or two in its transaction).
const MaxDeleteParts = 100

var deletePartTypes = map[string]bool{
	media.PartOriginalFiles: true, media.PartTranscodeFiles: true, media.PartAdaptiveDynamicStreamingFiles: true,
	media.PartWechatPublishFiles: true, media.PartWechatMiniProgramPublishFiles: true,
}

func (a *API) deleteMedia(ctx context.Context, c *call) (any, error) {
	var req deleteMediaRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if len(req.DeleteParts) > MaxDeleteParts {
		return nil, openvod.InvalidValue("DeleteParts", false, "give at most %d parts, got %d", MaxDeleteParts, len(req.DeleteParts))
	}
	original := len(req.DeleteParts) == 0
	parts := make([]vodevent.MediaDeleteItem, 0, len(req.DeleteParts))
	for _, p := range req.DeleteParts {
		if !deletePartTypes[p.Type] {
			return nil, openvod.InvalidValue("DeleteParts", false, "unknown Type %q; use OriginalFiles, TranscodeFiles, AdaptiveDynamicStreamingFiles, ...", p.Type)
		}
		if p.Definition < 0 {
			return nil, openvod.InvalidValue("DeleteParts", false, "Definition %d of %s: give 0 (every file of the Type) or a template's Definition", p.Definition, p.Type)
		}
		original = original || p.Type == media.PartOriginalFiles
		parts = append(parts, vodevent.MediaDeleteItem(p))
	}
	var err error
	if original {
		// openvod cannot keep outputs without their source: deleting the
		// original deletes the media (docs/api.md, DeleteMedia).
		err = a.cfg.Media.Delete(ctx, c.App.ID, req.FileId)
	} else {
		err = a.cfg.Media.DeleteParts(ctx, c.App.ID, req.FileId, parts)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, openvod.Errorf("ResourceNotFound.FileNotExist", "FileId: no media %q in app %d", req.FileId, c.App.ID)
	}
	return nil, err
}
