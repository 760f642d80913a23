package templates

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
)

// TestTranscodePresets checks every transcode preset against the table of
// processing-reference.md §2.
func TestTranscodePresets(t *testing.T) {
	type row struct {
		container, vcodec    string
		fps, vkbps, w, h     int64
		acodec               string
		akbps, rate, channel int64
	}
	video := func(c string, fps, vkbps, w, h, akbps int64) row {
		return row{c, codecH264, fps, vkbps, w, h, codecAAC, akbps, 44100, 2}
	}
	want := map[int64]row{
		100010: video("mp4", 25, 400, 0, 360, 64), 100210: video("hls", 25, 400, 0, 360, 64),
		100020: video("mp4", 25, 1000, 0, 540, 64), 100220: video("hls", 25, 1000, 0, 540, 64),
		100030: video("mp4", 25, 1800, 0, 720, 128), 100230: video("hls", 25, 1800, 0, 720, 128),
		100040: video("mp4", 25, 2500, 0, 1080, 128), 100240: video("hls", 25, 2500, 0, 1080, 128),
		100070: video("mp4", 25, 3000, 0, 1440, 160), 100270: video("hls", 25, 3000, 0, 1440, 160),
		100080: video("mp4", 25, 6000, 0, 2160, 160), 100280: video("hls", 25, 6000, 0, 2160, 160),
		10: video("mp4", 24, 256, 320, 0, 48), 210: video("hls", 24, 256, 320, 0, 48),
		20: video("mp4", 24, 512, 640, 0, 48), 220: video("hls", 24, 512, 640, 0, 48),
		30: video("mp4", 24, 1024, 1280, 0, 48), 230: video("hls", 24, 1024, 1280, 0, 48),
		40: video("mp4", 24, 2500, 1920, 0, 48), 240: video("hls", 24, 2500, 1920, 0, 48),
		70: video("mp4", 30, 3072, 0, 1440, 48), 270: video("hls", 30, 3072, 0, 1440, 48),
		80: video("mp4", 30, 6144, 0, 2160, 48), 280: video("hls", 30, 6144, 0, 2160, 48),
		875:  {container: "mp4", vcodec: CodecCopy, acodec: CodecCopy},
		876:  {container: "hls", vcodec: CodecCopy, acodec: CodecCopy},
		1010: {container: "mp3", acodec: codecMP3, akbps: 128, rate: 44100, channel: 2},
		1020: {container: "mp3", acodec: codecMP3, akbps: 320, rate: 44100, channel: 2},
		1100: {container: "m4a", acodec: codecAAC, akbps: 24, rate: 44100, channel: 2},
		1110: {container: "m4a", acodec: codecAAC, akbps: 48, rate: 44100, channel: 2},
		1120: {container: "m4a", acodec: codecAAC, akbps: 96, rate: 44100, channel: 2},
		1130: {container: "m4a", acodec: codecAAC, akbps: 192, rate: 44100, channel: 2},
		1140: {container: "m4a", acodec: codecAAC, akbps: 256, rate: 44100, channel: 2},
	}
	if got := slices.Sorted(maps.Keys(presetTranscodes)); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("transcode presets %v, want %v", got, slices.Sorted(maps.Keys(want)))
	}
	for def, w := range want {
		p := presetTranscodes[def]
		got := row{container: p.Container, acodec: p.AudioTemplate.Codec, akbps: p.AudioTemplate.Bitrate,
			rate: p.AudioTemplate.SampleRate, channel: p.AudioTemplate.AudioChannel}
		if v := p.VideoTemplate; v != nil {
			got.vcodec, got.fps, got.vkbps, got.w, got.h = v.Codec, v.Fps, v.Bitrate, v.Width, v.Height
		}
		if got != w {
			t.Errorf("preset %d: %+v, want %+v", def, got, w)
		}
		audioOnly := w.vcodec == ""
		if wantType := map[bool]string{false: ContainerTypeVideo, true: ContainerTypePureAudio}[audioOnly]; p.ContainerType != wantType ||
			(p.RemoveVideo == 1) != audioOnly || (p.VideoTemplate == nil) != audioOnly {
			t.Errorf("preset %d: ContainerType %s RemoveVideo %d VideoTemplate %v, audio only %v", def, p.ContainerType, p.RemoveVideo, p.VideoTemplate, audioOnly)
		}
		if p.Definition != def || p.Type != TypePreset || p.CreateTime != "2018-07-17T00:00:00Z" || p.UpdateTime != p.CreateTime ||
			p.TEHDConfig == nil || p.TEHDConfig.Type != "OFF" {
			t.Errorf("preset %d: Definition %d Type %s times %s %s TEHD %v", def, p.Definition, p.Type, p.CreateTime, p.UpdateTime, p.TEHDConfig)
		}
		if (p.Container == "hls") != (p.SegmentType == "ts") {
			t.Errorf("preset %d: %s with SegmentType %q", def, p.Container, p.SegmentType)
		}
	}
	if v := presetTranscodes[10].VideoTemplate; v.Gop != 240 || v.VideoProfile != "high" || v.Mode != "VBR" {
		t.Errorf("legacy preset 10: Gop %d profile %s mode %s, want 240 high VBR", v.Gop, v.VideoProfile, v.Mode)
	}
}

// TestAdaptivePresets checks presets 10 (HLS) and 20 (DASH) and their rungs.
func TestAdaptivePresets(t *testing.T) {
	for def, w := range map[int64]struct {
		format, segment string
		noHigher        int64
	}{10: {FormatHLS, SegmentTSSegment, 1}, 20: {FormatDASH, SegmentMP4ByteRange, 0}} {
		p := presetAdaptive[def]
		if p.Format != w.format || p.SegmentType != w.segment || p.DisableHigherVideoResolution != w.noHigher ||
			p.DisableHigherVideoBitrate != 0 || p.DrmType != "" || p.SegmentDuration != 6 || p.Type != TypePreset {
			t.Errorf("preset %d: %+v", def, p)
		}
		var rungs [][2]int64
		for _, s := range p.StreamInfos {
			if s.Video.Codec != codecH264 || s.Video.Fps != 24 || s.Video.Width != 0 || s.Audio.Codec != codecAAC ||
				s.Audio.Bitrate != 48 || s.Audio.SampleRate != 44100 || s.Audio.AudioChannel != 2 {
				t.Errorf("preset %d rung %+v %+v", def, s.Video, s.Audio)
			}
			rungs = append(rungs, [2]int64{s.Video.Height, s.Video.Bitrate})
		}
		want := [][2]int64{{240, 256}, {480, 512}, {720, 512}, {1080, 1024}, {1440, 3072}, {2160, 6144}}
		if !slices.Equal(rungs, want) {
			t.Errorf("preset %d rungs (short edge, kbps) %v, want %v", def, rungs, want)
		}
	}
	if len(presetAdaptive) != 2 {
		t.Errorf("%d adaptive presets, want 2", len(presetAdaptive))
	}
}

// TestImagePresets checks the snapshot, sample, sprite and animated presets.
func TestImagePresets(t *testing.T) {
	check := func(name string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s:\ngot  %s\nwant %s", name, g, w)
		}
	}
	const at = "2018-07-17T00:00:00Z"
	check("snapshot presets", presetSnapshots, map[int64]*SnapshotByTimeOffset{10: {Definition: 10, Type: TypePreset,
		Name: "TimepointScreenshot", ResolutionAdaptive: "open", Format: "jpg", CreateTime: at, UpdateTime: at, FillType: "stretch"}})
	check("sample snapshot presets", presetSampleSnapshots, map[int64]*SampleSnapshot{10: {Definition: 10, Type: TypePreset,
		Name: "SampleScreenshot", ResolutionAdaptive: "open", Format: "jpg", SampleType: "Percent", SampleInterval: 10,
		CreateTime: at, UpdateTime: at, FillType: "stretch"}})
	check("image sprite presets", presetImageSprites, map[int64]*ImageSprite{10: {Definition: 10, Type: TypePreset,
		Name: "SpriteScreenshot", Width: 142, Height: 80, ResolutionAdaptive: "open", SampleType: "Time", SampleInterval: 10,
		RowCount: 10, ColumnCount: 10, CreateTime: at, UpdateTime: at, FillType: "black", Format: "jpg"}})
	check("animated graphics presets", presetAnimatedGraphics, map[int64]*AnimatedGraphics{
		20000: {Definition: 20000, Type: TypePreset, Name: "GIF", ResolutionAdaptive: "open", Format: "gif", Fps: 2, Quality: 75, CreateTime: at, UpdateTime: at},
		20001: {Definition: 20001, Type: TypePreset, Name: "WEBP", ResolutionAdaptive: "open", Format: "webp", Fps: 2, Quality: 75, CreateTime: at, UpdateTime: at}})
}

// TestLongVideoPreset checks the preset procedure's sub-tasks.
func TestLongVideoPreset(t *testing.T) {
	p := presetProcedures[LongVideoPresetName]
	got, _ := json.Marshal(p)
	want := `{"Name":"LongVideoPreset","Type":"Preset","Comment":"Adaptive HLS, image sprite and cover","MediaProcessTask":{"TranscodeTaskSet":[],"AnimatedGraphicTaskSet":[],"SnapshotByTimeOffsetTaskSet":[],"SampleSnapshotTaskSet":[],` +
		`"ImageSpriteTaskSet":[{"Definition":10}],"CoverBySnapshotTaskSet":[{"Definition":10,"PositionType":"Time","PositionValue":0,"WatermarkSet":null}],` +
		`"AdaptiveDynamicStreamingTaskSet":[{"Definition":10,"WatermarkSet":null,"TraceWatermark":null,"CopyRightWatermark":null,"BlindWatermark":null,"SubtitleSet":null,"SubtitleInfoSet":null,"DrmInfo":null}]},` +
		`"AiContentReviewTask":null,"AiAnalysisTask":null,"AiRecognitionTaskSet":null,"AiRecognitionTask":null,"MiniProgramPublishTask":null,"ReviewAudioVideoTask":null,"ImportMediaKnowledgeTaskSet":null,` +
		`"CreateTime":"2018-07-17T00:00:00Z","UpdateTime":"2018-07-17T00:00:00Z"}`
	if string(got) != want {
		t.Errorf("LongVideoPreset:\ngot  %s\nwant %s", got, want)
	}
}
