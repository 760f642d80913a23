package clip

import (
	"context"
	"testing"
)

// TestExactKeepsVideoCodec re-encodes an HEVC and an H.264 source: the
// output's video is in the source's codec (HEVC tagged hvc1, for Apple
// players), with the frames of the range, and the result names the
// encoder used.
func TestExactKeepsVideoCodec(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	tests := []struct {
		fixture, encoder, codec, tag string
		start, end                   float64
		frames                       int
	}{
		{"hevc_x265_default.mp4", EncoderHEVC, "hevc", "hvc1", 1.0, 2.0, 25},
		{"hevc_mp3.mp4", EncoderHEVC, "hevc", "hvc1", 0.5, 1.5, 30},
		{"bf2_gop1s.mp4", EncoderH264, "h264", "avc1", 1.0, 2.0, 30},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			res, err := Exact(context.Background(), ExactParams{
				SrcPath: fixture(tt.fixture), ScratchDir: t.TempDir(), Start: tt.start, End: tt.end,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.VideoEncoder != tt.encoder {
				t.Errorf("VideoEncoder %q, want %q", res.VideoEncoder, tt.encoder)
			}
			got := probe(t, res.Path)
			if len(got.Streams) == 0 || got.Streams[0].CodecType != "video" {
				t.Fatalf("streams %+v: want video first", got.Streams)
			}
			if v := got.Streams[0]; v.CodecName != tt.codec || v.CodecTag != tt.tag {
				t.Errorf("video %s/%s, want %s/%s", v.CodecName, v.CodecTag, tt.codec, tt.tag)
			}
			if n := len(decodeFrames(t, res.Path)); n != tt.frames {
				t.Errorf("%d frames, want %d", n, tt.frames)
			}
		})
	}
}

// TestVideoEncoder checks the encoder chosen for each source codec.
func TestVideoEncoder(t *testing.T) {
	t.Parallel()
	for codec, want := range map[string]string{"hevc": EncoderHEVC, "h264": EncoderH264, "": EncoderH264, "mpeg4": EncoderH264} {
		if got, args := videoEncoder(codec); got != want || len(args) < 2 || args[0] != "-c:v" || args[1] != want {
			t.Errorf("videoEncoder(%q) = %q %v, want %q", codec, got, args, want)
		}
	}
	for name, want := range map[string]string{"hevc_opengop.mp4": "hevc", "bf2_gop1s.mp4": "h264", "aac_only.m4a": ""} {
		if got, err := (&ExactParams{SrcPath: fixture(name)}).readSource(); got != want || err != nil {
			t.Errorf("readSource(%s) = %q, %v, want %q", name, got, err, want)
		}
	}
}
