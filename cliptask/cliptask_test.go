package cliptask_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/cliptask"
)

// stored is the input of a clip task as databases already hold it.
const stored = `{"SrcFileId":"5285890784273533167","SrcStorageKey":"1500000001/aa/f0.mp4","Start":2.5,"End":7,` +
	`"Precision":"Exact","Requested":"Fast","HideLeadIn":true,"MediaName":"c","ClassId":0,` +
	`"ExpireTime":"9999-12-31T23:59:59Z","SourceContext":"src","SessionContext":"sess","SessionId":"sid",` +
	`"RequestStart":2.5,"RequestEnd":-3,"StorageKey":"1500000001/bb/f0.mp4"}`

// TestNewAndView: a clip task is stored with the JSON names of tasks
// already in databases, its ID has the documented form, and View reads
// back its input and, once finished, its output.
func TestNewAndView(t *testing.T) {
	t.Parallel()
	in := &cliptask.Input{SrcFileId: "5285890784273533167", SrcStorageKey: "1500000001/aa/f0.mp4", Start: 2.5, End: 7,
		Precision: cliptask.Exact, Requested: cliptask.Fast, HideLeadIn: true, MediaName: "c", ExpireTime: openvod.NeverExpire,
		SourceContext: "src", SessionContext: "sess", SessionId: "sid", RequestStart: 2.5, RequestEnd: -3,
		StorageKey: "1500000001/bb/f0.mp4"}
	now := time.Date(2026, 12, 2, 8, 0, 0, 900, time.UTC)
	task, err := cliptask.New(1500000001, in, now)
	if err != nil {
		t.Fatal(err)
	}
	if string(task.Input) != stored {
		t.Fatalf("stored input =\n%s\nwant\n%s", task.Input, stored)
	}
	if !regexp.MustCompile(`^clipVideo-[0-9a-f]{19}$`).MatchString(task.ID) || task.Type != openvod.TaskClip ||
		task.Status != openvod.TaskWaiting || task.SessionID != "sid" || task.OutputKey != in.StorageKey ||
		!task.CreateTime.Equal(now.Truncate(time.Second)) {
		t.Fatalf("task = %+v", task)
	}

	back, out, err := cliptask.View(task)
	if err != nil || out != nil || *back != *in {
		t.Fatalf("View while running = %+v, %+v, %v", back, out, err)
	}
	task.Output = []byte(`{"Task":{"TaskId":"x","SrcFileId":"1","FileInfo":{"ErrCode":0,"Message":"","FileId":"2","FileUrl":"u","FileType":"mp4"}},` +
		`"EffectiveStart":2.48,"EffectiveEnd":7.04,"HiddenLeadIn":0.5,"Precision":"Exact","VideoEncoder":"libx265"}`)
	_, out, err = cliptask.View(task)
	if err != nil || out.Task.FileInfo.FileId != "2" || out.EffectiveStart != 2.48 || out.EffectiveEnd != 7.04 ||
		out.HiddenLeadIn != 0.5 || out.Precision != cliptask.Exact || out.VideoEncoder != "libx265" {
		t.Fatalf("View of the output = %+v, %v", out, err)
	}
	task.Output = []byte(`{`)
	if _, _, err := cliptask.View(task); err == nil {
		t.Fatal("an unreadable output is not an error")
	}
	task.Input = []byte(`[`)
	if _, _, err := cliptask.View(task); err == nil {
		t.Fatal("an unreadable input is not an error")
	}
}
