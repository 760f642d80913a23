package worker

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/process"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/task2017"
	"github.com/openvod/openvod/vodevent"
)

// Procedure runs task flows (openvod.TaskProcedure: ProcessMedia, task
// flow templates; and the 2017-style tasks of package task2017, flows of
// one kind of sub-task that end with their 2017 event): each sub-task with the processing engine (package
// process) into a scratch directory, its files uploaded whole to the media
// store, then recorded. See docs/api.md, "ProcessMedia and
// ProcedureStateChanged".
type Procedure struct {
	// Media names the outputs' URLs and probes MP4 outputs.
	Media *media.Service
	// Blobs holds the sources and the outputs.
	Blobs blob.Bucket
	// Events commits each sub-task's outputs and state with its events.
	Events Transactor
	Logger *slog.Logger
	// ScratchDir holds the engine's files until they are uploaded; the
	// server empties it at start.
	ScratchDir string
	// Timeout bounds each ffmpeg run (process.TimeoutFor the run's media
	// when 0).
	Timeout time.Duration
	// NowFunc returns the current time; nil means time.Now.
	NowFunc func() time.Time
}

var _ queue.Handler = (*Procedure)(nil)

// Run does the sub-tasks the task's state has not done, in steps: the
// transcodes of one range together (one decode of the source), every other
// sub-task alone. Each step's files go under the attempt's prefix
// (<OutputKey>a<attempt>/<sub-task>/, so that an attempt never writes
// where another one did) and are recorded, with the state, in one
// transaction that holds the lease. A sub-task the engine refuses (a
// *process.Error) fails alone, with its code; a media store that fails is
// tried again (the queue's attempts). The task finishes, with its FINISH
// event, when every sub-task has its result.
func (p *Procedure) Run(ctx context.Context, t *openvod.Task, l *queue.Lease) error {
	in, err := proctask.ReadInput(t)
	if err != nil {
		p.Logger.Error("task flow input unreadable", "task_id", t.ID, "err", err)
		return p.finishUnreadable(ctx, l, "the task input is unreadable")
	}
	st, err := proctask.ReadState(t, in)
	if err != nil {
		return err
	}
	f := &flow{p: p, t: t, l: l, in: in, st: st, subs: proctask.SubTasks(in)}
	return f.run(ctx)
}

// GiveUp finishes a flow that kept failing: the sub-tasks not done fail
// with InternalError and cause.
func (p *Procedure) GiveUp(ctx context.Context, t *openvod.Task, l *queue.Lease, cause error) error {
	in, err := proctask.ReadInput(t)
	if err != nil {
		return p.finishUnreadable(ctx, l, cause.Error())
	}
	st, err := proctask.ReadState(t, in)
	if err != nil {
		st = &proctask.State{Results: make([]proctask.Result, len(proctask.SubTasks(in)))}
	}
	f := &flow{p: p, t: t, l: l, in: in, st: st, subs: proctask.SubTasks(in)}
	f.failPending(process.Errorf(internalCode, "%v", cause))
	return f.finish(ctx)
}

// finishUnreadable finishes a task whose input cannot be read with 70000
// and msg, and no event: there is no flow to show.
func (p *Procedure) finishUnreadable(ctx context.Context, l *queue.Lease, msg string) error {
	return p.Events.Tx(ctx, func(q store.Querier, _ *eventlog.Emitter) error {
		return l.Finish(ctx, q, proctask.ErrInternal, msg, nil)
	})
}

// now returns the current time.
func (p *Procedure) now() time.Time {
	if p.NowFunc != nil {
		return p.NowFunc()
	}
	return time.Now()
}

// flow is one attempt of a task flow.
type flow struct {
	p    *Procedure
	t    *openvod.Task
	l    *queue.Lease
	in   *proctask.Input
	st   *proctask.State
	subs []proctask.SubTask
}

// errMediaGone is a commit that found the source media deleted.
var errMediaGone = errors.New("the media was deleted while it was processed")

// run reads the source's record and does the pending steps, then finishes
// the task.
func (f *flow) run(ctx context.Context) error {
	m, err := f.p.Media.Store.MediaGet(ctx, f.t.SubAppID, f.in.FileId)
	if errors.Is(err, store.ErrNotFound) {
		f.failPending(process.Errorf("SourceFileError", "the media %s no longer exists", f.in.FileId))
		return f.finish(ctx)
	}
	if err != nil {
		return err
	}
	if f.st.MetaData == nil {
		f.st.FileName, f.st.FileUrl, f.st.MetaData = m.Name, f.p.Media.URL(m.StorageKey), media.MetaData(m)
		if f.t.Type == openvod.TaskTranscode {
			if f.st.CoverUrl, err = f.coverURL(ctx, m); err != nil {
				return err
			}
		}
	}
	if len(m.MetaData) == 0 {
		f.failPending(process.Errorf("SourceFileError.ContentUnsupported", "openvod cannot read the source: %s", m.MetaError))
		return f.finish(ctx)
	}
	if !strings.HasSuffix(f.t.OutputKey, "/") {
		f.failPending(process.Errorf(internalCode, "the task has no output prefix"))
		return f.finish(ctx)
	}
	src := sourceOf(f.st.MetaData)
	for _, step := range f.steps(src.Duration) {
		if f.st.Results[step[0]].Done() { // failed with the source
			continue
		}
		err := f.runStep(ctx, m.StorageKey, src, step)
		if errors.Is(err, errMediaGone) {
			f.failPending(process.Errorf("SourceFileError", "%v", err))
			break
		}
		if err != nil {
			return err
		}
	}
	return f.finish(ctx)
}

// sourceOf is the process.Source of a media file's metadata, without its
// location.
func sourceOf(meta *vodevent.MediaMetaData) process.Source {
	src := process.Source{Duration: meta.Duration, VideoDuration: meta.VideoDuration, Rotate: meta.Rotate, HasAudio: len(meta.AudioStreamSet) > 0, Bitrate: meta.Bitrate}
	if len(meta.VideoStreamSet) > 0 {
		v := meta.VideoStreamSet[0]
		src.HasVideo, src.Width, src.Height, src.Fps = true, v.Width, v.Height, float64(v.Fps)
	}
	return src
}

// steps returns the pending sub-tasks (indexes into f.subs) in the runs
// that make them, in SubTasks order: the transcodes of one resolved range
// together (a step where the first of them is), every other sub-task
// alone.
func (f *flow) steps(duration float64) [][]int {
	var steps [][]int
	ranges := map[[2]float64]int{} // a range's step
	for i, sub := range f.subs {
		if f.st.Results[i].Done() {
			continue
		}
		if sub.Type != vodevent.ResultTranscode {
			steps = append(steps, []int{i})
			continue
		}
		k := transcodeRange(&f.in.Task.TranscodeTaskSet[sub.Index], duration)
		if s, ok := ranges[k]; ok {
			steps[s] = append(steps[s], i)
			continue
		}
		ranges[k] = len(steps)
		steps = append(steps, []int{i})
	}
	return steps
}

// offset resolves a Tencent time offset of media of d seconds: 0 is def
// (the start, or the end), n > 0 second n, -n n seconds before the end.
func offset(v, d, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return d + v
	}
	return v
}

// transcodeRange is the range, in seconds, a transcode asks for.
func transcodeRange(in *vodevent.TranscodeTaskInput, d float64) [2]float64 {
	return [2]float64{offset(in.StartTimeOffset, d, 0), offset(in.EndTimeOffset, d, d)}
}

// made is what one sub-task of a step made: its output item and the
// keys of its files, or the failure that is its result.
type made struct {
	item any
	keys []string
	fail *process.Error
}

// runStep runs the sub-tasks of step, uploads their files and records
// their results. It returns the errors that make the attempt stop: the
// media store's, the database's, a lost lease, errMediaGone.
func (f *flow) runStep(ctx context.Context, srcKey string, src process.Source, step []int) error {
	begin := f.p.now()
	dir, err := os.MkdirTemp(f.p.ScratchDir, "proc-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	obj, err := f.p.Blobs.Open(ctx, srcKey)
	if errors.Is(err, blob.ErrNotFound) || errors.Is(err, blob.ErrInvalidKey) {
		return f.sourceGone(ctx, err)
	}
	if err != nil {
		return &storeError{err}
	}
	defer obj.Close()
	src.Path, src.URL, err = locateSource(ctx, f.p.Blobs, obj, srcKey, f.urlTTL(src.Duration))
	if err != nil {
		return &storeError{err}
	}
	src.Bytes, src.Size = obj, obj.Info().Size
	opt := process.Options{Timeout: f.p.Timeout, Progress: f.progress(ctx, len(step))}
	outs, err := f.produce(ctx, &src, step, dir, opt)
	if err == nil {
		err = f.checkSource(ctx, srcKey, &src, outs)
	}
	if err != nil || f.st.Results[step[0]].Done() {
		f.deleteKeys(ctx, outs) // nothing records them
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return f.commit(ctx, step, outs, begin)
}

// sourceGone handles a source whose bytes are not in the media store
// (cause): errMediaGone when its media was deleted, else every sub-task
// not done fails with SourceFileError.DownloadNotAccessible.
func (f *flow) sourceGone(ctx context.Context, cause error) error {
	_, err := f.p.Media.Store.MediaGet(ctx, f.t.SubAppID, f.in.FileId)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errMediaGone
	case err != nil:
		return err
	}
	f.failPending(process.Errorf("SourceFileError.DownloadNotAccessible", "the source media cannot be read: %v", cause))
	return nil
}

// checkSource looks at the source when the engine failed on its own
// (InternalError) in outs: gone from the media store, the source decides
// (sourceGone); read through the network from a store that does not
// answer now, the failure is the store's, tried again.
func (f *flow) checkSource(ctx context.Context, srcKey string, src *process.Source, outs []made) error {
	for _, o := range outs {
		if o.fail == nil || o.fail.Code != internalCode {
			continue
		}
		_, err := f.p.Blobs.Stat(ctx, srcKey)
		switch {
		case errors.Is(err, blob.ErrNotFound):
			return f.sourceGone(ctx, err)
		case err != nil && src.URL != "":
			return &storeError{fmt.Errorf("%s (and the media store: %w)", o.fail.Message, err)}
		}
		return nil
	}
	return nil
}

// urlTTL is how long a presigned URL of a source of d seconds stays
// valid: ten of the step's longest runs (a step may run ffmpeg more than
// once: snapshots in batches), at most the 7 days S3 allows.
func (f *flow) urlTTL(d float64) time.Duration {
	return min(7*24*time.Hour, 10*cmp.Or(f.p.Timeout, process.TimeoutFor(d)))
}

// progress returns the engine's progress observer of a step of n
// sub-tasks: the task's progress, written at most once a second.
func (f *flow) progress(ctx context.Context, n int) func(float64) {
	var mu sync.Mutex
	var last time.Time
	var written int64 = -1
	return func(frac float64) {
		mu.Lock()
		defer mu.Unlock()
		p := f.st.Progress(n, frac)
		if p == written || time.Since(last) < time.Second {
			return
		}
		last, written = time.Now(), p
		if err := f.l.SetProgress(ctx, p); err != nil && ctx.Err() == nil {
			f.p.Logger.Warn("task progress not recorded", "task_id", f.t.ID, "err", err)
		}
	}
}

// prefix is the key prefix of sub-task i's files in this attempt.
func (f *flow) prefix(i int) string {
	return f.t.OutputKey + "a" + strconv.FormatInt(f.t.Attempts, 10) + "/" + strconv.Itoa(i) + "/"
}

// commit records the results of step's sub-tasks (outs, in order) with
// their outputs, in one transaction holding the lease, with a
// ProcedureStateChanged PROCESSING event in TasksNotifyMode Change when
// sub-tasks remain. Outputs replaced are deleted once it commits; when it
// does not, its own files are.
func (f *flow) commit(ctx context.Context, step []int, outs []made, begin time.Time) error {
	now := f.p.now()
	next := *f.st
	next.Results = slices.Clone(f.st.Results)
	for j, i := range step {
		r := &next.Results[i]
		r.BeginProcessTime, r.FinishTime = begin, now
		if o := outs[j]; o.fail != nil {
			r.Status, r.ErrCodeExt, r.ErrCode, r.Message = vodevent.SubTaskFail, o.fail.Code, errCode(o.fail.Code), o.fail.Message
		} else {
			item, err := json.Marshal(o.item)
			if err != nil {
				return err
			}
			r.Status, r.Message, r.Output, r.Keys = vodevent.SubTaskSuccess, "SUCCESS", item, o.keys
		}
	}
	state, err := json.Marshal(&next)
	if err != nil {
		return err
	}
	var replaced []string
	var fnErr error
	err = f.p.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		replaced = nil
		fnErr = func() error {
			for j, i := range step {
				if outs[j].fail != nil {
					continue
				}
				r := &next.Results[i]
				old, err := q.MediaOutputPut(ctx, &openvod.MediaOutput{SubAppID: f.t.SubAppID, FileID: f.in.FileId,
					Kind: f.subs[i].Type, Definition: f.definition(i), Item: r.Output, Keys: r.Keys, TaskID: f.t.ID, CreateTime: now})
				if errors.Is(err, store.ErrNotFound) {
					return errMediaGone
				}
				if err != nil {
					return err
				}
				replaced = append(replaced, old...)
			}
			if err := f.l.SetState(ctx, q, state); err != nil {
				return err
			}
			if f.in.TasksNotifyMode == proctask.NotifyChange && next.Pending() > 0 {
				return f.emit(ctx, em, &next, openvod.TaskProcessing)
			}
			return nil
		}()
		return fnErr
	})
	switch {
	case fnErr != nil:
		f.deleteKeys(ctx, outs)
	case err == nil:
		*f.st = next
		for _, o := range outs {
			if o.fail != nil { // files of a sub-task that failed after its upload
				replaced = append(replaced, o.keys...)
			}
		}
		f.p.Media.DeleteBlobs(ctx, f.in.FileId, replaced)
	}
	return err
}

// finish finishes the task with its FINISH event (unless TasksNotifyMode
// is None), then deletes what earlier attempts wrote and no result
// records.
func (f *flow) finish(ctx context.Context) error {
	err := f.p.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		state, err := json.Marshal(f.st)
		if err != nil {
			return err
		}
		if err := f.l.SetState(ctx, q, state); err != nil {
			return err
		}
		if err := f.l.Finish(ctx, q, 0, "", nil); err != nil {
			return err
		}
		if f.in.TasksNotifyMode == proctask.NotifyNone {
			return nil
		}
		return f.emit(ctx, em, f.st, openvod.TaskFinish)
	})
	if err != nil {
		return err
	}
	f.deleteDeadAttempts(ctx)
	return nil
}

// emit appends the event of the flow with state st and status: its
// ProcedureStateChanged, or, for a 2017-style task (which finishes with
// TasksNotifyMode Finish: one event), its 2017 event.
func (f *flow) emit(ctx context.Context, em *eventlog.Emitter, st *proctask.State, status openvod.TaskStatus) error {
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	t := *f.t
	t.State, t.Status, t.Progress = state, status, st.Progress(0, 0)
	if task2017.Is(t.Type) {
		e, err := task2017.Event(&t)
		if err != nil {
			return err
		}
		return em.Emit(ctx, f.t.SubAppID, e)
	}
	view, err := proctask.View(&t)
	if err != nil {
		return err
	}
	return em.Emit(ctx, f.t.SubAppID, &vodevent.EventContent{EventType: vodevent.TypeProcedureStateChanged, ProcedureStateChangeEvent: view})
}

// coverURL is the cover of m now (DescribeMediaInfos' CoverUrl).
func (f *flow) coverURL(ctx context.Context, m *openvod.Media) (string, error) {
	outputs, err := f.p.Media.Store.MediaOutputListItems(ctx, m.SubAppID, []string{m.FileID})
	if err != nil {
		return "", err
	}
	infos, err := f.p.Media.Outputs(m, outputs)
	if err != nil {
		return "", err
	}
	return infos.CoverUrl, nil
}

// failPending gives every sub-task not done the result e.
func (f *flow) failPending(e *process.Error) {
	now := f.p.now()
	for i := range f.st.Results {
		if r := &f.st.Results[i]; !r.Done() {
			*r = proctask.Result{Status: vodevent.SubTaskFail, ErrCodeExt: e.Code, ErrCode: errCode(e.Code), Message: e.Message,
				BeginProcessTime: now, FinishTime: now}
		}
	}
}

// internalCode is the ErrCodeExt of a failure of openvod's own.
const internalCode = "InternalError"

// errCode is the legacy ErrCode of an ErrCodeExt.
func errCode(ext string) int64 {
	switch {
	case strings.HasPrefix(ext, "InvalidInput"):
		return proctask.ErrInput
	case strings.HasPrefix(ext, "SourceFileError"):
		return proctask.ErrSource
	}
	return proctask.ErrInternal
}

// deleteKeys deletes the files outs uploaded, which no record names.
func (f *flow) deleteKeys(ctx context.Context, outs []made) {
	var keys []string
	for _, o := range outs {
		keys = append(keys, o.keys...)
	}
	f.p.Media.DeleteBlobs(context.WithoutCancel(ctx), f.in.FileId, keys)
}

// deleteDeadAttempts deletes the files earlier attempts of the finished
// task uploaded and no result records (those of a sub-task they did not
// commit); what it cannot delete the janitor sweeps, since nothing refers
// to it now.
func (f *flow) deleteDeadAttempts(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	kept := map[string]bool{}
	for _, r := range f.st.Results {
		for _, k := range r.Keys {
			kept[k] = true
		}
	}
	var dead []string
	for n := int64(1); n < f.t.Attempts; n++ {
		infos, err := f.p.Blobs.List(ctx, f.t.OutputKey+"a"+strconv.FormatInt(n, 10)+"/")
		if err != nil {
			f.p.Logger.Warn("files of earlier attempts left to the janitor", "task_id", f.t.ID, "err", err)
			return
		}
		for _, info := range infos {
			if !kept[info.Key] {
				dead = append(dead, info.Key)
			}
		}
	}
	f.p.Media.DeleteBlobs(ctx, f.in.FileId, dead)
}
