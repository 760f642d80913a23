package tcapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/edittask"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// editFileInfo is EditMediaFileInfo, and a piece of ConcatVideo.
type editFileInfo struct {
	FileId          string  `json:"FileId"`
	StartTimeOffset float64 `json:"StartTimeOffset"`
	EndTimeOffset   float64 `json:"EndTimeOffset"`
}

// editMediaRequest is EditMediaRequest, in the SDK's order (SubAppId is
// the envelope's).
type editMediaRequest struct {
	InputType      string                 `json:"InputType" tc:"required"`
	FileInfos      []editFileInfo         `json:"FileInfos"`
	StreamInfos    []any                  `json:"StreamInfos"`
	Definition     int64                  `json:"Definition"`
	ProcedureName  string                 `json:"ProcedureName"`
	OutputConfig   *editMediaOutputConfig `json:"OutputConfig"`
	SessionContext string                 `json:"SessionContext"`
	TasksPriority  int64                  `json:"TasksPriority"`
	SessionId      string                 `json:"SessionId"`
	// ExtInfo is reserved: accepted and ignored.
	ExtInfo string `json:"ExtInfo"`
}

// editMediaOutputConfig is EditMediaOutputConfig.
type editMediaOutputConfig struct {
	MediaName   string                `json:"MediaName"`
	Type        string                `json:"Type"`
	ClassId     int64                 `json:"ClassId"`
	ExpireTime  string                `json:"ExpireTime"`
	VideoStream *edittask.VideoStream `json:"VideoStream"`
	TEHDConfig  *struct {
		Type string `json:"Type"`
	} `json:"TEHDConfig"`
}

type taskIDResponse struct {
	TaskId string `json:"TaskId"`
}

// fastEditMediaRequest is FastEditMediaRequest.
type fastEditMediaRequest struct {
	FileInfos []fastEditFileInfo `json:"FileInfos" tc:"required"`
	ClipMode  string             `json:"ClipMode"`
}

// fastEditFileInfo is FastEditMediaFileInfo.
type fastEditFileInfo struct {
	FileId              string  `json:"FileId"`
	AudioVideoType      string  `json:"AudioVideoType"`
	TranscodeDefinition int64   `json:"TranscodeDefinition"`
	StartTimeOffset     float64 `json:"StartTimeOffset"`
	EndTimeOffset       float64 `json:"EndTimeOffset"`
}

// fastEditMediaResponse is FastEditMediaResponse, then openvod's
// extension TaskId (the persistence task, for DescribeTaskDetail).
type fastEditMediaResponse struct {
	FileId string `json:"FileId"`
	Url    string `json:"Url"`
	TaskId string `json:"TaskId"`
}

// concatVideoRequest is openvod's ConcatVideo (the 2017 action's
// successor, on FileIds), whose task emits ConcatComplete.
type concatVideoRequest struct {
	FileInfos      []editFileInfo `json:"FileInfos" tc:"required"`
	MediaName      string         `json:"MediaName"`
	Type           string         `json:"Type"`
	ClassId        int64          `json:"ClassId"`
	ExpireTime     string         `json:"ExpireTime"`
	Procedure      string         `json:"Procedure"`
	SessionContext string         `json:"SessionContext"`
	SessionId      string         `json:"SessionId"`
	TasksPriority  int64          `json:"TasksPriority"`
}

// FastEditMedia's ClipModes (accepted and echoed: openvod cuts frame-exact).
var clipModes = []string{"StartInclusiveEndInclusive", "StartInclusiveEndExclusive"}

func (a *API) editMedia(ctx context.Context, c *call) (any, error) {
	var req editMediaRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	switch req.InputType {
	case "File":
	case "Stream":
		return nil, openvod.Errorf(openvod.CodeUnsupportedOperation, "InputType: openvod has no live streams to edit (StreamInfos): use File with FileInfos")
	default:
		return nil, openvod.InvalidValue("InputType", true, "must be File or Stream, got %q", req.InputType)
	}
	if len(req.StreamInfos) > 0 {
		return nil, openvod.Errorf(openvod.CodeUnsupportedOperation, "StreamInfos: openvod has no live streams to edit: leave it out")
	}
	in := &edittask.Input{Action: edittask.EditMedia, Definition: req.Definition, SessionContext: req.SessionContext, SessionId: req.SessionId}
	switch req.Definition {
	case 0:
		in.Definition = edittask.BasisResolution
	case edittask.BasisResolution, edittask.BasisBitrate:
	default:
		return nil, openvod.InvalidValue("Definition", true, "must be %d (the piece of the highest resolution is the basis) or %d (the highest bit rate), got %d",
			edittask.BasisResolution, edittask.BasisBitrate, req.Definition)
	}
	out := req.OutputConfig
	if out == nil {
		out = &editMediaOutputConfig{}
	}
	if err := checkEditOutput(out); err != nil {
		return nil, err
	}
	in.VideoStream = out.VideoStream
	t, err := a.acceptEdit(ctx, c, in, req.FileInfos, editOutput{
		MediaName: out.MediaName, ClassId: out.ClassId, ExpireTime: out.ExpireTime, field: "OutputConfig.",
		Procedure: req.ProcedureName, TasksPriority: req.TasksPriority,
	})
	if err != nil {
		return nil, err
	}
	return &taskIDResponse{TaskId: t.ID}, nil
}

func (a *API) concatVideo(ctx context.Context, c *call) (any, error) {
	var req concatVideoRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if req.Type != "" && req.Type != "mp4" {
		return nil, openvod.Errorf(openvod.CodeUnsupportedOperation, "Type: openvod joins into mp4 only (served as HLS on the fly as well), got %q", req.Type)
	}
	in := &edittask.Input{Action: edittask.ConcatVideo, Definition: edittask.BasisResolution,
		SessionContext: req.SessionContext, SessionId: req.SessionId}
	t, err := a.acceptEdit(ctx, c, in, req.FileInfos, editOutput{
		MediaName: req.MediaName, ClassId: req.ClassId, ExpireTime: req.ExpireTime,
		Procedure: req.Procedure, TasksPriority: req.TasksPriority,
	})
	if err != nil {
		return nil, err
	}
	return &taskIDResponse{TaskId: t.ID}, nil
}

func (a *API) fastEditMedia(ctx context.Context, c *call) (any, error) {
	var req fastEditMediaRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if req.ClipMode != "" && !slices.Contains(clipModes, req.ClipMode) {
		return nil, openvod.InvalidValue("ClipMode", true, "must be %s, got %q", strings.Join(clipModes, " or "), req.ClipMode)
	}
	infos := make([]editFileInfo, len(req.FileInfos))
	for i, f := range req.FileInfos {
		field := fmt.Sprintf("FileInfos[%d].", i)
		switch f.AudioVideoType {
		case "", "Original":
		case "Transcode":
			return nil, openvod.InvalidValue(field+"AudioVideoType", false, "openvod joins the original files only: use Original")
		default:
			return nil, openvod.InvalidValue(field+"AudioVideoType", false, "must be Original (or Transcode, which openvod does not join), got %q", f.AudioVideoType)
		}
		if f.TranscodeDefinition != 0 {
			return nil, openvod.InvalidValue(field+"TranscodeDefinition", false, "openvod joins the original files only: leave it 0, got %d", f.TranscodeDefinition)
		}
		infos[i] = editFileInfo{FileId: f.FileId, StartTimeOffset: f.StartTimeOffset, EndTimeOffset: f.EndTimeOffset}
	}
	in := &edittask.Input{Action: edittask.FastEditMedia, Definition: edittask.BasisResolution, CopyOnly: true,
		ClipMode: req.ClipMode, FileId: openvod.NewFileID()}
	t, err := a.acceptEdit(ctx, c, in, infos, editOutput{})
	if err != nil {
		return nil, err
	}
	return &fastEditMediaResponse{FileId: in.FileId, Url: a.cfg.Media.HLSFileURL(c.App.ID, in.FileId), TaskId: t.ID}, nil
}

// editOutput are the members of an edit request that describe its output
// and its task.
type editOutput struct {
	MediaName, ExpireTime string
	ClassId               int64
	field                 string // the prefix of their names in the request
	Procedure             string
	TasksPriority         int64
}

// checkEditOutput refuses what openvod cannot make of an EditMedia's
// OutputConfig: a type other than mp4, a TEHD encode, a video stream
// outside Tencent's ranges or of a codec openvod has no encoder for.
func checkEditOutput(o *editMediaOutputConfig) error {
	if o.Type != "" && o.Type != "mp4" {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "OutputConfig.Type: openvod makes mp4 only (served as HLS on the fly as well), got %q", o.Type)
	}
	if o.TEHDConfig != nil && o.TEHDConfig.Type != "" && o.TEHDConfig.Type != "OFF" {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "OutputConfig.TEHDConfig: openvod has no TEHD encoder: leave it out")
	}
	v := o.VideoStream
	if v == nil {
		return nil
	}
	const f = "OutputConfig.VideoStream."
	inRange := func(x, lo, hi int64) bool { return x == 0 || (x >= lo && x <= hi) }
	switch {
	case v.Codec == "av1" || v.Codec == "H.266":
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "%sCodec: openvod has no %s encoder: use libx264 or libx265", f, v.Codec)
	case v.Codec != "" && v.Codec != "libx264" && v.Codec != "libx265":
		return openvod.InvalidValue(f+"Codec", false, "must be libx264 or libx265, got %q", v.Codec)
	case !inRange(v.Bitrate, 128, 100000):
		return openvod.InvalidValue(f+"Bitrate", false, "must be 0 or 128 to 100000 kbps, got %d", v.Bitrate)
	case v.ResolutionAdaptive != "" && v.ResolutionAdaptive != "open" && v.ResolutionAdaptive != "close":
		return openvod.InvalidValue(f+"ResolutionAdaptive", false, "must be open or close, got %q", v.ResolutionAdaptive)
	case !inRange(v.Width, 128, 4096):
		return openvod.InvalidValue(f+"Width", false, "must be 0 or 128 to 4096, got %d", v.Width)
	case !inRange(v.Height, 128, 4096):
		return openvod.InvalidValue(f+"Height", false, "must be 0 or 128 to 4096, got %d", v.Height)
	case v.Fps < 0 || v.Fps > 100:
		return openvod.InvalidValue(f+"Fps", false, "must be 0 to 100, got %d", v.Fps)
	}
	return nil
}

// acceptEdit checks the pieces and the output of an edit request, whose
// in has its action's members set, and inserts its task, answering the
// task a SessionId used within SessionWindow already has. Each piece must
// be media of the app whose container openvod read, its range within it;
// all with video or none; for a copy-only task, the same streams.
func (a *API) acceptEdit(ctx context.Context, c *call, in *edittask.Input, infos []editFileInfo, o editOutput) (*openvod.Task, error) {
	expire, err := parseExpireTime(o.ExpireTime, c.Now)
	var bad *openvod.Error
	if errors.As(err, &bad) {
		return nil, openvod.Errorf(bad.Code, "%s%s", o.field, bad.Message)
	}
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkMediaName(o.MediaName), checkClassID(o.ClassId),
		checkContexts("", in.SessionContext, in.SessionId), checkTasksPriority(o.TasksPriority)); err != nil {
		return nil, err
	}
	switch {
	case len(infos) == 0:
		return nil, openvod.Errorf(openvod.CodeMissingParameter, "FileInfos: give the files to join, 1 to %d", edittask.MaxPieces)
	case len(infos) > edittask.MaxPieces:
		return nil, openvod.InvalidValue("FileInfos", false, "at most %d pieces are joined at once, got %d", edittask.MaxPieces, len(infos))
	}
	typ := openvod.TaskEditMedia
	if in.Action == edittask.ConcatVideo {
		typ = openvod.TaskConcat
	}
	if in.SessionId != "" {
		t, err := a.cfg.Store.TaskFindBySession(ctx, c.App.ID, typ, in.SessionId, c.Now.Add(-SessionWindow))
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	metas := make([]*vodevent.MediaMetaData, len(infos))
	for i, f := range infos {
		field := fmt.Sprintf("FileInfos[%d]", i)
		m, err := a.editSource(ctx, c, in.Action, field, f.FileId)
		if err != nil {
			return nil, err
		}
		metas[i] = media.MetaData(m)
		check := &mediaCheck{fileID: m.FileID, duration: metas[i].Duration}
		start, end := check.span(field, f.StartTimeOffset, f.EndTimeOffset)
		if check.err != nil {
			return nil, check.err
		}
		in.Pieces = append(in.Pieces, edittask.Piece{FileId: m.FileID, StorageKey: m.StorageKey,
			StartTimeOffset: f.StartTimeOffset, EndTimeOffset: f.EndTimeOffset, Start: start, End: end})
		if i == 0 && o.MediaName == "" {
			o.MediaName = m.Name
		}
	}
	if err := checkStreams(in.Pieces, metas, in.CopyOnly); err != nil {
		return nil, err
	}
	proc, err := hookProcedure(ctx, a.cfg.Store, c.App.ID, o.Procedure, in.SessionContext)
	if err != nil {
		return nil, err
	}
	if proc != nil {
		proc.TasksPriority = o.TasksPriority
	}
	in.Procedure, in.MediaName, in.ClassId, in.ExpireTime = proc, o.MediaName, o.ClassId, expire
	in.StorageKey = media.NewStorageKey(c.App.ID, "mp4")
	t, err := edittask.New(c.App.ID, in, c.Now)
	if err != nil {
		return nil, err
	}
	t.Priority = o.TasksPriority
	if t, err = a.cfg.Store.TaskInsertOnce(ctx, t, c.Now.Add(-SessionWindow)); err != nil {
		return nil, err
	}
	a.cfg.WakeTasks()
	return t, nil
}

// editSource returns the app's media fileID, the piece at field of an
// edit request of action. Unknown media (or another app's) is
// ResourceNotFound.FileNotExist for EditMedia and ConcatVideo, and
// InvalidParameterValue for FastEditMedia, as Tencent lists them.
func (a *API) editSource(ctx context.Context, c *call, action, field, fileID string) (*openvod.Media, error) {
	m, err := a.cfg.Store.MediaGet(ctx, c.App.ID, fileID)
	if errors.Is(err, store.ErrNotFound) {
		if action == edittask.FastEditMedia {
			return nil, openvod.InvalidValue(field+".FileId", false, "no media %q in app %d", fileID, c.App.ID)
		}
		return nil, openvod.Errorf("ResourceNotFound.FileNotExist", "%s.FileId: no media %q in app %d", field, fileID, c.App.ID)
	}
	if err != nil {
		return nil, err
	}
	if m.MetaError != "" || len(m.MetaData) == 0 {
		return nil, openvod.Errorf(openvod.CodeUnsupportedOperation,
			"%s.FileId: openvod could not read the container of media %s (%s), so it cannot join it; it joins MP4 and MOV files", field, m.FileID, m.MetaError)
	}
	return m, nil
}

// checkStreams refuses pieces some of which have video and some not
// (openvod does not make up pictures), and for a copy-only join pieces
// whose streams differ from the first piece's as their metadata shows
// (codec, size, sample rate): those only a re-encode can join. The
// worker checks the rest (codec configurations, time scales) when it
// plans the copy.
func checkStreams(pieces []edittask.Piece, metas []*vodevent.MediaMetaData, copyOnly bool) error {
	first := metas[0]
	for i, m := range metas[1:] {
		i++
		if (len(m.VideoStreamSet) > 0) != (len(first.VideoStreamSet) > 0) {
			return openvod.InvalidValue(fmt.Sprintf("FileInfos[%d].FileId", i), false,
				"media %s has %d video streams and FileInfos[0] %d: the pieces must all have video or all have none",
				pieces[i].FileId, len(m.VideoStreamSet), len(first.VideoStreamSet))
		}
		if !copyOnly {
			continue
		}
		if diff := streamDiff(first, m); diff != "" {
			return openvod.InvalidValue(fmt.Sprintf("FileInfos[%d].FileId", i), false,
				"media %s: %s, so it cannot be joined to FileInfos[0] without a re-encode, which FastEditMedia does not do (EditMedia does)", pieces[i].FileId, diff)
		}
	}
	return nil
}

// streamDiff says how the streams of b differ from a's, "" when their
// metadata match.
func streamDiff(a, b *vodevent.MediaMetaData) string {
	var d []string
	if len(a.VideoStreamSet) != len(b.VideoStreamSet) || len(a.AudioStreamSet) != len(b.AudioStreamSet) {
		return fmt.Sprintf("streams (%d video, %d audio) differ from the first piece's (%d video, %d audio)",
			len(b.VideoStreamSet), len(b.AudioStreamSet), len(a.VideoStreamSet), len(a.AudioStreamSet))
	}
	for i, v := range b.VideoStreamSet {
		w := a.VideoStreamSet[i]
		if v.Codec != w.Codec {
			d = append(d, fmt.Sprintf("video codec %s differs from %s", v.Codec, w.Codec))
		}
		if v.Width != w.Width || v.Height != w.Height {
			d = append(d, fmt.Sprintf("video size %dx%d differs from %dx%d", v.Width, v.Height, w.Width, w.Height))
		}
	}
	for i, s := range b.AudioStreamSet {
		w := a.AudioStreamSet[i]
		if s.Codec != w.Codec {
			d = append(d, fmt.Sprintf("audio codec %s differs from %s", s.Codec, w.Codec))
		}
		if s.SamplingRate != w.SamplingRate {
			d = append(d, fmt.Sprintf("audio sample rate %d Hz differs from %d Hz", s.SamplingRate, w.SamplingRate))
		}
	}
	return strings.Join(d, ", ")
}
