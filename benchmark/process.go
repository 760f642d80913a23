package benchmark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/openvod/openvod/benchmark/measure"
)

// runProcess is a run of the media-processing rows alone
// (Options.ProcessOnly): the image rows, then the transcode rows.
func runProcess(ctx context.Context, o Options, work string, logf func(string, ...any)) (*Report, error) {
	vz := fullVideo
	quickSrc := ""
	if o.Quick {
		vz = quickVideo
		var err error
		if quickSrc, err = measure.EnsureFile(work, "src60s240p.mp4", measure.SourceFor("320x240", 60, "300k"), logf); err != nil {
			return nil, err
		}
	}
	tmp, err := os.MkdirTemp("", "openvod-bench-process-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	load := measure.LoadAvg()
	logf("images: snapshots and an image sprite (package process)")
	imageRows, imageNote, err := benchImages(ctx, o, work, quickSrc, filepath.Join(tmp, "images"), logf)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	logf("transcodes")
	videoRows, videoNote, err := benchProcessVideo(ctx, o.Self, work, filepath.Join(tmp, "video"), vz, logf)
	if err != nil {
		return nil, fmt.Errorf("transcodes: %w", err)
	}
	return &Report{Rows: append(imageRows, videoRows...), Notes: []string{imageNote, videoNote}, Quick: o.Quick, Machine: []string{
		"Date: " + time.Now().UTC().Format("2006-01-02 15:04 MST"),
		"CPU: " + measure.CPUModel(),
		fmt.Sprintf("Cores: %d", runtime.NumCPU()),
		"Load average (1, 5, 15 min) at start: " + load + ", at end: " + measure.LoadAvg(),
		"ffmpeg: " + measure.FFmpegVersion(),
	}}, nil
}
