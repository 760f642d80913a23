// Package proctask is the stored input of a Procedure task (ProcessMedia,
// ProcessMediaByProcedure, a task flow started by an upload, a pull or a
// clip), shared by tcapi and the upload, pull and clip workers (which
// create such tasks) and the procedure worker (which runs them).
package proctask

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// Notify modes (TasksNotifyMode).
const (
	NotifyFinish = "Finish" // one ProcedureStateChanged when the flow ends (the default)
	NotifyChange = "Change" // one more each time a sub-task ends
	NotifyNone   = "None"   // none
)

// Input is a Procedure task as accepted.
type Input struct {
	FileId        string `json:"FileId"`
	SrcStorageKey string `json:"SrcStorageKey"`
	// Task is the media processing as requested (or as the procedure
	// template holds it); each sub-task's result echoes its item as Input.
	Task vodevent.MediaProcessTaskInput `json:"Task"`
	// Templates are Task's templates as they were at acceptance.
	Templates       templates.Resolved `json:"Templates"`
	ProcedureName   string             `json:"ProcedureName"` // "" for ProcessMedia
	TasksPriority   int64              `json:"TasksPriority"`
	TasksNotifyMode string             `json:"TasksNotifyMode"`
	SessionContext  string             `json:"SessionContext"`
	SessionId       string             `json:"SessionId"`
}

// New returns a Procedure task in WAITING for in: TaskId
// <SubAppId>-procedurev2-<32 hex> (docs/wire.md), its outputs under a
// fresh key prefix of the app (OutputKey, ending in "/").
func New(subAppID int64, in *Input, now time.Time) (*openvod.Task, error) {
	if in.TasksNotifyMode == "" {
		in.TasksNotifyMode = NotifyFinish
	}
	input, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return &openvod.Task{
		ID:       fmt.Sprintf("%d-procedurev2-%s", subAppID, openvod.RandomHex(16)),
		SubAppID: subAppID, Type: openvod.TaskProcedure, Status: openvod.TaskWaiting, Input: input,
		SessionID: in.SessionId, Priority: in.TasksPriority,
		OutputKey:  fmt.Sprintf("%d/%s/", subAppID, openvod.RandomHex(16)),
		CreateTime: now.UTC().Truncate(time.Second),
	}, nil
}

// ReadInput returns a Procedure task's input.
func ReadInput(t *openvod.Task) (*Input, error) {
	var in Input
	if err := json.Unmarshal(t.Input, &in); err != nil {
		return nil, fmt.Errorf("task %s input: %w", t.ID, err)
	}
	return &in, nil
}
