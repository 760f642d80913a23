package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/store/postgres/pgtest"
	"github.com/openvod/openvod/vodevent"
)

// pulled is a PullEvents answer, its events raw.
type pulled struct {
	EventSet []json.RawMessage
}

// fixtureBytes returns an MP4 fixture, or random bytes when none exists.
func fixtureBytes(t *testing.T) []byte {
	t.Helper()
	matches, _ := filepath.Glob("../mp4/testdata/*.mp4")
	if len(matches) > 0 {
		b, err := os.ReadFile(matches[0])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := make([]byte, 256<<10)
	rand.Read(b)
	return b
}

// upload runs ApplyUpload, PUT and CommitUpload and returns FileId and MediaUrl.
func upload(t *testing.T, srv *openvodtest.Server, data []byte) (string, string) {
	t.Helper()
	ctx := context.Background()
	var applied struct{ VodSessionKey, UploadUrl string }
	srv.Call(ctx, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "restart"}, &applied)
	req, _ := http.NewRequest(http.MethodPut, applied.UploadUrl, bytes.NewReader(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT upload: HTTP %d", resp.StatusCode)
	}
	var committed struct{ FileId, MediaUrl string }
	srv.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed)
	return committed.FileId, committed.MediaUrl
}

// uploadSource uploads to srv a new H.264/AAC MP4 made by ffmpeg, of
// size (WxH) at 25 fps, a keyframe a second, lasting seconds, and returns
// its FileId.
func uploadSource(t *testing.T, srv *openvodtest.Server, size string, seconds int) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src.mp4")
	if err := ffmpeg.Run(context.Background(), ffmpeg.Cmd{Timeout: time.Minute, Args: []string{
		"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", strconv.Itoa(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
		"-c:a", "aac", "-ac", "2", "-f", "mp4", src}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := upload(t, srv, data)
	return id
}

func taskStatus(t *testing.T, srv *openvodtest.Server, id string) string {
	t.Helper()
	var d struct{ Status string }
	srv.Call(context.Background(), "DescribeTaskDetail", map[string]any{"TaskId": id}, &d)
	return d.Status
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mediaStore opens srv's media store on local disk.
func mediaStore(t *testing.T, srv *openvodtest.Server) *local.Bucket {
	t.Helper()
	blobs, err := local.New(filepath.Join(srv.DataDir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	return blobs
}

// mediaKey is the media store key that url, a media URL of srv, names.
func mediaKey(srv *openvodtest.Server, url string) string {
	return strings.TrimPrefix(url, srv.URL+"/vod/")
}

// storedKeys returns the keys of the objects under prefix in blobs, in
// the order List gives them.
func storedKeys(t *testing.T, blobs blob.Bucket, prefix string) []string {
	t.Helper()
	infos, err := blobs.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, info := range infos {
		keys = append(keys, info.Key)
	}
	return keys
}

// assertNoTempFiles checks that no partial upload is left in the media store.
func assertNoTempFiles(t *testing.T, dataDir string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(dataDir, "media", ".tmp"))
	if len(entries) != 0 {
		t.Fatalf("%d temporary files left in the media store", len(entries))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// onEachDB runs test in parallel subtests "sqlite" and "postgres", with
// the URL of the subtest's database: "" for the server's SQLite file, else
// a PostgreSQL schema of its own (see pgtest).
func onEachDB(t *testing.T, test func(t *testing.T, db string)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := ""
			if name == "postgres" {
				db = pgtest.URL(t)
			}
			test(t, db)
		})
	}
}

// onEachDatabase runs test as onEachDB does, each on a server of its own
// on that database.
func onEachDatabase(t *testing.T, test func(t *testing.T, srv *openvodtest.Server)) {
	t.Helper()
	onEachDB(t, func(t *testing.T, db string) {
		test(t, openvodtest.Start(t, openvodtest.Options{DB: db}))
	})
}

// pullAll pulls the events of srv, confirming each batch, until none is
// left, and returns them in the order pulled.
func pullAll(t *testing.T, srv *openvodtest.Server) []*vodevent.EventContent {
	t.Helper()
	ctx := context.Background()
	var events []*vodevent.EventContent
	for {
		var p pulled
		srv.Call(ctx, "PullEvents", nil, &p)
		if len(p.EventSet) == 0 {
			return events
		}
		var handles []string
		for _, raw := range p.EventSet {
			ev := decodeEvent(t, raw)
			handles = append(handles, ev.EventHandle)
			events = append(events, ev)
		}
		srv.Call(ctx, "ConfirmEvents", map[string]any{"EventHandles": handles}, nil)
	}
}

func decodeEvent(t *testing.T, raw json.RawMessage) *vodevent.EventContent {
	t.Helper()
	var ev vodevent.EventContent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("event %s: %v", raw, err)
	}
	return &ev
}

// ffprobeDuration returns the container duration ffprobe reads.
func ffprobeDuration(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v (install ffmpeg: apt-get install -y ffmpeg)", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe duration %q: %v", out, err)
	}
	return d
}

// checkVideo fetches the MP4 at url and checks with ffprobe that it holds
// two streams, the first H.264 of height lines, and lasts seconds (±0.1 s).
func checkVideo(t *testing.T, url string, height int64, seconds float64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.mp4")
	if err := os.WriteFile(path, get(t, url), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name,height", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe of %s: %v", url, err)
	}
	var p struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
			Height    int64  `json:"height"`
		} `json:"streams"`
		Format struct{ Duration string } `json:"format"`
	}
	json.Unmarshal(out, &p)
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	if len(p.Streams) != 2 || p.Streams[0].CodecName != "h264" || p.Streams[0].Height != height || math.Abs(d-seconds) > 0.1 {
		t.Fatalf("ffprobe of %s: %s", url, out)
	}
}

// mustMarshal returns v in JSON.
func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// browserScripts returns node's path and the e2e/browser directory of the
// browser scripts, failing the test when Chromium, node or one of the npm
// packages pkgs is missing.
func browserScripts(t *testing.T, pkgs ...string) (node, dir string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing: the browser check needs Debian's Chromium (apt-get install -y chromium; scripts/test.sh installs it)", chromiumPath)
	}
	if out, err := exec.Command("fc-list", ":lang=zh", "family").Output(); err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("no font with Chinese glyphs (fc-list :lang=zh: %v): the screenshots would show boxes for the fixtures' Chinese names (apt-get install -y fontconfig fonts-wqy-microhei; scripts/test.sh installs it)", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is missing: apt-get install -y nodejs npm")
	}
	dir, err = filepath.Abs("browser")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("%s is not installed: run npm ci in e2e/browser (scripts/test.sh does)", pkg)
		}
	}
	return node, dir
}
