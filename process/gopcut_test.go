package process

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/mp4"
)

// fixtureSource describes the cutter's oracle fixture name as the worker
// would, from openvod's parser.
func fixtureSource(t *testing.T, name string) *Source {
	t.Helper()
	path := filepath.Join("..", "clip", "testdata", name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := mp4.Parse(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	info := m.Info()
	v := info.Video[0]
	return &Source{Path: path, Duration: info.Duration, VideoDuration: info.VideoDuration, Width: info.Width, Height: info.Height, Rotate: info.Rotate,
		Fps: float64(v.Fps), HasVideo: true, HasAudio: len(info.Audio) > 0}
}

// TestSnapshotsOfCutsAreTheSourceSeeks: for the cutter's oracle fixtures
// (B-frames, long GOPs, open GOPs, NTSC and variable rates, HEVC,
// rotation, a source edit list, the moov at the end, audio starting
// late), each picture Snapshots decodes from a cut of its keyframe's group
// is byte for byte the PNG that ffmpeg's own seek in the source gives, at
// times on frame boundaries, between frames, at 0 and at the end; every
// picture came from a cut, and no cut is left in the directory.
func TestSnapshotsOfCutsAreTheSourceSeeks(t *testing.T) {
	imgRequireFFmpeg(t)
	cutCount := 0
	defer func() {
		if cutCount < 60 {
			t.Errorf("%d pictures from cuts, want at least 60", cutCount)
		}
	}()
	for _, name := range []string{"bf2_gop1s.mp4", "bf0_gop8s.mp4", "h264_opengop.mp4", "hevc_opengop.mp4", "hevc_x265_default.mp4",
		"ntsc2997.mp4", "vfr.mp4", "rotate90.mp4", "clip_editlist.mp4", "moov_end_gop8s.mp4", "audio_delay.mp4", "video_only.mp4"} {
		t.Run(name, func(t *testing.T) {
			src := fixtureSource(t, name)
			d := src.Duration
			times := []float64{0, 1, 1.0 / 3, d / 2, d/2 + 0.0123, d * 0.9, src.lastFrameTime()}
			dir := t.TempDir()
			cuts := newGOPCuts(src, dir)
			if cuts == nil {
				t.Fatal("no cuts of an MP4 the cutter reads")
			}
			for i, tm := range times {
				_, cut, err := cuts.input(src, i, tm)
				if err != nil {
					t.Fatal(err)
				}
				// Only a range the cutter refuses seeks in the source.
				_, perr := clip.PlanFast(cuts.m, cuts.r, tm, min(tm+cuts.span, d), false)
				if cut != (perr == nil) {
					t.Errorf("time %gs: cut %v, the cutter's answer %v", tm, cut, perr)
				}
				if cut {
					cutCount++
				}
			}
			if err := cuts.close(); err != nil {
				t.Fatal(err)
			}
			images, err := Snapshots(context.Background(), src, ImageFormat{Format: "png"}, times, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			sw, sh := src.displaySize()
			filter, err := scaleFilter(sw, sh, "")
			if err != nil {
				t.Fatal(err)
			}
			for i, im := range images {
				ref := filepath.Join(t.TempDir(), "ref.png")
				imgRun(t, "ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", fsecs(im.Time), "-i", src.Path,
					"-map", "0:v:0", "-frames:v", "1", "-vf", filter, "-c:v", "png", "-f", "image2", ref)
				got, err := os.ReadFile(im.File)
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(ref)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("picture %d at %gs: %d bytes differ from the source seek's %d", i, im.Time, len(got), len(want))
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != len(times) {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("the directory holds %v, want the %d pictures alone", names, len(times))
			}
		})
	}
}

// TestGOPCutsFallBack: a source openvod's parser cannot read, or one
// given by URL alone, gets no cuts, and its pictures seek in the source;
// so does a picture whose cut would be over the size bound, and no file
// is written for it.
func TestGOPCutsFallBack(t *testing.T) {
	src := fixtureSource(t, "bf2_gop1s.mp4")
	cuts := newGOPCuts(src, t.TempDir())
	cuts.max = 1000
	args, cut, err := cuts.input(src, 0, 2.5)
	if err != nil || cut {
		t.Fatalf("a cut over the bound: cut %v, %v", cut, err)
	}
	want, _, err := ffmpeg.Input(src.Path, "")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(args[:2]) != "[-ss 2.5]" || args[len(args)-1] != want {
		t.Errorf("args %q, want a seek in %s", args, want)
	}
	if entries, err := os.ReadDir(cuts.dir); err != nil || len(entries) != 0 {
		t.Errorf("the cuts' directory holds %d files (%v), want none", len(entries), err)
	}
	if err := cuts.close(); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.mp4")
	if err := os.WriteFile(bad, []byte("not an MP4 at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, src := range []*Source{{Path: bad, Duration: 10}, {URL: "https://example.com/a.mp4", Duration: 10}} {
		cuts := newGOPCuts(src, dir)
		if cuts != nil {
			t.Fatalf("%+v: cuts", src)
		}
		args, cut, err := cuts.input(src, 0, 2.5)
		if err != nil || cut {
			t.Fatalf("%+v: cut %v, %v", src, cut, err)
		}
		if fmt.Sprint(args[:2]) != "[-ss 2.5]" {
			t.Errorf("%+v: args %q, want a seek in the source", src, args)
		}
	}
}
