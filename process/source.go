// Package process is the media-processing engine: transcodes (MP4, HLS,
// and ladders of them from one decode), adaptive-streaming packages,
// snapshots, sample snapshots, image sprites with their WebVTT cues,
// covers and animated graphics, made with ffmpeg (package ffmpeg) into a
// local directory. It has no database and no media store: the worker
// hands it a source and uploads what it wrote.
package process

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/openvod/openvod/ffmpeg"
)

// Source is the file a sub-task reads, as openvod's own MP4 parser
// described it (media.MetaData of the media record): ffmpeg reads only
// such a file, told its demuxer.
type Source struct {
	// Path is the source as a local file; or, when Path is empty, URL is
	// an http(s) URL of it (a presigned GET of object storage).
	Path, URL string
	Duration  float64 // seconds
	// VideoDuration is where the video ends, in seconds (0 when unknown:
	// Duration); before Duration when the audio lasts longer.
	VideoDuration float64
	// Width and Height are the video's coded size (0 without video);
	// Rotate is its rotation in degrees, as the metadata gives it.
	Width, Height, Rotate int64
	Fps                   float64
	HasVideo, HasAudio    bool
	// Bitrate is the whole file's bit rate in bits per second (0 when
	// unknown): DisableHigherVideoBitrate leaves out rungs above it.
	Bitrate int64
	// Bytes, when not nil, reads the source's Size bytes (the media
	// store's object, ranged reads on S3); without it Path is opened.
	// Snapshots cuts the keyframe groups it decodes out of them.
	Bytes io.ReaderAt
	Size  int64
}

// Options are a run's bounds and observer.
type Options struct {
	// Timeout bounds each ffmpeg run (TimeoutFor when zero).
	Timeout time.Duration
	// Progress, when set, receives the fraction done (0..1).
	Progress func(float64)
}

// timeout returns o's timeout, or TimeoutFor(d).
func (o Options) timeout(d float64) time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return TimeoutFor(d)
}

// TimeoutFor is the default bound of a run over d seconds of media: 2
// minutes plus four times the media's duration.
func TimeoutFor(d float64) time.Duration {
	return 2*time.Minute + time.Duration(4*max(d, 0)*float64(time.Second))
}

// Error is a sub-task failure caused by its input or its source: Code is
// the ErrCodeExt Tencent documents (InvalidInput.InvalidTimeOffset,
// SourceFileError.NoVideoMedia, ...), Message says what to change.
type Error struct {
	Code    string
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// sourceDemuxer is the ffmpeg demuxer of the files openvod's parser reads.
const sourceDemuxer = "mov"

// input returns ffmpeg's arguments reading the source: before opts (such
// as "-ss", a seek), the demuxer, the protocols allowed and no external
// data references, then -i.
func (s *Source) input(opts ...string) ([]string, error) {
	in, protoArgs, err := ffmpeg.Input(s.Path, s.URL)
	if err != nil {
		return nil, err
	}
	args := append([]string{}, opts...)
	args = append(args, "-f", sourceDemuxer)
	args = append(args, protoArgs...)
	return append(args, "-enable_drefs", "0", "-i", in), nil
}

// needVideo returns SourceFileError.NoVideoMedia when the source has no video.
func (s *Source) needVideo(what string) error {
	if !s.HasVideo || s.Width <= 0 || s.Height <= 0 {
		return Errorf("SourceFileError.NoVideoMedia", "the source has no video stream, so no %s can be made", what)
	}
	return nil
}

// displaySize is the source's size as shown: rotated by 90 or 270 degrees,
// width and height swap (ffmpeg rotates on decode).
func (s *Source) displaySize() (w, h int64) {
	if r := ((s.Rotate % 360) + 360) % 360; r == 90 || r == 270 {
		return s.Height, s.Width
	}
	return s.Width, s.Height
}

// Size is the output size a template's Width, Height and
// ResolutionAdaptive give for a source shown at srcW×srcH. With
// ResolutionAdaptive "open" (or ""), Width is the long edge and Height the
// short one; with "close", Width is the width. Both 0: the source's size;
// one 0: scaled to keep the source's aspect ratio. Sizes are even (what
// H.264 and H.265 need), at least 2.
func Size(srcW, srcH, w, h int64, adaptive string) (outW, outH int64) {
	if srcW <= 0 || srcH <= 0 {
		return 0, 0
	}
	portrait := srcH > srcW
	if adaptive != "close" && portrait {
		w, h = h, w // the long edge is the height
	}
	switch {
	case w == 0 && h == 0:
		w, h = srcW, srcH
	case w == 0:
		w = int64(math.Round(float64(h) * float64(srcW) / float64(srcH)))
	case h == 0:
		h = int64(math.Round(float64(w) * float64(srcH) / float64(srcW)))
	}
	return even(w), even(h)
}

func even(v int64) int64 { return max(2, v&^1) }

// scaleFilter returns the ffmpeg filter that makes the source's frames
// w×h with fill: "stretch" scales to w×h, changing the aspect ratio;
// "black" (the default) and "white" scale to fit and pad with that colour;
// "gauss" fits the frame over a blurred, scaled-up copy of itself.
func scaleFilter(w, h int64, fill string) (string, error) {
	W, H := strconv.FormatInt(w, 10), strconv.FormatInt(h, 10)
	fit := "scale=" + W + ":" + H + ":force_original_aspect_ratio=decrease:force_divisible_by=2"
	switch fill {
	case "stretch":
		return "scale=" + W + ":" + H + ",setsar=1", nil
	case "", "black", "white":
		color := "black"
		if fill == "white" {
			color = "white"
		}
		return fit + ",pad=" + W + ":" + H + ":(ow-iw)/2:(oh-ih)/2:" + color + ",setsar=1", nil
	case "gauss":
		return "split[fg][bg];[bg]scale=" + W + ":" + H + ",boxblur=20[blur];[fg]" + fit +
			"[fit];[blur][fit]overlay=(W-w)/2:(H-h)/2,setsar=1", nil
	}
	return "", errors.New("unknown FillType " + strconv.Quote(fill))
}
