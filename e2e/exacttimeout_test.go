package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/openvod/openvod/openvodtest"
)

// TestExactTimeoutSetting: OPENVOD_EXACT_TIMEOUT reaches the clip worker;
// an Exact clip whose ffmpeg run takes longer fails with 70000 and a
// message saying so.
func TestExactTimeoutSetting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data, err := os.ReadFile("../clip/testdata/bf2_gop1s.mp4")
	if err != nil {
		t.Fatal(err)
	}
	srv := openvodtest.Start(t, openvodtest.Options{Env: []string{"OPENVOD_EXACT_TIMEOUT=1ms"}})
	fileID, _ := upload(t, srv, data)
	var started struct{ TaskId string }
	srv.Call(ctx, "ClipVideo", map[string]any{"FileId": fileID, "StartTimeOffset": 0.5, "EndTimeOffset": 2.5, "Precision": "Exact"}, &started)
	d := waitClip(t, srv, started.TaskId)
	if fi := d.ClipTask.FileInfo; fi.ErrCode != 70000 || !strings.Contains(fi.Message, "did not finish within 1ms") {
		t.Fatalf("Exact clip with a 1 ms timeout = %+v, want 70000 saying ffmpeg ran out of time", fi)
	}
}
