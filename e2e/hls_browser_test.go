package e2e

import (
	"context"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
)

// chromiumPath is Debian's Chromium, which the browser check drives.
const chromiumPath = "/usr/bin/chromium"

// playerPage is the page the browser check opens: hls.js plays Src in a
// muted video and records its errors in window.report; window.snapshot()
// returns the report with the video's state. With a Level, the page
// switches hls.js to the variant whose URL contains it, once the master
// playlist is parsed, and counts the fragments loaded from it.
var playerPage = template.Must(template.New("player").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>openvod HLS check</title></head>
<body>
<video id="v" muted playsinline width="640" height="360"></video>
<script src="/hls.min.js"></script>
<script>
const v = document.getElementById('v');
window.report = { errors: [], fatal: null, fragments: 0, seekedAt: undefined, level: -1, levelFragments: 0 };
const level = {{.Level}};
window.snapshot = () => {
  const b = [];
  for (let i = 0; i < v.buffered.length; i++) b.push([v.buffered.start(i), v.buffered.end(i)]);
  return { ...window.report, now: v.currentTime, readyState: v.readyState, paused: v.paused, buffered: b,
    mediaError: v.error && v.error.message };
};
if (!Hls.isSupported()) {
  window.report.fatal = 'hls.js: Media Source Extensions or the codecs are not supported by this browser';
} else {
  const hls = new Hls();
  hls.on(Hls.Events.ERROR, (_, d) => {
    const what = d.type + ': ' + d.details + (d.response ? ' (HTTP ' + d.response.code + ')' : '') + (d.url ? ' ' + d.url : '');
    window.report.errors.push(what);
    if (d.fatal) window.report.fatal = what;
  });
  hls.on(Hls.Events.FRAG_LOADED, (_, d) => {
    window.report.fragments++;
    if (level && d.frag.type === 'main' && d.frag.level === window.report.level) window.report.levelFragments++;
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    if (level) {
      window.report.level = hls.levels.findIndex((l) => String(l.url).includes(level));
      if (window.report.level >= 0) hls.currentLevel = window.report.level;
    }
    v.play().catch((e) => { window.report.fatal = 'video.play(): ' + e.message; });
  });
  hls.loadSource({{.Src}});
  hls.attachMedia(v);
}
</script>
</body></html>
`))

// browserReport is what e2e/browser/play.mjs prints.
type browserReport struct {
	OK                bool     `json:"ok"`
	Failure           string   `json:"failure"`
	PlayedTo          float64  `json:"playedTo"`
	Duration          float64  `json:"duration"`
	SeekTarget        float64  `json:"seekTarget"`
	SeekedAt          float64  `json:"seekedAt"`
	PlayedAfterSeekTo float64  `json:"playedAfterSeekTo"`
	FragmentsLoaded   int      `json:"fragmentsLoaded"`
	Level             int      `json:"level"`          // the index of the variant forced, -1 when none
	LevelFragments    int      `json:"levelFragments"` // video fragments loaded from it
	Errors            []string `json:"errors"`
	Console           []string `json:"console"`
	FailedRequests    []string `json:"failedRequests"`
}

// TestHLSBrowser plays HLS with hls.js in Debian's Chromium, from a page
// on another origin: a committed MP4's on-the-fly HLS (the master playlist
// of the Definition 0 item of DescribeMediaInfos) and the playlist a
// SimpleHlsClip of its video playlist answers, and then, once processing
// made its HLS ladder (ProcessMedia, adaptive-streaming preset 10), the
// master playlist listing the ladder's rung, with hls.js switched to the
// rung. For each, playback passes 5 s, a seek to the middle lands within
// 0.5 s of its target and plays on, and hls.js raises no fatal error.
func TestHLSBrowser(t *testing.T) {
	t.Parallel()
	node, dir, hlsJS := browserTools(t)
	srv := openvodtest.Start(t, openvodtest.Options{})
	fileID, _ := upload(t, srv, longSource(t))
	master := hlsURL(t, srv, fileID)
	variants := playlistURIs(t, master)
	if len(variants) != 1 {
		t.Fatalf("%s lists %d variants, want 1 (the video)", master, len(variants))
	}
	var clip struct {
		Url      string
		MetaData struct{ Duration float64 }
	}
	srv.Call(context.Background(), "SimpleHlsClip", map[string]any{
		"Url": master[:strings.LastIndexByte(master, '/')+1] + variants[0], "StartTimeOffset": 6, "EndTimeOffset": 30}, &clip)
	if clip.MetaData.Duration < 20 || clip.MetaData.Duration > 30 {
		t.Fatalf("SimpleHlsClip 6-30 s: MetaData.Duration %g, want about 24 s (whole segments)", clip.MetaData.Duration)
	}

	for _, c := range []struct {
		name, url string
		duration  float64
	}{{"master", master, 40}, {"SimpleHlsClip", clip.Url, clip.MetaData.Duration}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := play(t, node, dir, pageServer(t, hlsJS, c.url, ""), 0)
			// The script's checks, again on its report, and the duration.
			if r.PlayedTo <= 5 || r.Duration < c.duration-1 || r.Duration > c.duration+1 ||
				r.SeekedAt < r.SeekTarget-0.5 || r.SeekedAt > r.SeekTarget+0.5 || r.PlayedAfterSeekTo <= r.SeekedAt+1 || r.FragmentsLoaded < 2 {
				t.Fatalf("%s: report out of bounds (duration want %g s): %+v", c.url, c.duration, r)
			}
		})
	}

	t.Run("ladder", func(t *testing.T) {
		t.Parallel()
		rung := ladderRung(t, srv, fileID, master)
		r := play(t, node, dir, pageServer(t, hlsJS, master, rung), 0)
		if r.PlayedTo <= 5 || r.Duration < 39 || r.Duration > 41 || r.SeekedAt < r.SeekTarget-0.5 || r.SeekedAt > r.SeekTarget+0.5 ||
			r.PlayedAfterSeekTo <= r.SeekedAt+1 || r.Level < 0 || r.LevelFragments < 2 {
			t.Fatalf("%s switched to %s: report out of bounds: %+v", master, rung, r)
		}
	})
}

// ladderRung makes the HLS ladder of fileID (ProcessMedia, adaptive-streaming
// preset 10: for the 640x360 source, its 240p rung), waits for it, and
// returns the rung's media playlist URL, which the master playlist must
// now list after the original's variant.
func ladderRung(t *testing.T, srv *openvodtest.Server, fileID, master string) string {
	t.Helper()
	ctx := context.Background()
	var accepted struct{ TaskId string }
	srv.Call(ctx, "ProcessMedia", map[string]any{"FileId": fileID, "MediaProcessTask": map[string]any{
		"AdaptiveDynamicStreamingTaskSet": []map[string]any{{"Definition": 10}}}}, &accepted)
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		var d struct{ Status string }
		srv.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": accepted.TaskId}, &d)
		if d.Status == "FINISH" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ladder's task %s: %s after 5 minutes", accepted.TaskId, d.Status)
		}
	}
	variants := playlistURIs(t, master)
	if len(variants) != 2 || !strings.HasPrefix(variants[1], srv.URL+"/vod/") || !strings.HasSuffix(variants[1], ".m3u8") {
		t.Fatalf("%s lists %q, want the original's variant and the ladder's rung under %s/vod/", master, variants, srv.URL)
	}
	return variants[1]
}

// TestFastEditMediaHLSBrowser plays with hls.js in Debian's Chromium the
// master playlist of a FastEditMedia join of two pieces (fastEditTwo):
// after a seek to the middle of the first piece, playback crosses the
// discontinuity at the second piece's start and passes 1 s after it
// (within play.mjs's 15 s step: hls.js does not stall there), with no
// fatal hls.js error. hls.js reports non-fatal buffer errors on the way,
// and places the second piece up to the first fragment's hidden lead-in
// late, which lengthens the duration (docs/streaming.md).
func TestFastEditMediaHLSBrowser(t *testing.T) {
	t.Parallel()
	node, dir, hlsJS := browserTools(t)
	srv := openvodtest.Start(t, openvodtest.Options{})
	master := hlsURL(t, srv, fastEditTwo(t, srv))
	r := play(t, node, dir, pageServer(t, hlsJS, master, ""), fastEditSecond+1)
	if r.PlayedTo <= 5 || r.Duration < fastEditDuration-0.1 || r.Duration > fastEditDuration+1 || r.SeekedAt > fastEditSecond-0.5 || r.PlayedAfterSeekTo <= fastEditSecond+1 {
		t.Fatalf("%s: report out of bounds (duration want %g s, the second piece at %g s): %+v", master, fastEditDuration, fastEditSecond, r)
	}
}

// browserTools checks what the browser checks need and returns node's
// path, the e2e/browser directory and hls.js's file in it.
func browserTools(t *testing.T) (node, dir, hlsJS string) {
	t.Helper()
	node, dir = browserScripts(t, "hls.js", "playwright-core")
	return node, dir, filepath.Join(dir, "node_modules", "hls.js", "dist", "hls.min.js")
}

// play runs e2e/browser/play.mjs (in dir) on the page at page, with
// playback to pass playPast seconds after the seek (0: 1 s after it), and
// returns its report; it fails the test when the script fails.
func play(t *testing.T, node, dir, page string, playPast float64) browserReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "play.mjs", page, strconv.FormatFloat(playPast, 'f', -1, 64))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	t.Logf("play.mjs: %s%s", out, stderr.String())
	var r browserReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("play.mjs (%v) printed no report: %v", runErr, err)
	}
	if runErr != nil || !r.OK {
		t.Fatalf("the browser check failed (%v): %s", runErr, r.Failure)
	}
	return r
}

// playlistURIs returns the URI lines of the playlist at u.
func playlistURIs(t *testing.T, u string) []string {
	t.Helper()
	var uris []string
	for _, line := range strings.Split(string(get(t, u)), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			uris = append(uris, line)
		}
	}
	return uris
}

// hlsURL returns the URL of the on-the-fly HLS of fileID that
// DescribeMediaInfos lists (Definition 0, Package HLS), after checking that
// it is served under the server's /hls/.
func hlsURL(t *testing.T, srv *openvodtest.Server, fileID string) string {
	t.Helper()
	var infos struct {
		MediaInfoSet []struct {
			AdaptiveDynamicStreamingInfo *struct {
				AdaptiveDynamicStreamingSet []struct {
					Definition int64
					Package    string
					Url        string
				}
			}
		}
	}
	srv.Call(context.Background(), "DescribeMediaInfos", map[string]any{"FileIds": []string{fileID}}, &infos)
	if len(infos.MediaInfoSet) != 1 || infos.MediaInfoSet[0].AdaptiveDynamicStreamingInfo == nil {
		t.Fatalf("DescribeMediaInfos lists no AdaptiveDynamicStreamingInfo: %+v", infos)
	}
	for _, item := range infos.MediaInfoSet[0].AdaptiveDynamicStreamingInfo.AdaptiveDynamicStreamingSet {
		if item.Definition == 0 {
			if item.Package != "HLS" || !strings.HasPrefix(item.Url, srv.URL+"/hls/") || !strings.HasSuffix(item.Url, "/master.m3u8") {
				t.Fatalf("Definition 0: %+v, want Package HLS and %s/hls/<key>/master.m3u8", item, srv.URL)
			}
			return item.Url
		}
	}
	t.Fatalf("no Definition 0 in %+v", infos.MediaInfoSet[0].AdaptiveDynamicStreamingInfo)
	return ""
}

// pageServer serves the player page of src (switched to the variant whose
// URL contains level, when not "") and hls.js (the file at
// hlsJS) on a loopback port of its own, another origin than the openvod
// server's; it returns the page's URL.
func pageServer(t *testing.T, hlsJS, src, level string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hls.min.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, hlsJS)
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := playerPage.Execute(w, struct{ Src, Level string }{src, level}); err != nil {
			t.Errorf("player page: %v", err)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String() + "/"
}
