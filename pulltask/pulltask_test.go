package pulltask_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/pulltask"
)

// stored is the input of a PullUpload task as databases already hold it.
const stored = `{"MediaUrl":"http://src.test/a.mp4","MediaType":"mp4","MediaName":"a","ExpireTime":"2030-01-02T03:04:05Z",` +
	`"ClassId":7,"SourceContext":"src","SessionContext":"sess","SessionId":"sid","StorageKey":"1500000001/ab/f0.mp4"}`

// TestStoredInput: an Input is stored with the JSON names of tasks already
// in databases, and a stored task reads back as it was written.
func TestStoredInput(t *testing.T) {
	in := &pulltask.Input{MediaUrl: "http://src.test/a.mp4", MediaType: "mp4", MediaName: "a",
		ExpireTime: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), ClassId: 7, SourceContext: "src",
		SessionContext: "sess", SessionId: "sid", StorageKey: "1500000001/ab/f0.mp4"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	task, err := pulltask.New(1500000001, in, now)
	if err != nil {
		t.Fatal(err)
	}
	if string(task.Input) != stored {
		t.Fatalf("stored input =\n%s\nwant\n%s", task.Input, stored)
	}
	if task.Type != openvod.TaskPullUpload || task.Status != openvod.TaskWaiting || task.SessionID != "sid" ||
		task.OutputKey != in.StorageKey || !task.CreateTime.Equal(now.Truncate(time.Second)) || len(task.ID) != len("1500000001-Pull-")+32 {
		t.Fatalf("task = %+v", task)
	}

	task.Status, task.Progress = openvod.TaskProcessing, 40
	view, err := pulltask.View(task)
	if err != nil {
		t.Fatal(err)
	}
	if view.TaskId != task.ID || view.Status != "PROCESSING" || view.SessionContext != "sess" || view.SessionId != "sid" || view.Progress != 40 {
		t.Fatalf("view while running = %+v", view)
	}

	task.Output = []byte(`{"TaskId":"x","Status":"FINISH","ErrCode":60000,"Message":"stalled","FileId":""}`)
	view, err = pulltask.View(task)
	if err != nil {
		t.Fatal(err)
	}
	if view.TaskId != "x" || view.Status != "FINISH" || view.ErrCode != 60000 || view.Message != "stalled" {
		t.Fatalf("view of the output = %+v", view)
	}
	task.Output = []byte(`{`)
	if _, err := pulltask.View(task); err == nil {
		t.Fatal("an unreadable output is not an error")
	}
	var back pulltask.Input
	if err := json.Unmarshal([]byte(stored), &back); err != nil || back != *in {
		t.Fatalf("stored input read back = %+v, %v", back, err)
	}
}
