package templates

import (
	"time"

	"github.com/openvod/openvod"
)

// KindProcedure is the kind of procedure (task-flow) templates, which are
// named, not numbered.
const KindProcedure Kind = "Procedure"

// Adaptive-streaming formats.
const (
	FormatHLS  = "HLS"
	FormatDASH = "MPEG-DASH"
)

// Adaptive-streaming segment types openvod makes: HLS with TS segments,
// MPEG-DASH with one fragmented MP4 per stream addressed by byte ranges.
const (
	SegmentTSSegment    = "ts-segment"
	SegmentMP4ByteRange = "mp4-mp4-byterange"
)

// Sample types of sample snapshots and image sprites.
const (
	SamplePercent = "Percent"
	SampleTime    = "Time"
)

// Position types of a cover by snapshot.
const (
	PositionTime    = "Time"
	PositionPercent = "Percent"
)

// template is what every template type has: a kind, a Definition (0 for
// procedures) and the fields the catalog sets, its Type and times.
type template interface {
	kind() Kind
	definition() int64
	// stamp sets the Definition, Type, CreateTime and UpdateTime.
	stamp(def int64, typ string, created, updated time.Time)
}

func (t *Transcode) definition() int64 { return t.Definition }
func (t *Transcode) stamp(def int64, typ string, created, updated time.Time) {
	t.Definition, t.Type, t.CreateTime, t.UpdateTime = def, typ, openvod.FormatTime(created), openvod.FormatTime(updated)
}

func (t *AdaptiveDynamicStreaming) definition() int64 { return t.Definition }
func (t *AdaptiveDynamicStreaming) stamp(def int64, typ string, created, updated time.Time) {
	t.Definition, t.Type, t.CreateTime, t.UpdateTime = def, typ, openvod.FormatTime(created), openvod.FormatTime(updated)
}

func (t *SnapshotByTimeOffset) definition() int64 { return t.Definition }
func (t *SnapshotByTimeOffset) stamp(def int64, typ string, created, updated time.Time) {
	t.Definition, t.Type, t.CreateTime, t.UpdateTime = def, typ, openvod.FormatTime(created), openvod.FormatTime(updated)
}

func (t *SampleSnapshot) definition() int64 { return t.Definition }
func (t *SampleSnapshot) stamp(def int64, typ string, created, updated time.Time) {
	t.Definition, t.Type, t.CreateTime, t.UpdateTime = def, typ, openvod.FormatTime(created), openvod.FormatTime(updated)
}

func (t *ImageSprite) definition() int64 { return t.Definition }
func (t *ImageSprite) stamp(def int64, typ string, created, updated time.Time) {
	t.Definition, t.Type, t.CreateTime, t.UpdateTime = def, typ, openvod.FormatTime(created), openvod.FormatTime(updated)
}

func (t *AnimatedGraphics) definition() int64 { return t.Definition }
func (t *AnimatedGraphics) stamp(def int64, typ string, created, updated time.Time) {
	t.Definition, t.Type, t.CreateTime, t.UpdateTime = def, typ, openvod.FormatTime(created), openvod.FormatTime(updated)
}

func (t *Procedure) definition() int64 { return 0 }
func (t *Procedure) stamp(_ int64, typ string, created, updated time.Time) {
	t.Type, t.CreateTime, t.UpdateTime = typ, openvod.FormatTime(created), openvod.FormatTime(updated)
}
