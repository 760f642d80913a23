package worker_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/edittask"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
	"github.com/openvod/openvod/worker"
)

// editBundle runs an edit worker on a taskEnv.
type editBundle struct {
	*taskEnv
	blobs   blob.Bucket
	runners []*queue.Runner
	dir     string
}

func newEditBundle(t *testing.T, blobs blob.Bucket) *editBundle {
	t.Helper()
	dir := t.TempDir()
	if blobs == nil {
		blobs = localMedia(t, dir)
	}
	e := newTaskEnv(t, dir, blobs)
	h := &worker.Edit{Media: e.svc, Blobs: blobs, Events: e.events, Logger: e.logger, ScratchDir: e.scratch,
		NowFunc: func() time.Time { return e.now }}
	b := &editBundle{taskEnv: e, blobs: blobs, dir: dir}
	b.runners = []*queue.Runner{e.run(t, openvod.TaskEditMedia, h), e.run(t, openvod.TaskConcat, h)}
	if err := e.st.EventConfigPut(context.Background(), &openvod.EventConfig{SubAppID: openvod.DefaultSubAppID, Mode: openvod.EventModePull,
		UploadMediaComplete: true, PersistenceComplete: true, UpdateTime: e.now}); err != nil {
		t.Fatal(err)
	}
	return b
}

// source stores a fixture as the app's media and returns its record.
func (b *editBundle) source(t *testing.T, fixture, fileID string) *openvod.Media {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("../clip/testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	key := media.NewStorageKey(openvod.DefaultSubAppID, "mp4")
	if _, err := b.blobs.Put(ctx, key, bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	m, err := b.svc.NewMedia(ctx, media.NewMediaParams{FileID: fileID, SubAppID: openvod.DefaultSubAppID, Name: fixture,
		Type: "mp4", StorageKey: key, SourceType: "Upload", ExpireTime: openvod.NeverExpire, Now: b.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.st.MediaInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// edit runs an edit task of action on the pieces (media and range) and
// returns the finished task.
func (b *editBundle) edit(t *testing.T, action string, copyOnly bool, pieces ...edittask.Piece) *openvod.Task {
	t.Helper()
	ctx := context.Background()
	in := &edittask.Input{Action: action, Pieces: pieces, Definition: edittask.BasisResolution, CopyOnly: copyOnly,
		MediaName: "joined", ExpireTime: openvod.NeverExpire, SessionContext: "ctx", SessionId: "sess-" + action,
		StorageKey: media.NewStorageKey(openvod.DefaultSubAppID, "mp4")}
	if action == edittask.FastEditMedia {
		in.FileId = openvod.NewFileID()
	}
	task, err := edittask.New(openvod.DefaultSubAppID, in, b.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.st.TaskInsert(ctx, task); err != nil {
		t.Fatal(err)
	}
	for _, r := range b.runners {
		r.Wake()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		got, err := b.st.TaskGet(ctx, openvod.DefaultSubAppID, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == openvod.TaskFinish {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("task %s did not finish", task.ID)
	return nil
}

// piece is the range [start, end) of m.
func piece(m *openvod.Media, start, end float64) edittask.Piece {
	return edittask.Piece{FileId: m.FileID, StorageKey: m.StorageKey, StartTimeOffset: start, EndTimeOffset: end, Start: start, End: end}
}

// events returns the app's events of type typ.
func (b *editBundle) events(t *testing.T, typ string) []*openvod.Event {
	t.Helper()
	all, err := b.st.EventList(context.Background(), &store.EventListParams{SubAppID: openvod.DefaultSubAppID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []*openvod.Event
	for _, e := range all {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// fetch writes the object under key to a file and returns its path.
func (b *editBundle) fetch(t *testing.T, key string) string {
	t.Helper()
	o, err := b.blobs.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(o); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.mp4")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// frame is one decoded video frame: its time in seconds and its MD5.
type frame struct {
	pts  float64
	hash string
}

// frames decodes the video of path with ffmpeg's framemd5.
func frames(t *testing.T, path string) []frame {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0",
		"-fps_mode", "passthrough", "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg framemd5 %s: %v", path, err)
	}
	var tb float64
	var fs []frame
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#tb 0: "); ok {
			n, d, _ := strings.Cut(rest, "/")
			nf, _ := strconv.ParseFloat(n, 64)
			df, _ := strconv.ParseFloat(d, 64)
			tb = nf / df
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		pts, _ := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		fs = append(fs, frame{pts: float64(pts) * tb, hash: strings.TrimSpace(f[5])})
	}
	return fs
}

// hashes returns the MD5s of the frames of fs shown in [start, end).
func hashes(fs []frame, start, end float64) []string {
	const eps = 1e-3
	var out []string
	for _, f := range fs {
		if f.pts >= start-eps && f.pts < end-eps {
			out = append(out, f.hash)
		}
	}
	return out
}

// duration is ffprobe's duration of path's container, and its video size.
func probe(t *testing.T, path string) (dur float64, size string) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height:format=duration",
		"-of", "csv=p=0:s=x", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(out))
	dur, _ = strconv.ParseFloat(lines[len(lines)-1], 64)
	return dur, lines[0]
}

// TestEditWorker: on local disk and on S3, pieces of sources with the
// same codec parameters are joined by stream copy (each range's frames,
// decoded, are ffmpeg's decode of the range, in order) with an
// EditMediaComplete under both keys; sources of different sizes are
// re-encoded for EditMedia and ConcatVideo, refused for FastEditMedia; a
// FastEditMedia copy makes the reserved FileId and PersistenceComplete.
func TestEditWorker(t *testing.T) {
	for _, store := range []string{"local", "s3"} {
		t.Run(store, func(t *testing.T) {
			var blobs blob.Bucket
			if store == "s3" {
				srv := s3test.Start(t)
				blobs = s3test.Open(t, srv.NewBucket(t))
			}
			b := newEditBundle(t, blobs)
			testEditWorker(t, b)
		})
	}
}

func testEditWorker(t *testing.T, b *editBundle) {
	ctx := context.Background()
	a := b.source(t, "bf2_gop1s.mp4", "5285890000000000201")
	c := b.source(t, "bf2_gop1s_b.mp4", "5285890000000000202")
	small := b.source(t, "bf0_gop8s.mp4", "5285890000000000203")

	// Stream copy.
	task := b.edit(t, edittask.EditMedia, false, piece(a, 1.2, 2.5), piece(c, 0.5, 3), piece(a, 4, 6))
	in, out, err := edittask.View(task)
	if err != nil {
		t.Fatal(err)
	}
	if out.ErrCode != 0 || out.JoinMethod != vodevent.JoinStreamCopy || len(out.Ranges) != 3 {
		t.Fatalf("stream copy: %+v", out)
	}
	m, err := b.st.MediaGet(ctx, openvod.DefaultSubAppID, out.FileId)
	if err != nil {
		t.Fatal(err)
	}
	if m.StorageKey != openvod.AttemptKey(in.StorageKey, 1) || m.SourceType != "VideoProcessing" || m.Name != "joined" {
		t.Errorf("media %+v", m)
	}
	got := frames(t, b.fetch(t, m.StorageKey))
	var want []string
	srcFrames := map[string][]frame{}
	for i, r := range out.Ranges {
		p := in.Pieces[i]
		if srcFrames[p.StorageKey] == nil {
			srcFrames[p.StorageKey] = frames(t, b.fetch(t, p.StorageKey))
		}
		want = append(want, hashes(srcFrames[p.StorageKey], r.EffectiveStart, r.EffectiveEnd)...)
	}
	gotHashes := make([]string, len(got))
	for i, f := range got {
		gotHashes[i] = f.hash
	}
	if len(want) == 0 || !slices.Equal(gotHashes, want) {
		t.Fatalf("the join's %d frames differ from the %d frames of the ranges decoded by ffmpeg", len(gotHashes), len(want))
	}
	evs := b.events(t, vodevent.TypeEditMediaComplete)
	if len(evs) != 1 {
		t.Fatalf("%d EditMediaComplete events, want 1", len(evs))
	}
	wantTask := &vodevent.EditMediaTask{
		TaskId: task.ID, Status: "FINISH", Message: "SUCCESS", Progress: 100,
		Input: &vodevent.EditMediaTaskInput{InputType: "File", FileInfoSet: []vodevent.EditMediaFileInfo{
			{FileId: a.FileID, StartTimeOffset: 1.2, EndTimeOffset: 2.5}, {FileId: c.FileID, StartTimeOffset: 0.5, EndTimeOffset: 3},
			{FileId: a.FileID, StartTimeOffset: 4, EndTimeOffset: 6}}, StreamInfoSet: []vodevent.EditMediaStreamInfo{}},
		Output: &vodevent.EditMediaTaskOutput{FileType: "mp4", FileUrl: "http://vod.test/vod/" + m.StorageKey, FileId: m.FileID,
			MediaName: "joined", ExpireTime: "9999-12-31T23:59:59Z"},
		MetaData: media.MetaData(m), SessionId: "sess-EditMedia", SessionContext: "ctx", JoinMethod: "StreamCopy",
	}
	wantBody, err := vodevent.Marshal(&vodevent.EventContent{EventType: vodevent.TypeEditMediaComplete, EditMediaComplete: wantTask, EditMediaCompleteEvent: wantTask})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(evs[0].Body, wantBody) {
		t.Fatalf("event\n got %s\nwant %s", evs[0].Body, wantBody)
	}
	if m.Size == 0 || len(b.events(t, vodevent.TypeNewFileUpload)) != 1 {
		t.Errorf("media size %d, NewFileUpload events %d", m.Size, len(b.events(t, vodevent.TypeNewFileUpload)))
	}

	// Different sizes: re-encoded to the largest (Definition 10).
	task = b.edit(t, edittask.EditMedia, false, piece(a, 1, 2), piece(small, 3, 5))
	_, out, _ = edittask.View(task)
	if out.ErrCode != 0 || out.JoinMethod != vodevent.JoinReencode || !strings.Contains(out.Reencoded, "FileInfos[1]") {
		t.Fatalf("re-encode: %+v", out)
	}
	m, err = b.st.MediaGet(ctx, openvod.DefaultSubAppID, out.FileId)
	if err != nil {
		t.Fatal(err)
	}
	if d, size := probe(t, b.fetch(t, m.StorageKey)); math.Abs(d-3) > 0.1 || size != "320x240" {
		t.Errorf("re-encoded join: %g s, %s; want 3 s, 320x240", d, size)
	}
	evs = b.events(t, vodevent.TypeEditMediaComplete)
	var body vodevent.EventContent
	if err := json.Unmarshal(evs[len(evs)-1].Body, &body); err != nil {
		t.Fatal(err)
	}
	if e := body.EditMediaCompleteEvent; e == nil || e.JoinMethod != vodevent.JoinReencode || e.Output.FileId != m.FileID {
		t.Errorf("re-encode event %s", evs[len(evs)-1].Body)
	}

	task = b.edit(t, edittask.ConcatVideo, false, piece(small, 0, 1), piece(a, 0, 1))
	_, out, _ = edittask.View(task)
	evs = b.events(t, vodevent.TypeConcatComplete)
	wantConcat, _ := vodevent.Marshal(&vodevent.EventContent{EventType: vodevent.TypeConcatComplete, ConcatCompleteEvent: &vodevent.ConcatTask2017{
		TaskId: task.ID, FileInfoSet: []vodevent.ConcatFileInfo2017{{Message: "SUCCESS", FileId: out.FileId, FileUrl: out.FileUrl, FileType: "mp4"}},
		JoinMethod: "Reencode"}})
	if out.ErrCode != 0 || len(evs) != 1 || !bytes.Equal(evs[0].Body, wantConcat) {
		t.Fatalf("ConcatVideo: %+v\n got %s\nwant %s", out, evs[0].Body, wantConcat)
	}

	// FastEditMedia: refused when it would need a re-encode, no event and
	// no media; made under its reserved FileId when it copies.
	before := len(b.events(t, vodevent.TypeNewFileUpload))
	task = b.edit(t, edittask.FastEditMedia, true, piece(a, 0, 1), piece(small, 0, 1))
	in, out, _ = edittask.View(task)
	if out.ErrCode != edittask.ErrInput || !strings.Contains(out.Message, "FileInfos[1]") {
		t.Fatalf("FastEditMedia of different sizes: %+v", out)
	}
	if _, err := b.st.MediaGet(ctx, openvod.DefaultSubAppID, in.FileId); err == nil {
		t.Errorf("a failed FastEditMedia made its media")
	}
	if n := len(b.events(t, vodevent.TypeNewFileUpload)); n != before || len(b.events(t, vodevent.TypePersistenceComplete)) != 0 {
		t.Errorf("a failed FastEditMedia emitted events")
	}
	task = b.edit(t, edittask.FastEditMedia, true, piece(a, 0.5, 1.5), piece(c, 2, 3))
	in, out, _ = edittask.View(task)
	if out.ErrCode != 0 || out.FileId != in.FileId || out.JoinMethod != vodevent.JoinStreamCopy {
		t.Fatalf("FastEditMedia: %+v", out)
	}
	evs = b.events(t, vodevent.TypePersistenceComplete)
	wantPC := `{"FileId":"` + in.FileId + `","PersistenceSource":"FastEditMedia"}`
	if len(evs) != 1 || !strings.Contains(string(evs[0].Body), `"PersistenceCompleteEvent":`+wantPC) {
		t.Fatalf("PersistenceComplete events: %d, want 1 with %s", len(evs), wantPC)
	}
}
