package process

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/templates"
)

// JoinPiece is one range of a source to join: seconds of the source,
// End > Start.
type JoinPiece struct {
	Source     *Source
	Start, End float64
}

// JoinOutput is what a re-encoded join makes: the video of Video (its
// Width and Height fit the Basis's size as a transcode template's do;
// its Fps 0 the basis's; Bitrate 0 a constant rate factor, or Basis's
// bit rate when BasisBitrate), AAC audio at SampleRate, MP4.
type JoinOutput struct {
	Video templates.VideoTemplateInfo
	// Basis is the piece whose size (and frame rate) the output takes.
	Basis *Source
	// BasisBitrate makes the video's bit rate the basis's when Video
	// names none.
	BasisBitrate bool
	// SampleRate is the audio's, in Hz (48000 when 0).
	SampleRate int64
	// AudioBitrate is in kbps (128 when 0).
	AudioBitrate int64
}

// JoinResult is what Join wrote.
type JoinResult struct {
	Path         string // the MP4
	VideoEncoder string // "" without video
	Duration     float64
}

// joinAudioRate and joinAudioKbps are a join's audio when not asked.
const (
	joinAudioRate = 48000
	joinAudioKbps = 128
)

// Join decodes each piece's range (ffmpeg's accurate seek: frame-exact),
// fits its frames into the output size (scaled, padded with black), and
// encodes the pieces one after another, in order, into one MP4 named
// out.mp4 in dir, with ffmpeg's concat filter: what joins sources of
// different sizes, frame rates or codecs. The output has video when the
// pieces have (all must, or none) and audio when any piece has (silence
// for the pieces without). A bad output setting is an *Error
// (InvalidInput.ConfigurationUnsupported), as a transcode template's.
func Join(ctx context.Context, pieces []JoinPiece, out JoinOutput, dir string, opt Options) (*JoinResult, error) {
	if len(pieces) == 0 || out.Basis == nil {
		return nil, Errorf("InvalidInput", "a join needs pieces and a basis")
	}
	abs, err := outputDir(dir)
	if err != nil {
		return nil, err
	}
	video, audio := pieces[0].Source.HasVideo, false
	for i, p := range pieces {
		if p.Source.HasVideo != video {
			return nil, Errorf("InvalidInput", "piece %d has video and piece 0 has not, or the other way round", i)
		}
		audio = audio || p.Source.HasAudio
		if p.End <= p.Start {
			return nil, Errorf("InvalidInput.InvalidTimeOffset", "piece %d: the range [%g, %g) is empty", i, p.Start, p.End)
		}
	}
	var enc *videoEnc
	if video {
		v := out.Video
		v.Codec = cmp.Or(v.Codec, "libx264")
		if v.Fps == 0 {
			v.Fps = int64(cmpOr(out.Basis.Fps, 25) + 0.5) // one rate for all the pieces
		}
		if v.Bitrate == 0 && out.BasisBitrate && out.Basis.Bitrate > 0 {
			v.Bitrate = out.Basis.Bitrate / 1000
		}
		if v.FillType == "" {
			v.FillType = "black"
		}
		if enc, err = newVideoEnc(&v, out.Basis); err != nil {
			return nil, err
		}
	}
	rate := cmp.Or(out.SampleRate, joinAudioRate)
	var args, graph []string
	var total float64
	concatIn := ""
	for i, p := range pieces {
		d := p.End - p.Start
		total += d
		in, err := p.Source.input("-ss", secs(p.Start), "-t", secs(d))
		if err != nil {
			return nil, err
		}
		args = append(args, in...)
		if video {
			sf, _ := scaleFilter(enc.w, enc.h, enc.fill) // checked by newVideoEnc
			graph = append(graph, fmt.Sprintf("[%d:v:0]%s,fps=%s,format=yuv420p,setpts=PTS-STARTPTS[v%d]", i, sf, secs(enc.fps), i))
			concatIn += fmt.Sprintf("[v%d]", i)
		}
		if audio {
			if p.Source.HasAudio {
				graph = append(graph, fmt.Sprintf("[%d:a:0]aresample=%d,aformat=sample_fmts=fltp:channel_layouts=stereo,asetpts=PTS-STARTPTS[a%d]", i, rate, i))
			} else {
				graph = append(graph, fmt.Sprintf("anullsrc=r=%d:cl=stereo,atrim=duration=%s[a%d]", rate, secs(d), i))
			}
			concatIn += fmt.Sprintf("[a%d]", i)
		}
	}
	graph = append(graph, fmt.Sprintf("%sconcat=n=%d:v=%d:a=%d%s%s", concatIn, len(pieces), b2i(video), b2i(audio),
		map[bool]string{true: "[v]"}[video], map[bool]string{true: "[a]"}[audio]))
	args = append(args, "-filter_complex", strings.Join(graph, ";"))
	res := &JoinResult{Path: filepath.Join(abs, "out.mp4"), Duration: total}
	if video {
		args = append(args, "-map", "[v]")
		args = append(args, enc.args("v")...)
		res.VideoEncoder = enc.codec
	}
	if audio {
		args = append(args, "-map", "[a]", "-c:a", "aac", "-b:a", kbps(cmp.Or(out.AudioBitrate, joinAudioKbps)), "-ar", fmt.Sprint(rate))
	}
	args = append(args, "-movflags", "+faststart", "-f", "mp4", res.Path)
	cmd := ffmpeg.Cmd{Args: args, Timeout: opt.timeout(total), Duration: total, Progress: opt.Progress}
	if err := ffmpeg.Run(ctx, cmd); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	return res, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
