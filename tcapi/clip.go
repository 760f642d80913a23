package tcapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/mp4"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/worker"
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
	// Accepted and ignored.
	Procedure     string `json:"Procedure"`
	ExtInfo       string `json:"ExtInfo"`
	TasksPriority int64  `json:"TasksPriority"`
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
		precision = worker.PrecisionFast
	case worker.PrecisionFast, worker.PrecisionExact:
	default:
		return nil, openvod.InvalidValue("Precision", true, "must be Fast or Exact, got %q", req.Precision)
	}
	expire, err := parseExpireTime(req.ExpireTime, c.Now)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkMediaName(req.MediaName), checkClassID(req.ClassId),
		checkContexts(req.SourceContext, req.SessionContext, req.SessionId)); err != nil {
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
	in := &worker.ClipInput{
		SrcFileId: m.FileID, SrcStorageKey: m.StorageKey, Requested: precision, Precision: precision,
		HideLeadIn: req.HideLeadIn == nil || *req.HideLeadIn, MediaName: req.MediaName, ClassId: req.ClassId,
		ExpireTime: expire, SourceContext: req.SourceContext, SessionContext: req.SessionContext,
		SessionId: req.SessionId, RequestStart: req.StartTimeOffset, RequestEnd: req.EndTimeOffset,
		StorageKey: media.NewStorageKey(c.App.ID, "mp4"),
	}
	if in.MediaName == "" {
		in.MediaName = m.Name
	}
	if err := a.planClip(ctx, m, in); err != nil {
		return nil, err
	}
	t, err := worker.NewClipTask(c.App.ID, in, c.Now)
	if err != nil {
		return nil, err
	}
	if t, err = a.cfg.Store.TaskInsertOnce(ctx, t, c.Now.Add(-SessionWindow)); err != nil {
		return nil, err
	}
	a.cfg.WakeTasks()
	return &clipVideoResponse{TaskId: t.ID}, nil
}

// planClip reads the source's moov, resolves the requested offsets to an
// absolute range and checks that the clip can be made, choosing Exact when
// Fast cannot cut the source and ffmpeg is there. A source whose moov or
// sample tables cannot be read is left to the task to fail.
func (a *API) planClip(ctx context.Context, m *openvod.Media, in *worker.ClipInput) error {
	obj, err := a.cfg.Media.Blobs.Open(ctx, m.StorageKey)
	if err != nil {
		return fmt.Errorf("open source: %w", err)
	}
	defer obj.Close()
	movie, err := mp4.Parse(obj, obj.Info().Size)
	if err != nil {
		// A corrupt or truncated source: the task runs, fails, and its
		// ClipComplete says why (ErrCode 60000).
		in.Start, in.End = in.RequestStart, in.RequestEnd
		return nil
	}
	duration := movie.Info().Duration
	start, end := in.RequestStart, in.RequestEnd
	if start < 0 {
		start += duration
	}
	switch {
	case end == 0:
		end = duration
	case end < 0:
		end += duration
	}
	if start < 0 || start >= duration {
		return openvod.InvalidValue("StartTimeOffset", true, "resolves to %gs, outside the media (0 to %gs)", start, duration)
	}
	if end <= start {
		return openvod.InvalidValue("EndTimeOffset", true, "resolves to %gs, not after the start %gs", end, start)
	}
	in.Start, in.End = start, end
	exact := in.Precision == worker.PrecisionExact
	if exact && !clip.FFmpegAvailable() {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "%s", clip.ErrNoFFmpeg.Error())
	}
	// The Fast plan also snaps the range to frames for Exact, so that both
	// precisions start on the frame shown at Start.
	plan, err := clip.PlanFast(movie, obj, start, end, in.HideLeadIn || exact)
	var re *clip.RangeError
	switch {
	case err == nil:
		if exact {
			in.Start, in.End = plan.EffectiveStart, plan.EffectiveEnd
		}
		return nil
	case errors.As(err, &re):
		field := "EndTimeOffset"
		if re.Bound == clip.BoundStart {
			field = "StartTimeOffset"
		}
		return openvod.InvalidValue(field, true, "%s", re.Error())
	case errors.Is(err, clip.ErrUnsupported):
		if !exact && !clip.FFmpegAvailable() {
			return openvod.Errorf(openvod.CodeUnsupportedOperation, "FileId %s cannot be clipped: %v", m.FileID, err)
		}
		// Fast cannot cut it exactly: re-encode.
		if end > duration {
			return openvod.InvalidValue("EndTimeOffset", true, "resolves to %gs, past the end of the media (%gs)", end, duration)
		}
		in.Precision = worker.PrecisionExact
		return nil
	}
	// Corrupt sample tables: the task fails, and its ClipComplete says why.
	return nil
}
