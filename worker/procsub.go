package worker

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/process"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// definition is the template Definition of sub-task i (its output's).
func (f *flow) definition(i int) int64 {
	sub, t := f.subs[i], &f.in.Task
	switch sub.Type {
	case vodevent.ResultTranscode:
		return t.TranscodeTaskSet[sub.Index].Definition
	case vodevent.ResultAnimatedGraphics:
		return t.AnimatedGraphicTaskSet[sub.Index].Definition
	case vodevent.ResultSnapshotByTimeOffset:
		return t.SnapshotByTimeOffsetTaskSet[sub.Index].Definition
	case vodevent.ResultSampleSnapshot:
		return t.SampleSnapshotTaskSet[sub.Index].Definition
	case vodevent.ResultImageSprites:
		return t.ImageSpriteTaskSet[sub.Index].Definition
	case vodevent.ResultCoverBySnapshot:
		return t.CoverBySnapshotTaskSet[sub.Index].Definition
	}
	return t.AdaptiveDynamicStreamingTaskSet[sub.Index].Definition
}

// templateOf returns the template of the index-th item of a set, as
// resolved at acceptance.
func templateOf[T any](set []*T, index int) (*T, *process.Error) {
	if index >= len(set) || set[index] == nil {
		return nil, process.Errorf("InvalidInput.DefinitionNotExist", "the sub-task's template was not resolved when the task was accepted")
	}
	return set[index], nil
}

// produce runs step's sub-tasks with the engine, in dir, and uploads their
// files. The result of a sub-task the engine refused (or openvod failed to
// make) is its failure; the error is for what stops the attempt.
func (f *flow) produce(ctx context.Context, src *process.Source, step []int, dir string, opt process.Options) ([]made, error) {
	if f.subs[step[0]].Type == vodevent.ResultTranscode {
		return f.transcodes(ctx, src, step, dir, opt)
	}
	i := step[0]
	sub := f.subs[i]
	sdir := filepath.Join(dir, "0")
	if err := os.Mkdir(sdir, 0o755); err != nil {
		return nil, err
	}
	var m made
	var err error
	tpl := &f.in.Templates
	switch sub.Type {
	case vodevent.ResultAnimatedGraphics:
		m, err = f.animated(ctx, src, i, &f.in.Task.AnimatedGraphicTaskSet[sub.Index], tpl.AnimatedGraphics, sdir, opt)
	case vodevent.ResultSnapshotByTimeOffset:
		m, err = f.snapshots(ctx, src, i, &f.in.Task.SnapshotByTimeOffsetTaskSet[sub.Index], tpl.Snapshots, sdir, opt)
	case vodevent.ResultSampleSnapshot:
		m, err = f.sample(ctx, src, i, tpl.SampleSnapshots, sdir, opt)
	case vodevent.ResultImageSprites:
		m, err = f.sprite(ctx, src, i, tpl.ImageSprites, sdir, opt)
	case vodevent.ResultCoverBySnapshot:
		m, err = f.cover(ctx, src, i, &f.in.Task.CoverBySnapshotTaskSet[sub.Index], tpl.Covers, sdir, opt)
	case vodevent.ResultAdaptiveDynamicStreaming:
		m, err = f.adaptive(ctx, src, i, tpl.Adaptive, sdir, opt)
	default:
		err = fmt.Errorf("unknown sub-task type %q", sub.Type)
	}
	if fail := failure(err); fail != nil {
		m.fail, err = fail, nil
	}
	return []made{m}, err
}

// failure returns the failure that err makes the result of a sub-task:
// the engine's refusal (*process.Error) or, for an error of the engine's
// run, InternalError; nil for errors that stop the attempt (the media
// store's, a cancelled context) and for nil.
func failure(err error) *process.Error {
	var pe *process.Error
	var fe *ffmpeg.Error
	var te *ffmpeg.TimeoutError
	var se *storeError
	switch {
	case err == nil, errors.As(err, &se):
		return nil
	case errors.As(err, &pe):
		return pe
	case errors.As(err, &fe), errors.As(err, &te):
		return process.Errorf(internalCode, "making the output failed: %v", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil
	}
	return process.Errorf(internalCode, "%v", err)
}

// transcodes runs the transcodes of step, which share one range, with one
// Transcode call (one decode). When the engine refuses the call, each is
// run alone, so that one's refusal does not fail the others.
func (f *flow) transcodes(ctx context.Context, src *process.Source, step []int, dir string, opt process.Options) ([]made, error) {
	outs := make([]made, len(step))
	var jobs []process.TranscodeJob
	var ran []int // indexes into step of jobs
	for j, i := range step {
		sub := f.subs[i]
		t, fail := templateOf(f.in.Templates.Transcodes, sub.Index)
		if fail != nil {
			outs[j].fail = fail
			continue
		}
		jdir := filepath.Join(dir, fmt.Sprint(j))
		if err := os.Mkdir(jdir, 0o755); err != nil {
			return nil, err
		}
		marks, err := f.marks(ctx, i, dir)
		if fail := failure(err); fail != nil {
			outs[j].fail = fail
			continue
		} else if err != nil {
			return nil, err
		}
		r := transcodeRange(&f.in.Task.TranscodeTaskSet[sub.Index], src.Duration)
		jobs = append(jobs, process.TranscodeJob{Template: t, Start: r[0], End: r[1], Dir: jdir, Watermarks: marks})
		ran = append(ran, j)
	}
	if len(jobs) == 0 {
		return outs, nil
	}
	res, err := process.Transcode(ctx, src, jobs, opt)
	if fail := failure(err); fail != nil {
		if len(jobs) > 1 {
			for k, j := range ran {
				if err := emptyDir(jobs[k].Dir); err != nil {
					return nil, err
				}
				one, err := f.transcodes(ctx, src, step[j:j+1], filepath.Join(dir, fmt.Sprint(j)), opt)
				if err != nil {
					return nil, err
				}
				outs[j] = one[0]
			}
			return outs, nil
		}
		outs[ran[0]].fail = fail
		return outs, nil
	}
	if err != nil {
		return nil, err
	}
	for k, j := range ran {
		m, err := f.transcodeItem(ctx, src, step[j], &jobs[k], &res[k])
		if fail := failure(err); fail != nil {
			m.fail, err = fail, nil
		}
		outs[j] = m
		if err != nil {
			return outs, err
		}
	}
	return outs, nil
}

// emptyDir removes what dir holds.
func emptyDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.Mkdir(dir, 0o755)
}

// uploaded is what upload stored: the files' keys, their total size and
// the MD5 of each, in order.
type uploaded struct {
	keys []string
	size int64
	md5s []string
}

// upload stores the files (names relative to dir) under sub-task i's
// prefix, whole, hashing them on the way.
func (f *flow) upload(ctx context.Context, i int, dir string, files []string) (uploaded, error) {
	var u uploaded
	for _, name := range files {
		key := f.prefix(i) + filepath.ToSlash(name)
		file, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return u, err
		}
		h := md5.New()
		n, err := f.p.Blobs.Put(ctx, key, io.TeeReader(file, h), 0)
		file.Close()
		if err != nil {
			return u, &storeError{err}
		}
		u.keys, u.size, u.md5s = append(u.keys, key), u.size+n, append(u.md5s, hex.EncodeToString(h.Sum(nil)))
	}
	return u, nil
}

// transcodeItem uploads a transcode's files and returns its
// MediaTranscodeItem: an MP4 (or M4A) output as openvod's parser reads
// it; others (HLS, FLV, audio files) by their files' total size and the
// template.
func (f *flow) transcodeItem(ctx context.Context, src *process.Source, i int, job *process.TranscodeJob, out *process.Output) (made, error) {
	up, err := f.upload(ctx, i, out.Dir, out.Files)
	m := made{keys: up.keys}
	if err != nil {
		return m, err
	}
	t := job.Template
	mainKey := f.prefix(i) + out.Main
	item := &vodevent.MediaTranscodeItem{Url: f.p.Media.URL(mainKey), Definition: t.Definition, Size: up.size,
		Duration: job.End - job.Start, Container: t.Container, DigitalWatermarkType: "None",
		VideoStreamSet: []vodevent.MediaVideoStreamItem{}, AudioStreamSet: []vodevent.MediaAudioStreamItem{}}
	if len(up.md5s) == 1 {
		item.Md5 = up.md5s[0]
	}
	if ext := filepath.Ext(out.Main); ext == ".mp4" || ext == ".m4a" {
		_, meta, metaErr, err := f.p.Media.Probe(ctx, mainKey)
		if err != nil {
			return m, &storeError{err}
		}
		if meta == nil {
			m.fail = process.Errorf(internalCode, "openvod cannot read the output it made: %s", metaErr)
			return m, nil
		}
		var md vodevent.MediaMetaData
		if err := json.Unmarshal(meta, &md); err != nil {
			return m, err
		}
		item.Bitrate, item.Height, item.Width, item.Duration, item.Container = md.Bitrate, md.Height, md.Width, md.Duration, md.Container
		item.VideoStreamSet, item.AudioStreamSet = md.VideoStreamSet, md.AudioStreamSet
		m.item = item
		return m, nil
	}
	if item.Duration > 0 {
		item.Bitrate = int64(float64(up.size*8) / item.Duration)
	}
	if v := t.VideoTemplate; v != nil && t.RemoveVideo == 0 && src.HasVideo && (t.Container == "hls" || t.Container == "flv") {
		w, h := displaySize(src)
		item.Width, item.Height = process.Size(w, h, v.Width, v.Height, v.ResolutionAdaptive)
		item.VideoStreamSet = append(item.VideoStreamSet, vodevent.MediaVideoStreamItem{Bitrate: v.Bitrate * 1000,
			Height: item.Height, Width: item.Width, Codec: strings.TrimPrefix(v.Codec, "lib"), Fps: v.Fps})
	}
	if a := t.AudioTemplate; a != nil && t.RemoveAudio == 0 && src.HasAudio {
		item.AudioStreamSet = append(item.AudioStreamSet, vodevent.MediaAudioStreamItem{Bitrate: a.Bitrate * 1000,
			SamplingRate: a.SampleRate, Codec: strings.TrimPrefix(a.Codec, "lib")})
	}
	m.item = item
	return m, nil
}

// displaySize is the source's size as shown (rotated by 90 or 270 degrees,
// width and height swap).
func displaySize(src *process.Source) (w, h int64) {
	if r := ((src.Rotate % 360) + 360) % 360; r == 90 || r == 270 {
		return src.Height, src.Width
	}
	return src.Width, src.Height
}

// imageFormat is the picture of a snapshot template.
func imageFormat(t *templates.SnapshotByTimeOffset) process.ImageFormat {
	return process.ImageFormat{Width: t.Width, Height: t.Height, ResolutionAdaptive: t.ResolutionAdaptive, FillType: t.FillType, Format: t.Format}
}

// images uploads pictures and returns their URLs, in order.
func (f *flow) images(ctx context.Context, i int, images []process.Image) (urls, keys []string, err error) {
	for _, im := range images {
		up, err := f.upload(ctx, i, filepath.Dir(im.File), []string{filepath.Base(im.File)})
		keys = append(keys, up.keys...)
		if err != nil {
			return nil, keys, err
		}
		urls = append(urls, f.p.Media.URL(up.keys[0]))
	}
	return urls, keys, nil
}

// snapshots takes the pictures of a snapshot-by-time-offset sub-task: the
// ExtTimeOffsetSet items, then the TimeOffsetSet ones (milliseconds).
func (f *flow) snapshots(ctx context.Context, src *process.Source, i int, in *vodevent.SnapshotByTimeOffsetTaskInput, set []*templates.SnapshotByTimeOffset, dir string, opt process.Options) (made, error) {
	t, fail := templateOf(set, f.subs[i].Index)
	if fail != nil {
		return made{fail: fail}, nil
	}
	var times, offsets []float64 // seconds; milliseconds as reported
	for _, s := range in.ExtTimeOffsetSet {
		v, percent, ok := templates.ParseExtTimeOffset(s)
		if !ok {
			return made{fail: process.Errorf("InvalidInput.InvalidTimeOffset", "ExtTimeOffsetSet item %q is neither seconds nor a percentage", s)}, nil
		}
		if percent {
			v = src.Duration * v / 100
		}
		times, offsets = append(times, v), append(offsets, v*1000)
	}
	for _, ms := range in.TimeOffsetSet {
		times, offsets = append(times, ms/1000), append(offsets, ms)
	}
	format := imageFormat(t)
	var err error
	if format.Watermarks, err = f.marks(ctx, i, dir); err != nil {
		return made{}, err
	}
	images, err := process.Snapshots(ctx, src, format, times, dir, opt)
	if err != nil {
		return made{}, err
	}
	urls, keys, err := f.images(ctx, i, images)
	m := made{keys: keys}
	if err != nil {
		return m, err
	}
	item := &vodevent.MediaSnapshotByTimeOffsetItem{Definition: t.Definition, PicInfoSet: []vodevent.MediaSnapshotByTimePicInfoItem{}}
	for k, u := range urls {
		item.PicInfoSet = append(item.PicInfoSet, vodevent.MediaSnapshotByTimePicInfoItem{TimeOffset: offsets[k], Url: u, WaterMarkDefinition: f.markDefinitions(i)})
	}
	m.item = item
	return m, nil
}

// sample takes the pictures of a sample-snapshot sub-task.
func (f *flow) sample(ctx context.Context, src *process.Source, i int, set []*templates.SampleSnapshot, dir string, opt process.Options) (made, error) {
	t, fail := templateOf(set, f.subs[i].Index)
	if fail != nil {
		return made{fail: fail}, nil
	}
	times := process.SampleTimes(src.Duration, t.SampleType, t.SampleInterval)
	if len(times) == 0 {
		return made{fail: process.Errorf("InvalidInput.ConfigurationUnsupported", "the sample snapshot's SampleType %q and SampleInterval %d give no picture", t.SampleType, t.SampleInterval)}, nil
	}
	marks, err := f.marks(ctx, i, dir)
	if err != nil {
		return made{}, err
	}
	format := process.ImageFormat{Width: t.Width, Height: t.Height, ResolutionAdaptive: t.ResolutionAdaptive, FillType: t.FillType, Format: t.Format, Watermarks: marks}
	images, err := process.Snapshots(ctx, src, format, times, dir, opt)
	if err != nil {
		return made{}, err
	}
	urls, keys, err := f.images(ctx, i, images)
	m := made{keys: keys}
	if err == nil {
		m.item = &vodevent.MediaSampleSnapshotItem{Definition: t.Definition, SampleType: t.SampleType, Interval: t.SampleInterval,
			ImageUrlSet: urls, WaterMarkDefinition: f.markDefinitions(i)}
	}
	return m, err
}

// cover takes the picture of a cover-by-snapshot sub-task.
func (f *flow) cover(ctx context.Context, src *process.Source, i int, in *vodevent.CoverBySnapshotTaskInput, set []*templates.SnapshotByTimeOffset, dir string, opt process.Options) (made, error) {
	t, fail := templateOf(set, f.subs[i].Index)
	if fail != nil {
		return made{fail: fail}, nil
	}
	at := in.PositionValue
	if in.PositionType == templates.PositionPercent {
		at = src.Duration * in.PositionValue / 100
	}
	format := imageFormat(t)
	var err error
	if format.Watermarks, err = f.marks(ctx, i, dir); err != nil {
		return made{}, err
	}
	images, err := process.Snapshots(ctx, src, format, []float64{at}, dir, opt)
	if err != nil {
		return made{}, err
	}
	urls, keys, err := f.images(ctx, i, images)
	m := made{keys: keys}
	if err == nil {
		m.item = &vodevent.CoverBySnapshotTaskOutput{CoverUrl: urls[0]}
	}
	return m, err
}

// sprite makes the sheets of an image-sprite sub-task and its WebVTT file,
// which names the sheets' URLs.
func (f *flow) sprite(ctx context.Context, src *process.Source, i int, set []*templates.ImageSprite, dir string, opt process.Options) (made, error) {
	t, fail := templateOf(set, f.subs[i].Index)
	if fail != nil {
		return made{fail: fail}, nil
	}
	sp, err := process.ImageSprite(ctx, src, t, dir, opt)
	if err != nil {
		return made{}, err
	}
	var sheets []string
	for _, s := range sp.Sheets {
		sheets = append(sheets, filepath.Base(s))
	}
	up, err := f.upload(ctx, i, dir, sheets)
	m := made{keys: up.keys}
	if err != nil {
		return m, err
	}
	urls := make([]string, len(up.keys))
	for k, key := range up.keys {
		urls[k] = f.p.Media.URL(key)
	}
	vtt, err := os.Create(filepath.Join(dir, "sprite.vtt"))
	if err != nil {
		return m, err
	}
	err = process.WriteWebVTT(vtt, sp, urls)
	if cerr := vtt.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return m, err
	}
	vttUp, err := f.upload(ctx, i, dir, []string{"sprite.vtt"})
	m.keys = append(m.keys, vttUp.keys...)
	if err == nil {
		m.item = &vodevent.MediaImageSpriteItem{Definition: t.Definition, Height: sp.TileHeight, Width: sp.TileWidth,
			TotalCount: int64(len(sp.Cues)), ImageUrlSet: urls, WebVttUrl: f.p.Media.URL(vttUp.keys[0])}
	}
	return m, err
}

// animated makes the GIF or WebP of an animated-graphics sub-task.
func (f *flow) animated(ctx context.Context, src *process.Source, i int, in *vodevent.AnimatedGraphicTaskInput, set []*templates.AnimatedGraphics, dir string, opt process.Options) (made, error) {
	t, fail := templateOf(set, f.subs[i].Index)
	if fail != nil {
		return made{fail: fail}, nil
	}
	start, end := offset(in.StartTimeOffset, src.Duration, 0), offset(in.EndTimeOffset, src.Duration, src.Duration)
	im, err := process.AnimatedGraphic(ctx, src, t, start, end, dir, opt)
	if err != nil {
		return made{}, err
	}
	up, err := f.upload(ctx, i, dir, []string{filepath.Base(im.File)})
	m := made{keys: up.keys}
	if err != nil {
		return m, err
	}
	item := &vodevent.MediaAnimatedGraphicsItem{Url: f.p.Media.URL(up.keys[0]), Definition: t.Definition, Container: t.Format,
		Height: im.Height, Width: im.Width, Size: up.size, Md5: up.md5s[0], StartTimeOffset: in.StartTimeOffset, EndTimeOffset: in.EndTimeOffset}
	if d := min(end, src.Duration) - start; d > 0 {
		item.Bitrate = int64(float64(up.size*8) / d)
	}
	m.item = item
	return m, nil
}

// adaptive packages the adaptive stream of an adaptive-streaming sub-task.
func (f *flow) adaptive(ctx context.Context, src *process.Source, i int, set []*templates.AdaptiveDynamicStreaming, dir string, opt process.Options) (made, error) {
	t, fail := templateOf(set, f.subs[i].Index)
	if fail != nil {
		return made{fail: fail}, nil
	}
	marks, err := f.marks(ctx, i, dir)
	if err != nil {
		return made{}, err
	}
	a, err := process.AdaptiveStreaming(ctx, src, t, dir, opt, marks...)
	if err != nil {
		return made{}, err
	}
	up, err := f.upload(ctx, i, a.Dir, a.Files)
	m := made{keys: up.keys}
	if err != nil {
		return m, err
	}
	sizes := map[string]int64{}
	for _, name := range a.Files {
		fi, err := os.Stat(filepath.Join(a.Dir, name))
		if err != nil {
			return m, err
		}
		sizes[name] = fi.Size()
	}
	pkg := "HLS"
	if t.Format != "HLS" {
		pkg = "DASH"
	}
	item := &vodevent.AdaptiveDynamicStreamingInfoItem{Definition: t.Definition, Package: pkg, DrmType: "",
		Url: f.p.Media.URL(f.prefix(i) + a.Main), Size: up.size, DigitalWatermarkType: "None",
		SubStreamSet: []vodevent.MediaSubStreamInfoItem{}, SubtitleSet: []json.RawMessage{}}
	for _, r := range a.Rungs {
		s := vodevent.MediaSubStreamInfoItem{Type: r.Type, Width: r.Width, Height: r.Height}
		for _, name := range r.Files {
			s.Size += sizes[name]
		}
		item.SubStreamSet = append(item.SubStreamSet, s)
	}
	m.item = item
	return m, nil
}
