package tcapi

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
)

// clipVideoRequest is openvod's ClipVideo: an API 3.0-style action on a
// FileId (the 2017 ClipVideo's successor) whose task emits ClipComplete.
type clipVideoRequest struct {
	FileId          string  `json:"FileId" tc:"required"`
	StartTimeOffset float64 `json:"StartTimeOffset"`
	EndTimeOffset   float64 `json:"EndTimeOffset"`
	Precision       string  `json:"Precision"`
	MediaName       string  `json:"MediaName"`
	ClassId         int64   `json:"ClassId"`
	ExpireTime      string  `json:"ExpireTime"`
	SourceContext   string  `json:"SourceContext"`
	SessionContext  string  `json:"SessionContext"`
	SessionId       string  `json:"SessionId"`
	HideLeadIn      *bool   `json:"HideLeadIn"`
	// Procedure names the task flow started on the clip.
	Procedure string `json:"Procedure"`
	// TasksPriority orders the clip among runnable tasks, and its flow.
	TasksPriority int64 `json:"TasksPriority"`
	// Accepted and ignored.
	ExtInfo string `json:"ExtInfo"`
}

type clipVideoResponse struct {
	TaskId string `json:"TaskId"`
}

func (a *API) clipVideo(ctx context.Context, c *call) (any, error) {
	var req clipVideoRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	precision := req.Precision
	switch precision {
	case "":
		precision = cliptask.Fast
	case cliptask.Fast, cliptask.Exact:
	default:
		return nil, openvod.InvalidValue("Precision", true, "must be Fast or Exact, got %q", req.Precision)
	}
	expire, err := parseExpireTime(req.ExpireTime, c.Now)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkMediaName(req.MediaName), checkClassID(req.ClassId),
		checkContexts(req.SourceContext, req.SessionContext, req.SessionId), checkTasksPriority(req.TasksPriority)); err != nil {
		return nil, err
	}
	if req.SessionId != "" {
		t, err := a.cfg.Store.TaskFindBySession(ctx, c.App.ID, openvod.TaskClip, req.SessionId, c.Now.Add(-SessionWindow))
		if err == nil {
			return &clipVideoResponse{TaskId: t.ID}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	m, err := a.cfg.Store.MediaGet(ctx, c.App.ID, req.FileId)
	if errors.Is(err, store.ErrNotFound) {
		return nil, openvod.InvalidValue("FileId", true, "no media %q in app %d", req.FileId, c.App.ID)
	}
	if err != nil {
		return nil, err
	}
	proc, err := hookProcedure(ctx, a.cfg.Store, c.App.ID, req.Procedure, req.SessionContext)
	if err != nil {
		return nil, err
	}
	if proc != nil {
		proc.TasksPriority = req.TasksPriority
	}
	in := &cliptask.Input{
		SrcFileId: m.FileID, SrcStorageKey: m.StorageKey, Requested: precision, Precision: precision,
		HideLeadIn: req.HideLeadIn == nil || *req.HideLeadIn, MediaName: req.MediaName, ClassId: req.ClassId,
		ExpireTime: expire, SourceContext: req.SourceContext, SessionContext: req.SessionContext,
		SessionId: req.SessionId, RequestStart: req.StartTimeOffset, RequestEnd: req.EndTimeOffset,
		StorageKey: media.NewStorageKey(c.App.ID, "mp4"), Procedure: proc,
	}
	if in.MediaName == "" {
		in.MediaName = m.Name
	}
	if err := a.checkClip(ctx, m, in); err != nil {
		return nil, err
	}
	t, err := cliptask.New(c.App.ID, in, c.Now)
	if err != nil {
		return nil, err
	}
	t.Priority = req.TasksPriority
	if t, err = a.cfg.Store.TaskInsertOnce(ctx, t, c.Now.Add(-SessionWindow)); err != nil {
		return nil, err
	}
	a.cfg.WakeTasks()
	return &clipVideoResponse{TaskId: t.ID}, nil
}

// sourceChecks bounds the ClipVideo requests reading a source's moov at
// once; a request over the cap waits for a slot, as long as its context lasts.
var sourceChecks = clip.NewInspector(max(2, runtime.NumCPU()))

// checkClip reads the source's headers (clip.Inspect: memory bounded
// whatever the moov size), resolves the requested offsets to an absolute
// range and checks it, choosing Exact when the headers show that Fast
// cannot cut the source and ffmpeg is there. The worker plans the cut. A
// source whose moov cannot be parsed is left to the task to fail; a media
// store that fails to deliver it fails the request.
func (a *API) checkClip(ctx context.Context, m *openvod.Media, in *cliptask.Input) error {
	exact := in.Precision == cliptask.Exact
	if exact && !ffmpeg.Available() {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "%s", clip.ErrNoFFmpeg.Error())
	}
	obj, err := a.cfg.Sources.Open(ctx, m.StorageKey)
	if err != nil {
		return fmt.Errorf("open source: %w", err)
	}
	defer obj.Close()
	reads := &blob.ReadErrors{R: obj}
	src, err := sourceChecks.Inspect(ctx, reads, obj.Info().Size)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && reads.Err() != nil:
		// The store failed, not the source: the range is unchecked.
		return fmt.Errorf("read source: %w", reads.Err())
	case errors.Is(err, clip.ErrTooLarge):
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "FileId %s cannot be clipped: %v", m.FileID, err)
	case err != nil:
		// A corrupt or truncated source: the task runs, fails, and its
		// ClipComplete says why (ErrCode 60000).
		in.Start, in.End = in.RequestStart, in.RequestEnd
		return nil
	}
	start, end := in.RequestStart, in.RequestEnd
	if start < 0 {
		start += src.Duration
	}
	switch {
	case end == 0:
		end = src.Duration
	case end < 0:
		end += src.Duration
	}
	if src.Unsupported != nil && !exact && !ffmpeg.Available() {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "FileId %s cannot be clipped: %v", m.FileID, src.Unsupported)
	}
	var re *clip.RangeError
	if err := src.CheckRange(start, end); errors.As(err, &re) {
		field, v := "EndTimeOffset", end
		if re.Bound == clip.BoundStart {
			field, v = "StartTimeOffset", start
		}
		return openvod.InvalidValue(field, true, "resolves to %g s, which %s", v, re.Reason)
	}
	in.Start, in.End = start, end
	if src.Unsupported != nil {
		in.Precision = cliptask.Exact // Fast cannot cut it exactly: re-encode
	}
	return nil
}
