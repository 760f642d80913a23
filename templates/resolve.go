package templates

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// MaxSubTasks bounds the sub-tasks of one MediaProcessTaskInput, all sets
// together (Tencent documents no bound; each sub-task is a run of ffmpeg).
const MaxSubTasks = 50

// taskField is the name of a MediaProcessTaskInput in errors.
const taskField = "MediaProcessTask"

// Resolve checks every sub-task of in for the app and returns their
// templates as they are now. Each Definition must be a preset or the
// app's own template of the sub-task's kind (a cover's is a
// snapshot-by-time-offset template); the members openvod does not
// implement must be unset; offsets and positions must be well-formed;
// each WatermarkSet item must name a watermark template of the app (see
// Resolved.Watermarks).
// Errors are *openvod.Error naming the field, e.g.
// MediaProcessTask.TranscodeTaskSet[0].Definition.
func Resolve(ctx context.Context, q store.Querier, subAppID int64, in *vodevent.MediaProcessTaskInput) (*Resolved, error) {
	if in == nil {
		in = &vodevent.MediaProcessTaskInput{}
	}
	n := len(in.TranscodeTaskSet) + len(in.AnimatedGraphicTaskSet) + len(in.SnapshotByTimeOffsetTaskSet) +
		len(in.SampleSnapshotTaskSet) + len(in.ImageSpriteTaskSet) + len(in.CoverBySnapshotTaskSet) +
		len(in.AdaptiveDynamicStreamingTaskSet)
	switch {
	case n == 0:
		return nil, openvod.Errorf(openvod.CodeInvalidParameterValue, "%s: give at least one sub-task (TranscodeTaskSet, AnimatedGraphicTaskSet, SnapshotByTimeOffsetTaskSet, SampleSnapshotTaskSet, ImageSpriteTaskSet, CoverBySnapshotTaskSet or AdaptiveDynamicStreamingTaskSet)", taskField)
	case n > MaxSubTasks:
		return nil, openvod.Errorf(openvod.CodeInvalidParameterValue, "%s: %d sub-tasks, more than the %d openvod runs in one task: split them", taskField, n, MaxSubTasks)
	}
	r := &Resolved{}
	for i, t := range in.TranscodeTaskSet {
		f := fmt.Sprintf("%s.TranscodeTaskSet[%d]", taskField, i)
		err := r.watermarks(ctx, q, subAppID, f, t.WatermarkSet, firstErr(checkDigitalWatermarks(f, t.TraceWatermark, t.CopyRightWatermark, t.BlindWatermark),
			unsupported(f+".MosaicSet", t.MosaicSet, "mosaics"), unsupported(f+".HeadTailSet", t.HeadTailSet, "opening and closing credits"),
			unsupported(f+".OverrideParameter", t.OverrideParameter, "overriding template parameters"),
			unsupported(f+".SubtitleInfoSet", t.SubtitleInfoSet, "subtitles"), checkRange(f, t.StartTimeOffset, t.EndTimeOffset, false)))
		if r.Transcodes, err = resolve[Transcode](ctx, q, subAppID, f, t.Definition, r.Transcodes, err); err != nil {
			return nil, err
		}
	}
	for i, t := range in.AnimatedGraphicTaskSet {
		f := fmt.Sprintf("%s.AnimatedGraphicTaskSet[%d]", taskField, i)
		err := checkRange(f, t.StartTimeOffset, t.EndTimeOffset, true)
		if r.AnimatedGraphics, err = resolve[AnimatedGraphics](ctx, q, subAppID, f, t.Definition, r.AnimatedGraphics, err); err != nil {
			return nil, err
		}
	}
	for i, t := range in.SnapshotByTimeOffsetTaskSet {
		f := fmt.Sprintf("%s.SnapshotByTimeOffsetTaskSet[%d]", taskField, i)
		err := r.watermarks(ctx, q, subAppID, f, t.WatermarkSet, checkOffsets(f, t.ExtTimeOffsetSet, t.TimeOffsetSet))
		if r.Snapshots, err = resolve[SnapshotByTimeOffset](ctx, q, subAppID, f, t.Definition, r.Snapshots, err); err != nil {
			return nil, err
		}
	}
	for i, t := range in.SampleSnapshotTaskSet {
		f := fmt.Sprintf("%s.SampleSnapshotTaskSet[%d]", taskField, i)
		err := r.watermarks(ctx, q, subAppID, f, t.WatermarkSet, nil)
		if r.SampleSnapshots, err = resolve[SampleSnapshot](ctx, q, subAppID, f, t.Definition, r.SampleSnapshots, err); err != nil {
			return nil, err
		}
	}
	for i, t := range in.ImageSpriteTaskSet {
		f := fmt.Sprintf("%s.ImageSpriteTaskSet[%d]", taskField, i)
		var err error
		if r.ImageSprites, err = resolve[ImageSprite](ctx, q, subAppID, f, t.Definition, r.ImageSprites, nil); err != nil {
			return nil, err
		}
	}
	for i, t := range in.CoverBySnapshotTaskSet {
		f := fmt.Sprintf("%s.CoverBySnapshotTaskSet[%d]", taskField, i)
		err := r.watermarks(ctx, q, subAppID, f, t.WatermarkSet, checkPosition(f, t.PositionType, t.PositionValue))
		if r.Covers, err = resolve[SnapshotByTimeOffset](ctx, q, subAppID, f, t.Definition, r.Covers, err); err != nil {
			return nil, err
		}
	}
	for i, t := range in.AdaptiveDynamicStreamingTaskSet {
		f := fmt.Sprintf("%s.AdaptiveDynamicStreamingTaskSet[%d]", taskField, i)
		var subtitles error
		if len(t.SubtitleSet) > 0 {
			subtitles = refuse(f+".SubtitleSet", "subtitles")
		}
		err := r.watermarks(ctx, q, subAppID, f, t.WatermarkSet, firstErr(checkDigitalWatermarks(f, t.TraceWatermark, t.CopyRightWatermark, t.BlindWatermark),
			subtitles, unsupported(f+".SubtitleInfoSet", t.SubtitleInfoSet, "subtitles"), unsupported(f+".DrmInfo", t.DrmInfo, "DRM")))
		if r.Adaptive, err = resolve[AdaptiveDynamicStreaming](ctx, q, subAppID, f, t.Definition, r.Adaptive, err); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// firstErr returns the first error that is not nil.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// resolve appends to set the template of P's kind that the sub-task at
// field f names, unless err (the sub-task's other checks) is not nil.
func resolve[T any, P Template[T]](ctx context.Context, q store.Querier, subAppID int64, f string, def int64, set []P, err error) ([]P, error) {
	if err != nil {
		return nil, err
	}
	t, err := Get[T, P](ctx, q, subAppID, def)
	if errors.Is(err, ErrNotFound) {
		return nil, openvod.Errorf(openvod.CodeInvalidParameterValue, "%s.Definition: this app has no %s template %d", f, P(nil).kind(), def)
	}
	if err != nil {
		return nil, err
	}
	return append(set, t), nil
}

// isSet reports whether a raw member holds something: not absent, null,
// an empty object or an empty array.
func isSet(raw json.RawMessage) bool {
	s := string(bytes.Join(bytes.Fields(raw), nil))
	return s != "" && s != "null" && s != "{}" && s != "[]"
}

// unsupported refuses field when raw is set: openvod lacks what.
func unsupported(field string, raw json.RawMessage, what string) error {
	if !isSet(raw) {
		return nil
	}
	return refuse(field, what)
}

// refuse is the error of a field asking for what openvod lacks.
func refuse(field, what string) error {
	return openvod.Errorf(openvod.CodeUnsupportedOperation, "%s: openvod does not support %s: leave it out", field, what)
}

// MaxWatermarks is the most watermarks of one sub-task, as Tencent's.
const MaxWatermarks = 10

// watermarks resolves the WatermarkSet of the sub-task at field f (a set
// and an index, e.g. TranscodeTaskSet[0], after taskField) into
// r.Watermarks; err is the sub-task's other checks.
func (r *Resolved) watermarks(ctx context.Context, q store.Querier, subAppID int64, f string, set []vodevent.WatermarkInput, err error) error {
	if err != nil || len(set) == 0 {
		return err
	}
	if len(set) > MaxWatermarks {
		return openvod.Errorf(openvod.CodeInvalidParameterValue, "%s.WatermarkSet: %d watermarks, more than %d", f, len(set), MaxWatermarks)
	}
	marks := make([]*Mark, len(set))
	for j, in := range set {
		mf := fmt.Sprintf("%s.WatermarkSet[%d]", f, j)
		if in.SvgContent != "" {
			return refuse(mf+".SvgContent", "SVG watermarks")
		}
		if err := checkRange(mf, in.StartTimeOffset, in.EndTimeOffset, false); err != nil {
			return err
		}
		t, err := Get[Watermark](ctx, q, subAppID, in.Definition)
		if errors.Is(err, ErrNotFound) {
			return openvod.Errorf(openvod.CodeInvalidParameterValue, "%s.Definition: this app has no watermark template %d", mf, in.Definition)
		}
		if err != nil {
			return err
		}
		switch {
		case t.Type == WatermarkText:
			err = checkTextContent(mf+".TextContent", in.TextContent)
		case in.TextContent != "":
			err = openvod.InvalidValue(mf+".TextContent", false, "watermark template %d is an %s watermark, which takes no text: leave it empty", in.Definition, t.Type)
		}
		if err != nil {
			return err
		}
		marks[j] = &Mark{Template: t, ImageKey: t.ImageKey(), TextContent: in.TextContent,
			StartTimeOffset: in.StartTimeOffset, EndTimeOffset: in.EndTimeOffset}
	}
	if r.Watermarks == nil {
		r.Watermarks = map[string][]*Mark{}
	}
	r.Watermarks[strings.TrimPrefix(f, taskField+".")] = marks
	return nil
}

// checkDigitalWatermarks refuses trace, copyright and blind watermarks.
// The empty shapes Tencent echoes ({"Switch":""}, {"Text":""}) are unset.
func checkDigitalWatermarks(f string, trace, copyRight, blind json.RawMessage) error {
	var tr struct{ Switch string }
	var cr struct{ Text string }
	if isSet(trace) && json.Unmarshal(trace, &tr) == nil && tr.Switch == "ON" {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "%s.TraceWatermark: openvod does not support trace watermarks: set Switch OFF or leave it out", f)
	}
	if isSet(copyRight) && (json.Unmarshal(copyRight, &cr) != nil || cr.Text != "") {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "%s.CopyRightWatermark: openvod does not support copyright watermarks: leave it out", f)
	}
	return unsupported(f+".BlindWatermark", blind, "blind watermarks")
}

// checkRange checks a range of seconds where 0 is the start (end) and a
// negative offset counts from the end: where both offsets count from the
// same side, the end must come after the start. required makes a range
// of 0 to 0 (the whole source) acceptable only when not required.
func checkRange(f string, start, end float64, required bool) error {
	if math.IsNaN(start) || math.IsInf(start, 0) || math.IsNaN(end) || math.IsInf(end, 0) {
		return openvod.Errorf(openvod.CodeInvalidParameterValue, "%s: StartTimeOffset and EndTimeOffset must be numbers of seconds", f)
	}
	sameSide := start >= 0 && end > 0 || start < 0 && end < 0
	if sameSide && end <= start || required && start == 0 && end == 0 {
		return openvod.Errorf(openvod.CodeInvalidParameterValue, "%s.EndTimeOffset: %g is not after StartTimeOffset %g: give an end after the start", f, end, start)
	}
	return nil
}

// extOffset is an ExtTimeOffsetSet item: seconds ("3.5s") or a
// percentage of the duration ("10%").
var extOffset = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)(s|%)$`)

// ParseExtTimeOffset returns the seconds or the percentage of an
// ExtTimeOffsetSet item and whether it is a percentage.
func ParseExtTimeOffset(s string) (v float64, percent bool, ok bool) {
	m := extOffset.FindStringSubmatch(s)
	if m == nil {
		return 0, false, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || m[2] == "%" && v > 100 {
		return 0, false, false
	}
	return v, m[2] == "%", true
}

// checkOffsets checks a snapshot's offsets: at least one, each an
// ExtTimeOffsetSet item or a non-negative number of milliseconds.
func checkOffsets(f string, ext []string, ms []float64) error {
	if len(ext)+len(ms) == 0 {
		return openvod.Errorf(openvod.CodeInvalidParameterValue, "%s: give the offsets of the snapshots in ExtTimeOffsetSet (\"3.5s\", \"10%%\")", f)
	}
	for i, s := range ext {
		if _, _, ok := ParseExtTimeOffset(s); !ok {
			return openvod.Errorf(openvod.CodeInvalidParameterValue, "%s.ExtTimeOffsetSet[%d]: %q is neither seconds (\"3.5s\") nor a percentage up to 100 (\"10%%\")", f, i, s)
		}
	}
	for i, v := range ms {
		if !(v >= 0) || math.IsInf(v, 0) {
			return openvod.Errorf(openvod.CodeInvalidParameterValue, "%s.TimeOffsetSet[%d]: %g is not a number of milliseconds from the start", f, i, v)
		}
	}
	return nil
}

// checkPosition checks a cover's position: seconds (Time) or a
// percentage up to 100 (Percent).
func checkPosition(f, typ string, v float64) error {
	switch {
	case typ != PositionTime && typ != PositionPercent:
		return openvod.Errorf(openvod.CodeInvalidParameterValue, "%s.PositionType: %q is neither Time nor Percent", f, typ)
	case !(v >= 0) || math.IsInf(v, 0) || typ == PositionPercent && v > 100:
		return openvod.Errorf(openvod.CodeInvalidParameterValue, "%s.PositionValue: %g is not a position of the %s type: give seconds, or a percentage from 0 to 100", f, v, typ)
	}
	return nil
}
