package process

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/templates"
)

// defaultAnimatedQuality is a template's Quality when it has none (Tencent's default).
const defaultAnimatedQuality = 75

// AnimatedGraphic writes the animated graphic of template t of the
// source's range [start, end) (seconds, resolved) into dir, as
// animated.gif or animated.webp: t.Fps frames a second, at the size t's
// Width, Height and ResolutionAdaptive give the source (fitted, black
// bars when the aspect ratio differs), looping forever. A GIF's palette
// is computed from the range itself (palettegen and paletteuse in one
// run); a WebP is lossy at t.Quality (75 when 0).
func AnimatedGraphic(ctx context.Context, src *Source, t *templates.AnimatedGraphics, start, end float64, dir string, opt Options) (*Image, error) {
	if err := src.needVideo("animated graphic"); err != nil {
		return nil, err
	}
	if math.IsNaN(start) || math.IsNaN(end) || start < 0 || end <= start || start >= src.Duration {
		return nil, Errorf("InvalidInput.InvalidTimeOffset", "the animated graphic's range %gs to %gs is not a range inside the source (0 to %gs)", start, end, src.Duration)
	}
	end = min(end, src.Duration)
	if t.Fps < 1 || t.Fps > 30 {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "the animated graphic's Fps %d is not 1 to 30", t.Fps)
	}
	sw, sh := src.displaySize()
	w, h := Size(sw, sh, t.Width, t.Height, t.ResolutionAdaptive)
	scale, err := scaleFilter(w, h, "black")
	if err != nil {
		return nil, err
	}
	chain := "[0:v:0]fps=" + strconv.FormatInt(t.Fps, 10) + "," + scale
	var enc []string
	switch t.Format {
	case "", "gif":
		chain += ",split[gifa][gifb];[gifa]palettegen=stats_mode=diff[gifp];[gifb][gifp]paletteuse=dither=bayer:bayer_scale=3"
		enc = []string{"-c:v", "gif", "-loop", "0", "-f", "gif"}
	case "webp":
		q := t.Quality
		if q <= 0 {
			q = defaultAnimatedQuality
		}
		enc = []string{"-c:v", "libwebp_anim", "-lossless", "0", "-quality", strconv.FormatFloat(min(q, 100), 'f', -1, 64), "-loop", "0", "-f", "webp"}
	default:
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "the animated graphic's Format %q is not gif or webp", t.Format)
	}
	args, err := src.input("-ss", fsecs(start))
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "animated."+cmp.Or(t.Format, "gif"))
	args = append(args, "-t", fsecs(end-start), "-filter_complex", chain+"[out]", "-map", "[out]")
	args = append(args, enc...)
	args = append(args, file)
	err = ffmpeg.Run(ctx, ffmpeg.Cmd{Args: args, Timeout: opt.timeout(end - start), Duration: end - start, Progress: opt.Progress})
	if err != nil {
		return nil, fmt.Errorf("animated graphic: %w", err)
	}
	if err := needFiles([]string{file}, "the animated graphic"); err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress(1)
	}
	return &Image{File: file, Time: start, Width: w, Height: h}, nil
}
