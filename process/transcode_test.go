package process

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openvod/openvod/templates"
)

func vtVideo(codec string, w, h, fps, kbps int64) *templates.VideoTemplateInfo {
	return &templates.VideoTemplateInfo{Codec: codec, Width: w, Height: h, Fps: fps, Bitrate: kbps}
}

func vtAudio(codec string, kbps, rate, ch int64) *templates.AudioTemplateInfo {
	return &templates.AudioTemplateInfo{Codec: codec, Bitrate: kbps, SampleRate: rate, AudioChannel: ch}
}

// vtWant is what one output must be.
type vtWant struct {
	format        string // ffprobe's format_name contains it
	vcodec, vtag  string // "" : no video
	w, h          int64
	fps           float64
	vkbps         int64  // checked when > 0 (MP4 only: ffprobe's stream bit rate)
	acodec        string // "": no audio
	rate, ch      int64
	akbps         int64
	hlsSegSeconds float64
}

func TestTranscodeEveryContainerFromOneRun(t *testing.T) {
	src := vidSource(t, "640x360", 30, 6, true, true)
	x265 := vtVideo("libx265", 480, 0, 25, 250)
	x265.ResolutionAdaptive, x265.Gop, x265.GopUnit = "close", 2, "second"
	flv := vtVideo("libx264", 320, 320, 0, 200)
	flv.FillType = "white"
	hls := vtVideo("libx264", 0, 240, 0, 400)
	hls.HlsTime = 2
	cases := []struct {
		t    templates.Transcode
		want vtWant
	}{
		{templates.Transcode{Definition: 100010, Container: "mp4", VideoTemplate: vtVideo("libx264", 0, 180, 25, 300), AudioTemplate: vtAudio("libfdk_aac", 64, 44100, 2)},
			vtWant{format: "mp4", vcodec: "h264", vtag: "avc1", w: 320, h: 180, fps: 25, vkbps: 300, acodec: "aac", rate: 44100, ch: 2, akbps: 64}},
		{templates.Transcode{Definition: 100210, Container: "hls", VideoTemplate: hls, AudioTemplate: vtAudio("libfdk_aac", 64, 48000, 1)},
			vtWant{format: "hls", vcodec: "h264", w: 426, h: 240, fps: 30, acodec: "aac", rate: 48000, ch: 1, hlsSegSeconds: 2}},
		{templates.Transcode{Definition: 101010, Container: "mp4", VideoTemplate: x265, AudioTemplate: vtAudio("libmp3lame", 128, 44100, 2)},
			vtWant{format: "mp4", vcodec: "hevc", vtag: "hvc1", w: 480, h: 270, fps: 25, vkbps: 250, acodec: "mp3", rate: 44100, ch: 2, akbps: 128}},
		{templates.Transcode{Definition: 10046, Container: "flv", VideoTemplate: flv, AudioTemplate: vtAudio("libmp3lame", 64, 44100, 2)},
			vtWant{format: "flv", vcodec: "h264", w: 320, h: 320, fps: 30, acodec: "mp3", rate: 44100, ch: 2}},
		{templates.Transcode{Definition: 1010, Container: "mp3", RemoveVideo: 1, AudioTemplate: vtAudio("libmp3lame", 128, 44100, 2)},
			vtWant{format: "mp3", acodec: "mp3", rate: 44100, ch: 2, akbps: 128}},
		{templates.Transcode{Definition: 1120, Container: "m4a", RemoveVideo: 1, AudioTemplate: vtAudio("libfdk_aac", 96, 48000, 2)},
			vtWant{format: "mp4", acodec: "aac", rate: 48000, ch: 2, akbps: 96}},
		{templates.Transcode{Definition: 9001, Container: "flac", RemoveVideo: 1, AudioTemplate: vtAudio("flac", 0, 48000, 2)},
			vtWant{format: "flac", acodec: "flac", rate: 48000, ch: 2}},
		{templates.Transcode{Definition: 9002, Container: "ogg", RemoveVideo: 1, AudioTemplate: vtAudio("flac", 0, 44100, 1)},
			vtWant{format: "ogg", acodec: "flac", rate: 44100, ch: 1}},
		{templates.Transcode{Definition: 9003, Container: "wav", RemoveVideo: 1, AudioTemplate: vtAudio("pcm16", 0, 16000, 1)},
			vtWant{format: "wav", acodec: "pcm_s16le", rate: 16000, ch: 1}},
	}
	var jobs []TranscodeJob
	for i := range cases {
		jobs = append(jobs, TranscodeJob{Template: &cases[i].t, Start: 0, End: src.Duration, Dir: t.TempDir()})
	}
	plans := make([]*transcodePlan, len(jobs))
	for i, j := range jobs {
		var err error
		if plans[i], err = planTranscode(src, j); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := transcodeRuns(src, plans)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || strings.Count(strings.Join(runs[0].args, " "), " -i ") != 1 {
		t.Fatalf("%d runs, want 1 ffmpeg process with one input: %v", len(runs), runs)
	}
	var last float64
	outs, err := Transcode(context.Background(), src, jobs, Options{Progress: func(f float64) {
		if f < last || f > 1 {
			t.Errorf("progress %g after %g", f, last)
		}
		last = f
	}})
	if err != nil {
		t.Fatal(err)
	}
	if last < 0.9 {
		t.Errorf("progress ended at %g", last)
	}
	for i, c := range cases {
		t.Run(c.t.Container+"-"+strconv.FormatInt(c.t.Definition, 10), func(t *testing.T) {
			vtCheck(t, outs[i], jobs[i].Dir, c.want, src.Duration)
		})
	}
}

// vtCheck probes an output and compares it with want over duration seconds.
func vtCheck(t *testing.T, o Output, dir string, want vtWant, duration float64) {
	t.Helper()
	if o.Dir != dir || len(o.Files) == 0 {
		t.Fatalf("output %+v", o)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(o.Files) {
		t.Errorf("Files %q, but the directory has %d files", o.Files, len(entries))
	}
	main := filepath.Join(dir, o.Main)
	p := vidProbe(t, main)
	if !strings.Contains(p.Format.FormatName, want.format) {
		t.Errorf("format %q, want %s", p.Format.FormatName, want.format)
	}
	v, a := p.stream("video"), p.stream("audio")
	frame := 1.0 / 25
	switch {
	case want.vcodec == "" && v != nil:
		t.Errorf("a video stream %s, want none", v.CodecName)
	case want.vcodec != "" && v == nil:
		t.Fatalf("no video stream")
	case v != nil:
		frame = 1 / want.fps
		if v.CodecName != want.vcodec || (want.vtag != "" && v.CodecTag != want.vtag) || v.Width != want.w || v.Height != want.h {
			t.Errorf("video %s/%s %dx%d, want %s/%s %dx%d", v.CodecName, v.CodecTag, v.Width, v.Height, want.vcodec, want.vtag, want.w, want.h)
		}
		vidNear(t, "fps", v.fps(), want.fps, 0.01)
		if want.vkbps > 0 {
			br, _ := strconv.ParseFloat(v.BitRate, 64)
			vidNear(t, "video kbps", br/1000, float64(want.vkbps), 0.15)
		}
	}
	switch {
	case want.acodec == "" && a != nil:
		t.Errorf("an audio stream %s, want none", a.CodecName)
	case want.acodec != "" && a == nil:
		t.Fatalf("no audio stream")
	case a != nil:
		if a.CodecName != want.acodec || a.SampleRate != strconv.FormatInt(want.rate, 10) || a.Channels != want.ch {
			t.Errorf("audio %s %s Hz %d ch, want %s %d Hz %d ch", a.CodecName, a.SampleRate, a.Channels, want.acodec, want.rate, want.ch)
		}
		if want.akbps > 0 {
			br, _ := strconv.ParseFloat(a.BitRate, 64)
			if br == 0 { // raw MP3: the file's rate
				br, _ = strconv.ParseFloat(p.Format.BitRate, 64)
			}
			vidNear(t, "audio kbps", br/1000, float64(want.akbps), 0.15)
		}
	}
	// A video stream's frames last the range within one frame; audio
	// within the encoders' priming and last frame (at most 2 MP3 frames,
	// 70 ms).
	got, tol := p.duration, 0.07
	if v != nil {
		n, _ := strconv.ParseFloat(v.NbPackets, 64)
		got, tol = n/want.fps, frame
	}
	if want.hlsSegSeconds > 0 {
		pl := vidReadPlaylist(t, main)
		got, tol = pl.total(), frame
		for i, d := range pl.extinf[:len(pl.extinf)-1] {
			if d > want.hlsSegSeconds+frame {
				t.Errorf("segment %d lasts %g s, want ≤ %g", i, d, want.hlsSegSeconds)
			}
		}
		if len(o.Files) != 1+len(pl.segments) {
			t.Errorf("Files %q, want the playlist and its %d segments", o.Files, len(pl.segments))
		}
	}
	if got < duration-tol-0.001 || got > duration+tol+0.001 {
		t.Errorf("duration %g, want %g ± %g", got, duration, tol)
	}
}

func TestTranscodeRangeAndNoAudio(t *testing.T) {
	src := vidSource(t, "320x240", 25, 5, true, false)
	tpl := &templates.Transcode{Definition: 100010, Container: "mp4", VideoTemplate: vtVideo("libx264", 0, 0, 0, 0), AudioTemplate: vtAudio("libfdk_aac", 64, 44100, 2)}
	hls := &templates.Transcode{Definition: 100210, Container: "hls", VideoTemplate: vtVideo("libx264", 0, 0, 0, 0), AudioTemplate: tpl.AudioTemplate}
	odd := filepath.Join(t.TempDir(), "a:b") // not a protocol
	if err := os.Mkdir(odd, 0o755); err != nil {
		t.Fatal(err)
	}
	jobs := []TranscodeJob{{Template: tpl, Start: 1, End: 3.2, Dir: t.TempDir()}, {Template: tpl, Start: 0, End: 99, Dir: t.TempDir()},
		{Template: hls, Start: 1, End: 3.2, Dir: odd}}
	outs, err := Transcode(context.Background(), src, jobs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := vtWant{format: "mp4", vcodec: "h264", w: 320, h: 240, fps: 25}
	vtCheck(t, outs[0], jobs[0].Dir, want, 2.2)
	vtCheck(t, outs[1], jobs[1].Dir, want, 5) // ends at the source's end
	vtCheck(t, outs[2], odd, vtWant{format: "hls", vcodec: "h264", w: 320, h: 240, fps: 25, hlsSegSeconds: DefaultHlsTime}, 2.2)
	if _, err := Transcode(context.Background(), src, []TranscodeJob{{Template: hls, End: 1, Dir: odd + "/100%d"}}, Options{}); err == nil || !strings.Contains(err.Error(), "pattern") {
		t.Errorf("a directory with a %%: %v", err)
	}
	if outs[0].Main != "v.f100010.mp4" {
		t.Errorf("Main %q", outs[0].Main)
	}
}

func TestTranscodeErrors(t *testing.T) {
	audioOnly := vidSource(t, "", 0, 2, false, true)
	video := vidSource(t, "320x240", 25, 2, true, true)
	mp4 := func(v *templates.VideoTemplateInfo) *templates.Transcode {
		return &templates.Transcode{Container: "mp4", VideoTemplate: v, AudioTemplate: vtAudio("libfdk_aac", 64, 44100, 2)}
	}
	for _, c := range []struct {
		name string
		src  *Source
		tpl  *templates.Transcode
		code string
	}{
		{"video of an audio-only source", audioOnly, mp4(vtVideo("libx264", 0, 0, 0, 0)), "SourceFileError.NoVideoMedia"},
		{"av1", video, mp4(vtVideo("av1", 0, 0, 0, 0)), "InvalidInput.ConfigurationUnsupported"},
		{"H.266", video, mp4(vtVideo("H.266", 0, 0, 0, 0)), "InvalidInput.ConfigurationUnsupported"},
		{"H.265 in FLV", video, &templates.Transcode{Container: "flv", VideoTemplate: vtVideo("libx265", 0, 0, 0, 0), RemoveAudio: 1}, "InvalidInput.ConfigurationUnsupported"},
		{"unknown container", video, &templates.Transcode{Container: "avi"}, "InvalidInput.ConfigurationUnsupported"},
		{"both removed", video, &templates.Transcode{Container: "mp4", RemoveVideo: 1, RemoveAudio: 1}, "InvalidInput.ConfigurationUnsupported"},
		{"TEHD", video, &templates.Transcode{Container: "mp4", VideoTemplate: vtVideo("libx264", 0, 0, 0, 0), RemoveAudio: 1, TEHDConfig: &templates.TEHDConfig{Type: "TEHD-100"}}, "InvalidInput.ConfigurationUnsupported"},
		{"range past the end", video, mp4(vtVideo("libx264", 0, 0, 0, 0)), "InvalidInput.InvalidTimeOffset"},
	} {
		dir := t.TempDir()
		start := 0.0
		if strings.HasPrefix(c.name, "range") {
			start = 5
		}
		_, err := Transcode(context.Background(), c.src, []TranscodeJob{{Template: c.tpl, Start: start, End: start + 2, Dir: dir}}, Options{})
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: wrote %d files", c.name, len(entries))
		}
	}
	// An audio template of an audio-only source works.
	dir := t.TempDir()
	outs, err := Transcode(context.Background(), audioOnly, []TranscodeJob{{Template: &templates.Transcode{Container: "mp3", AudioTemplate: vtAudio("libmp3lame", 128, 44100, 2)}, End: 2, Dir: dir}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	vtCheck(t, outs[0], dir, vtWant{format: "mp3", acodec: "mp3", rate: 44100, ch: 2, akbps: 128}, 2)
}

// TestLadderIsOneDecodeWithACascade: the jobs of one range are one
// ffmpeg run whose graph splits the decoded frames once and scales each
// plain downscale from the next larger one; a padded rung is scaled from
// the source; another range is a second run.
func TestLadderIsOneDecodeWithACascade(t *testing.T) {
	src := &Source{Path: "/m/src.mp4", Duration: 60, Width: 1920, Height: 1080, Fps: 30, HasVideo: true, HasAudio: true}
	pad := vtVideo("libx264", 200, 200, 0, 100)
	var jobs []TranscodeJob
	for _, v := range []*templates.VideoTemplateInfo{vtVideo("libx264", 0, 360, 25, 400), vtVideo("libx264", 0, 720, 25, 1800), vtVideo("libx264", 0, 540, 25, 1000), pad} {
		jobs = append(jobs, TranscodeJob{Template: &templates.Transcode{Container: "mp4", VideoTemplate: v, AudioTemplate: vtAudio("libfdk_aac", 64, 44100, 2)}, End: 60, Dir: "/out"})
	}
	jobs = append(jobs, TranscodeJob{Template: jobs[0].Template, Start: 10, End: 20, Dir: "/out2"})
	plans := make([]*transcodePlan, len(jobs))
	for i, j := range jobs {
		var err error
		if plans[i], err = planTranscode(src, j); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := transcodeRuns(src, plans)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs, want 2", len(runs))
	}
	args := runs[0].args
	var graph string
	inputs, outputs := 0, 0
	for i, a := range args {
		switch a {
		case "-i":
			inputs++
		case "-filter_complex":
			graph = args[i+1]
		case "-f":
			if args[i+1] == "mp4" {
				outputs++
			}
		}
	}
	want := "[0:v:0]split=2[s0][s1];" +
		"[s0]scale=200:200:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=200:200:(ow-iw)/2:(oh-ih)/2:black,setsar=1[d3];[d3]format=yuv420p[v3];" +
		"[s1]scale=1280:720,setsar=1,split=2[c1][n1];[c1]fps=25,format=yuv420p[v1];" +
		"[n1]scale=960:540,setsar=1,split=2[c2][n2];[c2]fps=25,format=yuv420p[v2];" +
		"[n2]scale=640:360,setsar=1[c0];[c0]fps=25,format=yuv420p[v0]"
	if inputs != 1 || outputs != 4 || graph != want {
		t.Fatalf("%d inputs, %d outputs, graph\n%s\nwant\n%s", inputs, outputs, graph, want)
	}
	for i := range 4 {
		if n := strings.Count(strings.Join(args, " "), "-map [v"+strconv.Itoa(i)+"]"); n != 1 {
			t.Errorf("[v%d] mapped %d times", i, n)
		}
	}
	// One frame rate for all rungs: applied once, before any scaling.
	g := ladder([]*videoEnc{plans[0].video, plans[1].video, plans[2].video}, 1920, 1080)
	if !strings.HasPrefix(g, "[0:v:0]fps=25,scale=1280:720,") || strings.Count(g, "fps=") != 1 {
		t.Errorf("shared frame rate: %s", g)
	}
	if j := strings.Join(runs[1].args, " "); !strings.Contains(j, "-ss 10 -t 10 -f mov") {
		t.Errorf("second run: %s", j)
	}
}

// TestTranscodeRotatedSource: a source shown rotated by 90° (its track's
// matrix) is sized as shown: the short edge of a portrait frame is its
// width, and ffmpeg rotates the frames before the ladder's scales.
func TestTranscodeRotatedSource(t *testing.T) {
	src := vidSource(t, "320x240", 25, 2, true, false)
	b, err := os.ReadFile(src.Path)
	if err != nil {
		t.Fatal(err)
	}
	// The video track's tkhd (version 0): its matrix follows 40 bytes of
	// version, flags, times, track id, duration, layer, group and volume.
	i := strings.Index(string(b), "tkhd")
	if i < 0 {
		t.Fatal("no tkhd")
	}
	m := i + 4 + 40
	for k, v := range []uint32{0, 0x10000, 0, 0xffff0000, 0, 0, 0, 0, 0x40000000} {
		binary.BigEndian.PutUint32(b[m+4*k:], v)
	}
	if err := os.WriteFile(src.Path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	src.Rotate = 90
	dir := t.TempDir()
	tpl := &templates.Transcode{Definition: 1, Container: "mp4", VideoTemplate: vtVideo("libx264", 0, 120, 0, 0), RemoveAudio: 1}
	outs, err := Transcode(context.Background(), src, []TranscodeJob{{Template: tpl, End: 2, Dir: dir}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	vtCheck(t, outs[0], dir, vtWant{format: "mp4", vcodec: "h264", w: 120, h: 160, fps: 25}, 2)
}
