package tcapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// The 2017-style task actions (openvod's extensions, named as the 2017
// API's): task flows of one kind of sub-task on a FileId, each ending with
// its 2017 event (package task2017). See docs/api.md, "2017-style task
// actions".

// convertVodFileRequest is ConvertVodFile's request: transcodes of the
// whole media, one per Definition.
type convertVodFileRequest struct {
	FileId      string  `json:"FileId" tc:"required"`
	Definitions []int64 `json:"Definitions" tc:"required"`
	// WatermarkSet applies to every Definition.
	WatermarkSet   []vodevent.WatermarkInput `json:"WatermarkSet"`
	TasksPriority  int64                     `json:"TasksPriority"`
	SessionContext string                    `json:"SessionContext"`
	SessionId      string                    `json:"SessionId"`
}

// createImageSpriteRequest is CreateImageSprite's request: the sheets of
// one image sprite template (which holds the sampling interval).
type createImageSpriteRequest struct {
	FileId         string `json:"FileId" tc:"required"`
	Definition     int64  `json:"Definition" tc:"required"`
	TasksPriority  int64  `json:"TasksPriority"`
	SessionContext string `json:"SessionContext"`
	SessionId      string `json:"SessionId"`
}

// createSnapshotByTimeOffsetRequest is CreateSnapshotByTimeOffset's
// request: pictures of one snapshot template at the offsets given, in
// milliseconds (TimeOffsetSet) or as "3.5s" or "10%" (ExtTimeOffsetSet).
type createSnapshotByTimeOffsetRequest struct {
	FileId           string                    `json:"FileId" tc:"required"`
	Definition       int64                     `json:"Definition" tc:"required"`
	TimeOffsetSet    []float64                 `json:"TimeOffsetSet"`
	ExtTimeOffsetSet []string                  `json:"ExtTimeOffsetSet"`
	WatermarkSet     []vodevent.WatermarkInput `json:"WatermarkSet"`
	TasksPriority    int64                     `json:"TasksPriority"`
	SessionContext   string                    `json:"SessionContext"`
	SessionId        string                    `json:"SessionId"`
}

// task2017Response is the answer of every 2017-style action.
type task2017Response struct {
	TaskId string `json:"TaskId"`
}

const (
	codeDefinition  = openvod.CodeInvalidParameterValue + ".Definition"
	codeDefinitions = openvod.CodeInvalidParameterValue + ".Definitions"
)

func (a *API) convertVodFile(ctx context.Context, c *call) (any, error) {
	var req convertVodFileRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if len(req.Definitions) == 0 || len(req.Definitions) > templates.MaxSubTasks {
		return nil, openvod.Errorf(codeDefinitions, "Definitions: give 1 to %d transcode template Definitions, got %d", templates.MaxSubTasks, len(req.Definitions))
	}
	task := vodevent.MediaProcessTaskInput{}
	var names []fieldName
	seen := map[int64]int{}
	for i, d := range req.Definitions {
		if j, ok := seen[d]; ok {
			return nil, openvod.Errorf(codeDefinitions, "Definitions[%d]: %d is already Definitions[%d]: give each Definition once", i, d, j)
		}
		seen[d] = i
		task.TranscodeTaskSet = append(task.TranscodeTaskSet, vodevent.TranscodeTaskInput{Definition: d, WatermarkSet: req.WatermarkSet})
		f, to := fmt.Sprintf("MediaProcessTask.TranscodeTaskSet[%d]", i), fmt.Sprintf("Definitions[%d]", i)
		names = append(names, fieldName{f + ".Definition", to, codeDefinitions}, fieldName{f + ".WatermarkSet", "WatermarkSet", ""}, fieldName{f, to, ""})
	}
	return a.start2017(ctx, c, openvod.TaskTranscode, req.FileId, req.TasksPriority, req.SessionContext, req.SessionId, task, names)
}

func (a *API) createImageSprite(ctx context.Context, c *call) (any, error) {
	var req createImageSpriteRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	const f = "MediaProcessTask.ImageSpriteTaskSet[0]"
	task := vodevent.MediaProcessTaskInput{ImageSpriteTaskSet: []vodevent.ImageSpriteTaskInput{{Definition: req.Definition}}}
	return a.start2017(ctx, c, openvod.TaskImageSprite, req.FileId, req.TasksPriority, req.SessionContext, req.SessionId, task,
		[]fieldName{{f + ".Definition", "Definition", codeDefinition}, {f, "FileId", ""}})
}

func (a *API) createSnapshotByTimeOffset(ctx context.Context, c *call) (any, error) {
	var req createSnapshotByTimeOffsetRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if len(req.TimeOffsetSet)+len(req.ExtTimeOffsetSet) == 0 {
		return nil, openvod.Errorf(openvod.CodeInvalidParameterValue,
			"TimeOffsetSet: give the snapshots' offsets, in milliseconds in TimeOffsetSet or as \"3.5s\" or \"10%%\" in ExtTimeOffsetSet")
	}
	const f = "MediaProcessTask.SnapshotByTimeOffsetTaskSet[0]"
	task := vodevent.MediaProcessTaskInput{SnapshotByTimeOffsetTaskSet: []vodevent.SnapshotByTimeOffsetTaskInput{{
		Definition: req.Definition, ExtTimeOffsetSet: req.ExtTimeOffsetSet, TimeOffsetSet: req.TimeOffsetSet, WatermarkSet: req.WatermarkSet,
	}}}
	return a.start2017(ctx, c, openvod.TaskSnapshotByTimeOffset, req.FileId, req.TasksPriority, req.SessionContext, req.SessionId, task,
		[]fieldName{{f + ".Definition", "Definition", codeDefinition}, {f + ".", "", ""}, {f, "FileId", ""}})
}

// start2017 starts a 2017-style task of typ running task on the FileId,
// as ProcessMedia starts a flow (the same checks, the same SessionId
// rule), its errors about task's fields renamed by names to the request's.
func (a *API) start2017(ctx context.Context, c *call, typ openvod.TaskType, fileID string, priority int64,
	sessionContext, sessionID string, task vodevent.MediaProcessTaskInput, names []fieldName) (any, error) {
	p := &procedureParams{FileId: fileID, TasksPriority: priority, SessionContext: sessionContext, SessionId: sessionID, Type: typ}
	if err := p.check(); err != nil {
		return nil, err
	}
	id, err := a.startProcedure(ctx, c, p, func() (*proctask.Input, error) {
		r, err := templates.Resolve(ctx, a.cfg.Store, c.App.ID, &task)
		if err != nil {
			return nil, err
		}
		return &proctask.Input{Task: task, Templates: *r}, nil
	})
	if err != nil {
		return nil, renameFields(err, names)
	}
	return &task2017Response{TaskId: id}, nil
}

// fieldName renames a field path of a task flow's input (from, such as
// MediaProcessTask.TranscodeTaskSet[0].Definition) to the 2017-style
// request's (to); code, when not "", replaces the error's code.
type fieldName struct{ from, to, code string }

// renameFields returns err, an *openvod.Error whose message begins with a
// field path, with the first of names that matches applied; other errors
// as they are.
func renameFields(err error, names []fieldName) error {
	var e *openvod.Error
	if !errors.As(err, &e) {
		return err
	}
	for _, n := range names {
		if rest, ok := strings.CutPrefix(e.Message, n.from); ok {
			return &openvod.Error{Code: cmp.Or(n.code, e.Code), Message: n.to + rest}
		}
	}
	return err
}
