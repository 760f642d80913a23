package e2e

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/hls/hlstest"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/vodevent"
)

// TestEditMediaKilled SIGKILLs the server while an EditMedia re-encodes
// (sources of different sizes) and restarts it: the task finishes once,
// with one EditMediaComplete, its file whole (ffprobe: the pieces'
// duration); and once the janitor has swept, the media store holds only
// the sources and the committed file, although a late attempt left one.
func TestEditMediaKilled(t *testing.T) {
	if !ffmpeg.Available() {
		t.Fatal("ffmpeg is not installed: apt-get install ffmpeg")
	}
	ctx := context.Background()
	srv := openvodtest.Start(t, openvodtest.Options{Env: []string{"OPENVOD_TASK_LEASE=2s",
		"OPENVOD_UPLOAD_TTL=3s", "OPENVOD_JANITOR_INTERVAL=500ms", "OPENVOD_ORPHAN_SWEEP_INTERVAL=1s"}})
	a, b := uploadSource(t, srv, "640x360", 10), uploadSource(t, srv, "320x240", 10)
	var accepted struct{ TaskId string }
	srv.Call(ctx, "EditMedia", map[string]any{"InputType": "File", "FileInfos": []map[string]any{
		{"FileId": a, "StartTimeOffset": 0, "EndTimeOffset": 8}, {"FileId": b, "StartTimeOffset": 1, "EndTimeOffset": 9},
	}}, &accepted)
	detail := func() (string, *vodevent.EditMediaTask) {
		t.Helper()
		var d struct {
			Status        string
			EditMediaTask *vodevent.EditMediaTask
		}
		srv.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": accepted.TaskId}, &d)
		return d.Status, d.EditMediaTask
	}
	waitFor(t, "the edit to start", func() bool { s, _ := detail(); return s == "PROCESSING" })
	srv.Kill()
	srv.Restart()
	waitFor(t, "the edit to finish", func() bool { s, _ := detail(); return s == "FINISH" })
	_, task := detail()
	if task.ErrCode != 0 || task.JoinMethod != vodevent.JoinReencode {
		t.Fatalf("finished edit %+v", task)
	}
	if !strings.Contains(task.Output.FileUrl, ".a2.mp4") {
		t.Errorf("the file %s is not the second attempt's: the kill came after the first finished", task.Output.FileUrl)
	}
	out := filepath.Join(t.TempDir(), "out.mp4")
	if err := os.WriteFile(out, get(t, task.Output.FileUrl), 0o644); err != nil {
		t.Fatal(err)
	}
	if d := ffprobeDuration(t, out); d < 15.9 || d > 16.1 {
		t.Fatalf("the joined file lasts %g s, want 16", d)
	}
	// A late attempt that lost its lease writes after the finish.
	key := mediaKey(srv, task.Output.FileUrl)
	blobs := mediaStore(t, srv)
	late := openvod.AttemptKey(openvod.AttemptOutputKey(key), 7)
	if _, err := blobs.Put(ctx, late, strings.NewReader("late"), 0); err != nil {
		t.Fatal(err)
	}

	var edits []*vodevent.EditMediaTask
	for _, ev := range pullAll(t, srv) {
		if ev.EventType == vodevent.TypeEditMediaComplete {
			edits = append(edits, ev.EditMediaCompleteEvent)
		}
	}
	if len(edits) != 1 || edits[0].TaskId != accepted.TaskId || edits[0].Output.FileId != task.Output.FileId {
		t.Fatalf("%d EditMediaComplete events, want 1 of the task's file", len(edits))
	}

	// No orphan: the sources and the committed file only.
	var srcKeys []string
	for _, id := range []string{a, b} {
		var r struct {
			MediaInfoSet []struct{ BasicInfo struct{ MediaUrl string } }
		}
		srv.Call(ctx, "DescribeMediaInfos", map[string]any{"FileIds": []string{id}}, &r)
		srcKeys = append(srcKeys, mediaKey(srv, r.MediaInfoSet[0].BasicInfo.MediaUrl))
	}
	want := append(srcKeys, key)
	slices.Sort(want)
	waitFor(t, "the janitor's sweep", func() bool {
		return slices.Equal(storedKeys(t, blobs, strconv.FormatInt(openvod.DefaultSubAppID, 10)+"/"), want)
	})
}

// TestFastEditMediaHLS joins two ranges of a file with FastEditMedia (a
// stream copy: the new file's edit lists have one media entry per piece)
// and reads the new media's on-the-fly HLS, as DescribeMediaInfos lists
// it: the master playlist answers 200 and passes the strict playlist
// check, and so does each media playlist, with one discontinuity at the
// second piece's start in both the video and the audio playlist, the
// second period mapping an init segment of its own; every init and media
// segment answers 200, and the EXTINF sum is the pieces' duration.
func TestFastEditMediaHLS(t *testing.T) {
	t.Parallel()
	srv := openvodtest.Start(t, openvodtest.Options{})
	master := hlsURL(t, srv, fastEditTwo(t, srv))
	base := master[:strings.LastIndexByte(master, '/')+1]
	mi := hlstest.CheckMaster(t, string(get(t, master)))
	if mi.AudioURI == "" || len(mi.URIs) != 1 {
		t.Fatalf("master playlist: variants %v, audio %q; want the video and the audio rendition", mi.URIs, mi.AudioURI)
	}
	var starts []float64
	for _, uri := range []string{mi.URI, mi.AudioURI} {
		media := hlstest.CheckMedia(t, string(get(t, base+uri)))
		if len(media.Discontinuities) != 1 || media.Maps[0] == media.Maps[len(media.Maps)-1] {
			t.Fatalf("%s: discontinuities before segments %v, maps %v; want one, and the second piece's own init", uri, media.Discontinuities, media.Maps)
		}
		if math.Abs(media.Duration-fastEditDuration) > 0.05 {
			t.Errorf("%s: EXTINF sum %.6f s, want the pieces' %.1f s", uri, media.Duration, fastEditDuration)
		}
		at := 0.0
		for n, seg := range media.URIs {
			if n == media.Discontinuities[0] {
				starts = append(starts, at)
			}
			at += media.ExtInf[n]
			if n == 0 || media.Maps[n] != media.Maps[n-1] {
				get(t, base+media.Maps[n])
			}
			get(t, base+seg)
		}
	}
	if math.Abs(starts[0]-fastEditSecond) > 1e-3 || math.Abs(starts[1]-starts[0]) > 1e-5 {
		t.Errorf("the second piece starts at %.6f s in the video playlist, %.6f s in the audio; want 7.5 s in both", starts[0], starts[1])
	}
}

// fastEditDuration is the duration of fastEditTwo's join, and
// fastEditSecond where its second piece starts.
const fastEditDuration, fastEditSecond = 7.5 + 5.7, 7.5

// fastEditTwo uploads a 40 s source, joins 12.5-20 s and 3.3-9 s of it
// with FastEditMedia, waits for the task and returns the new FileId.
func fastEditTwo(t *testing.T, srv *openvodtest.Server) string {
	t.Helper()
	src, _ := upload(t, srv, longSource(t))
	var accepted struct{ FileId, TaskId string }
	srv.Call(context.Background(), "FastEditMedia", map[string]any{"FileInfos": []map[string]any{
		{"FileId": src, "StartTimeOffset": 12.5, "EndTimeOffset": 20}, {"FileId": src, "StartTimeOffset": 3.3, "EndTimeOffset": 9},
	}}, &accepted)
	waitFor(t, "the edit to finish", func() bool { return taskStatus(t, srv, accepted.TaskId) == "FINISH" })
	return accepted.FileId
}
