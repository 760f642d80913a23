package worker_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/pulltask"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
)

// TestPullLateAttemptKeepsCommittedBytes: attempt 1 of a PullUpload task
// is held by its source (the first request waits); its lease runs out,
// runner "b" claims the task as attempt 2, fetches other bytes and commits
// them; then the source answers attempt 1, which stores its bytes late. The
// committed media's bytes stay attempt 2's, attempt 1's Finish fails and
// its own object is deleted, and the task's output key is never written.
func TestPullLateAttemptKeepsCommittedBytes(t *testing.T) {
	onStores(t, func(t *testing.T, b *pullBundle) {
		late, err := os.ReadFile("../clip/testdata/bf0_gop8s.mp4")
		if err != nil {
			t.Fatal(err)
		}
		current, err := os.ReadFile("../clip/testdata/bf2_gop1s.mp4")
		if err != nil {
			t.Fatal(err)
		}
		reached, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			first := false
			once.Do(func() { first = true })
			if !first {
				w.Write(current)
				return
			}
			close(reached)
			<-release
			w.Write(late)
		}))
		t.Cleanup(src.Close)
		t.Cleanup(func() {
			select {
			case <-release:
			default:
				close(release) // let the handler end if the test failed early
			}
		})
		app := b.app(t, "app")
		task := b.submit(t, app, src.URL+"/a.mp4")
		now := time.Now()

		// runner starts a queue runner whose clock reads at and whose
		// leases outlast the test, so that no heartbeat runs.
		runner := func(owner string, at time.Time, h queue.Handler) {
			r := queue.New(queue.Config{Store: b.st, Owner: owner, Logger: b.svc.Logger, PollInterval: 20 * time.Millisecond,
				LeaseDuration: time.Hour, NowFunc: func() time.Time { return at },
				Handlers: map[openvod.TaskType]queue.Handler{openvod.TaskPullUpload: h}})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { r.Run(ctx); close(done) }()
			t.Cleanup(func() { cancel(); <-done })
		}
		firstDone := make(chan error, 1)
		runner("a", now, reportingHandler{b.pull, firstDone})
		<-reached
		runner("b", now.Add(2*time.Hour), b.pull)

		done := b.await(t, task, 30*time.Second)
		view, err := pulltask.View(done)
		if err != nil {
			t.Fatal(err)
		}
		if done.Attempts != 2 || done.ErrCode != 0 {
			t.Fatalf("task finished after %d attempts with %d %q, want attempt 2's success", done.Attempts, done.ErrCode, done.Message)
		}
		m, err := b.st.MediaGet(context.Background(), app.ID, view.FileId)
		if err != nil {
			t.Fatal(err)
		}
		if want := openvod.AttemptKey(done.OutputKey, 2); m.StorageKey != want {
			t.Errorf("media StorageKey %s, want attempt 2's %s", m.StorageKey, want)
		}

		close(release)
		select {
		case err := <-firstDone:
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("attempt 1 returned %v, want its lost lease (store.ErrConflict)", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("attempt 1 did not end")
		}
		ctx := context.Background()
		obj, err := b.svc.Blobs.Open(ctx, m.StorageKey)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.Info().Size))
		obj.Close()
		if err != nil || string(got) != string(current) || m.Size != int64(len(current)) {
			t.Errorf("the committed media holds %d bytes (size %d, same as attempt 2's: %v; %v), want attempt 2's %d",
				len(got), m.Size, string(got) == string(current), err, len(current))
		}
		for _, key := range []string{openvod.AttemptKey(done.OutputKey, 1), done.OutputKey} {
			if _, err := b.svc.Blobs.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("Stat(%s) = %v, want not found", key, err)
			}
		}
	})
}
