package tcapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/task2017"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// processMediaRequest is ProcessMedia's request, in the SDK's order.
type processMediaRequest struct {
	FileId              string                          `json:"FileId"`
	MediaStoragePath    string                          `json:"MediaStoragePath"`
	MediaProcessTask    *vodevent.MediaProcessTaskInput `json:"MediaProcessTask"`
	AiContentReviewTask json.RawMessage                 `json:"AiContentReviewTask"`
	AiAnalysisTask      json.RawMessage                 `json:"AiAnalysisTask"`
	AiRecognitionTask   json.RawMessage                 `json:"AiRecognitionTask"`
	TasksPriority       int64                           `json:"TasksPriority"`
	TasksNotifyMode     string                          `json:"TasksNotifyMode"`
	SessionContext      string                          `json:"SessionContext"`
	SessionId           string                          `json:"SessionId"`
	// ExtInfo is reserved: accepted and ignored.
	ExtInfo                  string `json:"ExtInfo"`
	Url                      string `json:"Url"`
	OutputAsIndependentMedia string `json:"OutputAsIndependentMedia"`
}

type processMediaResponse struct {
	TaskId string `json:"TaskId"`
}

// processMediaByProcedureRequest is ProcessMediaByProcedure's request, in
// the SDK's order.
type processMediaByProcedureRequest struct {
	ProcedureName    string `json:"ProcedureName" tc:"required"`
	FileId           string `json:"FileId"`
	MediaStoragePath string `json:"MediaStoragePath"`
	TasksPriority    int64  `json:"TasksPriority"`
	TasksNotifyMode  string `json:"TasksNotifyMode"`
	SessionContext   string `json:"SessionContext"`
	SessionId        string `json:"SessionId"`
	// ExtInfo is reserved: accepted and ignored.
	ExtInfo string `json:"ExtInfo"`
}

// processMediaByProcedureResponse has no review or knowledge tasks: those
// members are always "" and [].
type processMediaByProcedureResponse struct {
	TaskId                        string   `json:"TaskId"`
	ReviewAudioVideoTaskId        string   `json:"ReviewAudioVideoTaskId"`
	ImportMediaKnowledgeTaskIdSet []string `json:"ImportMediaKnowledgeTaskIdSet"`
}

// procedureParams are the members ProcessMedia and ProcessMediaByProcedure
// share, which say what the task runs on and how it reports.
type procedureParams struct {
	FileId, MediaStoragePath        string
	TasksPriority                   int64
	TasksNotifyMode, SessionContext string
	SessionId                       string
	// Type is the task's: "" for Procedure, or a 2017-style type.
	Type openvod.TaskType
}

func (a *API) processMedia(ctx context.Context, c *call) (any, error) {
	var req processMediaRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	p := &procedureParams{FileId: req.FileId, MediaStoragePath: req.MediaStoragePath, TasksPriority: req.TasksPriority,
		TasksNotifyMode: req.TasksNotifyMode, SessionContext: req.SessionContext, SessionId: req.SessionId}
	if err := firstErr(checkNoAI(&req), checkInPlace(&req), p.check()); err != nil {
		return nil, err
	}
	id, err := a.startProcedure(ctx, c, p, func() (*proctask.Input, error) {
		// Resolve refuses a task without sub-tasks (or none at all).
		r, err := templates.Resolve(ctx, a.cfg.Store, c.App.ID, req.MediaProcessTask)
		if err != nil {
			return nil, err
		}
		return &proctask.Input{Task: *req.MediaProcessTask, Templates: *r}, nil
	})
	if err != nil {
		return nil, err
	}
	return &processMediaResponse{TaskId: id}, nil
}

func (a *API) processMediaByProcedure(ctx context.Context, c *call) (any, error) {
	var req processMediaByProcedureRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	p := &procedureParams{FileId: req.FileId, MediaStoragePath: req.MediaStoragePath, TasksPriority: req.TasksPriority,
		TasksNotifyMode: req.TasksNotifyMode, SessionContext: req.SessionContext, SessionId: req.SessionId}
	if err := p.check(); err != nil {
		return nil, err
	}
	id, err := a.startProcedure(ctx, c, p, func() (*proctask.Input, error) {
		return procedureInput(ctx, a.cfg.Store, c.App.ID, req.ProcedureName)
	})
	if err != nil {
		return nil, err
	}
	return &processMediaByProcedureResponse{TaskId: id, ImportMediaKnowledgeTaskIdSet: []string{}}, nil
}

// The range of TasksPriority.
const (
	minTasksPriority = -10
	maxTasksPriority = 10
)

// check validates the shared members: a FileId and no MediaStoragePath,
// the priority, the notify mode and the contexts.
func (p *procedureParams) check() error {
	switch {
	case p.FileId != "" && p.MediaStoragePath != "":
		return openvod.Errorf(openvod.CodeInvalidParameter, "give FileId or MediaStoragePath, not both")
	case p.MediaStoragePath != "":
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "MediaStoragePath: openvod has no FileID+Path mode: name the media by FileId")
	case p.FileId == "":
		return openvod.Errorf(openvod.CodeInvalidParameter, "give the FileId of the media to process")
	}
	if err := checkTasksPriority(p.TasksPriority); err != nil {
		return err
	}
	switch p.TasksNotifyMode {
	case "", proctask.NotifyFinish, proctask.NotifyChange, proctask.NotifyNone:
	default:
		return openvod.InvalidValue("TasksNotifyMode", false, "must be %s, %s or %s, got %q",
			proctask.NotifyFinish, proctask.NotifyChange, proctask.NotifyNone, p.TasksNotifyMode)
	}
	return checkContexts("", p.SessionContext, p.SessionId)
}

// checkTasksPriority checks a TasksPriority (-10 to 10).
func checkTasksPriority(v int64) error {
	if v < minTasksPriority || v > maxTasksPriority {
		return openvod.InvalidValue("TasksPriority", false, "must be from %d to %d, got %d", minTasksPriority, maxTasksPriority, v)
	}
	return nil
}

// checkNoAI refuses the AI tasks of a ProcessMedia: openvod has no AI.
func checkNoAI(req *processMediaRequest) error {
	for _, t := range []struct {
		field string
		raw   json.RawMessage
	}{
		{"AiContentReviewTask", req.AiContentReviewTask},
		{"AiAnalysisTask", req.AiAnalysisTask},
		{"AiRecognitionTask", req.AiRecognitionTask},
	} {
		if t.raw != nil {
			return openvod.Errorf(openvod.CodeInvalidParameterValue+"."+t.field+"Definition",
				"%s: openvod has no AI content review, analysis or recognition: leave it out", t.field)
		}
	}
	return nil
}

// checkInPlace refuses what would put the outputs elsewhere than on the
// FileId's media: pulling a Url first, outputs as media of their own.
func checkInPlace(req *processMediaRequest) error {
	if req.Url != "" {
		return openvod.Errorf(openvod.CodeUnsupportedOperation,
			"Url: openvod does not pull and process in one request: PullUpload the URL (with a Procedure), or ProcessMedia its FileId once pulled")
	}
	switch req.OutputAsIndependentMedia {
	case "", "OFF":
		return nil
	case "ON":
		return openvod.Errorf(openvod.CodeUnsupportedOperation,
			"OutputAsIndependentMedia: openvod keeps the outputs on the media they are made of: leave it OFF")
	}
	return openvod.InvalidValue("OutputAsIndependentMedia", false, "must be ON or OFF, got %q", req.OutputAsIndependentMedia)
}

// startProcedure starts a task flow (a Procedure task, or one of p.Type)
// on the FileId of p with the input build returns once the media is found
// (nil: nothing to run, no task) and returns its TaskId. A SessionId used
// by a task of the app of the same type within SessionWindow gets that
// task's TaskId and starts nothing.
func (a *API) startProcedure(ctx context.Context, c *call, p *procedureParams,
	build func() (*proctask.Input, error)) (string, error) {
	typ := cmp.Or(p.Type, openvod.TaskProcedure)
	if p.SessionId != "" {
		t, err := a.cfg.Store.TaskFindBySession(ctx, c.App.ID, typ, p.SessionId, c.Now.Add(-SessionWindow))
		if err == nil {
			return t.ID, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	m, err := a.cfg.Store.MediaGet(ctx, c.App.ID, p.FileId)
	if errors.Is(err, store.ErrNotFound) {
		return "", openvod.InvalidValue("FileId", true, "no media %q in app %d", p.FileId, c.App.ID)
	}
	if err != nil {
		return "", err
	}
	in, err := build()
	if err != nil || in == nil {
		return "", err
	}
	if err := checkOnMedia(m, &in.Task, &in.Templates); err != nil {
		return "", err
	}
	in.FileId, in.SrcStorageKey = m.FileID, m.StorageKey
	in.TasksPriority, in.TasksNotifyMode = p.TasksPriority, p.TasksNotifyMode
	in.SessionContext, in.SessionId = p.SessionContext, p.SessionId
	var t *openvod.Task
	if typ == openvod.TaskProcedure {
		t, err = proctask.New(c.App.ID, in, c.Now)
	} else {
		t, err = task2017.New(c.App.ID, typ, in, c.Now)
	}
	if err != nil {
		return "", err
	}
	stored, err := a.cfg.Store.TaskInsertOnce(ctx, t, c.Now.Add(-SessionWindow))
	if err != nil {
		return "", err
	}
	if stored.ID == t.ID {
		a.cfg.WakeTasks()
	}
	return stored.ID, nil
}

// procedureInput returns the input of a task running the app's procedure
// template name, its templates resolved now (FileId unset), or nil when
// the procedure holds no media processing. An unknown name is
// InvalidParameterValue.ProcedureName.
func procedureInput(ctx context.Context, q store.Querier, subAppID int64, name string) (*proctask.Input, error) {
	proc, err := templates.LookupProcedure(ctx, q, subAppID, name)
	if err != nil {
		return nil, err
	}
	task := proc.MediaProcessTask
	if task == nil || subTasks(task) == 0 {
		return nil, nil
	}
	r, err := templates.Resolve(ctx, q, subAppID, task)
	var bad *openvod.Error
	if errors.As(err, &bad) {
		// The procedure's templates changed since it was made.
		return nil, openvod.Errorf(bad.Code, "the procedure %s cannot run: %s", name, bad.Message)
	}
	if err != nil {
		return nil, err
	}
	return &proctask.Input{Task: *task, Templates: *r, ProcedureName: proc.Name}, nil
}

// hookProcedure returns the input of the task flow an upload, a pull or
// a clip names (procedureInput), echoing sessionContext; nil when name is
// "" or the procedure holds no media processing.
func hookProcedure(ctx context.Context, q store.Querier, subAppID int64, name, sessionContext string) (*proctask.Input, error) {
	if name == "" {
		return nil, nil
	}
	in, err := procedureInput(ctx, q, subAppID, name)
	if in != nil {
		in.SessionContext = sessionContext
	}
	return in, err
}

// subTasks counts the sub-tasks of t.
func subTasks(t *vodevent.MediaProcessTaskInput) int {
	return len(t.TranscodeTaskSet) + len(t.AnimatedGraphicTaskSet) + len(t.SnapshotByTimeOffsetTaskSet) +
		len(t.SampleSnapshotTaskSet) + len(t.ImageSpriteTaskSet) + len(t.CoverBySnapshotTaskSet) +
		len(t.AdaptiveDynamicStreamingTaskSet)
}

// checkOnMedia checks a task, whose templates r are resolved, against the
// media it runs on: every offset within the media's duration, and a video
// stream for every output that needs one. It refuses a media whose
// container openvod could not read.
func checkOnMedia(m *openvod.Media, task *vodevent.MediaProcessTaskInput, r *templates.Resolved) error {
	if m.MetaError != "" || len(m.MetaData) == 0 {
		return openvod.Errorf(openvod.CodeUnsupportedOperation,
			"FileId %s: openvod could not read this media's container (%s), so it cannot process it; it processes MP4 and MOV files", m.FileID, m.MetaError)
	}
	meta := media.MetaData(m)
	c := &mediaCheck{fileID: m.FileID, duration: meta.Duration, video: len(meta.VideoStreamSet) > 0}
	for i, t := range task.TranscodeTaskSet {
		f := fmt.Sprintf("MediaProcessTask.TranscodeTaskSet[%d]", i)
		tpl := r.Transcodes[i]
		c.needVideo(f, "a transcode with video", tpl.RemoveVideo == 0 && tpl.ContainerType != containerPureAudio)
		c.span(f, t.StartTimeOffset, t.EndTimeOffset)
	}
	for i, t := range task.AnimatedGraphicTaskSet {
		f := fmt.Sprintf("MediaProcessTask.AnimatedGraphicTaskSet[%d]", i)
		c.needVideo(f, "an animated image", true)
		c.span(f, t.StartTimeOffset, t.EndTimeOffset)
	}
	for i, t := range task.SnapshotByTimeOffsetTaskSet {
		f := fmt.Sprintf("MediaProcessTask.SnapshotByTimeOffsetTaskSet[%d]", i)
		c.needVideo(f, "a snapshot", true)
		for j, s := range t.ExtTimeOffsetSet {
			if v, percent, ok := templates.ParseExtTimeOffset(s); ok && !percent {
				c.at(fmt.Sprintf("%s.ExtTimeOffsetSet[%d]", f, j), v, s)
			}
		}
		for j, ms := range t.TimeOffsetSet {
			c.at(fmt.Sprintf("%s.TimeOffsetSet[%d]", f, j), ms/1000, fmt.Sprintf("%g ms", ms))
		}
	}
	for i := range task.SampleSnapshotTaskSet {
		c.needVideo(fmt.Sprintf("MediaProcessTask.SampleSnapshotTaskSet[%d]", i), "a sample snapshot", true)
	}
	for i := range task.ImageSpriteTaskSet {
		c.needVideo(fmt.Sprintf("MediaProcessTask.ImageSpriteTaskSet[%d]", i), "an image sprite", true)
	}
	for i, t := range task.CoverBySnapshotTaskSet {
		f := fmt.Sprintf("MediaProcessTask.CoverBySnapshotTaskSet[%d]", i)
		c.needVideo(f, "a cover", true)
		if t.PositionType == templates.PositionTime {
			c.at(f+".PositionValue", t.PositionValue, fmt.Sprintf("%g s", t.PositionValue))
		}
	}
	for i, tpl := range r.Adaptive {
		video := false
		for _, s := range tpl.StreamInfos {
			video = video || s.RemoveVideo == 0
		}
		c.needVideo(fmt.Sprintf("MediaProcessTask.AdaptiveDynamicStreamingTaskSet[%d]", i), "an adaptive stream with video", video)
	}
	return c.err
}

// containerPureAudio is the ContainerType of audio-only transcode templates.
const containerPureAudio = "PureAudio"

// mediaCheck holds the first error found checking a task against a media.
type mediaCheck struct {
	fileID   string
	duration float64 // seconds
	video    bool
	err      error
}

// needVideo refuses the sub-task at field f, which makes what, when it
// needs video and the media has none.
func (c *mediaCheck) needVideo(f, what string, need bool) {
	if c.err == nil && need && !c.video {
		c.err = openvod.InvalidValue(f, false, "media %s has no video stream, and %s needs one", c.fileID, what)
	}
}

// at refuses the offset at field f (v seconds, given as s) when it is
// after the end of the media.
func (c *mediaCheck) at(f string, v float64, s string) {
	if c.err == nil && v > c.duration {
		c.err = openvod.InvalidValue(f, false, "%s is after the end of media %s, which lasts %g s", s, c.fileID, c.duration)
	}
}

// span refuses the range of seconds at field f unless it resolves, 0
// being the start (or the end) and a negative offset counting from the
// end, to a non-empty range within the media; it returns the range
// resolved.
func (c *mediaCheck) span(f string, startOffset, endOffset float64) (start, end float64) {
	if c.err != nil {
		return 0, 0
	}
	start, end = startOffset, endOffset
	if start < 0 {
		start += c.duration
	}
	switch {
	case end == 0:
		end = c.duration
	case end < 0:
		end += c.duration
	}
	switch {
	case start < 0:
		c.err = openvod.InvalidValue(f+".StartTimeOffset", false, "%g s from the end is before the start of media %s, which lasts %g s", startOffset, c.fileID, c.duration)
	case start >= c.duration:
		c.err = openvod.InvalidValue(f+".StartTimeOffset", false, "%g s is not before the end of media %s, which lasts %g s", startOffset, c.fileID, c.duration)
	case end > c.duration:
		c.err = openvod.InvalidValue(f+".EndTimeOffset", false, "%g s is after the end of media %s, which lasts %g s", endOffset, c.fileID, c.duration)
	case end <= start:
		c.err = openvod.InvalidValue(f+".EndTimeOffset", false, "%g resolves to %g s, not after the start at %g s (media %s lasts %g s)", endOffset, end, start, c.fileID, c.duration)
	}
	return start, end
}
