// Package pulltask holds the stored input and the view of a PullUpload
// task: the API gateway (tcapi) writes the input when it accepts a
// PullUpload request and shows the task in DescribeTaskDetail; the worker
// reads the input and writes the output (a vodevent.PullUploadTask). It
// imports only the domain types, vodevent and proctask.
package pulltask

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/vodevent"
)

// Input is the stored input of a PullUpload task. Its JSON names are those
// of tasks already stored: keep them.
type Input struct {
	MediaUrl       string    `json:"MediaUrl"`
	MediaType      string    `json:"MediaType"`
	MediaName      string    `json:"MediaName"`
	ExpireTime     time.Time `json:"ExpireTime"`
	ClassId        int64     `json:"ClassId"`
	SourceContext  string    `json:"SourceContext"`
	SessionContext string    `json:"SessionContext"`
	SessionId      string    `json:"SessionId"`
	// StorageKey is the task's output key (its OutputKey); each attempt
	// writes openvod.AttemptKey of it and commits that object.
	StorageKey string `json:"StorageKey"`
	// Procedure is the task flow (the request's Procedure, resolved when
	// accepted) that the task starts on the media it makes; nil for none.
	Procedure *proctask.Input `json:"Procedure,omitempty"`
}

// New returns a WAITING PullUpload task for the app.
func New(subAppID int64, in *Input, now time.Time) (*openvod.Task, error) {
	input, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return &openvod.Task{
		ID:         fmt.Sprintf("%d-Pull-%s", subAppID, openvod.RandomHex(16)),
		SubAppID:   subAppID,
		Type:       openvod.TaskPullUpload,
		Status:     openvod.TaskWaiting,
		Input:      input,
		SessionID:  in.SessionId,
		OutputKey:  in.StorageKey,
		CreateTime: now.UTC().Truncate(time.Second),
	}, nil
}

// View returns the PullUploadTask view of a task: the result stored at
// the end, or the input while it runs.
func View(t *openvod.Task) (*vodevent.PullUploadTask, error) {
	out := &vodevent.PullUploadTask{}
	if len(t.Output) > 0 {
		if err := json.Unmarshal(t.Output, out); err != nil {
			return nil, fmt.Errorf("task %s output: %w", t.ID, err)
		}
		return out, nil
	}
	var in Input
	if err := json.Unmarshal(t.Input, &in); err != nil {
		return nil, fmt.Errorf("task %s input: %w", t.ID, err)
	}
	out.TaskId = t.ID
	out.Status = string(t.Status)
	out.SessionContext = in.SessionContext
	out.SessionId = in.SessionId
	out.Progress = t.Progress
	return out, nil
}
