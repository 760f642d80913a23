package tcapi

import (
	"context"
	"errors"
	"math"
	"strings"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/mp4"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// Persistence sources (PersistenceCompleteTask.PersistenceSource).
const persistSimpleHlsClip = "SimpleHlsClip"

// simpleHlsClipRequest is SimpleHlsClipRequest, members in the SDK's
// order (SubAppId is the envelope's).
type simpleHlsClipRequest struct {
	Url             string  `json:"Url" tc:"required"`
	StartTimeOffset float64 `json:"StartTimeOffset"`
	EndTimeOffset   float64 `json:"EndTimeOffset"`
	IsPersistence   int64   `json:"IsPersistence"`
	ExpireTime      string  `json:"ExpireTime"`
	Procedure       string  `json:"Procedure"`
	ClassId         int64   `json:"ClassId"`
	SourceContext   string  `json:"SourceContext"`
	SessionContext  string  `json:"SessionContext"`
	// Precision is deprecated by Tencent: Rough and Precise are accepted
	// and ignored (the playlist is whole segments, the persisted file
	// frame-exact).
	Precision       string `json:"Precision"`
	OutputMediaType string `json:"OutputMediaType"`
	// Accepted and ignored.
	ExtInfo string `json:"ExtInfo"`
}

// simpleHlsClipResponse is SimpleHlsClipResponse, in the SDK's order.
type simpleHlsClipResponse struct {
	Url      string                  `json:"Url"`
	MetaData *vodevent.MediaMetaData `json:"MetaData"`
	FileId   string                  `json:"FileId"`
	TaskId   string                  `json:"TaskId"`
}

// simpleHlsClip answers the clipped playlist of an openvod HLS media
// playlist (whole segments, as Tencent) and, with IsPersistence 1,
// accepts a clip task making a new media file of the exact range, whose
// FileId is reserved now (docs/api.md).
func (a *API) simpleHlsClip(ctx context.Context, c *call) (any, error) {
	var req simpleHlsClipRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if req.IsPersistence != 0 && req.IsPersistence != 1 {
		return nil, openvod.InvalidValue("IsPersistence", true, "must be 0 or 1, got %d", req.IsPersistence)
	}
	if req.OutputMediaType != "" && req.OutputMediaType != "hls" {
		return nil, openvod.InvalidValue("OutputMediaType", true, "must be hls, got %q", req.OutputMediaType)
	}
	if p := req.Precision; p != "" && p != "Rough" && p != "Precise" {
		return nil, openvod.InvalidValue("Precision", true, "must be Rough or Precise (both deprecated and ignored), got %q", p)
	}
	expire, err := parseExpireTime(req.ExpireTime, c.Now)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkClassID(req.ClassId), checkContexts(req.SourceContext, req.SessionContext, "")); err != nil {
		return nil, err
	}
	m, track, ix, err := a.hlsPlaylist(ctx, c.App.ID, req.Url)
	if err != nil {
		return nil, err
	}
	r, err := hlsClipRange(ix.Duration, req.StartTimeOffset, req.EndTimeOffset)
	if err != nil {
		return nil, err
	}
	resp := &simpleHlsClipResponse{
		Url: a.cfg.Media.HLSClipURL(m.StorageKey, r, track.PlaylistName()), MetaData: hlsClipMetaData(m, ix, track, r),
	}
	if req.IsPersistence == 0 {
		return resp, nil
	}
	proc, err := hookProcedure(ctx, a.cfg.Store, c.App.ID, req.Procedure, req.SessionContext)
	var bad *openvod.Error
	if errors.As(err, &bad) && bad.Code == openvod.CodeInvalidParameterValue+".ProcedureName" {
		// SimpleHlsClip's field and code are Procedure.
		return nil, openvod.InvalidValue("Procedure", true, "%s", strings.TrimPrefix(bad.Message, "ProcedureName: "))
	}
	if err != nil {
		return nil, err
	}
	in := &cliptask.Input{
		SrcFileId: m.FileID, SrcStorageKey: m.StorageKey, Requested: cliptask.Fast, Precision: cliptask.Fast,
		HideLeadIn: true, MediaName: m.Name, ClassId: req.ClassId, ExpireTime: expire,
		SourceContext: req.SourceContext, SessionContext: req.SessionContext,
		RequestStart: req.StartTimeOffset, RequestEnd: req.EndTimeOffset,
		StorageKey: media.NewStorageKey(c.App.ID, "mp4"), Procedure: proc,
		PersistenceSource: persistSimpleHlsClip, FileId: openvod.NewFileID(),
	}
	if err := a.checkClip(ctx, m, in); err != nil {
		return nil, err
	}
	t, err := cliptask.New(c.App.ID, in, c.Now)
	if err != nil {
		return nil, err
	}
	if err := a.cfg.Store.TaskInsert(ctx, t); err != nil {
		return nil, err
	}
	a.cfg.WakeTasks()
	resp.FileId, resp.TaskId = in.FileId, t.ID
	return resp, nil
}

// hlsPlaylist resolves url, which must be the URL of a track's media
// playlist of the app's media served by this openvod at /hls/, to the
// media, the track and its packaging.
func (a *API) hlsPlaylist(ctx context.Context, appID int64, url string) (*openvod.Media, *hls.Track, *hls.Index, error) {
	prefix := a.cfg.Media.PublicURL + media.HLSPathPrefix
	rest, ok := strings.CutPrefix(url, prefix)
	i := strings.LastIndexByte(rest, '/')
	if !ok || i < 0 || !strings.HasSuffix(rest, ".m3u8") {
		return nil, nil, nil, openvod.InvalidValue("Url", true, "must be the URL of an openvod HLS media playlist, %s<storage key>/<track>.m3u8, got %q", prefix, url)
	}
	key, name := rest[:i], rest[i+1:]
	m, err := a.cfg.Store.MediaGetByStorageKey(ctx, appID, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, openvod.InvalidValue("Url", true, "no media of app %d is served at %q", appID, url)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if name == hls.MasterName {
		return nil, nil, nil, openvod.Errorf("ResourceUnavailable.MasterPlaylist", "Url: %q is a master playlist; give one of its media playlists", url)
	}
	ix, obj, _, err := a.cfg.Media.OpenHLS(ctx, key)
	var limit *mp4.LimitError
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, hls.ErrUnsupported) || errors.Is(err, mp4.ErrInvalid) || errors.As(err, &limit):
		return nil, nil, nil, openvod.InvalidValue("Url", true, "FileId %s is not served as HLS: %v", m.FileID, err)
	case err != nil:
		return nil, nil, nil, err
	}
	obj.Close() // the playlists need only the index
	track := ix.Track(strings.TrimSuffix(name, ".m3u8"))
	if track == nil {
		return nil, nil, nil, openvod.InvalidValue("Url", true, "FileId %s has no track playlist %q", m.FileID, name)
	}
	return m, track, ix, nil
}

// hlsClipRange resolves the requested offsets against the duration (0:
// the start, or the end for end; negative: before the end) and checks
// them, to the range in whole milliseconds that the clip's URL names
// (start rounded down, end up).
func hlsClipRange(duration, start, end float64) (hls.ClipRange, error) {
	const tolerance = 1e-3 // the end may be given rounded to a millisecond
	reqStart, reqEnd := start, end
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
		return hls.ClipRange{}, openvod.InvalidValue("StartTimeOffset", true, "%g resolves to %g s, outside the media [0, %g)", reqStart, start, duration)
	}
	if end <= start || end > duration+tolerance {
		return hls.ClipRange{}, openvod.InvalidValue("EndTimeOffset", true, "%g resolves to %g s, which must be after the start (%g s) and at most the duration (%g s)", reqEnd, end, start, duration)
	}
	return hls.ClipRange{Start: int64(math.Floor(start * 1000)), End: int64(math.Ceil(min(end, duration) * 1000))}, nil
}

// hlsClipMetaData is the MetaData of the clip r of the packaging ix of m:
// Container hls, the duration of the segments of the playlist answered
// (of track), the bit rates of the segments of each track, the source's
// streams; Size, Rotate, VideoDuration and AudioDuration 0, as
// Tencent documents them for SimpleHlsClip.
func hlsClipMetaData(m *openvod.Media, ix *hls.Index, track *hls.Track, r hls.ClipRange) *vodevent.MediaMetaData {
	src := media.MetaData(m)
	meta := &vodevent.MediaMetaData{Container: "hls", VideoStreamSet: src.VideoStreamSet, AudioStreamSet: src.AudioStreamSet}
	var total int64
	for _, t := range ix.Tracks {
		from, to := t.ClipSegments(float64(r.Start)/1000, float64(r.End)/1000, true)
		var bytes int64
		var dur float64
		for _, s := range t.Segments[from:to] {
			bytes, dur = bytes+s.Bytes, dur+s.Duration
		}
		rate := int64(0)
		if dur > 0 {
			rate = int64(math.Round(float64(bytes) * 8 / dur))
		}
		total += rate
		if t == track {
			meta.Duration = dur
		}
		if t.Video {
			meta.Width, meta.Height = int64(t.Width), int64(t.Height)
		}
		switch {
		case t.Video && len(meta.VideoStreamSet) > 0:
			meta.VideoStreamSet[0].Bitrate = rate
		case !t.Video && len(meta.AudioStreamSet) > 0:
			meta.AudioStreamSet[0].Bitrate = rate
		}
	}
	meta.Bitrate = total
	return meta
}
