package clip

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/openvod/openvod/mp4"
)

func TestMain(m *testing.M) {
	if os.Getenv(launchEnv) != "" {
		os.Exit(benchLaunch())
	}
	if os.Getenv(childEnv) != "" {
		os.Exit(benchChild())
	}
	os.Exit(m.Run())
}

// fixture returns the path of a file in testdata.
func fixture(name string) string { return filepath.Join("testdata", name) }

// openMovie opens and parses a file; the file is closed at the end of the
// test.
func openMovie(tb testing.TB, path string) (*os.File, *mp4.Movie) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	m, err := mp4.Parse(f, st.Size())
	if err != nil {
		tb.Fatalf("Parse(%s): %v", path, err)
	}
	return f, m
}

// mustPlan plans a cut of a fixture.
func mustPlan(tb testing.TB, name string, start, end float64, hide bool) (*Plan, *os.File) {
	tb.Helper()
	f, m := openMovie(tb, fixture(name))
	p, err := PlanFast(m, f, start, end, hide)
	if err != nil {
		tb.Fatalf("PlanFast(%s, %g, %g, %v): %v", name, start, end, hide, err)
	}
	return p, f
}

// writeClip writes the plan to a file in a temporary directory and checks
// the size written.
func writeClip(tb testing.TB, p *Plan, src *os.File) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "clip.mp4")
	f, err := os.Create(out)
	if err != nil {
		tb.Fatal(err)
	}
	n, err := p.WriteTo(f, src)
	if err != nil {
		tb.Fatalf("WriteTo: %v", err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	if n != p.Size {
		tb.Fatalf("WriteTo wrote %d bytes, Plan.Size is %d", n, p.Size)
	}
	return out
}

// requireFFmpeg fails the test when ffmpeg or ffprobe is missing: the
// oracle tests must not be skipped silently.
func requireFFmpeg(tb testing.TB) {
	tb.Helper()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			tb.Fatalf("%s is needed for the oracle tests (Debian: apt-get install ffmpeg): %v", bin, err)
		}
	}
}

// run runs a command and returns its standard output.
func run(tb testing.TB, name string, args ...string) []byte {
	tb.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// decodedFrame is a frame decoded by ffmpeg: its presentation time in
// seconds and the MD5 of its pixels.
type decodedFrame struct {
	pts  float64
	hash string
}

// decodeFrames decodes the first video stream of path with ffmpeg (edit
// lists applied) and returns its frames in presentation order.
func decodeFrames(tb testing.TB, path string) []decodedFrame {
	tb.Helper()
	out := run(tb, "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0",
		"-fps_mode", "passthrough", "-enc_time_base", "-1", "-f", "framemd5", "-")
	var tb0 float64
	var frames []decodedFrame
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#tb 0: "); ok {
			num, den, _ := strings.Cut(rest, "/")
			n, _ := strconv.ParseFloat(num, 64)
			d, _ := strconv.ParseFloat(den, 64)
			tb0 = n / d
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != 6 {
			tb.Fatalf("framemd5 line %q", line)
		}
		pts, err := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		if err != nil {
			tb.Fatalf("framemd5 line %q: %v", line, err)
		}
		frames = append(frames, decodedFrame{pts: float64(pts) * tb0, hash: strings.TrimSpace(f[5])})
	}
	return frames
}

// decodePCM decodes the first audio stream of path to mono 16-bit PCM at
// its own rate, with extra output options.
func decodePCM(tb testing.TB, path string, extra ...string) []int16 {
	tb.Helper()
	args := append([]string{"-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-ac", "1"}, extra...)
	out := run(tb, "ffmpeg", append(args, "-f", "s16le", "-")...)
	pcm := make([]int16, len(out)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(out[2*i:]))
	}
	return pcm
}

// probeStream is what ffprobe says about a stream, for comparing a clip's
// streams with its source's.
type probeStream struct {
	CodecType     string `json:"codec_type"`
	CodecName     string `json:"codec_name"`
	CodecTag      string `json:"codec_tag_string"`
	Profile       string `json:"profile"`
	Level         int    `json:"level"`
	PixFmt        string `json:"pix_fmt"`
	Width         int    `json:"width"`
	Height        int    `json:"height"`
	SampleRate    string `json:"sample_rate"`
	Channels      int    `json:"channels"`
	ExtradataHash string `json:"extradata_hash"`
	// Rotation is the display matrix rotation from the side data.
	Rotation     float64          `json:"-"`
	SideDataList []map[string]any `json:"side_data_list"`
	// StartTime is when the stream starts; it is not compared.
	StartTime string `json:"start_time"`
}

// signature returns what must be the same in a clip's stream and its
// source's: everything but the start time.
func (s probeStream) signature() string {
	s.StartTime = ""
	return fmt.Sprintf("%+v", s)
}

// probeResult is ffprobe's view of a file.
type probeResult struct {
	Streams []probeStream `json:"streams"`
	Format  struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// probe runs ffprobe on path.
func probe(tb testing.TB, path string) probeResult {
	tb.Helper()
	out := run(tb, "ffprobe", "-v", "error", "-analyzeduration", "100M", "-probesize", "100M", "-show_streams", "-show_format", "-show_data_hash", "MD5", "-of", "json", path)
	var r probeResult
	if err := json.Unmarshal(out, &r); err != nil {
		tb.Fatalf("ffprobe %s: %v", path, err)
	}
	for i := range r.Streams {
		s := &r.Streams[i]
		for _, sd := range s.SideDataList {
			if v, ok := sd["rotation"].(float64); ok {
				s.Rotation = v
			}
		}
	}
	return r
}

// sourceDecode caches the decode of a source fixture.
type sourceDecode struct {
	once   sync.Once
	frames []decodedFrame
	pcm    []int16
	probe  probeResult
}

var sourceDecodes sync.Map // fixture name -> *sourceDecode

// decodeSource decodes a fixture once per test binary run.
func decodeSource(tb testing.TB, name string) *sourceDecode {
	tb.Helper()
	v, _ := sourceDecodes.LoadOrStore(name, &sourceDecode{})
	d := v.(*sourceDecode)
	d.once.Do(func() {
		path := fixture(name)
		d.probe = probe(tb, path)
		for _, s := range d.probe.Streams {
			switch s.CodecType {
			case "video":
				if d.frames == nil {
					d.frames = decodeFrames(tb, path)
				}
			case "audio":
				if d.pcm == nil {
					d.pcm = decodePCM(tb, path)
				}
			}
		}
	})
	return d
}

// audioMatch compares a clip's PCM with the source's from sample offset
// off on, over n samples (skipping a margin at both ends for the lag
// search). It returns the SNR in dB at lag 0 and the lag in [-maxLag,
// maxLag] with the smallest residual.
func audioMatch(src, clip []int16, off, n, maxLag int) (snr0 float64, best int) {
	bestErr := math.Inf(1)
	for lag := -maxLag; lag <= maxLag; lag++ {
		var sig, diff float64
		for i := maxLag; i < n-maxLag; i++ {
			j := off + i + lag
			if j < 0 || j >= len(src) || i >= len(clip) {
				continue
			}
			s, c := float64(src[j]), float64(clip[i])
			sig += s * s
			diff += (s - c) * (s - c)
		}
		if diff < bestErr {
			bestErr, best = diff, lag
		}
		if lag == 0 {
			if diff == 0 {
				snr0 = math.Inf(1)
			} else {
				snr0 = 10 * math.Log10(sig/diff)
			}
		}
	}
	return snr0, best
}
