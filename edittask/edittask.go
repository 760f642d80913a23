// Package edittask holds the stored input and output of an edit task,
// which joins ranges of media files into one new MP4: the API gateway
// (tcapi) writes the input when it accepts an EditMedia, FastEditMedia or
// ConcatVideo request and reads both for DescribeTaskDetail; the worker
// reads the input and writes the output. It builds the task structures the
// events and task details show. It imports only the domain types,
// vodevent and proctask.
package edittask

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/vodevent"
)

// The actions that accept an edit task.
const (
	EditMedia     = "EditMedia"
	FastEditMedia = "FastEditMedia"
	ConcatVideo   = "ConcatVideo"
)

// MaxPieces is the most pieces one task joins (FastEditMedia's limit,
// applied to every action).
const MaxPieces = 100

// Edit templates (EditMedia's Definition): the piece a re-encode takes
// its resolution and bit rate from.
const (
	BasisResolution = 10 // the piece of the most pixels (the default)
	BasisBitrate    = 20 // the piece of the highest bit rate
)

// Piece is one range of a source, as requested and resolved.
type Piece struct {
	FileId     string `json:"FileId"`
	StorageKey string `json:"StorageKey"`
	// StartTimeOffset and EndTimeOffset are the request's offsets.
	StartTimeOffset float64 `json:"StartTimeOffset"`
	EndTimeOffset   float64 `json:"EndTimeOffset"`
	// Start and End are absolute seconds of the source, resolved from the
	// offsets and checked against its duration when accepted.
	Start float64 `json:"Start"`
	End   float64 `json:"End"`
}

// VideoStream is EditMedia's OutputConfig.VideoStream: asking for one
// makes the join a re-encode to it. Zero members take the basis's values.
type VideoStream struct {
	Codec              string `json:"Codec"` // libx264 or libx265
	Bitrate            int64  `json:"Bitrate"`
	ResolutionAdaptive string `json:"ResolutionAdaptive"`
	Width              int64  `json:"Width"`
	Height             int64  `json:"Height"`
	Fps                int64  `json:"Fps"`
}

// Input is the stored input of an edit task, fixed when it is accepted.
type Input struct {
	Action string  `json:"Action"`
	Pieces []Piece `json:"Pieces"`
	// Definition is the edit template (BasisResolution or BasisBitrate).
	Definition int64 `json:"Definition"`
	// VideoStream, when set, is the video a re-encode makes, and forces one.
	VideoStream *VideoStream `json:"VideoStream,omitempty"`
	// CopyOnly refuses a re-encode: the task fails when the pieces cannot
	// be joined by stream copy (FastEditMedia).
	CopyOnly bool `json:"CopyOnly"`
	// ClipMode is FastEditMedia's, echoed: openvod cuts frame-exact.
	ClipMode   string    `json:"ClipMode,omitempty"`
	MediaName  string    `json:"MediaName"`
	ClassId    int64     `json:"ClassId"`
	ExpireTime time.Time `json:"ExpireTime"`
	// SessionContext and SessionId are the request's, echoed in the
	// event and the task details.
	SessionContext string `json:"SessionContext"`
	SessionId      string `json:"SessionId"`
	// StorageKey is the task's output key (its OutputKey); each attempt
	// writes openvod.AttemptKey of it and commits that object.
	StorageKey string `json:"StorageKey"`
	// FileId is the new media's FileId when it was reserved at acceptance
	// (FastEditMedia answers it); "" for a fresh one at the commit.
	FileId string `json:"FileId,omitempty"`
	// Procedure is the task flow started on the new media; nil for none.
	Procedure *proctask.Input `json:"Procedure,omitempty"`
}

// Output is the stored result of a finished edit task.
type Output struct {
	ErrCode    int64  `json:"ErrCode"`    // 0; 40000 input, 60000 source, 70000 internal
	ErrCodeExt string `json:"ErrCodeExt"` // "" or Tencent's task error code
	Message    string `json:"Message"`
	FileId     string `json:"FileId,omitempty"`
	FileUrl    string `json:"FileUrl,omitempty"`
	// MetaData is the new media's; nil for a failed task.
	MetaData        *vodevent.MediaMetaData `json:"MetaData,omitempty"`
	ProcedureTaskId string                  `json:"ProcedureTaskId,omitempty"`
	// JoinMethod is vodevent.JoinStreamCopy or vodevent.JoinReencode.
	JoinMethod string `json:"JoinMethod,omitempty"`
	// Reencoded says why a re-encode was needed ("" for a stream copy).
	Reencoded    string `json:"Reencoded,omitempty"`
	VideoEncoder string `json:"VideoEncoder,omitempty"`
	// Ranges are the pieces as joined: source seconds (snapped to frames
	// by a stream copy) and where each starts in the output.
	Ranges []Range `json:"Ranges,omitempty"`
}

// Range is one piece as joined.
type Range struct {
	EffectiveStart float64 `json:"EffectiveStart"`
	EffectiveEnd   float64 `json:"EffectiveEnd"`
	OutputStart    float64 `json:"OutputStart"`
}

// Task error codes (EditMediaTask.ErrCode, ConcatFileInfo2017.ErrCode).
const (
	ErrInput    = 40000 // the pieces cannot be joined as asked
	ErrSource   = 60000 // a source cannot be read or cut
	ErrInternal = 70000 // openvod could not make or store the file
)

// New returns a WAITING edit task for the app: an EditMedia task
// ("<SubAppId>-EditMedia-" and 32 hex digits), a persistence task for
// FastEditMedia ("<SubAppId>-persistence-" and 32), both of type
// openvod.TaskEditMedia, or a ConcatVideo task ("concatVideo-" and 19,
// openvod.TaskConcat).
func New(subAppID int64, in *Input, now time.Time) (*openvod.Task, error) {
	input, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	typ := openvod.TaskEditMedia
	var id string
	switch in.Action {
	case EditMedia:
		id = fmt.Sprintf("%d-EditMedia-%s", subAppID, openvod.RandomHex(16))
	case FastEditMedia:
		id = fmt.Sprintf("%d-persistence-%s", subAppID, openvod.RandomHex(16))
	case ConcatVideo:
		typ, id = openvod.TaskConcat, "concatVideo-"+openvod.RandomHex(10)[:19]
	default:
		return nil, fmt.Errorf("edittask: unknown action %q", in.Action)
	}
	return &openvod.Task{
		ID: id, SubAppID: subAppID, Type: typ, Status: openvod.TaskWaiting, Input: input,
		SessionID: in.SessionId, OutputKey: in.StorageKey, CreateTime: now.UTC().Truncate(time.Second),
	}, nil
}

// View returns an edit task's input and its output (nil until finished).
func View(t *openvod.Task) (*Input, *Output, error) {
	return openvod.DecodeTask[Input, Output](t)
}

// EditMediaTask returns the EditMediaTask of task t with input in and
// output out (nil while it runs): Status PROCESSING and t's progress, or
// FINISH with the result; Output and MetaData null unless it succeeded.
func EditMediaTask(t *openvod.Task, in *Input, out *Output) *vodevent.EditMediaTask {
	files := make([]vodevent.EditMediaFileInfo, len(in.Pieces))
	for i, p := range in.Pieces {
		files[i] = vodevent.EditMediaFileInfo{FileId: p.FileId, StartTimeOffset: p.StartTimeOffset, EndTimeOffset: p.EndTimeOffset}
	}
	task := &vodevent.EditMediaTask{
		TaskId: t.ID, Status: string(openvod.TaskProcessing), Progress: t.Progress,
		Input:          &vodevent.EditMediaTaskInput{InputType: "File", FileInfoSet: files, StreamInfoSet: []vodevent.EditMediaStreamInfo{}},
		SessionId:      in.SessionId,
		SessionContext: in.SessionContext,
	}
	if t.Status == openvod.TaskWaiting {
		task.Status = string(openvod.TaskWaiting)
	}
	if out == nil {
		return task
	}
	task.Status, task.Progress = string(openvod.TaskFinish), 100
	task.ErrCode, task.ErrCodeExt, task.Message = out.ErrCode, out.ErrCodeExt, out.Message
	if out.ErrCode != 0 {
		return task
	}
	task.Output = &vodevent.EditMediaTaskOutput{FileType: "mp4", FileUrl: out.FileUrl, FileId: out.FileId,
		MediaName: in.MediaName, ClassId: in.ClassId, ExpireTime: openvod.FormatTime(in.ExpireTime)}
	task.MetaData, task.ProcedureTaskId, task.JoinMethod = out.MetaData, out.ProcedureTaskId, out.JoinMethod
	return task
}

// ConcatTask returns the ConcatTask2017 of task t with output out (nil
// while it runs: an empty FileInfoSet): one mp4 file, or its error.
func ConcatTask(t *openvod.Task, out *Output) *vodevent.ConcatTask2017 {
	task := &vodevent.ConcatTask2017{TaskId: t.ID, FileInfoSet: []vodevent.ConcatFileInfo2017{}}
	if out == nil {
		return task
	}
	task.FileInfoSet = append(task.FileInfoSet, vodevent.ConcatFileInfo2017{
		ErrCode: out.ErrCode, Message: out.Message, FileId: out.FileId, FileUrl: out.FileUrl, FileType: "mp4",
	})
	task.JoinMethod = out.JoinMethod
	return task
}
