package tcapi

import (
	"context"
	"errors"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
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
// basicInfo and metaData and answers null for the others.
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
	want := map[string]bool{}
	for _, f := range req.Filters {
		if !mediaInfoFilters[f] {
			return nil, openvod.InvalidValue("Filters", false, "unknown filter %q; use basicInfo, metaData, transcodeInfo, ...", f)
		}
		want[f] = true
	}
	all := len(req.Filters) == 0

	found, err := a.cfg.Store.MediaGetMany(ctx, c.App.ID, req.FileIds)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*openvod.Media, len(found))
	for _, m := range found {
		byID[m.FileID] = m
	}
	resp := &describeMediaInfosResponse{MediaInfoSet: []object{}, NotExistFileIdSet: []string{}}
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
		info := nulls(mediaInfoKeys...).set("FileId", m.FileID)
		if all || want["basicInfo"] {
			info = info.set("BasicInfo", a.cfg.Media.BasicInfo(m))
		}
		if all || want["metaData"] {
			info = info.set("MetaData", media.MetaData(m))
		}
		// Extension: why the metadata could not be read ("" when it could).
		info = info.set("MetaDataError", m.MetaError)
		resp.MediaInfoSet = append(resp.MediaInfoSet, info)
	}
	return resp, nil
}

type deleteMediaRequest struct {
	FileId      string            `json:"FileId" tc:"required"`
	DeleteParts []mediaDeleteItem `json:"DeleteParts"`
}

type mediaDeleteItem struct {
	Type       string `json:"Type"`
	Definition int64  `json:"Definition"`
}

var deletePartTypes = map[string]bool{
	"OriginalFiles": true, "TranscodeFiles": true, "AdaptiveDynamicStreamingFiles": true,
	"WechatPublishFiles": true, "WechatMiniProgramPublishFiles": true,
}

func (a *API) deleteMedia(ctx context.Context, c *call) (any, error) {
	var req deleteMediaRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	original := len(req.DeleteParts) == 0
	for _, p := range req.DeleteParts {
		if !deletePartTypes[p.Type] {
			return nil, openvod.InvalidValue("DeleteParts", false, "unknown Type %q; use OriginalFiles, TranscodeFiles, ...", p.Type)
		}
		original = original || p.Type == "OriginalFiles"
	}
	var err error
	if original {
		// openvod keeps only original files: deleting them deletes the media.
		err = a.cfg.Media.Delete(ctx, c.App.ID, req.FileId)
	} else {
		_, err = a.cfg.Store.MediaGet(ctx, c.App.ID, req.FileId)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, openvod.Errorf("ResourceNotFound.FileNotExist", "FileId: no media %q in app %d", req.FileId, c.App.ID)
	}
	return nil, err
}
