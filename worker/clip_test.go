package worker_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/worker"
)

// recordingBucket is a local bucket that records how objects were stored
// and whether a writer's file was handed out.
type recordingBucket struct {
	blob.Bucket
	mu      sync.Mutex
	puts    []string
	creates []string
}

func (b *recordingBucket) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	b.mu.Lock()
	b.puts = append(b.puts, key)
	b.mu.Unlock()
	return b.Bucket.Put(ctx, key, r, limit)
}

func (b *recordingBucket) Create(ctx context.Context, key string) (blob.Writer, error) {
	b.mu.Lock()
	b.creates = append(b.creates, key)
	b.mu.Unlock()
	return b.Bucket.Create(ctx, key)
}

type clipBundle struct {
	st     store.Store
	blobs  *recordingBucket
	svc    *media.Service
	runner *queue.Runner
	now    time.Time
	dir    string
}

// newClipBundle runs a clip worker on a fresh SQLite store and media
// directory, with a fixed clock and the given ffmpeg timeout.
func newClipBundle(t *testing.T, exactTimeout time.Duration) *clipBundle {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	if _, err := st.AppCreate(ctx, "default", now); err != nil {
		t.Fatal(err)
	}
	lb, err := local.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	blobs := &recordingBucket{Bucket: lb}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	events := &eventlog.Log{Store: st, Hub: eventlog.NewHub(), Owner: "test", NowFunc: func() time.Time { return now }}
	svc := &media.Service{Store: st, Blobs: blobs, PublicURL: "http://vod.test", UploadTTL: time.Hour, Events: events, Logger: logger}
	scratch := filepath.Join(dir, "scratch")
	os.MkdirAll(scratch, 0o755)
	runner := queue.New(queue.Config{Store: st, Owner: "test", Logger: logger, PollInterval: 20 * time.Millisecond,
		Handlers: map[openvod.TaskType]queue.Handler{openvod.TaskClip: &worker.Clip{
			Media: svc, Blobs: blobs, Events: events, Logger: logger, ScratchDir: scratch, ExactTimeout: exactTimeout,
			NowFunc: func() time.Time { return now },
		}}})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { runner.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &clipBundle{st: st, blobs: blobs, svc: svc, runner: runner, now: now, dir: dir}
}

// clip stores the fixture as a source, runs a clip task on it and returns
// the finished task's input and output.
func (b *clipBundle) clip(t *testing.T, fixture string, in cliptask.Input) (*cliptask.Input, *cliptask.Output) {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("../clip/testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	in.SrcFileId, in.SrcStorageKey = "src", "src/"+fixture
	in.StorageKey = media.NewStorageKey(openvod.DefaultSubAppID, "mp4")
	in.Requested = in.Precision
	if _, err := b.blobs.Put(ctx, in.SrcStorageKey, bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	task, err := cliptask.New(openvod.DefaultSubAppID, &in, b.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.st.TaskInsert(ctx, task); err != nil {
		t.Fatal(err)
	}
	b.runner.Wake()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got, err := b.st.TaskGet(ctx, openvod.DefaultSubAppID, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == openvod.TaskFinish {
			gin, out, err := cliptask.View(got)
			if err != nil {
				t.Fatal(err)
			}
			return gin, out
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("task %s did not finish", task.ID)
	return nil, nil
}

// TestClipWorkerPlansAndWrites: a Fast clip is planned by the worker and
// written through a blob Writer (whose file takes the kernel copy), not
// piped into Put; its bytes are CutFile's, its record carries the injected
// clock, and no temporary file is left.
func TestClipWorkerPlansAndWrites(t *testing.T) {
	b := newClipBundle(t, 0)
	in, out := b.clip(t, "bf2_gop1s.mp4", cliptask.Input{Start: 1.2, End: 2.5, Precision: cliptask.Fast, HideLeadIn: true})
	fi := out.Task.FileInfo
	if fi.ErrCode != 0 || out.Precision != cliptask.Fast {
		t.Fatalf("clip = %+v, precision %s", fi, out.Precision)
	}
	want := filepath.Join(t.TempDir(), "want.mp4")
	p, err := clip.CutFile(want, "../clip/testdata/bf2_gop1s.mp4", 1.2, 2.5, true)
	if err != nil {
		t.Fatal(err)
	}
	if out.EffectiveStart != p.EffectiveStart || out.EffectiveEnd != p.EffectiveEnd {
		t.Errorf("effective range %g..%g, want %g..%g", out.EffectiveStart, out.EffectiveEnd, p.EffectiveStart, p.EffectiveEnd)
	}
	got, err := os.ReadFile(filepath.Join(b.dir, "media", in.StorageKey))
	if err != nil {
		t.Fatal(err)
	}
	if wantBytes, _ := os.ReadFile(want); !bytes.Equal(got, wantBytes) {
		t.Errorf("stored clip (%d bytes) differs from CutFile's (%d bytes)", len(got), len(wantBytes))
	}
	if len(b.blobs.creates) != 1 || b.blobs.creates[0] != in.StorageKey {
		t.Errorf("Create calls %v, want one for %s", b.blobs.creates, in.StorageKey)
	}
	for _, k := range b.blobs.puts {
		if k == in.StorageKey {
			t.Errorf("the clip went through Put")
		}
	}
	m, err := b.st.MediaGet(context.Background(), openvod.DefaultSubAppID, fi.FileId)
	if err != nil {
		t.Fatal(err)
	}
	if !m.CreateTime.Equal(b.now) {
		t.Errorf("media CreateTime %v, want the injected clock's %v", m.CreateTime, b.now)
	}
	if entries, _ := os.ReadDir(filepath.Join(b.dir, "media", ".tmp")); len(entries) != 0 {
		t.Errorf(".tmp holds %d entries", len(entries))
	}
}

// TestClipWorkerFallsBackToExact: a source whose headers pass the request's
// check but whose frames Fast cannot cut (an open GOP) is re-encoded by the
// worker, which reports Exact.
func TestClipWorkerFallsBackToExact(t *testing.T) {
	if !clip.FFmpegAvailable() {
		t.Skip("ffmpeg is not installed")
	}
	f, err := os.Open("../clip/testdata/h264_opengop.mp4")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	src, err := clip.Inspect(f, fi.Size())
	if err != nil || src.Unsupported != nil {
		t.Fatalf("Inspect = %+v, %v; want a source its headers do not rule out", src, err)
	}
	b := newClipBundle(t, 0)
	_, out := b.clip(t, "h264_opengop.mp4", cliptask.Input{Start: 1.3, End: 2.6, Precision: cliptask.Fast, HideLeadIn: true})
	if out.Task.FileInfo.ErrCode != 0 || out.Precision != cliptask.Exact {
		t.Fatalf("clip = %+v, precision %s; want an Exact clip", out.Task.FileInfo, out.Precision)
	}
}

// TestClipWorkerExactTimeout: the worker's ExactTimeout bounds ffmpeg; a
// clip over it fails with a message saying so.
func TestClipWorkerExactTimeout(t *testing.T) {
	if !clip.FFmpegAvailable() {
		t.Skip("ffmpeg is not installed")
	}
	b := newClipBundle(t, time.Millisecond)
	_, out := b.clip(t, "bf2_gop1s.mp4", cliptask.Input{Start: 0.5, End: 2.5, Precision: cliptask.Exact, HideLeadIn: true})
	fi := out.Task.FileInfo
	if fi.ErrCode != worker.ClipErrInternal || !strings.Contains(fi.Message, "did not finish within 1ms") {
		t.Fatalf("clip = %+v, want a failure saying ffmpeg ran out of time", fi)
	}
}
