package tcapi

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// TestDescribeProcedureTask: DescribeTaskDetail of a Procedure task
// answers TaskType Procedure with the ProcedureTask its state shows (the
// other task members null), waiting and then with a sub-task done.
func TestDescribeProcedureTask(t *testing.T) {
	b := setup(t)
	in := &proctask.Input{FileId: "5285890784273533167", SessionContext: "ctx", Task: vodevent.MediaProcessTaskInput{
		TranscodeTaskSet:       []vodevent.TranscodeTaskInput{{Definition: 100010}},
		CoverBySnapshotTaskSet: []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: "Time", PositionValue: 1}},
	}}
	task, err := proctask.New(openvod.DefaultSubAppID, in, b.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.st.TaskInsert(t.Context(), task); err != nil {
		t.Fatal(err)
	}
	type detail struct {
		Response struct {
			TaskType, Status string
			ProcedureTask    *vodevent.ProcedureTask
			PullUploadTask   json.RawMessage
		}
	}
	describe := func() (*detail, []byte) {
		t.Helper()
		_, body := b.do(t, "DescribeTaskDetail", `{"TaskId":"`+task.ID+`"}`, nil)
		var d detail
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		return &d, body
	}
	d, body := describe()
	p := d.Response.ProcedureTask
	if d.Response.TaskType != "Procedure" || d.Response.Status != "WAITING" || string(d.Response.PullUploadTask) != "null" || p == nil ||
		p.TaskId != task.ID || p.Status != "WAITING" || p.FileId != in.FileId || p.SessionContext != "ctx" || p.TasksNotifyMode != "Finish" ||
		len(p.MediaProcessResultSet) != 2 || p.MediaProcessResultSet[1].CoverBySnapshotTask.Input.PositionValue != 1 {
		t.Fatalf("waiting task: %s", body)
	}

	claimed := claim(t, b, openvod.TaskProcedure)
	st := &proctask.State{FileName: "a", Results: []proctask.Result{
		{Status: vodevent.SubTaskSuccess, Message: "SUCCESS", Output: json.RawMessage(`{"Url":"http://vod.test/vod/x.mp4","Definition":100010}`)}, {}}}
	state, _ := json.Marshal(st)
	if err := b.st.TaskSetState(t.Context(), task.ID, "test", claimed.Attempts, state); err != nil {
		t.Fatal(err)
	}
	d, body = describe()
	p = d.Response.ProcedureTask
	if d.Response.Status != "PROCESSING" || p.Status != "PROCESSING" || p.FileName != "a" ||
		p.MediaProcessResultSet[0].TranscodeTask.Status != "SUCCESS" || p.MediaProcessResultSet[0].TranscodeTask.Output.Url != "http://vod.test/vod/x.mp4" ||
		p.MediaProcessResultSet[1].CoverBySnapshotTask.Status != "PROCESSING" || p.MediaProcessResultSet[1].CoverBySnapshotTask.Output != nil {
		t.Fatalf("task with a sub-task done: %s", body)
	}
	if !bytes.Contains(body, []byte(`"CoverBySnapshotTask":{"Status":"PROCESSING","ErrCodeExt":"","ErrCode":0,"Message":"","Input":{"Definition":10,"PositionType":"Time","PositionValue":1,"WatermarkSet":null},"Output":null`)) {
		t.Fatalf("pending cover: %s", body)
	}
}

// claim leases the one runnable task of typ to owner "test".
func claim(t *testing.T, b *testBundle, typ openvod.TaskType) *openvod.Task {
	t.Helper()
	tasks, err := b.st.TaskClaim(t.Context(), &store.TaskClaimParams{Types: []openvod.TaskType{typ}, Owner: "test",
		Now: b.now, LeaseUntil: b.now.Add(time.Hour), Limit: 1})
	if err != nil || len(tasks) != 1 {
		t.Fatalf("claim: %v, %v", tasks, err)
	}
	return tasks[0]
}
