package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/media"
)

// source60m returns a 60-minute 720p H.264/AAC source, generated once with
// ffmpeg and kept under the temporary directory.
func source60m(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "openvod-bench")
	path := filepath.Join(dir, "src60m720p.mp4")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	os.MkdirAll(dir, 0o755)
	b.Logf("generating %s with ffmpeg (a few minutes, once)", path)
	cmd := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "3600",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-c:a", "aac", "-movflags", "+faststart", "-f", "mp4", path+".tmp")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkClipEndToEnd measures a 30 s Fast clip of a 60-minute 720p
// source from the ClipVideo request to the ClipComplete callback received
// by a push receiver.
//
//	go test ./bench -run '^$' -bench ClipEndToEnd -benchtime 1x
func BenchmarkClipEndToEnd(b *testing.B) {
	const runs = 20
	src := source60m(b)
	s := newStack(b, "FULL")
	ctx := context.Background()

	// Store the source as media directly: an HTTP upload of 1.4 GB is not what is measured.
	f, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	key := media.NewStorageKey(openvod.DefaultSubAppID, "mp4")
	if _, err := s.srv.Media.Blobs.Put(ctx, key, f, 0); err != nil {
		b.Fatal(err)
	}
	f.Close()
	m, err := s.srv.Media.NewMedia(ctx, media.NewMediaParams{SubAppID: openvod.DefaultSubAppID, Name: "src", Type: "mp4",
		StorageKey: key, SourceType: "Upload", ExpireTime: openvod.NeverExpire, Now: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.st.MediaInsert(ctx, m); err != nil {
		b.Fatal(err)
	}

	var mu sync.Mutex
	receipts := map[string]time.Time{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		now := time.Now()
		var e struct{ ClipCompleteEvent *struct{ TaskId string } }
		json.Unmarshal(body, &e)
		if e.ClipCompleteEvent != nil {
			mu.Lock()
			receipts[e.ClipCompleteEvent.TaskId] = now
			mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	if err := s.client.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PUSH", "NotificationUrl": receiver.URL}, nil); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	for i := range runs {
		start := float64(60 + i*150) // different places, so the page cache is not always warm
		t0 := time.Now()
		var r struct{ TaskId string }
		if err := s.client.Call(ctx, "ClipVideo", map[string]any{"FileId": m.FileID, "StartTimeOffset": start, "EndTimeOffset": start + 30}, &r); err != nil {
			b.Fatal(err)
		}
		for {
			mu.Lock()
			at, ok := receipts[r.TaskId]
			mu.Unlock()
			if ok {
				lat = append(lat, at.Sub(t0))
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(0, "ns/op")
	b.Logf("ClipVideo (30 s Fast clip of a 60-min 720p source, %.1f GB) to ClipComplete at a push receiver, %d runs: p50 %.1f ms, max %.1f ms; SQLite synchronous=FULL; %s",
		float64(m.Size)/1e9, runs, ms(lat[len(lat)/2]), ms(lat[len(lat)-1]), Machine())
}
