// Package cliptask holds the stored input and output of a clip task: the
// API gateway (tcapi) writes the input when it accepts a ClipVideo request
// and reads both for DescribeTaskDetail; the worker reads the input and
// writes the output. It imports only the domain types, vodevent and
// proctask.
package cliptask

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/vodevent"
)

// Clip precisions.
const (
	Fast  = "Fast"
	Exact = "Exact"
)

// Input is the stored input of a clip task, fixed when it is accepted.
type Input struct {
	SrcFileId     string `json:"SrcFileId"`
	SrcStorageKey string `json:"SrcStorageKey"`
	// Start and End are absolute seconds, resolved from the request's
	// offsets and checked against the source; the worker snaps them to
	// frames when it plans the cut.
	Start float64 `json:"Start"`
	End   float64 `json:"End"`
	// Precision is the one chosen at acceptance: Exact when asked for, or
	// when the source's headers show that Fast cannot cut it. The worker
	// falls back from Fast to Exact when planning shows more.
	Precision     string    `json:"Precision"`
	Requested     string    `json:"Requested"` // the precision asked for
	HideLeadIn    bool      `json:"HideLeadIn"`
	MediaName     string    `json:"MediaName"`
	ClassId       int64     `json:"ClassId"`
	ExpireTime    time.Time `json:"ExpireTime"`
	SourceContext string    `json:"SourceContext"`
	// SessionContext and SessionId are the request's, echoed in task details.
	SessionContext string `json:"SessionContext"`
	SessionId      string `json:"SessionId"`
	// RequestStart and RequestEnd are the offsets as requested.
	RequestStart float64 `json:"RequestStart"`
	RequestEnd   float64 `json:"RequestEnd"`
	// StorageKey is the task's output key (its OutputKey); each attempt
	// writes openvod.AttemptKey of it and commits that object.
	StorageKey string `json:"StorageKey"`
	// Procedure is the task flow (the request's Procedure, resolved when
	// accepted) that the task starts on the clip; nil for none.
	Procedure *proctask.Input `json:"Procedure,omitempty"`
	// PersistenceSource is the action of a persistence task
	// (SimpleHlsClip): its clip gets FileId, reserved when the task was
	// accepted, and a PersistenceComplete event instead of ClipComplete.
	// "" for a ClipVideo task, whose clip gets a fresh FileId.
	PersistenceSource string `json:"PersistenceSource,omitempty"`
	FileId            string `json:"FileId,omitempty"`
}

// Output is the stored result of a finished clip task.
type Output struct {
	Task           *vodevent.ClipTask2017 `json:"Task"`
	EffectiveStart float64                `json:"EffectiveStart"`
	EffectiveEnd   float64                `json:"EffectiveEnd"`
	HiddenLeadIn   float64                `json:"HiddenLeadIn"`
	Precision      string                 `json:"Precision"` // the precision used
	// VideoEncoder is the ffmpeg encoder of an Exact clip; "" for Fast.
	VideoEncoder string `json:"VideoEncoder,omitempty"`
	// ProcedureTaskId is the task flow started on the clip; "" for none.
	ProcedureTaskId string `json:"ProcedureTaskId,omitempty"`
}

// New returns a WAITING clip task for the app: a persistence task
// ("<SubAppId>-persistence-" and 32 hex digits) when in.PersistenceSource
// is set, else a ClipVideo task ("clipVideo-" and 19).
func New(subAppID int64, in *Input, now time.Time) (*openvod.Task, error) {
	input, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	id := "clipVideo-" + openvod.RandomHex(10)[:19]
	if in.PersistenceSource != "" {
		id = fmt.Sprintf("%d-persistence-%s", subAppID, openvod.RandomHex(16))
	}
	return &openvod.Task{
		ID: id, SubAppID: subAppID, Type: openvod.TaskClip,
		Status: openvod.TaskWaiting, Input: input, SessionID: in.SessionId, OutputKey: in.StorageKey,
		CreateTime: now.UTC().Truncate(time.Second),
	}, nil
}

// View returns a clip task's input and its output (nil until finished).
func View(t *openvod.Task) (*Input, *Output, error) {
	return openvod.DecodeTask[Input, Output](t)
}
