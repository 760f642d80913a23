package tcapi

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/pulltask"
	"github.com/openvod/openvod/store"
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

// DescribeTasks' bounds.
const (
	describeTasksLimitDefault = 10
	describeTasksLimitMax     = 100
	// describeTasksScanMax bounds the tasks one DescribeTasks with a FileId
	// reads (a task's FileId is inside its input): past it the answer has
	// fewer than Limit tasks and a ScrollToken to read on.
	describeTasksScanMax = 1000
)

type describeTasksRequest struct {
	Status      string     `json:"Status"`
	FileId      string     `json:"FileId"`
	CreateTime  *timeRange `json:"CreateTime"`
	FinishTime  *timeRange `json:"FinishTime"`
	Sort        *sortBy    `json:"Sort"`
	Limit       int        `json:"Limit"`
	ScrollToken string     `json:"ScrollToken"`
}

// taskSimpleInfo is Tencent's TaskSimpleInfo followed by openvod's
// extension fields: what the task's details carry about its progress.
type taskSimpleInfo struct {
	TaskId           string `json:"TaskId"`
	Status           string `json:"Status"`
	FileId           string `json:"FileId"`
	TaskType         string `json:"TaskType"`
	CreateTime       string `json:"CreateTime"`
	BeginProcessTime string `json:"BeginProcessTime"`
	FinishTime       string `json:"FinishTime"`
	SessionId        string `json:"SessionId"`
	SessionContext   string `json:"SessionContext"`
	// Extensions.
	Progress int64  `json:"Progress"` // 0-100; 100 when finished
	ErrCode  int64  `json:"ErrCode"`  // 0 unless the task failed
	Message  string `json:"Message"`
}

type describeTasksResponse struct {
	TaskSet     []taskSimpleInfo `json:"TaskSet"`
	ScrollToken string           `json:"ScrollToken"`
}

func (a *API) describeTasks(ctx context.Context, c *call) (any, error) {
	var req describeTasksRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	p := store.TaskListParams{SubAppID: c.App.ID, Status: openvod.TaskStatus(req.Status), Limit: req.Limit}
	switch p.Status {
	case "", openvod.TaskWaiting, openvod.TaskProcessing, openvod.TaskFinish:
	default:
		return nil, openvod.InvalidValue("Status", false, "must be WAITING, PROCESSING or FINISH, got %q", req.Status)
	}
	if p.Limit == 0 {
		p.Limit = describeTasksLimitDefault
	}
	if p.Limit < 0 || p.Limit > describeTasksLimitMax {
		return nil, openvod.InvalidValue("Limit", false, "must be 1 to %d, got %d", describeTasksLimitMax, req.Limit)
	}
	var err error
	if p.CreatedAfter, p.CreatedBefore, err = req.CreateTime.parse("CreateTime"); err != nil {
		return nil, err
	}
	if p.FinishedAfter, p.FinishedBefore, err = req.FinishTime.parse("FinishTime"); err != nil {
		return nil, err
	}
	if p.Descending, err = req.Sort.descending(); err != nil {
		return nil, err
	}
	if req.ScrollToken != "" {
		if p.After, err = parseScrollToken(req.ScrollToken); err != nil {
			return nil, err
		}
	}
	want := p.Limit
	if req.FileId != "" {
		p.Limit = describeTasksLimitMax
	}
	resp := &describeTasksResponse{TaskSet: []taskSimpleInfo{}}
	for scanned := 0; ; {
		tasks, err := a.cfg.Store.TaskList(ctx, &p)
		if err != nil {
			return nil, err
		}
		scanned += len(tasks)
		for i, t := range tasks {
			info, err := simpleInfo(t)
			if err != nil {
				return nil, err
			}
			if req.FileId == "" || info.FileId == req.FileId {
				resp.TaskSet = append(resp.TaskSet, *info)
			}
			if len(resp.TaskSet) == want && (i < len(tasks)-1 || len(tasks) == p.Limit) {
				resp.ScrollToken = scrollToken(t)
				return resp, nil
			}
		}
		if len(tasks) < p.Limit {
			return resp, nil // the end of the list
		}
		last := tasks[len(tasks)-1]
		p.After = &store.TaskCursor{CreateTime: last.CreateTime, ID: last.ID}
		if scanned >= describeTasksScanMax {
			resp.ScrollToken = scrollToken(last)
			return resp, nil
		}
	}
}

// taskInput holds the fields every task kind's input keeps under these
// names (cliptask, proctask and pulltask Inputs), and taskOutput the FileId
// of a PullUpload's result.
type (
	taskInput struct {
		FileId, SrcFileId, SessionId, SessionContext string
	}
	taskOutput struct{ FileId string }
)

// simpleInfo summarizes t. Its FileId is the media the task works on (a
// clip's or a processing's source), or the media a PullUpload made.
func simpleInfo(t *openvod.Task) (*taskSimpleInfo, error) {
	var in taskInput
	if err := json.Unmarshal(t.Input, &in); err != nil {
		return nil, fmt.Errorf("task %s input: %w", t.ID, err)
	}
	fileID := cmp.Or(in.SrcFileId, in.FileId)
	if t.Type == openvod.TaskPullUpload && len(t.Output) > 0 {
		var out taskOutput
		if err := json.Unmarshal(t.Output, &out); err != nil {
			return nil, fmt.Errorf("task %s output: %w", t.ID, err)
		}
		fileID = out.FileId
	}
	progress := t.Progress
	if t.Status == openvod.TaskFinish {
		progress = 100
	}
	return &taskSimpleInfo{
		TaskId: t.ID, Status: string(t.Status), FileId: fileID, TaskType: string(t.Type),
		CreateTime: openvod.FormatTime(t.CreateTime), BeginProcessTime: openvod.FormatTime(t.BeginProcessTime),
		FinishTime: openvod.FormatTime(t.FinishTime), SessionId: in.SessionId, SessionContext: in.SessionContext,
		Progress: progress, ErrCode: t.ErrCode, Message: t.Message,
	}, nil
}

// scrollToken is the cursor after t: its CreateTime in Unix microseconds
// and its ID, "." between, base64url-encoded.
func scrollToken(t *openvod.Task) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.CreateTime.UnixMicro(), 10) + "." + t.ID))
}

func parseScrollToken(s string) (*store.TaskCursor, error) {
	bad := openvod.InvalidValue("ScrollToken", false, "is not one a DescribeTasks answer gave; send the ScrollToken of the last answer, or none to start over")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	micros, id, ok := strings.Cut(string(raw), ".")
	us, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, bad
	}
	return &store.TaskCursor{CreateTime: time.UnixMicro(us).UTC(), ID: id}, nil
}
