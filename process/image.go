package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/openvod/openvod/ffmpeg"
)

// imageEncoder returns the file extension and ffmpeg's encoder options of
// a still picture format (jpg, the default, png or webp).
func imageEncoder(format string) (ext string, args []string, err error) {
	switch format {
	case "", "jpg", "jpeg":
		return "jpg", []string{"-c:v", "mjpeg", "-q:v", "2"}, nil
	case "png":
		return "png", []string{"-c:v", "png"}, nil
	case "webp":
		return "webp", []string{"-c:v", "libwebp", "-quality", "90"}, nil
	}
	return "", nil, Errorf("InvalidInput.ConfigurationUnsupported", "the picture format %q is not jpg, png or webp", format)
}

// imagePattern is a numbered image2 output of dir: a % in dir is escaped,
// so that only the frame number is a pattern.
func imagePattern(dir, name string) string {
	return strings.ReplaceAll(dir, "%", "%%") + string(filepath.Separator) + name
}

// needFiles checks that ffmpeg wrote every file of paths (it exits with
// status 0 when a seek finds no frame).
func needFiles(paths []string, what string) error {
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			return Errorf("SourceFileError", "the source's video gave no picture for %s %s (its video ends early or is damaged)", what, filepath.Base(p))
		}
	}
	return nil
}

// PSNR returns the mean peak signal-to-noise ratio, in dB, of picture a
// against picture b, both of the same size, as ffmpeg's psnr filter
// computes it: +Inf when they are identical. The tests and the benchmark
// check the engine's pictures with it.
func PSNR(ctx context.Context, a, b string) (float64, error) {
	tmp, err := os.MkdirTemp("", "openvod-psnr-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	stats := filepath.Join(tmp, "psnr.log")
	if strings.ContainsAny(stats, `:\',;[]=`) {
		return 0, errors.New("psnr: the temporary directory's path needs escaping in a filtergraph: " + stats)
	}
	var args []string
	for _, p := range []string{a, b} {
		abs, err := filepath.Abs(p)
		if err != nil {
			return 0, err
		}
		args = append(args, "-f", "image2", "-pattern_type", "none", "-protocol_whitelist", "file", "-i", "file:"+abs)
	}
	args = append(args, "-lavfi", "[0:v][1:v]psnr=stats_file="+stats, "-f", "null", "-")
	if err := ffmpeg.Run(ctx, ffmpeg.Cmd{Args: args, Timeout: time.Minute}); err != nil {
		return 0, fmt.Errorf("psnr of %s against %s: %w", a, b, err)
	}
	f, err := os.Open(stats)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for _, field := range strings.Fields(sc.Text()) {
			if v, ok := strings.CutPrefix(field, "psnr_avg:"); ok {
				if v == "inf" {
					return math.Inf(1), nil
				}
				return strconv.ParseFloat(v, 64)
			}
		}
	}
	return 0, errors.New("psnr: ffmpeg wrote no psnr_avg")
}
