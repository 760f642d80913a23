package mp4

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// ffprobeOutput is the part of ffprobe's JSON output the tests compare.
type ffprobeOutput struct {
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		BitRate    string `json:"bit_rate"`
	} `json:"format"`
	Streams []struct {
		Index         int    `json:"index"`
		CodecType     string `json:"codec_type"`
		CodecName     string `json:"codec_name"`
		CodecTag      string `json:"codec_tag_string"`
		Width         int64  `json:"width"`
		Height        int64  `json:"height"`
		SampleRate    string `json:"sample_rate"`
		AvgFrameRate  string `json:"avg_frame_rate"`
		Duration      string `json:"duration"`
		BitRate       string `json:"bit_rate"`
		NbReadPackets string `json:"nb_read_packets"`
		SideData      []struct {
			Rotation *float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Packets []ffprobePacket `json:"packets"`
}

// ffprobePacket is one packet of `ffprobe -show_packets`.
type ffprobePacket struct {
	StreamIndex int    `json:"stream_index"`
	PTS         int64  `json:"pts"`
	DTS         int64  `json:"dts"`
	Size        string `json:"size"`
	Pos         string `json:"pos"`
	Flags       string `json:"flags"`
}

// ffprobe runs ffprobe on the fixture name with args and decodes its JSON
// output. A missing ffprobe fails the test: it is required, never skipped.
func ffprobe(t *testing.T, name string, args ...string) *ffprobeOutput {
	t.Helper()
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Fatalf("ffprobe not found (%v): install ffmpeg: apt-get install -y ffmpeg", err)
	}
	args = append([]string{"-v", "error", "-of", "json"}, args...)
	out, err := exec.Command(bin, append(args, filepath.Join("testdata", name))...).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", name, err)
	}
	var v ffprobeOutput
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("decode ffprobe output for %s: %v", name, err)
	}
	return &v
}

// openFixture opens testdata/name and returns it with its size; the file is
// closed when the test ends.
func openFixture(t *testing.T, name string) (*os.File, int64) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return f, st.Size()
}

// num parses an ffprobe number field; "" and "N/A" fail the test.
func num(t *testing.T, field, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("ffprobe %s = %q: %v", field, s, err)
	}
	return v
}
