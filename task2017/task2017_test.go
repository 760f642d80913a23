package task2017

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/vodevent"
)

func TestNewTaskIDs(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for typ, prefix := range map[openvod.TaskType]string{
		openvod.TaskTranscode:            "convertVodFile-",
		openvod.TaskImageSprite:          "createImageSprite-",
		openvod.TaskSnapshotByTimeOffset: "createSnapshotByTimeOffset-",
	} {
		if !Is(typ) {
			t.Errorf("Is(%q) = false", typ)
		}
		task, err := New(1500000001, typ, &proctask.Input{FileId: "f"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile("^" + prefix + "[0-9a-f]{19}$").MatchString(task.ID) {
			t.Errorf("%s: TaskId %q, want %s and 19 hex digits", typ, task.ID, prefix)
		}
		if task.Type != typ || task.Status != openvod.TaskWaiting || task.SubAppID != 1500000001 {
			t.Errorf("%s: got type %q status %q app %d", typ, task.Type, task.Status, task.SubAppID)
		}
	}
	if Is(openvod.TaskProcedure) {
		t.Error("Is(Procedure) = true")
	}
	defer func() {
		if recover() == nil {
			t.Error("New with a Procedure type did not panic")
		}
	}()
	New(1, openvod.TaskProcedure, &proctask.Input{}, now)
}

// withState returns a task of typ for in whose stored state is st.
func withState(t *testing.T, typ openvod.TaskType, in *proctask.Input, st *proctask.State) *openvod.Task {
	t.Helper()
	task, err := New(1, typ, in, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if task.State, err = json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	return task
}

func raw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTranscodeEvent(t *testing.T) {
	in := &proctask.Input{FileId: "528", Task: vodevent.MediaProcessTaskInput{
		TranscodeTaskSet: []vodevent.TranscodeTaskInput{{Definition: 100010}, {Definition: 100020}},
	}}
	md := &vodevent.MediaMetaData{Duration: 9.6, Bitrate: 900, Width: 640, Height: 360}
	st := &proctask.State{FileName: "a", FileUrl: "http://h/a.mp4", MetaData: md, CoverUrl: "http://h/c.jpg", Results: []proctask.Result{
		{Status: vodevent.SubTaskSuccess, Output: raw(t, vodevent.MediaTranscodeItem{Url: "http://h/10.mp4", Definition: 100010, Bitrate: 400, Width: 640, Height: 360})},
		{Status: ""},
	}}
	ev, err := Event(withState(t, openvod.TaskTranscode, in, st))
	if err != nil {
		t.Fatal(err)
	}
	v := ev.TranscodeCompleteEvent
	if ev.EventType != vodevent.TypeTranscodeComplete || v == nil {
		t.Fatalf("event %+v", ev)
	}
	// Running: the original and the one output made, no SUCCESS yet.
	if v.Duration != 10 || v.CoverUrl != "http://h/c.jpg" || v.Message != "" || len(v.PlayInfoSet) != 2 ||
		v.PlayInfoSet[0] != (vodevent.TranscodePlayInfo2017{Url: "http://h/a.mp4", Bitrate: 900, Width: 640, Height: 360}) ||
		v.PlayInfoSet[1].Definition != 100010 || v.PlayInfoSet[1].Url != "http://h/10.mp4" {
		t.Errorf("running: %+v", v)
	}

	st.Results[1] = proctask.Result{Status: vodevent.SubTaskFail, ErrCode: 30010, Message: "source broken"}
	ev, err = Event(withState(t, openvod.TaskTranscode, in, st))
	if err != nil {
		t.Fatal(err)
	}
	if v := ev.TranscodeCompleteEvent; v.ErrCode != 30010 || v.Message != "source broken" || len(v.PlayInfoSet) != 2 {
		t.Errorf("failed: %+v", v)
	}

	st.Results[1] = proctask.Result{Status: vodevent.SubTaskSuccess, Output: raw(t, vodevent.MediaTranscodeItem{Url: "http://h/20.mp4", Definition: 100020})}
	ev, err = Event(withState(t, openvod.TaskTranscode, in, st))
	if err != nil {
		t.Fatal(err)
	}
	if v := ev.TranscodeCompleteEvent; v.ErrCode != 0 || v.Message != "SUCCESS" || len(v.PlayInfoSet) != 3 || v.PlayInfoSet[2].Url != "http://h/20.mp4" {
		t.Errorf("done: %+v", v)
	}
}

func TestImageSpriteEvent(t *testing.T) {
	in := &proctask.Input{FileId: "528", Task: vodevent.MediaProcessTaskInput{ImageSpriteTaskSet: []vodevent.ImageSpriteTaskInput{{Definition: 10}}}}
	st := &proctask.State{Results: []proctask.Result{{Status: vodevent.SubTaskSuccess,
		Output: raw(t, vodevent.MediaImageSpriteItem{Definition: 10, TotalCount: 7, ImageUrlSet: []string{"http://h/0.jpg", "http://h/1.jpg"}, WebVttUrl: "http://h/s.vtt"})}}}
	ev, err := Event(withState(t, openvod.TaskImageSprite, in, st))
	if err != nil {
		t.Fatal(err)
	}
	v := ev.CreateImageSpriteCompleteEvent
	if ev.EventType != vodevent.TypeCreateImageSpriteComplete || v.Definition != 10 || v.TotalCount != 7 ||
		len(v.ImageSpriteUrlSet) != 2 || v.ImageSpriteUrlSet[1] != "http://h/1.jpg" || v.WebVttUrl != "http://h/s.vtt" || v.FileId != "528" {
		t.Errorf("sprite event %+v", v)
	}
	in.Task.ImageSpriteTaskSet = append(in.Task.ImageSpriteTaskSet, vodevent.ImageSpriteTaskInput{Definition: 10})
	st.Results = append(st.Results, proctask.Result{})
	if _, err := Event(withState(t, openvod.TaskImageSprite, in, st)); err == nil {
		t.Error("two sprite sub-tasks: no error")
	}
}

func TestSnapshotEvent(t *testing.T) {
	in := &proctask.Input{FileId: "528", Task: vodevent.MediaProcessTaskInput{SnapshotByTimeOffsetTaskSet: []vodevent.SnapshotByTimeOffsetTaskInput{
		{Definition: 10, ExtTimeOffsetSet: []string{"50%", "1.5s"}, TimeOffsetSet: []float64{250}},
	}}}
	st := &proctask.State{MetaData: &vodevent.MediaMetaData{Duration: 8}, Results: []proctask.Result{{Status: vodevent.SubTaskSuccess,
		Output: raw(t, vodevent.MediaSnapshotByTimeOffsetItem{Definition: 10, PicInfoSet: []vodevent.MediaSnapshotByTimePicInfoItem{{TimeOffset: 4000.4, Url: "http://h/a.jpg"}}})}}}
	ev, err := Event(withState(t, openvod.TaskSnapshotByTimeOffset, in, st))
	if err != nil {
		t.Fatal(err)
	}
	v := ev.SnapshotByTimeOffsetCompleteEvent
	if ev.EventType != vodevent.TypeCreateSnapshotByTimeOffsetComplete || len(v.SnapshotInfoSet) != 1 ||
		v.SnapshotInfoSet[0] != (vodevent.SnapshotByTimeOffset2017{TimeOffset: 4000, Url: "http://h/a.jpg"}) {
		t.Errorf("snapshot event %+v", v)
	}
	// A failed sub-task lists every offset asked, in the engine's order.
	st.Results[0] = proctask.Result{Status: vodevent.SubTaskFail, ErrCode: 70000}
	ev, err = Event(withState(t, openvod.TaskSnapshotByTimeOffset, in, st))
	if err != nil {
		t.Fatal(err)
	}
	want := []vodevent.SnapshotByTimeOffset2017{{ErrCode: 70000, TimeOffset: 4000}, {ErrCode: 70000, TimeOffset: 1500}, {ErrCode: 70000, TimeOffset: 250}}
	got := ev.SnapshotByTimeOffsetCompleteEvent.SnapshotInfoSet
	if len(got) != len(want) {
		t.Fatalf("failed: %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("failed item %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
