package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/vodevent"
)

type clipDetail struct {
	TaskType string
	Status   string
	ClipTask struct {
		TaskId    string
		SrcFileId string
		FileInfo  *struct {
			ErrCode                            int64
			Message, FileId, FileUrl, FileType string
		}
		Precision                            string
		EffectiveStartTime, EffectiveEndTime *float64
		HiddenLeadIn                         float64
		VideoEncoder, SessionContext         string
	}
}

func waitClip(t *testing.T, srv *openvodtest.Server, taskID string) *clipDetail {
	t.Helper()
	var d clipDetail
	waitFor(t, "clip "+taskID, func() bool {
		srv.Call(context.Background(), "DescribeTaskDetail", map[string]any{"TaskId": taskID}, &d)
		return d.Status == "FINISH"
	})
	return &d
}

// TestClipVideo clips an uploaded MP4 (Fast and Exact), follows the task and
// its ClipComplete event, checks the new media and the request-time errors.
func TestClipVideo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := openvodtest.Start(t, openvodtest.Options{})
	src, err := os.ReadFile("../mp4/testdata/h264_aac_faststart.mp4")
	if err != nil {
		t.Fatal(err)
	}
	fileID, _ := upload(t, srv, src)

	var started struct{ TaskId string }
	srv.Call(ctx, "ClipVideo", map[string]any{"FileId": fileID, "StartTimeOffset": 1, "EndTimeOffset": 2,
		"SourceContext": "src-ctx", "SessionContext": "sess-ctx", "SessionId": "s1"}, &started)
	if len(started.TaskId) != len("clipVideo-")+19 || !strings.HasPrefix(started.TaskId, "clipVideo-") {
		t.Fatalf("TaskId %q, want clipVideo- and 19 hex digits", started.TaskId)
	}
	var again struct{ TaskId string }
	srv.Call(ctx, "ClipVideo", map[string]any{"FileId": fileID, "StartTimeOffset": 0, "SessionId": "s1"}, &again)
	if again.TaskId != started.TaskId {
		t.Fatalf("a repeated SessionId started task %s, want %s", again.TaskId, started.TaskId)
	}
	d := waitClip(t, srv, started.TaskId)
	info := d.ClipTask.FileInfo
	if d.TaskType != "Clip" || info == nil || info.ErrCode != 0 || info.FileType != "mp4" || d.ClipTask.SrcFileId != fileID ||
		d.ClipTask.Precision != "Fast" || d.ClipTask.SessionContext != "sess-ctx" {
		t.Fatalf("task detail = %+v", d)
	}
	if *d.ClipTask.EffectiveStartTime != 1 || *d.ClipTask.EffectiveEndTime != 2 {
		t.Fatalf("effective cut %g..%g, want 1..2 (frame boundaries at 30 fps)", *d.ClipTask.EffectiveStartTime, *d.ClipTask.EffectiveEndTime)
	}

	// The ClipComplete event, pulled (PULL mode is the default).
	var p pulled
	srv.Call(ctx, "PullEvents", nil, &p)
	var clipEvents int
	for _, raw := range p.EventSet {
		ev := decodeEvent(t, raw)
		if ev.EventType != "ClipComplete" {
			continue
		}
		clipEvents++
		c := ev.ClipCompleteEvent
		if c.TaskId != started.TaskId || c.SrcFileId != fileID || c.FileInfo.FileId != info.FileId || c.FileInfo.FileUrl != info.FileUrl {
			t.Fatalf("ClipComplete %s does not match the task %+v", raw, info)
		}
		if !strings.Contains(string(raw), `"ClipCompleteEvent":{"TaskId":"`+started.TaskId+`","SrcFileId":"`+fileID+`","FileInfo":{"ErrCode":0,"Message":"","FileId":"`) {
			t.Fatalf("ClipComplete not in the seed's shape: %s", raw)
		}
	}
	if clipEvents != 1 {
		t.Fatalf("%d ClipComplete events, want 1", clipEvents)
	}

	// The clip is a normal media file.
	var infos struct {
		MediaInfoSet []struct {
			BasicInfo struct {
				SourceInfo struct{ SourceType, SourceContext string }
			}
			MetaData struct{ Duration float64 }
		}
	}
	srv.Call(ctx, "DescribeMediaInfos", map[string]any{"FileIds": []string{info.FileId}}, &infos)
	if len(infos.MediaInfoSet) != 1 || infos.MediaInfoSet[0].BasicInfo.SourceInfo.SourceType != "VideoProcessing" ||
		infos.MediaInfoSet[0].BasicInfo.SourceInfo.SourceContext != "src-ctx" {
		t.Fatalf("clip media = %+v", infos)
	}
	clipPath := filepath.Join(t.TempDir(), "clip.mp4")
	os.WriteFile(clipPath, get(t, info.FileUrl), 0o644)
	if dur := ffprobeDuration(t, clipPath); dur < 0.96 || dur > 1.04 {
		t.Fatalf("ffprobe duration of the clip = %g, want 1 s within a frame", dur)
	}

	// Exact precision re-encodes.
	srv.Call(ctx, "ClipVideo", map[string]any{"FileId": fileID, "StartTimeOffset": 0.5, "EndTimeOffset": -1, "Precision": "Exact"}, &started)
	d = waitClip(t, srv, started.TaskId)
	if d.ClipTask.FileInfo.ErrCode != 0 || d.ClipTask.Precision != "Exact" || d.ClipTask.VideoEncoder != "libx264" {
		t.Fatalf("exact clip = %+v %+v", d.ClipTask, d.ClipTask.FileInfo)
	}
	os.WriteFile(clipPath, get(t, d.ClipTask.FileInfo.FileUrl), 0o644)
	if dur := ffprobeDuration(t, clipPath); dur < 1.45 || dur > 1.55 {
		t.Fatalf("ffprobe duration of the exact clip = %g, want 1.5 s", dur)
	}

	// Errors at request time change nothing.
	for _, tt := range []struct {
		params map[string]any
		code   string
	}{
		{map[string]any{"FileId": "1234567890123456789"}, "InvalidParameterValue.FileId"},
		{map[string]any{"FileId": fileID, "StartTimeOffset": 10}, "InvalidParameterValue.StartTimeOffset"},
		{map[string]any{"FileId": fileID, "StartTimeOffset": 2, "EndTimeOffset": 1}, "InvalidParameterValue.EndTimeOffset"},
		{map[string]any{"FileId": fileID, "EndTimeOffset": 9}, "InvalidParameterValue.EndTimeOffset"},
		{map[string]any{"FileId": fileID, "Precision": "Rough"}, "InvalidParameterValue.Precision"},
		{map[string]any{"FileId": fileID, "SessionContext": strings.Repeat("x", 1001)}, "InvalidParameterValue.SessionContextTooLong"},
		{map[string]any{"FileId": fileID, "SessionId": strings.Repeat("x", 51)}, "InvalidParameterValue.SessionIdTooLong"},
		{map[string]any{"StartTimeOffset": 1}, "MissingParameter"},
	} {
		err := srv.Client().Call(ctx, "ClipVideo", tt.params, nil)
		var re *vodevent.APIError
		if !errors.As(err, &re) || re.Code != tt.code {
			t.Errorf("ClipVideo %v: %v, want %s", tt.params, err, tt.code)
		}
	}

	// A truncated source: the task fails and ClipComplete says why.
	truncated, _ := os.ReadFile("../mp4/testdata/truncated.mp4")
	badID, _ := upload(t, srv, truncated)
	srv.Call(ctx, "ClipVideo", map[string]any{"FileId": badID, "StartTimeOffset": 0, "EndTimeOffset": 1}, &started)
	d = waitClip(t, srv, started.TaskId)
	if d.ClipTask.FileInfo.ErrCode == 0 || d.ClipTask.FileInfo.Message == "" || d.ClipTask.FileInfo.FileId != "" {
		t.Fatalf("clip of a truncated source = %+v", d.ClipTask.FileInfo)
	}
	srv.Call(ctx, "PullEvents", nil, &p)
	found := false
	for _, raw := range p.EventSet {
		if ev := decodeEvent(t, raw); ev.EventType == "ClipComplete" && ev.ClipCompleteEvent.TaskId == started.TaskId {
			found = ev.ClipCompleteEvent.FileInfo.ErrCode != 0
		}
	}
	if !found {
		t.Fatalf("no failed ClipComplete for %s in %s", started.TaskId, p.EventSet)
	}
	get(t, srv.URL+"/healthz")
}

// longSource returns a 40 s 640x360 H.264/AAC MP4 made by ffmpeg.
func longSource(t *testing.T) []byte {
	t.Helper()
	src := filepath.Join(t.TempDir(), "long.mp4")
	gen := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi",
		"-i", "sine=frequency=440:sample_rate=48000", "-t", "40", "-c:v", "libx264", "-preset", "ultrafast", "-g", "60",
		"-c:a", "aac", "-movflags", "+faststart", src)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s (install ffmpeg: apt-get install -y ffmpeg)", err, out)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestClipSurvivesKill kills the server during an Exact clip: its ffmpeg
// child dies within 2 s, and after the restart the task completes, with
// one output file and no scratch left.
func TestClipSurvivesKill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := longSource(t)
	srv := openvodtest.Start(t, openvodtest.Options{Env: []string{"OPENVOD_TASK_LEASE=3s"}})
	fileID, _ := upload(t, srv, data)
	var started struct{ TaskId string }
	srv.Call(ctx, "ClipVideo", map[string]any{"FileId": fileID, "StartTimeOffset": 1, "EndTimeOffset": 39, "Precision": "Exact"}, &started)
	waitFor(t, "the clip to start", func() bool {
		var d clipDetail
		srv.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": started.TaskId}, &d)
		return d.Status == "PROCESSING"
	})
	time.Sleep(300 * time.Millisecond)
	scratch := filepath.Join(srv.DataDir, "scratch")
	children := ffmpegUnder(t, scratch)
	if len(children) != 1 {
		t.Fatalf("%d ffmpeg processes write under %s, want 1", len(children), scratch)
	}
	srv.Kill()
	// The child dies with the server, so the redone task never runs beside it.
	assertDiesWithin(t, children, 2*time.Second)
	srv.Restart()
	d := waitClip(t, srv, started.TaskId)
	if d.ClipTask.FileInfo.ErrCode != 0 {
		t.Fatalf("clip after restart failed: %+v", d.ClipTask.FileInfo)
	}
	var files []string
	filepath.Walk(filepath.Join(srv.DataDir, "media"), func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if len(files) != 2 {
		t.Fatalf("media store holds %d files, want the source and one clip: %v", len(files), files)
	}
	if entries, _ := os.ReadDir(filepath.Join(srv.DataDir, "scratch")); len(entries) != 0 {
		t.Fatalf("%d scratch entries left", len(entries))
	}
	assertNoTempFiles(t, srv.DataDir)
}

// TestClipUnsupportedSource: a fragmented MP4 cannot be cut by the Go
// cutter; it goes to Exact when ffmpeg is installed, else the request is
// UnsupportedOperation with the reason, and Exact without ffmpeg says
// ffmpeg is needed.
func TestClipUnsupportedSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fragmented, err := os.ReadFile("../clip/testdata/fragmented.mp4")
	if err != nil {
		t.Fatal(err)
	}

	withFFmpeg := openvodtest.Start(t, openvodtest.Options{})
	fileID, _ := upload(t, withFFmpeg, fragmented)
	var started struct{ TaskId string }
	withFFmpeg.Call(ctx, "ClipVideo", map[string]any{"FileId": fileID, "StartTimeOffset": 0.5, "EndTimeOffset": 1.5}, &started)
	d := waitClip(t, withFFmpeg, started.TaskId)
	if d.ClipTask.FileInfo.ErrCode != 0 || d.ClipTask.Precision != "Exact" {
		t.Fatalf("fragmented source with ffmpeg: %+v, precision %s; want an Exact clip", d.ClipTask.FileInfo, d.ClipTask.Precision)
	}

	noFFmpeg := openvodtest.Start(t, openvodtest.Options{Env: []string{"PATH=" + t.TempDir()}})
	fileID, _ = upload(t, noFFmpeg, fragmented)
	for _, tt := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"FileId": fileID, "EndTimeOffset": 1}, "fragmented"},
		{map[string]any{"FileId": fileID, "EndTimeOffset": 1, "Precision": "Exact"}, "ffmpeg"},
	} {
		err := noFFmpeg.Client().Call(ctx, "ClipVideo", tt.params, nil)
		var re *vodevent.APIError
		if !errors.As(err, &re) || re.Code != "UnsupportedOperation" || !strings.Contains(re.Message, tt.want) {
			t.Errorf("ClipVideo %v without ffmpeg: %v, want UnsupportedOperation about %s", tt.params, err, tt.want)
		}
	}
}
