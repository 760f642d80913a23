package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/mp4"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// Clip precisions.
const (
	PrecisionFast  = "Fast"
	PrecisionExact = "Exact"
)

// Clip error codes (ClipFileInfo2017.ErrCode of a failed clip).
const (
	ClipErrSource   = 60000 // the source cannot be read or clipped
	ClipErrInternal = 70000 // openvod could not make or store the clip
)

// ClipInput is the stored input of a clip task, fixed when it is accepted.
type ClipInput struct {
	SrcFileId     string    `json:"SrcFileId"`
	SrcStorageKey string    `json:"SrcStorageKey"`
	Start         float64   `json:"Start"` // absolute seconds, resolved from the request's offsets
	End           float64   `json:"End"`
	Precision     string    `json:"Precision"` // the precision that will be used
	Requested     string    `json:"Requested"` // the precision asked for
	HideLeadIn    bool      `json:"HideLeadIn"`
	MediaName     string    `json:"MediaName"`
	ClassId       int64     `json:"ClassId"`
	ExpireTime    time.Time `json:"ExpireTime"`
	SourceContext string    `json:"SourceContext"`
	// SessionContext and SessionId are the request's, echoed in task details.
	SessionContext string `json:"SessionContext"`
	SessionId      string `json:"SessionId"`
	// RequestStart and RequestEnd are the offsets as requested.
	RequestStart float64 `json:"RequestStart"`
	RequestEnd   float64 `json:"RequestEnd"`
	// StorageKey of the output: a task redone after a crash rewrites the
	// same object, so one task never leaves two files.
	StorageKey string `json:"StorageKey"`
}

// ClipOutput is the stored result of a finished clip task.
type ClipOutput struct {
	Task           *vodevent.ClipTask2017 `json:"Task"`
	EffectiveStart float64                `json:"EffectiveStart"`
	EffectiveEnd   float64                `json:"EffectiveEnd"`
	HiddenLeadIn   float64                `json:"HiddenLeadIn"`
	Precision      string                 `json:"Precision"`
}

// NewClipTask returns a WAITING clip task for the app.
func NewClipTask(subAppID int64, in *ClipInput, now time.Time) (*openvod.Task, error) {
	input, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return &openvod.Task{
		ID: "clipVideo-" + openvod.RandomHex(10)[:19], SubAppID: subAppID, Type: openvod.TaskClip,
		Status: openvod.TaskWaiting, Input: input, SessionID: in.SessionId, OutputKey: in.StorageKey,
		CreateTime: now.UTC().Truncate(time.Second),
	}, nil
}

// ClipTaskView returns a clip task's input and its output (nil until finished).
func ClipTaskView(t *openvod.Task) (*ClipInput, *ClipOutput, error) {
	var in ClipInput
	if err := json.Unmarshal(t.Input, &in); err != nil {
		return nil, nil, fmt.Errorf("task %s input: %w", t.ID, err)
	}
	if len(t.Output) == 0 {
		return &in, nil, nil
	}
	var out ClipOutput
	if err := json.Unmarshal(t.Output, &out); err != nil {
		return nil, nil, fmt.Errorf("task %s output: %w", t.ID, err)
	}
	return &in, &out, nil
}

// Clip makes clips: Fast with the Go cutter, Exact with ffmpeg.
type Clip struct {
	Media *media.Service
	// ScratchDir holds Exact mode's temporary files; emptied at start.
	ScratchDir string
	// ExactTimeout bounds one ffmpeg run.
	ExactTimeout time.Duration
}

var _ queue.Handler = (*Clip)(nil)

// Run makes the clip, stores it as new media and finishes the task with a
// ClipComplete event, in one transaction.
func (c *Clip) Run(ctx context.Context, t *openvod.Task, l *queue.Lease) error {
	var in ClipInput
	if err := json.Unmarshal(t.Input, &in); err != nil {
		return c.fail(ctx, t, l, &in, ClipErrInternal, "the task input is unreadable")
	}
	out, err := c.cut(ctx, &in, l)
	if err != nil {
		var se *sourceError
		if errors.As(err, &se) {
			return c.fail(ctx, t, l, &in, ClipErrSource, se.Error())
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.Media.Logger.Error("clip failed", "task_id", t.ID, "err", err)
		return c.fail(ctx, t, l, &in, ClipErrInternal, "making the clip failed: "+err.Error())
	}
	m, err := c.Media.NewMedia(ctx, media.NewMediaParams{
		SubAppID: t.SubAppID, Name: in.MediaName, ClassID: in.ClassId, Type: "mp4", StorageKey: in.StorageKey,
		SourceType: "VideoProcessing", SourceContext: in.SourceContext, ExpireTime: in.ExpireTime, Now: time.Now(),
	})
	if err != nil {
		return err
	}
	out.Task = &vodevent.ClipTask2017{TaskId: t.ID, SrcFileId: in.SrcFileId, FileInfo: &vodevent.ClipFileInfo2017{
		ErrCode: 0, Message: "", FileId: m.FileID, FileUrl: c.Media.URL(m.StorageKey), FileType: "mp4",
	}}
	output, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return c.Media.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		if err := q.MediaInsert(ctx, m); err != nil {
			return err
		}
		if err := l.Finish(ctx, q, 0, "", output); err != nil {
			return err
		}
		if err := em.Emit(ctx, t.SubAppID, clipComplete(out.Task)); err != nil {
			return err
		}
		return em.Emit(ctx, t.SubAppID, c.Media.UploadEvent(m))
	})
}

// GiveUp finishes a clip that kept failing.
func (c *Clip) GiveUp(ctx context.Context, t *openvod.Task, l *queue.Lease, cause error) error {
	var in ClipInput
	json.Unmarshal(t.Input, &in)
	return c.fail(ctx, t, l, &in, ClipErrInternal, cause.Error())
}

// fail removes any output and finishes the task with a failed ClipComplete.
func (c *Clip) fail(ctx context.Context, t *openvod.Task, l *queue.Lease, in *ClipInput, code int64, msg string) error {
	if in.StorageKey != "" {
		if err := c.Media.Blobs.Delete(ctx, in.StorageKey); err != nil {
			return err
		}
	}
	task := &vodevent.ClipTask2017{TaskId: t.ID, SrcFileId: in.SrcFileId, FileInfo: &vodevent.ClipFileInfo2017{
		ErrCode: code, Message: msg, FileType: "mp4",
	}}
	output, err := json.Marshal(&ClipOutput{Task: task, Precision: in.Precision})
	if err != nil {
		return err
	}
	return c.Media.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		if err := l.Finish(ctx, q, code, msg, output); err != nil {
			return err
		}
		return em.Emit(ctx, t.SubAppID, clipComplete(task))
	})
}

// clipComplete returns the ClipComplete event of a finished clip.
func clipComplete(task *vodevent.ClipTask2017) *vodevent.EventContent {
	return &vodevent.EventContent{EventType: vodevent.TypeClipComplete, ClipCompleteEvent: task}
}

// sourceError is a failure caused by the source, final for the task.
type sourceError struct{ error }

// cut makes the clip into the output key and returns the cut made.
func (c *Clip) cut(ctx context.Context, in *ClipInput, l *queue.Lease) (*ClipOutput, error) {
	src, err := c.Media.Blobs.Open(ctx, in.SrcStorageKey)
	if err != nil {
		return nil, &sourceError{fmt.Errorf("the source media cannot be read: %w", err)}
	}
	defer src.Close()
	if in.Precision == PrecisionExact {
		return c.cutExact(ctx, in, src, l)
	}
	movie, err := mp4.Parse(src, src.Info().Size)
	if err != nil {
		return nil, &sourceError{fmt.Errorf("the source is not a readable MP4: %w", err)}
	}
	plan, err := clip.PlanFast(movie, src, in.Start, in.End, in.HideLeadIn)
	if err != nil {
		return nil, &sourceError{err}
	}
	pr, pw := io.Pipe()
	go func() { _, err := plan.WriteTo(pw, src); pw.CloseWithError(err) }()
	_, err = c.Media.Blobs.Put(ctx, in.StorageKey, pr, 0)
	pr.CloseWithError(err)
	if err != nil {
		return nil, err
	}
	return &ClipOutput{EffectiveStart: plan.EffectiveStart, EffectiveEnd: plan.EffectiveEnd, HiddenLeadIn: plan.LeadIn, Precision: PrecisionFast}, nil
}

// cutExact re-encodes the range with ffmpeg into a scratch file, checks it
// with openvod's own parser, then stores it.
func (c *Clip) cutExact(ctx context.Context, in *ClipInput, src blob.Object, l *queue.Lease) (*ClipOutput, error) {
	dir, err := os.MkdirTemp(c.ScratchDir, "exact-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srcPath, err := localPath(src, dir)
	if err != nil {
		return nil, err
	}
	res, err := clip.Exact(ctx, clip.ExactParams{
		SrcPath: srcPath, ScratchDir: dir, Start: in.Start, End: in.End, Timeout: c.ExactTimeout,
		Progress: func(p float64) { l.SetProgress(ctx, int64(min(99, p*100))) },
	})
	if err != nil {
		var ue *clip.ExactSourceError
		if errors.As(err, &ue) {
			return nil, &sourceError{err}
		}
		return nil, err
	}
	f, err := os.Open(res.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := c.Media.Blobs.Put(ctx, in.StorageKey, f, 0); err != nil {
		return nil, err
	}
	return &ClipOutput{EffectiveStart: in.Start, EffectiveEnd: in.End, Precision: PrecisionExact}, nil
}

// localPath returns a file path of the object for ffmpeg: its own when it
// is a local file, else a copy in dir.
func localPath(src blob.Object, dir string) (string, error) {
	if f, ok := src.(interface{ Name() string }); ok {
		return f.Name(), nil
	}
	f, err := os.Create(filepath.Join(dir, "source"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(f, io.NewSectionReader(src, 0, src.Info().Size)); err != nil {
		return "", err
	}
	return f.Name(), nil
}
