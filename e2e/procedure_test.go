package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/postgres"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// TestProcedureKilled SIGKILLs the server (on PostgreSQL) in the middle of
// a task flow, once its first step is recorded, and restarts it: the flow
// finishes once, the step done before the kill is not redone (its files
// are the first attempt's), every output is whole (ffprobe), one
// PROCESSING event per step but the last and exactly one FINISH event are
// logged, and once the janitor has swept (it runs every second here and
// sweeps what is older than 3 s) every object in the media store is the
// source's or an output's.
func TestProcedureKilled(t *testing.T) {
	if !ffmpeg.Available() {
		t.Fatal("ffmpeg is not installed: apt-get install ffmpeg")
	}
	ctx := context.Background()
	url := pgtest.URL(t)
	srv := openvodtest.Start(t, openvodtest.Options{DB: url, Env: []string{"OPENVOD_TASK_LEASE=2s",
		"OPENVOD_UPLOAD_TTL=3s", "OPENVOD_JANITOR_INTERVAL=500ms", "OPENVOD_ORPHAN_SWEEP_INTERVAL=1s"}})
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	src := filepath.Join(t.TempDir(), "src.mp4")
	if err := ffmpeg.Run(ctx, ffmpeg.Cmd{Timeout: time.Minute, Args: []string{
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
		"-c:a", "aac", "-ac", "2", "-f", "mp4", src}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	fileID, _ := upload(t, srv, data)
	m, err := st.MediaGet(ctx, openvod.DefaultSubAppID, fileID)
	if err != nil {
		t.Fatal(err)
	}

	// Four steps: the two transcodes (one decode), the snapshots, the
	// cover, the adaptive stream.
	task := vodevent.MediaProcessTaskInput{
		TranscodeTaskSet:                []vodevent.TranscodeTaskInput{{Definition: 100010}, {Definition: 100020}},
		SnapshotByTimeOffsetTaskSet:     []vodevent.SnapshotByTimeOffsetTaskInput{{Definition: 10, ExtTimeOffsetSet: []string{"2s", "75%"}}},
		CoverBySnapshotTaskSet:          []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: "Percent", PositionValue: 50}},
		AdaptiveDynamicStreamingTaskSet: []vodevent.AdaptiveDynamicStreamingTaskInput{{Definition: 10}},
	}
	res, err := templates.Resolve(ctx, st, openvod.DefaultSubAppID, &task)
	if err != nil {
		t.Fatal(err)
	}
	flow, err := proctask.New(openvod.DefaultSubAppID, &proctask.Input{FileId: fileID, SrcStorageKey: m.StorageKey, Task: task,
		Templates: *res, TasksNotifyMode: proctask.NotifyChange}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.TaskInsert(ctx, flow); err != nil {
		t.Fatal(err)
	}
	task1 := func() *openvod.Task {
		t.Helper()
		got, err := st.TaskGet(ctx, openvod.DefaultSubAppID, flow.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	done := func(got *openvod.Task) int {
		in, _ := proctask.ReadInput(got)
		s, err := proctask.ReadState(got, in)
		if err != nil {
			t.Fatal(err)
		}
		return len(s.Results) - s.Pending()
	}
	waitFor(t, "the first step", func() bool { return done(task1()) > 0 })
	srv.Kill()
	killed := task1()
	if killed.Status == openvod.TaskFinish {
		t.Fatal("the flow finished before the kill")
	}
	before, _ := proctask.View(killed)
	blobs, err := local.New(filepath.Join(srv.DataDir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	// What an attempt killed in its upload leaves: a file under its
	// prefix that no result records.
	leftover := flow.OutputKey + "a1/9/v.f100010_00003.ts"
	if _, err := blobs.Put(ctx, leftover, strings.NewReader("partial"), 0); err != nil {
		t.Fatal(err)
	}
	srv.Restart()
	waitFor(t, "the flow to finish", func() bool { return task1().Status == openvod.TaskFinish })

	final := task1()
	view, err := proctask.View(final)
	if err != nil {
		t.Fatal(err)
	}
	if final.Attempts < 2 {
		t.Fatalf("the flow finished in attempt %d, want a second one after the kill", final.Attempts)
	}
	// A late attempt that lost its lease writes after the finish.
	late := flow.OutputKey + "a7/0/v.f100010.mp4"
	if _, err := blobs.Put(ctx, late, strings.NewReader("late"), 0); err != nil {
		t.Fatal(err)
	}
	for i, r := range view.MediaProcessResultSet {
		if status := resultStatus(r); status != "SUCCESS" {
			t.Fatalf("sub-task %d: %s %s", i, r.Type, status)
		}
		// A sub-task done before the kill kept its result: the same
		// output, from attempt 1.
		b, _ := json.Marshal(before.MediaProcessResultSet[i])
		a, _ := json.Marshal(r)
		if resultStatus(before.MediaProcessResultSet[i]) == "SUCCESS" && string(a) != string(b) {
			t.Fatalf("sub-task %d was redone:\nbefore %s\nafter  %s", i, b, a)
		}
	}
	tr := view.MediaProcessResultSet[0].TranscodeTask
	if !strings.Contains(tr.Output.Url, "/a1/") {
		t.Fatalf("the first step's output %s is not the first attempt's", tr.Output.Url)
	}
	for _, r := range view.MediaProcessResultSet[:2] {
		o := r.TranscodeTask.Output
		path := filepath.Join(t.TempDir(), "out.mp4")
		if err := os.WriteFile(path, get(t, o.Url), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name,height", "-of", "json", path).Output()
		if err != nil {
			t.Fatalf("ffprobe of %s: %v", o.Url, err)
		}
		var p struct {
			Streams []struct {
				CodecName string `json:"codec_name"`
				Height    int64  `json:"height"`
			} `json:"streams"`
			Format struct{ Duration string } `json:"format"`
		}
		json.Unmarshal(out, &p)
		d, _ := strconv.ParseFloat(p.Format.Duration, 64)
		if len(p.Streams) != 2 || p.Streams[0].CodecName != "h264" || p.Streams[0].Height != o.Height || d < 7.9 || d > 8.1 {
			t.Fatalf("ffprobe of %s: %s", o.Url, out)
		}
	}
	abr := view.MediaProcessResultSet[4].AdaptiveDynamicStreamingTask.Output
	if master := string(get(t, abr.Url)); !strings.HasPrefix(master, "#EXTM3U") {
		t.Fatalf("master playlist = %q", master)
	}

	// Events: a PROCESSING one per step recorded but the last, one FINISH.
	events, err := st.EventList(ctx, &store.EventListParams{SubAppID: openvod.DefaultSubAppID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, e := range events {
		if e.Type != vodevent.TypeProcedureStateChanged {
			continue
		}
		var c vodevent.EventContent
		if err := json.Unmarshal(e.Body, &c); err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, c.ProcedureStateChangeEvent.Status)
	}
	if want := []string{"PROCESSING", "PROCESSING", "PROCESSING", "FINISH"}; !slices.Equal(statuses, want) {
		t.Fatalf("ProcedureStateChanged statuses = %v, want %v", statuses, want)
	}

	// No orphan: what the media store holds is the source and the outputs.
	outputs, err := st.MediaOutputList(ctx, openvod.DefaultSubAppID, []string{fileID})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{m.StorageKey}
	for _, o := range outputs {
		want = append(want, o.Keys...)
	}
	slices.Sort(want)
	var stored []string
	waitFor(t, "the janitor's sweep", func() bool {
		infos, err := blobs.List(ctx, strconv.FormatInt(openvod.DefaultSubAppID, 10)+"/")
		if err != nil {
			t.Fatal(err)
		}
		stored = stored[:0]
		for _, info := range infos {
			stored = append(stored, info.Key)
		}
		return slices.Equal(stored, want)
	})
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
