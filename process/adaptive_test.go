package process

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openvod/openvod/templates"
)

func vtRung(w, h, fps, kbps int64) templates.AdaptiveStreamTemplate {
	return templates.AdaptiveStreamTemplate{Video: vtVideo("libx264", w, h, fps, kbps), Audio: vtAudio("libfdk_aac", 64, 44100, 2)}
}

// vidStreamKbps returns the bit rate of the first stream of a type ("v",
// "a") of a file over seconds: the sum of its packets' sizes.
func vidStreamKbps(t *testing.T, path, typ string, seconds float64) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", typ+":0", "-show_entries", "packet=size", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var bytes float64
	for _, l := range strings.Fields(string(out)) {
		n, _ := strconv.ParseFloat(strings.Trim(l, ","), 64)
		bytes += n
	}
	return bytes * 8 / seconds / 1000
}

func TestAdaptiveHLSLadder(t *testing.T) {
	src := vidSource(t, "640x360", 30, 8, true, true)
	tpl := &templates.AdaptiveDynamicStreaming{Format: "HLS", SegmentDuration: 2, DisableHigherVideoResolution: 1,
		StreamInfos: []templates.AdaptiveStreamTemplate{vtRung(0, 180, 25, 200), vtRung(0, 720, 25, 1500), vtRung(0, 360, 30, 600), vtRung(0, 270, 25, 400)}}
	dir := t.TempDir()
	var last float64
	a, err := AdaptiveStreaming(context.Background(), src, tpl, dir, Options{Progress: func(f float64) { last = f }})
	if err != nil {
		t.Fatal(err)
	}
	if a.Main != MasterPlaylist || a.Dir != dir || last < 0.9 {
		t.Fatalf("Main %q Dir %q, progress %g", a.Main, a.Dir, last)
	}
	// The 720p rung is above the source: left out.
	want := []struct{ w, h, kbps int64 }{{320, 180, 200}, {640, 360, 600}, {480, 270, 400}}
	if len(a.Rungs) != len(want) {
		t.Fatalf("%d rungs: %+v", len(a.Rungs), a.Rungs)
	}
	master, err := os.ReadFile(filepath.Join(dir, MasterPlaylist))
	if err != nil {
		t.Fatal(err)
	}
	inf := regexp.MustCompile(`#EXT-X-STREAM-INF:BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+),RESOLUTION=(\d+x\d+),CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"\n(\S+)`).FindAllStringSubmatch(string(master), -1)
	if len(inf) != len(want) {
		t.Fatalf("master playlist:\n%s", master)
	}
	files := map[string]bool{}
	for i, r := range a.Rungs {
		w := want[i]
		if r.Type != "video" || r.Width != w.w || r.Height != w.h || r.Playlist != "stream_"+strconv.Itoa(i)+".m3u8" || r.Files[0] != r.Playlist {
			t.Errorf("rung %d: %+v", i, r)
		}
		if m := inf[i]; m[3] != strconv.FormatInt(w.w, 10)+"x"+strconv.FormatInt(w.h, 10) || m[4] != r.Playlist {
			t.Errorf("master lists %q for rung %d", m[0], i)
		} else if peak, _ := strconv.ParseInt(m[1], 10, 64); peak < r.Bitrate {
			t.Errorf("rung %d: BANDWIDTH %d below its average %d", i, peak, r.Bitrate)
		} else if avg, _ := strconv.ParseInt(m[2], 10, 64); avg != r.Bitrate {
			t.Errorf("rung %d: AVERAGE-BANDWIDTH %d, Bitrate %d", i, avg, r.Bitrate)
		}
		pl := vidReadPlaylist(t, filepath.Join(dir, r.Playlist))
		vidNear(t, "rung "+strconv.Itoa(i)+" duration", pl.total(), src.Duration, 0.04/src.Duration)
		for k, d := range pl.extinf[:len(pl.extinf)-1] {
			vidNear(t, "segment "+strconv.Itoa(k), d, 2, 0.04/2)
		}
		if len(r.Files) != 1+len(pl.segments) {
			t.Errorf("rung %d Files %q", i, r.Files)
		}
		for _, f := range r.Files {
			files[f] = true
		}
		p := vidProbe(t, filepath.Join(dir, r.Playlist))
		v, au := p.stream("video"), p.stream("audio")
		if v == nil || au == nil || v.CodecName != "h264" || v.Width != w.w || v.Height != w.h || au.CodecName != "aac" || au.SampleRate != "44100" || au.Channels != 2 {
			t.Fatalf("rung %d streams: %+v", i, p.Streams)
		}
		vidNear(t, "rung "+strconv.Itoa(i)+" fps", v.fps(), 25, 0.01) // the first rung's, for all
		vidNear(t, "rung "+strconv.Itoa(i)+" video kbps", vidStreamKbps(t, filepath.Join(dir, r.Playlist), "v", src.Duration), float64(w.kbps), 0.15)
		if r.Bitrate < (w.kbps+64)*1000 {
			t.Errorf("rung %d Bitrate %d below its streams' %d kbps", i, r.Bitrate, w.kbps+64)
		}
	}
	files[MasterPlaylist] = true
	if len(a.Files) != len(files) {
		t.Errorf("Files %q, want the master and the rungs' %d", a.Files, len(files)-1)
	}
	for _, f := range a.Files {
		if !files[f] {
			t.Errorf("%s is in Files but no rung's", f)
		}
	}
}

func TestAdaptiveDASH(t *testing.T) {
	src := vidSource(t, "640x360", 30, 6, true, true)
	tpl := &templates.AdaptiveDynamicStreaming{Format: "MPEG-DASH", SegmentDuration: 3,
		StreamInfos: []templates.AdaptiveStreamTemplate{vtRung(0, 360, 0, 500), vtRung(0, 180, 0, 200)}}
	tpl.StreamInfos[1].Video.Codec = "libx265" // per-stream options of a second encoder
	dir := t.TempDir()
	a, err := AdaptiveStreaming(context.Background(), src, tpl, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Main != DASHManifest || len(a.Rungs) != 2 {
		t.Fatalf("%+v", a)
	}
	p := vidProbe(t, filepath.Join(dir, DASHManifest))
	var sizes []string
	audio := 0
	for _, s := range p.Streams {
		switch s.CodecType {
		case "video":
			sizes = append(sizes, s.CodecName+" "+strconv.FormatInt(s.Width, 10)+"x"+strconv.FormatInt(s.Height, 10))
		case "audio":
			audio++
		}
	}
	if !slices.Equal(sizes, []string{"h264 640x360", "hevc 320x180"}) || audio != 1 {
		t.Fatalf("the MPD has video %q and %d audio representations (want one, shared)", sizes, audio)
	}
	vidNear(t, "duration", p.duration, 6, 0.04/6)
	for i, r := range a.Rungs {
		// its video (id i) and the shared audio (id 2): two init segments, 2 + 2 or 3 chunks
		var inits, chunks int
		for _, f := range r.Files {
			if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
				t.Errorf("rung %d: %s: %v", i, f, err)
			}
			switch {
			case f == "init-"+strconv.Itoa(i)+".m4s" || f == "init-2.m4s":
				inits++
			case strings.HasPrefix(f, "chunk-"+strconv.Itoa(i)+"-") || strings.HasPrefix(f, "chunk-2-"):
				chunks++
			default:
				t.Errorf("rung %d has %s", i, f)
			}
		}
		if inits != 2 || chunks < 4 || r.Playlist != "" || r.Type != "video" || r.Bitrate <= 0 {
			t.Errorf("rung %d: %+v", i, r)
		}
	}
}

func TestAdaptiveErrors(t *testing.T) {
	audioOnly := vidSource(t, "", 0, 2, false, true)
	video := &Source{Path: "/m/src.mp4", Duration: 2, Width: 640, Height: 360, HasVideo: true, HasAudio: true}
	one := []templates.AdaptiveStreamTemplate{vtRung(0, 180, 0, 200)}
	for _, c := range []struct {
		name string
		src  *Source
		tpl  *templates.AdaptiveDynamicStreaming
		code string
	}{
		{"no video", audioOnly, &templates.AdaptiveDynamicStreaming{Format: "HLS", StreamInfos: one}, "SourceFileError.NoVideoMedia"},
		{"DRM", video, &templates.AdaptiveDynamicStreaming{Format: "HLS", DrmType: "SimpleAES", StreamInfos: one}, "InvalidInput.ConfigurationUnsupported"},
		{"av1", video, &templates.AdaptiveDynamicStreaming{Format: "HLS", StreamInfos: []templates.AdaptiveStreamTemplate{{Video: vtVideo("av1", 0, 0, 0, 0), Audio: vtAudio("libfdk_aac", 64, 44100, 2)}}}, "InvalidInput.ConfigurationUnsupported"},
		{"format", video, &templates.AdaptiveDynamicStreaming{Format: "Smooth", StreamInfos: one}, "InvalidInput.ConfigurationUnsupported"},
		{"packed audio", video, &templates.AdaptiveDynamicStreaming{Format: "HLS", SegmentType: "ts-packed-audio", StreamInfos: one}, "InvalidInput.ConfigurationUnsupported"},
	} {
		dir := t.TempDir()
		_, err := AdaptiveStreaming(context.Background(), c.src, c.tpl, dir, Options{})
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: wrote %d files", c.name, len(entries))
		}
	}
}

// TestKeepRungs: rungs above the source are left out, the lowest kept
// when all are.
func TestKeepRungs(t *testing.T) {
	src := &Source{Path: "src.mp4", Duration: 1, Width: 640, Height: 360, HasVideo: true, Bitrate: 1_000_000}
	rung := func(w, h, kbps int64) abrRung { return abrRung{video: &videoEnc{w: w, h: h, bitrate: kbps}} }
	sizes := func(rs []abrRung) (s []int64) {
		for _, r := range rs {
			s = append(s, r.video.h)
		}
		return s
	}
	all := []abrRung{rung(1920, 1080, 2500), rung(1280, 720, 1800), rung(640, 360, 1200), rung(320, 180, 400)}
	if got := sizes(keepRungs(all, src, true, false)); !slices.Equal(got, []int64{360, 180}) {
		t.Errorf("by resolution: %v", got)
	}
	if got := sizes(keepRungs(all, src, false, true)); !slices.Equal(got, []int64{180}) {
		t.Errorf("by bit rate: %v", got)
	}
	if got := sizes(keepRungs(all, src, false, false)); len(got) != 4 {
		t.Errorf("none disabled: %v", got)
	}
	high := []abrRung{rung(1920, 1080, 2500), rung(1280, 720, 1800)}
	if got := sizes(keepRungs(high, src, true, true)); !slices.Equal(got, []int64{720}) {
		t.Errorf("all above: %v, want the lowest kept", got)
	}
}
