package mp4

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// probeFixtures are the playable fixtures.
var probeFixtures = []struct{ name string }{
	{"h264_aac_faststart.mp4"},
	{"h264_aac_moov_end.mp4"},
	{"rotate90.mp4"},
	{"aac_only.m4a"},
	{"video_only.mov"},
	{"hevc_mp3.mp4"},
	{"fragmented.mp4"},
	{"clip_editlist.mp4"},
}

func TestProbeMatchesFFprobe(t *testing.T) {
	t.Parallel()
	for _, fx := range probeFixtures {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			f, size := openFixture(t, fx.name)
			info, err := Probe(f, size)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			want := ffprobe(t, fx.name, "-show_format", "-show_streams", "-count_packets")
			// Tencent's MetaData.Container: ffprobe's name of the demuxer, for MP4 and MOV alike.
			if info.Container != FormatName || want.Format.FormatName != FormatName {
				t.Errorf("Container = %q, want %q; ffprobe says %q", info.Container, FormatName, want.Format.FormatName)
			}
			if info.Size != size {
				t.Errorf("Size = %d, want %d", info.Size, size)
			}
			within(t, "Duration", info.Duration, num(t, "format.duration", want.Format.Duration), 0.001)
			withinRel(t, "Bitrate", info.Bitrate, num(t, "format.bit_rate", want.Format.BitRate))

			var video, audio int
			for _, s := range want.Streams {
				switch s.CodecType {
				case "video":
					if video >= len(info.Video) {
						t.Fatalf("ffprobe stream %d: video stream %d missing, got %d", s.Index, video, len(info.Video))
					}
					got := info.Video[video]
					video++
					eq(t, "video Codec", got.Codec, s.CodecName)
					eq(t, "video CodecTag", got.CodecTag, s.CodecTag)
					eq(t, "video Width", got.Width, s.Width)
					eq(t, "video Height", got.Height, s.Height)
					var ccw float64
					for _, sd := range s.SideData {
						if sd.Rotation != nil {
							ccw = *sd.Rotation
						}
					}
					eq(t, "video Rotate", got.Rotate, (360-int64(ccw))%360)
					eq(t, "video Frames", got.Frames, int64(num(t, "nb_read_packets", s.NbReadPackets)))
					eq(t, "video Fps", got.Fps, int64(math.Round(rate(t, s.AvgFrameRate))))
					within(t, "video Duration", got.Duration, num(t, "duration", s.Duration), 0.001)
					withinRel(t, "video Bitrate", got.Bitrate, num(t, "bit_rate", s.BitRate))
				case "audio":
					if audio >= len(info.Audio) {
						t.Fatalf("ffprobe stream %d: audio stream %d missing, got %d", s.Index, audio, len(info.Audio))
					}
					got := info.Audio[audio]
					audio++
					eq(t, "audio Codec", got.Codec, s.CodecName)
					eq(t, "audio CodecTag", got.CodecTag, s.CodecTag)
					eq(t, "audio SamplingRate", got.SamplingRate, int64(num(t, "sample_rate", s.SampleRate)))
					eq(t, "audio Frames", got.Frames, int64(num(t, "nb_read_packets", s.NbReadPackets)))
					within(t, "audio Duration", got.Duration, num(t, "duration", s.Duration), 0.001)
					withinRel(t, "audio Bitrate", got.Bitrate, num(t, "bit_rate", s.BitRate))
				}
			}
			eq(t, "video streams", len(info.Video), video)
			eq(t, "audio streams", len(info.Audio), audio)
			if video > 0 {
				v := info.Video[0]
				eq(t, "Width", info.Width, v.Width)
				eq(t, "Height", info.Height, v.Height)
				eq(t, "Rotate", info.Rotate, v.Rotate)
				eq(t, "VideoDuration", info.VideoDuration, v.Duration)
			}
			if audio > 0 {
				eq(t, "AudioDuration", info.AudioDuration, info.Audio[0].Duration)
			}
		})
	}
}

func TestProbeFixedFacts(t *testing.T) {
	t.Parallel()
	f, size := openFixture(t, "rotate90.mp4")
	info, err := Probe(f, size)
	if err != nil {
		t.Fatal(err)
	}
	// Coded size is kept; the rotation is reported apart.
	eq(t, "Width", info.Width, 320)
	eq(t, "Height", info.Height, 240)
	eq(t, "Rotate", info.Rotate, 90)

	f, size = openFixture(t, "fragmented.mp4")
	if info, err = Probe(f, size); err != nil {
		t.Fatal(err)
	}
	eq(t, "Fragmented", info.Fragmented, true)
}

func TestProbeRejectsBrokenFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want string }{
		{"truncated.mp4", `box "moov" at offset 32: size 4421 exceeds the 1468 bytes left in the file`},
		{"corrupt.mp4", `box "moov/trak[1]/mdia/minf/stbl/????" at offset 631: size 4294967295 exceeds`},
		{"garbage.mp4", `at offset 0: size 1952999795 exceeds the 4096 bytes left in the file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, size := openFixture(t, tc.name)
			info, err := Probe(f, size)
			if err == nil {
				t.Fatalf("Probe = %+v, want an error", info)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", err)
			}
			var be *BoxError
			if !errors.As(err, &be) {
				t.Errorf("error %q is not a *BoxError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// eq fails the test if got != want.
func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// within fails the test if got and want differ by more than tol.
func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f ± %g", what, got, want, tol)
	}
}

// withinRel fails the test if got is more than 1% away from want.
func withinRel(t *testing.T, what string, got int64, want float64) {
	t.Helper()
	if math.Abs(float64(got)-want) > 0.01*want {
		t.Errorf("%s = %d, want %.0f ± 1%%", what, got, want)
	}
}

// rate parses an ffprobe rational such as "30/1".
func rate(t *testing.T, s string) float64 {
	t.Helper()
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		t.Fatalf("frame rate %q is not a rational", s)
	}
	d := num(t, "frame rate denominator", b)
	if d == 0 {
		return 0
	}
	return num(t, "frame rate numerator", a) / d
}
