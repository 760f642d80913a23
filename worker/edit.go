package worker

import (
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
	"github.com/openvod/openvod/edittask"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/mp4"
	"github.com/openvod/openvod/process"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// Edit joins ranges of media into one new MP4 (EditMedia, FastEditMedia,
// ConcatVideo): by stream copy with the Go cutter (clip.PlanJoin) when
// the pieces' codec parameters match and no output video is asked for,
// else re-encoded by ffmpeg (process.Join), except for a copy-only task,
// which fails.
type Edit struct {
	// Media makes the output's media record and events.
	Media *media.Service
	// Blobs holds the sources and the outputs.
	Blobs blob.Bucket
	// Events commits a finished task with its events.
	Events Transactor
	Logger *slog.Logger
	// ScratchDir holds a re-encode's output until it is stored.
	ScratchDir string
	// Timeout bounds a re-encode (process.TimeoutFor the output's
	// duration when 0).
	Timeout time.Duration
	// NowFunc returns the current time; nil means time.Now.
	NowFunc func() time.Time
}

var _ queue.Handler = (*Edit)(nil)

// editError is a failure of the task's input or sources, final for it.
type editError struct {
	code    int64  // edittask.ErrInput or edittask.ErrSource
	ext     string // ErrCodeExt
	message string
}

func (e *editError) Error() string { return e.message }

// Run makes the joined file, stores it as new media and finishes the task
// in one transaction with its event (EditMediaComplete, ConcatComplete,
// or PersistenceComplete for FastEditMedia) and NewFileUpload. The attempt
// writes its own object (openvod.AttemptKey of the task's output key),
// deleted unless it commits, as the clip worker's.
func (e *Edit) Run(ctx context.Context, t *openvod.Task, l *queue.Lease) error {
	var in edittask.Input
	if err := json.Unmarshal(t.Input, &in); err != nil {
		return e.fail(ctx, t, l, &in, &edittask.Output{ErrCode: edittask.ErrInternal, ErrCodeExt: "InternalError", Message: "the task input is unreadable"})
	}
	at := newAttempt(e.Blobs, e.Logger, t, in.StorageKey)
	out, err := e.join(ctx, t, &in, at.key(), l)
	if err != nil {
		var ee *editError
		var ste *storeError
		switch {
		case errors.As(err, &ee):
			at.delete(ctx, at.key())
			return e.fail(ctx, t, l, &in, &edittask.Output{ErrCode: ee.code, ErrCodeExt: ee.ext, Message: ee.message})
		case ctx.Err() != nil:
			return at.discard(ctx, ctx.Err())
		case errors.As(err, &ste):
			return at.discard(ctx, err) // tried again later; GiveUp after the last attempt
		}
		e.Logger.Error("edit failed", "task_id", t.ID, "err", err)
		at.delete(ctx, at.key())
		return e.fail(ctx, t, l, &in, &edittask.Output{ErrCode: edittask.ErrInternal, ErrCodeExt: "InternalError", Message: "making the file failed: " + err.Error()})
	}
	p := media.NewMediaParams{
		FileID: in.FileId, SubAppID: t.SubAppID, Name: in.MediaName, ClassID: in.ClassId, Type: "mp4", StorageKey: at.key(),
		SourceType: "VideoProcessing", ExpireTime: in.ExpireTime, Now: e.now(),
	}
	return at.commitMedia(ctx, e.Media, e.Events, p, in.Procedure, e.now, func(q store.Querier, em *eventlog.Emitter, m *openvod.Media, procID string) error {
		out.Message, out.FileId, out.FileUrl, out.MetaData = "SUCCESS", m.FileID, e.Media.URL(m.StorageKey), media.MetaData(m)
		out.ProcedureTaskId = procID
		return e.finish(ctx, q, em, t, l, &in, out)
	})
}

// GiveUp finishes an edit that kept failing.
func (e *Edit) GiveUp(ctx context.Context, t *openvod.Task, l *queue.Lease, cause error) error {
	var in edittask.Input
	json.Unmarshal(t.Input, &in)
	return e.fail(ctx, t, l, &in, &edittask.Output{ErrCode: edittask.ErrInternal, ErrCodeExt: "InternalError", Message: cause.Error()})
}

// fail finishes the task with out, a failure, and its event (none for a
// persistence task: PersistenceComplete says only that it completed).
func (e *Edit) fail(ctx context.Context, t *openvod.Task, l *queue.Lease, in *edittask.Input, out *edittask.Output) error {
	return e.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		return e.finish(ctx, q, em, t, l, in, out)
	})
}

// finish stores out as the task's output, finishing it, and emits its
// event, in the caller's transaction.
func (e *Edit) finish(ctx context.Context, q store.Querier, em *eventlog.Emitter, t *openvod.Task, l *queue.Lease, in *edittask.Input, out *edittask.Output) error {
	output, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if err := l.Finish(ctx, q, out.ErrCode, out.Message, output); err != nil {
		return err
	}
	var ev *vodevent.EventContent
	switch in.Action {
	case edittask.FastEditMedia:
		if out.ErrCode != 0 {
			return nil
		}
		ev = &vodevent.EventContent{EventType: vodevent.TypePersistenceComplete, PersistenceCompleteEvent: &vodevent.PersistenceCompleteTask{
			FileId: out.FileId, PersistenceSource: edittask.FastEditMedia,
		}}
	case edittask.ConcatVideo:
		ev = &vodevent.EventContent{EventType: vodevent.TypeConcatComplete, ConcatCompleteEvent: edittask.ConcatTask(t, out)}
	default:
		task := edittask.EditMediaTask(t, in, out)
		ev = &vodevent.EventContent{EventType: vodevent.TypeEditMediaComplete, EditMediaComplete: task, EditMediaCompleteEvent: task}
	}
	return em.Emit(ctx, t.SubAppID, ev)
}

// now returns the current time.
func (e *Edit) now() time.Time {
	if e.NowFunc != nil {
		return e.NowFunc()
	}
	return time.Now()
}

// editSource is one source of a join, open.
type editSource struct {
	obj   blob.Object
	reads *blob.ReadErrors
	movie *mp4.Movie
	key   string
}

// join makes the joined file into key and returns the output without its
// media: a stream copy when it can, else a re-encode.
func (e *Edit) join(ctx context.Context, t *openvod.Task, in *edittask.Input, key string, l *queue.Lease) (*edittask.Output, error) {
	srcs := map[string]*editSource{}
	defer func() {
		for _, s := range srcs {
			s.obj.Close()
		}
	}()
	pieces := make([]*editSource, len(in.Pieces))
	for i, p := range in.Pieces {
		if s := srcs[p.StorageKey]; s != nil {
			pieces[i] = s
			continue
		}
		obj, err := e.Blobs.Open(ctx, p.StorageKey)
		if errors.Is(err, blob.ErrNotFound) || errors.Is(err, blob.ErrInvalidKey) {
			return nil, &editError{edittask.ErrSource, "SourceFileError", fmt.Sprintf("FileInfos[%d]: the source media %s cannot be read: %v", i, p.FileId, err)}
		}
		if err != nil {
			return nil, &storeError{err}
		}
		s := &editSource{obj: obj, reads: &blob.ReadErrors{R: obj}, key: p.StorageKey}
		srcs[p.StorageKey] = s
		if s.movie, err = clip.ParseSource(s.reads, obj.Info().Size); err != nil {
			if s.reads.Err() != nil {
				return nil, &storeError{s.reads.Err()}
			}
			return nil, &editError{edittask.ErrSource, "SourceFileError.ContentMalformed", fmt.Sprintf("FileInfos[%d]: media %s cannot be read: %v", i, p.FileId, err)}
		}
		pieces[i] = s
	}
	why := "OutputConfig.VideoStream asks for a video encode"
	if in.VideoStream == nil {
		out, err := e.copy(ctx, in, pieces, key)
		var me *clip.MismatchError
		switch {
		case err == nil:
			return out, nil
		case errors.As(err, &me):
			why = fmt.Sprintf("FileInfos[%d] cannot be stream-copied after FileInfos[0]: %s", me.Index, me.Reason)
			if me.Handler != "" {
				why = fmt.Sprintf("FileInfos[%d] cannot be stream-copied after FileInfos[0]: its %s track: %s", me.Index, me.Handler, me.Reason)
			}
		case errors.Is(err, clip.ErrUnsupported):
			why = err.Error()
		default:
			return nil, err
		}
		if in.CopyOnly {
			return nil, &editError{edittask.ErrInput, "InvalidInput.ConfigurationUnsupported", why + "; FastEditMedia only copies (EditMedia re-encodes)"}
		}
		if !ffmpeg.Available() {
			return nil, &editError{edittask.ErrInput, "InvalidInput.ConfigurationUnsupported", why + "; a re-encode needs ffmpeg, which is not installed"}
		}
	}
	return e.reencode(ctx, t, in, pieces, key, why, l)
}

// copy plans the stream-copy join and writes it into a new object under
// key; it returns PlanJoin's mismatch and unsupported errors as they are.
func (e *Edit) copy(ctx context.Context, in *edittask.Input, srcs []*editSource, key string) (*edittask.Output, error) {
	pieces := make([]clip.Piece, len(srcs))
	for i, s := range srcs {
		var from io.ReaderAt = s.reads
		if f := blob.LocalFile(s.obj); f != nil {
			from = f
		}
		pieces[i] = clip.Piece{Movie: s.movie, Src: from, Start: in.Pieces[i].Start, End: in.Pieces[i].End}
	}
	plan, err := clip.PlanJoin(pieces)
	var pe *clip.PieceError
	switch {
	case err != nil && errors.As(err, &pe) && !errors.Is(err, clip.ErrUnsupported):
		if r := srcs[pe.Index].reads.Err(); r != nil {
			return nil, &storeError{r}
		}
		return nil, &editError{edittask.ErrInput, "InvalidInput.InvalidTimeOffset", fmt.Sprintf("FileInfos[%d]: %v", pe.Index, pe.Err)}
	case err != nil:
		return nil, err
	}
	w, err := e.Blobs.Create(ctx, key)
	if err != nil {
		return nil, &storeError{err}
	}
	defer w.Abort()
	var dst io.Writer = w
	if f := w.File(); f != nil {
		dst = f
	}
	if _, err := plan.WriteTo(dst); err != nil {
		return nil, &storeError{err}
	}
	if _, err := w.Commit(ctx); err != nil {
		return nil, &storeError{err}
	}
	out := &edittask.Output{JoinMethod: vodevent.JoinStreamCopy}
	for _, p := range plan.Pieces {
		out.Ranges = append(out.Ranges, edittask.Range{EffectiveStart: p.EffectiveStart, EffectiveEnd: p.EffectiveEnd, OutputStart: p.OutputStart})
	}
	return out, nil
}

// reencode joins the pieces with ffmpeg into a scratch file and stores it
// under key. The basis (the output's size, and its bit rate for
// Definition 20) is the piece of the most pixels, or of the highest bit
// rate; the output's video is in.VideoStream's where it names it.
func (e *Edit) reencode(ctx context.Context, t *openvod.Task, in *edittask.Input, srcs []*editSource, key, why string, l *queue.Lease) (*edittask.Output, error) {
	metas := make(map[string]*vodevent.MediaMetaData, len(srcs))
	sources := make(map[string]*process.Source, len(srcs))
	pieces := make([]process.JoinPiece, len(srcs))
	var basis *process.Source
	var basisRate int64
	for i, s := range srcs {
		src := sources[s.key]
		if src == nil {
			m, err := e.Media.Store.MediaGet(ctx, t.SubAppID, in.Pieces[i].FileId)
			if errors.Is(err, store.ErrNotFound) {
				return nil, &editError{edittask.ErrSource, "SourceFileError", fmt.Sprintf("FileInfos[%d]: media %s was deleted", i, in.Pieces[i].FileId)}
			}
			if err != nil {
				return nil, err
			}
			meta := media.MetaData(m)
			v := sourceOf(meta)
			src = &v
			path, url, err := locateSource(ctx, e.Blobs, s.obj, s.key, e.timeout(in))
			if err != nil {
				return nil, fmt.Errorf("re-encode: %w", err)
			}
			src.Path, src.URL = path, url
			sources[s.key], metas[s.key] = src, meta
		}
		pieces[i] = process.JoinPiece{Source: src, Start: in.Pieces[i].Start, End: in.Pieces[i].End}
		better := basis == nil
		if !better && in.Definition == edittask.BasisBitrate {
			better = src.Bitrate > basis.Bitrate
		} else if !better {
			better = src.Width*src.Height > basis.Width*basis.Height
		}
		if better {
			basis = src
			if a := metas[s.key].AudioStreamSet; len(a) > 0 {
				basisRate = a[0].SamplingRate
			}
		}
	}
	dir, err := os.MkdirTemp(e.ScratchDir, "join-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	jo := process.JoinOutput{Basis: basis, BasisBitrate: in.Definition == edittask.BasisBitrate, SampleRate: basisRate}
	if v := in.VideoStream; v != nil {
		jo.Video = templates.VideoTemplateInfo{Codec: v.Codec, Bitrate: v.Bitrate, ResolutionAdaptive: v.ResolutionAdaptive,
			Width: v.Width, Height: v.Height, Fps: v.Fps}
	}
	res, err := process.Join(ctx, pieces, jo, dir, process.Options{Timeout: e.Timeout,
		Progress: func(p float64) { l.SetProgress(ctx, int64(min(99, p*100))) }})
	var pe *process.Error
	switch {
	case errors.As(err, &pe):
		return nil, &editError{edittask.ErrInput, pe.Code, pe.Message}
	case err != nil:
		var fe *ffmpeg.Error
		if errors.As(err, &fe) {
			return nil, &editError{edittask.ErrSource, "SourceFileError", "ffmpeg could not join the pieces: " + fe.Reason}
		}
		return nil, err
	}
	f, err := os.Open(res.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := e.Blobs.Put(ctx, key, f, 0); err != nil {
		return nil, &storeError{err}
	}
	out := &edittask.Output{JoinMethod: vodevent.JoinReencode, Reencoded: why, VideoEncoder: res.VideoEncoder}
	var at float64
	for _, p := range in.Pieces {
		out.Ranges = append(out.Ranges, edittask.Range{EffectiveStart: p.Start, EffectiveEnd: p.End, OutputStart: at})
		at += p.End - p.Start
	}
	return out, nil
}

// timeout returns the longest a re-encode of in may run.
func (e *Edit) timeout(in *edittask.Input) time.Duration {
	if e.Timeout > 0 {
		return e.Timeout
	}
	var d float64
	for _, p := range in.Pieces {
		d += p.End - p.Start
	}
	return process.TimeoutFor(d)
}
