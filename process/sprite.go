package process

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/openvod/openvod/ffmpeg"
	"github.com/openvod/openvod/templates"
)

// ImageSprite writes the image sprite of template t over the whole source
// into dir, as sprite-<i>.<jpg|png|webp>: one tile of the template's size
// (Size of the source, fitted by its FillType) per SampleInterval (seconds
// for SampleType Time, percent of the duration for Percent), RowCount rows
// of ColumnCount tiles per sheet, filled row by row; the last sheet's
// empty tiles are black. Its cues cover every interval of the source, the
// last one ending at the duration.
//
// It decodes the keyframes only (-skip_frame nokey), one ffmpeg run over
// the source, and tile k shows the last keyframe at or before the start
// of its interval (k × interval): exact when keyframes fall on the
// interval's multiples, otherwise up to one keyframe interval (GOP)
// early; intervals after the last keyframe show it.
func ImageSprite(ctx context.Context, src *Source, t *templates.ImageSprite, dir string, opt Options) (*Sprite, error) {
	if err := src.needVideo("image sprite"); err != nil {
		return nil, err
	}
	step, n := sampleGrid(src.Duration, t.SampleType, t.SampleInterval)
	if n == 0 {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "the image sprite's SampleType %q and SampleInterval %d give no interval: use Percent or Time and an interval above 0", t.SampleType, t.SampleInterval)
	}
	if t.RowCount <= 0 || t.ColumnCount <= 0 {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "the image sprite's RowCount %d and ColumnCount %d must be above 0", t.RowCount, t.ColumnCount)
	}
	ext, enc, err := imageEncoder(t.Format)
	if err != nil {
		return nil, err
	}
	sw, sh := src.displaySize()
	w, h := Size(sw, sh, t.Width, t.Height, t.ResolutionAdaptive)
	scale, err := scaleFilter(w, h, t.FillType)
	if err != nil {
		return nil, Errorf("InvalidInput.ConfigurationUnsupported", "%v", err)
	}
	cols := int(t.ColumnCount)
	perSheet := int(t.RowCount) * cols
	sp := &Sprite{TileWidth: w, TileHeight: h, Cues: make([]Cue, n)}
	for k := range sp.Cues {
		i := k % perSheet
		sp.Cues[k] = Cue{Start: float64(k) * step, End: min(float64(k+1)*step, src.Duration), Sheet: k / perSheet,
			X: int64(i%cols) * w, Y: int64(i/cols) * h}
	}
	for i := range (n + perSheet - 1) / perSheet {
		sp.Sheets = append(sp.Sheets, filepath.Join(dir, fmt.Sprintf("sprite-%d.%s", i, ext)))
	}

	// One decoder thread: frame threads only pass the skipped frames
	// around (5.4 s against 1.2 s for the keyframes of 60 minutes of 360p).
	args, err := src.input("-skip_frame", "nokey", "-threads", "1", "-an", "-sn", "-dn")
	if err != nil {
		return nil, err
	}
	// fps round=up gives slot k the last frame at or before k × step;
	// tpad and trim make the count of tiles n whatever the last
	// keyframe's time.
	filter := fmt.Sprintf("fps=fps=1/%s:round=up:start_time=0,tpad=stop_mode=clone:stop=%d,trim=end_frame=%d,%s,tile=%dx%d",
		fsecs(step), n, n, scale, cols, t.RowCount)
	args = append(args, "-map", "0:v:0", "-vf", filter, "-fps_mode", "vfr")
	args = append(args, enc...)
	args = append(args, "-f", "image2", "-start_number", "0", imagePattern(dir, "sprite-%d."+ext))
	err = ffmpeg.Run(ctx, ffmpeg.Cmd{Args: args, Timeout: opt.timeout(src.Duration), Duration: src.Duration, Progress: opt.Progress})
	if err != nil {
		return nil, fmt.Errorf("image sprite: %w", err)
	}
	if err := needFiles(sp.Sheets, "the sprite sheet"); err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress(1)
	}
	return sp, nil
}
