package edittask

import (
	"regexp"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/vodevent"
)

var now = time.Date(2026, 12, 2, 10, 0, 0, 500, time.UTC)

func input(action string) *Input {
	return &Input{
		Action: action, MediaName: "joined", ClassId: 3, ExpireTime: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		SessionContext: "ctx", SessionId: "sid", StorageKey: "7/abc/joined.mp4",
		Pieces: []Piece{{FileId: "a", StartTimeOffset: 1, EndTimeOffset: 2, Start: 1, End: 2}, {FileId: "b", StartTimeOffset: -3, Start: 7, End: 10}},
	}
}

func TestNew(t *testing.T) {
	for _, c := range []struct {
		action string
		typ    openvod.TaskType
		id     string
	}{
		{EditMedia, openvod.TaskEditMedia, `^7-EditMedia-[0-9a-f]{32}$`},
		{FastEditMedia, openvod.TaskEditMedia, `^7-persistence-[0-9a-f]{32}$`},
		{ConcatVideo, openvod.TaskConcat, `^concatVideo-[0-9a-f]{19}$`},
	} {
		task, err := New(7, input(c.action), now)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(c.id).MatchString(task.ID) || task.Type != c.typ || task.Status != openvod.TaskWaiting ||
			task.SessionID != "sid" || task.OutputKey != "7/abc/joined.mp4" || !task.CreateTime.Equal(now.Truncate(time.Second)) {
			t.Errorf("%s: %+v", c.action, task)
		}
		in, out, err := View(task)
		if err != nil || out != nil || in.Action != c.action || len(in.Pieces) != 2 || in.Pieces[1] != input(c.action).Pieces[1] {
			t.Errorf("%s: View = %+v, %+v, %v", c.action, in, out, err)
		}
	}
	if _, err := New(7, input("SplitMedia"), now); err == nil {
		t.Error("unknown action: no error")
	}
}

func TestEditMediaTask(t *testing.T) {
	in := input(EditMedia)
	task, err := New(7, in, now)
	if err != nil {
		t.Fatal(err)
	}
	v := EditMediaTask(task, in, nil)
	if v.Status != "WAITING" || v.Output != nil || v.Input.InputType != "File" || len(v.Input.FileInfoSet) != 2 ||
		v.Input.FileInfoSet[1] != (vodevent.EditMediaFileInfo{FileId: "b", StartTimeOffset: -3}) || v.SessionId != "sid" || v.SessionContext != "ctx" {
		t.Errorf("waiting: %+v", v)
	}
	task.Status, task.Progress = openvod.TaskProcessing, 40
	if v := EditMediaTask(task, in, nil); v.Status != "PROCESSING" || v.Progress != 40 {
		t.Errorf("processing: %+v", v)
	}

	failed := &Output{ErrCode: ErrInput, Message: "pieces differ", JoinMethod: vodevent.JoinStreamCopy}
	if v := EditMediaTask(task, in, failed); v.Status != "FINISH" || v.ErrCode != ErrInput || v.Message != "pieces differ" ||
		v.Output != nil || v.MetaData != nil || v.JoinMethod != "" {
		t.Errorf("failed: %+v", v)
	}

	md := &vodevent.MediaMetaData{Duration: 4}
	ok := &Output{FileId: "new", FileUrl: "http://h/new.mp4", MetaData: md, ProcedureTaskId: "p", JoinMethod: vodevent.JoinReencode}
	v = EditMediaTask(task, in, ok)
	want := vodevent.EditMediaTaskOutput{FileType: "mp4", FileUrl: "http://h/new.mp4", FileId: "new", MediaName: "joined", ClassId: 3, ExpireTime: "2027-01-01T00:00:00Z"}
	if v.Status != "FINISH" || v.Progress != 100 || v.Output == nil || *v.Output != want || v.MetaData != md ||
		v.ProcedureTaskId != "p" || v.JoinMethod != vodevent.JoinReencode {
		t.Errorf("done: %+v, output %+v", v, v.Output)
	}
}

func TestConcatTask(t *testing.T) {
	task, err := New(7, input(ConcatVideo), now)
	if err != nil {
		t.Fatal(err)
	}
	if v := ConcatTask(task, nil); v.TaskId != task.ID || len(v.FileInfoSet) != 0 || v.FileInfoSet == nil {
		t.Errorf("running: %+v", v)
	}
	v := ConcatTask(task, &Output{FileId: "new", FileUrl: "http://h/new.mp4", JoinMethod: vodevent.JoinStreamCopy})
	if len(v.FileInfoSet) != 1 || v.FileInfoSet[0] != (vodevent.ConcatFileInfo2017{FileId: "new", FileUrl: "http://h/new.mp4", FileType: "mp4"}) ||
		v.JoinMethod != vodevent.JoinStreamCopy {
		t.Errorf("done: %+v", v)
	}
}
