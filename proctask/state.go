package proctask

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/vodevent"
)

// Sub-task error codes (a FAIL result's ErrCode; ErrCodeExt says more).
const (
	ErrInput    = 40000 // the request cannot be done as asked (InvalidInput...)
	ErrSource   = 60000 // the source cannot be read or lacks what is asked (SourceFileError...)
	ErrInternal = 70000 // openvod failed (InternalError)
)

// SubTask is one sub-task of a flow: the Index-th item of the input's set
// of its Type (a vodevent.Result* value).
type SubTask struct {
	Type  string
	Index int
}

// SubTasks returns the sub-tasks of in in the order of the flow's
// MediaProcessResultSet: every TranscodeTaskSet item, then
// AnimatedGraphicTaskSet, SnapshotByTimeOffsetTaskSet,
// SampleSnapshotTaskSet, ImageSpriteTaskSet, CoverBySnapshotTaskSet and
// AdaptiveDynamicStreamingTaskSet, each set in its order. State.Results
// follows it.
func SubTasks(in *Input) []SubTask {
	var subs []SubTask
	add := func(typ string, n int) {
		for i := range n {
			subs = append(subs, SubTask{Type: typ, Index: i})
		}
	}
	t := &in.Task
	add(vodevent.ResultTranscode, len(t.TranscodeTaskSet))
	add(vodevent.ResultAnimatedGraphics, len(t.AnimatedGraphicTaskSet))
	add(vodevent.ResultSnapshotByTimeOffset, len(t.SnapshotByTimeOffsetTaskSet))
	add(vodevent.ResultSampleSnapshot, len(t.SampleSnapshotTaskSet))
	add(vodevent.ResultImageSprites, len(t.ImageSpriteTaskSet))
	add(vodevent.ResultCoverBySnapshot, len(t.CoverBySnapshotTaskSet))
	add(vodevent.ResultAdaptiveDynamicStreaming, len(t.AdaptiveDynamicStreamingTaskSet))
	return subs
}

// State is what a Procedure task has done (openvod.Task.State): the
// source as the first attempt found it and one Result per sub-task, in
// SubTasks order. The procedure worker writes it, with the outputs'
// records, after each sub-task; a later attempt redoes only the sub-tasks
// still pending.
type State struct {
	FileName string                  `json:"FileName"`
	FileUrl  string                  `json:"FileUrl"`
	MetaData *vodevent.MediaMetaData `json:"MetaData"`
	// CoverUrl is the media's cover then, recorded for a ConvertVodFile
	// task only (its TranscodeTask2017 shows it); "" for other flows.
	CoverUrl string   `json:"CoverUrl,omitempty"`
	Results  []Result `json:"Results"`
}

// Result is one sub-task's result. Status "" is pending: not done yet (it
// shows as PROCESSING).
type Result struct {
	Status     string `json:"Status"` // "", SUCCESS or FAIL
	ErrCodeExt string `json:"ErrCodeExt"`
	ErrCode    int64  `json:"ErrCode"`
	Message    string `json:"Message"`
	// Output is the result's output item (a vodevent.MediaTranscodeItem,
	// ...) as JSON; null unless SUCCESS.
	Output json.RawMessage `json:"Output"`
	// Keys are the media store keys of the files it wrote.
	Keys             []string  `json:"Keys"`
	BeginProcessTime time.Time `json:"BeginProcessTime"`
	FinishTime       time.Time `json:"FinishTime"`
}

// Done reports whether the sub-task has its final result.
func (r *Result) Done() bool { return r.Status != "" }

// ReadState returns t's state for in: the one stored, or a new one with
// every sub-task pending.
func ReadState(t *openvod.Task, in *Input) (*State, error) {
	n := len(SubTasks(in))
	st := &State{}
	if len(t.State) > 0 {
		if err := json.Unmarshal(t.State, st); err != nil {
			return nil, fmt.Errorf("task %s state: %w", t.ID, err)
		}
		if len(st.Results) != n {
			return nil, fmt.Errorf("task %s state: %d results for %d sub-tasks", t.ID, len(st.Results), n)
		}
	}
	if st.Results == nil {
		st.Results = make([]Result, n)
	}
	return st, nil
}

// Pending returns the number of sub-tasks not done.
func (s *State) Pending() int {
	n := 0
	for i := range s.Results {
		if !s.Results[i].Done() {
			n++
		}
	}
	return n
}

// Progress is the task's progress (0-100) with the sub-tasks done and a
// fraction frac (0..1) of running more sub-tasks done; 100 only when
// none is pending.
func (s *State) Progress(running int, frac float64) int64 {
	n := len(s.Results)
	if n == 0 {
		return 100
	}
	done := n - s.Pending()
	p := int64((float64(done) + float64(running)*min(max(frac, 0), 1)) * 100 / float64(n))
	if done < n {
		p = min(p, 99)
	}
	return p
}

// View returns the ProcedureTask of t (DescribeTaskDetail's, and the body
// of its ProcedureStateChanged events): the flow's Status (PROCESSING
// until t finishes, and WAITING before it starts, as DescribeTaskDetail
// shows tasks), one MediaProcessResultSet item per sub-task in SubTasks
// order, each echoing its input. A sub-task not done shows PROCESSING;
// the first of them (the one running) shows the progress t.Progress leaves
// it.
func View(t *openvod.Task) (*vodevent.ProcedureTask, error) {
	in, err := ReadInput(t)
	if err != nil {
		return nil, err
	}
	st, err := ReadState(t, in)
	if err != nil {
		return nil, err
	}
	p := &vodevent.ProcedureTask{
		TaskId: t.ID, Status: string(t.Status), FileId: in.FileId,
		FileName: st.FileName, FileUrl: st.FileUrl, MetaData: st.MetaData,
		MediaProcessResultSet:    make([]vodevent.MediaProcessTaskResult, 0, len(st.Results)),
		AiContentReviewResultSet: []json.RawMessage{}, AiAnalysisResultSet: []json.RawMessage{}, AiRecognitionResultSet: []json.RawMessage{},
		TasksPriority: in.TasksPriority, TasksNotifyMode: in.TasksNotifyMode, SessionContext: in.SessionContext, SessionId: in.SessionId,
	}
	running := runningProgress(t, st)
	first := true
	for i, sub := range SubTasks(in) {
		r := &st.Results[i]
		progress := int64(100)
		if !r.Done() {
			progress = 0
			if first {
				progress, first = running, false
			}
		}
		item, err := result(&in.Task, sub, r, progress)
		if err != nil {
			return nil, fmt.Errorf("task %s sub-task %d: %w", t.ID, i, err)
		}
		p.MediaProcessResultSet = append(p.MediaProcessResultSet, item)
	}
	return p, nil
}

// runningProgress is the progress of the sub-task running in t: what
// t.Progress has beyond the sub-tasks done.
func runningProgress(t *openvod.Task, st *State) int64 {
	n := int64(len(st.Results))
	if n == 0 || t.Status != openvod.TaskProcessing {
		return 0
	}
	done := n - int64(st.Pending())
	return min(max(t.Progress*n-100*done, 0), 99)
}

// result returns the MediaProcessResultSet item of sub-task sub of task
// with result r.
func result(task *vodevent.MediaProcessTaskInput, sub SubTask, r *Result, progress int64) (vodevent.MediaProcessTaskResult, error) {
	out := vodevent.MediaProcessTaskResult{Type: sub.Type}
	var err error
	switch sub.Type {
	case vodevent.ResultTranscode:
		out.TranscodeTask, err = resultOf[vodevent.TranscodeTaskInput, vodevent.MediaTranscodeItem](&task.TranscodeTaskSet[sub.Index], r, progress)
	case vodevent.ResultAnimatedGraphics:
		out.AnimatedGraphicTask, err = resultOf[vodevent.AnimatedGraphicTaskInput, vodevent.MediaAnimatedGraphicsItem](&task.AnimatedGraphicTaskSet[sub.Index], r, progress)
	case vodevent.ResultSnapshotByTimeOffset:
		out.SnapshotByTimeOffsetTask, err = resultOf[vodevent.SnapshotByTimeOffsetTaskInput, vodevent.MediaSnapshotByTimeOffsetItem](&task.SnapshotByTimeOffsetTaskSet[sub.Index], r, progress)
	case vodevent.ResultSampleSnapshot:
		out.SampleSnapshotTask, err = resultOf[vodevent.SampleSnapshotTaskInput, vodevent.MediaSampleSnapshotItem](&task.SampleSnapshotTaskSet[sub.Index], r, progress)
	case vodevent.ResultImageSprites:
		out.ImageSpriteTask, err = resultOf[vodevent.ImageSpriteTaskInput, vodevent.MediaImageSpriteItem](&task.ImageSpriteTaskSet[sub.Index], r, progress)
	case vodevent.ResultCoverBySnapshot:
		out.CoverBySnapshotTask, err = resultOf[vodevent.CoverBySnapshotTaskInput, vodevent.CoverBySnapshotTaskOutput](&task.CoverBySnapshotTaskSet[sub.Index], r, progress)
	case vodevent.ResultAdaptiveDynamicStreaming:
		var res *vodevent.MediaProcessTaskResultOf[vodevent.AdaptiveDynamicStreamingTaskInput, vodevent.AdaptiveDynamicStreamingInfoItem]
		res, err = resultOf[vodevent.AdaptiveDynamicStreamingTaskInput, vodevent.AdaptiveDynamicStreamingInfoItem](&task.AdaptiveDynamicStreamingTaskSet[sub.Index], r, progress)
		if err == nil {
			out.AdaptiveDynamicStreamingTask = &vodevent.MediaProcessTaskAdaptiveDynamicStreamingResult{
				Status: res.Status, ErrCodeExt: res.ErrCodeExt, ErrCode: res.ErrCode, Message: res.Message, Progress: res.Progress,
				Input: res.Input, Output: res.Output, BeginProcessTime: res.BeginProcessTime, FinishTime: res.FinishTime,
			}
		}
	default:
		err = fmt.Errorf("unknown sub-task type %q", sub.Type)
	}
	return out, err
}

// resultOf returns the result of a sub-task with input in and result r.
func resultOf[I, O any](in *I, r *Result, progress int64) (*vodevent.MediaProcessTaskResultOf[I, O], error) {
	res := &vodevent.MediaProcessTaskResultOf[I, O]{
		Status: vodevent.SubTaskProcessing, ErrCodeExt: r.ErrCodeExt, ErrCode: r.ErrCode, Message: r.Message,
		Input: in, Progress: progress,
		BeginProcessTime: openvod.FormatTime(r.BeginProcessTime), FinishTime: openvod.FormatTime(r.FinishTime),
	}
	if r.Done() {
		res.Status = r.Status
	}
	if len(r.Output) > 0 && string(r.Output) != "null" {
		res.Output = new(O)
		if err := json.Unmarshal(r.Output, res.Output); err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
	}
	return res, nil
}
