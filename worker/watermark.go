package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/process"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// markSets are the MediaProcessTaskInput sets, by result type, whose
// items take a WatermarkSet.
var markSets = map[string]string{
	vodevent.ResultTranscode:                "TranscodeTaskSet",
	vodevent.ResultAdaptiveDynamicStreaming: "AdaptiveDynamicStreamingTaskSet",
	vodevent.ResultSnapshotByTimeOffset:     "SnapshotByTimeOffsetTaskSet",
	vodevent.ResultSampleSnapshot:           "SampleSnapshotTaskSet",
	vodevent.ResultCoverBySnapshot:          "CoverBySnapshotTaskSet",
}

// marks returns the watermarks of sub-task i, resolved at acceptance,
// with their images fetched into a new directory under dir.
func (f *flow) marks(ctx context.Context, i int, dir string) ([]process.Watermark, error) {
	sub := f.subs[i]
	resolved := f.in.Templates.MarksOf(markSets[sub.Type], sub.Index)
	if len(resolved) == 0 {
		return nil, nil
	}
	mdir := filepath.Join(dir, fmt.Sprintf("marks-%d", i))
	if err := os.Mkdir(mdir, 0o755); err != nil {
		return nil, err
	}
	marks := make([]process.Watermark, len(resolved))
	for j, m := range resolved {
		img := ""
		if m.ImageKey != "" {
			img = filepath.Join(mdir, fmt.Sprintf("%d%s", j, path.Ext(m.ImageKey)))
			if err := f.fetchImage(ctx, m, img); err != nil {
				return nil, err
			}
		}
		w, err := process.MarkOf(m, img)
		if err != nil {
			return nil, err
		}
		marks[j] = w
	}
	return marks, nil
}

// fetchImage copies a mark's image, checked when its template was made,
// to the file dst. An image no longer stored fails the sub-task.
func (f *flow) fetchImage(ctx context.Context, m *templates.Mark, dst string) error {
	obj, err := f.p.Blobs.Open(ctx, m.ImageKey)
	if errors.Is(err, blob.ErrNotFound) || errors.Is(err, blob.ErrInvalidKey) {
		return process.Errorf("InvalidInput", "the image of watermark template %d is no longer stored: the template was changed or deleted after the task was accepted", m.Template.Definition)
	}
	if err != nil {
		return &storeError{err}
	}
	defer obj.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(obj, templates.MaxWatermarkImageBytes+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return &storeError{err}
	case n > templates.MaxWatermarkImageBytes:
		return process.Errorf("InvalidInput", "the image of watermark template %d is larger than %d bytes", m.Template.Definition, templates.MaxWatermarkImageBytes)
	}
	return nil
}

// markDefinitions returns the Definitions of sub-task i's watermark
// templates, for WaterMarkDefinition ([] when none).
func (f *flow) markDefinitions(i int) []int64 {
	defs := []int64{}
	sub := f.subs[i]
	for _, m := range f.in.Templates.MarksOf(markSets[sub.Type], sub.Index) {
		defs = append(defs, m.Template.Definition)
	}
	return defs
}
