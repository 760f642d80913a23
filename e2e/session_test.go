package e2e

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/openvod/openvod/openvodtest"
)

// TestClipVideoSessionIdConcurrent fires 20 identical ClipVideo requests
// with one SessionId at once at a real server, on SQLite and on PostgreSQL:
// all get one TaskId, the server holds one task (its task metrics), and one
// ClipComplete event is made.
func TestClipVideoSessionIdConcurrent(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, testClipVideoSessionIdConcurrent)
}

func testClipVideoSessionIdConcurrent(t *testing.T, srv *openvodtest.Server) {
	ctx := context.Background()
	src, err := os.ReadFile("../mp4/testdata/h264_aac_faststart.mp4")
	if err != nil {
		t.Fatal(err)
	}
	fileID, _ := upload(t, srv, src)

	const n = 20
	ids := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var started struct{ TaskId string }
			<-start
			errs[i] = srv.Client().Call(ctx, "ClipVideo", map[string]any{"FileId": fileID,
				"StartTimeOffset": 1, "EndTimeOffset": 2, "SessionId": "retry-me"}, &started)
			ids[i] = started.TaskId
		}()
	}
	close(start)
	wg.Wait()
	distinct := map[string]int{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		distinct[ids[i]]++
	}
	if len(distinct) != 1 {
		t.Fatalf("%d requests got %d TaskIds: %v", n, len(distinct), distinct)
	}
	taskID := ids[0]
	d := waitClip(t, srv, taskID)
	if d.TaskType != "Clip" || d.ClipTask.TaskId != taskID || d.ClipTask.FileInfo == nil || d.ClipTask.FileInfo.ErrCode != 0 {
		t.Fatalf("task detail = %+v", d)
	}

	metrics := string(get(t, srv.URL+"/metrics"))
	for _, want := range []string{`openvod_tasks{status="WAITING"} 0`, `openvod_tasks{status="PROCESSING"} 0`, `openvod_tasks{status="FINISH"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s: the server holds other tasks than %s", want, taskID)
		}
	}

	// Every event made, pulled and confirmed until none is left.
	var clipEvents int
	for _, ev := range pullAll(t, srv) {
		if ev.EventType != "ClipComplete" {
			continue
		}
		clipEvents++
		if ev.ClipCompleteEvent.TaskId != taskID {
			t.Errorf("ClipComplete of task %s, want %s", ev.ClipCompleteEvent.TaskId, taskID)
		}
	}
	if clipEvents != 1 {
		t.Fatalf("%d ClipComplete events, want 1", clipEvents)
	}
}
