package clip

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestPlanFastHEVCOpenGOP cuts x265 open-GOP output (CRA pictures followed
// by RASL pictures) and checks, without ffmpeg, where decoding starts, that
// exactly the RASL pictures of that CRA are left out (those of later CRA
// pictures are copied), and that every sample copied keeps its source
// composition time and bytes. TestFastMatchesFFmpeg decodes the same cuts.
func TestPlanFastHEVCOpenGOP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		start, end float64
		hide       bool
		key        int     // source sample (0-based) decoding starts at
		dropped    []int   // source samples left out
		keyTime    float64 // KeyframeTime
		effStart   float64
	}{
		// CRA at sample 47 (2 s) with RASL 48-50; CRA at 97 (4 s) with
		// RASL 98-100.
		{"hevc_x265_default.mp4", 2.0, 3.0, true, 47, []int{48, 49, 50}, 2.0, 2.0},
		{"hevc_x265_default.mp4", 2.5, 4.5, true, 47, []int{48, 49, 50}, 2.0, 2.48},
		{"hevc_x265_default.mp4", 2.5, 4.5, false, 47, []int{48, 49, 50}, 2.0, 2.0},
		// The frame at the start is a RASL picture (1.88 s, 3.92 s):
		// decoding starts at the sync sample before its CRA.
		{"hevc_x265_default.mp4", 1.9, 2.6, true, 0, nil, 0, 1.88},
		{"hevc_x265_default.mp4", 3.95, 5.5, true, 47, []int{48, 49, 50}, 2.0, 3.92},
		// CRA at 29 (1 s) with RASL 30, CRA at 59 (2 s) with RASL 60.
		{"hevc_opengop.mp4", 1.0, 1.5, false, 29, []int{30}, 1.0, 1.0},
		{"hevc_opengop.mp4", 1.5, 2.5, true, 29, []int{30}, 1.0, 1.5},
		{"hevc_opengop.mp4", 1.97, 3.0, false, 29, []int{30}, 1.0, 1.0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%g-%g/hide=%v", tt.name, tt.start, tt.end, tt.hide), func(t *testing.T) {
			t.Parallel()
			p, src := mustPlan(t, tt.name, tt.start, tt.end, tt.hide)
			tr := p.Tracks[0]
			if tr.Handler != "vide" || tr.Codec != "hevc" {
				t.Fatalf("track 0 is %s %s", tr.Handler, tr.Codec)
			}
			if tr.FirstSample != tt.key || tr.Dropped != len(tt.dropped) {
				t.Errorf("FirstSample %d, Dropped %d; want %d, %d", tr.FirstSample, tr.Dropped, tt.key, len(tt.dropped))
			}
			if math.Abs(p.KeyframeTime-tt.keyTime) > 1e-6 || math.Abs(p.EffectiveStart-tt.effStart) > 1e-6 {
				t.Errorf("KeyframeTime %.4f, EffectiveStart %.4f; want %.4f, %.4f", p.KeyframeTime, p.EffectiveStart, tt.keyTime, tt.effStart)
			}
			if !tt.hide && tr.Hidden != 0 {
				t.Errorf("HideLeadIn false: %d samples hidden", tr.Hidden)
			}

			// The output's video samples are the source's from the key on,
			// less the dropped ones, with the same bytes and composition
			// times (relative to the key), and only the key's RASL pictures
			// are missing.
			_, sm := openMovie(t, src.Name())
			ss, err := sm.Tracks[0].Samples()
			if err != nil {
				t.Fatal(err)
			}
			out := writeClip(t, p, src)
			of, om := openMovie(t, out)
			cs, err := om.Tracks[0].Samples()
			if err != nil {
				t.Fatal(err)
			}
			n, err := nalLengthSize(&om.Tracks[0].SampleEntries[0])
			if err != nil {
				t.Fatal(err)
			}
			if cs.Len() != tr.Samples {
				t.Fatalf("output has %d video samples, plan %d", cs.Len(), tr.Samples)
			}
			base := ss.At(tt.key).DTS
			j := tt.key
			for i, o := range cs.All() {
				for slices.Contains(tt.dropped, j) {
					j++
				}
				s := ss.At(j)
				if o.PTS() != s.PTS()-base || o.Size != s.Size || o.Sync != s.Sync {
					t.Fatalf("output sample %d: pts %d size %d sync %v; source sample %d: pts %d size %d sync %v",
						i, o.PTS(), o.Size, o.Sync, j, s.PTS()-base, s.Size, s.Sync)
				}
				a, b := make([]byte, o.Size), make([]byte, s.Size)
				if err := readAt(of, a, o.Offset); err != nil {
					t.Fatal(err)
				}
				if err := readAt(src, b, s.Offset); err != nil {
					t.Fatal(err)
				}
				if string(a) != string(b) {
					t.Fatalf("output sample %d differs from source sample %d", i, j)
				}
				typ, err := firstSliceType(of, o.Offset, o.Size, n, true)
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 && typ != hevcCRA && typ != hevcIDRWRAD && typ != hevcIDRNLP {
					t.Errorf("first sample has NAL type %d, want an IDR or CRA picture", typ)
				}
				j++
			}
		})
	}
}

// TestPlanFastHEVCRASLWithoutEarlierSync checks that a cut whose first frame
// is a RASL picture of the only sync sample before it is unsupported: the
// GOP the picture refers to cannot be decoded.
func TestPlanFastHEVCRASLWithoutEarlierSync(t *testing.T) {
	t.Parallel()
	f, m := openMovie(t, fixture("hevc_opengop.mp4"))
	m.Tracks[0].SyncSamples = []uint32{30, 60} // the CRA pictures only
	_, err := PlanFast(m, f, 0.97, 1.5, true)
	var ue *UnsupportedError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("error = %v, want an *UnsupportedError", err)
	}
	if !strings.Contains(ue.Reason, "sample 31, shown at the start, is a RASL picture of sync sample 30") {
		t.Errorf("Reason = %q", ue.Reason)
	}
	if _, err := PlanFast(m, f, 1.0, 1.5, true); err != nil {
		t.Errorf("a cut from the CRA at 1 s: %v", err)
	}
}
