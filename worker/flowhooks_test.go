package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/pulltask"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// spriteFlow is the input of a task flow of one image sprite, as tcapi
// stores it in a pull or a clip task.
func spriteFlow() *proctask.Input {
	return &proctask.Input{
		Task:          vodevent.MediaProcessTaskInput{ImageSpriteTaskSet: []vodevent.ImageSpriteTaskInput{{Definition: 10}}},
		Templates:     templates.Resolved{ImageSprites: []*templates.ImageSprite{{Definition: 10}}},
		ProcedureName: "Sprites", TasksPriority: 3, TasksNotifyMode: proctask.NotifyFinish, SessionContext: "flow",
	}
}

// checkFlowTask checks that id is a WAITING Procedure task running
// spriteFlow on media fileID, and that it is the only one.
func checkFlowTask(t *testing.T, st store.Store, subAppID int64, id, fileID string) {
	t.Helper()
	ctx := context.Background()
	counts, err := st.TaskCountByStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[openvod.TaskWaiting] != 1 || counts[openvod.TaskFinish] != 1 {
		t.Fatalf("tasks by status %v, want the finished one and one waiting flow", counts)
	}
	task, err := st.TaskGet(ctx, subAppID, id)
	if err != nil {
		t.Fatalf("flow task %q: %v", id, err)
	}
	in, err := proctask.ReadInput(task)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.MediaGet(ctx, subAppID, fileID)
	if err != nil {
		t.Fatal(err)
	}
	want := spriteFlow()
	want.FileId, want.SrcStorageKey = m.FileID, m.StorageKey
	got, _ := json.Marshal(in)
	wantJSON, _ := json.Marshal(want)
	if task.Type != openvod.TaskProcedure || task.Status != openvod.TaskWaiting || string(got) != string(wantJSON) {
		t.Fatalf("flow task %+v, input\n%s\nwant\n%s", task, got, wantJSON)
	}
}

// TestPullStartsProcedure: a pull with a task flow stores, in the
// transaction that finishes it, one Procedure task on the new media, whose
// TaskId the PullComplete event, the task's result and the NewFileUpload
// event carry.
func TestPullStartsProcedure(t *testing.T) {
	onStores(t, func(t *testing.T, b *pullBundle) {
		ctx := context.Background()
		app := b.app(t, "flow")
		if err := b.st.EventConfigPut(ctx, &openvod.EventConfig{SubAppID: app.ID, Mode: openvod.EventModePull,
			UploadMediaComplete: true, UpdateTime: time.Now()}); err != nil {
			t.Fatal(err)
		}
		src := sources(t, []byte("some bytes"))
		task, err := pulltask.New(app.ID, &pulltask.Input{MediaUrl: src.URL + "/good", MediaType: "mp4", MediaName: "pulled",
			ExpireTime: openvod.NeverExpire, StorageKey: media.NewStorageKey(app.ID, "mp4"), Procedure: spriteFlow()}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.st.TaskInsert(ctx, task); err != nil {
			t.Fatal(err)
		}
		b.run(t, 1)
		out, err := pulltask.View(b.await(t, task, 10*time.Second))
		if err != nil || out.ErrCode != 0 || out.ProcedureTaskId == "" {
			t.Fatalf("pull = %+v, %v; want a ProcedureTaskId", out, err)
		}
		checkFlowTask(t, b.st, app.ID, out.ProcedureTaskId, out.FileId)
		events, err := b.st.EventList(ctx, &store.EventListParams{SubAppID: app.ID, Limit: 10})
		if err != nil || len(events) != 2 {
			t.Fatalf("events %v, %v; want PullComplete and NewFileUpload", events, err)
		}
		for _, e := range events {
			var ev vodevent.EventContent
			if err := json.Unmarshal(e.Body, &ev); err != nil {
				t.Fatal(err)
			}
			var id string
			switch {
			case ev.PullCompleteEvent != nil:
				id = ev.PullCompleteEvent.ProcedureTaskId
			case ev.FileUploadEvent != nil:
				id = ev.FileUploadEvent.ProcedureTaskId
			}
			if id != out.ProcedureTaskId {
				t.Errorf("%s event names ProcedureTaskId %q, want %q", ev.EventType, id, out.ProcedureTaskId)
			}
		}
	})
}

// TestClipStartsProcedure: a clip with a task flow stores one Procedure
// task on the clip in the transaction that finishes the clip.
func TestClipStartsProcedure(t *testing.T) {
	b := newClipBundle(t, 0)
	_, out := b.clip(t, "bf2_gop1s.mp4", cliptask.Input{Start: 1, End: 2, Precision: cliptask.Fast, Procedure: spriteFlow()})
	if out.Task.FileInfo.ErrCode != 0 || out.ProcedureTaskId == "" {
		t.Fatalf("clip = %+v, ProcedureTaskId %q", out.Task.FileInfo, out.ProcedureTaskId)
	}
	checkFlowTask(t, b.st, openvod.DefaultSubAppID, out.ProcedureTaskId, out.Task.FileInfo.FileId)
}
