package worker

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// Clip error codes (ClipFileInfo2017.ErrCode of a failed clip).
const (
	ClipErrSource   = 60000 // the source cannot be read or clipped
	ClipErrInternal = 70000 // openvod could not make or store the clip
)

// Transactor runs fn in one transaction whose events are handed on after
// it commits (an *eventlog.Log).
type Transactor interface {
	Tx(ctx context.Context, fn func(q store.Querier, em *eventlog.Emitter) error) error
}

// Clip makes clips: Fast with the Go cutter, Exact with ffmpeg. It plans
// the cut itself: the request only checked the range (clip.Inspect).
type Clip struct {
	// Media makes the output's media record and events.
	Media *media.Service
	// Blobs holds the sources and the outputs.
	Blobs blob.Bucket
	// Events commits a finished task with its events.
	Events Transactor
	Logger *slog.Logger
	// ScratchDir holds Exact mode's temporary files; emptied at start.
	ScratchDir string
	// ExactTimeout bounds one ffmpeg run (clip.ExactTimeoutDefault when 0).
	ExactTimeout time.Duration
	// NowFunc returns the current time; nil means time.Now.
	NowFunc func() time.Time
}

var _ queue.Handler = (*Clip)(nil)

// Run makes the clip, stores it as new media and finishes the task with a
// ClipComplete event (PersistenceComplete for a persistence task), and
// NewFileUpload, in one transaction. The attempt writes its own object
// (openvod.AttemptKey of the task's output key), which the media record
// names; it deletes the object when it does not commit it, and earlier
// attempts' objects when it finishes the task.
func (c *Clip) Run(ctx context.Context, t *openvod.Task, l *queue.Lease) error {
	var in cliptask.Input
	if err := json.Unmarshal(t.Input, &in); err != nil {
		return c.fail(ctx, t, l, &in, ClipErrInternal, "the task input is unreadable")
	}
	at := newAttempt(c.Blobs, c.Logger, t, in.StorageKey)
	in.StorageKey = at.key()
	out, err := c.cut(ctx, &in, l)
	if err != nil {
		var se *sourceError
		if errors.As(err, &se) {
			return c.fail(ctx, t, l, &in, ClipErrSource, se.Error())
		}
		if ctx.Err() != nil {
			return at.discard(ctx, ctx.Err())
		}
		var ste *storeError
		if errors.As(err, &ste) {
			return at.discard(ctx, err) // tried again later; GiveUp after the last attempt
		}
		c.Logger.Error("clip failed", "task_id", t.ID, "err", err)
		return c.fail(ctx, t, l, &in, ClipErrInternal, "making the clip failed: "+err.Error())
	}
	p := media.NewMediaParams{
		FileID: in.FileId, SubAppID: t.SubAppID, Name: in.MediaName, ClassID: in.ClassId, Type: "mp4", StorageKey: in.StorageKey,
		SourceType: "VideoProcessing", SourceContext: in.SourceContext, ExpireTime: in.ExpireTime, Now: c.now(),
	}
	return at.commitMedia(ctx, c.Media, c.Events, p, in.Procedure, c.now, func(q store.Querier, em *eventlog.Emitter, m *openvod.Media, procID string) error {
		out.Task = &vodevent.ClipTask2017{TaskId: t.ID, SrcFileId: in.SrcFileId, FileInfo: &vodevent.ClipFileInfo2017{
			ErrCode: 0, Message: "", FileId: m.FileID, FileUrl: c.Media.URL(m.StorageKey), FileType: "mp4",
		}}
		out.ProcedureTaskId = procID
		output, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if err := l.Finish(ctx, q, 0, "", output); err != nil {
			return err
		}
		return em.Emit(ctx, t.SubAppID, finished(&in, out.Task))
	})
}

// GiveUp finishes a clip that kept failing.
func (c *Clip) GiveUp(ctx context.Context, t *openvod.Task, l *queue.Lease, cause error) error {
	var in cliptask.Input
	json.Unmarshal(t.Input, &in)
	in.StorageKey = openvod.AttemptKey(in.StorageKey, t.Attempts)
	return c.fail(ctx, t, l, &in, ClipErrInternal, cause.Error())
}

// fail removes the attempt's output, if any, and finishes the task with a
// failed ClipComplete (no event for a persistence task).
func (c *Clip) fail(ctx context.Context, t *openvod.Task, l *queue.Lease, in *cliptask.Input, code int64, msg string) error {
	if in.StorageKey != "" {
		if err := c.Blobs.Delete(ctx, in.StorageKey); err != nil {
			return err
		}
	}
	task := &vodevent.ClipTask2017{TaskId: t.ID, SrcFileId: in.SrcFileId, FileInfo: &vodevent.ClipFileInfo2017{
		ErrCode: code, Message: msg, FileType: "mp4",
	}}
	output, err := json.Marshal(&cliptask.Output{Task: task, Precision: in.Precision})
	if err != nil {
		return err
	}
	return c.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		if err := l.Finish(ctx, q, code, msg, output); err != nil {
			return err
		}
		if in.PersistenceSource != "" {
			return nil // PersistenceComplete says only that it completed
		}
		return em.Emit(ctx, t.SubAppID, finished(in, task))
	})
}

// finished returns the event of a finished clip: ClipComplete, or
// PersistenceComplete for a persistence task (which the eventlog emits
// only when the app's PersistenceCompleteEventSwitch is on).
func finished(in *cliptask.Input, task *vodevent.ClipTask2017) *vodevent.EventContent {
	if in.PersistenceSource != "" {
		return &vodevent.EventContent{EventType: vodevent.TypePersistenceComplete, PersistenceCompleteEvent: &vodevent.PersistenceCompleteTask{
			FileId: task.FileInfo.FileId, PersistenceSource: in.PersistenceSource,
		}}
	}
	return &vodevent.EventContent{EventType: vodevent.TypeClipComplete, ClipCompleteEvent: task}
}

// sourceError is a failure caused by the source, final for the task.
type sourceError struct{ error }

// storeError is a failure of the media store (unreachable, full), which a
// later attempt may not meet.
type storeError struct{ error }

// now returns the current time.
func (c *Clip) now() time.Time {
	if c.NowFunc != nil {
		return c.NowFunc()
	}
	return time.Now()
}

// cut plans the clip and makes it into in.StorageKey (the attempt's key):
// Fast with the Go cutter unless Exact was chosen or planning shows that
// Fast cannot cut the source exactly and ffmpeg is there. It returns the
// cut made.
func (c *Clip) cut(ctx context.Context, in *cliptask.Input, l *queue.Lease) (*cliptask.Output, error) {
	src, err := c.Blobs.Open(ctx, in.SrcStorageKey)
	if errors.Is(err, blob.ErrNotFound) || errors.Is(err, blob.ErrInvalidKey) {
		return nil, &sourceError{fmt.Errorf("the source media cannot be read: %w", err)}
	}
	if err != nil {
		return nil, &storeError{err}
	}
	defer src.Close()
	exact := in.Precision == cliptask.Exact
	reads := &blob.ReadErrors{R: src}
	movie, err := clip.ParseSource(reads, src.Info().Size)
	var plan *clip.Plan
	if err == nil {
		// The Fast plan also snaps the range to frames for Exact, so that
		// both precisions start on the frame shown at Start.
		plan, err = clip.PlanFast(movie, reads, in.Start, in.End, in.HideLeadIn || exact)
	}
	if err != nil && reads.Err() != nil {
		// The store failed to deliver the source: not the source's fault.
		return nil, &storeError{reads.Err()}
	}
	switch {
	case exact:
		start, end := in.Start, in.End
		if err == nil {
			start, end = plan.EffectiveStart, plan.EffectiveEnd
		}
		return c.cutExact(ctx, in, src, start, end, l)
	case errors.Is(err, clip.ErrUnsupported) && ffmpeg.Available():
		return c.cutExact(ctx, in, src, in.Start, in.End, l) // Fast cannot cut it exactly: re-encode
	case err != nil:
		return nil, &sourceError{fmt.Errorf("the source cannot be cut: %w", err)}
	}
	if err := c.write(ctx, in.StorageKey, plan, src); err != nil {
		return nil, &storeError{err}
	}
	return &cliptask.Output{EffectiveStart: plan.EffectiveStart, EffectiveEnd: plan.EffectiveEnd, HiddenLeadIn: plan.LeadIn, Precision: cliptask.Fast}, nil
}

// write writes the planned clip into a new object under key. When both the
// source and the object are local files, WriteTo copies between them in the
// kernel; a source in object storage is read with one request of the span
// the plan copies.
func (c *Clip) write(ctx context.Context, key string, plan *clip.Plan, src blob.Object) error {
	w, err := c.Blobs.Create(ctx, key)
	if err != nil {
		return err
	}
	defer w.Abort()
	var dst io.Writer = w
	if f := w.File(); f != nil {
		dst = f
	}
	var from io.ReaderAt = src
	if f := blob.LocalFile(src); f != nil {
		from = f
	}
	off, end := plan.SourceSpan()
	blob.WillRead(src, off, end)
	if _, err := plan.WriteTo(dst, from); err != nil {
		return err
	}
	_, err = w.Commit(ctx)
	return err
}

// cutExact re-encodes [start, end) with ffmpeg into a scratch file, checks
// it with openvod's own parser, then stores it whole. ffmpeg reads a local
// source as its file and one in object storage through a presigned URL.
func (c *Clip) cutExact(ctx context.Context, in *cliptask.Input, src blob.Object, start, end float64, l *queue.Lease) (*cliptask.Output, error) {
	dir, err := os.MkdirTemp(c.ScratchDir, "exact-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	params := clip.ExactParams{
		ScratchDir: dir, Start: start, End: end, Timeout: c.ExactTimeout,
		Progress: func(p float64) { l.SetProgress(ctx, int64(min(99, p*100))) },
	}
	if err := c.locate(ctx, &params, src, in.SrcStorageKey); err != nil {
		return nil, err
	}
	res, err := clip.Exact(ctx, params)
	if err != nil {
		var ue *clip.ExactSourceError
		if !errors.As(err, &ue) {
			return nil, err
		}
		if params.SrcURL != "" {
			// ffmpeg read through the network: if the store is not there
			// now, blame it rather than the source.
			if _, serr := c.Blobs.Stat(ctx, in.SrcStorageKey); serr != nil {
				return nil, &storeError{fmt.Errorf("%w (and the media store: %w)", err, serr)}
			}
		}
		return nil, &sourceError{err}
	}
	f, err := os.Open(res.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := c.Blobs.Put(ctx, in.StorageKey, f, 0); err != nil {
		return nil, &storeError{err}
	}
	return &cliptask.Output{EffectiveStart: start, EffectiveEnd: end, Precision: cliptask.Exact, VideoEncoder: res.VideoEncoder}, nil
}

// locate tells ffmpeg where the source is: its file when it is local,
// else a presigned URL valid for the longest ffmpeg run.
func (c *Clip) locate(ctx context.Context, p *clip.ExactParams, src blob.Object, key string) error {
	path, url, err := locateSource(ctx, c.Blobs, src, key, cmp.Or(c.ExactTimeout, clip.ExactTimeoutDefault))
	if err != nil {
		return fmt.Errorf("exact clip: %w", err)
	}
	p.SrcPath, p.SrcURL = path, url
	if url != "" {
		p.Src, p.SrcSize = src, src.Info().Size
	}
	return nil
}
