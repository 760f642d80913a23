package vodevent

import "encoding/json"

// Media-processing event types.
const (
	TypeProcedureStateChanged = "ProcedureStateChanged"
)

// MediaProcessTaskInput is the media processing of a ProcessMedia request
// or a procedure template: one set of sub-tasks per kind.
type MediaProcessTaskInput struct {
	TranscodeTaskSet                []TranscodeTaskInput                `json:"TranscodeTaskSet"`
	AnimatedGraphicTaskSet          []AnimatedGraphicTaskInput          `json:"AnimatedGraphicTaskSet"`
	SnapshotByTimeOffsetTaskSet     []SnapshotByTimeOffsetTaskInput     `json:"SnapshotByTimeOffsetTaskSet"`
	SampleSnapshotTaskSet           []SampleSnapshotTaskInput           `json:"SampleSnapshotTaskSet"`
	ImageSpriteTaskSet              []ImageSpriteTaskInput              `json:"ImageSpriteTaskSet"`
	CoverBySnapshotTaskSet          []CoverBySnapshotTaskInput          `json:"CoverBySnapshotTaskSet"`
	AdaptiveDynamicStreamingTaskSet []AdaptiveDynamicStreamingTaskInput `json:"AdaptiveDynamicStreamingTaskSet"`
}

// TranscodeTaskInput is one transcode. Offsets are seconds: 0 is the
// start (or end) of the source, a negative offset counts from the end.
// The watermark, mosaic, head-tail, override and subtitle members that
// openvod does not implement are kept as given (a request setting them is
// refused).
type TranscodeTaskInput struct {
	Definition         int64            `json:"Definition"`
	WatermarkSet       []WatermarkInput `json:"WatermarkSet"`
	TraceWatermark     json.RawMessage  `json:"TraceWatermark"`
	CopyRightWatermark json.RawMessage  `json:"CopyRightWatermark"`
	BlindWatermark     json.RawMessage  `json:"BlindWatermark"`
	MosaicSet          json.RawMessage  `json:"MosaicSet"`
	HeadTailSet        json.RawMessage  `json:"HeadTailSet"`
	StartTimeOffset    float64          `json:"StartTimeOffset"`
	EndTimeOffset      float64          `json:"EndTimeOffset"`
	OverrideParameter  json.RawMessage  `json:"OverrideParameter"`
	SubtitleInfoSet    json.RawMessage  `json:"SubtitleInfoSet"`
}

// WatermarkInput applies a watermark template.
type WatermarkInput struct {
	Definition      int64   `json:"Definition"`
	TextContent     string  `json:"TextContent"`
	SvgContent      string  `json:"SvgContent"`
	StartTimeOffset float64 `json:"StartTimeOffset"`
	EndTimeOffset   float64 `json:"EndTimeOffset"`
}

// AnimatedGraphicTaskInput makes a GIF or WebP of a range, in seconds.
type AnimatedGraphicTaskInput struct {
	Definition      int64   `json:"Definition"`
	StartTimeOffset float64 `json:"StartTimeOffset"`
	EndTimeOffset   float64 `json:"EndTimeOffset"`
}

// SnapshotByTimeOffsetTaskInput takes snapshots at offsets: ExtTimeOffsetSet
// items are "3.5s" or "10%"; TimeOffsetSet (legacy) is in milliseconds.
type SnapshotByTimeOffsetTaskInput struct {
	Definition       int64            `json:"Definition"`
	ExtTimeOffsetSet []string         `json:"ExtTimeOffsetSet"`
	TimeOffsetSet    []float64        `json:"TimeOffsetSet"`
	WatermarkSet     []WatermarkInput `json:"WatermarkSet"`
}

// SampleSnapshotTaskInput takes snapshots at the template's interval.
type SampleSnapshotTaskInput struct {
	Definition   int64            `json:"Definition"`
	WatermarkSet []WatermarkInput `json:"WatermarkSet"`
}

// ImageSpriteTaskInput makes sprite sheets and their WebVTT file.
type ImageSpriteTaskInput struct {
	Definition int64 `json:"Definition"`
}

// CoverBySnapshotTaskInput sets the cover to a snapshot (Definition is a
// snapshot-by-time-offset template) at a time (seconds) or a percentage.
type CoverBySnapshotTaskInput struct {
	Definition    int64            `json:"Definition"`
	PositionType  string           `json:"PositionType"`
	PositionValue float64          `json:"PositionValue"`
	WatermarkSet  []WatermarkInput `json:"WatermarkSet"`
}

// AdaptiveDynamicStreamingTaskInput packages an adaptive-streaming ladder.
type AdaptiveDynamicStreamingTaskInput struct {
	Definition         int64            `json:"Definition"`
	WatermarkSet       []WatermarkInput `json:"WatermarkSet"`
	TraceWatermark     json.RawMessage  `json:"TraceWatermark"`
	CopyRightWatermark json.RawMessage  `json:"CopyRightWatermark"`
	BlindWatermark     json.RawMessage  `json:"BlindWatermark"`
	SubtitleSet        []string         `json:"SubtitleSet"`
	SubtitleInfoSet    json.RawMessage  `json:"SubtitleInfoSet"`
	DrmInfo            json.RawMessage  `json:"DrmInfo"`
}

// ProcedureTask is the content of a ProcedureStateChanged event and of
// DescribeTaskDetail for a Procedure task.
type ProcedureTask struct {
	TaskId                   string                   `json:"TaskId"`
	Status                   string                   `json:"Status"` // PROCESSING or FINISH
	ErrCode                  int64                    `json:"ErrCode"`
	Message                  string                   `json:"Message"`
	FileId                   string                   `json:"FileId"`
	FileName                 string                   `json:"FileName"`
	FileUrl                  string                   `json:"FileUrl"`
	MetaData                 *MediaMetaData           `json:"MetaData"`
	MediaProcessResultSet    []MediaProcessTaskResult `json:"MediaProcessResultSet"`
	AiContentReviewResultSet []json.RawMessage        `json:"AiContentReviewResultSet"`
	AiAnalysisResultSet      []json.RawMessage        `json:"AiAnalysisResultSet"`
	AiRecognitionResultSet   []json.RawMessage        `json:"AiRecognitionResultSet"`
	TasksPriority            int64                    `json:"TasksPriority"`
	TasksNotifyMode          string                   `json:"TasksNotifyMode"`
	SessionContext           string                   `json:"SessionContext"`
	SessionId                string                   `json:"SessionId"`
	Operator                 string                   `json:"Operator"`
	OperationType            string                   `json:"OperationType"`
}

// Sub-task result types (MediaProcessTaskResult.Type).
const (
	ResultTranscode                = "Transcode"
	ResultAnimatedGraphics         = "AnimatedGraphics"
	ResultSnapshotByTimeOffset     = "SnapshotByTimeOffset"
	ResultSampleSnapshot           = "SampleSnapshot"
	ResultImageSprites             = "ImageSprites"
	ResultCoverBySnapshot          = "CoverBySnapshot"
	ResultAdaptiveDynamicStreaming = "AdaptiveDynamicStreaming"
)

// Sub-task states.
const (
	SubTaskProcessing = "PROCESSING"
	SubTaskSuccess    = "SUCCESS"
	SubTaskFail       = "FAIL"
)

// MediaProcessTaskResult is one sub-task of a procedure: Type names the
// one member that is set.
type MediaProcessTaskResult struct {
	Type                         string                                                                                  `json:"Type"`
	TranscodeTask                *MediaProcessTaskResultOf[TranscodeTaskInput, MediaTranscodeItem]                       `json:"TranscodeTask"`
	AnimatedGraphicTask          *MediaProcessTaskResultOf[AnimatedGraphicTaskInput, MediaAnimatedGraphicsItem]          `json:"AnimatedGraphicTask"`
	SnapshotByTimeOffsetTask     *MediaProcessTaskResultOf[SnapshotByTimeOffsetTaskInput, MediaSnapshotByTimeOffsetItem] `json:"SnapshotByTimeOffsetTask"`
	SampleSnapshotTask           *MediaProcessTaskResultOf[SampleSnapshotTaskInput, MediaSampleSnapshotItem]             `json:"SampleSnapshotTask"`
	ImageSpriteTask              *MediaProcessTaskResultOf[ImageSpriteTaskInput, MediaImageSpriteItem]                   `json:"ImageSpriteTask"`
	CoverBySnapshotTask          *MediaProcessTaskResultOf[CoverBySnapshotTaskInput, CoverBySnapshotTaskOutput]          `json:"CoverBySnapshotTask"`
	AdaptiveDynamicStreamingTask *MediaProcessTaskAdaptiveDynamicStreamingResult                                         `json:"AdaptiveDynamicStreamingTask"`
}

// MediaProcessTaskResultOf is the result of one sub-task with input I and
// output O (MediaProcessTaskTranscodeResult and its siblings, which share
// this shape). Output is null until the sub-task succeeds.
type MediaProcessTaskResultOf[I, O any] struct {
	Status           string `json:"Status"`
	ErrCodeExt       string `json:"ErrCodeExt"`
	ErrCode          int64  `json:"ErrCode"`
	Message          string `json:"Message"`
	Input            *I     `json:"Input"`
	Output           *O     `json:"Output"`
	Progress         int64  `json:"Progress"`
	BeginProcessTime string `json:"BeginProcessTime"`
	FinishTime       string `json:"FinishTime"`
}

// MediaProcessTaskAdaptiveDynamicStreamingResult is the result of an
// adaptive-streaming sub-task; its Progress comes before Input.
type MediaProcessTaskAdaptiveDynamicStreamingResult struct {
	Status           string                             `json:"Status"`
	ErrCodeExt       string                             `json:"ErrCodeExt"`
	ErrCode          int64                              `json:"ErrCode"`
	Message          string                             `json:"Message"`
	Progress         int64                              `json:"Progress"`
	Input            *AdaptiveDynamicStreamingTaskInput `json:"Input"`
	Output           *AdaptiveDynamicStreamingInfoItem  `json:"Output"`
	BeginProcessTime string                             `json:"BeginProcessTime"`
	FinishTime       string                             `json:"FinishTime"`
}

// MediaTranscodeItem is one transcoded file (Definition 0: the original).
type MediaTranscodeItem struct {
	Url                      string                 `json:"Url"`
	Definition               int64                  `json:"Definition"`
	Bitrate                  int64                  `json:"Bitrate"`
	Height                   int64                  `json:"Height"`
	Width                    int64                  `json:"Width"`
	Size                     int64                  `json:"Size"`
	Duration                 float64                `json:"Duration"`
	Md5                      string                 `json:"Md5"` // of a single-file output; "" for HLS
	Container                string                 `json:"Container"`
	VideoStreamSet           []MediaVideoStreamItem `json:"VideoStreamSet"`
	AudioStreamSet           []MediaAudioStreamItem `json:"AudioStreamSet"`
	DigitalWatermarkType     string                 `json:"DigitalWatermarkType"`
	CopyRightWatermarkText   string                 `json:"CopyRightWatermarkText"`
	BlindWatermarkDefinition int64                  `json:"BlindWatermarkDefinition"`
	FileId                   string                 `json:"FileId"`
}

// MediaAnimatedGraphicsItem is one GIF or WebP.
type MediaAnimatedGraphicsItem struct {
	Url             string  `json:"Url"`
	Definition      int64   `json:"Definition"`
	Container       string  `json:"Container"`
	Height          int64   `json:"Height"`
	Width           int64   `json:"Width"`
	Bitrate         int64   `json:"Bitrate"`
	Size            int64   `json:"Size"`
	Md5             string  `json:"Md5"`
	StartTimeOffset float64 `json:"StartTimeOffset"`
	EndTimeOffset   float64 `json:"EndTimeOffset"`
}

// MediaSnapshotByTimeOffsetItem is the set of snapshots of one template.
type MediaSnapshotByTimeOffsetItem struct {
	Definition int64                            `json:"Definition"`
	PicInfoSet []MediaSnapshotByTimePicInfoItem `json:"PicInfoSet"`
}

// MediaSnapshotByTimePicInfoItem is one snapshot; TimeOffset is in milliseconds.
type MediaSnapshotByTimePicInfoItem struct {
	TimeOffset          float64 `json:"TimeOffset"`
	Url                 string  `json:"Url"`
	WaterMarkDefinition []int64 `json:"WaterMarkDefinition"`
}

// MediaSampleSnapshotItem is the set of sample snapshots of one template.
type MediaSampleSnapshotItem struct {
	Definition          int64    `json:"Definition"`
	SampleType          string   `json:"SampleType"`
	Interval            int64    `json:"Interval"`
	ImageUrlSet         []string `json:"ImageUrlSet"`
	WaterMarkDefinition []int64  `json:"WaterMarkDefinition"`
}

// MediaImageSpriteItem is the sprite sheets of one template: Width and
// Height are a tile's, TotalCount the number of tiles.
type MediaImageSpriteItem struct {
	Definition  int64    `json:"Definition"`
	Height      int64    `json:"Height"`
	Width       int64    `json:"Width"`
	TotalCount  int64    `json:"TotalCount"`
	ImageUrlSet []string `json:"ImageUrlSet"`
	WebVttUrl   string   `json:"WebVttUrl"`
}

// CoverBySnapshotTaskOutput is the cover a CoverBySnapshot sub-task set.
type CoverBySnapshotTaskOutput struct {
	CoverUrl string `json:"CoverUrl"`
}

// AdaptiveDynamicStreamingInfoItem is one adaptive stream: Url is its
// master playlist.
type AdaptiveDynamicStreamingInfoItem struct {
	Definition               int64                    `json:"Definition"`
	Package                  string                   `json:"Package"` // HLS or DASH
	DrmType                  string                   `json:"DrmType"`
	Url                      string                   `json:"Url"`
	Size                     int64                    `json:"Size"`
	DigitalWatermarkType     string                   `json:"DigitalWatermarkType"`
	SubStreamSet             []MediaSubStreamInfoItem `json:"SubStreamSet"`
	CopyRightWatermarkText   string                   `json:"CopyRightWatermarkText"`
	BlindWatermarkDefinition int64                    `json:"BlindWatermarkDefinition"`
	SubtitleSet              []json.RawMessage        `json:"SubtitleSet"`
	DefaultSubtitleId        string                   `json:"DefaultSubtitleId"`
	DrmEncryptType           string                   `json:"DrmEncryptType"`
}

// MediaSubStreamInfoItem is one rendition of an adaptive stream.
type MediaSubStreamInfoItem struct {
	Type   string `json:"Type"` // audio or video
	Width  int64  `json:"Width"`
	Height int64  `json:"Height"`
	Size   int64  `json:"Size"`
}
