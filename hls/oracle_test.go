package hls

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var timeZero time.Time

// oracleFixtures are the sources of the clip oracle tests that HLS
// packages (H.264, HEVC, AAC).
var oracleFixtures = []string{
	"bf2_gop1s.mp4",          // B-frames, 1 s GOP
	"bf0_gop8s.mp4",          // no B-frames, 8 s GOP: segments longer than the target
	"moov_end_gop8s.mp4",     // B-pyramid, moov at the end
	"clip_editlist.mp4",      // a clip of a clip: hidden lead-in frames, AAC pre-roll
	"rotate90.mp4",           // rotation
	"video_only.mp4",         // no audio
	"aac_only.m4a",           // no video, mono 44.1 kHz
	"audio_delay.mp4",        // audio starting 0.5 s late
	"hevc_x265_default.mp4",  // HEVC open GOP (x265 defaults)
	"hevc_opengop.mp4",       // HEVC open GOP, CRA every second
	"ntsc_mono.mp4",          // generated: 29.97 fps, mono 44.1 kHz AAC
	"vfr.mp4",                // generated: variable frame rate
	"h264_aac_faststart.mp4", // mp4/testdata: H.264 High + AAC
	"h264_aac_moov_end.mp4",
}

// TestFFmpegDecodesLikeSource decodes the master playlist of each fixture
// with ffmpeg and compares what it decodes with ffmpeg's decode of the
// source. ffmpeg's HLS reader does not apply the init segment's edit list
// (docs/streaming.md): it also shows the video samples the source's edit
// list hides (a lead-in before the first frame shown) and plays the audio
// the edit list skips (AAC priming). So the video frames must equal the
// source's after the hidden ones, and the audio samples after the skipped
// ones, exactly.
func TestFFmpegDecodesLikeSource(t *testing.T) {
	requireFFmpeg(t)
	for _, name := range oracleFixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, ix := openIndex(t, name, Options{Target: 2 * time.Second})
			url := serve(t, ix, f) + "/" + MasterName
			for _, tr := range ix.Tracks {
				if tr.Video {
					hidden := 0
					for _, s := range tr.s.All() {
						if s.PTS() < tr.periods[0].mediaTime {
							hidden++
						}
					}
					want := frameHashes(t, fixture(name), "v")
					got := frameHashes(t, url, "v")
					if len(got) != hidden+len(want) || !slices.Equal(got[hidden:], want) {
						t.Errorf("video: %d frames decoded from HLS, %d from the source and %d hidden; first differing at %d", len(got), len(want), hidden, firstDiff(got[min(hidden, len(got)):], want))
					}
					continue
				}
				if rate := tr.t.SampleEntries[0].SampleRate; rate != tr.t.Timescale {
					t.Fatalf("audio timescale %d is not the sample rate %d", tr.t.Timescale, rate)
				}
				skip := int(tr.periods[0].mediaTime)
				want := pcm(t, fixture(name))
				got := pcm(t, url)
				if len(got) < skip+len(want) || len(got) > skip+len(want)+1024 {
					t.Fatalf("audio: %d samples decoded from HLS, %d from the source, %d skipped by the edit list", len(got), len(want), skip)
				}
				if i := firstDiff16(got[skip:skip+len(want)], want); i >= 0 {
					t.Errorf("audio: sample %d of %d differs", i, len(want))
				}
			}
		})
	}
}

func firstDiff16(a, b []int16) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestSegmentsDecodeAlone decodes each video segment on its own, after the
// init segment, as a player joining there does: for closed-GOP sources the
// segments' frames, one after the other, are the source's frames.
func TestSegmentsDecodeAlone(t *testing.T) {
	requireFFmpeg(t)
	for _, name := range []string{"bf2_gop1s.mp4", "moov_end_gop8s.mp4", "ntsc_mono.mp4", "vfr.mp4"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, ix := openIndex(t, name, Options{Target: 2 * time.Second})
			tr := ix.Tracks[0]
			dir := t.TempDir()
			var got []string
			for n := range tr.Segments {
				seg, err := tr.Segment(f, n)
				if err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(dir, strconv.Itoa(n)+".mp4")
				if err := os.WriteFile(p, append(slices.Clone(tr.Init()), seg...), 0o644); err != nil {
					t.Fatal(err)
				}
				got = append(got, frameHashes(t, p, "v")...)
			}
			want := frameHashes(t, fixture(name), "v")
			if len(tr.Segments) < 2 || !slices.Equal(got, want) {
				t.Errorf("%d segments decoded alone give %d frames, the source %d; first differing at %d", len(tr.Segments), len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

// joinFixtures are the joined sources (see joined) in a fixed order.
var joinFixtures = []string{"join_bf2.mp4", "join_gop8s.mp4", "join_delay.mp4", "join_hevc.mp4", "join_aac.m4a"}

// TestFFmpegDecodesJoins decodes the master playlist of each join (an
// edit list with one media entry per piece, packaged as periods) with
// ffmpeg and compares it with ffmpeg's decode of the joined MP4 (each
// stream as ffmpeg's HLS reader demuxes it, copied to an elementary stream
// first: see elementary). ffmpeg's HLS reader applies no edit list (docs/streaming.md): it decodes every
// sample of the segments and shows every frame, where its MP4 reader shows
// only those of each media entry. So the video frames from HLS, each
// period's in composition order, less those composed outside their
// period's entry, must be the MP4's, MD5 for MD5. The audio from HLS,
// each period's slice as ffmpeg's MP4 reader cuts it (the first entry
// from its media time to the end of the frame holding its end, the others
// from the first frame starting inside them), must be the MP4's (less
// what that reader outputs in an empty edit after the first media edit,
// where the edit list presents nothing): the first period sample for
// sample, the others within a 30 dB SNR (ffmpeg's MP4 reader feeds its
// AAC decoder the frames before a later entry again, which moves the
// decoder's noise generator: frames with perceptual noise substitution
// differ).
func TestFFmpegDecodesJoins(t *testing.T) {
	requireFFmpeg(t)
	for _, name := range joinFixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, ix := openIndex(t, name, Options{Target: 2 * time.Second})
			url := serve(t, ix, f) + "/" + MasterName
			for _, tr := range ix.Tracks {
				if n := len(joined[name]); len(tr.periods) != n || tr.Segments[len(tr.Segments)-1].Period != n-1 {
					t.Fatalf("%s: %d periods, the last segment in period %d; want %d", tr.Name, len(tr.periods), tr.Segments[len(tr.Segments)-1].Period, n)
				}
				if tr.Video {
					want := frameHashes(t, fixture(name), "v")
					got := frameHashes(t, elementary(t, url, "v", tr), "v")
					shown, total := shownFrames(tr)
					if len(got) != len(shown) {
						t.Fatalf("video: %d frames decoded from HLS, %d samples in its segments", len(got), len(shown))
					}
					var kept []string
					for i, ok := range shown {
						if ok {
							kept = append(kept, got[i])
						}
					}
					if !slices.Equal(kept, want) {
						t.Errorf("video: %d frames from HLS (%d shown by the edits, %d samples), %d from the MP4; first differing at %d", len(got), len(kept), total, len(want), firstDiff(kept, want))
					}
					continue
				}
				want, got := pcmPresented(t, fixture(name), tr), pcm(t, elementary(t, url, "a", tr))
				samples := 0
				for _, seg := range tr.Segments {
					samples += seg.Samples
				}
				if len(got)%samples != 0 {
					t.Fatalf("audio: %d samples decoded from %d frames", len(got), samples)
				}
				slices := audioSlices(tr, len(got)/samples)
				n := 0
				for _, s := range slices {
					n += s[1] - s[0]
				}
				if n != len(want) || slices[len(slices)-1][1] != len(got) {
					t.Fatalf("audio: the slices %v of the %d HLS samples hold %d, the MP4 decodes %d", slices, len(got), n, len(want))
				}
				at := 0
				for p, s := range slices {
					a, b := got[s[0]:s[1]], want[at:at+s[1]-s[0]]
					at += len(a)
					if p == 0 {
						if i := firstDiff16(a, b); i >= 0 {
							t.Errorf("audio: period 0: sample %d of %d differs", i, len(a))
						}
						continue
					}
					snr := snrDB(a, b)
					t.Logf("audio: period %d: SNR %.1f dB", p, snr)
					if snr < 30 {
						t.Errorf("audio: period %d: SNR %.1f dB, want at least 30", p, snr)
					}
				}
			}
		})
	}
}

// shownFrames returns, for each sample of a video track's segments in the
// order ffmpeg outputs their frames (each period's in composition order),
// whether the period's media entry shows it, and their number.
func shownFrames(tr *Track) ([]bool, int) {
	var shown []bool
	total := 0
	for p := range tr.periods {
		pd := &tr.periods[p]
		var pts []int64
		for _, seg := range tr.Segments {
			if seg.Period != p {
				continue
			}
			for _, s := range tr.s.Range(seg.FirstSample, seg.FirstSample+seg.Samples) {
				pts = append(pts, s.PTS())
			}
		}
		slices.Sort(pts)
		for _, v := range pts {
			shown = append(shown, v >= pd.mediaTime && v < pd.mediaEnd)
		}
		total += len(pts)
	}
	return shown, total
}

// audioSlices returns the [start, end) ranges of the samples decoded from
// an audio track's segments (all of them, in order; frame samples each)
// that ffmpeg's MP4 reader decodes for each media entry: the first entry
// from its media time, the others from the first frame composed at or
// after it; to the end of the last frame composed before the entry's end
// (the last entry: to the end).
func audioSlices(tr *Track, frame int) [][2]int {
	var out [][2]int
	pos := 0
	for p := range tr.periods {
		pd := &tr.periods[p]
		start, end := -1, 0
		for _, seg := range tr.Segments {
			if seg.Period != p {
				continue
			}
			for i, s := range tr.s.Range(seg.FirstSample, seg.FirstSample+seg.Samples) {
				switch {
				case p == 0 && i == 0:
					start = pos + int(pd.mediaTime-s.PTS())
				case start < 0 && s.PTS() >= pd.mediaTime:
					start = pos
				}
				pos += frame
				if s.PTS() < pd.mediaEnd {
					end = pos
				}
			}
		}
		out = append(out, [2]int{start, end})
	}
	out[len(out)-1][1] = pos
	return out
}

// pcmPresented decodes the first audio track tr of the MP4 at path as pcm
// does, less the frames that ffmpeg's MP4 reader outputs in the track's
// empty edits after its first media edit, where the edit list presents
// nothing (it decodes frames there again).
func pcmPresented(tb testing.TB, path string, tr *Track) []int16 {
	tb.Helper()
	var gaps [][2]float64
	var at uint64
	media := false
	for _, e := range tr.t.Edits {
		if e.MediaTime == -1 && media {
			gaps = append(gaps, [2]float64{float64(at) / float64(tr.mts), float64(at+e.SegmentDuration) / float64(tr.mts)})
		}
		media = media || e.MediaTime != -1
		at += e.SegmentDuration
	}
	all := pcm(tb, path)
	if len(gaps) == 0 {
		return all
	}
	out := ffmpeg(tb, "-i", path, "-map", "0:a:0", "-ac", "1", "-c:a", "pcm_s16le", "-f", "framemd5", "-")
	var kept []int16
	pos := 0
	for tbase, f := range framemd5Rows(out) {
		pts, err1 := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		size, err2 := strconv.Atoi(strings.TrimSpace(f[4]))
		if err1 != nil || err2 != nil || pos+size/2 > len(all) {
			tb.Fatalf("framemd5 row %q", f)
		}
		t := float64(pts) * tbase
		inGap := false
		for _, g := range gaps {
			inGap = inGap || (t >= g[0]-1e-6 && t < g[1]-1e-6)
		}
		if !inGap {
			kept = append(kept, all[pos:pos+size/2]...)
		}
		pos += size / 2
	}
	return kept
}

// snrDB returns the signal-to-noise ratio of b against a, in dB.
func snrDB(a, b []int16) float64 {
	var sig, noise float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sig, noise = sig+float64(a[i])*float64(a[i]), noise+d*d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}
