package proctask_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/vodevent"
)

// golden returns the ProcedureTask of a ProcedureStateChanged golden file
// of vodevent, and its bytes.
func golden(t *testing.T, name string) (*vodevent.ProcedureTask, []byte) {
	t.Helper()
	raw, err := os.ReadFile("../vodevent/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ ProcedureStateChangeEvent json.RawMessage }
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	var p vodevent.ProcedureTask
	if err := json.Unmarshal(body.ProcedureStateChangeEvent, &p); err != nil {
		t.Fatal(err)
	}
	return &p, body.ProcedureStateChangeEvent
}

// flowOf returns a task whose input and state hold what p shows: its
// inputs, in its order, and the results of its sub-tasks done.
func flowOf(t *testing.T, p *vodevent.ProcedureTask, status openvod.TaskStatus, progress int64) *openvod.Task {
	t.Helper()
	in := &proctask.Input{FileId: p.FileId, TasksPriority: p.TasksPriority, TasksNotifyMode: p.TasksNotifyMode,
		SessionContext: p.SessionContext, SessionId: p.SessionId}
	st := &proctask.State{FileName: p.FileName, FileUrl: p.FileUrl, MetaData: p.MetaData}
	at := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		v, err := time.Parse(openvod.TimeFormat, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	add := func(status, ext string, code int64, msg string, output any, begin, finish string) {
		r := proctask.Result{ErrCodeExt: ext, ErrCode: code, Message: msg, BeginProcessTime: at(begin), FinishTime: at(finish)}
		if status != vodevent.SubTaskProcessing {
			r.Status = status
		}
		if !reflect.ValueOf(output).IsNil() {
			r.Output, _ = json.Marshal(output)
		}
		st.Results = append(st.Results, r)
	}
	for _, item := range p.MediaProcessResultSet {
		switch item.Type {
		case vodevent.ResultTranscode:
			r := item.TranscodeTask
			in.Task.TranscodeTaskSet = append(in.Task.TranscodeTaskSet, *r.Input)
			add(r.Status, r.ErrCodeExt, r.ErrCode, r.Message, r.Output, r.BeginProcessTime, r.FinishTime)
		case vodevent.ResultAnimatedGraphics:
			r := item.AnimatedGraphicTask
			in.Task.AnimatedGraphicTaskSet = append(in.Task.AnimatedGraphicTaskSet, *r.Input)
			add(r.Status, r.ErrCodeExt, r.ErrCode, r.Message, r.Output, r.BeginProcessTime, r.FinishTime)
		case vodevent.ResultSnapshotByTimeOffset:
			r := item.SnapshotByTimeOffsetTask
			in.Task.SnapshotByTimeOffsetTaskSet = append(in.Task.SnapshotByTimeOffsetTaskSet, *r.Input)
			add(r.Status, r.ErrCodeExt, r.ErrCode, r.Message, r.Output, r.BeginProcessTime, r.FinishTime)
		case vodevent.ResultSampleSnapshot:
			r := item.SampleSnapshotTask
			in.Task.SampleSnapshotTaskSet = append(in.Task.SampleSnapshotTaskSet, *r.Input)
			add(r.Status, r.ErrCodeExt, r.ErrCode, r.Message, r.Output, r.BeginProcessTime, r.FinishTime)
		case vodevent.ResultImageSprites:
			r := item.ImageSpriteTask
			in.Task.ImageSpriteTaskSet = append(in.Task.ImageSpriteTaskSet, *r.Input)
			add(r.Status, r.ErrCodeExt, r.ErrCode, r.Message, r.Output, r.BeginProcessTime, r.FinishTime)
		case vodevent.ResultCoverBySnapshot:
			r := item.CoverBySnapshotTask
			in.Task.CoverBySnapshotTaskSet = append(in.Task.CoverBySnapshotTaskSet, *r.Input)
			add(r.Status, r.ErrCodeExt, r.ErrCode, r.Message, r.Output, r.BeginProcessTime, r.FinishTime)
		case vodevent.ResultAdaptiveDynamicStreaming:
			r := item.AdaptiveDynamicStreamingTask
			in.Task.AdaptiveDynamicStreamingTaskSet = append(in.Task.AdaptiveDynamicStreamingTaskSet, *r.Input)
			add(r.Status, r.ErrCodeExt, r.ErrCode, r.Message, r.Output, r.BeginProcessTime, r.FinishTime)
		}
	}
	task, err := proctask.New(1500000001, in, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	task.ID, task.Status, task.Progress = p.TaskId, status, progress
	if task.State, err = json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	return task
}

// TestViewIsGolden: the view of a flow is, byte for byte, the
// ProcedureStateChanged content pinned in vodevent's golden files, whose
// sub-tasks are in SubTasks order.
func TestViewIsGolden(t *testing.T) {
	for _, tc := range []struct {
		file     string
		status   openvod.TaskStatus
		progress int64
	}{
		{"procedure_state_changed.golden.json", openvod.TaskFinish, 100},
		{"procedure_state_changed_change.golden.json", openvod.TaskProcessing, 50},
	} {
		p, want := golden(t, tc.file)
		task := flowOf(t, p, tc.status, tc.progress)
		view, err := proctask.View(task)
		if err != nil {
			t.Fatal(err)
		}
		got, err := vodevent.Marshal(view)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: view =\n%s\nwant\n%s", tc.file, got, want)
		}
	}
}

// TestViewProgress: the running sub-task (the first pending one) shows
// what the task's progress has beyond the sub-tasks done; the others
// pending show 0, and a task not yet claimed shows WAITING with no state.
func TestViewProgress(t *testing.T) {
	p, _ := golden(t, "procedure_state_changed_change.golden.json")
	task := flowOf(t, p, openvod.TaskProcessing, 80) // 1 of 2 done, the other 60 % through
	view, err := proctask.View(task)
	if err != nil {
		t.Fatal(err)
	}
	if got := view.MediaProcessResultSet[1].AdaptiveDynamicStreamingTask; got.Progress != 60 || got.Status != "PROCESSING" || got.Output != nil {
		t.Fatalf("running sub-task = %+v", got)
	}

	task.State, task.Status, task.Progress = nil, openvod.TaskWaiting, 0
	view, err = proctask.View(task)
	if err != nil {
		t.Fatal(err)
	}
	if view.Status != "WAITING" || view.MetaData != nil || len(view.MediaProcessResultSet) != 2 ||
		view.MediaProcessResultSet[0].TranscodeTask.Status != "PROCESSING" || view.MediaProcessResultSet[0].TranscodeTask.Progress != 0 ||
		view.MediaProcessResultSet[0].TranscodeTask.Input.Definition != 100010 {
		t.Fatalf("waiting view = %+v", view)
	}
}

func TestSubTasksAndState(t *testing.T) {
	in := &proctask.Input{Task: vodevent.MediaProcessTaskInput{
		AdaptiveDynamicStreamingTaskSet: []vodevent.AdaptiveDynamicStreamingTaskInput{{Definition: 10}},
		CoverBySnapshotTaskSet:          []vodevent.CoverBySnapshotTaskInput{{Definition: 10}},
		TranscodeTaskSet:                []vodevent.TranscodeTaskInput{{Definition: 100010}, {Definition: 100020}},
		ImageSpriteTaskSet:              []vodevent.ImageSpriteTaskInput{{Definition: 10}},
		SampleSnapshotTaskSet:           []vodevent.SampleSnapshotTaskInput{{Definition: 10}},
		SnapshotByTimeOffsetTaskSet:     []vodevent.SnapshotByTimeOffsetTaskInput{{Definition: 10}},
		AnimatedGraphicTaskSet:          []vodevent.AnimatedGraphicTaskInput{{Definition: 20000}},
	}}
	want := []proctask.SubTask{{"Transcode", 0}, {"Transcode", 1}, {"AnimatedGraphics", 0}, {"SnapshotByTimeOffset", 0},
		{"SampleSnapshot", 0}, {"ImageSprites", 0}, {"CoverBySnapshot", 0}, {"AdaptiveDynamicStreaming", 0}}
	if got := proctask.SubTasks(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("sub-tasks = %v\nwant %v", got, want)
	}
	task := &openvod.Task{ID: "t"}
	st, err := proctask.ReadState(task, in)
	if err != nil || len(st.Results) != 8 || st.Pending() != 8 || st.Progress(0, 0) != 0 {
		t.Fatalf("new state = %+v, %v", st, err)
	}
	st.Results[0].Status, st.Results[1].Status = vodevent.SubTaskSuccess, vodevent.SubTaskFail
	if st.Pending() != 6 || st.Progress(2, 0.5) != 37 || st.Progress(6, 1) != 99 {
		t.Fatalf("pending %d, progress %d %d", st.Pending(), st.Progress(2, 0.5), st.Progress(6, 1))
	}
	for i := range st.Results {
		st.Results[i].Status = vodevent.SubTaskSuccess
	}
	if st.Progress(0, 0) != 100 {
		t.Fatalf("progress when done = %d", st.Progress(0, 0))
	}
	task.State, _ = json.Marshal(st)
	back, err := proctask.ReadState(task, in)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(back); !bytes.Equal(again, task.State) {
		t.Fatalf("read back %s\nwant %s", again, task.State)
	}
	in.Task.TranscodeTaskSet = in.Task.TranscodeTaskSet[:1]
	if _, err := proctask.ReadState(task, in); err == nil {
		t.Fatal("a state of 8 results read for 7 sub-tasks")
	}
}
