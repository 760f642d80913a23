package templates

import (
	"errors"
	"strings"
	"testing"

	"github.com/openvod/openvod"
)

// goodTranscode returns a valid custom transcode template.
func goodTranscode() *Transcode {
	return &Transcode{Container: "mp4",
		VideoTemplate: &VideoTemplateInfo{Codec: "libx264", Fps: 25, Bitrate: 1000, Height: 720},
		AudioTemplate: &AudioTemplateInfo{Codec: "libfdk_aac", Bitrate: 128, SampleRate: 44100, AudioChannel: 2}}
}

func goodAdaptive() *AdaptiveDynamicStreaming {
	return &AdaptiveDynamicStreaming{Format: FormatHLS, StreamInfos: []AdaptiveStreamTemplate{
		{Video: &VideoTemplateInfo{Codec: "libx264", Fps: 25, Bitrate: 400, Height: 360}, Audio: &AudioTemplateInfo{Codec: "libfdk_aac", Bitrate: 64, SampleRate: 44100}},
		{Video: &VideoTemplateInfo{Codec: "libx265", Fps: 30, Bitrate: 900, Height: 720}, Audio: &AudioTemplateInfo{Codec: "libfdk_aac", Bitrate: 64, SampleRate: 48000}},
	}}
}

// checkCode fails t unless err is an *openvod.Error with code whose
// message holds field.
func checkCode(t *testing.T, name string, err error, code, field string) {
	t.Helper()
	var oe *openvod.Error
	if !errors.As(err, &oe) || oe.Code != code || !strings.Contains(oe.Message, field) {
		t.Errorf("%s: %v, want %s naming %s", name, err, code, field)
	}
}

func TestCheckTranscode(t *testing.T) {
	tc := goodTranscode()
	if err := CheckTranscode(tc); err != nil {
		t.Fatal(err)
	}
	v := tc.VideoTemplate
	if tc.ContainerType != ContainerTypeVideo || tc.TEHDConfig.Type != "OFF" || tc.SegmentType != "" || v.ResolutionAdaptive != "open" ||
		v.FillType != "black" || v.GopUnit != "frame" || v.PreserveHDRSwitch != "OFF" || v.CodecTag != "" || v.Mode != "VBR" {
		t.Errorf("defaults: %+v %+v", tc, v)
	}
	hevc := goodTranscode()
	hevc.Container, hevc.VideoTemplate.Codec = "hls", "libx265"
	if err := CheckTranscode(hevc); err != nil || hevc.VideoTemplate.CodecTag != "hvc1" || hevc.SegmentType != "ts" {
		t.Errorf("hls H.265: %v, CodecTag %q SegmentType %q", err, hevc.VideoTemplate.CodecTag, hevc.SegmentType)
	}
	mp3 := goodTranscode()
	mp3.Container, mp3.AudioTemplate.Codec = "mp3", "libmp3lame"
	if err := CheckTranscode(mp3); err != nil || mp3.RemoveVideo != 1 || mp3.VideoTemplate != nil || mp3.ContainerType != ContainerTypePureAudio {
		t.Errorf("mp3: %v, %+v", err, mp3)
	}
	const ipv = "InvalidParameterValue."
	cases := []struct {
		name        string
		change      func(*Transcode)
		code, field string
	}{
		{"container", func(t *Transcode) { t.Container = "avi" }, ipv + "Container", "Container"},
		{"name", func(t *Transcode) { t.Name = strings.Repeat("n", 65) }, ipv + "Name", "Name"},
		{"comment", func(t *Transcode) { t.Comment = strings.Repeat("c", 257) }, ipv + "Comment", "Comment"},
		{"remove video", func(t *Transcode) { t.RemoveVideo = 2 }, ipv + "RemoveVideo", "RemoveVideo"},
		{"remove both", func(t *Transcode) { t.RemoveVideo, t.RemoveAudio = 1, 1 }, ipv + "RemoveAudio", "RemoveAudio"},
		{"no video", func(t *Transcode) { t.VideoTemplate = nil }, ipv + "VideoTemplate", "VideoTemplate"},
		{"no audio", func(t *Transcode) { t.AudioTemplate = nil }, ipv + "AudioTemplate", "AudioTemplate"},
		{"av1", func(t *Transcode) { t.VideoTemplate.Codec = "av1" }, ipv + "Codec", "does not encode av1"},
		{"H.266", func(t *Transcode) { t.VideoTemplate.Codec = "H.266" }, ipv + "Codec", "does not encode H.266"},
		{"codec", func(t *Transcode) { t.VideoTemplate.Codec = "vp9" }, ipv + "Codec", "VideoTemplate.Codec"},
		{"fps", func(t *Transcode) { t.VideoTemplate.Fps = 101 }, ipv + "Fps", "VideoTemplate.Fps"},
		{"bitrate", func(t *Transcode) { t.VideoTemplate.Bitrate = 100 }, ipv + "Bitrate", "VideoTemplate.Bitrate"},
		{"width", func(t *Transcode) { t.VideoTemplate.Width = 127 }, ipv + "Width", "VideoTemplate.Width"},
		{"height", func(t *Transcode) { t.VideoTemplate.Height = 8193 }, ipv + "Height", "VideoTemplate.Height"},
		{"resolution adaptive", func(t *Transcode) { t.VideoTemplate.ResolutionAdaptive = "auto" }, ipv + "ResolutionAdaptive", "ResolutionAdaptive"},
		{"fill type", func(t *Transcode) { t.VideoTemplate.FillType = "red" }, ipv + "FillType", "FillType"},
		{"vcrf", func(t *Transcode) { t.VideoTemplate.Vcrf = 52 }, ipv + "Vcrf", "Vcrf"},
		{"gop", func(t *Transcode) { t.VideoTemplate.Gop = 100001 }, ipv + "Gop", "Gop"},
		{"gop unit", func(t *Transcode) { t.VideoTemplate.GopUnit = "ms" }, ipv + "GopUnit", "GopUnit"},
		{"HDR", func(t *Transcode) { t.VideoTemplate.PreserveHDRSwitch = "ON" }, ipv + "PreserveHDRSwitch", "HDR"},
		{"codec tag of H.264", func(t *Transcode) { t.VideoTemplate.CodecTag = "hvc1" }, ipv + "CodecTag", "CodecTag"},
		{"HLS time", func(t *Transcode) { t.VideoTemplate.HlsTime = 11 }, ipv + "HlsTime", "HlsTime"},
		{"audio codec", func(t *Transcode) { t.AudioTemplate.Codec = "flac" }, ipv + "AudioCodec", "AudioTemplate.Codec"},
		{"audio bitrate", func(t *Transcode) { t.AudioTemplate.Bitrate = 257 }, ipv + "AudioBitrate", "AudioTemplate.Bitrate"},
		{"sample rate", func(t *Transcode) { t.AudioTemplate.SampleRate = 16000 }, ipv + "AudioSampleRate", "AudioTemplate.SampleRate"},
		{"channels", func(t *Transcode) { t.AudioTemplate.AudioChannel = 3 }, ipv + "AudioChannel", "AudioTemplate.AudioChannel"},
		{"TEHD", func(t *Transcode) { t.TEHDConfig = &TEHDConfig{Type: "TEHD-100"} }, ipv + "TEHDType", "TEHD"},
		{"enhance", func(t *Transcode) { t.EnhanceConfig = map[string]any{} }, "UnsupportedOperation", "EnhanceConfig"},
		{"std ext info", func(t *Transcode) { t.StdExtInfo = "{}" }, "UnsupportedOperation", "StdExtInfo"},
		{"segment type of mp4", func(t *Transcode) { t.SegmentType = "fmp4" }, ipv + "SegmentType", "only an hls"},
		{"fmp4", func(t *Transcode) { t.Container, t.SegmentType = "hls", "fmp4" }, ipv + "SegmentType", "TS segments only"},
	}
	for _, c := range cases {
		tc := goodTranscode()
		c.change(tc)
		checkCode(t, c.name, CheckTranscode(tc), c.code, c.field)
	}
}

func TestCheckAdaptive(t *testing.T) {
	a := goodAdaptive()
	if err := CheckAdaptive(a); err != nil {
		t.Fatal(err)
	}
	if a.SegmentType != SegmentTSSegment || a.SegmentDuration != 6 || a.StreamInfos[1].Video.Fps != 25 || a.StreamInfos[1].TEHDConfig.Type != "OFF" {
		t.Errorf("defaults and the first stream's fps: %+v, stream 1 fps %d", a, a.StreamInfos[1].Video.Fps)
	}
	dash := goodAdaptive()
	dash.Format = FormatDASH
	if err := CheckAdaptive(dash); err != nil || dash.SegmentType != SegmentMP4ByteRange {
		t.Errorf("DASH: %v, SegmentType %q", err, dash.SegmentType)
	}
	const ipv = "InvalidParameterValue."
	cases := []struct {
		name        string
		change      func(*AdaptiveDynamicStreaming)
		code, field string
	}{
		{"format", func(a *AdaptiveDynamicStreaming) { a.Format = "hls" }, ipv + "Format", "Format"},
		{"DRM", func(a *AdaptiveDynamicStreaming) { a.DrmType = "SimpleAES" }, ipv + "DrmType", "DRM"},
		{"DRM provider", func(a *AdaptiveDynamicStreaming) { a.DrmKeyProvider = "SDMC" }, ipv + "DrmType", "DrmKeyProvider"},
		{"no streams", func(a *AdaptiveDynamicStreaming) { a.StreamInfos = nil }, ipv + "StreamInfos", "StreamInfos"},
		{"11 streams", func(a *AdaptiveDynamicStreaming) { a.StreamInfos = make([]AdaptiveStreamTemplate, 11) }, ipv + "StreamInfos", "StreamInfos"},
		{"segment type", func(a *AdaptiveDynamicStreaming) { a.SegmentType = "mp4-segment" }, ipv + "SegmentType", "SegmentType"},
		{"segment duration", func(a *AdaptiveDynamicStreaming) { a.SegmentDuration = 11 }, ipv + "SegmentDuration", "SegmentDuration"},
		{"higher bitrate", func(a *AdaptiveDynamicStreaming) { a.DisableHigherVideoBitrate = 2 }, ipv + "DisableHigherVideoBitrate", "DisableHigherVideoBitrate"},
		{"higher resolution", func(a *AdaptiveDynamicStreaming) { a.DisableHigherVideoResolution = -1 }, ipv + "DisableHigherVideoResolution", "DisableHigherVideoResolution"},
		{"stream codec", func(a *AdaptiveDynamicStreaming) { a.StreamInfos[1].Video.Codec = "av1" }, ipv + "Codec", "StreamInfos[1].Video.Codec"},
		{"stream audio codec", func(a *AdaptiveDynamicStreaming) { a.StreamInfos[0].Audio.Codec = "libmp3lame" }, ipv + "AudioCodec", "StreamInfos[0].Audio.Codec"},
		{"stream width", func(a *AdaptiveDynamicStreaming) { a.StreamInfos[0].Video.Width = 10 }, ipv + "Width", "StreamInfos[0].Video.Width"},
		{"stream without video", func(a *AdaptiveDynamicStreaming) { a.StreamInfos[0].Video = nil }, ipv + "Video", "StreamInfos[0].Video"},
		{"stream TEHD", func(a *AdaptiveDynamicStreaming) { a.StreamInfos[0].TEHDConfig = &TEHDConfig{Type: "TEHD-100"} }, ipv + "TEHDType", "StreamInfos[0].TEHDConfig"},
		{"stream enhance", func(a *AdaptiveDynamicStreaming) { a.StreamInfos[0].EnhanceConfig = map[string]any{} }, "UnsupportedOperation", "StreamInfos[0].EnhanceConfig"},
	}
	for _, c := range cases {
		a := goodAdaptive()
		c.change(a)
		checkCode(t, c.name, CheckAdaptive(a), c.code, c.field)
	}
}

func TestCheckImages(t *testing.T) {
	const ipv = "InvalidParameterValue."
	snap := func(change func(*SnapshotByTimeOffset)) error {
		s := &SnapshotByTimeOffset{}
		change(s)
		return CheckSnapshot(s)
	}
	sample := func(change func(*SampleSnapshot)) error {
		s := &SampleSnapshot{SampleType: SamplePercent, SampleInterval: 10}
		change(s)
		return CheckSampleSnapshot(s)
	}
	sprite := func(change func(*ImageSprite)) error {
		s := &ImageSprite{SampleType: SampleTime, SampleInterval: 10, RowCount: 10, ColumnCount: 10}
		change(s)
		return CheckImageSprite(s)
	}
	gif := func(change func(*AnimatedGraphics)) error {
		s := &AnimatedGraphics{Fps: 10}
		change(s)
		return CheckAnimatedGraphics(s)
	}
	for name, err := range map[string]error{
		"snapshot": snap(func(*SnapshotByTimeOffset) {}), "sample": sample(func(*SampleSnapshot) {}),
		"sprite": sprite(func(*ImageSprite) {}), "gif": gif(func(*AnimatedGraphics) {}),
	} {
		if err != nil {
			t.Errorf("valid %s: %v", name, err)
		}
	}
	s := &SnapshotByTimeOffset{}
	g := &AnimatedGraphics{Fps: 10}
	if CheckSnapshot(s) != nil || s.Format != "jpg" || s.FillType != "black" || s.ResolutionAdaptive != "open" ||
		CheckAnimatedGraphics(g) != nil || g.Format != "gif" || g.Quality != 75 {
		t.Errorf("defaults: %+v %+v", s, g)
	}
	cases := []struct {
		name        string
		err         error
		code, field string
	}{
		{"snapshot format", snap(func(s *SnapshotByTimeOffset) { s.Format = "gif" }), ipv + "Format", "Format"},
		{"snapshot width", snap(func(s *SnapshotByTimeOffset) { s.Width = 4097 }), ipv + "Width", "Width"},
		{"snapshot height", snap(func(s *SnapshotByTimeOffset) { s.Height = 31 }), ipv + "Height", "Height"},
		{"snapshot fill", snap(func(s *SnapshotByTimeOffset) { s.FillType = "blue" }), ipv + "FillType", "FillType"},
		{"snapshot name", snap(func(s *SnapshotByTimeOffset) { s.Name = strings.Repeat("é", 65) }), ipv + "Name", "Name"},
		{"sample type", sample(func(s *SampleSnapshot) { s.SampleType = "percent" }), ipv + "SampleType", "SampleType"},
		{"sample percent", sample(func(s *SampleSnapshot) { s.SampleInterval = 101 }), ipv + "SampleInterval", "SampleInterval"},
		{"sample time", sample(func(s *SampleSnapshot) { s.SampleType, s.SampleInterval = SampleTime, 0 }), ipv + "SampleInterval", "SampleInterval"},
		{"sample width", sample(func(s *SampleSnapshot) { s.Width = 100 }), ipv + "Width", "Width"},
		{"sprite rows", sprite(func(s *ImageSprite) { s.RowCount = 0 }), ipv + "RowCount", "RowCount"},
		{"sprite columns", sprite(func(s *ImageSprite) { s.ColumnCount = 101 }), ipv + "ColumnCount", "ColumnCount"},
		{"sprite sheet", sprite(func(s *ImageSprite) { s.Width, s.ColumnCount = 4000, 4 }), ipv + "Resolution", "15000"},
		{"sprite fill", sprite(func(s *ImageSprite) { s.FillType = "gauss" }), ipv + "FillType", "FillType"},
		{"sprite comment", sprite(func(s *ImageSprite) { s.Comment = strings.Repeat("c", 257) }), ipv + "Comment", "Comment"},
		{"gif fps", gif(func(s *AnimatedGraphics) { s.Fps = 31 }), ipv + "Fps", "Fps"},
		{"gif no fps", gif(func(s *AnimatedGraphics) { s.Fps = 0 }), ipv + "Fps", "Fps"},
		{"gif format", gif(func(s *AnimatedGraphics) { s.Format = "png" }), ipv + "Format", "Format"},
		{"gif quality", gif(func(s *AnimatedGraphics) { s.Quality = 101 }), ipv + "Quality", "Quality"},
		{"gif width", gif(func(s *AnimatedGraphics) { s.Width = 5000 }), ipv + "Width", "Width"},
	}
	for _, c := range cases {
		checkCode(t, c.name, c.err, c.code, c.field)
	}
}
