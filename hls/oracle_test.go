package hls

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
