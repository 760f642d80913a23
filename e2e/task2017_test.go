package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/vodevent"
)

// TestConvertVodFileKilled SIGKILLs the server while a ConvertVodFile
// task runs and restarts it, on each database: the task finishes once,
// by a later attempt, with exactly one TranscodeComplete (pulled), whose
// files are whole (ffprobe), and the media store keeps only those files
// under the task's prefix (the killed attempt's are deleted).
func TestConvertVodFileKilled(t *testing.T) {
	if !ffmpeg.Available() {
		t.Fatal("ffmpeg is not installed: apt-get install ffmpeg")
	}
	onEachDB(t, testConvertVodFileKilled)
}

func testConvertVodFileKilled(t *testing.T, db string) {
	ctx := context.Background()
	srv := openvodtest.Start(t, openvodtest.Options{DB: db, Env: []string{"OPENVOD_TASK_LEASE=2s"}})
	fileID := uploadSource(t, srv, "640x360", 8)
	var accepted struct{ TaskId string }
	srv.Call(ctx, "ConvertVodFile", map[string]any{"FileId": fileID, "Definitions": []int64{100010, 100020}}, &accepted)
	waitFor(t, "the task to run", func() bool { return taskStatus(t, srv, accepted.TaskId) == "PROCESSING" })
	srv.Kill()
	srv.Restart()
	waitFor(t, "the task to finish", func() bool { return taskStatus(t, srv, accepted.TaskId) == "FINISH" })

	var events []*vodevent.TranscodeTask2017
	for _, ev := range pullAll(t, srv) {
		if ev.EventType != vodevent.TypeNewFileUpload && ev.EventType != vodevent.TypeTranscodeComplete {
			t.Fatalf("unexpected %s event", ev.EventType)
		}
		if ev.TranscodeCompleteEvent != nil {
			events = append(events, ev.TranscodeCompleteEvent)
		}
	}
	if len(events) != 1 {
		t.Fatalf("%d TranscodeComplete events, want 1", len(events))
	}
	tc := events[0]
	var detail struct{ TranscodeTask *vodevent.TranscodeTask2017 }
	srv.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": accepted.TaskId}, &detail)
	if a, b := mustMarshal(t, detail.TranscodeTask), mustMarshal(t, tc); a != b {
		t.Fatalf("DescribeTaskDetail %s\nevent %s", a, b)
	}
	if tc.TaskId != accepted.TaskId || tc.ErrCode != 0 || tc.Duration != 8 || len(tc.PlayInfoSet) != 3 {
		t.Fatalf("TranscodeComplete = %+v", tc)
	}
	var prefix string
	var keys []string
	for _, p := range tc.PlayInfoSet[1:] {
		if strings.Contains(p.Url, "/a1/") {
			t.Fatalf("output %s of the killed attempt: the kill came after the task was done", p.Url)
		}
		// <OutputKey>a<attempt>/<sub-task>/<name>
		prefix = mediaKey(srv, p.Url[:strings.LastIndex(p.Url, "/a")+1])
		keys = append(keys, mediaKey(srv, p.Url))
		checkVideo(t, p.Url, p.Height, 8)
	}
	blobs := mediaStore(t, srv)
	slices.Sort(keys)
	waitFor(t, "the killed attempt's files to go", func() bool { return slices.Equal(storedKeys(t, blobs, prefix), keys) })
}
