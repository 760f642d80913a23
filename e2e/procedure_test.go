package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/postgres"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/vodevent"
)

// TestProcedureKilled SIGKILLs the server in the middle of a task flow
// (ProcessMedia), once its first step is recorded, and restarts it, on
// each database: the flow finishes once, the step done before the kill is
// not redone, every output is whole (ffprobe), PullEvents gives one
// PROCESSING event per step but the last and exactly one FINISH, and once
// the janitor has swept (every second here, what is older than 3 s) the
// media store holds only the source and the outputs' files, although an
// attempt killed in its upload and a late attempt left files.
func TestProcedureKilled(t *testing.T) {
	if !ffmpeg.Available() {
		t.Fatal("ffmpeg is not installed: apt-get install ffmpeg")
	}
	onEachDB(t, testProcedureKilled)
}

func testProcedureKilled(t *testing.T, db string) {
	ctx := context.Background()
	srv := openvodtest.Start(t, openvodtest.Options{DB: db, Env: []string{"OPENVOD_TASK_LEASE=2s",
		"OPENVOD_UPLOAD_TTL=3s", "OPENVOD_JANITOR_INTERVAL=500ms", "OPENVOD_ORPHAN_SWEEP_INTERVAL=1s"}})
	fileID := uploadSource(t, srv, "640x360", 8)

	// Four steps: the two transcodes (one decode), the snapshots, the
	// cover, the adaptive stream.
	var accepted struct{ TaskId string }
	srv.Call(ctx, "ProcessMedia", map[string]any{"FileId": fileID, "TasksNotifyMode": "Change", "MediaProcessTask": map[string]any{
		"TranscodeTaskSet":                []map[string]any{{"Definition": 100010}, {"Definition": 100020}},
		"SnapshotByTimeOffsetTaskSet":     []map[string]any{{"Definition": 10, "ExtTimeOffsetSet": []string{"2s", "75%"}}},
		"CoverBySnapshotTaskSet":          []map[string]any{{"Definition": 10, "PositionType": "Percent", "PositionValue": 50}},
		"AdaptiveDynamicStreamingTaskSet": []map[string]any{{"Definition": 10}},
	}}, &accepted)
	detail := func() (string, *vodevent.ProcedureTask) {
		t.Helper()
		var d struct {
			Status        string
			ProcedureTask *vodevent.ProcedureTask
		}
		srv.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": accepted.TaskId}, &d)
		return d.Status, d.ProcedureTask
	}
	var before *vodevent.ProcedureTask
	waitFor(t, "the first step", func() bool {
		_, before = detail()
		return resultStatus(before.MediaProcessResultSet[0]) == "SUCCESS"
	})
	srv.Kill()
	if before.Status == "FINISH" {
		t.Fatal("the flow finished before the kill")
	}
	first := before.MediaProcessResultSet[0].TranscodeTask.Output.Url
	i := strings.Index(first, "/a1/")
	if i < 0 {
		t.Fatalf("the first step's output %s is not under the first attempt's prefix", first)
	}
	prefix := mediaKey(srv, first[:i+1]) // the task's OutputKey
	blobs := mediaStore(t, srv)
	// What an attempt killed in its upload leaves: a file under its
	// prefix that no result records.
	if _, err := blobs.Put(ctx, prefix+"a1/9/v.f100010_00003.ts", strings.NewReader("partial"), 0); err != nil {
		t.Fatal(err)
	}
	srv.Restart()
	waitFor(t, "the flow to finish", func() bool { s, _ := detail(); return s == "FINISH" })
	_, view := detail()
	// A late attempt that lost its lease writes after the finish.
	if _, err := blobs.Put(ctx, prefix+"a7/0/v.f100010.mp4", strings.NewReader("late"), 0); err != nil {
		t.Fatal(err)
	}

	if view.Status != "FINISH" || len(view.MediaProcessResultSet) != 5 {
		t.Fatalf("finished flow = %+v", view)
	}
	secondAttempt := false
	for i, r := range view.MediaProcessResultSet {
		if status := resultStatus(r); status != "SUCCESS" {
			t.Fatalf("sub-task %d: %s %s", i, r.Type, status)
		}
		b, _ := json.Marshal(before.MediaProcessResultSet[i])
		a, _ := json.Marshal(r)
		if resultStatus(before.MediaProcessResultSet[i]) == "SUCCESS" && string(a) != string(b) {
			t.Fatalf("sub-task %d was redone:\nbefore %s\nafter  %s", i, b, a)
		}
		secondAttempt = secondAttempt || strings.Contains(string(a), "/a2/")
	}
	if !secondAttempt {
		t.Fatal("no output of the second attempt: the kill came after the last step")
	}
	for _, r := range view.MediaProcessResultSet[:2] {
		checkVideo(t, r.TranscodeTask.Output.Url, r.TranscodeTask.Output.Height, 8)
	}
	abr := view.MediaProcessResultSet[4].AdaptiveDynamicStreamingTask.Output
	if master := string(get(t, abr.Url)); !strings.HasPrefix(master, "#EXTM3U") {
		t.Fatalf("master playlist = %q", master)
	}

	// PullEvents: a PROCESSING event per step recorded but the last, one FINISH.
	var statuses []string
	for _, ev := range pullAll(t, srv) {
		if ev.EventType == vodevent.TypeProcedureStateChanged {
			statuses = append(statuses, ev.ProcedureStateChangeEvent.Status)
		}
	}
	if want := []string{"PROCESSING", "PROCESSING", "PROCESSING", "FINISH"}; !slices.Equal(statuses, want) {
		t.Fatalf("ProcedureStateChanged statuses = %v, want %v", statuses, want)
	}

	// No orphan: once the janitor has removed the files left, the media
	// store holds the source and the outputs' files, as the database says.
	stored := func() []string { return storedKeys(t, blobs, strconv.FormatInt(openvod.DefaultSubAppID, 10)+"/") }
	waitFor(t, "the janitor's sweep", func() bool {
		keys := stored()
		return !slices.Contains(keys, prefix+"a1/9/v.f100010_00003.ts") && !slices.Contains(keys, prefix+"a7/0/v.f100010.mp4")
	})
	srv.Kill() // SQLite's file is the server's while it runs
	var st store.Store
	var err error
	if db == "" {
		st, err = sqlite.Open(ctx, filepath.Join(srv.DataDir, "openvod.db"), sqlite.Options{})
	} else {
		st, err = postgres.Open(ctx, db)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.MediaGet(ctx, openvod.DefaultSubAppID, fileID)
	if err != nil {
		t.Fatal(err)
	}
	outputs, err := st.MediaOutputList(ctx, openvod.DefaultSubAppID, []string{fileID})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{m.StorageKey}
	for _, o := range outputs {
		want = append(want, o.Keys...)
	}
	slices.Sort(want)
	if got := stored(); !slices.Equal(got, want) {
		t.Fatalf("the media store holds %d objects, the records %d:\n%v\n%v", len(got), len(want), got, want)
	}
}

// resultStatus is the Status of a sub-task's result.
func resultStatus(r vodevent.MediaProcessTaskResult) string {
	switch {
	case r.TranscodeTask != nil:
		return r.TranscodeTask.Status
	case r.SnapshotByTimeOffsetTask != nil:
		return r.SnapshotByTimeOffsetTask.Status
	case r.CoverBySnapshotTask != nil:
		return r.CoverBySnapshotTask.Status
	case r.AdaptiveDynamicStreamingTask != nil:
		return r.AdaptiveDynamicStreamingTask.Status
	}
	return "unexpected " + r.Type
}
