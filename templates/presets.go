package templates

import (
	"time"

	"github.com/openvod/openvod/vodevent"
)

// PresetTime is the CreateTime and UpdateTime of every preset: the date of
// the API version, 2018-07-17, at midnight UTC.
var PresetTime = time.Date(2018, 7, 17, 0, 0, 0, 0, time.UTC)

// CodecCopy is the Codec of the video and audio of a remux preset (875,
// 876): the streams are copied, not encoded, and the template's other
// stream parameters (all zero) mean nothing. Custom templates cannot use it.
const CodecCopy = "copy"

// Codecs and values the presets use.
const (
	codecH264 = "libx264"
	codecAAC  = "libfdk_aac"
	codecMP3  = "libmp3lame"
)

// ContainerType values of transcode templates.
const (
	ContainerTypeVideo     = "Video"
	ContainerTypePureAudio = "PureAudio"
)

// h264 is an H.264 stream of the given frame rate, bitrate and size
// (ResolutionAdaptive open: width is the long edge, height the short one).
func h264(fps, kbps, width, height int64) *VideoTemplateInfo {
	return &VideoTemplateInfo{Codec: codecH264, Fps: fps, Bitrate: kbps, ResolutionAdaptive: "open",
		Width: width, Height: height, FillType: "black", GopUnit: "frame", PreserveHDRSwitch: "OFF"}
}

// legacyH264 is h264 with the legacy rows' common parameters: profile
// High, GOP 240 frames, VBR.
func legacyH264(fps, kbps, width, height int64) *VideoTemplateInfo {
	v := h264(fps, kbps, width, height)
	v.Gop, v.VideoProfile, v.Mode = 240, "high", "VBR"
	return v
}

// audio is a 44.1 kHz stereo audio stream.
func audio(codec string, kbps int64) *AudioTemplateInfo {
	return &AudioTemplateInfo{Codec: codec, Bitrate: kbps, SampleRate: 44100, AudioChannel: 2}
}

// tehdOff is the TEHD setting of every openvod template.
func tehdOff() *TEHDConfig { return &TEHDConfig{Type: "OFF"} }

// videoPreset is a preset video transcode in container (mp4 or hls).
func videoPreset(def int64, name, container string, v *VideoTemplateInfo, a *AudioTemplateInfo) *Transcode {
	t := &Transcode{Definition: def, Container: container, Name: name,
		VideoTemplate: v, AudioTemplate: a, TEHDConfig: tehdOff(), ContainerType: ContainerTypeVideo}
	if container == "hls" {
		t.SegmentType = "ts"
	}
	return t
}

// audioPreset is a preset audio-only transcode: VideoTemplate is null.
func audioPreset(def int64, name, container string, a *AudioTemplateInfo) *Transcode {
	return &Transcode{Definition: def, Container: container, Name: name, RemoveVideo: 1,
		AudioTemplate: a, TEHDConfig: tehdOff(), ContainerType: ContainerTypePureAudio}
}

// tier is a row of the preset tables: the tier's name, its MP4 and HLS
// Definitions and its streams.
type tier struct {
	name     string
	mp4, hls int64
	video    *VideoTemplateInfo
	audio    *AudioTemplateInfo
}

// transcodeTiers are the H.264 presets 100010–100080 (MP4) and
// 100210–100280 (HLS): 25 fps, short edge given, AAC stereo 44.1 kHz; and
// the legacy rows 10–80 and 210–280 (24 or 30 fps, AAC 48 kbps).
var transcodeTiers = []tier{
	{"FLU", 100010, 100210, h264(25, 400, 0, 360), audio(codecAAC, 64)},
	{"SD", 100020, 100220, h264(25, 1000, 0, 540), audio(codecAAC, 64)},
	{"HD", 100030, 100230, h264(25, 1800, 0, 720), audio(codecAAC, 128)},
	{"FHD", 100040, 100240, h264(25, 2500, 0, 1080), audio(codecAAC, 128)},
	{"2K", 100070, 100270, h264(25, 3000, 0, 1440), audio(codecAAC, 160)},
	{"4K", 100080, 100280, h264(25, 6000, 0, 2160), audio(codecAAC, 160)},
	{"Legacy-FLU", 10, 210, legacyH264(24, 256, 320, 0), audio(codecAAC, 48)},
	{"Legacy-SD", 20, 220, legacyH264(24, 512, 640, 0), audio(codecAAC, 48)},
	{"Legacy-HD", 30, 230, legacyH264(24, 1024, 1280, 0), audio(codecAAC, 48)},
	{"Legacy-FHD", 40, 240, legacyH264(24, 2500, 1920, 0), audio(codecAAC, 48)},
	{"Legacy-2K", 70, 270, legacyH264(30, 3072, 0, 1440), audio(codecAAC, 48)},
	{"Legacy-4K", 80, 280, legacyH264(30, 6144, 0, 2160), audio(codecAAC, 48)},
}

// presetTranscodes are the transcode presets by Definition.
var presetTranscodes = func() map[int64]*Transcode {
	all := []*Transcode{
		{Definition: 875, Container: "mp4", Name: "Remux-MP4",
			VideoTemplate: &VideoTemplateInfo{Codec: CodecCopy}, AudioTemplate: &AudioTemplateInfo{Codec: CodecCopy},
			TEHDConfig: tehdOff(), ContainerType: ContainerTypeVideo},
		{Definition: 876, Container: "hls", Name: "Remux-HLS",
			VideoTemplate: &VideoTemplateInfo{Codec: CodecCopy}, AudioTemplate: &AudioTemplateInfo{Codec: CodecCopy},
			TEHDConfig: tehdOff(), ContainerType: ContainerTypeVideo, SegmentType: "ts"},
		audioPreset(1010, "MP3-128", "mp3", audio(codecMP3, 128)),
		audioPreset(1020, "MP3-320", "mp3", audio(codecMP3, 320)),
		audioPreset(1100, "M4A-24", "m4a", audio(codecAAC, 24)),
		audioPreset(1110, "M4A-48", "m4a", audio(codecAAC, 48)),
		audioPreset(1120, "M4A-96", "m4a", audio(codecAAC, 96)),
		audioPreset(1130, "M4A-192", "m4a", audio(codecAAC, 192)),
		audioPreset(1140, "M4A-256", "m4a", audio(codecAAC, 256)),
	}
	for _, t := range transcodeTiers {
		all = append(all,
			videoPreset(t.mp4, t.name+"-MP4", "mp4", t.video, t.audio),
			videoPreset(t.hls, t.name+"-HLS", "hls", t.video, t.audio))
	}
	return byDefinition(all)
}()

// abrRungs are the six sub-streams of the adaptive-streaming presets:
// H.264 24 fps, AAC 48 kbps 44.1 kHz stereo, short edge given.
func abrRungs() []AdaptiveStreamTemplate {
	rungs := []struct{ short, kbps int64 }{{240, 256}, {480, 512}, {720, 512}, {1080, 1024}, {1440, 3072}, {2160, 6144}}
	out := make([]AdaptiveStreamTemplate, len(rungs))
	for i, r := range rungs {
		out[i] = AdaptiveStreamTemplate{Video: h264(24, r.kbps, 0, r.short), Audio: audio(codecAAC, 48), TEHDConfig: tehdOff()}
	}
	return out
}

// presetAdaptive are the adaptive-streaming presets: 10 HLS (a source is
// not scaled up to the higher rungs), 20 MPEG-DASH.
var presetAdaptive = byDefinition([]*AdaptiveDynamicStreaming{
	{Definition: 10, Name: "Adaptive-HLS", Format: FormatHLS, StreamInfos: abrRungs(),
		DisableHigherVideoResolution: 1, SegmentType: SegmentTSSegment, SegmentDuration: 6},
	{Definition: 20, Name: "Adaptive-DASH", Format: FormatDASH, StreamInfos: abrRungs(),
		SegmentType: SegmentMP4ByteRange, SegmentDuration: 6},
})

// presetSnapshots is snapshot-by-time-offset preset 10: JPG at the source's
// size (also the template of covers).
var presetSnapshots = byDefinition([]*SnapshotByTimeOffset{
	{Definition: 10, Name: "TimepointScreenshot", ResolutionAdaptive: "open", Format: "jpg", FillType: "stretch"},
})

// presetSampleSnapshots is sample-snapshot preset 10: JPG at the source's
// size, every 10 % of the duration.
var presetSampleSnapshots = byDefinition([]*SampleSnapshot{
	{Definition: 10, Name: "SampleScreenshot", ResolutionAdaptive: "open", Format: "jpg",
		SampleType: SamplePercent, SampleInterval: 10, FillType: "stretch"},
})

// presetImageSprites is image-sprite preset 10: 142×80 JPG tiles every
// 10 s, 10 rows by 10 columns.
var presetImageSprites = byDefinition([]*ImageSprite{
	{Definition: 10, Name: "SpriteScreenshot", Width: 142, Height: 80, ResolutionAdaptive: "open",
		SampleType: SampleTime, SampleInterval: 10, RowCount: 10, ColumnCount: 10, FillType: "black", Format: "jpg"},
})

// presetAnimatedGraphics are the animated-graphics presets: 20000 GIF and
// 20001 WebP, both 2 fps at the source's size.
var presetAnimatedGraphics = byDefinition([]*AnimatedGraphics{
	{Definition: 20000, Name: "GIF", ResolutionAdaptive: "open", Format: "gif", Fps: 2, Quality: 75},
	{Definition: 20001, Name: "WEBP", ResolutionAdaptive: "open", Format: "webp", Fps: 2, Quality: 75},
})

// LongVideoPresetName is the preset procedure openvod has: adaptive HLS
// 10, image sprite 10, and a cover by snapshot 10 at the first frame
// (PositionType Time, PositionValue 0, as Tencent's published sample).
const LongVideoPresetName = "LongVideoPreset"

// presetProcedures are the preset procedures by Name.
var presetProcedures = func() map[string]*Procedure {
	p := &Procedure{Name: LongVideoPresetName, Comment: "Adaptive HLS, image sprite and cover",
		MediaProcessTask: expand(&vodevent.MediaProcessTaskInput{
			ImageSpriteTaskSet:              []vodevent.ImageSpriteTaskInput{{Definition: 10}},
			CoverBySnapshotTaskSet:          []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: PositionTime}},
			AdaptiveDynamicStreamingTaskSet: []vodevent.AdaptiveDynamicStreamingTaskInput{{Definition: 10}},
		})}
	p.stamp(0, TypePreset, PresetTime, PresetTime)
	return map[string]*Procedure{p.Name: p}
}()

// drmProcedures are Tencent's preset procedures that need DRM: openvod
// does not list them and refuses them by name.
var drmProcedures = []string{"SimpleAesEncryptPreset", "WidevineFairPlayPrese", "SDMC-WidevineFairPlayPreset", "MultiDRMPreset"}

// byDefinition indexes presets by their Definition and stamps them
// Preset, created and updated at PresetTime.
func byDefinition[T any, P interface {
	*T
	template
}](all []P) map[int64]P {
	m := make(map[int64]P, len(all))
	for _, t := range all {
		t.stamp(t.definition(), TypePreset, PresetTime, PresetTime)
		m[t.definition()] = t
	}
	return m
}
