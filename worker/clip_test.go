package worker_test

import (
	"bytes"
	"context"
	"errors"
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
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/store/storetest"
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
	blobs  blob.Bucket
	rec    *recordingBucket // blobs, when it is a local bucket
	svc    *media.Service
	runner *queue.Runner
	now    time.Time
	dir    string
}

// newClipBundle runs a clip worker on a fresh SQLite store and media
// directory, with a fixed clock and the given ffmpeg timeout.
func newClipBundle(t *testing.T, exactTimeout time.Duration) *clipBundle {
	t.Helper()
	dir := t.TempDir()
	rec := &recordingBucket{Bucket: localMedia(t, dir)}
	b := newClipBundleOn(t, exactTimeout, dir, rec)
	b.rec = rec
	return b
}

// newClipBundleOn is newClipBundle on the media store blobs, with the
// rest in dir. A failed attempt is retried after 100 ms.
func newClipBundleOn(t *testing.T, exactTimeout time.Duration, dir string, blobs blob.Bucket) *clipBundle {
	t.Helper()
	e := newTaskEnv(t, dir, blobs)
	runner := e.run(t, openvod.TaskClip, &worker.Clip{
		Media: e.svc, Blobs: blobs, Events: e.events, Logger: e.logger, ScratchDir: e.scratch, ExactTimeout: exactTimeout,
		NowFunc: func() time.Time { return e.now },
	})
	return &clipBundle{st: e.st, blobs: blobs, svc: e.svc, runner: runner, now: e.now, dir: dir}
}

// taskEnv is what a worker test runs its task handler on: a fresh SQLite
// store with the default app, an event log and a media service on blobs,
// a scratch directory and a fixed clock.
type taskEnv struct {
	st      store.Store
	svc     *media.Service
	events  *eventlog.Log
	logger  *slog.Logger
	now     time.Time
	scratch string
}

// localMedia opens a media store on local disk under dir.
func localMedia(t *testing.T, dir string) *local.Bucket {
	t.Helper()
	lb, err := local.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	return lb
}

// newTaskEnv makes a taskEnv in dir on blobs.
func newTaskEnv(t *testing.T, dir string, blobs blob.Bucket) *taskEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	if _, err := st.AppCreate(ctx, "default", now); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	events := &eventlog.Log{Store: st, Hub: eventlog.NewHub(), Owner: "test", NowFunc: func() time.Time { return now }}
	svc := &media.Service{Store: st, Blobs: blobs, PublicURL: "http://vod.test", UploadTTL: time.Hour, Events: events, Logger: logger}
	scratch := filepath.Join(dir, "scratch")
	os.MkdirAll(scratch, 0o755)
	return &taskEnv{st: st, svc: svc, events: events, logger: logger, now: now, scratch: scratch}
}

// run runs a queue of h's tasks of type typ on e until the test ends;
// a failed attempt is retried after 100 ms, up to 100 times (a store
// outage outlasts a few attempts).
func (e *taskEnv) run(t *testing.T, typ openvod.TaskType, h queue.Handler) *queue.Runner {
	runner := queue.New(queue.Config{Store: e.st, Owner: "test", Logger: e.logger, PollInterval: 20 * time.Millisecond,
		RetryDelay: 100 * time.Millisecond, MaxAttempts: 100, Handlers: map[openvod.TaskType]queue.Handler{typ: h}})
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { runner.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return runner
}

// clip stores the fixture as a source, runs a clip task on it (changed by
// edit, if any, before it is stored) and returns the finished task's input
// and output.
func (b *clipBundle) clip(t *testing.T, fixture string, in cliptask.Input, edit ...func(*openvod.Task)) (*cliptask.Input, *cliptask.Output) {
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
	for _, e := range edit {
		e(task)
	}
	if err := b.st.TaskInsert(ctx, task); err != nil {
		t.Fatal(err)
	}
	b.runner.Wake()
	return b.wait(t, task.ID, 60*time.Second)
}

// wait returns the input and output of the task once it is finished.
func (b *clipBundle) wait(t *testing.T, taskID string, within time.Duration) (*cliptask.Input, *cliptask.Output) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		got, err := b.st.TaskGet(ctx, openvod.DefaultSubAppID, taskID)
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
	t.Fatalf("task %s did not finish", taskID)
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
	key := openvod.AttemptKey(in.StorageKey, 1) // the first attempt's object
	got, err := os.ReadFile(filepath.Join(b.dir, "media", key))
	if err != nil {
		t.Fatal(err)
	}
	if wantBytes, _ := os.ReadFile(want); !bytes.Equal(got, wantBytes) {
		t.Errorf("stored clip (%d bytes) differs from CutFile's (%d bytes)", len(got), len(wantBytes))
	}
	if len(b.rec.creates) != 1 || b.rec.creates[0] != key {
		t.Errorf("Create calls %v, want one for %s", b.rec.creates, key)
	}
	for _, k := range b.rec.puts {
		if k == key {
			t.Errorf("the clip went through Put")
		}
	}
	m, err := b.st.MediaGet(context.Background(), openvod.DefaultSubAppID, fi.FileId)
	if err != nil {
		t.Fatal(err)
	}
	if m.StorageKey != key {
		t.Errorf("media StorageKey %s, want the attempt's %s", m.StorageKey, key)
	}
	if !m.CreateTime.Equal(b.now) {
		t.Errorf("media CreateTime %v, want the injected clock's %v", m.CreateTime, b.now)
	}
	if entries, _ := os.ReadDir(filepath.Join(b.dir, "media", ".tmp")); len(entries) != 0 {
		t.Errorf(".tmp holds %d entries", len(entries))
	}
}

// TestClipWorkerTaskWithoutOutputKey: a task accepted before tasks had an
// OutputKey (migration 003) writes its attempt's object derived from the
// output key in its input.
func TestClipWorkerTaskWithoutOutputKey(t *testing.T) {
	b := newClipBundle(t, 0)
	in, out := b.clip(t, "bf2_gop1s.mp4", cliptask.Input{Start: 1.2, End: 2.5, Precision: cliptask.Fast},
		func(task *openvod.Task) { task.OutputKey = "" })
	if out.Task.FileInfo.ErrCode != 0 {
		t.Fatalf("clip = %+v", out.Task.FileInfo)
	}
	m, err := b.st.MediaGet(context.Background(), openvod.DefaultSubAppID, out.Task.FileInfo.FileId)
	if err != nil {
		t.Fatal(err)
	}
	if want := openvod.AttemptKey(in.StorageKey, 1); m.StorageKey != want {
		t.Fatalf("media StorageKey %q, want %q", m.StorageKey, want)
	}
	if _, err := b.blobs.Stat(context.Background(), m.StorageKey); err != nil {
		t.Fatal(err)
	}
}

// TestClipWorkerFallsBackToExact: a source whose headers pass the request's
// check but whose frames Fast cannot cut (an open GOP) is re-encoded by the
// worker, which reports Exact.
func TestClipWorkerFallsBackToExact(t *testing.T) {
	if !ffmpeg.Available() {
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
	if !ffmpeg.Available() {
		t.Skip("ffmpeg is not installed")
	}
	b := newClipBundle(t, time.Millisecond)
	_, out := b.clip(t, "bf2_gop1s.mp4", cliptask.Input{Start: 0.5, End: 2.5, Precision: cliptask.Exact, HideLeadIn: true})
	fi := out.Task.FileInfo
	if fi.ErrCode != worker.ClipErrInternal || !strings.Contains(fi.Message, "did not finish within 1ms") {
		t.Fatalf("clip = %+v, want a failure saying ffmpeg ran out of time", fi)
	}
}

// pausedBucket is a local bucket whose Open of one key waits, after
// closing reached, until release is closed: a worker paused mid-task
// (stopped, swapped out, cut off from the database) whose heartbeat has not
// yet noticed that its lease is gone.
type pausedBucket struct {
	blob.Bucket
	key              string
	reached, release chan struct{}
}

func (b *pausedBucket) Open(ctx context.Context, key string) (blob.Object, error) {
	if key == b.key {
		close(b.reached)
		<-b.release
	}
	return b.Bucket.Open(ctx, key)
}

// reportingHandler hands each Run's result to done.
type reportingHandler struct {
	queue.Handler
	done chan error
}

func (h reportingHandler) Run(ctx context.Context, t *openvod.Task, l *queue.Lease) error {
	err := h.Handler.Run(ctx, t, l)
	h.done <- err
	return err
}

// TestClipLateAttemptKeepsCommittedBytes: attempt 1 of a clip task pauses;
// its lease runs out, runner "b" claims the task as attempt 2 and commits
// the clip, deleting what earlier attempts left; attempt 1 then resumes,
// cuts (from a source since replaced, so that its bytes differ) and
// writes. The committed media's bytes stay attempt 2's, attempt 1's Finish
// fails and its own object is deleted, and the task's fixed output key is
// not written.
func TestClipLateAttemptKeepsCommittedBytes(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
		app, err := st.AppCreate(ctx, "default", now)
		if err != nil {
			t.Fatal(err)
		}
		lb := localMedia(t, dir)
		logger := slog.New(slog.DiscardHandler)
		clock := func() time.Time { return now }
		events := &eventlog.Log{Store: st, Hub: eventlog.NewHub(), Owner: "test", NowFunc: clock}
		svc := &media.Service{Store: st, Blobs: lb, PublicURL: "http://vod.test", UploadTTL: time.Hour, Events: events, Logger: logger}
		srcKey := "src/source.mp4"
		putFixture := func(name string) {
			data, err := os.ReadFile(filepath.Join("../clip/testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := lb.Put(ctx, srcKey, bytes.NewReader(data), 0); err != nil {
				t.Fatal(err)
			}
		}
		putFixture("bf2_gop1s.mp4")
		in := cliptask.Input{SrcFileId: "src", SrcStorageKey: srcKey, Start: 0.5, End: 1.5,
			Requested: cliptask.Fast, Precision: cliptask.Fast, StorageKey: media.NewStorageKey(app.ID, "mp4")}
		task, err := cliptask.New(app.ID, &in, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.TaskInsert(ctx, task); err != nil {
			t.Fatal(err)
		}

		// runner starts a queue runner whose clock reads at and whose
		// leases outlast the test, so that no heartbeat runs.
		runner := func(owner string, blobs blob.Bucket, at time.Time, wrap func(queue.Handler) queue.Handler) {
			h := wrap(&worker.Clip{Media: svc, Blobs: blobs, Events: events, Logger: logger,
				ScratchDir: t.TempDir(), NowFunc: clock})
			r := queue.New(queue.Config{Store: st, Owner: owner, Logger: logger, PollInterval: 20 * time.Millisecond,
				LeaseDuration: time.Hour, NowFunc: func() time.Time { return at },
				Handlers: map[openvod.TaskType]queue.Handler{openvod.TaskClip: h}})
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { r.Run(runCtx); close(done) }()
			t.Cleanup(func() { cancel(); <-done })
		}
		paused := &pausedBucket{Bucket: lb, key: srcKey, reached: make(chan struct{}), release: make(chan struct{})}
		first := make(chan error, 1)
		runner("a", paused, now, func(h queue.Handler) queue.Handler { return reportingHandler{h, first} })
		<-paused.reached
		// What a crashed attempt would have left: its object, and the
		// output key itself as attempts wrote it before attempt keys.
		leftovers := []string{openvod.AttemptKey(in.StorageKey, 1), in.StorageKey}
		for _, key := range leftovers {
			if _, err := lb.Put(ctx, key, strings.NewReader("left over"), 0); err != nil {
				t.Fatal(err)
			}
		}
		runner("b", lb, now.Add(2*time.Hour), func(h queue.Handler) queue.Handler { return h })

		var done *openvod.Task
		for deadline := time.Now().Add(30 * time.Second); done == nil; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("attempt 2 did not finish the task")
			}
			if got, err := st.TaskGet(ctx, app.ID, task.ID); err != nil {
				t.Fatal(err)
			} else if got.Status == openvod.TaskFinish {
				done = got
			}
		}
		_, out, err := cliptask.View(done)
		if err != nil {
			t.Fatal(err)
		}
		if done.Attempts != 2 || out.Task.FileInfo.ErrCode != 0 {
			t.Fatalf("task finished after %d attempts with %+v, want attempt 2's clip", done.Attempts, out.Task.FileInfo)
		}
		m, err := st.MediaGet(ctx, app.ID, out.Task.FileInfo.FileId)
		if err != nil {
			t.Fatal(err)
		}
		if want := openvod.AttemptKey(in.StorageKey, 2); m.StorageKey != want {
			t.Errorf("media StorageKey %s, want attempt 2's %s", m.StorageKey, want)
		}
		mediaPath := filepath.Join(dir, "media", m.StorageKey)
		committed, err := os.ReadFile(mediaPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range leftovers {
			if _, err := lb.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("after attempt 2 committed: Stat(%s) = %v, want not found", key, err)
			}
		}

		putFixture("bf0_gop8s.mp4")
		close(paused.release)
		select {
		case err := <-first:
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("attempt 1 returned %v, want its lost lease (store.ErrConflict)", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("attempt 1 did not end")
		}
		if got, err := os.ReadFile(mediaPath); err != nil || !bytes.Equal(got, committed) {
			t.Errorf("the committed media's bytes changed after attempt 1 wrote (%d bytes, was %d; %v)", len(got), len(committed), err)
		}
		for _, key := range leftovers {
			if _, err := lb.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("after attempt 1 ended: Stat(%s) = %v, want not found", key, err)
			}
		}
		if m.Size != int64(len(committed)) {
			t.Errorf("media Size %d, stored %d bytes", m.Size, len(committed))
		}
	})
}

// TestClipWorkerStoreDownWhileParsing: a source whose reads fail because
// the media store went down while the worker read its headers is a
// failure of the store, not of the source: the task is tried again, and
// makes its clip once the store is back, instead of finishing with
// 60000 ("the source cannot be cut").
func TestClipWorkerStoreDownWhileParsing(t *testing.T) {
	srv := s3test.Start(t)
	ob := srv.DownAfterOpen(t, s3test.Open(t, srv.NewBucket(t)))
	b := newClipBundleOn(t, 0, t.TempDir(), ob)
	_, out := b.clip(t, "bf2_gop1s.mp4", cliptask.Input{Start: 1.2, End: 2.5, Precision: cliptask.Fast})
	if fi := out.Task.FileInfo; fi.ErrCode != 0 || fi.FileId == "" {
		t.Fatalf("clip of a source read while the store was down finished with %+v, want the clip", fi)
	}
	if n := ob.Opens(); n < 2 {
		t.Fatalf("source opened %d times, want a second attempt", n)
	}
}
