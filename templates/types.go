// Package templates holds the media-processing templates of Tencent VOD:
// transcode, adaptive streaming, snapshot by time offset, sample
// snapshot, image sprite and animated graphics templates, and procedure
// (task-flow) templates. Each type is the SDK's structure, with its
// fields in the SDK's order, so that it is stored and answered as it is.
package templates

import "fmt"

// Kind names a kind of template.
type Kind string

// Template kinds.
const (
	KindTranscode                Kind = "Transcode"
	KindAdaptiveDynamicStreaming Kind = "AdaptiveDynamicStreaming"
	KindSnapshotByTimeOffset     Kind = "SnapshotByTimeOffset"
	KindSampleSnapshot           Kind = "SampleSnapshot"
	KindImageSprite              Kind = "ImageSprite"
	KindAnimatedGraphics         Kind = "AnimatedGraphics"
)

// Template types: Preset templates are openvod's copies of Tencent's
// system templates; Custom ones belong to one app.
const (
	TypePreset = "Preset"
	TypeCustom = "Custom"
)

// VideoTemplateInfo is a video stream's parameters.
type VideoTemplateInfo struct {
	Codec              string `json:"Codec"`
	Fps                int64  `json:"Fps"`
	Bitrate            int64  `json:"Bitrate"` // kbps; 0 = the source's
	ResolutionAdaptive string `json:"ResolutionAdaptive"`
	Width              int64  `json:"Width"`
	Height             int64  `json:"Height"`
	FillType           string `json:"FillType"`
	Vcrf               int64  `json:"Vcrf"`
	Gop                int64  `json:"Gop"`
	GopUnit            string `json:"GopUnit"`
	PreserveHDRSwitch  string `json:"PreserveHDRSwitch"`
	CodecTag           string `json:"CodecTag"`
	Mode               string `json:"Mode"`
	Bframes            int64  `json:"Bframes"`
	HlsTime            int64  `json:"HlsTime"`
	VideoProfile       string `json:"VideoProfile"`
}

// AudioTemplateInfo is an audio stream's parameters.
type AudioTemplateInfo struct {
	Codec        string `json:"Codec"`
	Bitrate      int64  `json:"Bitrate"` // kbps
	SampleRate   int64  `json:"SampleRate"`
	AudioChannel int64  `json:"AudioChannel"`
}

// Transcode is a transcode template (the SDK's TranscodeTemplate). Its
// Definition is a string on the wire, as the SDK has it.
type Transcode struct {
	Definition    int64              `json:"Definition,string"`
	Container     string             `json:"Container"`
	Name          string             `json:"Name"`
	Comment       string             `json:"Comment"`
	Type          string             `json:"Type"`
	RemoveVideo   int64              `json:"RemoveVideo"`
	RemoveAudio   int64              `json:"RemoveAudio"`
	VideoTemplate *VideoTemplateInfo `json:"VideoTemplate"`
	AudioTemplate *AudioTemplateInfo `json:"AudioTemplate"`
	TEHDConfig    *TEHDConfig        `json:"TEHDConfig"`
	EnhanceConfig any                `json:"EnhanceConfig"` // always null: no enhancement here
	ContainerType string             `json:"ContainerType"` // Video or PureAudio
	CreateTime    string             `json:"CreateTime"`
	UpdateTime    string             `json:"UpdateTime"`
	SegmentType   string             `json:"SegmentType"`
	StdExtInfo    string             `json:"StdExtInfo"`
}

// TEHDConfig is the TEHD setting of a template; openvod's is always OFF.
type TEHDConfig struct {
	Type            string `json:"Type"`
	MaxVideoBitrate int64  `json:"MaxVideoBitrate"`
}

// AdaptiveStreamTemplate is one rung of an adaptive-streaming ladder.
type AdaptiveStreamTemplate struct {
	Video         *VideoTemplateInfo `json:"Video"`
	Audio         *AudioTemplateInfo `json:"Audio"`
	RemoveAudio   int64              `json:"RemoveAudio"`
	RemoveVideo   int64              `json:"RemoveVideo"`
	TEHDConfig    *TEHDConfig        `json:"TEHDConfig"`
	EnhanceConfig any                `json:"EnhanceConfig"`
	StdExtInfo    string             `json:"StdExtInfo"`
}

// AdaptiveDynamicStreaming is an adaptive-streaming template.
type AdaptiveDynamicStreaming struct {
	Definition                   int64                    `json:"Definition"`
	Type                         string                   `json:"Type"`
	Name                         string                   `json:"Name"`
	Comment                      string                   `json:"Comment"`
	Format                       string                   `json:"Format"` // HLS or MPEG-DASH
	DrmType                      string                   `json:"DrmType"`
	DrmKeyProvider               string                   `json:"DrmKeyProvider"`
	DrmEncryptType               string                   `json:"DrmEncryptType"`
	StreamInfos                  []AdaptiveStreamTemplate `json:"StreamInfos"`
	DisableHigherVideoBitrate    int64                    `json:"DisableHigherVideoBitrate"`
	DisableHigherVideoResolution int64                    `json:"DisableHigherVideoResolution"`
	CreateTime                   string                   `json:"CreateTime"`
	UpdateTime                   string                   `json:"UpdateTime"`
	SegmentType                  string                   `json:"SegmentType"`
	SegmentDuration              int64                    `json:"SegmentDuration"`
}

// SnapshotByTimeOffset is a snapshot-by-time-offset template (also the
// template of a cover by snapshot).
type SnapshotByTimeOffset struct {
	Definition         int64  `json:"Definition"`
	Type               string `json:"Type"`
	Name               string `json:"Name"`
	Comment            string `json:"Comment"`
	Width              int64  `json:"Width"`
	Height             int64  `json:"Height"`
	ResolutionAdaptive string `json:"ResolutionAdaptive"`
	Format             string `json:"Format"`
	CreateTime         string `json:"CreateTime"`
	UpdateTime         string `json:"UpdateTime"`
	FillType           string `json:"FillType"`
}

// SampleSnapshot is a sample-snapshot template.
type SampleSnapshot struct {
	Definition         int64  `json:"Definition"`
	Type               string `json:"Type"`
	Name               string `json:"Name"`
	Comment            string `json:"Comment"`
	Width              int64  `json:"Width"`
	Height             int64  `json:"Height"`
	ResolutionAdaptive string `json:"ResolutionAdaptive"`
	Format             string `json:"Format"`
	SampleType         string `json:"SampleType"` // Percent or Time
	SampleInterval     int64  `json:"SampleInterval"`
	CreateTime         string `json:"CreateTime"`
	UpdateTime         string `json:"UpdateTime"`
	FillType           string `json:"FillType"`
}

// ImageSprite is an image-sprite template.
type ImageSprite struct {
	Definition         int64  `json:"Definition"`
	Type               string `json:"Type"`
	Name               string `json:"Name"`
	Width              int64  `json:"Width"`
	Height             int64  `json:"Height"`
	ResolutionAdaptive string `json:"ResolutionAdaptive"`
	SampleType         string `json:"SampleType"`
	SampleInterval     int64  `json:"SampleInterval"`
	RowCount           int64  `json:"RowCount"`
	ColumnCount        int64  `json:"ColumnCount"`
	CreateTime         string `json:"CreateTime"`
	UpdateTime         string `json:"UpdateTime"`
	FillType           string `json:"FillType"`
	Comment            string `json:"Comment"`
	Format             string `json:"Format"`
}

// AnimatedGraphics is an animated-graphics (GIF or WebP) template.
type AnimatedGraphics struct {
	Definition         int64   `json:"Definition"`
	Type               string  `json:"Type"`
	Name               string  `json:"Name"`
	Comment            string  `json:"Comment"`
	Width              int64   `json:"Width"`
	Height             int64   `json:"Height"`
	ResolutionAdaptive string  `json:"ResolutionAdaptive"`
	Format             string  `json:"Format"`
	Fps                int64   `json:"Fps"`
	Quality            float64 `json:"Quality"`
	CreateTime         string  `json:"CreateTime"`
	UpdateTime         string  `json:"UpdateTime"`
}

// Resolved holds the templates of a MediaProcessTaskInput's sub-tasks,
// aligned with its sets (Transcodes[i] is TranscodeTaskSet[i]'s), as they
// were when the task was accepted: a later Modify does not change it.
type Resolved struct {
	Transcodes       []*Transcode                `json:"Transcodes"`
	AnimatedGraphics []*AnimatedGraphics         `json:"AnimatedGraphics"`
	Snapshots        []*SnapshotByTimeOffset     `json:"Snapshots"`
	SampleSnapshots  []*SampleSnapshot           `json:"SampleSnapshots"`
	ImageSprites     []*ImageSprite              `json:"ImageSprites"`
	Covers           []*SnapshotByTimeOffset     `json:"Covers"`
	Adaptive         []*AdaptiveDynamicStreaming `json:"Adaptive"`
	// Watermarks holds the marks of the sub-tasks with a WatermarkSet, by
	// the sub-task's set and index: "TranscodeTaskSet[0]",
	// "AdaptiveDynamicStreamingTaskSet[1]", "SnapshotByTimeOffsetTaskSet[0]",
	// "SampleSnapshotTaskSet[0]", "CoverBySnapshotTaskSet[0]". See MarksOf.
	Watermarks map[string][]*Mark `json:"Watermarks,omitempty"`
}

// MarksOf returns the marks of the sub-task i of set (e.g.
// "TranscodeTaskSet"), in WatermarkSet's order; nil when it has none.
func (r *Resolved) MarksOf(set string, i int) []*Mark {
	return r.Watermarks[fmt.Sprintf("%s[%d]", set, i)]
}

// Mark is one item of a sub-task's WatermarkSet: its template as it was
// when the task was accepted, the image's blob key (image marks), the
// text (text marks) and the mark's time window, in seconds of the output:
// 0 or absent is its start (end), -n is n seconds before its end.
type Mark struct {
	Template        *Watermark `json:"Template"`
	ImageKey        string     `json:"ImageKey,omitempty"`
	TextContent     string     `json:"TextContent,omitempty"`
	StartTimeOffset float64    `json:"StartTimeOffset"`
	EndTimeOffset   float64    `json:"EndTimeOffset"`
}
