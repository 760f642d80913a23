package clip

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestExact re-encodes a range starting inside a frame and checks it with
// ffmpeg: the frame count and duration of the range, and a first frame that
// is the source frame shown at Start (PSNR at least 40 dB, and higher than
// against the next source frame).
func TestExact(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	const name = "bf2_gop1s.mp4"
	src := fixture(name)
	plan, f := mustPlan(t, name, 1.35, 2.35, true) // the snapped range Exact is given
	f.Close()
	progress := 0.0
	res, err := Exact(context.Background(), ExactParams{
		SrcPath: src, ScratchDir: t.TempDir(), Start: plan.EffectiveStart, End: plan.EffectiveEnd,
		Progress: func(p float64) { progress = p },
	})
	if err != nil {
		t.Fatal(err)
	}
	if progress != 1 {
		t.Errorf("last progress %g, want 1", progress)
	}
	source := decodeFrames(t, src)
	first := -1
	want := 0
	for i, fr := range source {
		if fr.pts >= plan.EffectiveStart-1e-6 && fr.pts < plan.EffectiveEnd-1e-6 {
			if first < 0 {
				first = i
			}
			want++
		}
	}
	got := decodeFrames(t, res.Path)
	if len(got) != want || want != 31 {
		t.Fatalf("exact clip has %d frames, want %d (the source's frames in [%g, %g))", len(got), want, plan.EffectiveStart, plan.EffectiveEnd)
	}
	if math.Abs(res.Duration-float64(want)/30) > 1.0/30 {
		t.Fatalf("exact clip lasts %g s, want %g within a frame", res.Duration, float64(want)/30)
	}
	atStart := psnr(t, res.Path, src, first)
	atNext := psnr(t, res.Path, src, first+1)
	if atStart < 40 || atStart <= atNext {
		t.Fatalf("first frame PSNR: %.1f dB against the frame at Start, %.1f dB against the next; want ≥ 40 and higher", atStart, atNext)
	}
}

var psnrRE = regexp.MustCompile(`average:([0-9.]+|inf)`)

// psnr compares the clip's first frame with the source's frame n.
func psnr(t *testing.T, clipPath, srcPath string, n int) float64 {
	t.Helper()
	filter := "[0:v]trim=end_frame=1,setpts=PTS-STARTPTS[a];" +
		"[1:v]trim=start_frame=" + strconv.Itoa(n) + ":end_frame=" + strconv.Itoa(n+1) + ",setpts=PTS-STARTPTS[b];[a][b]psnr"
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "info", "-i", clipPath, "-i", srcPath,
		"-filter_complex", filter, "-f", "null", "-").CombinedOutput()
	m := psnrRE.FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("no PSNR from ffmpeg (%v):\n%s", err, out)
	}
	if string(m[1]) == "inf" {
		return math.Inf(1)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// TestExactFromURL gives ffmpeg the source as an http URL (as a presigned
// URL of object storage is): the clip has the frames of the range, and the
// source's bytes were read through the URL with ranged requests.
func TestExactFromURL(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	const name = "bf2_gop1s.mp4"
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.ServeFile(w, r, fixture(name))
	}))
	defer srv.Close()
	plan, f := mustPlan(t, name, 1.35, 2.35, true)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Exact(context.Background(), ExactParams{
		SrcURL: srv.URL + "/src.mp4?X-Amz-Signature=abc", Src: f, SrcSize: fi.Size(),
		ScratchDir: t.TempDir(), Start: plan.EffectiveStart, End: plan.EffectiveEnd,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(decodeFrames(t, res.Path)); got != 31 {
		t.Fatalf("exact clip from a URL has %d frames, want 31", got)
	}
	if requests.Load() == 0 {
		t.Fatal("ffmpeg made no request to the source URL")
	}
	// A URL of another scheme is refused before ffmpeg runs.
	_, err = Exact(context.Background(), ExactParams{SrcURL: "ftp://example.com/a.mp4", Src: f, SrcSize: fi.Size(),
		ScratchDir: t.TempDir(), Start: 0, End: 1})
	if err == nil || !strings.Contains(err.Error(), "http(s) URL") {
		t.Fatalf("Exact of an ftp URL: %v, want the refusal", err)
	}
}
