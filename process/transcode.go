package process

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/openvod/openvod/ffmpeg"
)

// container is how a template's Container is written.
type container struct {
	format, ext string   // ffmpeg's muxer, the main file's extension
	video       bool     // false: an audio-only container
	x265        bool     // takes H.265
	audio       []string // the ffmpeg audio encoders it takes
}

var containers = map[string]container{
	"mp4":  {"mp4", "mp4", true, true, []string{"aac", "libmp3lame", "mp2", "ac3"}},
	"flv":  {"flv", "flv", true, false, []string{"aac", "libmp3lame"}},
	"hls":  {"hls", "m3u8", true, true, []string{"aac", "libmp3lame", "mp2", "ac3"}},
	"mp3":  {"mp3", "mp3", false, false, []string{"libmp3lame"}},
	"m4a":  {"mp4", "m4a", false, false, []string{"aac", "libmp3lame", "ac3"}},
	"flac": {"flac", "flac", false, false, []string{"flac"}},
	"ogg":  {"ogg", "ogg", false, false, []string{"flac"}},
	"wav":  {"wav", "wav", false, false, []string{"pcm_s16le"}},
}

// DefaultHlsTime is the segment length, in seconds, of an HLS transcode
// whose template's HlsTime is 0.
const DefaultHlsTime = 10

// transcodePlan is one job made ready to run.
type transcodePlan struct {
	dir, base   string // the output directory and the main file's name without extension
	abs         string // dir for ffmpeg: see outputDir
	c           container
	video       *videoEnc // nil: no video
	audio       *audioEnc // nil: no audio
	start, end  float64
	hlsTime     int64
	segmentFmp4 bool
}

// transcodeRun is one ffmpeg process: the jobs sharing one range.
type transcodeRun struct {
	args     []string
	duration float64 // seconds of media it writes
	weight   float64 // duration × the video streams it encodes: the timeout's measure
}

// Transcode writes each job's output into its Dir and returns one Output
// per job, in order. Jobs of the same range are made by one ffmpeg
// process from one decode of the source (a ladder: see ladder); jobs of
// different ranges run one after another. A template asking for video of
// a source without one fails with SourceFileError.NoVideoMedia; a source
// without audio gives outputs without audio. Any job's bad template fails
// the call before anything runs.
func Transcode(ctx context.Context, src *Source, jobs []TranscodeJob, opt Options) ([]Output, error) {
	plans := make([]*transcodePlan, len(jobs))
	defer func() {
		for _, p := range plans {
			if p != nil && p.video != nil {
				p.video.marks.close()
			}
		}
	}()
	for i, j := range jobs {
		p, err := planTranscode(src, j)
		if err != nil {
			return nil, fmt.Errorf("transcode %d: %w", i, err)
		}
		plans[i] = p
	}
	runs, err := transcodeRuns(src, plans)
	if err != nil {
		return nil, err
	}
	var total, done float64
	for _, r := range runs {
		total += r.duration
	}
	for _, r := range runs {
		cmd := ffmpeg.Cmd{Args: r.args, Timeout: opt.timeout(r.weight), Duration: r.duration}
		if opt.Progress != nil {
			cmd.Progress = func(f float64) { opt.Progress((done + f*r.duration) / total) }
		}
		if err := ffmpeg.Run(ctx, cmd); err != nil {
			return nil, fmt.Errorf("transcode: %w", err)
		}
		done += r.duration
	}
	outs := make([]Output, len(plans))
	for i, p := range plans {
		o, err := listOutput(p.dir, p.base+"."+p.c.ext)
		if err != nil {
			return nil, err
		}
		outs[i] = o
	}
	return outs, nil
}

// planTranscode checks a job against the source and returns its plan.
func planTranscode(src *Source, j TranscodeJob) (*transcodePlan, error) {
	t := j.Template
	if t == nil {
		return nil, Errorf("InvalidInput", "the job has no template")
	}
	c, ok := containers[t.Container]
	if !ok {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "unknown Container %q: use mp4, flv, hls, mp3, m4a, flac, ogg or wav", t.Container)
	}
	if err := noTEHD(t.TEHDConfig); err != nil {
		return nil, err
	}
	p := &transcodePlan{dir: j.Dir, base: fmt.Sprintf("v.f%d", t.Definition), c: c}
	var err error
	if p.abs, err = outputDir(j.Dir); err != nil {
		return nil, err
	}
	wantVideo := c.video && t.RemoveVideo == 0
	wantAudio := t.RemoveAudio == 0
	if !wantVideo && !wantAudio {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "the template removes both video and audio (RemoveVideo, RemoveAudio), or an audio-only Container %s removes the audio", t.Container)
	}
	if wantVideo {
		if err := src.needVideo(t.Container + " video transcode"); err != nil {
			return nil, err
		}
		v, err := newVideoEnc(t.VideoTemplate, src)
		if err != nil {
			return nil, err
		}
		if v.codec == "libx265" && !c.x265 {
			return nil, Errorf("InvalidInput.ConfigurationUnsupported", "Container %s does not take libx265: use libx264", t.Container)
		}
		p.video = v
	}
	if wantAudio {
		a, err := newAudioEnc(t.AudioTemplate)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(c.audio, a.codec) {
			return nil, Errorf("InvalidInput.ConfigurationUnsupported", "Container %s does not take audio codec %s", t.Container, t.AudioTemplate.Codec)
		}
		switch {
		case src.HasAudio:
			p.audio = a
		case !wantVideo:
			return nil, Errorf("SourceFileError", "the source has no audio stream, so no %s audio file can be made", t.Container)
		}
	}
	if c.format == "hls" {
		p.hlsTime = DefaultHlsTime
		if t.VideoTemplate != nil && t.VideoTemplate.HlsTime > 0 {
			p.hlsTime = t.VideoTemplate.HlsTime
		}
		if p.video != nil {
			p.video.keyframeEvery = float64(p.hlsTime)
		}
		switch t.SegmentType {
		case "", "ts":
		case "fmp4":
			p.segmentFmp4 = true
		default:
			return nil, Errorf("InvalidInput.ConfigurationUnsupported", "SegmentType %q is not ts or fmp4", t.SegmentType)
		}
	}
	if p.start, p.end, err = clampRange(src, j.Start, j.End); err != nil {
		return nil, err
	}
	if p.video != nil && len(j.Watermarks) > 0 {
		if p.video.marks, err = prepareMarks(j.Watermarks, 0); err != nil {
			return nil, err
		}
		p.video.dur = p.end - p.start
	}
	return p, nil
}

// clampRange checks [start, end) against the source and ends it at the
// source's end.
func clampRange(src *Source, start, end float64) (float64, float64, error) {
	if start < 0 || end <= start || (src.Duration > 0 && start >= src.Duration) {
		return 0, 0, Errorf("InvalidInput.InvalidTimeOffset", "the range [%g, %g) is not within the source's %g seconds", start, end, src.Duration)
	}
	if src.Duration > 0 {
		end = min(end, src.Duration)
	}
	return start, end, nil
}

// transcodeRuns groups the plans by range, in the order of their first
// job, and builds each group's ffmpeg arguments.
func transcodeRuns(src *Source, plans []*transcodePlan) ([]transcodeRun, error) {
	var keys [][2]float64
	groups := map[[2]float64][]*transcodePlan{}
	for _, p := range plans {
		k := [2]float64{p.start, p.end}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], p)
	}
	runs := make([]transcodeRun, 0, len(keys))
	for _, k := range keys {
		r, err := transcodeArgs(src, groups[k])
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// transcodeArgs returns the one ffmpeg run writing every plan of ps, which
// share one range: one input, one filter graph for all the video streams
// (ladder), one output per plan.
func transcodeArgs(src *Source, ps []*transcodePlan) (transcodeRun, error) {
	start, end := ps[0].start, ps[0].end
	var seek []string
	if start > 0 {
		seek = append(seek, "-ss", secs(start))
	}
	if src.Duration <= 0 || end < src.Duration {
		seek = append(seek, "-t", secs(end-start))
	}
	args, err := src.input(seek...)
	if err != nil {
		return transcodeRun{}, err
	}
	var vs []*videoEnc
	for _, p := range ps {
		if p.video != nil {
			vs = append(vs, p.video)
		}
	}
	if len(vs) > 0 {
		sw, sh := src.displaySize()
		args = append(args, videoMarkInputs(vs, 1)...)
		args = append(args, "-filter_complex", ladder(vs, sw, sh))
	}
	vi := 0
	for _, p := range ps {
		if p.video != nil {
			args = append(args, "-map", fmt.Sprintf("[v%d]", vi))
			args = append(args, p.video.args("v")...)
			vi++
		}
		if p.audio != nil {
			args = append(args, "-map", "0:a:0?")
			args = append(args, p.audio.args("a")...)
		}
		args = append(args, p.muxerArgs()...)
	}
	return transcodeRun{args: args, duration: end - start, weight: (end - start) * float64(max(1, len(vs)))}, nil
}

// muxerArgs returns the output options and path of p's main file.
func (p *transcodePlan) muxerArgs() []string {
	main := filepath.Join(p.abs, p.base+"."+p.c.ext)
	switch p.c.format {
	case "mp4":
		return []string{"-movflags", "+faststart", "-f", "mp4", main}
	case "hls":
		seg := []string{"-hls_segment_filename", filepath.Join(p.abs, p.base+"_%05d.ts")}
		if p.segmentFmp4 {
			seg = []string{"-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", p.base + "_init.mp4",
				"-hls_segment_filename", filepath.Join(p.abs, p.base+"_%05d.m4s")}
		}
		a := []string{"-f", "hls", "-hls_time", fmt.Sprint(p.hlsTime), "-hls_playlist_type", "vod", "-hls_list_size", "0"}
		return append(append(a, seg...), main)
	}
	return []string{"-f", p.c.format, main}
}

// listOutput returns the Output of dir, whose main file is main: every
// file in it.
func listOutput(dir, main string) (Output, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Output{}, err
	}
	o := Output{Dir: dir, Main: main}
	for _, e := range entries {
		if e.Type().IsRegular() {
			o.Files = append(o.Files, e.Name())
		}
	}
	if !slices.Contains(o.Files, main) {
		return Output{}, fmt.Errorf("ffmpeg wrote no %s in %s", main, dir)
	}
	return o, nil
}
