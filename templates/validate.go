package templates

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/openvod/openvod"
)

// Lengths of the Name and Comment of a template, in characters.
const (
	MaxName    = 64
	MaxComment = 256
)

// bad is an InvalidParameterValue.<code> error about field.
func bad(code, field, format string, args ...any) error {
	return openvod.Errorf(openvod.CodeInvalidParameterValue+"."+code, "%s: %s", field, fmt.Sprintf(format, args...))
}

// oneOf checks that v (defaulted to def when empty) is one of allowed and
// returns it.
func oneOf(v *string, def, code, field string, allowed ...string) error {
	if *v == "" {
		*v = def
	}
	if !slices.Contains(allowed, *v) {
		return bad(code, field, "%q is not one of %s", *v, strings.Join(allowed, ", "))
	}
	return nil
}

// inRange checks that v is 0 (when zeroOK) or within lo..hi.
func inRange(v, lo, hi int64, zeroOK bool, code, field string) error {
	if v == 0 && zeroOK || v >= lo && v <= hi {
		return nil
	}
	if zeroOK {
		return bad(code, field, "%d is neither 0 nor within %d to %d", v, lo, hi)
	}
	return bad(code, field, "%d is not within %d to %d", v, lo, hi)
}

// flag checks a 0/1 switch.
func flag(v int64, code, field string) error {
	if v != 0 && v != 1 {
		return bad(code, field, "%d is neither 0 nor 1", v)
	}
	return nil
}

// checkNaming checks a template's Name and Comment.
func checkNaming(name, comment string) error {
	if n := utf8.RuneCountInString(name); n > MaxName {
		return bad("Name", "Name", "%d characters, more than %d", n, MaxName)
	}
	if n := utf8.RuneCountInString(comment); n > MaxComment {
		return bad("Comment", "Comment", "%d characters, more than %d", n, MaxComment)
	}
	return nil
}

// checkSize checks Width and Height, each 0 (the source's) or lo..hi, and
// ResolutionAdaptive.
func checkSize(prefix string, w, h, lo, hi int64, adaptive *string) error {
	return firstErr(inRange(w, lo, hi, true, "Width", prefix+"Width"), inRange(h, lo, hi, true, "Height", prefix+"Height"),
		oneOf(adaptive, "open", "ResolutionAdaptive", prefix+"ResolutionAdaptive", "open", "close"))
}

// checkFill checks a FillType (default black).
func checkFill(field string, v *string, allowed ...string) error {
	return oneOf(v, "black", "FillType", field, allowed...)
}

// noTEHD refuses a TEHD setting other than OFF and sets it to OFF.
func noTEHD(field string, c **TEHDConfig) error {
	if *c == nil {
		*c = tehdOff()
	}
	if t := (*c).Type; t != "" && t != "OFF" {
		return bad("TEHDType", field+".Type", "openvod does not support TEHD (%q): use OFF", t)
	}
	(*c).Type = "OFF"
	return nil
}

// noExtras refuses EnhanceConfig and StdExtInfo, which openvod lacks.
func noExtras(prefix string, enhance any, stdExtInfo string) error {
	if enhance != nil {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "%sEnhanceConfig: openvod does not support audio and video enhancement: leave it out", prefix)
	}
	if stdExtInfo != "" {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "%sStdExtInfo: openvod does not support extended parameters: leave it empty", prefix)
	}
	return nil
}

// checkVideo checks a video stream's parameters and fills their defaults.
func checkVideo(prefix string, v *VideoTemplateInfo) error {
	switch v.Codec {
	case codecH264, "libx265":
	case "av1", "H.266":
		return bad("Codec", prefix+"Codec", "openvod does not encode %s: use libx264 or libx265", v.Codec)
	default:
		return bad("Codec", prefix+"Codec", "%q is not a video codec openvod encodes: use libx264 or libx265", v.Codec)
	}
	codecTag := ""
	if v.Codec == "libx265" {
		codecTag = "hvc1"
	} else if v.CodecTag != "" {
		return bad("CodecTag", prefix+"CodecTag", "only H.265 (libx265) has a codec tag: leave it empty")
	}
	if v.PreserveHDRSwitch == "ON" {
		return bad("PreserveHDRSwitch", prefix+"PreserveHDRSwitch", "openvod does not keep HDR: use OFF")
	}
	return firstErr(
		inRange(v.Fps, 1, 100, true, "Fps", prefix+"Fps"),
		inRange(v.Bitrate, 128, 100000, true, "Bitrate", prefix+"Bitrate"),
		checkSize(prefix, v.Width, v.Height, 128, 8192, &v.ResolutionAdaptive),
		checkFill(prefix+"FillType", &v.FillType, "stretch", "black", "white", "gauss"),
		inRange(v.Vcrf, 1, 51, true, "Vcrf", prefix+"Vcrf"),
		inRange(v.Gop, 1, 100000, true, "Gop", prefix+"Gop"),
		oneOf(&v.GopUnit, "frame", "GopUnit", prefix+"GopUnit", "frame", "second"),
		oneOf(&v.PreserveHDRSwitch, "OFF", "PreserveHDRSwitch", prefix+"PreserveHDRSwitch", "OFF"),
		oneOf(&v.CodecTag, codecTag, "CodecTag", prefix+"CodecTag", codecTag, "hev1"),
		oneOf(&v.Mode, "VBR", "Mode", prefix+"Mode", "VBR", "ABR", "CBR"),
		inRange(v.Bframes, 1, 16, true, "Bframes", prefix+"Bframes"),
		inRange(v.HlsTime, 1, 10, true, "HlsTime", prefix+"HlsTime"),
		oneOf(&v.VideoProfile, "", "VideoProfile", prefix+"VideoProfile", "", "baseline", "main", "high"))
}

// audioCodecs are the audio codecs of each container.
var audioCodecs = map[string][]string{
	"mp3": {codecMP3}, "ogg": {"flac"}, "flac": {"flac"}, "m4a": {codecAAC, codecMP3, "ac3"},
	"mp4": {codecAAC, codecMP3, "mp2"}, "flv": {codecAAC, codecMP3, "mp2"}, "hls": {codecAAC}, "wav": {"pcm16"},
}

// checkAudio checks an audio stream's parameters for container.
func checkAudio(prefix, container string, a *AudioTemplateInfo) error {
	codecs := audioCodecs[container]
	if !slices.Contains(codecs, a.Codec) {
		return bad("AudioCodec", prefix+"Codec", "%q is not an audio codec of %s: use %s", a.Codec, container, strings.Join(codecs, ", "))
	}
	rates := []int64{32000, 44100, 48000}
	if a.Codec == "pcm16" {
		rates = append(rates, 16000)
	}
	if !slices.Contains(rates, a.SampleRate) {
		return bad("AudioSampleRate", prefix+"SampleRate", "%d is not one of %v", a.SampleRate, rates)
	}
	if !slices.Contains([]int64{0, 1, 2, 6}, a.AudioChannel) {
		return bad("AudioChannel", prefix+"AudioChannel", "%d is not one of 0 (the source's), 1, 2, 6", a.AudioChannel)
	}
	return inRange(a.Bitrate, 26, 256, true, "AudioBitrate", prefix+"Bitrate")
}

// audioOnly are the containers without video.
var audioOnly = []string{"mp3", "flac", "ogg", "m4a", "wav"}

// CheckTranscode checks a transcode template to create or as modified,
// and fills the defaults of what is left empty. An audio-only container
// removes the video.
func CheckTranscode(t *Transcode) error {
	if !slices.Contains([]string{"mp4", "flv", "hls", "mp3", "flac", "ogg", "m4a", "wav"}, t.Container) {
		return bad("Container", "Container", "%q is not one of mp4, flv, hls, mp3, flac, ogg, m4a, wav", t.Container)
	}
	t.ContainerType = ContainerTypeVideo
	if slices.Contains(audioOnly, t.Container) {
		t.RemoveVideo, t.VideoTemplate, t.ContainerType = 1, nil, ContainerTypePureAudio
	}
	if err := firstErr(checkNaming(t.Name, t.Comment), flag(t.RemoveVideo, "RemoveVideo", "RemoveVideo"),
		flag(t.RemoveAudio, "RemoveAudio", "RemoveAudio"), noTEHD("TEHDConfig", &t.TEHDConfig), noExtras("", t.EnhanceConfig, t.StdExtInfo)); err != nil {
		return err
	}
	switch {
	case t.RemoveVideo == 1 && t.RemoveAudio == 1:
		return bad("RemoveAudio", "RemoveAudio", "with the video removed too nothing is left: keep the audio or the video")
	case t.RemoveVideo == 0 && t.VideoTemplate == nil:
		return bad("VideoTemplate", "VideoTemplate", "required unless RemoveVideo is 1")
	case t.RemoveAudio == 0 && t.AudioTemplate == nil:
		return bad("AudioTemplate", "AudioTemplate", "required unless RemoveAudio is 1")
	}
	if t.RemoveVideo == 1 {
		t.VideoTemplate = nil
	} else if err := checkVideo("VideoTemplate.", t.VideoTemplate); err != nil {
		return err
	}
	if t.RemoveAudio == 1 {
		t.AudioTemplate = nil
	} else if err := checkAudio("AudioTemplate.", t.Container, t.AudioTemplate); err != nil {
		return err
	}
	if t.Container != "hls" {
		if t.SegmentType != "" && t.SegmentType != "ts" { // ts: left from an hls template modified
			return bad("SegmentType", "SegmentType", "only an hls template has a SegmentType: leave it empty")
		}
		t.SegmentType = ""
		return nil
	}
	if t.SegmentType == "fmp4" {
		return bad("SegmentType", "SegmentType", "openvod makes HLS of TS segments only: use ts")
	}
	return oneOf(&t.SegmentType, "ts", "SegmentType", "SegmentType", "ts")
}

// MaxStreams is the most sub-streams of an adaptive-streaming template.
const MaxStreams = 10

// CheckAdaptive checks an adaptive-streaming template to create or as
// modified, and fills the defaults. Every stream takes the first one's
// frame rate, as Tencent's do.
func CheckAdaptive(t *AdaptiveDynamicStreaming) error {
	if t.Format != FormatHLS && t.Format != FormatDASH {
		return bad("Format", "Format", "%q is neither HLS nor MPEG-DASH", t.Format)
	}
	if t.DrmType != "" || t.DrmEncryptType != "" || t.DrmKeyProvider != "" && t.DrmKeyProvider != "VOD" {
		return bad("DrmType", "DrmType", "openvod does not support DRM encryption: leave DrmType, DrmKeyProvider and DrmEncryptType empty")
	}
	if n := len(t.StreamInfos); n == 0 || n > MaxStreams {
		return bad("StreamInfos", "StreamInfos", "%d streams: give 1 to %d", n, MaxStreams)
	}
	segment := SegmentTSSegment
	segments := []string{SegmentTSSegment, "ts"}
	if t.Format == FormatDASH {
		segment, segments = SegmentMP4ByteRange, []string{SegmentMP4ByteRange}
	}
	if t.SegmentDuration == 0 {
		t.SegmentDuration = 6
	}
	if err := firstErr(checkNaming(t.Name, t.Comment),
		flag(t.DisableHigherVideoBitrate, "DisableHigherVideoBitrate", "DisableHigherVideoBitrate"),
		flag(t.DisableHigherVideoResolution, "DisableHigherVideoResolution", "DisableHigherVideoResolution"),
		oneOf(&t.SegmentType, segment, "SegmentType", "SegmentType", segments...),
		inRange(t.SegmentDuration, 1, 10, false, "SegmentDuration", "SegmentDuration")); err != nil {
		return err
	}
	if t.SegmentType == "ts" {
		t.SegmentType = SegmentTSSegment
	}
	for i := range t.StreamInfos {
		s := &t.StreamInfos[i]
		p := fmt.Sprintf("StreamInfos[%d].", i)
		if err := firstErr(flag(s.RemoveVideo, "RemoveVideo", p+"RemoveVideo"), flag(s.RemoveAudio, "RemoveAudio", p+"RemoveAudio"),
			noTEHD(p+"TEHDConfig", &s.TEHDConfig), noExtras(p, s.EnhanceConfig, s.StdExtInfo)); err != nil {
			return err
		}
		switch {
		case s.RemoveVideo == 1 && s.RemoveAudio == 1:
			return bad("RemoveAudio", p+"RemoveAudio", "with the video removed too nothing is left")
		case s.Video == nil:
			return bad("Video", p+"Video", "required")
		case s.Audio == nil:
			return bad("Audio", p+"Audio", "required")
		}
		if err := firstErr(checkVideo(p+"Video.", s.Video), checkAudio(p+"Audio.", "hls", s.Audio)); err != nil {
			return err
		}
		s.Video.Fps = t.StreamInfos[0].Video.Fps
	}
	return nil
}

// imageFormats are the formats of snapshots and sprites.
var imageFormats = []string{"jpg", "png", "webp"}

// CheckSnapshot checks a snapshot-by-time-offset template and fills its
// defaults.
func CheckSnapshot(t *SnapshotByTimeOffset) error {
	return firstErr(checkNaming(t.Name, t.Comment), checkSize("", t.Width, t.Height, 32, 4096, &t.ResolutionAdaptive),
		oneOf(&t.Format, "jpg", "Format", "Format", imageFormats...),
		checkFill("FillType", &t.FillType, "stretch", "black", "white", "gauss"))
}

// checkSampling checks a SampleType and SampleInterval: a percentage of
// the duration (1..100) or seconds (at least 1).
func checkSampling(typ string, interval int64) error {
	switch typ {
	case SamplePercent:
		return inRange(interval, 1, 100, false, "SampleInterval", "SampleInterval")
	case SampleTime:
		return inRange(interval, 1, 1<<31-1, false, "SampleInterval", "SampleInterval")
	}
	return bad("SampleType", "SampleType", "%q is neither Percent nor Time", typ)
}

// CheckSampleSnapshot checks a sample-snapshot template and fills its
// defaults.
func CheckSampleSnapshot(t *SampleSnapshot) error {
	return firstErr(checkNaming(t.Name, t.Comment), checkSampling(t.SampleType, t.SampleInterval),
		checkSize("", t.Width, t.Height, 128, 4096, &t.ResolutionAdaptive),
		oneOf(&t.Format, "jpg", "Format", "Format", imageFormats...),
		checkFill("FillType", &t.FillType, "stretch", "black", "white", "gauss"))
}

// Bounds of a sprite sheet.
const (
	MaxSpriteGrid  = 100   // rows or columns
	MaxSpritePixel = 15000 // width or height of a sheet
)

// CheckImageSprite checks an image-sprite template and fills its defaults.
func CheckImageSprite(t *ImageSprite) error {
	if err := firstErr(checkNaming(t.Name, t.Comment), checkSampling(t.SampleType, t.SampleInterval),
		inRange(t.RowCount, 1, MaxSpriteGrid, false, "RowCount", "RowCount"),
		inRange(t.ColumnCount, 1, MaxSpriteGrid, false, "ColumnCount", "ColumnCount"),
		checkSize("", t.Width, t.Height, 128, 4096, &t.ResolutionAdaptive),
		oneOf(&t.Format, "jpg", "Format", "Format", imageFormats...),
		checkFill("FillType", &t.FillType, "stretch", "black")); err != nil {
		return err
	}
	if t.Width*t.ColumnCount > MaxSpritePixel || t.Height*t.RowCount > MaxSpritePixel {
		return bad("Resolution", "Width", "a sheet of %d×%d tiles of %d×%d is larger than %d px: use smaller tiles or fewer", t.ColumnCount, t.RowCount, t.Width, t.Height, MaxSpritePixel)
	}
	return nil
}

// CheckAnimatedGraphics checks an animated-graphics template and fills its
// defaults.
func CheckAnimatedGraphics(t *AnimatedGraphics) error {
	if t.Quality == 0 {
		t.Quality = 75
	}
	if !(t.Quality >= 1 && t.Quality <= 100) {
		return bad("Quality", "Quality", "%g is not within 1 to 100", t.Quality)
	}
	return firstErr(checkNaming(t.Name, t.Comment), inRange(t.Fps, 1, 30, false, "Fps", "Fps"),
		checkSize("", t.Width, t.Height, 128, 4096, &t.ResolutionAdaptive),
		oneOf(&t.Format, "gif", "Format", "Format", "gif", "webp"))
}
