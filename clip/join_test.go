package clip

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// joinRange is a range of a fixture, one piece of a join.
type joinRange struct {
	name       string
	start, end float64
}

// joinCases are joins checked against ffmpeg's decode of the sources.
var joinCases = [][]joinRange{
	// B-frames, 1 s GOP: out of order, overlapping, a start inside a frame
	// and an end at the duration.
	{{"bf2_gop1s.mp4", 2.5, 4.25}, {"bf2_gop1s.mp4", 0.5, 1.5}, {"bf2_gop1s.mp4", 3.31, 6.0}},
	// Two files made with the same settings.
	{{"bf2_gop1s.mp4", 1.2, 2.7}, {"bf2_gop1s_b.mp4", 2.5, 4.0}, {"bf2_gop1s.mp4", 0, 1.0}},
	// Long GOP (8 s), no B-frames, mono AAC.
	{{"bf0_gop8s.mp4", 9.5, 12.0}, {"bf0_gop8s.mp4", 2.0, 3.0}, {"bf0_gop8s.mp4", 16.0, 20.0}},
	// NTSC 29.97 fps.
	{{"ntsc2997.mp4", 1.1, 2.3}, {"ntsc2997.mp4", 4.0, 5.5}},
	// Variable frame rate.
	{{"vfr.mp4", 0.5, 2.0}, {"vfr.mp4", 3.3, 4.9}},
	// HEVC closed GOP with MP3 mono 44.1 kHz; HEVC open GOP (RASL left out).
	{{"hevc_mp3.mp4", 1.2, 2.8}, {"hevc_mp3.mp4", 0.3, 1.0}},
	{{"hevc_x265_default.mp4", 2.5, 4.5}, {"hevc_x265_default.mp4", 1.9, 2.6}},
	// AAC only, mono 44.1 kHz.
	{{"aac_only.m4a", 1.3, 2.1}, {"aac_only.m4a", 0.2, 1.0}, {"aac_only.m4a", 3.0, 4.0}},
	// moov at the end, B-pyramid; rotation.
	{{"moov_end_gop8s.mp4", 5.0, 9.0}, {"moov_end_gop8s.mp4", 8.5, 10.0}},
	{{"rotate90.mp4", 0.5, 1.5}, {"rotate90.mp4", 1.7, 2.5}},
}

// joinName names a join case.
func joinName(rs []joinRange) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s:%g-%g", strings.TrimSuffix(r.name, filepath.Ext(r.name)), r.start, r.end))
	}
	return strings.Join(parts, "+")
}

// joinFixtures joins ranges of fixtures with JoinFile into a temporary
// file.
func joinFixtures(tb testing.TB, rs []joinRange) (*JoinPlan, string) {
	tb.Helper()
	var fps []FilePiece
	for _, r := range rs {
		fps = append(fps, FilePiece{Path: fixture(r.name), Start: r.start, End: r.end})
	}
	out := filepath.Join(tb.TempDir(), "join.mp4")
	jp, err := JoinFile(out, fps)
	if err != nil {
		tb.Fatalf("JoinFile(%s): %v", joinName(rs), err)
	}
	return jp, out
}

// TestJoinMatchesFFmpeg joins ranges of the fixtures and compares the
// output with ffmpeg's decode of the sources: the video frames are the
// concatenation of the frames each source shows over its piece's
// effective range, frame for frame by MD5, each piece's first frame at
// its OutputStart by ffmpeg's timestamps; the duration is the sum of the
// pieces'; the audio of each piece, placed by ffmpeg's timestamps, is its
// source's from the piece's start at lag 0 against the piece's
// OutputStart (A/V sync), and within one AAC frame of it counted from the
// start (as Chromium plays it); the decoded sample count is the sum of
// the pieces' within one AAC frame per piece.
func TestJoinMatchesFFmpeg(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	for _, rs := range joinCases {
		t.Run(joinName(rs), func(t *testing.T) {
			t.Parallel()
			jp, out := joinFixtures(t, rs)
			f, _ := openMovie(t, out)
			if _, err := Verify(f, jp.Size, jp.Duration); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			var sum float64
			for i, pc := range jp.Pieces {
				if math.Abs(pc.OutputStart-sum) > 1e-9 {
					t.Errorf("piece %d: OutputStart %.6f, the pieces before last %.6f", i, pc.OutputStart, sum)
				}
				sum += pc.Duration
			}
			if math.Abs(jp.Duration-sum) > 1e-9 {
				t.Errorf("Duration %.6f, the pieces' sum %.6f", jp.Duration, sum)
			}
			got := probe(t, out)
			if d := parseF(got.Format.Duration); math.Abs(d-jp.Duration) > 1e-3 {
				t.Errorf("ffprobe duration %.4f, plan %.4f", d, jp.Duration)
			}
			first := decodeSource(t, rs[0].name)
			if len(got.Streams) != len(first.probe.Streams) {
				t.Fatalf("%d streams, source has %d", len(got.Streams), len(first.probe.Streams))
			}
			for i, s := range got.Streams {
				if w := first.probe.Streams[i]; s.signature() != w.signature() {
					t.Errorf("stream %d:\n got %s\nwant %s", i, s.signature(), w.signature())
				}
			}

			if first.frames != nil {
				var want []decodedFrame
				var starts []int // index in want of each piece's first frame
				for i, r := range rs {
					pc := jp.Pieces[i]
					starts = append(starts, len(want))
					for _, fr := range decodeSource(t, r.name).frames {
						if fr.pts >= pc.EffectiveStart-1e-3 && fr.pts < pc.EffectiveEnd-1e-3 {
							want = append(want, fr)
						}
					}
				}
				gotFrames := decodeFrames(t, out)
				if len(gotFrames) != len(want) {
					t.Errorf("%d frames, want %d", len(gotFrames), len(want))
				}
				for i := range min(len(gotFrames), len(want)) {
					if gotFrames[i].hash != want[i].hash {
						t.Errorf("frame %d (source pts %.4f) differs", i, want[i].pts)
						break
					}
				}
				// ffmpeg places each piece's first frame at its OutputStart
				// (the edit list itself is checked by checkJoinEdits): 0 s
				// off in every case here; an edit whose duration is not a
				// whole number of media ticks could make it one tick.
				for i, k := range starts {
					if k >= len(gotFrames) {
						break
					}
					d := gotFrames[k].pts - jp.Pieces[i].OutputStart
					if math.Abs(d) > 1e-6 {
						t.Errorf("piece %d: ffmpeg shows the first frame at %.6f, want %.6f", i, gotFrames[k].pts, jp.Pieces[i].OutputStart)
					}
				}
			}
			checkJoinEdits(t, out, jp)

			if first.pcm != nil {
				rate, clipStart := audioStream(t, got)
				// As players place it by its timestamps (ffplay, mpv), and as
				// the decoder gives it (Chromium counts samples from the
				// first timestamp).
				placed := decodePCM(t, out, "-af", "aresample=async=1:min_hard_comp=0:first_pts=0")
				pcm := decodePCM(t, out)
				want := int(math.Round(jp.Duration * rate))
				if d := len(pcm) - want; d < -1024*len(rs) || d > 1024*len(rs) {
					t.Errorf("%d audio samples, want %d within %d", len(pcm), want, 1024*len(rs))
				}
				for i, r := range rs {
					src := decodeSource(t, r.name)
					_, srcStart := audioStream(t, src.probe)
					pc := jp.Pieces[i]
					// Skip a frame at either end of the piece.
					skip := 1024 / rate
					off := int(math.Round((pc.EffectiveStart + skip - srcStart) * rate))
					n := int(math.Round((pc.Duration - 2*skip) * rate))
					at := int(math.Round((pc.OutputStart + skip) * rate))
					if at >= len(placed) || n <= 0 {
						t.Errorf("piece %d: no audio at %d of %d samples", i, at, len(placed))
						continue
					}
					snr, lag := audioMatch(src.pcm, placed[at:], off, min(n, len(placed)-at), 1100)
					at = int(math.Round((pc.OutputStart + skip - clipStart) * rate))
					_, lagCount := audioMatch(src.pcm, pcm[min(at, len(pcm)):], off, min(n, len(pcm)-at), 1100)
					t.Logf("piece %d audio: lag %d samples (SNR %.1f dB at lag 0) by timestamps, %d counted", i, lag, snr, lagCount)
					if lag != 0 || snr < 30 {
						t.Errorf("piece %d: audio by timestamps: SNR %.1f dB at lag 0, best lag %d; want lag 0 and at least 30 dB", i, snr, lag)
					}
					// Counted, the audio of the pieces after the first is off
					// by what ffmpeg drops or keeps of the AAC frames cut by
					// each piece's ends (832 samples at most here).
					if lagCount < -1024 || lagCount > 1024 {
						t.Errorf("piece %d: audio counted: lag %d samples, more than one AAC frame", i, lagCount)
					}
				}
			}
		})
	}
}

// checkJoinEdits checks the output's edit lists: every track has one
// media edit per piece, starting at the piece's OutputStart (after the
// track's empty edit when it starts late in the piece, by less than a
// frame) and lasting at most the piece's duration, and the video edits
// start at the composition time of a frame.
func checkJoinEdits(tb testing.TB, path string, jp *JoinPlan) {
	tb.Helper()
	_, m := openMovie(tb, path)
	mts := float64(m.Timescale)
	for _, tr := range m.Tracks {
		s, err := tr.Samples()
		if err != nil {
			tb.Fatal(err)
		}
		cts := map[int64]bool{}
		for _, smp := range s.All() {
			cts[smp.PTS()] = true
		}
		var at uint64
		piece := 0
		for _, e := range tr.Edits {
			if e.MediaTime != -1 {
				if piece >= len(jp.Pieces) {
					tb.Errorf("track %d: more media edits than pieces", tr.ID)
					break
				}
				pc := jp.Pieces[piece]
				start := float64(at) / mts
				if start < pc.OutputStart-1e-9 || start > pc.OutputStart+0.05 {
					tb.Errorf("track %d: piece %d's edit starts at %.6f, the piece at %.6f", tr.ID, piece, start, pc.OutputStart)
				}
				if end := float64(at+e.SegmentDuration) / mts; end > pc.OutputStart+pc.Duration+1e-9 {
					tb.Errorf("track %d: piece %d's edit ends at %.6f, after the piece (%.6f)", tr.ID, piece, end, pc.OutputStart+pc.Duration)
				}
				if tr.Handler == "vide" && !cts[e.MediaTime] {
					tb.Errorf("track %d: piece %d's edit starts at media time %d, not a frame's", tr.ID, piece, e.MediaTime)
				}
				piece++
			}
			at += e.SegmentDuration
		}
		if piece != len(jp.Pieces) {
			tb.Errorf("track %d: %d media edits, %d pieces", tr.ID, piece, len(jp.Pieces))
		}
		if d := float64(at) / mts; d > jp.Duration+1e-9 {
			tb.Errorf("track %d: edits last %.6f s, the join %.6f s", tr.ID, d, jp.Duration)
		}
	}
}

// TestJoinOnePieceIsCut: the join of one range is PlanFast's clip of it
// with HideLeadIn, byte for byte.
func TestJoinOnePieceIsCut(t *testing.T) {
	t.Parallel()
	for _, tc := range oracleCases {
		if !tc.hide {
			continue
		}
		p, src := mustPlan(t, tc.name, tc.start, tc.end, true)
		var cut bytes.Buffer
		if _, err := p.WriteTo(&cut, src); err != nil {
			t.Fatal(err)
		}
		_, m := openMovie(t, fixture(tc.name))
		jp, err := PlanJoin([]Piece{{Movie: m, Src: src, Start: tc.start, End: tc.end}})
		if err != nil {
			t.Fatalf("%s %g-%g: PlanJoin: %v", tc.name, tc.start, tc.end, err)
		}
		var join bytes.Buffer
		n, err := jp.WriteTo(&join)
		if err != nil || n != jp.Size {
			t.Fatalf("%s: WriteTo: %d bytes of %d, %v", tc.name, n, jp.Size, err)
		}
		if !bytes.Equal(join.Bytes(), cut.Bytes()) {
			t.Errorf("%s %g-%g: the join of one piece (%d bytes) differs from the cut (%d bytes)", tc.name, tc.start, tc.end, join.Len(), cut.Len())
		}
		pc := jp.Pieces[0]
		if pc.EffectiveStart != p.EffectiveStart || pc.EffectiveEnd != p.EffectiveEnd || pc.Duration != p.Duration || pc.LeadIn != p.LeadIn || pc.OutputStart != 0 || jp.Duration != p.Duration {
			t.Errorf("%s: piece %+v, plan %+v", tc.name, pc, p)
		}
		if jp.MediaBytes != p.MediaBytes || jp.Runs != p.Runs || len(jp.Tracks) != len(p.Tracks) {
			t.Errorf("%s: join MediaBytes %d Runs %d, cut %d %d", tc.name, jp.MediaBytes, jp.Runs, p.MediaBytes, p.Runs)
		}
	}
}

// TestJoinFileSinglePass: JoinFile of three ranges (two files) copies
// each piece's samples once, in the runs a cut of the range would copy, and
// writes the planned size.
func TestJoinFileSinglePass(t *testing.T) {
	t.Parallel()
	rs := []joinRange{{"bf2_gop1s.mp4", 0.5, 2.5}, {"bf2_gop1s_b.mp4", 1.2, 5.9}, {"bf2_gop1s.mp4", 3.5, 6}}
	jp, out := joinFixtures(t, rs)
	var media int64
	runs, samples := 0, 0
	for _, r := range rs {
		p, _ := mustPlan(t, r.name, r.start, r.end, true)
		media += p.MediaBytes
		runs += p.Runs
		for _, tr := range p.Tracks {
			samples += tr.Samples
		}
	}
	if jp.MediaBytes != media || jp.Runs != runs {
		t.Errorf("join copies %d bytes in %d runs; the cuts of its pieces %d bytes in %d runs", jp.MediaBytes, jp.Runs, media, runs)
	}
	for _, tr := range jp.Tracks {
		samples -= tr.Samples
	}
	if samples != 0 {
		t.Errorf("the join's tracks have %d samples more than the cuts'", -samples)
	}
	st, err := os.Stat(out)
	if err != nil || st.Size() != jp.Size || jp.Size != int64(len(jp.head))+jp.MediaBytes {
		t.Errorf("file of %v bytes (%v), plan %d = head %d + media %d", st.Size(), err, jp.Size, len(jp.head), jp.MediaBytes)
	}
}

// TestJoinErrors: pieces that differ give a *MismatchError naming the
// piece and the track, a bad range a *PieceError wrapping the
// *RangeError, with the piece's index.
func TestJoinErrors(t *testing.T) {
	t.Parallel()
	mismatch := []struct {
		rs      []joinRange
		index   int
		handler string
		reason  string
	}{
		{[]joinRange{{"bf2_gop1s.mp4", 1, 2}, {"bf2_gop1s.mp4", 3, 4}, {"bf0_gop8s.mp4", 1, 2}}, 2, "vide", "size 160x120"},
		{[]joinRange{{"bf2_gop1s.mp4", 1, 2}, {"hevc_mp3.mp4", 1, 2}}, 1, "vide", "sample entry"},
		{[]joinRange{{"bf2_gop1s.mp4", 1, 2}, {"video_only.mp4", 1, 2}}, 1, "", "tracks vide, the first piece has vide+soun"},
		{[]joinRange{{"video_only.mp4", 1, 2}, {"rotate90.mp4", 1, 2}}, 1, "", "tracks vide+soun"},
		{[]joinRange{{"bf0_gop8s.mp4", 1, 2}, {"aac_only.m4a", 1, 2}}, 1, "", "tracks soun"},
		{[]joinRange{{"aac_only.m4a", 1, 2}, {"hevc_mp3.mp4", 1, 2}}, 1, "", "tracks vide+soun"},
		{[]joinRange{{"bf2_gop1s.mp4", 1, 2}, {"ntsc2997.mp4", 1, 2}}, 1, "vide", "configuration"},
		{[]joinRange{{"bf2_gop1s.mp4", 1, 2}, {"rotate90.mp4", 1, 2}}, 1, "vide", "rotation"},
		{[]joinRange{{"bf0_gop8s.mp4", 1, 2}, {"moov_end_gop8s.mp4", 1, 2}}, 1, "vide", "configuration"},
		{[]joinRange{{"opus.mp4", 1, 2}, {"ac3.mp4", 1, 2}}, 1, "soun", "sample entry"},
		{[]joinRange{{"aac_only.m4a", 1, 2}, {"vfr.mp4", 1, 2}}, 1, "", "tracks"},
	}
	for _, tc := range mismatch {
		_, err := planFixtures(t, tc.rs)
		var me *MismatchError
		if !errors.As(err, &me) || !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: error %v, want a *MismatchError", joinName(tc.rs), err)
			continue
		}
		if me.Index != tc.index || me.Handler != tc.handler || !strings.Contains(me.Reason, tc.reason) {
			t.Errorf("%s: %+v, want index %d, handler %q, a reason with %q", joinName(tc.rs), me, tc.index, tc.handler, tc.reason)
		}
	}

	ranges := []struct {
		rs    []joinRange
		index int
		bound string
	}{
		{[]joinRange{{"bf2_gop1s.mp4", 1, 2}, {"bf2_gop1s.mp4", 3, 2}}, 1, BoundEnd},
		{[]joinRange{{"bf2_gop1s.mp4", 7, 8}, {"bf2_gop1s.mp4", 1, 2}}, 0, BoundStart},
		{[]joinRange{{"bf2_gop1s.mp4", 1, 2}, {"bf2_gop1s.mp4", 2, 3}, {"bf2_gop1s.mp4", 4, 9}}, 2, BoundEnd},
	}
	for _, tc := range ranges {
		_, err := planFixtures(t, tc.rs)
		var pe *PieceError
		var re *RangeError
		if !errors.As(err, &pe) || !errors.As(err, &re) || !errors.Is(err, ErrRange) {
			t.Errorf("%s: error %v, want a *PieceError wrapping a *RangeError", joinName(tc.rs), err)
			continue
		}
		if pe.Index != tc.index || re.Bound != tc.bound || pe.Unwrap() != re {
			t.Errorf("%s: piece %d bound %s, want piece %d bound %s", joinName(tc.rs), pe.Index, re.Bound, tc.index, tc.bound)
		}
	}

	_, err := planFixtures(t, []joinRange{{"bf2_gop1s.mp4", 1, 2}, {"fragmented.mp4", 0, 1}})
	var pe *PieceError
	if !errors.As(err, &pe) || pe.Index != 1 || !errors.Is(err, ErrUnsupported) {
		t.Errorf("a fragmented piece: %v, want a *PieceError of piece 1 wrapping ErrUnsupported", err)
	}
	if _, err := PlanJoin(nil); err == nil {
		t.Error("PlanJoin of no pieces: no error")
	}
	many := make([]joinRange, MaxPieces+1)
	for i := range many {
		many[i] = joinRange{"aac_only.m4a", 0, 1}
	}
	if _, err := planFixtures(t, many); err == nil {
		t.Errorf("PlanJoin of %d pieces: no error", len(many))
	}
	out := filepath.Join(t.TempDir(), "join.mp4")
	_, err = JoinFile(out, []FilePiece{{fixture("bf2_gop1s.mp4"), 1, 2}, {fixture("missing.mp4"), 1, 2}})
	if !errors.As(err, &pe) || pe.Index != 1 || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("JoinFile of a missing file: %v, want a *PieceError of piece 1 wrapping ErrNotExist", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("JoinFile failed but left %s: %v", out, err)
	}
}

// planFixtures plans the join of ranges of fixtures.
func planFixtures(tb testing.TB, rs []joinRange) (*JoinPlan, error) {
	tb.Helper()
	var ps []Piece
	for _, r := range rs {
		f, m := openMovie(tb, fixture(r.name))
		ps = append(ps, Piece{Movie: m, Src: f, Start: r.start, End: r.end})
	}
	return PlanJoin(ps)
}

// TestJoinRescalesTimescales joins a file with video timescale 15360 and a
// remux of a file like it with 90000: the output video timescale is their
// least common multiple, and the frames are the sources'.
func TestJoinRescalesTimescales(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	remux := filepath.Join(t.TempDir(), "b90k.mp4")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-i", fixture("bf2_gop1s_b.mp4"), "-c", "copy", "-video_track_timescale", "90000",
		"-fflags", "+bitexact", "-map_metadata", "-1", "-movflags", "+faststart", remux)
	out := filepath.Join(t.TempDir(), "join.mp4")
	jp, err := JoinFile(out, []FilePiece{{fixture("bf2_gop1s.mp4"), 1.2, 2.7}, {remux, 2.5, 4.0}})
	if err != nil {
		t.Fatal(err)
	}
	if ts := jp.Tracks[0].Timescale; ts != 5760000 {
		t.Errorf("video timescale %d, want lcm(15360, 90000) = 5760000", ts)
	}
	var want []decodedFrame
	for i, name := range []string{"bf2_gop1s.mp4", "bf2_gop1s_b.mp4"} {
		pc := jp.Pieces[i]
		for _, fr := range decodeSource(t, name).frames {
			if fr.pts >= pc.EffectiveStart-1e-3 && fr.pts < pc.EffectiveEnd-1e-3 {
				want = append(want, fr)
			}
		}
	}
	got := decodeFrames(t, out)
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].hash != want[i].hash {
			t.Fatalf("frame %d differs", i)
		}
	}
	checkJoinEdits(t, out, jp)
	f, _ := openMovie(t, out)
	if _, err := Verify(f, jp.Size, jp.Duration); err != nil {
		t.Error(err)
	}
}

func TestLCM(t *testing.T) {
	for _, tc := range []struct {
		a, b, want uint32
		ok         bool
	}{
		{15360, 90000, 5760000, true}, {1000, 600, 3000, true}, {48000, 48000, 48000, true},
		{4294967291, 2, 0, false}, {0, 5, 0, false},
	} {
		got, ok := lcm(tc.a, tc.b)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("lcm(%d, %d) = %d, %v; want %d, %v", tc.a, tc.b, got, ok, tc.want, tc.ok)
		}
	}
}
