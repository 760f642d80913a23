package process

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/templates"
)

// DefaultSegmentDuration is the segment length, in seconds, of an
// adaptive stream whose template's SegmentDuration is 0 (Tencent's default).
const DefaultSegmentDuration = 6

// Names of an adaptive stream's manifests in its directory.
const (
	MasterPlaylist = "master.m3u8"
	DASHManifest   = "manifest.mpd"
)

// abrRung is one rendition of an adaptive stream being planned: its
// encoders and its streams' indexes among the output's video and audio
// streams (-1: none).
type abrRung struct {
	video          *videoEnc
	audio          *audioEnc
	vIndex, aIndex int
}

// AdaptiveStreaming writes the adaptive stream t asks for of the whole
// source into dir: for HLS, MasterPlaylist, a media playlist per rung
// (stream_N.m3u8) and its segments; for MPEG-DASH, DASHManifest and its
// init and media segments. Every rung comes from one decode (see
// ladder), in one ffmpeg process. With DisableHigherVideoResolution (or
// DisableHigherVideoBitrate) set, rungs larger (or of a higher bit rate)
// than the source are left out, but the lowest is always kept. DRM is not
// supported: a DrmType fails with InvalidInput.ConfigurationUnsupported.
// marks are drawn on every rung after its scale, their windows in
// seconds of the source.
func AdaptiveStreaming(ctx context.Context, src *Source, t *templates.AdaptiveDynamicStreaming, dir string, opt Options, marks ...Watermark) (*Adaptive, error) {
	rungs, seg, err := planAdaptive(src, t)
	if err != nil {
		return nil, err
	}
	if len(marks) > 0 {
		m, err := prepareMarks(marks, 0)
		if err != nil {
			return nil, err
		}
		defer m.close()
		for _, r := range rungs {
			if r.video != nil {
				r.video.marks, r.video.dur = m, src.Duration
			}
		}
	}
	args, err := adaptiveArgs(src, t.Format, rungs, seg, dir, t.SegmentType)
	if err != nil {
		return nil, err
	}
	nv := 0
	for _, r := range rungs {
		if r.video != nil {
			nv++
		}
	}
	cmd := ffmpeg.Cmd{Args: args, Timeout: opt.timeout(src.Duration * float64(max(1, nv))), Duration: src.Duration, Progress: opt.Progress}
	if err := ffmpeg.Run(ctx, cmd); err != nil {
		return nil, fmt.Errorf("adaptive streaming: %w", err)
	}
	main := MasterPlaylist
	if t.Format == "MPEG-DASH" {
		main = DASHManifest
	}
	out, err := listOutput(dir, main)
	if err != nil {
		return nil, err
	}
	a := &Adaptive{Output: out}
	for i, r := range rungs {
		ar := Rung{Type: "audio"}
		if r.video != nil {
			ar.Type, ar.Width, ar.Height = "video", r.video.w, r.video.h
		}
		if t.Format == "MPEG-DASH" {
			ar.Files, ar.Bitrate, err = dashRungFiles(dir, out.Files, r, nv, src.Duration)
		} else {
			ar.Playlist = fmt.Sprintf("stream_%d.m3u8", i)
			ar.Files, ar.Bitrate, err = hlsRungFiles(dir, ar.Playlist)
		}
		if err != nil {
			return nil, err
		}
		a.Rungs = append(a.Rungs, ar)
	}
	if t.Format != "MPEG-DASH" {
		if err := fixBandwidths(filepath.Join(dir, MasterPlaylist), dir); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// planAdaptive checks t against the source and returns the rungs kept
// and the segment length.
func planAdaptive(src *Source, t *templates.AdaptiveDynamicStreaming) ([]abrRung, int64, error) {
	if t == nil || len(t.StreamInfos) == 0 {
		return nil, 0, Errorf("InvalidInput", "the adaptive-streaming template has no StreamInfos")
	}
	if t.DrmType != "" {
		return nil, 0, Errorf("InvalidInput.ConfigurationUnsupported", "DrmType %s: openvod packages adaptive streams without DRM", t.DrmType)
	}
	if t.Format != "HLS" && t.Format != "MPEG-DASH" {
		return nil, 0, Errorf("InvalidInput.ConfigurationUnsupported", "Format %q is not HLS or MPEG-DASH", t.Format)
	}
	seg := t.SegmentDuration
	if seg == 0 {
		seg = DefaultSegmentDuration
	}
	if seg < 1 || seg > 10 {
		return nil, 0, Errorf("InvalidInput", "SegmentDuration %d is not within 1..10 seconds", seg)
	}
	var rungs []abrRung
	fps := -1.0 // the first video rung's frame rate is every rung's
	for i, si := range t.StreamInfos {
		r := abrRung{vIndex: -1, aIndex: -1}
		if err := noTEHD(si.TEHDConfig); err != nil {
			return nil, 0, fmt.Errorf("rung %d: %w", i, err)
		}
		if si.RemoveVideo == 0 {
			if err := src.needVideo("adaptive stream"); err != nil {
				return nil, 0, err
			}
			v, err := newVideoEnc(si.Video, src)
			if err != nil {
				return nil, 0, fmt.Errorf("rung %d: %w", i, err)
			}
			if fps < 0 {
				fps = v.fps
			}
			v.fps, v.keyframeEvery = fps, float64(seg)
			r.video = v
		}
		if si.RemoveAudio == 0 && src.HasAudio {
			a, err := newAudioEnc(si.Audio)
			if err != nil {
				return nil, 0, fmt.Errorf("rung %d: %w", i, err)
			}
			if a.codec != "aac" {
				return nil, 0, Errorf("InvalidInput.ConfigurationUnsupported", "rung %d: adaptive streams take libfdk_aac audio, not %s", i, si.Audio.Codec)
			}
			r.audio = a
		}
		if r.video == nil && r.audio == nil {
			return nil, 0, Errorf("InvalidInput.ConfigurationUnsupported", "rung %d has neither video nor audio (RemoveVideo, RemoveAudio, or a source without audio)", i)
		}
		rungs = append(rungs, r)
	}
	rungs = keepRungs(rungs, src, t.DisableHigherVideoResolution == 1, t.DisableHigherVideoBitrate == 1)
	return rungs, seg, nil
}

// keepRungs leaves out the video rungs above the source's size (byRes)
// or bit rate (byRate), keeping at least the lowest video rung. The
// source's bit rate is its file's size over its duration (unknown, so
// nothing is left out by it, for a source given by URL).
func keepRungs(rungs []abrRung, src *Source, byRes, byRate bool) []abrRung {
	sw, sh := src.displaySize()
	srcBps := float64(src.Bitrate)
	higher := func(v *videoEnc) bool {
		return byRes && (max(v.w, v.h) > max(sw, sh) || min(v.w, v.h) > min(sw, sh)) ||
			byRate && srcBps > 0 && float64(v.bitrate)*1000 > srcBps
	}
	var kept []abrRung
	lowest := -1
	for i, r := range rungs {
		if r.video == nil || !higher(r.video) {
			kept = append(kept, r)
			continue
		}
		if lowest < 0 || r.video.w*r.video.h < rungs[lowest].video.w*rungs[lowest].video.h ||
			r.video.w*r.video.h == rungs[lowest].video.w*rungs[lowest].video.h && r.video.bitrate < rungs[lowest].video.bitrate {
			lowest = i
		}
	}
	for _, r := range kept {
		if r.video != nil {
			return kept
		}
	}
	if lowest >= 0 {
		kept = append([]abrRung{rungs[lowest]}, kept...)
	}
	return kept
}

// adaptiveArgs returns the ffmpeg run writing every rung into dir:
// one input, one graph for the video streams, the HLS muxer with a
// variant per rung (video and audio muxed together) or the DASH muxer
// (one representation per video stream and per distinct audio encoding).
// It sets the rungs' stream indexes.
func adaptiveArgs(src *Source, format string, rungs []abrRung, seg int64, dir, segmentType string) ([]string, error) {
	args, err := src.input()
	if err != nil {
		return nil, err
	}
	abs, err := outputDir(dir)
	if err != nil {
		return nil, err
	}
	var vs []*videoEnc
	for i := range rungs {
		if rungs[i].video != nil {
			rungs[i].vIndex = len(vs)
			vs = append(vs, rungs[i].video)
		}
	}
	if len(vs) > 0 {
		sw, sh := src.displaySize()
		args = append(args, videoMarkInputs(vs, 1)...)
		args = append(args, "-filter_complex", ladder(vs, sw, sh))
	}
	dash := format == "MPEG-DASH"
	var maps, audio []string
	na := 0
	for i, r := range rungs {
		if r.video != nil {
			maps = append(maps, "-map", fmt.Sprintf("[v%d]", r.vIndex))
			maps = append(maps, r.video.args("v:"+strconv.Itoa(r.vIndex))...)
		}
		if r.audio == nil {
			continue
		}
		if dash { // one representation per distinct audio encoding
			for j := range i {
				if rungs[j].audio != nil && *rungs[j].audio == *r.audio {
					rungs[i].aIndex = rungs[j].aIndex
				}
			}
			if rungs[i].aIndex >= 0 {
				continue
			}
		}
		rungs[i].aIndex = na
		a := append([]string{"-map", "0:a:0"}, r.audio.args("a:"+strconv.Itoa(na))...)
		if dash {
			audio = append(audio, a...) // after the video streams
		} else {
			maps = append(maps, a...)
		}
		na++
	}
	args = append(append(args, maps...), audio...)
	if dash {
		sets := "id=0,streams=v"
		if na > 0 {
			sets += " id=1,streams=a"
		}
		if len(vs) == 0 {
			sets = "id=0,streams=a"
		}
		return append(args, "-f", "dash", "-seg_duration", strconv.FormatInt(seg, 10), "-use_template", "1", "-use_timeline", "1",
			"-adaptation_sets", sets, "-init_seg_name", "init-$RepresentationID$.$ext$",
			"-media_seg_name", "chunk-$RepresentationID$-$Number%05d$.$ext$", filepath.Join(abs, DASHManifest)), nil
	}
	var variants []string
	for _, r := range rungs {
		var v []string
		if r.vIndex >= 0 {
			v = append(v, "v:"+strconv.Itoa(r.vIndex))
		}
		if r.aIndex >= 0 {
			v = append(v, "a:"+strconv.Itoa(r.aIndex))
		}
		variants = append(variants, strings.Join(v, ","))
	}
	segs := []string{"-hls_segment_filename", filepath.Join(abs, "stream_%v_%05d.ts")}
	switch segmentType {
	case "", "ts", "ts-segment":
	case "mp4", "mp4-segment":
		segs = []string{"-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init_%v.mp4",
			"-hls_segment_filename", filepath.Join(abs, "stream_%v_%05d.m4s")}
	default:
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "SegmentType %q: openvod writes HLS segments as ts-segment or mp4-segment", segmentType)
	}
	args = append(args, "-f", "hls", "-hls_time", strconv.FormatInt(seg, 10), "-hls_playlist_type", "vod", "-hls_list_size", "0")
	args = append(args, segs...)
	return append(args, "-master_pl_name", MasterPlaylist, "-var_stream_map", strings.Join(variants, " "),
		filepath.Join(abs, "stream_%v.m3u8")), nil
}

// mediaPlaylist is what a media playlist lists.
type mediaPlaylist struct {
	files    []string  // the init segment (if any) and the segments
	segments []string  // the media segments, in order
	extinf   []float64 // their durations
}

// readMediaPlaylist reads the media playlist ffmpeg wrote at path.
func readMediaPlaylist(path string) (*mediaPlaylist, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var p mediaPlaylist
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#EXTINF:"):
			v, _, _ := strings.Cut(strings.TrimPrefix(line, "#EXTINF:"), ",")
			d, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %q", path, line)
			}
			p.extinf = append(p.extinf, d)
		case strings.HasPrefix(line, "#EXT-X-MAP:URI="):
			p.files = append(p.files, strings.Trim(strings.TrimPrefix(line, "#EXT-X-MAP:URI="), `"`))
		case line != "" && !strings.HasPrefix(line, "#"):
			p.files = append(p.files, line)
			p.segments = append(p.segments, line)
		}
	}
	if len(p.segments) != len(p.extinf) {
		return nil, fmt.Errorf("%s: %d segments, %d durations", path, len(p.segments), len(p.extinf))
	}
	return &p, sc.Err()
}

// bitrates returns the peak segment bit rate and the average bit rate
// of a media playlist's segments in dir.
func (p *mediaPlaylist) bitrates(dir string) (peak, avg int64, err error) {
	var bytes int64
	var secs float64
	for i, s := range p.segments {
		fi, err := os.Stat(filepath.Join(dir, s))
		if err != nil {
			return 0, 0, err
		}
		bytes += fi.Size()
		secs += p.extinf[i]
		if p.extinf[i] > 0 {
			peak = max(peak, int64(math.Ceil(float64(fi.Size())*8/p.extinf[i])))
		}
	}
	if secs > 0 {
		avg = int64(math.Ceil(float64(bytes) * 8 / secs))
	}
	return peak, avg, nil
}

// hlsRungFiles returns a rung's files (its playlist first) and average
// bit rate.
func hlsRungFiles(dir, playlist string) ([]string, int64, error) {
	p, err := readMediaPlaylist(filepath.Join(dir, playlist))
	if err != nil {
		return nil, 0, err
	}
	_, avg, err := p.bitrates(dir)
	return append([]string{playlist}, p.files...), avg, err
}

// dashRungFiles returns the files of a rung's representations (its
// video stream's and its audio's) among files, and their bit rate over
// duration seconds. Representation ids are the output's stream indexes:
// the nv video streams first, then the audio ones.
func dashRungFiles(dir string, files []string, r abrRung, nv int, duration float64) ([]string, int64, error) {
	reps := map[string]bool{}
	if r.vIndex >= 0 {
		reps[strconv.Itoa(r.vIndex)] = true
	}
	if r.aIndex >= 0 {
		reps[strconv.Itoa(nv+r.aIndex)] = true
	}
	var out []string
	var bytes int64
	for _, f := range files {
		rest, ok := strings.CutPrefix(f, "init-")
		if !ok {
			rest, ok = strings.CutPrefix(f, "chunk-")
		}
		if k := strings.IndexAny(rest, "-."); !ok || k < 0 || !reps[rest[:k]] {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			return nil, 0, err
		}
		out = append(out, f)
		bytes += fi.Size()
	}
	if len(out) == 0 || duration <= 0 {
		return out, 0, fmt.Errorf("adaptive streaming: no DASH segments of representations %v", reps)
	}
	return out, int64(math.Ceil(float64(bytes) * 8 / duration)), nil
}

// bandwidthAttr matches BANDWIDTH and AVERAGE-BANDWIDTH in an
// EXT-X-STREAM-INF line.
var bandwidthAttr = regexp.MustCompile(`(,AVERAGE-BANDWIDTH=\d+)|BANDWIDTH=\d+`)

// fixBandwidths rewrites the BANDWIDTH of each variant of the master
// playlist at path with its media playlist's peak segment bit rate (ffmpeg
// writes the encoders' targets, nothing for a CRF encode) and adds its
// AVERAGE-BANDWIDTH.
func fixBandwidths(path, dir string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		if !strings.HasPrefix(line, "#EXT-X-STREAM-INF:") || i+1 >= len(lines) {
			continue
		}
		p, err := readMediaPlaylist(filepath.Join(dir, strings.TrimSpace(lines[i+1])))
		if err != nil {
			return err
		}
		peak, avg, err := p.bitrates(dir)
		if err != nil {
			return err
		}
		lines[i] = bandwidthAttr.ReplaceAllStringFunc(line, func(m string) string {
			if strings.HasPrefix(m, ",") {
				return ""
			}
			return fmt.Sprintf("BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d", peak, avg)
		})
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}
