package tcapi

import (
	"context"
	"errors"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/edittask"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/pulltask"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/task2017"
	"github.com/openvod/openvod/vodevent"
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
		pt, err := pulltask.View(t)
		if err != nil {
			return nil, err
		}
		resp = resp.set("PullUploadTask", pt)
	case openvod.TaskProcedure:
		pt, err := proctask.View(t)
		if err != nil {
			return nil, err
		}
		resp = resp.set("ProcedureTask", pt)
	case openvod.TaskClip:
		ct, err := clipTaskDetail(t)
		if err != nil {
			return nil, err
		}
		resp = resp.set("ClipTask", ct)
	case openvod.TaskEditMedia, openvod.TaskConcat:
		in, out, err := edittask.View(t)
		if err != nil {
			return nil, err
		}
		if t.Type == openvod.TaskConcat {
			resp = resp.set("ConcatTask", edittask.ConcatTask(t, out))
		} else {
			resp = resp.set("EditMediaTask", edittask.EditMediaTask(t, in, out))
		}
	case openvod.TaskTranscode, openvod.TaskImageSprite, openvod.TaskSnapshotByTimeOffset:
		e, err := task2017.Event(t)
		if err != nil {
			return nil, err
		}
		switch {
		case e.TranscodeCompleteEvent != nil:
			resp = resp.set("TranscodeTask", e.TranscodeCompleteEvent)
		case e.CreateImageSpriteCompleteEvent != nil:
			resp = resp.set("CreateImageSpriteTask", e.CreateImageSpriteCompleteEvent)
		default:
			resp = resp.set("SnapshotByTimeOffsetTask", e.SnapshotByTimeOffsetCompleteEvent)
		}
	}
	return resp, nil
}

// clipTask is ClipTask2017 (TaskId, SrcFileId, FileInfo — null until the
// task finishes) followed by openvod's extension fields: the cut asked for
// and the cut made.
type clipTask struct {
	TaskId    string                     `json:"TaskId"`
	SrcFileId string                     `json:"SrcFileId"`
	FileInfo  *vodevent.ClipFileInfo2017 `json:"FileInfo"`
	// Extensions.
	Precision          string   `json:"Precision"`          // used: Fast or Exact
	RequestedPrecision string   `json:"RequestedPrecision"` // asked for
	StartTimeOffset    float64  `json:"StartTimeOffset"`    // as requested
	EndTimeOffset      float64  `json:"EndTimeOffset"`      // as requested
	EffectiveStartTime *float64 `json:"EffectiveStartTime"` // first frame shown, source seconds; null until done
	EffectiveEndTime   *float64 `json:"EffectiveEndTime"`   // end of the last frame shown
	HiddenLeadIn       float64  `json:"HiddenLeadIn"`       // seconds decoded but hidden by the edit list
	HideLeadIn         bool     `json:"HideLeadIn"`
	VideoEncoder       string   `json:"VideoEncoder"` // ffmpeg encoder of an Exact clip; "" for Fast
	ProcedureTaskId    string   `json:"ProcedureTaskId"`
	SessionContext     string   `json:"SessionContext"`
	SessionId          string   `json:"SessionId"`
	Progress           int64    `json:"Progress"`
}

func clipTaskDetail(t *openvod.Task) (*clipTask, error) {
	in, out, err := cliptask.View(t)
	if err != nil {
		return nil, err
	}
	ct := &clipTask{
		TaskId: t.ID, SrcFileId: in.SrcFileId, Precision: in.Precision, RequestedPrecision: in.Requested,
		StartTimeOffset: in.RequestStart, EndTimeOffset: in.RequestEnd, HideLeadIn: in.HideLeadIn,
		SessionContext: in.SessionContext, SessionId: in.SessionId, Progress: t.Progress,
	}
	if out != nil {
		ct.FileInfo = out.Task.FileInfo
		ct.Precision = out.Precision
		ct.Progress = 100
		if out.Task.FileInfo.ErrCode == 0 {
			ct.EffectiveStartTime, ct.EffectiveEndTime = &out.EffectiveStart, &out.EffectiveEnd
			ct.HiddenLeadIn, ct.VideoEncoder = out.HiddenLeadIn, out.VideoEncoder
			ct.ProcedureTaskId = out.ProcedureTaskId
		}
	}
	return ct, nil
}
