package worker_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// redMark stores a red PNG watermark template of the default app at
// TopLeft 10px/10px, 20% of the picture's width, and returns it.
func (b *procBundle) redMark(t *testing.T) *templates.Watermark {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 20, 10))
	for i := range img.Pix {
		img.Pix[i] = []uint8{255, 0, 0, 255}[i%4]
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	key := media.NewStorageKey(openvod.DefaultSubAppID, "png")
	if _, err := b.blobs.Put(context.Background(), key, &buf, 0); err != nil {
		t.Fatal(err)
	}
	w := &templates.Watermark{Type: "image", XPos: "10px", YPos: "10px", ImageTemplate: &templates.ImageWatermarkTemplate{Width: "20%"}}
	w.SetImageKey(key)
	if err := templates.CheckWatermark(w); err != nil {
		t.Fatal(err)
	}
	w, err := templates.Create(context.Background(), b.st, openvod.DefaultSubAppID, w, b.now)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// pixel decodes the picture of the stored key at second at and returns
// its colour at x, y.
func (b *procBundle) pixel(t *testing.T, key string, at float64, x, y int) (r, g, bl uint32) {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"+filepath.Ext(key)), filepath.Join(dir, "out.png")
	if err := os.WriteFile(in, b.read(t, key), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("ffmpeg", "-v", "error", "-ss", strconv.FormatFloat(at, 'f', -1, 64), "-i", in, "-frames:v", "1", out).CombinedOutput(); err != nil {
		t.Fatalf("decode %s: %v %s", key, err, msg)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	r, g, bl, _ = img.At(x, y).RGBA()
	return r >> 8, g >> 8, bl >> 8
}

// TestProcedureWatermarks runs a task flow whose transcode (a 360p preset
// upscaling a 320x240 black source to 480x360) and snapshot carry a red
// image mark: the outputs are red where the mark is, black elsewhere; a
// mark whose image was removed after acceptance fails its sub-task alone.
func TestProcedureWatermarks(t *testing.T) {
	b := newProcBundle(t, nil)
	path := filepath.Join(t.TempDir(), "black.mp4")
	if err := ffmpeg.Run(context.Background(), ffmpeg.Cmd{Timeout: time.Minute, Args: []string{
		"-f", "lavfi", "-i", "color=black:size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac", "-f", "mp4", path}}); err != nil {
		t.Fatal(err)
	}
	m := b.addMedia(t, path)
	mark := b.redMark(t)
	set := []vodevent.WatermarkInput{{Definition: mark.Definition}}
	task := b.newFlow(t, m, vodevent.MediaProcessTaskInput{
		TranscodeTaskSet:            []vodevent.TranscodeTaskInput{{Definition: 100010, WatermarkSet: set}},
		SnapshotByTimeOffsetTaskSet: []vodevent.SnapshotByTimeOffsetTaskInput{{Definition: 10, ExtTimeOffsetSet: []string{"1s"}, WatermarkSet: set}},
	}, proctask.NotifyFinish)
	if err := b.st.TaskInsert(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	b.run.Wake()
	view, err := proctask.View(b.wait(t, task.ID, 2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	keyOf := func(url string) string { return strings.TrimPrefix(url, "http://vod.test/vod/") }
	tr, sn := view.MediaProcessResultSet[0].TranscodeTask, view.MediaProcessResultSet[1].SnapshotByTimeOffsetTask
	if tr.Status != "SUCCESS" || sn.Status != "SUCCESS" {
		t.Fatalf("results: %+v %+v", tr, sn)
	}
	red := func(r, g, b uint32) bool { return r > 180 && g < 70 && b < 70 }
	black := func(r, g, b uint32) bool { return r < 30 && g < 30 && b < 30 }
	// 20% of 480 is 96×48 at (10,10) on the transcode; 64×32 on the 320×240 snapshot.
	for _, c := range []struct {
		what     string
		key      string
		at       float64
		x, y     int
		red, blk bool
	}{
		{"transcode, inside", keyOf(tr.Output.Url), 1, 58, 34, true, false},
		{"transcode, outside", keyOf(tr.Output.Url), 1, 200, 200, false, true},
		{"snapshot, inside", keyOf(sn.Output.PicInfoSet[0].Url), 0, 42, 26, true, false},
		{"snapshot, outside", keyOf(sn.Output.PicInfoSet[0].Url), 0, 100, 100, false, true},
	} {
		r, g, bl := b.pixel(t, c.key, c.at, c.x, c.y)
		if red(r, g, bl) != c.red || black(r, g, bl) != c.blk {
			t.Errorf("%s (%d,%d): (%d,%d,%d)", c.what, c.x, c.y, r, g, bl)
		}
	}
	if d := sn.Output.PicInfoSet[0].WaterMarkDefinition; len(d) != 1 || d[0] != mark.Definition {
		t.Errorf("WaterMarkDefinition %v, want [%d]", d, mark.Definition)
	}

	task = b.newFlow(t, m, vodevent.MediaProcessTaskInput{
		CoverBySnapshotTaskSet: []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: "Time", PositionValue: 1, WatermarkSet: set}},
		TranscodeTaskSet:       []vodevent.TranscodeTaskInput{{Definition: 100010}},
	}, proctask.NotifyNone)
	if err := b.blobs.Delete(context.Background(), mark.ImageKey()); err != nil {
		t.Fatal(err)
	}
	if err := b.st.TaskInsert(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	b.run.Wake()
	if view, err = proctask.View(b.wait(t, task.ID, 2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	var cover *vodevent.MediaProcessTaskResultOf[vodevent.CoverBySnapshotTaskInput, vodevent.CoverBySnapshotTaskOutput]
	for _, r := range view.MediaProcessResultSet {
		if r.CoverBySnapshotTask != nil {
			cover = r.CoverBySnapshotTask
		} else if r.TranscodeTask.Status != "SUCCESS" {
			t.Errorf("the transcode without marks: %+v", r.TranscodeTask)
		}
	}
	if cover == nil || cover.Status != "FAIL" || cover.ErrCodeExt != "InvalidInput" || !strings.Contains(cover.Message, "no longer stored") {
		t.Errorf("cover whose mark's image is gone: %+v", cover)
	}
}
