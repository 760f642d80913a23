// Package worker holds the task kinds openvod runs in the background; it is
// the package that joins the queue, the store, the media store and media.
package worker

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/netguard"
	"github.com/openvod/openvod/pulltask"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// PullUpload error codes (Tencent's PullUploadTask.ErrCode values).
const (
	PullErrSource   = 60000 // the source could not be fetched
	PullErrInternal = 70000 // openvod could not store it
)

// Defaults of PullUpload's timeouts.
const (
	PullConnectTimeoutDefault = 10 * time.Second
	PullIdleTimeoutDefault    = 30 * time.Second
	PullTotalTimeoutDefault   = 2 * time.Hour
)

// PullUpload fetches a MediaUrl into the media store and makes it media.
// A source that does not answer, stalls or takes too long fails its task
// with PullErrSource and a message saying which; zero timeouts take the
// defaults.
type PullUpload struct {
	// Media makes the media record and its events.
	Media *media.Service
	// Blobs stores the fetched bytes.
	Blobs blob.Bucket
	// Events commits a finished task with its events.
	Events Transactor
	Logger *slog.Logger
	// Client fetches the MediaUrl. Build it on a netguard.Policy's
	// Transport, so the URL's host and every redirect are checked.
	Client *http.Client
	// MaxSize is the largest file fetched, in bytes.
	MaxSize int64
	// ConnectTimeout bounds the time from the request to the response
	// headers (connecting, redirects included).
	ConnectTimeout time.Duration
	// IdleTimeout bounds the time the body may go without a byte.
	IdleTimeout time.Duration
	// TotalTimeout bounds the whole fetch.
	TotalTimeout time.Duration
	// NowFunc returns the current time; nil means time.Now.
	NowFunc func() time.Time
}

var _ queue.Handler = (*PullUpload)(nil)

// Run fetches, stores and commits the media, then finishes the task. Like
// Clip.Run, the attempt writes and commits its own object.
func (p *PullUpload) Run(ctx context.Context, t *openvod.Task, l *queue.Lease) error {
	var in pulltask.Input
	if err := json.Unmarshal(t.Input, &in); err != nil {
		return p.fail(ctx, t, l, &in, PullErrInternal, "the task input is unreadable")
	}
	at := newAttempt(p.Blobs, p.Logger, t, in.StorageKey)
	in.StorageKey = at.key() // this attempt's own object
	if err := p.fetch(ctx, &in, l); err != nil {
		var fe *fetchError
		if errors.As(err, &fe) {
			return p.fail(ctx, t, l, &in, fe.code, fe.msg)
		}
		return at.discard(ctx, err)
	}
	mp := media.NewMediaParams{
		SubAppID: t.SubAppID, Name: in.MediaName, ClassID: in.ClassId, Type: in.MediaType,
		StorageKey: in.StorageKey, SourceType: "Upload", SourceContext: in.SourceContext,
		ExpireTime: in.ExpireTime, Now: p.now(),
	}
	return at.commitMedia(ctx, p.Media, p.Events, mp, in.Procedure, p.now, func(q store.Querier, em *eventlog.Emitter, m *openvod.Media, procID string) error {
		result := p.result(t, &in)
		result.ErrCode, result.Message = 0, "SUCCESS"
		result.FileId = m.FileID
		result.MediaBasicInfo = p.Media.BasicInfo(m)
		result.MetaData = media.MetaData(m)
		result.FileUrl = p.Media.URL(m.StorageKey)
		result.Progress = 100
		result.ProcedureTaskId = procID
		output, err := json.Marshal(result)
		if err != nil {
			return err
		}
		if err := l.Finish(ctx, q, 0, "SUCCESS", output); err != nil {
			return err
		}
		return em.Emit(ctx, t.SubAppID, pullComplete(result))
	})
}

// GiveUp finishes a task that kept failing.
func (p *PullUpload) GiveUp(ctx context.Context, t *openvod.Task, l *queue.Lease, cause error) error {
	var in pulltask.Input
	json.Unmarshal(t.Input, &in)
	in.StorageKey = openvod.AttemptKey(in.StorageKey, t.Attempts)
	return p.fail(ctx, t, l, &in, PullErrInternal, cause.Error())
}

func (p *PullUpload) now() time.Time {
	if p.NowFunc != nil {
		return p.NowFunc()
	}
	return time.Now()
}

func (p *PullUpload) result(t *openvod.Task, in *pulltask.Input) *vodevent.PullUploadTask {
	return &vodevent.PullUploadTask{
		TaskId: t.ID, Status: string(openvod.TaskFinish),
		SessionContext: in.SessionContext, SessionId: in.SessionId,
	}
}

// fail finishes the task with an error and removes any fetched bytes.
func (p *PullUpload) fail(ctx context.Context, t *openvod.Task, l *queue.Lease, in *pulltask.Input, code int64, msg string) error {
	if in.StorageKey != "" {
		if err := p.Blobs.Delete(ctx, in.StorageKey); err != nil && !errors.Is(err, blob.ErrInvalidKey) {
			return err
		}
	}
	result := p.result(t, in)
	result.ErrCode, result.Message = code, msg
	output, err := json.Marshal(result)
	if err != nil {
		return err
	}
	return p.Events.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		if err := l.Finish(ctx, q, code, msg, output); err != nil {
			return err
		}
		return em.Emit(ctx, t.SubAppID, pullComplete(result))
	})
}

// pullComplete returns the PullComplete event of a finished task.
func pullComplete(result *vodevent.PullUploadTask) *vodevent.EventContent {
	return &vodevent.EventContent{EventType: vodevent.TypePullComplete, PullCompleteEvent: result}
}

// fetchError is a failure of the source, final for the task.
type fetchError struct {
	code int64
	msg  string
}

func (e *fetchError) Error() string { return e.msg }

// fetch streams the MediaUrl into the media store, reporting progress. It
// ends the fetch with a fetchError when the source breaks a timeout; an
// error of taskCtx (lease lost, shutdown) is returned as it is.
func (p *PullUpload) fetch(taskCtx context.Context, in *pulltask.Input, l *queue.Lease) (err error) {
	connect := cmp.Or(p.ConnectTimeout, PullConnectTimeoutDefault)
	idle := cmp.Or(p.IdleTimeout, PullIdleTimeoutDefault)
	total := cmp.Or(p.TotalTimeout, PullTotalTimeoutDefault)
	ctx, cancel := context.WithCancelCause(taskCtx)
	defer cancel(nil)
	ctx, stop := context.WithTimeoutCause(ctx, total,
		&fetchError{PullErrSource, fmt.Sprintf("the MediaUrl did not finish within %v", total)})
	defer stop()
	defer func() {
		// A broken timeout is the cause of whatever error it led to.
		var fe *fetchError
		if err != nil && taskCtx.Err() == nil && errors.As(context.Cause(ctx), &fe) {
			err = fe
		}
	}()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.MediaUrl, nil)
	if err != nil {
		return &fetchError{PullErrSource, "the MediaUrl is not a valid URL"}
	}
	watchdog := time.AfterFunc(connect, func() {
		cancel(&fetchError{PullErrSource, fmt.Sprintf("the MediaUrl did not answer within %v", connect)})
	})
	resp, err := p.Client.Do(req)
	watchdog.Stop()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var denied *netguard.DeniedError
		if errors.As(err, &denied) {
			// The MediaUrl's host or a redirect's.
			return &fetchError{PullErrSource, "the MediaUrl's address is not allowed: " + denied.Error()}
		}
		return &fetchError{PullErrSource, "fetching the MediaUrl failed: " + err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &fetchError{PullErrSource, fmt.Sprintf("the MediaUrl answered HTTP %d", resp.StatusCode)}
	}
	if resp.ContentLength > p.MaxSize {
		return &fetchError{PullErrSource, fmt.Sprintf("the file is larger than the limit of %d bytes", p.MaxSize)}
	}
	stalled := time.AfterFunc(idle, func() {
		cancel(&fetchError{PullErrSource, fmt.Sprintf("the MediaUrl stalled: no byte for %v", idle)})
	})
	defer stalled.Stop()
	counter := &countingReader{r: resp.Body, onData: func() { stalled.Reset(idle) }}
	stopProgress := reportProgress(ctx, l, counter, resp.ContentLength)
	_, err = p.Blobs.Put(ctx, in.StorageKey, counter, p.MaxSize)
	stopProgress()
	switch {
	case errors.Is(err, blob.ErrTooLarge):
		return &fetchError{PullErrSource, fmt.Sprintf("the file is larger than the limit of %d bytes", p.MaxSize)}
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil && counter.readErr != nil:
		return &fetchError{PullErrSource, "reading the MediaUrl failed: " + counter.readErr.Error()}
	case err != nil:
		p.Logger.Error("pull upload not stored", "err", err)
		return &fetchError{PullErrInternal, "storing the file failed"}
	}
	return nil
}

// countingReader counts bytes read, calls onData when some came, and
// remembers a read error.
type countingReader struct {
	r       io.Reader
	onData  func()
	n       atomic.Int64
	readErr error
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.onData()
	}
	c.n.Add(int64(n))
	if err != nil && err != io.EOF {
		c.readErr = err
	}
	return n, err
}

// reportProgress records download progress every second until stopped.
func reportProgress(ctx context.Context, l *queue.Lease, c *countingReader, total int64) (stop func()) {
	done := make(chan struct{})
	go func() {
		ticker := time.NewTicker(time.Second)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				if total > 0 {
					l.SetProgress(ctx, min(99, c.n.Load()*100/total))
				}
			}
		}
	}()
	return func() { close(done) }
}
