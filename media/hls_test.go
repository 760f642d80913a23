package media

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/s3/s3test"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/process"
	"github.com/openvod/openvod/templates"
)

// fixtureBytes returns a test source of package mp4 or clip.
func fixtureBytes(t *testing.T, name string) []byte {
	t.Helper()
	for _, dir := range []string{"../mp4/testdata/", "../clip/testdata/"} {
		if data, err := os.ReadFile(dir + name); err == nil {
			return data
		}
	}
	t.Fatalf("no fixture %s", name)
	return nil
}

// hlsGet GETs url with the headers h (name, value pairs) and returns the
// answer and its body.
func hlsGet(t *testing.T, method, url string, h ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestServeHLS: the playlists, init and media segments of committed media
// are served with their types, strong ETags that match their bytes on a
// second request, caching, CORS and ranges; everything else is 404.
func TestServeHLS(t *testing.T) {
	b := setup(t, 1<<30)
	m := b.commitMedia(t, fixtureBytes(t, "h264_aac_faststart.mp4"))
	base := b.srv.URL + HLSPathPrefix + m.StorageKey + "/"
	if got := b.svc.HLSURL(m.StorageKey); got != base+"master.m3u8" {
		t.Fatalf("HLSURL = %q", got)
	}
	for _, c := range []struct{ name, contentType, cache, contains string }{
		{"master.m3u8", "application/vnd.apple.mpegurl", "public, max-age=3600", `CODECS="avc1.64000d,mp4a.40.2",RESOLUTION=320x240,AUDIO="audio"`},
		{"t1.m3u8", "application/vnd.apple.mpegurl", "public, max-age=3600", "#EXT-X-MAP:URI=\"t1/init.mp4\""},
		{"t2.m3u8", "application/vnd.apple.mpegurl", "public, max-age=3600", "t2/0.m4s"},
		{"t1/init.mp4", "video/mp4", "public, max-age=31536000, immutable", "mvex"},
		{"t1/0.m4s", "video/iso.segment", "public, max-age=31536000, immutable", "moof"},
		{"t2/0.m4s", "video/iso.segment", "public, max-age=31536000, immutable", "mdat"},
	} {
		resp, body := hlsGet(t, http.MethodGet, base+c.name)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != c.contentType || resp.Header.Get("Cache-Control") != c.cache ||
			resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, `W/`) ||
			!bytes.Contains(body, []byte(c.contains)) {
			t.Fatalf("GET %s = %d %v\n%.300q", c.name, resp.StatusCode, resp.Header, body)
		}
		again, body2 := hlsGet(t, http.MethodGet, base+c.name)
		if !bytes.Equal(body, body2) || again.Header.Get("ETag") != etag {
			t.Errorf("%s: a second GET gave other bytes or ETag", c.name)
		}
		if resp, _ := hlsGet(t, http.MethodGet, base+c.name, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s with If-None-Match: %d, want 304", c.name, resp.StatusCode)
		}
		resp, part := hlsGet(t, http.MethodGet, base+c.name, "Range", "bytes=4-11")
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, body[4:12]) {
			t.Errorf("%s bytes 4-11: %d %q, want 206 %q", c.name, resp.StatusCode, part, body[4:12])
		}
	}
	resp, _ := hlsGet(t, http.MethodOptions, base+"t1/0.m4s", "Origin", "https://player.example", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "range")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Range") || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("OPTIONS = %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := hlsGet(t, http.MethodPost, base+"master.m3u8"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d, want 405", resp.StatusCode)
	}

	// Hostile and unknown names.
	upload := NewStorageKey(openvod.DefaultSubAppID, "mp4") // bytes stored, no media record
	if _, err := b.svc.Blobs.Put(t.Context(), upload, bytes.NewReader(fixtureBytes(t, "h264_aac_faststart.mp4")), 0); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		m.StorageKey + "/t1/1.m4s", m.StorageKey + "/t1/-1.m4s", m.StorageKey + "/t1/01.m4s", m.StorageKey + "/t1/+0.m4s",
		m.StorageKey + "/t1/99999999999999999999999.m4s", m.StorageKey + "/t1/9223372036854775807.m4s", m.StorageKey + "/t1/x.m4s",
		m.StorageKey + "/t3.m3u8", m.StorageKey + "/t3/init.mp4", m.StorageKey + "/t1/init.mp4x", m.StorageKey + "/t1/0.ts",
		m.StorageKey + "/master.m3u8x", m.StorageKey + "/a/b/c", m.StorageKey, "master.m3u8", "",
		"1/unknown/f0.mp4/master.m3u8", upload + "/master.m3u8", upload + "/t1/0.m4s",
		"../" + m.StorageKey + "/master.m3u8", ".tmp/x/master.m3u8",
	} {
		if resp, _ := hlsGet(t, http.MethodGet, b.srv.URL+HLSPathPrefix+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /hls/%s = %d, want 404", p, resp.StatusCode)
		}
	}
	opus := b.commitMedia(t, fixtureBytes(t, "opus.mp4"))
	resp, body := hlsGet(t, http.MethodGet, b.srv.URL+HLSPathPrefix+opus.StorageKey+"/master.m3u8")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "codec opus") {
		t.Errorf("GET of an Opus file's master playlist = %d %q, want 404 naming the codec", resp.StatusCode, body)
	}
}

// TestServeHLSDecodes: ffmpeg reads the served master playlist (of a
// source with its moov at the end) and decodes the source's frames.
func TestServeHLSDecodes(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is not installed: apt-get install -y ffmpeg")
	}
	b := setup(t, 1<<30)
	data := fixtureBytes(t, "moov_end_gop8s.mp4")
	m := b.commitMedia(t, data)
	src := t.TempDir() + "/src.mp4"
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	hashes := func(input string) []string {
		out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", input, "-map", "0:v:0", "-f", "framemd5", "-").Output()
		if err != nil {
			t.Fatalf("ffmpeg -i %s: %v", input, err)
		}
		var h []string
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Split(line, ","); line != "" && line[0] != '#' {
				h = append(h, strings.TrimSpace(f[len(f)-1]))
			}
		}
		return h
	}
	want, got := hashes(src), hashes(b.svc.HLSURL(m.StorageKey))
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("HLS decodes %d frames, the source %d (or they differ)", len(got), len(want))
	}
}

// TestServeHLSS3: on S3 the playlists of committed media read nothing of
// it (the commit planned the index), and a segment request reads the
// segment's bytes only: one ranged GET of the segment's span, and no HEAD
// (the object opened by the playlists' requests is opened again).
func TestServeHLSS3(t *testing.T) {
	srv := s3test.Start(t)
	cfg, counter := srv.Counted(t, srv.NewBucket(t))
	b := setupWith(t, 1<<30, t.TempDir(), s3test.Open(t, cfg))
	data := fixtureBytes(t, "moov_end_gop8s.mp4")
	m := b.commitMedia(t, data)
	base := b.srv.URL + HLSPathPrefix + m.StorageKey + "/"
	// The commit's parse planned the index: the playlists read nothing.
	counter.Reset()
	for _, name := range []string{"master.m3u8", "t1.m3u8"} {
		if resp, _ := hlsGet(t, http.MethodGet, base+name); resp.StatusCode != http.StatusOK || counter.Requests(http.MethodGet) != 0 {
			t.Fatalf("%s: %d after %d GETs of the source", name, resp.StatusCode, counter.Requests(http.MethodGet))
		}
	}
	ix, err := b.svc.hlsCache().Get(hlsID(t, b, m.StorageKey), nil)
	if err != nil {
		t.Fatal(err)
	}
	for n, seg := range ix.Tracks[0].Segments {
		counter.Reset()
		resp, body := hlsGet(t, http.MethodGet, base+ix.Tracks[0].SegmentName(n))
		if resp.StatusCode != http.StatusOK || int64(len(body)) < seg.Bytes {
			t.Fatalf("segment %d: %d, %d bytes", n, resp.StatusCode, len(body))
		}
		span := seg.SpanEnd - seg.SpanStart
		if counter.Requests(http.MethodHead) != 0 || counter.Requests(http.MethodGet) != 1 || counter.Bytes(http.MethodGet) != span {
			t.Errorf("segment %d: %d HEADs, %d GETs of %d bytes; want no HEAD and 1 GET of its %d-byte span (file %d bytes)",
				n, counter.Requests(http.MethodHead), counter.Requests(http.MethodGet), counter.Bytes(http.MethodGet), span, len(data))
		}
	}
}

// hlsID returns the cache's identity of the object under key.
func hlsID(t *testing.T, b *testBundle, key string) hls.SourceID {
	t.Helper()
	info, err := b.svc.Blobs.Stat(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return hls.SourceID{Key: key, Size: info.Size, ModTime: info.ModTime.UnixNano()}
}

// TestOutputsListHLS: DescribeMediaInfos' AdaptiveDynamicStreamingInfo
// holds the on-the-fly HLS (Definition 0) exactly for the media ServeHLS
// packages, first, before the ladders.
func TestOutputsListHLS(t *testing.T) {
	b := setup(t, 1<<30)
	for name, want := range map[string]string{
		"h264_aac_faststart.mp4": "video", "aac_only.m4a": "audio", "video_only.mov": "video", "hevc_x265_default.mp4": "video",
		"opus.mp4": "", "hevc_mp3.mp4": "", "mpeg4.mp4": "", "ac3.mp4": "",
	} {
		m := b.commitMedia(t, fixtureBytes(t, name))
		ladder := b.putOutput(t, m, "AdaptiveDynamicStreaming", 10, map[string][]byte{"hls/master.m3u8": []byte("#EXTM3U\n")})
		infos, err := b.svc.Outputs(m, []*openvod.MediaOutput{ladder})
		if err != nil {
			t.Fatal(err)
		}
		set := infos.AdaptiveDynamicStreamingInfo.AdaptiveDynamicStreamingSet
		if want == "" {
			if len(set) != 1 || set[0].Definition != 10 {
				t.Errorf("%s: %d items, want only the ladder", name, len(set))
			}
			continue
		}
		if len(set) != 2 || set[0].Definition != 0 || set[0].Package != "HLS" || set[0].DrmType != "" || set[0].Url != b.svc.HLSURL(m.StorageKey) ||
			len(set[0].SubStreamSet) != 1 || set[0].SubStreamSet[0].Type != want || set[1].Definition != 10 {
			t.Errorf("%s: items %+v, want the HLS (%s) then the ladder", name, set, want)
		}
		if resp, _ := hlsGet(t, http.MethodGet, set[0].Url); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: GET %s = %d", name, set[0].Url, resp.StatusCode)
		}
	}
}

// TestServeHLSLadder: the master playlist of media with an HLS ladder
// (made by processing's packager and recorded as an output) lists its
// rungs after the media's own variant, by absolute URLs that serve the
// rungs' playlists, with the media's audio rendition; DASH outputs are
// not listed, a ladder whose master playlist is gone is left out, and the
// ETag follows the bytes.
func TestServeHLSLadder(t *testing.T) {
	b := setup(t, 1<<30)
	data := fixtureBytes(t, "h264_aac_faststart.mp4")
	m := b.commitMedia(t, data)
	master := b.svc.HLSURL(m.StorageKey)
	resp, own := hlsGet(t, http.MethodGet, master)
	ownTag := resp.Header.Get("ETag")

	src := filepath.Join(t.TempDir(), "src.mp4")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tpl := &templates.AdaptiveDynamicStreaming{Format: "HLS", SegmentDuration: 2, StreamInfos: []templates.AdaptiveStreamTemplate{{
		Video: &templates.VideoTemplateInfo{Codec: "libx264", Height: 120, Bitrate: 150},
		Audio: &templates.AudioTemplateInfo{Codec: "libfdk_aac", Bitrate: 64, SampleRate: 44100, AudioChannel: 2}}}}
	a, err := process.AdaptiveStreaming(t.Context(), &process.Source{Path: src, Duration: 3, Width: 320, Height: 240, Fps: 30, HasVideo: true, HasAudio: true}, tpl, dir, process.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, name := range a.Files {
		if files[name], err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	record := func(definition int64, pkg string) (*openvod.MediaOutput, string) {
		o := b.putOutput(t, m, "AdaptiveDynamicStreaming", definition, files)
		prefix := o.Keys[0][:strings.LastIndexByte(o.Keys[0], '/')+1]
		o.Item = fmt.Appendf(nil, `{"Definition":%d,"Package":%q,"Url":%q}`, definition, pkg, b.svc.URL(prefix+a.Main))
		if _, err := b.svc.Store.MediaOutputPut(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		return o, b.svc.URL(prefix)
	}
	_, rungBase := record(20, "HLS")
	record(30, "DASH")
	gone, _ := record(10, "HLS")
	for _, k := range gone.Keys {
		if strings.HasSuffix(k, "/"+a.Main) {
			if err := b.svc.Blobs.Delete(t.Context(), k); err != nil {
				t.Fatal(err)
			}
		}
	}

	resp, body := hlsGet(t, http.MethodGet, master)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == ownTag || !strings.HasPrefix(resp.Header.Get("ETag"), `"`) {
		t.Fatalf("GET %s = %d, ETag %q (without the ladder %q)", master, resp.StatusCode, resp.Header.Get("ETag"), ownTag)
	}
	own = bytes.Replace(own, []byte("#EXT-X-INDEPENDENT-SEGMENTS\n"), nil, 1)
	rung, ok := bytes.CutPrefix(body, own)
	if !ok {
		t.Fatalf("master playlist does not start with the media's own variant:\n%s\n---\n%s", body, own)
	}
	lines := strings.Split(strings.TrimSuffix(string(rung), "\n"), "\n")
	if len(lines) != 2 || !regexp.MustCompile(`^#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",RESOLUTION=160x120,AUDIO="audio"$`).MatchString(lines[0]) ||
		lines[1] != rungBase+a.Rungs[0].Playlist {
		t.Fatalf("ladder lines %q, want one rung of 160x120 at %s", lines, rungBase+a.Rungs[0].Playlist)
	}
	// Players on other origins read the rungs from /vod/ too (CORS).
	if resp, p := hlsGet(t, http.MethodGet, lines[1]); resp.StatusCode != http.StatusOK || !bytes.Contains(p, []byte("#EXTINF:")) ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Content-Range") {
		t.Errorf("GET %s = %d %v %.100q", lines[1], resp.StatusCode, resp.Header, p)
	}
	if resp, _ := hlsGet(t, http.MethodOptions, lines[1], "Origin", "https://player.example", "Access-Control-Request-Headers", "range"); resp.StatusCode != http.StatusNoContent ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Range") {
		t.Errorf("OPTIONS %s = %d %v", lines[1], resp.StatusCode, resp.Header)
	}
	again, body2 := hlsGet(t, http.MethodGet, master)
	if !bytes.Equal(body, body2) || again.Header.Get("ETag") != resp.Header.Get("ETag") {
		t.Errorf("a second GET gave other bytes or another ETag")
	}
	if resp, clip := hlsGet(t, http.MethodGet, b.srv.URL+HLSPathPrefix+m.StorageKey+"/clip/0-2000/master.m3u8"); resp.StatusCode != http.StatusOK || bytes.Contains(clip, []byte("/vod/")) {
		t.Errorf("clip master playlist %d:\n%s", resp.StatusCode, clip)
	}
}

// TestServeHLSSendsSegments: a plain GET of a segment on local disk is
// sent from the file (sendSegment: it answers while no room is left for
// segments written in memory) with the same bytes and headers as the
// segment written in memory (a ranged GET of all of it, ServeContent), for
// every segment of every track.
func TestServeHLSSendsSegments(t *testing.T) {
	saved := sendRunBytes
	sendRunBytes = 0 // send every segment from the file
	defer func() { sendRunBytes = saved }()
	b := setup(t, 1<<30)
	data := fixtureBytes(t, "moov_end_gop8s.mp4")
	m := b.commitMedia(t, data)
	base := b.srv.URL + HLSPathPrefix + m.StorageKey + "/"
	ix, err := b.svc.hlsCache().Get(hlsID(t, b, m.StorageKey), nil)
	if err != nil {
		t.Fatal(err)
	}
	type sent struct {
		resp *http.Response
		body []byte
	}
	plain := map[string]sent{}
	release, _ := b.svc.hlsBuild(t.Context(), 1<<40) // all the room
	for _, tr := range ix.Tracks {
		for n := range tr.Segments {
			resp, body := hlsGet(t, http.MethodGet, base+tr.SegmentName(n))
			plain[tr.SegmentName(n)] = sent{resp, body}
		}
	}
	release()
	if len(plain) < 4 {
		t.Fatalf("%d segments", len(plain))
	}
	for name, p := range plain {
		want, err := ix.File(bytes.NewReader(data), name)
		if err != nil {
			t.Fatal(err)
		}
		ranged, whole := hlsGet(t, http.MethodGet, base+name, "Range", fmt.Sprintf("bytes=0-%d", len(want)-1))
		if p.resp.StatusCode != http.StatusOK || ranged.StatusCode != http.StatusPartialContent || !bytes.Equal(p.body, want) || !bytes.Equal(whole, want) {
			t.Fatalf("%s: %d and %d, %d and %d bytes, want %d", name, p.resp.StatusCode, ranged.StatusCode, len(p.body), len(whole), len(want))
		}
		for _, k := range []string{"Content-Type", "ETag", "Cache-Control", "Accept-Ranges", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers"} {
			if p.resp.Header.Get(k) != ranged.Header.Get(k) || p.resp.Header.Get(k) == "" {
				t.Errorf("%s: %s %q sent, %q in memory", name, k, p.resp.Header.Get(k), ranged.Header.Get(k))
			}
		}
		if p.resp.ContentLength != int64(len(want)) {
			t.Errorf("%s: Content-Length %d, want %d", name, p.resp.ContentLength, len(want))
		}
	}
}
