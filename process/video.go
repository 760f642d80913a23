package process

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/openvod/openvod/templates"
)

// x26xPreset is the encoder speed preset of every libx264 and libx265
// encode: templates do not name one, and veryfast is what a 2-core
// machine can afford for ladders of several rungs.
const x26xPreset = "veryfast"

// Default constant rate factors when a template asks for neither a bit
// rate nor a Vcrf (the encoders' own defaults).
const (
	autoCRF264 = 23
	autoCRF265 = 28
)

// videoEnc is one video stream to encode: its size, frame rate and encoder.
type videoEnc struct {
	codec         string // libx264 or libx265
	w, h          int64
	fill          string  // the template's FillType
	fps           float64 // output frame rate; 0 keeps the source's
	bitrate       int64   // kbps; 0: constant rate factor
	crf           int64
	gop           int64 // frames between keyframes; 0: the encoder's default
	bframes       int64 // -1: the encoder's default
	tag, profile  string
	keyframeEvery float64 // seconds between forced keyframes (segment boundaries); 0: none
	// marks are drawn after the scale and frame rate, on a stream of dur
	// seconds; nil: none.
	marks *marks
	dur   float64
}

// audioEnc is one audio stream to encode.
type audioEnc struct {
	codec                   string // ffmpeg's encoder
	bitrate, rate, channels int64  // kbps, Hz; 0: the encoder's or the source's
	lossless                bool   // flac and PCM take no bit rate
}

// newVideoEnc returns the encoder of a template's video stream for src.
func newVideoEnc(v *templates.VideoTemplateInfo, src *Source) (*videoEnc, error) {
	if v == nil {
		return nil, Errorf("InvalidInput", "the template keeps the video but has no VideoTemplate")
	}
	e := &videoEnc{fill: v.FillType, fps: float64(v.Fps), bitrate: v.Bitrate, crf: v.Vcrf, bframes: -1}
	switch v.Codec {
	case "libx264":
		e.codec = "libx264"
		if v.Vcrf == 0 && v.Bitrate == 0 {
			e.crf = autoCRF264
		}
		switch v.VideoProfile {
		case "", "baseline", "main", "high":
			e.profile = v.VideoProfile
		default:
			return nil, Errorf("InvalidInput.ConfigurationUnsupported", "VideoProfile %q is not one of baseline, main, high for libx264", v.VideoProfile)
		}
	case "libx265":
		e.codec = "libx265"
		if v.Vcrf == 0 && v.Bitrate == 0 {
			e.crf = autoCRF265
		}
		switch v.CodecTag {
		case "", "hvc1":
			e.tag = "hvc1"
		case "hev1":
			e.tag = "hev1"
		default:
			return nil, Errorf("InvalidInput.ConfigurationUnsupported", "CodecTag %q is not hvc1 or hev1", v.CodecTag)
		}
		switch v.VideoProfile {
		case "", "main":
			e.profile = v.VideoProfile
		default:
			return nil, Errorf("InvalidInput.ConfigurationUnsupported", "VideoProfile %q: openvod encodes H.265 in the main profile only", v.VideoProfile)
		}
	case "av1", "H.266":
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "video codec %s is not available in openvod: use libx264 or libx265", v.Codec)
	default:
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "unknown video codec %q: use libx264 or libx265", v.Codec)
	}
	if v.CodecTag != "" && e.codec != "libx265" {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "CodecTag is for libx265 only")
	}
	if _, err := scaleFilter(2, 2, v.FillType); err != nil {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "%v: use stretch, black, white or gauss", err)
	}
	if v.Bframes > 0 {
		e.bframes = v.Bframes
	}
	sw, sh := src.displaySize()
	e.w, e.h = Size(sw, sh, v.Width, v.Height, v.ResolutionAdaptive)
	if v.Gop > 0 {
		e.gop = v.Gop
		if v.GopUnit == "second" {
			e.gop = max(1, int64(math.Round(float64(v.Gop)*cmpOr(e.fps, src.Fps, 25))))
		}
	}
	return e, nil
}

// noTEHD refuses a TEHD (Tencent's perceptual encoding) setting other
// than OFF: openvod has no TEHD encoder.
func noTEHD(c *templates.TEHDConfig) error {
	if c != nil && c.Type != "" && c.Type != "OFF" {
		return Errorf("InvalidInput.ConfigurationUnsupported", "TEHDConfig.Type %s is not available in openvod: use OFF", c.Type)
	}
	return nil
}

// cmpOr returns the first of vs that is positive (0 when none is).
func cmpOr(vs ...float64) float64 {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}

// audioCodecs maps the templates' audio codecs to ffmpeg's encoders:
// libfdk_aac (not in Debian's ffmpeg) is encoded with ffmpeg's native AAC.
var audioCodecs = map[string]string{
	"libfdk_aac": "aac",
	"libmp3lame": "libmp3lame",
	"mp2":        "mp2",
	"flac":       "flac",
	"pcm16":      "pcm_s16le",
	"ac3":        "ac3",
}

// newAudioEnc returns the encoder of a template's audio stream.
func newAudioEnc(a *templates.AudioTemplateInfo) (*audioEnc, error) {
	if a == nil {
		return nil, Errorf("InvalidInput", "the template keeps the audio but has no AudioTemplate")
	}
	codec, ok := audioCodecs[a.Codec]
	if !ok {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "unknown audio codec %q: use libfdk_aac, libmp3lame, mp2, flac, ac3 or pcm16", a.Codec)
	}
	return &audioEnc{codec: codec, bitrate: a.Bitrate, rate: a.SampleRate, channels: a.AudioChannel,
		lossless: codec == "flac" || codec == "pcm_s16le"}, nil
}

// args returns the encoder options of the video stream spec ("v" for an
// output's only video stream, "v:1" for its second).
func (e *videoEnc) args(spec string) []string {
	o := func(name string) string { return "-" + name + ":" + spec }
	a := []string{o("c"), e.codec, o("preset"), x26xPreset}
	switch {
	case e.crf > 0:
		a = append(a, o("crf"), strconv.FormatInt(e.crf, 10))
		if e.bitrate > 0 { // a cap, with a CRF
			a = append(a, o("maxrate"), kbps(e.bitrate), o("bufsize"), kbps(2*e.bitrate))
		}
	default:
		a = append(a, o("b"), kbps(e.bitrate), o("maxrate"), kbps(e.bitrate*3/2), o("bufsize"), kbps(2*e.bitrate))
	}
	if e.gop > 0 {
		a = append(a, o("g"), strconv.FormatInt(e.gop, 10))
	}
	if e.bframes >= 0 {
		a = append(a, o("bf"), strconv.FormatInt(e.bframes, 10))
	}
	if e.profile != "" {
		a = append(a, o("profile"), e.profile)
	}
	if e.keyframeEvery > 0 {
		a = append(a, o("force_key_frames"), "expr:gte(t,n_forced*"+secs(e.keyframeEvery)+")")
	}
	if e.codec == "libx265" {
		a = append(a, o("tag"), e.tag, o("x265-params"), "log-level=error", o("forced-idr"), "1")
	}
	return a
}

// args returns the encoder options of the audio stream spec ("a", "a:1").
func (e *audioEnc) args(spec string) []string {
	o := func(name string) string { return "-" + name + ":" + spec }
	a := []string{o("c"), e.codec}
	if e.bitrate > 0 && !e.lossless {
		a = append(a, o("b"), kbps(e.bitrate))
	}
	if e.rate > 0 {
		a = append(a, o("ar"), strconv.FormatInt(e.rate, 10))
	}
	if e.channels > 0 {
		a = append(a, o("ac"), strconv.FormatInt(e.channels, 10))
	}
	return a
}

// outputDir returns dir as an absolute path (ffmpeg takes a relative
// one with a colon for a protocol). A dir with a % is refused: ffmpeg's
// HLS and DASH muxers take it for a pattern.
func outputDir(dir string) (string, error) {
	if strings.Contains(dir, "%") {
		return "", fmt.Errorf("process: output directory %q has a %%, which ffmpeg takes for a pattern", dir)
	}
	return filepath.Abs(dir)
}

func kbps(v int64) string { return strconv.FormatInt(v, 10) + "k" }

func secs(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ladder returns the filter graph that makes every video stream of vs
// from one decode of the source's first video stream, and the label of
// each stream's output, in vs's order. Streams that are plain downscales
// of the source (its aspect ratio, within 2 pixels) form a cascade, each
// scaled from the next larger one rather than from the full-size frame,
// which costs a fraction of scaling each from the source; the others
// (padded, stretched, blurred, or larger than the source) are scaled
// from the source. Each stream then gets its frame rate (applied to the
// decoded frames when all streams share it), its watermarks and yuv420p.
func ladder(vs []*videoEnc, srcW, srcH int64) string {
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpInt(vs[b].w*vs[b].h, vs[a].w*vs[a].h) })
	var cascade, direct []int
	for _, i := range order {
		if plainDownscale(vs[i], srcW, srcH) {
			cascade = append(cascade, i)
		} else {
			direct = append(direct, i)
		}
	}
	var g []string
	fromSource := len(direct)
	if len(cascade) > 0 {
		fromSource++
	}
	// One frame rate for all is applied once, before any scaling.
	decoded, shared := "[0:v:0]", vs[0].fps > 0
	for _, v := range vs {
		shared = shared && v.fps == vs[0].fps
	}
	if shared {
		decoded += "fps=" + secs(vs[0].fps) + ","
	}
	src := make([]string, fromSource)
	if fromSource == 1 {
		src[0] = decoded
	} else {
		labels := ""
		for k := range src {
			src[k] = fmt.Sprintf("[s%d]", k)
			labels += src[k]
		}
		g = append(g, fmt.Sprintf("%ssplit=%d%s", decoded, fromSource, labels))
	}
	var marked []*marks
	targets := map[*marks][]markTarget{}
	finish := func(i int, in string) {
		f := in
		if vs[i].fps > 0 && !shared {
			f += "fps=" + secs(vs[i].fps) + ","
		}
		if m := vs[i].marks; m != nil {
			if _, ok := targets[m]; !ok {
				marked = append(marked, m)
			}
			targets[m] = append(targets[m], markTarget{in: fmt.Sprintf("[f%d]", i), out: fmt.Sprintf("[m%d]", i), w: vs[i].w, h: vs[i].h, dur: vs[i].dur})
			g = append(g, f+fmt.Sprintf("null[f%d]", i))
			f = fmt.Sprintf("[m%d]", i)
		}
		g = append(g, f+fmt.Sprintf("format=yuv420p[v%d]", i))
	}
	for k, i := range direct {
		sf, _ := scaleFilter(vs[i].w, vs[i].h, vs[i].fill) // checked by newVideoEnc
		g = append(g, fmt.Sprintf("%s%s[d%d]", src[k], sf, i))
		finish(i, fmt.Sprintf("[d%d]", i))
	}
	in := ""
	if len(cascade) > 0 {
		in = src[len(src)-1]
	}
	for k, i := range cascade {
		step := fmt.Sprintf("%sscale=%d:%d,setsar=1", in, vs[i].w, vs[i].h)
		if k == len(cascade)-1 {
			g = append(g, step+fmt.Sprintf("[c%d]", i))
		} else {
			g = append(g, step+fmt.Sprintf(",split=2[c%d][n%d]", i, i))
			in = fmt.Sprintf("[n%d]", i)
		}
		finish(i, fmt.Sprintf("[c%d]", i))
	}
	for _, m := range marked {
		g = append(g, m.graph(targets[m])...)
	}
	return strings.Join(g, ";")
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// plainDownscale reports whether v is the source scaled down, keeping its
// aspect ratio within 2 pixels, so that no fill applies.
func plainDownscale(v *videoEnc, srcW, srcH int64) bool {
	if v.w > srcW || v.h > srcH {
		return false
	}
	fitH := float64(v.w) * float64(srcH) / float64(srcW)
	return math.Abs(fitH-float64(v.h)) <= 2
}
