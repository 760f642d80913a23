package clip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/mp4"
)

// ExactTimeoutDefault bounds one ffmpeg run.
const ExactTimeoutDefault = 30 * time.Minute

// ErrNoFFmpeg is returned by Exact when ffmpeg is not installed.
var ErrNoFFmpeg = errors.New("Exact precision needs ffmpeg, which is not installed (apt-get install ffmpeg)")

// ExactParams is a re-encoding cut.
type ExactParams struct {
	// SrcPath is the source file, or empty when the source is at SrcURL.
	SrcPath string
	// SrcURL, used when SrcPath is empty, is an http or https URL of the
	// source (a presigned URL of object storage), and Src and SrcSize hold
	// the same bytes for openvod's parser to read first.
	SrcURL  string
	Src     io.ReaderAt
	SrcSize int64
	// ScratchDir receives the output; the caller removes it.
	ScratchDir string
	// Start and End are the range, in seconds of presentation time.
	Start, End float64
	// Timeout bounds the ffmpeg run (ExactTimeoutDefault when zero).
	Timeout time.Duration
	// Progress, when set, receives the fraction done (0..1) as ffmpeg reports it.
	Progress func(float64)
}

// ExactResult is a checked re-encoded clip.
type ExactResult struct {
	Path     string  // the output file, in ScratchDir
	Duration float64 // its duration, as openvod's parser reads it
	// VideoEncoder is the ffmpeg video encoder used: EncoderHEVC for an
	// HEVC source, else EncoderH264.
	VideoEncoder string
}

// ExactSourceError is a failure caused by the source, final for the clip:
// openvod's own parser cannot read it (ffmpeg is then not run), or ffmpeg
// ran and could not make the clip. Reason is the whole message.
type ExactSourceError struct{ Reason string }

// Error returns the reason.
func (e *ExactSourceError) Error() string { return e.Reason }

// ffmpegFailed returns the ExactSourceError of a failed ffmpeg run.
func ffmpegFailed(reason string) error {
	return &ExactSourceError{Reason: "ffmpeg could not clip the source: " + reason}
}

// Exact re-encodes [Start, End) of the source with ffmpeg (the video in
// its own codec where it is HEVC, else H.264, see videoEncoder; AAC; fast
// start), started with an argument list, never a shell.
//
// ffmpeg reads only the source: Exact first parses it with openvod's own
// MP4 parser and refuses, without running ffmpeg, a file that parser cannot
// read (an HLS playlist, say, whatever its name or media type); ffmpeg is
// then told the demuxer that parser reads (mov, which is MP4 and MOV), may
// open the source's kind of location only (-protocol_whitelist file, or
// http,https,tcp,tls for SrcURL), and does not follow the file's external
// data references. The ffmpeg process is killed with
// its process group when ctx ends, and on Linux when the server dies.
//
// The output is accepted only when openvod's own parser reads it and finds
// the duration right to a frame: ffmpeg's exit status alone is not trusted.
func Exact(ctx context.Context, p ExactParams) (*ExactResult, error) {
	if !ffmpeg.Available() {
		return nil, ErrNoFFmpeg
	}
	if p.End <= p.Start {
		return nil, fmt.Errorf("exact clip: empty range %g..%g", p.Start, p.End)
	}
	input, inputArgs, err := p.input()
	if err != nil {
		return nil, err
	}
	codec, err := p.readSource()
	if err != nil {
		return nil, err
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = ExactTimeoutDefault
	}
	out := filepath.Join(p.ScratchDir, "clip.mp4")
	encoder, videoArgs := videoEncoder(codec)
	args := []string{"-ss", formatSeconds(p.Start), "-to", formatSeconds(p.End), "-f", sourceDemuxer}
	args = append(args, inputArgs...)
	args = append(args, "-enable_drefs", "0", "-i", input, "-map", "0:v:0?", "-map", "0:a:0?")
	args = append(args, videoArgs...)
	args = append(args, "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4", out)
	err = ffmpeg.Run(ctx, ffmpeg.Cmd{Args: args, Timeout: timeout, Duration: p.End - p.Start, Progress: p.Progress})
	var fe *ffmpeg.Error
	if errors.As(err, &fe) {
		return nil, ffmpegFailed(fe.Reason)
	}
	if err != nil {
		return nil, err
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, ffmpegFailed("ffmpeg wrote no output")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	info, err := Verify(f, fi.Size(), p.End-p.Start)
	if err != nil {
		return nil, ffmpegFailed("the re-encoded output failed openvod's check: " + err.Error())
	}
	if p.Progress != nil {
		p.Progress(1)
	}
	return &ExactResult{Path: out, Duration: info.Duration, VideoEncoder: encoder}, nil
}

// sourceDemuxer is the ffmpeg demuxer of the files openvod's parser reads:
// MP4, MOV and their relatives (m4a, 3gp, ...), which ffprobe names
// mov,mp4,m4a,3gp,3g2,mj2.
const sourceDemuxer = "mov"

// readSource parses the source (SrcPath's file, else Src) with
// [ParseSource] (openvod's MP4 parser, within the clip budget) and returns
// the codec (ffprobe name) of its first video track, "" when it has none.
// A file the parser refuses is an *ExactSourceError; a failure to read is
// returned as it is.
func (p *ExactParams) readSource() (videoCodec string, err error) {
	src, size := p.Src, p.SrcSize
	if p.SrcPath != "" {
		f, err := os.Open(p.SrcPath)
		if err != nil {
			return "", err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return "", err
		}
		src, size = f, fi.Size()
	}
	m, err := ParseSource(src, size)
	if err != nil {
		if !errors.Is(err, mp4.ErrInvalid) && !errors.Is(err, ErrTooLarge) {
			return "", err // a read error, not the source's fault
		}
		return "", &ExactSourceError{Reason: "the source is not an MP4 or MOV file that openvod can read, so ffmpeg was not run: " + err.Error()}
	}
	for _, t := range m.Tracks {
		if t.Handler == "vide" && len(t.SampleEntries) > 0 {
			return t.SampleEntries[0].Codec(), nil
		}
	}
	return "", nil
}

// input returns ffmpeg's input and the options before it (ffmpeg.Input);
// a URL source needs its bytes in Src for openvod's parser.
func (p *ExactParams) input() (input string, args []string, err error) {
	if p.SrcPath == "" && p.Src == nil {
		return "", nil, errors.New("exact clip: the source must be a file, or an http(s) URL with its bytes in Src")
	}
	return ffmpeg.Input(p.SrcPath, p.SrcURL)
}

// formatSeconds writes s to the microsecond, rounded down, so that a start
// on a frame's time keeps that frame.
func formatSeconds(s float64) string { return strconv.FormatFloat(math.Floor(s*1e6)/1e6, 'f', 6, 64) }
