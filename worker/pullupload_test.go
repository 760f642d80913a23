package worker_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/netguard"
	"github.com/openvod/openvod/pulltask"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
	"github.com/openvod/openvod/worker"
)

// pullBundle is a PullUpload runner on a real store and media store.
type pullBundle struct {
	st   store.Store
	svc  *media.Service
	pull *worker.PullUpload
}

// onStores runs test with a bundle on a SQLite file and on PostgreSQL.
func onStores(t *testing.T, test func(t *testing.T, b *pullBundle)) {
	t.Parallel()
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		blobs := localMedia(t, t.TempDir())
		svc := &media.Service{Store: st, Blobs: blobs, PublicURL: "http://media.test", UploadTTL: time.Hour,
			Events: &eventlog.Log{Store: st, Hub: eventlog.NewHub(), Owner: "test"}, Logger: slog.New(slog.DiscardHandler)}
		pull := &worker.PullUpload{Media: svc, Blobs: blobs, Events: svc.Events, Logger: svc.Logger,
			Client: &http.Client{Transport: netguard.DefaultPolicy().Transport()}, MaxSize: 1 << 20}
		test(t, &pullBundle{st: st, svc: svc, pull: pull})
	})
}

// run starts a runner of PullUpload tasks with the given workers until the test ends.
func (b *pullBundle) run(t *testing.T, workers int) {
	r := queue.New(queue.Config{Store: b.st, Owner: "test", Workers: workers, PollInterval: 20 * time.Millisecond,
		Handlers: map[openvod.TaskType]queue.Handler{openvod.TaskPullUpload: b.pull}, Logger: b.svc.Logger})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// submit stores a PullUpload task of a new app for url.
func (b *pullBundle) submit(t *testing.T, app *openvod.App, url string) *openvod.Task {
	t.Helper()
	task, err := pulltask.New(app.ID, &pulltask.Input{MediaUrl: url, MediaType: "mp4", MediaName: "pulled",
		ExpireTime: openvod.NeverExpire, StorageKey: media.NewStorageKey(app.ID, "mp4")}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.st.TaskInsert(t.Context(), task); err != nil {
		t.Fatal(err)
	}
	return task
}

func (b *pullBundle) app(t *testing.T, name string) *openvod.App {
	t.Helper()
	app, err := b.st.AppCreate(t.Context(), name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// await waits for the task to finish and returns it.
func (b *pullBundle) await(t *testing.T, task *openvod.Task, within time.Duration) *openvod.Task {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, err := b.st.TaskGet(context.Background(), task.SubAppID, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == openvod.TaskFinish {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s not finished within %v", task.ID, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sources serves /good (a small file), /stall (headers, then no byte),
// /trickle (a byte every 100 ms) until the test ends.
func sources(t *testing.T, good []byte) *httptest.Server {
	quit := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/good", func(w http.ResponseWriter, r *http.Request) { w.Write(good) })
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-quit:
		}
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		for range 1000 {
			w.Write([]byte("x"))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-quit:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { close(quit); srv.Close() })
	return srv
}

// TestStalledPullsDoNotDelayOtherApps: four pulls of app A from a source
// that sends headers and then nothing hold at most three of four workers;
// a pull of app B queued after them finishes at once, long before the
// stall timeout, and the stalled ones fail with 60000 saying they stalled.
func TestStalledPullsDoNotDelayOtherApps(t *testing.T) {
	onStores(t, func(t *testing.T, b *pullBundle) {
		const idle = 3 * time.Second
		b.pull.IdleTimeout = idle
		good := bytes.Repeat([]byte("good bytes "), 1000)
		src := sources(t, good)
		appA, appB := b.app(t, "a"), b.app(t, "b")
		var stalled []*openvod.Task
		for range 4 {
			stalled = append(stalled, b.submit(t, appA, src.URL+"/stall"))
		}
		time.Sleep(10 * time.Millisecond) // B's task is the newest
		goodTask := b.submit(t, appB, src.URL+"/good")
		began := time.Now()
		b.run(t, 4)

		got := b.await(t, goodTask, idle)
		if took := time.Since(began); took > time.Second {
			t.Fatalf("the good pull of app B took %v behind app A's stalled pulls, want well under the %v stall timeout", took, idle)
		}
		if got.ErrCode != 0 || got.Message != "SUCCESS" {
			t.Fatalf("good pull = %d %q", got.ErrCode, got.Message)
		}
		out, _ := pulltask.View(got)
		m, err := b.st.MediaGet(t.Context(), appB.ID, out.FileId)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := b.svc.Blobs.Open(t.Context(), m.StorageKey)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := io.ReadAll(obj)
		obj.Close()
		if !bytes.Equal(stored, good) {
			t.Fatalf("stored %d bytes, want the source's %d", len(stored), len(good))
		}

		for _, task := range stalled {
			got := b.await(t, task, 4*idle)
			if want := "the MediaUrl stalled: no byte for 3s"; got.ErrCode != worker.PullErrSource || got.Message != want {
				t.Errorf("stalled pull = %d %q, want %d %q", got.ErrCode, got.Message, worker.PullErrSource, want)
			}
			if got.Attempts != 1 {
				t.Errorf("stalled pull took %d attempts, want 1 (a stall is final)", got.Attempts)
			}
		}
	})
}

// TestPullTimeouts: a source that accepts the connection and never answers
// fails with the connect timeout, one that sends a byte at a time fails
// with the total limit; both with 60000 and a message saying which.
func TestPullTimeouts(t *testing.T) {
	onStores(t, func(t *testing.T, b *pullBundle) {
		b.pull.ConnectTimeout, b.pull.IdleTimeout, b.pull.TotalTimeout = 500*time.Millisecond, 5*time.Second, 1500*time.Millisecond
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() { // accepts, reads the request, never answers
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
				go io.Copy(io.Discard, c)
			}
		}()
		src := sources(t, nil)
		silent := b.submit(t, b.app(t, "silent"), "http://"+ln.Addr().String()+"/file.mp4")
		trickle := b.submit(t, b.app(t, "trickle"), src.URL+"/trickle")
		b.run(t, 4)
		for task, want := range map[*openvod.Task]string{
			silent:  "the MediaUrl did not answer within 500ms",
			trickle: "the MediaUrl did not finish within 1.5s",
		} {
			got := b.await(t, task, 10*time.Second)
			if got.ErrCode != worker.PullErrSource || got.Message != want {
				t.Errorf("pull = %d %q, want %d %q", got.ErrCode, got.Message, worker.PullErrSource, want)
			}
		}
	})
}

// TestPullUsesInjectedClock: the media record of a pull takes its times
// from NowFunc, not from the wall clock.
func TestPullUsesInjectedClock(t *testing.T) {
	onStores(t, func(t *testing.T, b *pullBundle) {
		at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
		b.pull.NowFunc = func() time.Time { return at }
		src := sources(t, []byte("some bytes"))
		app := b.app(t, "clock")
		task := b.submit(t, app, src.URL+"/good")
		b.run(t, 1)
		got := b.await(t, task, 10*time.Second)
		out, err := pulltask.View(got)
		if err != nil || out.ErrCode != 0 {
			t.Fatalf("pull = %+v, %v", out, err)
		}
		m, err := b.st.MediaGet(t.Context(), app.ID, out.FileId)
		if err != nil {
			t.Fatal(err)
		}
		if !m.CreateTime.Equal(at) || !m.UpdateTime.Equal(at) {
			t.Fatalf("media CreateTime %v, UpdateTime %v, want the injected %v", m.CreateTime, m.UpdateTime, at)
		}
		if out.MediaBasicInfo.CreateTime != openvod.FormatTime(at) {
			t.Fatalf("PullComplete CreateTime = %q, want %q", out.MediaBasicInfo.CreateTime, openvod.FormatTime(at))
		}
	})
}
