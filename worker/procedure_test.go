package worker_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
	"github.com/openvod/openvod/worker"
)

type procBundle struct {
	st    store.Store
	blobs blob.Bucket
	svc   *media.Service
	run   *queue.Runner
	now   time.Time
}

// newProcBundle runs a procedure worker on a fresh SQLite store and the
// media store blobs (a local one when nil).
func newProcBundle(t *testing.T, blobs blob.Bucket) *procBundle {
	t.Helper()
	if !ffmpeg.Available() {
		t.Fatal("ffmpeg is not installed: apt-get install ffmpeg")
	}
	dir := t.TempDir()
	if blobs == nil {
		blobs = localMedia(t, dir)
	}
	e := newTaskEnv(t, dir, blobs)
	runner := e.run(t, openvod.TaskProcedure, &worker.Procedure{
		Media: e.svc, Blobs: blobs, Events: e.events, Logger: e.logger, ScratchDir: e.scratch, NowFunc: func() time.Time { return e.now },
	})
	return &procBundle{st: e.st, blobs: blobs, svc: e.svc, run: runner, now: e.now}
}

// makeSource writes an H.264/AAC MP4 of 640x360 at 25 fps with a keyframe
// a second, of seconds, into dir.
func makeSource(t *testing.T, dir string, seconds string) string {
	t.Helper()
	path := filepath.Join(dir, "src.mp4")
	err := ffmpeg.Run(context.Background(), ffmpeg.Cmd{Timeout: time.Minute, Args: []string{
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", seconds, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
		"-c:a", "aac", "-b:a", "128k", "-ac", "2", "-f", "mp4", path}})
	if err != nil {
		t.Fatalf("making the source: %v", err)
	}
	return path
}

// addMedia stores the file as a media record of the default app.
func (b *procBundle) addMedia(t *testing.T, path string) *openvod.Media {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	key := media.NewStorageKey(openvod.DefaultSubAppID, "mp4")
	if _, err := b.blobs.Put(ctx, key, f, 0); err != nil {
		t.Fatal(err)
	}
	m, err := b.svc.NewMedia(ctx, media.NewMediaParams{SubAppID: openvod.DefaultSubAppID, Name: "src", Type: "mp4",
		StorageKey: key, SourceType: "Upload", ExpireTime: openvod.NeverExpire, Now: b.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.st.MediaInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// newFlow returns the task of task on m as tcapi accepts it (its
// templates resolved), not stored.
func (b *procBundle) newFlow(t *testing.T, m *openvod.Media, task vodevent.MediaProcessTaskInput, mode string) *openvod.Task {
	t.Helper()
	res, err := templates.Resolve(context.Background(), b.st, openvod.DefaultSubAppID, &task)
	if err != nil {
		t.Fatal(err)
	}
	flow, err := proctask.New(openvod.DefaultSubAppID, &proctask.Input{FileId: m.FileID, SrcStorageKey: m.StorageKey, Task: task,
		Templates: *res, TasksNotifyMode: mode, SessionContext: "ctx"}, b.now)
	if err != nil {
		t.Fatal(err)
	}
	return flow
}

// wait returns the task once it is finished.
func (b *procBundle) wait(t *testing.T, id string, within time.Duration) *openvod.Task {
	t.Helper()
	got, _ := b.waitProgress(t, id, within)
	return got
}

// waitProgress returns the task once it is finished, and the progress
// values it showed while it ran, each once, in order.
func (b *procBundle) waitProgress(t *testing.T, id string, within time.Duration) (*openvod.Task, []int64) {
	t.Helper()
	var seen []int64
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		got, err := b.st.TaskGet(context.Background(), openvod.DefaultSubAppID, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == openvod.TaskFinish {
			return got, seen
		}
		if got.Status == openvod.TaskProcessing && (len(seen) == 0 || seen[len(seen)-1] != got.Progress) {
			seen = append(seen, got.Progress)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("task %s did not finish within %s", id, within)
	return nil, nil
}

// procEvents returns the ProcedureStateChanged events of the app, in order.
func procEvents(t *testing.T, st store.Store) []*vodevent.ProcedureTask {
	t.Helper()
	events, err := st.EventList(context.Background(), &store.EventListParams{SubAppID: openvod.DefaultSubAppID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []*vodevent.ProcedureTask
	for _, e := range events {
		if e.Type != vodevent.TypeProcedureStateChanged {
			continue
		}
		var c vodevent.EventContent
		if err := json.Unmarshal(e.Body, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c.ProcedureStateChangeEvent)
	}
	return out
}

// probed is what ffprobe reads of a file.
type probed struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Width     int64  `json:"width"`
		Height    int64  `json:"height"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// ffprobe reads the bytes of key with ffprobe.
func (b *procBundle) ffprobe(t *testing.T, key string) *probed {
	t.Helper()
	path := filepath.Join(t.TempDir(), filepath.Base(key))
	if err := os.WriteFile(path, b.read(t, key), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-of", "json", "-show_streams", "-show_format", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v (apt-get install ffmpeg)", key, err)
	}
	var p probed
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func (b *procBundle) read(t *testing.T, key string) []byte {
	t.Helper()
	o, err := b.blobs.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer o.Close()
	data, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// keyOf is the blob key of an output URL.
func keyOf(t *testing.T, url string) string {
	t.Helper()
	key, ok := strings.CutPrefix(url, "http://vod.test/vod/")
	if !ok {
		t.Fatalf("URL %q is not a media URL", url)
	}
	return key
}

// fullFlow is a flow of every kind of sub-task on a 4 s source: two MP4
// transcodes of the whole source (one decode), an HLS one of 1 s to 3 s,
// an animated graphic outside the source (it fails), snapshots, sample
// snapshots, a sprite, a cover and an adaptive stream.
func fullFlow() vodevent.MediaProcessTaskInput {
	return vodevent.MediaProcessTaskInput{
		TranscodeTaskSet:                []vodevent.TranscodeTaskInput{{Definition: 100010}, {Definition: 100210, StartTimeOffset: 1, EndTimeOffset: 3}, {Definition: 100020}},
		AnimatedGraphicTaskSet:          []vodevent.AnimatedGraphicTaskInput{{Definition: 20000, StartTimeOffset: 40, EndTimeOffset: 42}, {Definition: 20000, StartTimeOffset: 1, EndTimeOffset: -2}},
		SnapshotByTimeOffsetTaskSet:     []vodevent.SnapshotByTimeOffsetTaskInput{{Definition: 10, ExtTimeOffsetSet: []string{"1s", "50%"}}},
		SampleSnapshotTaskSet:           []vodevent.SampleSnapshotTaskInput{{Definition: 10}},
		ImageSpriteTaskSet:              []vodevent.ImageSpriteTaskInput{{Definition: 10}},
		CoverBySnapshotTaskSet:          []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: "Time", PositionValue: 1}},
		AdaptiveDynamicStreamingTaskSet: []vodevent.AdaptiveDynamicStreamingTaskInput{{Definition: 10}},
	}
}

// checkFullFlow checks the finished flow of fullFlow on m: every result,
// its outputs' records, bytes and event.
func (b *procBundle) checkFullFlow(t *testing.T, m *openvod.Media, task *openvod.Task) {
	t.Helper()
	view, err := proctask.View(task)
	if err != nil {
		t.Fatal(err)
	}
	if view.Status != "FINISH" || view.FileId != m.FileID || view.FileName != "src" || view.MetaData == nil || view.MetaData.Width != 640 ||
		len(view.MediaProcessResultSet) != 10 {
		t.Fatalf("view = %+v", view)
	}
	types := []string{}
	for _, r := range view.MediaProcessResultSet {
		types = append(types, r.Type)
	}
	if want := []string{"Transcode", "Transcode", "Transcode", "AnimatedGraphics", "AnimatedGraphics", "SnapshotByTimeOffset", "SampleSnapshot",
		"ImageSprites", "CoverBySnapshot", "AdaptiveDynamicStreaming"}; !slices.Equal(types, want) {
		t.Fatalf("result types = %v", types)
	}
	rs := view.MediaProcessResultSet
	for i, def := range []int64{100010, 0, 100020} {
		if def == 0 {
			continue
		}
		tr := rs[i].TranscodeTask
		if tr.Status != "SUCCESS" || tr.Output == nil || tr.Progress != 100 || tr.FinishTime == "" {
			t.Fatalf("transcode %d = %+v", def, tr)
		}
		o := tr.Output
		short := map[int64]int64{100010: 360, 100020: 540}[def]
		if o.Definition != def || o.Height != short || o.Container != "mov,mp4,m4a,3gp,3g2,mj2" || o.Duration < 3.9 || o.Duration > 4.1 ||
			len(o.VideoStreamSet) != 1 || len(o.AudioStreamSet) != 1 || o.Bitrate <= 0 || !strings.HasSuffix(o.Url, ".mp4") {
			t.Fatalf("transcode %d output = %+v", def, o)
		}
		p := b.ffprobe(t, keyOf(t, o.Url))
		if len(p.Streams) != 2 || p.Streams[0].CodecName != "h264" || p.Streams[0].Height != short || p.Streams[1].CodecName != "aac" {
			t.Fatalf("ffprobe of transcode %d: %+v", def, p)
		}
		stored := b.read(t, keyOf(t, o.Url))
		if size := int64(len(stored)); size != o.Size || o.Md5 != fmt.Sprintf("%x", md5.Sum(stored)) {
			t.Fatalf("transcode %d: Size %d, Md5 %s; %d bytes stored", def, o.Size, o.Md5, size)
		}
	}
	hls := rs[1].TranscodeTask
	if hls.Status != "SUCCESS" || hls.Output.Duration != 2 || !strings.HasSuffix(hls.Output.Url, ".m3u8") || hls.Output.Size <= 0 || hls.Output.Md5 != "" {
		t.Fatalf("HLS transcode = %+v %+v", hls, hls.Output)
	}
	// The playlist names its segments, stored beside it.
	playlist := keyOf(t, hls.Output.Url)
	var segs int
	for _, line := range strings.Split(string(b.read(t, playlist)), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			b.read(t, playlist[:strings.LastIndexByte(playlist, '/')+1]+line)
			segs++
		}
	}
	if segs == 0 {
		t.Fatalf("the HLS playlist names no segment")
	}
	if gif := rs[3].AnimatedGraphicTask; gif.Status != "FAIL" || gif.ErrCodeExt != "InvalidInput.InvalidTimeOffset" || gif.ErrCode != 40000 ||
		gif.Output != nil || gif.Message == "" {
		t.Fatalf("failed animated graphic = %+v", gif)
	}
	gif := rs[4].AnimatedGraphicTask
	if gif.Status != "SUCCESS" || gif.Output.Container != "gif" || gif.Output.StartTimeOffset != 1 || gif.Output.EndTimeOffset != -2 {
		t.Fatalf("animated graphic = %+v %+v", gif, gif.Output)
	}
	if stored := b.read(t, keyOf(t, gif.Output.Url)); !bytes.HasPrefix(stored, []byte("GIF89a")) || int64(len(stored)) != gif.Output.Size ||
		gif.Output.Md5 != fmt.Sprintf("%x", md5.Sum(stored)) || gif.Output.Bitrate != gif.Output.Size*8 {
		t.Fatalf("animated graphic: %d bytes stored, output %+v", len(stored), gif.Output)
	}
	snap := rs[5].SnapshotByTimeOffsetTask
	if snap.Status != "SUCCESS" || len(snap.Output.PicInfoSet) != 2 || snap.Output.PicInfoSet[0].TimeOffset != 1000 || snap.Output.PicInfoSet[1].TimeOffset != 2000 {
		t.Fatalf("snapshots = %+v", snap.Output)
	}
	for _, pic := range snap.Output.PicInfoSet {
		if p := b.ffprobe(t, keyOf(t, pic.Url)); len(p.Streams) != 1 || p.Streams[0].Width != 640 || p.Streams[0].Height != 360 {
			t.Fatalf("snapshot %s: %+v", pic.Url, p)
		}
	}
	if s := rs[6].SampleSnapshotTask; s.Status != "SUCCESS" || len(s.Output.ImageUrlSet) != 10 || s.Output.SampleType != "Percent" || s.Output.Interval != 10 {
		t.Fatalf("sample snapshots = %+v %+v", s, s.Output)
	}
	sp := rs[7].ImageSpriteTask
	if sp.Status != "SUCCESS" || len(sp.Output.ImageUrlSet) != 1 || sp.Output.Width != 142 || sp.Output.Height != 80 || sp.Output.TotalCount != 1 {
		t.Fatalf("sprite = %+v %+v", sp, sp.Output)
	}
	vtt := string(b.read(t, keyOf(t, sp.Output.WebVttUrl)))
	if want := "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n" + sp.Output.ImageUrlSet[0] + "#xywh=0,0,142,80\n"; vtt != want {
		t.Fatalf("WebVTT =\n%s\nwant\n%s", vtt, want)
	}
	cover := rs[8].CoverBySnapshotTask
	if cover.Status != "SUCCESS" || !strings.HasSuffix(cover.Output.CoverUrl, ".jpg") {
		t.Fatalf("cover = %+v", cover)
	}
	abr := rs[9].AdaptiveDynamicStreamingTask
	if abr.Status != "SUCCESS" || abr.Output.Package != "HLS" || !strings.HasSuffix(abr.Output.Url, "/master.m3u8") || len(abr.Output.SubStreamSet) == 0 {
		t.Fatalf("adaptive stream = %+v %+v", abr, abr.Output)
	}
	var sum int64
	for _, s := range abr.Output.SubStreamSet {
		sum += s.Size
	}
	if sum <= 0 || sum >= abr.Output.Size {
		t.Fatalf("adaptive stream Size %d, rungs' %d", abr.Output.Size, sum)
	}

	// The records: one output per sub-task done, whose keys hold bytes
	// and whose item is the result's output.
	outs, err := b.st.MediaOutputList(context.Background(), openvod.DefaultSubAppID, []string{m.FileID})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 9 {
		t.Fatalf("%d outputs recorded, want 9", len(outs))
	}
	var total int
	for _, o := range outs {
		if o.TaskID != task.ID || len(o.Keys) == 0 {
			t.Fatalf("output %+v", o)
		}
		for _, k := range o.Keys {
			if !strings.HasPrefix(k, task.OutputKey+"a1/") {
				t.Fatalf("key %s is not under the attempt's prefix", k)
			}
			if _, err := b.blobs.Stat(context.Background(), k); err != nil {
				t.Fatalf("output key %s: %v", k, err)
			}
			total++
		}
	}
	stored, err := b.blobs.List(context.Background(), task.OutputKey)
	if err != nil || len(stored) != total {
		t.Fatalf("%d objects under the task's prefix (%v), %d recorded", len(stored), err, total)
	}

	// One event, FINISH, which is the view.
	events := procEvents(t, b.st)
	if len(events) != 1 {
		t.Fatalf("%d ProcedureStateChanged events, want 1", len(events))
	}
	got, _ := vodevent.Marshal(events[0])
	want, _ := vodevent.Marshal(view)
	if !bytes.Equal(got, want) {
		t.Fatalf("event =\n%s\nview\n%s", got, want)
	}
}

// TestProcedureWorker runs a flow of every kind of sub-task with the real
// engine on local disk: outputs recorded and stored, the failed sub-task
// beside the others, one FINISH event.
func TestProcedureWorker(t *testing.T) {
	b := newProcBundle(t, nil)
	m := b.addMedia(t, makeSource(t, t.TempDir(), "4"))
	task := b.newFlow(t, m, fullFlow(), proctask.NotifyFinish)
	if err := b.st.TaskInsert(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	b.run.Wake()
	done, progress := b.waitProgress(t, task.ID, 3*time.Minute)
	b.checkFullFlow(t, m, done)
	t.Logf("progress while running: %v", progress)
	// The task's progress grew while it ran, never to 100 before the end.
	if len(progress) < 3 || !slices.IsSorted(progress) || progress[len(progress)-1] >= 100 {
		t.Fatalf("progress while running = %v", progress)
	}
}

// TestProcedureOnS3: the same flow with the media on S3 (ffmpeg reads a
// presigned URL; the snapshots' cuts are ranged reads of the object).
func TestProcedureOnS3(t *testing.T) {
	srv := s3test.Start(t)
	b := newProcBundle(t, s3test.Open(t, srv.NewBucket(t)))
	m := b.addMedia(t, makeSource(t, t.TempDir(), "4"))
	task := b.newFlow(t, m, fullFlow(), proctask.NotifyFinish)
	if err := b.st.TaskInsert(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	b.run.Wake()
	b.checkFullFlow(t, m, b.wait(t, task.ID, 3*time.Minute))
}

// TestProcedureStoreDownRetried: a flow that finds the media store down
// fails no sub-task: it is tried again and succeeds once the store is back.
func TestProcedureStoreDownRetried(t *testing.T) {
	srv := s3test.Start(t)
	b := newProcBundle(t, s3test.Open(t, srv.NewBucket(t)))
	m := b.addMedia(t, makeSource(t, t.TempDir(), "2"))
	task := b.newFlow(t, m, vodevent.MediaProcessTaskInput{
		TranscodeTaskSet:       []vodevent.TranscodeTaskInput{{Definition: 100010}},
		CoverBySnapshotTaskSet: []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: "Percent", PositionValue: 50}},
	}, proctask.NotifyFinish)
	srv.Stop()
	if err := b.st.TaskInsert(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	b.run.Wake()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := b.st.TaskGet(context.Background(), openvod.DefaultSubAppID, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == openvod.TaskFinish || len(got.State) > 0 {
			t.Fatalf("the flow recorded results with the store down: %s", got.State)
		}
		if got.Attempts >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no second attempt within 30 s: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.Restart(t)
	view, err := proctask.View(b.wait(t, task.ID, 2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if tr, c := view.MediaProcessResultSet[0].TranscodeTask, view.MediaProcessResultSet[1].CoverBySnapshotTask; tr.Status != "SUCCESS" || c.Status != "SUCCESS" {
		t.Fatalf("after the store came back: %+v %+v", tr, c)
	}
	if events := procEvents(t, b.st); len(events) != 1 || events[0].Status != "FINISH" {
		t.Fatalf("events = %+v", events)
	}
}

// TestProcedureFailuresStandAlone: on an audio-only source, the video
// transcode and the snapshots fail with SourceFileError.NoVideoMedia while
// the audio transcode of the same range (asked in the same decode) is
// made; a source openvod's parser cannot read fails every sub-task with
// 60000 (and, in TasksNotifyMode None, sends no event).
func TestProcedureFailuresStandAlone(t *testing.T) {
	b := newProcBundle(t, nil)
	path := filepath.Join(t.TempDir(), "audio.mp4")
	if err := ffmpeg.Run(context.Background(), ffmpeg.Cmd{Timeout: time.Minute, Args: []string{
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "2", "-c:a", "aac", "-ac", "2", "-f", "mp4", path}}); err != nil {
		t.Fatal(err)
	}
	audio := b.addMedia(t, path)
	task := b.newFlow(t, audio, vodevent.MediaProcessTaskInput{
		TranscodeTaskSet:            []vodevent.TranscodeTaskInput{{Definition: 100010}, {Definition: 1100}},
		SnapshotByTimeOffsetTaskSet: []vodevent.SnapshotByTimeOffsetTaskInput{{Definition: 10, ExtTimeOffsetSet: []string{"1s"}}},
	}, proctask.NotifyFinish)
	if err := b.st.TaskInsert(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	b.run.Wake()
	view, err := proctask.View(b.wait(t, task.ID, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	rs := view.MediaProcessResultSet
	if v := rs[0].TranscodeTask; v.Status != "FAIL" || v.ErrCodeExt != "SourceFileError.NoVideoMedia" || v.ErrCode != 60000 {
		t.Fatalf("video transcode of an audio source = %+v", v)
	}
	if a := rs[1].TranscodeTask; a.Status != "SUCCESS" || a.Output == nil || len(a.Output.AudioStreamSet) != 1 ||
		len(a.Output.VideoStreamSet) != 0 || !strings.HasSuffix(a.Output.Url, ".m4a") {
		t.Fatalf("audio transcode = %+v %+v", a, a.Output)
	}
	if s := rs[2].SnapshotByTimeOffsetTask; s.Status != "FAIL" || s.ErrCodeExt != "SourceFileError.NoVideoMedia" || s.Output != nil {
		t.Fatalf("snapshot of an audio source = %+v", s)
	}
	if outs, _ := b.st.MediaOutputList(context.Background(), openvod.DefaultSubAppID, []string{audio.FileID}); len(outs) != 1 {
		t.Fatalf("%d outputs recorded, want the audio transcode's", len(outs))
	}

	junk := filepath.Join(t.TempDir(), "junk.mp4")
	os.WriteFile(junk, bytes.Repeat([]byte("not a movie "), 100), 0o644)
	bad := b.addMedia(t, junk)
	task = b.newFlow(t, bad, vodevent.MediaProcessTaskInput{
		TranscodeTaskSet:       []vodevent.TranscodeTaskInput{{Definition: 100010}},
		CoverBySnapshotTaskSet: []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: "Time", PositionValue: 0}},
	}, proctask.NotifyNone)
	if err := b.st.TaskInsert(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	b.run.Wake()
	view, err = proctask.View(b.wait(t, task.ID, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	tr, c := view.MediaProcessResultSet[0].TranscodeTask, view.MediaProcessResultSet[1].CoverBySnapshotTask
	if tr.Status != "FAIL" || tr.ErrCode != 60000 || tr.ErrCodeExt != "SourceFileError.ContentUnsupported" || c.Status != "FAIL" || c.ErrCode != 60000 {
		t.Fatalf("flow of an unreadable source: %+v %+v", tr, c)
	}
	// The first flow's FINISH, none of the second (TasksNotifyMode None).
	if events := procEvents(t, b.st); len(events) != 1 || events[0].FileId != audio.FileID {
		t.Fatalf("events = %+v", events)
	}
}

// TestProcedureMediaDeleted: media deleted while its flow runs fails the
// sub-tasks not done with SourceFileError, and no file of the flow is left.
func TestProcedureMediaDeleted(t *testing.T) {
	b := newProcBundle(t, nil)
	m := b.addMedia(t, makeSource(t, t.TempDir(), "8"))
	task := b.newFlow(t, m, vodevent.MediaProcessTaskInput{
		CoverBySnapshotTaskSet:          []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: "Time", PositionValue: 1}},
		AdaptiveDynamicStreamingTaskSet: []vodevent.AdaptiveDynamicStreamingTaskInput{{Definition: 10}},
	}, proctask.NotifyFinish)
	ctx := context.Background()
	if err := b.st.TaskInsert(ctx, task); err != nil {
		t.Fatal(err)
	}
	b.run.Wake()
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := b.st.TaskGet(ctx, openvod.DefaultSubAppID, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.State) > 0 {
			if got.Status == openvod.TaskFinish {
				t.Fatal("the flow finished before the media was deleted")
			}
			break // the cover is recorded; the adaptive stream runs
		}
		if time.Now().After(deadline) {
			t.Fatal("no step recorded within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := b.svc.Delete(ctx, openvod.DefaultSubAppID, m.FileID); err != nil {
		t.Fatal(err)
	}
	view, err := proctask.View(b.wait(t, task.ID, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	cover, abr := view.MediaProcessResultSet[0].CoverBySnapshotTask, view.MediaProcessResultSet[1].AdaptiveDynamicStreamingTask
	if cover.Status != "SUCCESS" || abr.Status != "FAIL" || abr.ErrCodeExt != "SourceFileError" || abr.ErrCode != 60000 ||
		!strings.Contains(abr.Message, "deleted") {
		t.Fatalf("cover %+v, adaptive stream %+v", cover, abr)
	}
	if left, err := b.blobs.List(ctx, task.OutputKey); err != nil || len(left) != 0 {
		t.Fatalf("files left under the flow's prefix: %v (%v)", left, err)
	}
}
