package process

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/ffmpeg"
)

// vidSource writes a test source with ffmpeg's lavfi testsrc2 and sine
// into t's temporary directory: an H.264/AAC MP4 of size (e.g.
// "640x360") at fps, for seconds, with video and audio as asked. It
// returns the Source as openvod's parser would describe it.
func vidSource(t *testing.T, size string, fps int, seconds float64, video, audio bool) *Source {
	t.Helper()
	if !ffmpeg.Available() {
		t.Fatal("ffmpeg is not installed: apt-get install ffmpeg")
	}
	path := filepath.Join(t.TempDir(), "src.mp4")
	var args []string
	if video {
		args = append(args, "-f", "lavfi", "-i", "testsrc2=size="+size+":rate="+strconv.Itoa(fps))
	}
	if audio {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000")
	}
	args = append(args, "-t", secs(seconds))
	if video {
		args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", strconv.Itoa(fps))
	}
	if audio {
		args = append(args, "-c:a", "aac", "-b:a", "128k", "-ac", "2")
	}
	args = append(args, "-f", "mp4", path)
	if err := ffmpeg.Run(context.Background(), ffmpeg.Cmd{Args: args, Timeout: time.Minute}); err != nil {
		t.Fatalf("making the source: %v", err)
	}
	p := vidProbe(t, path)
	s := &Source{Path: path, Duration: p.duration, HasVideo: video, HasAudio: audio}
	if v := p.stream("video"); v != nil {
		s.Width, s.Height, s.Fps = v.Width, v.Height, v.fps()
	}
	return s
}

// vidProbed is ffprobe's description of a file.
type vidProbed struct {
	Streams []vidStream `json:"streams"`
	Format  struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		BitRate    string `json:"bit_rate"`
		Size       string `json:"size"`
	} `json:"format"`
	duration float64
}

type vidStream struct {
	CodecType    string `json:"codec_type"`
	CodecName    string `json:"codec_name"`
	CodecTag     string `json:"codec_tag_string"`
	Width        int64  `json:"width"`
	Height       int64  `json:"height"`
	AvgFrameRate string `json:"avg_frame_rate"`
	SampleRate   string `json:"sample_rate"`
	Channels     int64  `json:"channels"`
	BitRate      string `json:"bit_rate"`
	Duration     string `json:"duration"`
	NbPackets    string `json:"nb_read_packets"`
}

// fps returns the stream's average frame rate.
func (s *vidStream) fps() float64 {
	n, d, ok := strings.Cut(s.AvgFrameRate, "/")
	num, _ := strconv.ParseFloat(n, 64)
	den, _ := strconv.ParseFloat(d, 64)
	if !ok || den == 0 {
		return num
	}
	return num / den
}

// stream returns the first stream of a type, or nil.
func (p *vidProbed) stream(typ string) *vidStream {
	for i := range p.Streams {
		if p.Streams[i].CodecType == typ {
			return &p.Streams[i]
		}
	}
	return nil
}

// vidProbe runs ffprobe on path.
func vidProbe(t *testing.T, path string) *vidProbed {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Fatal("ffprobe is not installed: apt-get install ffmpeg")
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-of", "json", "-show_streams", "-show_format", "-count_packets", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p vidProbed
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	p.duration, _ = strconv.ParseFloat(p.Format.Duration, 64)
	return &p
}

// vidPlaylist is a parsed HLS media playlist.
type vidPlaylist struct {
	segments []string // URIs, in order
	extinf   []float64
	init     string // EXT-X-MAP URI
}

func (p *vidPlaylist) total() float64 {
	var s float64
	for _, d := range p.extinf {
		s += d
	}
	return s
}

// vidReadPlaylist parses the media playlist at path; it fails t unless
// it is a finished VOD playlist whose every segment exists next to it.
func vidReadPlaylist(t *testing.T, path string) *vidPlaylist {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var p vidPlaylist
	sc := bufio.NewScanner(f)
	first, ended := true, false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case first:
			if line != "#EXTM3U" {
				t.Fatalf("%s starts with %q", path, line)
			}
			first = false
		case strings.HasPrefix(line, "#EXTINF:"):
			v, _, _ := strings.Cut(strings.TrimPrefix(line, "#EXTINF:"), ",")
			d, err := strconv.ParseFloat(v, 64)
			if err != nil || d <= 0 {
				t.Fatalf("%s: bad %q", path, line)
			}
			p.extinf = append(p.extinf, d)
		case strings.HasPrefix(line, "#EXT-X-MAP:URI="):
			p.init = strings.Trim(strings.TrimPrefix(line, "#EXT-X-MAP:URI="), `"`)
		case line == "#EXT-X-ENDLIST":
			ended = true
		case line != "" && !strings.HasPrefix(line, "#"):
			p.segments = append(p.segments, line)
		}
	}
	if !ended || len(p.segments) == 0 || len(p.segments) != len(p.extinf) {
		t.Fatalf("%s: %d segments, %d EXTINF, ended %v", path, len(p.segments), len(p.extinf), ended)
	}
	for _, s := range append([]string{p.init}, p.segments...) {
		if s == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(filepath.Dir(path), s)); err != nil || fi.Size() == 0 {
			t.Fatalf("%s: segment %s: %v", path, s, err)
		}
	}
	return &p
}

// vidNear fails t unless got is within tol (a fraction) of want.
func vidNear(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*want {
		t.Errorf("%s = %g, want %g ± %g%%", what, got, want, tol*100)
	}
}
