package hls

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openvod/openvod/hls/hlstest"
	"github.com/openvod/openvod/process"
	"github.com/openvod/openvod/templates"
)

// streamInfRe reads the attributes ffmpeg writes in a ladder's master
// playlist, independently of ParseVariants.
var streamInfRe = regexp.MustCompile(`(?m)^#EXT-X-STREAM-INF:BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+),RESOLUTION=(\d+x\d+),CODECS="([^"]+)"\n(\S+)$`)

// TestMasterWithLadder: the master playlist of a movie with an HLS
// ladder (made by processing's own packager) lists, after its own
// variant, each rung with ffmpeg's BANDWIDTH, CODECS and RESOLUTION, its
// absolute URI and the movie's audio rendition (its codec and bit rates
// added), and passes the strict playlist check.
func TestMasterWithLadder(t *testing.T) {
	requireFFmpeg(t)
	f, ix := openIndex(t, "h264_aac_faststart.mp4", Options{})
	rung := func(h, kbps int64) templates.AdaptiveStreamTemplate {
		return templates.AdaptiveStreamTemplate{
			Video: &templates.VideoTemplateInfo{Codec: "libx264", Height: h, Bitrate: kbps},
			Audio: &templates.AudioTemplateInfo{Codec: "libfdk_aac", Bitrate: 64, SampleRate: 44100, AudioChannel: 2}}
	}
	tpl := &templates.AdaptiveDynamicStreaming{Format: "HLS", SegmentDuration: 2, StreamInfos: []templates.AdaptiveStreamTemplate{rung(120, 150), rung(180, 250)}}
	dir := t.TempDir()
	src := &process.Source{Path: f.Name(), Duration: 3, Width: 320, Height: 240, Fps: 30, HasVideo: true, HasAudio: true}
	if _, err := process.AdaptiveStreaming(context.Background(), src, tpl, dir, process.Options{}); err != nil {
		t.Fatal(err)
	}
	master, err := os.ReadFile(filepath.Join(dir, process.MasterPlaylist))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://vod.example/vod/1/abc/master.m3u8")
	ladder, err := ParseVariants(master, base)
	if err != nil {
		t.Fatal(err)
	}
	ff := streamInfRe.FindAllStringSubmatch(string(master), -1)
	if len(ff) != 2 || len(ladder) != 2 {
		t.Fatalf("%d variants parsed, ffmpeg wrote %d:\n%s", len(ladder), len(ff), master)
	}
	var video, audio *Track
	for _, tr := range ix.Tracks {
		if tr.Video {
			video = tr
		} else {
			audio = tr
		}
	}
	out := string(ix.Master(ladder...))
	mi := hlstest.CheckMaster(t, out)
	if len(mi.Variants) != 3 || mi.URI != video.PlaylistName() || strings.Contains(out, "INDEPENDENT-SEGMENTS") {
		t.Fatalf("master playlist:\n%s", out)
	}
	// The movie's own variant and audio rendition come first, as without
	// a ladder.
	want, ok := strings.CutPrefix(string(ix.Master()), "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	if !ok {
		t.Fatalf("master playlist without a ladder:\n%s", ix.Master())
	}
	for i, m := range ff {
		bw, _ := strconv.ParseInt(m[1], 10, 64)
		avg, _ := strconv.ParseInt(m[2], 10, 64)
		codecs := m[4]
		if !slices.Contains(strings.Split(codecs, ","), audio.Codec) {
			codecs += "," + audio.Codec
		}
		uri := "https://vod.example/vod/1/abc/" + m[5]
		want += fmt.Sprintf("#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,CODECS=%q,RESOLUTION=%s,AUDIO=\"audio\"\n%s\n",
			bw+audio.Bandwidth, avg+audio.AverageBandwidth, codecs, m[3], uri)
		if ladder[i].URI != uri || mi.URIs[i+1] != uri {
			t.Errorf("variant %d URI %q, want %q", i, ladder[i].URI, uri)
		}
	}
	if out != "#EXTM3U\n#EXT-X-VERSION:7\n"+want {
		t.Errorf("master playlist:\n%s\nwant:\n#EXTM3U\n#EXT-X-VERSION:7\n%s", out, want)
	}
}

// TestLadderVariants: audio-only rungs and movies without audio list a
// rung as it is; ParseVariants refuses what is not a master playlist.
func TestLadderVariants(t *testing.T) {
	base, _ := url.Parse("https://vod.example/vod/k/master.m3u8")
	ladder, err := ParseVariants([]byte("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=700000,RESOLUTION=640x360,CODECS=\"avc1.64001e\",FRAME-RATE=25.000\nv/a.m3u8\n\n#EXT-X-STREAM-INF:BANDWIDTH=70000,CODECS=\"mp4a.40.2\"\nhttps://cdn.example/b.m3u8\n"), base)
	if err != nil {
		t.Fatal(err)
	}
	wantLadder := []Variant{
		{URI: "https://vod.example/vod/k/v/a.m3u8", Bandwidth: 700000, Codecs: "avc1.64001e", Width: 640, Height: 360, FrameRate: "25.000"},
		{URI: "https://cdn.example/b.m3u8", Bandwidth: 70000, Codecs: "mp4a.40.2"},
	}
	if !slices.Equal(ladder, wantLadder) {
		t.Fatalf("ParseVariants = %+v", ladder)
	}
	_, withAudio := openIndex(t, "h264_aac_faststart.mp4", Options{})
	a := withAudio.Tracks[1]
	got := string(withAudio.Master(ladder...))
	rungs := fmt.Sprintf("#EXT-X-STREAM-INF:BANDWIDTH=%d,CODECS=\"avc1.64001e,%s\",RESOLUTION=640x360,FRAME-RATE=25.000,AUDIO=\"audio\"\nhttps://vod.example/vod/k/v/a.m3u8\n"+
		"#EXT-X-STREAM-INF:BANDWIDTH=70000,CODECS=\"mp4a.40.2\"\nhttps://cdn.example/b.m3u8\n", 700000+a.Bandwidth, a.Codec)
	if !strings.HasSuffix(got, rungs) {
		t.Errorf("master with audio:\n%s\nwant it to end with\n%s", got, rungs)
	}
	_, videoOnly := openIndex(t, "video_only.mp4", Options{})
	got = string(videoOnly.Master(ladder...))
	rungs = "#EXT-X-STREAM-INF:BANDWIDTH=700000,CODECS=\"avc1.64001e\",RESOLUTION=640x360,FRAME-RATE=25.000\nhttps://vod.example/vod/k/v/a.m3u8\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=70000,CODECS=\"mp4a.40.2\"\nhttps://cdn.example/b.m3u8\n"
	if !strings.HasSuffix(got, rungs) || strings.Contains(got, "AUDIO=") {
		t.Errorf("master without audio:\n%s", got)
	}
	for _, bad := range []string{
		"",
		"#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n",
		"#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\n0.ts\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=640\na.m3u8\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,\na.m3u8\n",
		"#EXTM3U\na.m3u8\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n",
	} {
		if v, err := ParseVariants([]byte(bad), base); err == nil {
			t.Errorf("ParseVariants(%q) = %+v, want an error", bad, v)
		}
	}
}
