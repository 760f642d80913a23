package worker_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/media"
)

// TestClipOnS3: with the media on S3, a Fast clip is byte for byte
// CutFile's, and an Exact clip (ffmpeg reading a presigned URL) has the
// range's duration.
func TestClipOnS3(t *testing.T) {
	srv := s3test.Start(t)
	b := newClipBundleOn(t, 0, t.TempDir(), s3test.Open(t, srv.NewBucket(t)))
	in, out := b.clip(t, "bf2_gop1s.mp4", cliptask.Input{Start: 1.2, End: 2.5, Precision: cliptask.Fast, HideLeadIn: true})
	if out.Task.FileInfo.ErrCode != 0 {
		t.Fatalf("Fast clip on S3: %+v", out.Task.FileInfo)
	}
	want := filepath.Join(t.TempDir(), "want.mp4")
	if _, err := clip.CutFile(want, "../clip/testdata/bf2_gop1s.mp4", 1.2, 2.5, true); err != nil {
		t.Fatal(err)
	}
	wantBytes, _ := os.ReadFile(want)
	if got := b.read(t, openvod.AttemptKey(in.StorageKey, 1)); !bytes.Equal(got, wantBytes) {
		t.Fatalf("Fast clip on S3 (%d bytes) differs from CutFile's (%d bytes)", len(got), len(wantBytes))
	}

	in, out = b.clip(t, "bf2_gop1s.mp4", cliptask.Input{Start: 0.5, End: 2, Precision: cliptask.Exact})
	if out.Task.FileInfo.ErrCode != 0 || out.Precision != cliptask.Exact {
		t.Fatalf("Exact clip on S3: %+v", out.Task.FileInfo)
	}
	got := b.read(t, openvod.AttemptKey(in.StorageKey, 1))
	info, err := clip.Verify(bytes.NewReader(got), int64(len(got)), 1.5)
	if err != nil || info.Duration < 1.45 || info.Duration > 1.55 {
		t.Fatalf("Exact clip on S3: %v, duration %v; want 1.5 s", err, info)
	}
}

// TestClipStoreDownRetried: a clip that finds the media store down is not
// failed: it is tried again, and succeeds once the store is back.
func TestClipStoreDownRetried(t *testing.T) {
	srv := s3test.Start(t)
	b := newClipBundleOn(t, 0, t.TempDir(), s3test.Open(t, srv.NewBucket(t)))
	ctx := context.Background()
	data, err := os.ReadFile("../clip/testdata/bf2_gop1s.mp4")
	if err != nil {
		t.Fatal(err)
	}
	in := cliptask.Input{SrcFileId: "src", SrcStorageKey: "src/s.mp4", Start: 1, End: 2, Precision: cliptask.Fast, Requested: cliptask.Fast,
		StorageKey: media.NewStorageKey(openvod.DefaultSubAppID, "mp4")}
	if _, err := b.blobs.Put(ctx, in.SrcStorageKey, bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	task, err := cliptask.New(openvod.DefaultSubAppID, &in, b.now)
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := b.st.TaskInsert(ctx, task); err != nil {
		t.Fatal(err)
	}
	b.runner.Wake()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := b.st.TaskGet(ctx, openvod.DefaultSubAppID, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == openvod.TaskFinish {
			t.Fatalf("the clip finished with the store down: %s", got.Output)
		}
		if got.Attempts >= 2 {
			break // the first attempt failed and the task was tried again
		}
		if time.Now().After(deadline) {
			t.Fatalf("no second attempt within 30 s: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.Restart(t)
	_, out := b.wait(t, task.ID, 2*time.Minute)
	if out.Task.FileInfo.ErrCode != 0 {
		t.Fatalf("the clip retried after the store came back: %+v", out.Task.FileInfo)
	}
}

// read returns the bytes of the object under key.
func (b *clipBundle) read(t *testing.T, key string) []byte {
	t.Helper()
	o, err := b.blobs.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	got, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
