package tcapi

import (
	"context"
	"errors"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/worker"
)

type describeTaskDetailRequest struct {
	TaskId string `json:"TaskId" tc:"required"`
}

// taskDetailKeys are the members of the SDK's DescribeTaskDetailResponse
// before RequestId, in order.
var taskDetailKeys = []string{"TaskType", "Status", "CreateTime", "BeginProcessTime", "FinishTime",
	"ProcedureTask", "EditMediaTask", "WechatPublishTask", "ComposeMediaTask", "SplitMediaTask",
	"WechatMiniProgramPublishTask", "PullUploadTask", "TranscodeTask", "ConcatTask", "ClipTask",
	"CreateImageSpriteTask", "SnapshotByTimeOffsetTask", "RemoveWatermarkTask", "RebuildMediaTask",
	"ExtractTraceWatermarkTask", "ExtractCopyRightWatermarkTask", "ReviewAudioVideoTask",
	"ReduceMediaBitrateTask", "DescribeFileAttributesTask", "QualityInspectTask", "QualityEnhanceTask",
	"ComplexAdaptiveDynamicStreamingTask", "ProcessMediaByMPSTask", "AigcImageTask", "AigcVideoTask",
	"ImportMediaKnowledge", "SceneAigcImageTask", "SceneAigcVideoTask", "ProcessImageAsyncTask",
	"ExtractBlindWatermarkTask", "CreateAigcAdvancedCustomElementTask", "CreateAigcCustomVoiceTask",
	"CreateAigcSubjectTask", "AigcVideoRedrawTask", "AigcAudioTask", "CreateAigcAudioCloneTask",
	"DescribeAigcFaceInfoAsyncTask"}

func (a *API) describeTaskDetail(ctx context.Context, c *call) (any, error) {
	var req describeTaskDetailRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	t, err := a.cfg.Store.TaskGet(ctx, c.App.ID, req.TaskId)
	if errors.Is(err, store.ErrNotFound) {
		return nil, openvod.InvalidValue("TaskId", true, "no task %q in app %d", req.TaskId, c.App.ID)
	}
	if err != nil {
		return nil, err
	}
	resp := nulls(taskDetailKeys...).
		set("TaskType", string(t.Type)).
		set("Status", string(t.Status)).
		set("CreateTime", openvod.FormatTime(t.CreateTime)).
		set("BeginProcessTime", openvod.FormatTime(t.BeginProcessTime)).
		set("FinishTime", openvod.FormatTime(t.FinishTime))
	switch t.Type {
	case openvod.TaskPullUpload:
		pt, err := worker.PullUploadTask(t)
		if err != nil {
			return nil, err
		}
		resp = resp.set("PullUploadTask", pt)
	}
	return resp, nil
}
