package clip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openvod/openvod/mp4"
)

func TestPlanFastEffectiveRange(t *testing.T) {
	t.Parallel()
	const frame = 1.0 / 30
	tests := []struct {
		name                  string
		fixture               string
		start, end            float64
		hide                  bool
		wantStart, wantEnd    float64
		wantLeadIn, wantKey   float64
		wantVideoHidden       int
		wantAudioHidden       int
		wantVideos, wantAudio int
	}{
		{"OffKeyframe", "bf2_gop1s.mp4", 2.5, 4.25, true, 2.5, 4.25, 0.5, 2.0, 15, 1, 1, 1},
		{"InsideFrameSnapsBack", "bf2_gop1s.mp4", 3.31, 4, true, 3.3, 4, 0.3, 3.0, 9, 1, 1, 1},
		{"JustBeforeNextFrame", "bf2_gop1s.mp4", 3.3 + frame - 1e-4, 4, true, 3.3, 4, 0.3, 3.0, 9, 1, 1, 1},
		{"OnKeyframe", "bf2_gop1s.mp4", 2.0, 3.0, true, 2.0, 3.0, 0, 2.0, 0, 1, 1, 1},
		{"StartZero", "bf2_gop1s.mp4", 0, 1.5, true, 0, 1.5, 0, 0, 0, 1, 1, 1}, // the AAC priming frame is hidden
		{"EndIsDuration", "bf2_gop1s.mp4", 5, 6, true, 5, 6, 0, 5, 0, 1, 1, 1},
		{"EndClamped", "bf2_gop1s.mp4", 5, 6 + frame*0.9, true, 5, 6, 0, 5, 0, 1, 1, 1},
		{"KeyframeStart", "bf2_gop1s.mp4", 2.5, 4.25, false, 2.0, 4.25, 0, 2.0, 0, 1, 1, 1},
		{"LongGOP", "bf0_gop8s.mp4", 9.5, 12, true, 9.5, 12, 1.5, 8.0, 45, 1, 1, 1},
		{"LongGOPKeyframeStart", "bf0_gop8s.mp4", 9.5, 12, false, 8.0, 12, 0, 8.0, 0, 1, 1, 1},
		{"AudioOnly", "aac_only.m4a", 1.3, 3.7, true, 1.3, 3.7, 0, 1.3, 0, 1, 0, 1},
		{"VideoOnly", "video_only.mp4", 1.2, 2.9, true, 1.2, 2.9, 0.2, 1.0, 6, 0, 1, 0},
		{"SourceWithEditList", "clip_editlist.mp4", 0.5, 3.5, true, 0.5, 3.5, 0.8, -0.3, 24, 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, _ := mustPlan(t, tt.fixture, tt.start, tt.end, tt.hide)
			near := func(got, want float64) bool { return math.Abs(got-want) < 1e-6 }
			if !near(p.EffectiveStart, tt.wantStart) || !near(p.EffectiveEnd, tt.wantEnd) {
				t.Errorf("effective range %.6f..%.6f, want %.6f..%.6f", p.EffectiveStart, p.EffectiveEnd, tt.wantStart, tt.wantEnd)
			}
			if !near(p.Duration, tt.wantEnd-tt.wantStart) {
				t.Errorf("Duration %.6f, want %.6f", p.Duration, tt.wantEnd-tt.wantStart)
			}
			if !near(p.LeadIn, tt.wantLeadIn) || !near(p.KeyframeTime, tt.wantKey) {
				t.Errorf("LeadIn %.6f KeyframeTime %.6f, want %.6f and %.6f", p.LeadIn, p.KeyframeTime, tt.wantLeadIn, tt.wantKey)
			}
			var videos, audios int
			for _, tr := range p.Tracks {
				switch tr.Handler {
				case "vide":
					videos++
					if tr.Hidden != tt.wantVideoHidden {
						t.Errorf("video Hidden = %d, want %d", tr.Hidden, tt.wantVideoHidden)
					}
				case "soun":
					audios++
					if tr.Hidden != tt.wantAudioHidden {
						t.Errorf("audio Hidden = %d, want %d", tr.Hidden, tt.wantAudioHidden)
					}
				}
			}
			if videos != tt.wantVideos || audios != tt.wantAudio {
				t.Errorf("%d video and %d audio tracks, want %d and %d", videos, audios, tt.wantVideos, tt.wantAudio)
			}
			if len(p.DroppedTracks) != 0 {
				t.Errorf("DroppedTracks = %v, want none", p.DroppedTracks)
			}
		})
	}
}

func TestPlanFastRangeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		start, end float64
		wantBound  string
	}{
		{"NegativeStart", -1, 2, BoundStart},
		{"NaNStart", math.NaN(), 2, BoundStart},
		{"InfStart", math.Inf(1), 2, BoundStart},
		{"StartAtDuration", 6, 7, BoundStart},
		{"StartPastDuration", 7, 8, BoundStart},
		{"EmptyRange", 3, 3, BoundEnd},
		{"InvertedRange", 3, 2, BoundEnd},
		{"EndPastDurationByAFrame", 3, 6 + 1.0/30, BoundEnd},
		{"EndFarPastDuration", 3, 60, BoundEnd},
		{"NaNEnd", 3, math.NaN(), BoundEnd},
		{"InfEnd", 3, math.Inf(1), BoundEnd},
	}
	f, m := openMovie(t, fixture("bf2_gop1s.mp4"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := PlanFast(m, f, tt.start, tt.end, true)
			var re *RangeError
			if !errors.As(err, &re) || !errors.Is(err, ErrRange) {
				t.Fatalf("PlanFast(%g, %g) error = %v, want a *RangeError", tt.start, tt.end, err)
			}
			if re.Bound != tt.wantBound {
				t.Errorf("Bound = %q, want %q (%v)", re.Bound, tt.wantBound, err)
			}
			if errors.Is(err, ErrUnsupported) || errors.Is(err, mp4.ErrInvalid) {
				t.Errorf("range error %v also matches ErrUnsupported or mp4.ErrInvalid", err)
			}
		})
	}
}

func TestPlanFastUnsupported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fixture    string
		start, end float64
		hide       bool
		mutate     func(m *mp4.Movie)
		wantReason string
	}{
		{name: "Fragmented", fixture: "fragmented.mp4", start: 0.5, end: 1.5, hide: true, wantReason: "fragmented"},
		{name: "UnknownCodec", fixture: "mpeg4.mp4", start: 0.1, end: 0.5, hide: true, wantReason: "unknown codec mpeg4"},
		{name: "OpenGOPH264", fixture: "h264_opengop.mp4", start: 1.5, end: 2.5, hide: true, wantReason: "open GOP"},
		{name: "KeyframeHiddenBySource", fixture: "clip_editlist.mp4", start: 0.5, end: 2, hide: false, wantReason: "hidden by the source's edit list"},
		{name: "SeveralSampleDescriptions", fixture: "bf2_gop1s.mp4", start: 1, end: 2, hide: true,
			mutate: func(m *mp4.Movie) {
				t := m.Tracks[0]
				t.SampleEntries = append(t.SampleEntries[:1:1], t.SampleEntries[0])
			},
			wantReason: "2 sample descriptions"},
		{name: "SeveralEdits", fixture: "bf2_gop1s.mp4", start: 1, end: 2, hide: true,
			mutate: func(m *mp4.Movie) {
				t := m.Tracks[0]
				t.Edits = append(t.Edits[:1:1], mp4.Edit{SegmentDuration: 1000, MediaTime: 0, MediaRate: 0x10000})
			},
			wantReason: "several non-empty entries"},
		{name: "EditRate", fixture: "bf2_gop1s.mp4", start: 1, end: 2, hide: true,
			mutate: func(m *mp4.Movie) {
				t := m.Tracks[1]
				t.Edits = []mp4.Edit{{SegmentDuration: 6000, MediaTime: 1024, MediaRate: 0x20000}}
			},
			wantReason: "rate 2"},
		{name: "ExternalData", fixture: "bf2_gop1s.mp4", start: 1, end: 2, hide: true,
			mutate: func(m *mp4.Movie) {
				t := m.Tracks[0]
				url := append(binary.BigEndian.AppendUint32(nil, 12), "url \x00\x00\x00\x00"...)
				dref := append(append(binary.BigEndian.AppendUint32(nil, uint32(16+len(url))), "dref\x00\x00\x00\x00\x00\x00\x00\x01"...), url...)
				t.Boxes.Dinf = append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(dref))), "dinf"...), dref...)
			},
			wantReason: "external file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, m := openMovie(t, fixture(tt.fixture))
			if tt.mutate != nil {
				tt.mutate(m)
			}
			_, err := PlanFast(m, f, tt.start, tt.end, tt.hide)
			var ue *UnsupportedError
			if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error = %v, want an *UnsupportedError", err)
			}
			if !strings.Contains(ue.Reason, tt.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", ue.Reason, tt.wantReason)
			}
		})
	}
}

func TestPlanFastDropsOtherTracks(t *testing.T) {
	t.Parallel()
	f, m := openMovie(t, fixture("bf2_gop1s.mp4"))
	m.Tracks[1].Handler = "sbtl"
	p, err := PlanFast(m, f, 1, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tracks) != 1 || p.Tracks[0].Handler != "vide" || len(p.DroppedTracks) != 1 || p.DroppedTracks[0] != m.Tracks[1].ID {
		t.Errorf("Tracks %+v, DroppedTracks %v; want the video track only, track %d dropped", p.Tracks, p.DroppedTracks, m.Tracks[1].ID)
	}
}

// TestPlanFastCorruptSource checks that truncated and damaged sources give
// errors, never panics.
func TestPlanFastCorruptSource(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"bf2_gop1s.mp4", "moov_end_gop8s.mp4", "clip_editlist.mp4", "hevc_opengop.mp4"} {
		data, err := os.ReadFile(fixture(name))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name+"/Truncated", func(t *testing.T) {
			t.Parallel()
			for _, n := range []int{0, 7, 8, 40, 1000, len(data) / 3, len(data) / 2, len(data) - 1} {
				cut := data[:n]
				m, err := mp4.Parse(bytes.NewReader(cut), int64(n))
				if err == nil {
					_, err = PlanFast(m, bytes.NewReader(cut), 1, 2, true)
				}
				if !errors.Is(err, mp4.ErrInvalid) {
					t.Errorf("first %d bytes: error = %v, want one wrapping mp4.ErrInvalid", n, err)
				}
			}
		})
		t.Run(name+"/Damaged", func(t *testing.T) {
			t.Parallel()
			_, m := openMovie(t, fixture(name))
			moov := int(m.MoovOffset)
			for i := range 2000 {
				bad := bytes.Clone(data)
				// Deterministic damage to the moov: 1 to 4 bytes per try.
				for k := 0; k <= i%4; k++ {
					pos := moov + (i*7919+k*104729)%len(m.Moov)
					bad[pos] ^= byte(1 + (i+k)%255)
				}
				if err := tryCut(bad, 1.3, 2.7); err != nil {
					t.Fatalf("try %d: %v", i, err)
				}
			}
		})
	}
	t.Run("ShortAtCopyTime", func(t *testing.T) {
		t.Parallel()
		data, err := os.ReadFile(fixture("bf2_gop1s.mp4"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mp4.Parse(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := PlanFast(m, bytes.NewReader(data), 1, 5, true)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.WriteTo(io.Discard, bytes.NewReader(data[:len(data)/2]))
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("WriteTo from a truncated source: error = %v, want io.ErrUnexpectedEOF", err)
		}
	})
}

// TestWriteToPaths checks that the in-kernel file-to-file copy, the
// buffered copy to a file from a non-file source, and the copy to a
// non-file writer produce the same bytes.
func TestWriteToPaths(t *testing.T) {
	t.Parallel()
	p, src := mustPlan(t, "moov_end_gop8s.mp4", 5, 9, true)
	fileOut := writeClip(t, p, src)
	want, err := os.ReadFile(fileOut)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if n, err := p.WriteTo(&buf, src); err != nil || n != p.Size {
		t.Fatalf("WriteTo(buffer) = %d, %v; want %d", n, err, p.Size)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Error("WriteTo into a buffer differs from WriteTo into a file")
	}
	data, err := os.ReadFile(src.Name())
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(t.TempDir(), "clip.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if n, err := p.WriteTo(out, bytes.NewReader(data)); err != nil || n != p.Size {
		t.Fatalf("WriteTo(file, bytes.Reader) = %d, %v; want %d", n, err, p.Size)
	}
	got, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("WriteTo from a bytes.Reader differs from WriteTo from the file")
	}
}

// TestWriteToCopiesRuns checks that samples adjacent in the source are
// copied as one run: the whole of a fast-start file is one run, and its
// mdat payload is copied unchanged.
func TestWriteToCopiesRuns(t *testing.T) {
	t.Parallel()
	p, src := mustPlan(t, "bf2_gop1s.mp4", 0, 6, true)
	if p.Runs != 1 {
		t.Errorf("Runs = %d, want 1", p.Runs)
	}
	st, err := src.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if off, end := p.SourceSpan(); end-off != p.MediaBytes || end != st.Size() {
		t.Errorf("SourceSpan = %d, %d; want %d bytes ending at %d", off, end, p.MediaBytes, st.Size())
	}
	data, err := os.ReadFile(src.Name())
	if err != nil {
		t.Fatal(err)
	}
	mdats, err := topLevel(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(mdats) != 1 {
		t.Fatalf("source mdat boxes %v, %v", mdats, err)
	}
	mdatStart := mdats[0].off
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf, src); err != nil {
		t.Fatal(err)
	}
	if got := buf.Bytes()[len(buf.Bytes())-int(p.MediaBytes):]; !bytes.Equal(got, data[mdatStart:]) {
		t.Error("the clip's mdat payload differs from the source's")
	}
}

// TestLargeOffsets lowers the 32-bit limit so that the plan writes co64
// chunk offsets and a 64-bit mdat size, as for outputs over 4 GiB, and
// checks the result against the normal output.
func TestLargeOffsets(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	f, m := openMovie(t, fixture("bf2_gop1s.mp4"))
	p, err := planFast(m, f, 2.5, 4.25, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := writeClip(t, p, f)
	o, om := openMovie(t, out)
	if _, err := Verify(o, p.Size, p.Duration); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	for _, tr := range om.Tracks {
		if !bytes.Contains(tr.Boxes.Stsd, nil) || len(tr.ChunkOffsets) == 0 {
			t.Fatalf("track %d has no chunks", tr.ID)
		}
	}
	head := make([]byte, len(p.head))
	if _, err := o.ReadAt(head, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(head, []byte("co64")) || bytes.Contains(head, []byte("stco")) {
		t.Error("moov has no co64 box, or still an stco box")
	}
	if mdat := head[len(head)-16:]; binary.BigEndian.Uint32(mdat) != 1 || string(mdat[4:8]) != "mdat" {
		t.Errorf("mdat header % x, want a 64-bit size", mdat)
	}
	normal, src := mustPlan(t, "bf2_gop1s.mp4", 2.5, 4.25, true)
	want := decodeFrames(t, writeClip(t, normal, src))
	got := decodeFrames(t, out)
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("frame %d differs: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestCutFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dst := filepath.Join(dir, "clip.mp4")
	p, err := CutFile(dst, fixture("bf2_gop1s.mp4"), 2.5, 4.25, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != p.Size {
		t.Errorf("file has %d bytes, Plan.Size is %d", st.Size(), p.Size)
	}
	f, err := os.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Verify(f, st.Size(), 1.75); err != nil {
		t.Errorf("Verify: %v", err)
	}
	_, err = CutFile(filepath.Join(dir, "bad.mp4"), fixture("bf2_gop1s.mp4"), 4, 3, true)
	if !errors.Is(err, ErrRange) {
		t.Errorf("CutFile with an inverted range: error = %v, want ErrRange", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "clip.mp4" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only clip.mp4", names)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	p, src := mustPlan(t, "bf2_gop1s.mp4", 2.5, 4.25, true)
	good, err := os.ReadFile(writeClip(t, p, src))
	if err != nil {
		t.Fatal(err)
	}
	moovEnd, err := os.ReadFile(fixture("moov_end_gop8s.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	fragmented, err := os.ReadFile(fixture("fragmented.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		want    float64
		wantErr string
	}{
		{"Good", good, 1.75, ""},
		{"GoodNoDuration", good, 0, ""},
		{"GoodWithinAFrame", good, 1.75 + 0.03, ""},
		{"WrongDuration", good, 1.9, "duration"},
		{"MoovAtEnd", moovEnd, 10, "not fast start"},
		{"Fragmented", fragmented, 2, "fragmented"},
		{"Truncated", good[:len(good)-100], 1.75, "does not fit"},
		{"Garbage", bytes.Repeat([]byte("not an mp4 "), 100), 1, "not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, err := Verify(bytes.NewReader(tt.data), int64(len(tt.data)), tt.want)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if math.Abs(info.Duration-1.75) > 1e-3 || len(info.Video) != 1 || len(info.Audio) != 1 {
					t.Errorf("info %+v", info)
				}
				return
			}
			if !errors.Is(err, ErrBadOutput) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want ErrBadOutput mentioning %q", err, tt.wantErr)
			}
		})
	}
}
