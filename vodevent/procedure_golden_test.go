package vodevent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
)

// The values of the ProcedureStateChanged fixtures.
const (
	procTaskId = "1500000001-procedurev2-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	procFileId = "5285890784273533167"
	procOut    = "http://127.0.0.1:8080/vod/1500000001/9a8b7c6d5e4f30211203f4e5d6c7b8a9/a1/" // the attempt's outputs
)

// null is what a decoded input holds in the members openvod keeps as
// given (json.RawMessage keeps a JSON null as its bytes).
var null = json.RawMessage("null")

// procTimes are a sub-task's BeginProcessTime and FinishTime.
const procBegin, procFinish = "2026-03-04T05:06:08Z", "2026-03-04T05:06:19Z"

// procTranscode is the finished transcode of definition 100010, the
// first sub-task.
func procTranscode() MediaProcessTaskResult {
	return MediaProcessTaskResult{Type: ResultTranscode, TranscodeTask: &MediaProcessTaskResultOf[TranscodeTaskInput, MediaTranscodeItem]{
		Status: SubTaskSuccess, ErrCodeExt: "", ErrCode: 0, Message: "SUCCESS",
		Input: &TranscodeTaskInput{Definition: 100010, WatermarkSet: []WatermarkInput{}, TraceWatermark: null, CopyRightWatermark: null,
			BlindWatermark: null, MosaicSet: null, HeadTailSet: null, StartTimeOffset: 0, EndTimeOffset: 0, OverrideParameter: null, SubtitleInfoSet: null},
		Output: &MediaTranscodeItem{
			Url: procOut + "0/v.f100010.mp4", Definition: 100010, Bitrate: 463201, Height: 360, Width: 640, Size: 1766035,
			Duration: 30.5, Md5: "eff7031ad7877865f9a3240e9ab165ad", Container: "mov,mp4,m4a,3gp,3g2,mj2",
			VideoStreamSet: []MediaVideoStreamItem{{Bitrate: 399105, Height: 360, Width: 640, Codec: "h264", Fps: 25, CodecTag: "avc1",
				DynamicRangeInfo: &DynamicRangeInfo{Type: "SDR", HDRType: ""}}},
			AudioStreamSet:       []MediaAudioStreamItem{{Bitrate: 64096, SamplingRate: 44100, Codec: "aac"}},
			DigitalWatermarkType: "None",
		},
		Progress: 100, BeginProcessTime: procBegin, FinishTime: procFinish,
	}}
}

// procFailedGIF is an animated graphic whose range is outside the source.
func procFailedGIF() MediaProcessTaskResult {
	return MediaProcessTaskResult{Type: ResultAnimatedGraphics, AnimatedGraphicTask: &MediaProcessTaskResultOf[AnimatedGraphicTaskInput, MediaAnimatedGraphicsItem]{
		Status: SubTaskFail, ErrCodeExt: "InvalidInput.InvalidTimeOffset", ErrCode: 40000,
		Message: "StartTimeOffset 40 is not before the end of the media (30.5 s)",
		Input:   &AnimatedGraphicTaskInput{Definition: 20000, StartTimeOffset: 40, EndTimeOffset: 45},
		Output:  nil, Progress: 100, BeginProcessTime: procFinish, FinishTime: procFinish,
	}}
}

func procSnapshots() MediaProcessTaskResult {
	return MediaProcessTaskResult{Type: ResultSnapshotByTimeOffset, SnapshotByTimeOffsetTask: &MediaProcessTaskResultOf[SnapshotByTimeOffsetTaskInput, MediaSnapshotByTimeOffsetItem]{
		Status: SubTaskSuccess, Message: "SUCCESS",
		Input: &SnapshotByTimeOffsetTaskInput{Definition: 10, ExtTimeOffsetSet: []string{"1.5s", "50%"}, TimeOffsetSet: []float64{}, WatermarkSet: []WatermarkInput{}},
		Output: &MediaSnapshotByTimeOffsetItem{Definition: 10, PicInfoSet: []MediaSnapshotByTimePicInfoItem{
			{TimeOffset: 1500, Url: procOut + "2/snapshot_1500.jpg", WaterMarkDefinition: []int64{}},
			{TimeOffset: 15250, Url: procOut + "2/snapshot_15250.jpg", WaterMarkDefinition: []int64{}},
		}},
		Progress: 100, BeginProcessTime: procFinish, FinishTime: procFinish,
	}}
}

func procSample() MediaProcessTaskResult {
	return MediaProcessTaskResult{Type: ResultSampleSnapshot, SampleSnapshotTask: &MediaProcessTaskResultOf[SampleSnapshotTaskInput, MediaSampleSnapshotItem]{
		Status: SubTaskSuccess, Message: "SUCCESS",
		Input: &SampleSnapshotTaskInput{Definition: 10, WatermarkSet: []WatermarkInput{}},
		Output: &MediaSampleSnapshotItem{Definition: 10, SampleType: "Percent", Interval: 50,
			ImageUrlSet: []string{procOut + "3/sample_0.jpg", procOut + "3/sample_1.jpg"}, WaterMarkDefinition: []int64{}},
		Progress: 100, BeginProcessTime: procFinish, FinishTime: procFinish,
	}}
}

func procSprite() MediaProcessTaskResult {
	return MediaProcessTaskResult{Type: ResultImageSprites, ImageSpriteTask: &MediaProcessTaskResultOf[ImageSpriteTaskInput, MediaImageSpriteItem]{
		Status: SubTaskSuccess, Message: "SUCCESS",
		Input: &ImageSpriteTaskInput{Definition: 10},
		Output: &MediaImageSpriteItem{Definition: 10, Height: 80, Width: 142, TotalCount: 4,
			ImageUrlSet: []string{procOut + "4/sprite_0.jpg"}, WebVttUrl: procOut + "4/sprite.vtt"},
		Progress: 100, BeginProcessTime: procFinish, FinishTime: procFinish,
	}}
}

func procCover() MediaProcessTaskResult {
	return MediaProcessTaskResult{Type: ResultCoverBySnapshot, CoverBySnapshotTask: &MediaProcessTaskResultOf[CoverBySnapshotTaskInput, CoverBySnapshotTaskOutput]{
		Status: SubTaskSuccess, Message: "SUCCESS",
		Input:    &CoverBySnapshotTaskInput{Definition: 10, PositionType: "Time", PositionValue: 0, WatermarkSet: []WatermarkInput{}},
		Output:   &CoverBySnapshotTaskOutput{CoverUrl: procOut + "5/cover.jpg"},
		Progress: 100, BeginProcessTime: procFinish, FinishTime: procFinish,
	}}
}

func procAdaptive() MediaProcessTaskResult {
	return MediaProcessTaskResult{Type: ResultAdaptiveDynamicStreaming, AdaptiveDynamicStreamingTask: &MediaProcessTaskAdaptiveDynamicStreamingResult{
		Status: SubTaskSuccess, Message: "SUCCESS", Progress: 100,
		Input: &AdaptiveDynamicStreamingTaskInput{Definition: 10, WatermarkSet: []WatermarkInput{}, TraceWatermark: null,
			CopyRightWatermark: null, BlindWatermark: null, SubtitleSet: []string{}, SubtitleInfoSet: null, DrmInfo: null},
		Output: &AdaptiveDynamicStreamingInfoItem{Definition: 10, Package: "HLS", DrmType: "", Url: procOut + "6/master.m3u8", Size: 2906112,
			DigitalWatermarkType: "None", SubStreamSet: []MediaSubStreamInfoItem{
				{Type: "video", Width: 426, Height: 240, Size: 1052672}, {Type: "video", Width: 854, Height: 480, Size: 1853440}},
			SubtitleSet: []json.RawMessage{}},
		BeginProcessTime: procFinish, FinishTime: procFinish,
	}}
}

// procedureTask is a flow of every kind of sub-task with status and set.
func procedureTask(status string, results ...MediaProcessTaskResult) *ProcedureTask {
	return &ProcedureTask{
		TaskId: procTaskId, Status: status, ErrCode: 0, Message: "",
		FileId: procFileId, FileName: "动物世界", FileUrl: "http://127.0.0.1:8080/vod/1500000001/5285890784273533167/f0.mp4",
		MetaData: metaData(), MediaProcessResultSet: results,
		AiContentReviewResultSet: []json.RawMessage{}, AiAnalysisResultSet: []json.RawMessage{}, AiRecognitionResultSet: []json.RawMessage{},
		TasksPriority: 0, TasksNotifyMode: "Finish", SessionContext: "order=42", SessionId: "", Operator: "", OperationType: "",
	}
}

func procedureFinished() *EventContent {
	return &EventContent{EventType: TypeProcedureStateChanged, ProcedureStateChangeEvent: procedureTask("FINISH",
		procTranscode(), procFailedGIF(), procSnapshots(), procSample(), procSprite(), procCover(), procAdaptive())}
}

// procedureChanged is a TasksNotifyMode Change event: the transcode is
// done, the adaptive stream has not started.
func procedureChanged() *EventContent {
	task := procedureTask("PROCESSING", procTranscode(), MediaProcessTaskResult{Type: ResultAdaptiveDynamicStreaming,
		AdaptiveDynamicStreamingTask: &MediaProcessTaskAdaptiveDynamicStreamingResult{Status: SubTaskProcessing, Progress: 0,
			Input: &AdaptiveDynamicStreamingTaskInput{Definition: 10, WatermarkSet: []WatermarkInput{}, TraceWatermark: null,
				CopyRightWatermark: null, BlindWatermark: null, SubtitleSet: []string{}, SubtitleInfoSet: null, DrmInfo: null}}})
	task.TasksNotifyMode, task.TasksPriority, task.SessionId = "Change", 10, "sess-7"
	return &EventContent{EventType: TypeProcedureStateChanged, ProcedureStateChangeEvent: task}
}

// procedurePull is the pull form of a flow of a transcode and a cover,
// the two sub-tasks of Tencent's sample.
func procedurePull() *EventContent {
	return &EventContent{EventHandle: "EventHandleX", EventType: TypeProcedureStateChanged,
		ProcedureStateChangeEvent: procedureTask("FINISH", procTranscode(), procCover())}
}

// TestProcedureLikeTencentSample checks the pull form of a
// ProcedureStateChanged against Tencent's published sample (processing
// reference §6.1): every key of the sample is in ours, where ours has
// them with the same kind of value (object, array, string, number) and
// the same nesting.
func TestProcedureLikeTencentSample(t *testing.T) {
	t.Parallel()
	var sample struct {
		Response struct{ EventSet []json.RawMessage }
	}
	if err := json.Unmarshal(compactFile(t, "tencent_procedure_pull.json"), &sample); err != nil {
		t.Fatal(err)
	}
	if len(sample.Response.EventSet) != 1 {
		t.Fatalf("sample EventSet has %d items", len(sample.Response.EventSet))
	}
	var theirs, ours any
	if err := json.Unmarshal(sample.Response.EventSet[0], &theirs); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(wire(t, procedurePull()), &ours); err != nil {
		t.Fatal(err)
	}
	var missing []string
	compared := sameShape(t, "", theirs, ours, &missing)
	if len(missing) > 0 {
		t.Errorf("keys of the sample missing from ours: %v", missing)
	}
	if compared < 60 {
		t.Errorf("only %d values compared", compared)
	}
	// The sample decodes into our type, and what both carry agrees.
	var e EventContent
	if err := json.Unmarshal(sample.Response.EventSet[0], &e); err != nil {
		t.Fatal(err)
	}
	p := e.ProcedureStateChangeEvent
	if p == nil || p.Status != "FINISH" || len(p.MediaProcessResultSet) != 2 || p.MediaProcessResultSet[0].TranscodeTask.Output.Size != 4189073 ||
		p.MediaProcessResultSet[1].CoverBySnapshotTask.Input.PositionType != "Time" || p.MetaData.VideoStreamSet[0].Fps != 23 {
		t.Fatalf("decoded sample = %+v", p)
	}
}

// sameShape compares the JSON values theirs and ours at path: the same
// kind, and for objects recursively every key of theirs that ours has
// (the others are added to missing); arrays element by element up to the
// shorter. It returns how many values it compared.
func sameShape(t *testing.T, path string, theirs, ours any, missing *[]string) int {
	t.Helper()
	kind := func(v any) string { return fmt.Sprintf("%T", v) }
	if theirs == nil { // null fits any kind
		return 1
	}
	if kind(theirs) != kind(ours) {
		t.Errorf("%s: sample has a %s, ours a %s (%v)", path, kind(theirs), kind(ours), ours)
		return 1
	}
	n := 1
	switch th := theirs.(type) {
	case map[string]any:
		keys := make([]string, 0, len(th))
		for k := range th {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			o, ok := ours.(map[string]any)[k]
			if !ok {
				*missing = append(*missing, path+"."+k)
				continue
			}
			n += sameShape(t, path+"."+k, th[k], o, missing)
		}
	case []any:
		o := ours.([]any)
		if len(th) != len(o) {
			t.Errorf("%s: sample has %d items, ours %d", path, len(th), len(o))
		}
		for i := range min(len(th), len(o)) {
			n += sameShape(t, fmt.Sprintf("%s[%d]", path, i), th[i], o[i], missing)
		}
	}
	return n
}

// TestProcedureEmptyIsNull checks the null handling of a ProcedureTask
// that has nothing yet: MetaData null when unknown, sets as given.
func TestProcedureEmptyIsNull(t *testing.T) {
	t.Parallel()
	got := wire(t, &ProcedureTask{TaskId: "t", Status: "PROCESSING", MediaProcessResultSet: []MediaProcessTaskResult{}})
	if !bytes.Contains(got, []byte(`"MetaData":null,"MediaProcessResultSet":[],"AiContentReviewResultSet":null`)) {
		t.Fatalf("got %s", got)
	}
}
