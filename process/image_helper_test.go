package process

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// imgRequireFFmpeg fails the test when ffmpeg or ffprobe is missing.
func imgRequireFFmpeg(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is needed by the image tests (Debian: apt-get install ffmpeg): %v", bin, err)
		}
	}
}

// imgRun runs a command and returns its standard output.
func imgRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// imgSpec is a generated test source: testsrc2 at 30 fps, H.264 with
// 2 B-frames and a keyframe every gop frames, and AAC.
type imgSpec struct {
	w, h    int64
	seconds float64
	gop     int
	rotate  int64 // rotation metadata, degrees
	noVideo bool
}

// imgSource generates the source of spec into t's temporary directory.
func imgSource(t *testing.T, spec imgSpec) *Source {
	t.Helper()
	imgRequireFFmpeg(t)
	path := filepath.Join(t.TempDir(), "src.mp4")
	dur := strconv.FormatFloat(spec.seconds, 'f', -1, 64)
	args := []string{"-nostdin", "-v", "error", "-y"}
	if !spec.noVideo {
		args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=30", spec.w, spec.h))
	}
	args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", dur)
	if !spec.noVideo {
		args = append(args, "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
			"-g", strconv.Itoa(spec.gop), "-keyint_min", strconv.Itoa(spec.gop), "-sc_threshold", "0", "-bf", "2",
			"-metadata:s:v:0", "rotate="+strconv.FormatInt(spec.rotate, 10))
	}
	args = append(args, "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", path)
	imgRun(t, "ffmpeg", args...)
	s := &Source{Path: path, Duration: spec.seconds, HasAudio: true}
	if !spec.noVideo {
		s.Width, s.Height, s.Rotate, s.Fps, s.HasVideo = spec.w, spec.h, spec.rotate, 30, true
	}
	return s
}

// imgSize returns the width and height ffprobe reads in a picture.
func imgSize(t *testing.T, path string) (w, h int64) {
	t.Helper()
	// image2 without a pattern: a % in the path is a character.
	demux := []string{"-f", "image2", "-pattern_type", "none"}
	if filepath.Ext(path) == ".gif" {
		demux = []string{"-f", "gif"}
	}
	out := imgRun(t, "ffprobe", append(demux, "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=width,height", "-of", "csv=p=0", path)...)
	if _, err := fmt.Sscanf(strings.TrimSpace(out), "%d,%d", &w, &h); err != nil {
		t.Fatalf("ffprobe %s: %q: %v", path, out, err)
	}
	return w, h
}

// imgMagic checks that the file at path begins as a picture of format
// does (jpg, png, webp or gif).
func imgMagic(t *testing.T, path, format string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ok := false
	switch format {
	case "jpg":
		ok = bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF})
	case "png":
		ok = bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n"))
	case "webp":
		ok = len(b) > 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
	case "gif":
		ok = bytes.HasPrefix(b, []byte("GIF89a"))
	}
	if !ok {
		t.Fatalf("%s does not begin as a %s file: % x", path, format, b[:min(len(b), 16)])
	}
}

// imgWebPAnimation returns the canvas size and the count of frames of an
// animated WebP (its VP8X and ANMF chunks), which ffmpeg cannot decode.
func imgWebPAnimation(t *testing.T, path string) (w, h int64, frames int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8 : min(len(b), p+8+size)]
		switch id {
		case "VP8X":
			if len(body) >= 10 {
				u24 := func(x []byte) int64 { return int64(x[0]) | int64(x[1])<<8 | int64(x[2])<<16 }
				w, h = u24(body[4:7])+1, u24(body[7:10])+1
			}
		case "ANMF":
			frames++
		}
		p += 8 + size + size&1
	}
	return w, h, frames
}

// imgFramesAt writes frames ns (numbers in presentation order, from one
// full decode of the source) as PNGs, through filter (a scale filter, or
// "null"), and returns their paths by frame number.
func imgFramesAt(t *testing.T, src *Source, ns []int, filter string) map[int]string {
	t.Helper()
	ns = slices.Sorted(slices.Values(ns))
	ns = slices.Compact(ns)
	var sel []string
	for _, n := range ns {
		sel = append(sel, fmt.Sprintf("eq(n\\,%d)", n))
	}
	dir := t.TempDir()
	imgRun(t, "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", src.Path, "-map", "0:v:0",
		"-vf", "select="+strings.Join(sel, "+")+","+filter, "-fps_mode", "passthrough", filepath.Join(dir, "%d.png"))
	frames := map[int]string{}
	for i, n := range ns {
		frames[n] = filepath.Join(dir, strconv.Itoa(i+1)+".png")
		if _, err := os.Stat(frames[n]); err != nil {
			t.Fatalf("the source has no frame %d: %v", n, err)
		}
	}
	return frames
}
