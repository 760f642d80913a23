package hls

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/mp4"
)

// generatedDir holds the sources TestMain generates.
var generatedDir string

// generated are sources made with ffmpeg at test time: NTSC 29.97 fps with
// B-frames and mono 44.1 kHz AAC; variable frame rate (30 fps, then 10).
var generated = map[string][]string{
	"ntsc_mono.mp4": {"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30000/1001", "-f", "lavfi", "-i", "sine=frequency=440:beep_factor=4:sample_rate=44100",
		"-t", "7", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0",
		"-c:a", "aac", "-ac", "1", "-b:a", "64k"},
	"vfr.mp4": {"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", "6", "-map", "0:v", "-map", "1:a", "-vf", "select='lt(n\\,60)+not(mod(n\\,3))'", "-fps_mode", "vfr",
		"-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "20", "-keyint_min", "20", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k"},
}

// joined are sources made at test time by the fast join (clip.JoinFile,
// what FastEditMedia writes) of ranges of the clip fixtures: edit lists
// with one media entry per piece.
var joined = map[string][]clip.FilePiece{
	// B-frames, 1 s GOP: three pieces out of order, a start inside a frame.
	"join_bf2.mp4": {{Path: "bf2_gop1s.mp4", Start: 2.5, End: 4.25}, {Path: "bf2_gop1s.mp4", Start: 0.5, End: 1.5}, {Path: "bf2_gop1s.mp4", Start: 3.31, End: 6}},
	// Long GOP (8 s): a lead-in of 1.5 s before the first piece's start.
	"join_gop8s.mp4": {{Path: "bf0_gop8s.mp4", Start: 9.5, End: 12}, {Path: "bf0_gop8s.mp4", Start: 2, End: 3}},
	// Audio starting 0.5 s late: the audio of the second piece starts
	// after its video (an empty edit inside the period).
	"join_delay.mp4": {{Path: "audio_delay.mp4", Start: 1, End: 2.5}, {Path: "audio_delay.mp4", Start: 0, End: 1.5}},
	// HEVC open GOP, audio only.
	"join_hevc.mp4": {{Path: "hevc_x265_default.mp4", Start: 2.5, End: 4.5}, {Path: "hevc_x265_default.mp4", Start: 1.9, End: 2.6}},
	"join_aac.m4a":  {{Path: "aac_only.m4a", Start: 1.3, End: 2.1}, {Path: "aac_only.m4a", Start: 0.2, End: 1}},
}

// generateOnce makes the generated sources on first use (not in
// TestMain, which every fuzzing worker runs).
var generateOnce sync.Once

func generate() {
	dir, err := os.MkdirTemp("", "hls-test-")
	if err != nil {
		panic(err)
	}
	generatedDir = dir
	for name, args := range generated {
		args = append([]string{"-nostdin", "-v", "error", "-y"}, args...)
		args = append(args, "-threads", "1", "-fflags", "+bitexact", filepath.Join(dir, name))
		if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
			// The tests that use the source fail on its absence, saying why.
			os.WriteFile(filepath.Join(dir, name+".error"), append([]byte(err.Error()+"\n"), out...), 0o644)
		}
	}
	for name, pieces := range joined {
		pieces = slices.Clone(pieces)
		for i := range pieces {
			pieces[i].Path = fixture(pieces[i].Path)
		}
		if _, err := clip.JoinFile(filepath.Join(dir, name), pieces); err != nil {
			os.WriteFile(filepath.Join(dir, name+".error"), []byte(err.Error()+"\n"), 0o644)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if generatedDir != "" {
		os.RemoveAll(generatedDir)
	}
	os.Exit(code)
}

// fixture returns the path of a test source: the generated and joined
// ones, the clip oracle fixtures (clip/testdata) and the parser's
// (mp4/testdata).
func fixture(name string) string {
	_, join := joined[name]
	if _, ok := generated[name]; ok || join {
		generateOnce.Do(generate)
		return filepath.Join(generatedDir, name)
	}
	for _, dir := range []string{"../clip/testdata", "../mp4/testdata"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	return filepath.Join("../clip/testdata", name)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// openIndex opens a fixture and plans its packaging.
func openIndex(tb testing.TB, name string, opt Options) (*os.File, *Index) {
	tb.Helper()
	f, m := openMovie(tb, name)
	ix, err := New(m, opt)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return f, ix
}

// openMovie opens the fixture name, closed when the test ends, and parses
// its moov.
func openMovie(tb testing.TB, name string) (*os.File, *mp4.Movie) {
	tb.Helper()
	f, err := os.Open(fixture(name))
	if err != nil {
		why, _ := os.ReadFile(filepath.Join(generatedDir, name+".error"))
		tb.Fatalf("%v %s(is ffmpeg installed? apt-get install -y ffmpeg)", err, why)
	}
	tb.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	m, err := mp4.Parse(f, st.Size())
	if err != nil {
		tb.Fatal(err)
	}
	return f, m
}

// serve serves an Index's files the way package media does, without the
// store: master.m3u8, t<ID>.m3u8, t<ID>/init.mp4, t<ID>/<n>.m4s.
func serve(tb testing.TB, ix *Index, src *os.File) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		body, err := ix.File(src, name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		http.ServeContent(w, r, name, timeZero, bytes.NewReader(body))
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// requireFFmpeg fails the test when ffmpeg is missing.
func requireFFmpeg(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		tb.Fatal("ffmpeg is not installed: apt-get install -y ffmpeg")
	}
}

// ffmpeg runs ffmpeg with args and returns its standard output.
func ffmpeg(tb testing.TB, args ...string) []byte {
	tb.Helper()
	cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// elementary copies the first stream of kind ("v" or "a") of the HLS at
// url, demuxed by ffmpeg's HLS reader, to an elementary stream file of
// track tr's codec (H.264 or HEVC Annex B, AAC in ADTS) without
// timestamps, and returns its path. Decoding it decodes every sample of the
// segments in order: ffmpeg 5.1's decoders drop the frames whose
// timestamps go back, as a later period's do at its discontinuity.
func elementary(tb testing.TB, url, kind string, tr *Track) string {
	tb.Helper()
	format := "adts"
	switch {
	case strings.HasPrefix(tr.Codec, "avc1"):
		format = "h264"
	case tr.Video:
		format = "hevc"
	}
	path := filepath.Join(tb.TempDir(), tr.Name+"."+format)
	ffmpeg(tb, "-i", url, "-map", "0:"+kind+":0", "-c", "copy", "-f", format, path)
	return path
}

// frameHashes decodes the first stream of kind ("v" or "a") of input and
// returns the MD5 of each decoded frame in order.
func frameHashes(tb testing.TB, input, kind string) []string {
	tb.Helper()
	out := ffmpeg(tb, "-i", input, "-map", "0:"+kind+":0", "-f", "framemd5", "-")
	var hashes []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, ",")
		hashes = append(hashes, strings.TrimSpace(f[len(f)-1]))
	}
	return hashes
}

// pcm decodes the first audio stream of input to mono 16-bit samples at
// its own rate.
func pcm(tb testing.TB, input string) []int16 {
	tb.Helper()
	out := ffmpeg(tb, "-i", input, "-map", "0:a:0", "-ac", "1", "-f", "s16le", "-")
	s := make([]int16, len(out)/2)
	for i := range s {
		s[i] = int16(uint16(out[2*i]) | uint16(out[2*i+1])<<8)
	}
	return s
}
