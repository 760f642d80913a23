package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/task2017"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
	"github.com/openvod/openvod/worker"
)

// newTask2017Bundle runs the procedure worker for the three 2017-style
// task types (one queue each, as the server's one queue serves them all)
// on a fresh SQLite store and local media store.
func newTask2017Bundle(t *testing.T) *procBundle {
	t.Helper()
	if !ffmpeg.Available() {
		t.Fatal("ffmpeg is not installed: apt-get install ffmpeg")
	}
	dir := t.TempDir()
	blobs := localMedia(t, dir)
	e := newTaskEnv(t, dir, blobs)
	h := &worker.Procedure{Media: e.svc, Blobs: blobs, Events: e.events, Logger: e.logger, ScratchDir: e.scratch, NowFunc: func() time.Time { return e.now }}
	b := &procBundle{st: e.st, blobs: blobs, svc: e.svc, now: e.now}
	for _, typ := range []openvod.TaskType{openvod.TaskTranscode, openvod.TaskImageSprite, openvod.TaskSnapshotByTimeOffset} {
		b.run = e.run(t, typ, h)
	}
	return b
}

// start2017 stores and returns a 2017-style task of typ running task on
// m, as tcapi accepts it.
func (b *procBundle) start2017(t *testing.T, typ openvod.TaskType, m *openvod.Media, task vodevent.MediaProcessTaskInput) *openvod.Task {
	t.Helper()
	ctx := context.Background()
	res, err := templates.Resolve(ctx, b.st, openvod.DefaultSubAppID, &task)
	if err != nil {
		t.Fatal(err)
	}
	flow, err := task2017.New(openvod.DefaultSubAppID, typ, &proctask.Input{FileId: m.FileID, SrcStorageKey: m.StorageKey, Task: task, Templates: *res}, b.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.st.TaskInsert(ctx, flow); err != nil {
		t.Fatal(err)
	}
	return flow
}

// events returns the app's events, in order.
func events(t *testing.T, st store.Store) []*vodevent.EventContent {
	t.Helper()
	list, err := st.EventList(context.Background(), &store.EventListParams{SubAppID: openvod.DefaultSubAppID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []*vodevent.EventContent
	for _, e := range list {
		var c vodevent.EventContent
		if err := json.Unmarshal(e.Body, &c); err != nil {
			t.Fatal(err)
		}
		if c.EventType != e.Type {
			t.Fatalf("event of type %s holds a %s body", e.Type, c.EventType)
		}
		out = append(out, &c)
	}
	return out
}

// outputsOf returns the media outputs of m of kind, by Definition.
func (b *procBundle) outputsOf(t *testing.T, m *openvod.Media, kind string) map[int64]*openvod.MediaOutput {
	t.Helper()
	list, err := b.st.MediaOutputList(context.Background(), openvod.DefaultSubAppID, []string{m.FileID})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]*openvod.MediaOutput{}
	for _, o := range list {
		if o.Kind == kind {
			out[o.Definition] = o
		}
	}
	return out
}

// TestTask2017Worker runs a ConvertVodFile, a CreateImageSprite and a
// CreateSnapshotByTimeOffset task on a 5 s source with the real engine:
// each finishes with exactly its one 2017 event (no
// ProcedureStateChanged), which DescribeTaskDetail's view repeats, whose
// URLs name the bytes stored (ffprobe: sizes, durations, counts), and
// whose outputs are recorded as ProcessMedia records them.
func TestTask2017Worker(t *testing.T) {
	b := newTask2017Bundle(t)
	ctx := context.Background()
	m := b.addMedia(t, makeSource(t, t.TempDir(), "5"))
	const cover = "http://vod.test/vod/1500000001/cover/c.jpg"
	if _, err := b.st.MediaOutputPut(ctx, &openvod.MediaOutput{SubAppID: m.SubAppID, FileID: m.FileID, Kind: vodevent.ResultCoverBySnapshot,
		Definition: 10, Item: []byte(`{"CoverUrl":"` + cover + `"}`), TaskID: "earlier", CreateTime: b.now}); err != nil {
		t.Fatal(err)
	}
	sprite, err := templates.Create(ctx, b.st, openvod.DefaultSubAppID, &templates.ImageSprite{Name: "2x2", Width: 160, Height: 90,
		SampleType: "Time", SampleInterval: 1, RowCount: 2, ColumnCount: 2, FillType: "black", Format: "jpg", ResolutionAdaptive: "open"}, b.now)
	if err != nil {
		t.Fatal(err)
	}

	convert := b.start2017(t, openvod.TaskTranscode, m, vodevent.MediaProcessTaskInput{TranscodeTaskSet: []vodevent.TranscodeTaskInput{{Definition: 100020}, {Definition: 100010}}})
	sheets := b.start2017(t, openvod.TaskImageSprite, m, vodevent.MediaProcessTaskInput{ImageSpriteTaskSet: []vodevent.ImageSpriteTaskInput{{Definition: sprite.Definition}}})
	snaps := b.start2017(t, openvod.TaskSnapshotByTimeOffset, m, vodevent.MediaProcessTaskInput{SnapshotByTimeOffsetTaskSet: []vodevent.SnapshotByTimeOffsetTaskInput{{
		Definition: 10, ExtTimeOffsetSet: []string{"50%", "4.5s"}, TimeOffsetSet: []float64{500, 1001.4}}}})
	b.run.Wake()
	finished := map[string]*openvod.Task{}
	for _, task := range []*openvod.Task{convert, sheets, snaps} {
		finished[task.ID] = b.wait(t, task.ID, 3*time.Minute)
	}

	// One event per task, its own 2017 event, the same as the task's view.
	byTask := map[string]*vodevent.EventContent{}
	for _, e := range events(t, b.st) {
		var id string
		switch e.EventType {
		case vodevent.TypeTranscodeComplete:
			id = e.TranscodeCompleteEvent.TaskId
		case vodevent.TypeCreateImageSpriteComplete:
			id = e.CreateImageSpriteCompleteEvent.TaskId
		case vodevent.TypeCreateSnapshotByTimeOffsetComplete:
			id = e.SnapshotByTimeOffsetCompleteEvent.TaskId
		default:
			t.Fatalf("unexpected %s event", e.EventType)
		}
		if byTask[id] != nil {
			t.Fatalf("a second event of task %s", id)
		}
		byTask[id] = e
		view, err := task2017.Event(finished[id])
		if err != nil {
			t.Fatal(err)
		}
		got, _ := vodevent.Marshal(e)
		want, _ := vodevent.Marshal(view)
		if !bytes.Equal(got, want) {
			t.Fatalf("event\n%s\nview of the finished task\n%s", got, want)
		}
	}
	if len(byTask) != 3 {
		t.Fatalf("events of %d tasks, want 3", len(byTask))
	}

	// TranscodeComplete: the original, then each Definition as asked.
	tc := byTask[convert.ID].TranscodeCompleteEvent
	if tc.ErrCode != 0 || tc.Message != "SUCCESS" || tc.FileId != m.FileID || tc.FileName != "src" || tc.Duration != 5 || tc.CoverUrl != cover ||
		len(tc.PlayInfoSet) != 3 {
		t.Fatalf("TranscodeComplete = %+v", tc)
	}
	if o := tc.PlayInfoSet[0]; o.Definition != 0 || o.Url != b.svc.URL(m.StorageKey) || o.Width != 640 || o.Height != 360 || o.Bitrate <= 0 {
		t.Fatalf("original = %+v", o)
	}
	recorded := b.outputsOf(t, m, vodevent.ResultTranscode)
	for i, def := range []int64{100020, 100010} {
		o := tc.PlayInfoSet[i+1]
		short := map[int64]int64{100010: 360, 100020: 540}[def]
		if o.Definition != def || o.Height != short || o.Width != short*16/9 || o.Bitrate <= 0 || !strings.Contains(o.Url, "/a1/") {
			t.Fatalf("play info %d = %+v", def, o)
		}
		p := b.ffprobe(t, keyOf(t, o.Url))
		d, _ := strconv.ParseFloat(p.Format.Duration, 64)
		if len(p.Streams) != 2 || p.Streams[0].CodecName != "h264" || p.Streams[0].Width != o.Width || p.Streams[0].Height != o.Height ||
			math.Abs(d-5) > 0.1 {
			t.Fatalf("ffprobe of %d: %+v", def, p)
		}
		rec := recorded[def]
		if rec == nil || rec.TaskID != convert.ID {
			t.Fatalf("output %d recorded as %+v", def, rec)
		}
		var item vodevent.MediaTranscodeItem
		if err := json.Unmarshal(rec.Item, &item); err != nil {
			t.Fatal(err)
		}
		if item.Url != o.Url || item.Bitrate != o.Bitrate || item.Size != int64(len(b.read(t, keyOf(t, o.Url)))) {
			t.Fatalf("recorded %+v, play info %+v", item, o)
		}
	}

	// CreateImageSpriteComplete: a tile a second on 2x2 sheets.
	sp := byTask[sheets.ID].CreateImageSpriteCompleteEvent
	if sp.ErrCode != 0 || sp.Message != "" || sp.FileId != m.FileID || sp.Definition != sprite.Definition || sp.TotalCount != 5 ||
		len(sp.ImageSpriteUrlSet) != 2 || sp.WebVttUrl == "" {
		t.Fatalf("CreateImageSpriteComplete = %+v", sp)
	}
	for i, u := range sp.ImageSpriteUrlSet {
		p := b.ffprobe(t, keyOf(t, u))
		if len(p.Streams) != 1 || p.Streams[0].Width != 320 || p.Streams[0].Height != 180 {
			t.Fatalf("sheet %d: %+v", i, p)
		}
	}
	cues := regexp.MustCompile(`(?m)^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(\S+)#xywh=(\d+),(\d+),160,90$`).
		FindAllStringSubmatch(string(b.read(t, keyOf(t, sp.WebVttUrl))), -1)
	if int64(len(cues)) != sp.TotalCount {
		t.Fatalf("%d WebVTT cues, TotalCount %d", len(cues), sp.TotalCount)
	}
	for i, c := range cues {
		if want := fmt.Sprintf("00:00:%02d.000", i); c[1] != want || c[3] != sp.ImageSpriteUrlSet[i/4] {
			t.Fatalf("cue %d = %q, want from %s on sheet %d", i, c[0], want, i/4)
		}
	}
	if rec := b.outputsOf(t, m, vodevent.ResultImageSprites)[sprite.Definition]; rec == nil || rec.TaskID != sheets.ID || len(rec.Keys) != 3 {
		t.Fatalf("sprite recorded as %+v", rec)
	}

	// CreateSnapshotByTimeOffsetComplete: ExtTimeOffsetSet, then
	// TimeOffsetSet, in whole milliseconds.
	sn := byTask[snaps.ID].SnapshotByTimeOffsetCompleteEvent
	var offsets []int64
	for _, s := range sn.SnapshotInfoSet {
		offsets = append(offsets, s.TimeOffset)
		if s.ErrCode != 0 {
			t.Fatalf("snapshot %+v", s)
		}
		if p := b.ffprobe(t, keyOf(t, s.Url)); len(p.Streams) != 1 || p.Streams[0].CodecName != "mjpeg" || p.Streams[0].Width != 640 || p.Streams[0].Height != 360 {
			t.Fatalf("snapshot at %d: %+v", s.TimeOffset, p)
		}
	}
	if sn.FileId != m.FileID || sn.Definition != 10 || !slices.Equal(offsets, []int64{2500, 4500, 500, 1001}) {
		t.Fatalf("CreateSnapshotByTimeOffsetComplete = %+v", sn)
	}
	if rec := b.outputsOf(t, m, vodevent.ResultSnapshotByTimeOffset)[10]; rec == nil || rec.TaskID != snaps.ID || len(rec.Keys) != 4 {
		t.Fatalf("snapshots recorded as %+v", rec)
	}
}

// TestTask2017WorkerFailures: a snapshot past the end of the media fails
// its task: one item per offset asked, with the failure's ErrCode and no
// Url; a ConvertVodFile whose media was deleted before it ran fails with
// 60000 and shows no file.
func TestTask2017WorkerFailures(t *testing.T) {
	b := newTask2017Bundle(t)
	ctx := context.Background()
	m := b.addMedia(t, makeSource(t, t.TempDir(), "2"))
	snaps := b.start2017(t, openvod.TaskSnapshotByTimeOffset, m, vodevent.MediaProcessTaskInput{SnapshotByTimeOffsetTaskSet: []vodevent.SnapshotByTimeOffsetTaskInput{{
		Definition: 10, ExtTimeOffsetSet: []string{"50%", "100s"}, TimeOffsetSet: []float64{500}}}})
	b.run.Wake()
	done, err := task2017.Event(b.wait(t, snaps.ID, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := []vodevent.SnapshotByTimeOffset2017{{ErrCode: proctask.ErrInput, TimeOffset: 1000}, {ErrCode: proctask.ErrInput, TimeOffset: 100000},
		{ErrCode: proctask.ErrInput, TimeOffset: 500}}
	if got := done.SnapshotByTimeOffsetCompleteEvent.SnapshotInfoSet; !slices.Equal(got, want) {
		t.Fatalf("failed snapshots = %+v, want %+v", got, want)
	}

	gone := b.addMedia(t, makeSource(t, t.TempDir(), "2"))
	if err := b.st.MediaDelete(ctx, openvod.DefaultSubAppID, gone.FileID); err != nil {
		t.Fatal(err)
	}
	convert := b.start2017(t, openvod.TaskTranscode, gone, vodevent.MediaProcessTaskInput{TranscodeTaskSet: []vodevent.TranscodeTaskInput{{Definition: 100010}}})
	b.run.Wake()
	b.wait(t, convert.ID, time.Minute)
	var tc *vodevent.TranscodeTask2017
	for _, e := range events(t, b.st) {
		if e.TranscodeCompleteEvent != nil {
			tc = e.TranscodeCompleteEvent
		}
	}
	if tc == nil || tc.TaskId != convert.ID || tc.ErrCode != proctask.ErrSource || !strings.Contains(tc.Message, "no longer exists") || len(tc.PlayInfoSet) != 0 {
		t.Fatalf("TranscodeComplete of deleted media = %+v", tc)
	}
	if n := len(events(t, b.st)); n != 2 {
		t.Fatalf("%d events, want 2", n)
	}
}
