package clip

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/openvod/openvod/mp4"
)

// oracleCases are cuts checked against ffmpeg's decode of the source.
var oracleCases = []struct {
	name       string
	start, end float64
	hide       bool
}{
	// B-frames, closed 1 s GOP.
	{"bf2_gop1s.mp4", 2.5, 4.25, true},  // start off a keyframe, mid-GOP end
	{"bf2_gop1s.mp4", 2.0, 3.0, true},   // start on a keyframe
	{"bf2_gop1s.mp4", 0, 1.5, true},     // start 0
	{"bf2_gop1s.mp4", 3.31, 6.0, true},  // start inside a frame; end = duration
	{"bf2_gop1s.mp4", 4.0, 6.02, true},  // end past the duration by < 1 frame
	{"bf2_gop1s.mp4", 0, 6.0, true},     // everything
	{"bf2_gop1s.mp4", 1.01, 1.05, true}, // two frames
	{"bf2_gop1s.mp4", 2.5, 4.25, false}, // keyframe start, nothing hidden
	// No B-frames, 8 s GOP.
	{"bf0_gop8s.mp4", 9.5, 12.0, true},
	{"bf0_gop8s.mp4", 16.0, 20.0, true},
	{"bf0_gop8s.mp4", 0.7, 3.2, true},
	{"bf0_gop8s.mp4", 9.5, 12.0, false},
	// B-pyramid, x264's default 8.33 s GOP, moov at the end.
	{"moov_end_gop8s.mp4", 5.0, 9.0, true},
	{"moov_end_gop8s.mp4", 8.5, 10.0, true},
	{"moov_end_gop8s.mp4", 3.3, 7.7, false},
	// A clip of a clip: the source has edit lists and moov at the end.
	{"clip_editlist.mp4", 0, 1.0, true},
	{"clip_editlist.mp4", 0.5, 3.5, true},
	{"clip_editlist.mp4", 0.8, 2.0, false},
	// Rotation, video only, audio only.
	{"rotate90.mp4", 0.5, 2.5, true},
	{"video_only.mp4", 1.2, 2.9, true},
	{"aac_only.m4a", 1.3, 3.7, true},
	{"aac_only.m4a", 0, 4.0, true},
	// HEVC (closed GOP) with MP3; other audio codecs.
	{"hevc_mp3.mp4", 1.2, 2.8, true},
	{"opus.mp4", 1.1, 2.6, true},
	{"ac3.mp4", 1.1, 2.6, true},
	{"flac.mp4", 1.1, 2.6, true},
	// Audio that starts 0.5 s late (an empty edit): a cut starting before
	// it, one after it.
	{"audio_delay.mp4", 0.2, 2.5, true},
	{"audio_delay.mp4", 1.2, 2.9, true},
	// Open GOP H.264 cut where decoding starts at the first (IDR) frame.
	{"h264_opengop.mp4", 0.2, 0.9, true},
	// HEVC open GOP (CRA pictures with RASL pictures; see
	// docs/architecture.md): decoding starts at the first IDR frame, at a
	// CRA whose RASL pictures are left out, or, when the frame at the
	// start is a RASL picture, at the sync sample before its CRA.
	{"hevc_opengop.mp4", 0.2, 0.9, true},
	{"hevc_opengop.mp4", 1.5, 2.5, true},   // from the CRA at 1 s, across the next one
	{"hevc_opengop.mp4", 1.0, 1.5, false},  // at the CRA, nothing hidden
	{"hevc_opengop.mp4", 0.97, 1.5, true},  // the RASL frame at 0.967 s: from the IDR
	{"hevc_opengop.mp4", 1.97, 3.0, false}, // the RASL frame at 1.967 s: from the CRA at 1 s
	// x265's defaults (preset medium, open GOP) with keyint 50 at 25 fps:
	// CRA at 2 s and 4 s, each with 3 RASL pictures (1.88 to 1.96 s and
	// 3.88 to 3.96 s), one of them RASL_R; AAC.
	{"hevc_x265_default.mp4", 2.0, 3.0, true},
	{"hevc_x265_default.mp4", 2.5, 4.5, true},
	{"hevc_x265_default.mp4", 2.5, 4.5, false},
	{"hevc_x265_default.mp4", 1.9, 2.6, true},
	{"hevc_x265_default.mp4", 3.95, 5.5, true},
	{"hevc_x265_default.mp4", 4.0, 6.0, false},
	{"hevc_x265_default.mp4", 0, 6.0, true},
}

// TestFastMatchesFFmpeg cuts the fixtures and compares each clip with
// ffmpeg's decode of its source: the video frames shown are those the
// source shows over [EffectiveStart, EffectiveEnd) (from the keyframe with
// HideLeadIn false), frame for frame by MD5; the first frame is the frame
// at the start; the duration is exact; the audio is aligned at lag 0; the
// codec configuration and the rotation are kept.
func TestFastMatchesFFmpeg(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	for _, tc := range oracleCases {
		t.Run(fmt.Sprintf("%s/%g-%g/hide=%v", tc.name, tc.start, tc.end, tc.hide), func(t *testing.T) {
			t.Parallel()
			p, src := mustPlan(t, tc.name, tc.start, tc.end, tc.hide)
			out := writeClip(t, p, src)
			want := decodeSource(t, tc.name)

			// A well-formed fast-start file of the planned duration.
			f, m := openMovie(t, out)
			info, err := Verify(f, p.Size, p.Duration)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if math.Abs(info.Duration-p.Duration) > 1e-3 {
				t.Errorf("parsed duration %.4f, plan %.4f", info.Duration, p.Duration)
			}
			got := probe(t, out)
			if d := parseF(got.Format.Duration); math.Abs(d-p.Duration) > 1e-3 {
				t.Errorf("ffprobe duration %.4f, plan %.4f", d, p.Duration)
			}
			if math.Abs(p.Duration-(p.EffectiveEnd-p.EffectiveStart)) > 1e-9 {
				t.Errorf("Duration %.6f is not EffectiveEnd-EffectiveStart %.6f", p.Duration, p.EffectiveEnd-p.EffectiveStart)
			}
			if !tc.hide {
				if p.LeadIn != 0 || p.EffectiveStart != p.KeyframeTime {
					t.Errorf("HideLeadIn false: LeadIn %.4f, EffectiveStart %.4f, KeyframeTime %.4f", p.LeadIn, p.EffectiveStart, p.KeyframeTime)
				}
				for _, tr := range p.Tracks {
					if tr.Handler == "vide" && tr.Hidden != 0 {
						t.Errorf("HideLeadIn false: video track %d hides %d samples", tr.ID, tr.Hidden)
					}
				}
			}

			// Streams: codec, configuration (extradata) and rotation as in
			// the source.
			if len(got.Streams) != len(want.probe.Streams) {
				t.Fatalf("%d streams, source has %d", len(got.Streams), len(want.probe.Streams))
			}
			for i, s := range got.Streams {
				if w := want.probe.Streams[i]; s.signature() != w.signature() {
					t.Errorf("stream %d:\n got %s\nwant %s", i, s.signature(), w.signature())
				}
			}
			for i, tr := range m.Tracks {
				if string(tr.Boxes.Stsd) != string(srcTrack(t, src, tr.ID).Boxes.Stsd) {
					t.Errorf("track %d (%d): stsd differs from the source's", i, tr.ID)
				}
				if tr.Matrix != srcTrack(t, src, tr.ID).Matrix {
					t.Errorf("track %d: matrix %v, source %v", tr.ID, tr.Matrix, srcTrack(t, src, tr.ID).Matrix)
				}
			}

			// Video: frame for frame.
			if want.frames != nil {
				from := p.EffectiveStart
				if !tc.hide {
					from = p.KeyframeTime
				}
				var wantFrames []decodedFrame
				for _, fr := range want.frames {
					if fr.pts >= from-1e-3 && fr.pts < p.EffectiveEnd-1e-3 {
						wantFrames = append(wantFrames, fr)
					}
				}
				gotFrames := decodeFrames(t, out)
				if len(gotFrames) != len(wantFrames) {
					t.Errorf("%d frames, want %d (source frames in [%.4f, %.4f))", len(gotFrames), len(wantFrames), from, p.EffectiveEnd)
				}
				for i := range min(len(gotFrames), len(wantFrames)) {
					if gotFrames[i].hash != wantFrames[i].hash {
						t.Errorf("frame %d (source pts %.4f) differs", i, wantFrames[i].pts)
						break
					}
				}
				if len(gotFrames) > 0 && math.Abs(gotFrames[0].pts) > 1e-3 {
					t.Errorf("first frame at %.4f, want 0", gotFrames[0].pts)
				}
			}

			// Audio: the clip's samples are the source's from the start, at
			// lag 0.
			if want.pcm != nil {
				// PCM sample 0 is the audio stream's start time, in the
				// source and in the clip: clip time t is source time
				// EffectiveStart + t.
				rate, srcStart := audioStream(t, want.probe)
				_, clipStart := audioStream(t, got)
				pcm := decodePCM(t, out)
				off := int(math.Round((p.EffectiveStart + clipStart - srcStart) * rate))
				n := min(int(math.Round((p.Duration-clipStart)*rate)), len(want.pcm)-off)
				if len(pcm) < n-2048 {
					t.Errorf("clip has %d audio samples, want at least %d", len(pcm), n-2048)
				}
				snr, lag := audioMatch(want.pcm, pcm, off, min(n, len(pcm)), 48)
				t.Logf("audio: %d samples, SNR %.1f dB at lag 0, best lag %d", len(pcm), snr, lag)
				if lag != 0 || snr < 30 {
					t.Errorf("audio SNR %.1f dB at lag 0, best lag %d; want lag 0 and at least 30 dB", snr, lag)
				}
			}
		})
	}
}

// srcTrack returns track id of the file f.
func srcTrack(tb testing.TB, f *os.File, id uint32) *mp4.Track {
	tb.Helper()
	_, m := openMovie(tb, f.Name())
	for _, t := range m.Tracks {
		if t.ID == id {
			return t
		}
	}
	tb.Fatalf("source has no track %d", id)
	return nil
}

// parseF parses a float printed by ffprobe.
func parseF(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// audioStream returns the sample rate and the start time of the first
// audio stream.
func audioStream(tb testing.TB, r probeResult) (rate, start float64) {
	tb.Helper()
	for _, s := range r.Streams {
		if s.CodecType == "audio" {
			return parseF(s.SampleRate), parseF(s.StartTime)
		}
	}
	tb.Fatal("no audio stream")
	return 0, 0
}
