package process

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/mp4"
)

// gopCutMax is the largest cut a picture of Snapshots gets, which bounds
// the scratch space of a run's cuts (snapshotBatch of them): a picture
// whose keyframe group is larger (over 25 s of 10 Mb/s video) is seeked
// in the source instead.
const gopCutMax = 32 << 20

// gopCuts gives each picture of Snapshots an input of its own: a small
// MP4 that openvod's cutter writes from the keyframe before the picture's
// time to just past it, so that each ffmpeg input parses the index of a
// few frames instead of the whole source's (about 0.1 s and 20 MB for a
// 60-minute MP4). The source's moov is parsed once, by openvod's parser.
type gopCuts struct {
	r       io.ReaderAt
	file    *os.File // the source, when newGOPCuts opened it
	m       *mp4.Movie
	dir     string
	span    float64  // seconds a cut goes past its time
	max     int64    // the largest cut: gopCutMax
	written []string // cuts not yet released
}

// newGOPCuts returns the cuts of src, written into a directory of its own
// under dir; nil when src's bytes are not at hand or openvod's parser
// cannot read them within its budget (Snapshots then seeks in the source).
func newGOPCuts(src *Source, dir string) *gopCuts {
	g := &gopCuts{r: src.Bytes, max: gopCutMax}
	size := src.Size
	if g.r == nil {
		if src.Path == "" {
			return nil
		}
		f, err := os.Open(src.Path)
		if err != nil {
			return nil
		}
		g.r, g.file = f, f
		st, err := f.Stat()
		if err != nil {
			g.close()
			return nil
		}
		size = st.Size()
	}
	var err error
	if g.m, err = clip.ParseSource(g.r, size); err != nil {
		g.close()
		return nil
	}
	if g.dir, err = os.MkdirTemp(dir, "gop-"); err != nil {
		g.close()
		return nil
	}
	g.span = cutSpan(g.m)
	return g
}

// cutSpan is how far past a picture's time its cut goes, in seconds: a
// second, or twice the longest frame of the first video track, so that
// the first frame at or after the time is in the cut even at a low or
// variable frame rate.
func cutSpan(m *mp4.Movie) float64 {
	for _, t := range m.Tracks {
		if t.Handler != "vide" || t.Timescale == 0 {
			continue
		}
		var longest uint32
		for _, e := range t.TimeToSample {
			longest = max(longest, e.Delta)
		}
		return max(1, 2*float64(longest)/float64(t.Timescale))
	}
	return 1
}

// input returns the ffmpeg input of picture i at time t (seconds of the
// source) and whether it is a cut: the cut seeked to t, or, when the
// cutter refuses the range or the cut would be over g.max bytes, the source
// seeked to t.
func (g *gopCuts) input(src *Source, i int, t float64) (args []string, cut bool, err error) {
	if g == nil {
		args, err = src.input("-ss", fsecs(t))
		return args, false, err
	}
	end := min(t+g.span, src.Duration)
	p, err := clip.PlanFast(g.m, g.r, t, end, false)
	if err != nil || p.Size > g.max || p.EffectiveStart > t || !hasVideo(p) {
		args, err = src.input("-ss", fsecs(t))
		return args, false, err
	}
	path := filepath.Join(g.dir, fmt.Sprintf("gop-%d.mp4", i))
	f, err := os.Create(path)
	if err != nil {
		return nil, false, err
	}
	g.written = append(g.written, path)
	_, err = p.WriteTo(f, g.r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, false, fmt.Errorf("snapshots: cut the keyframe's group of %gs: %w", t, err)
	}
	// One decoder thread: a cut's few frames decode faster without the
	// frame threads' start-up (about 20% of a run of 10 cuts), to the
	// same picture.
	cutSrc := &Source{Path: path}
	args, err = cutSrc.input("-threads", "1", "-ss", fsecs(t-p.EffectiveStart))
	return args, true, err
}

// close removes the cuts' directory and closes the source it opened.
func (g *gopCuts) close() error {
	if g == nil {
		return nil
	}
	var err error
	if g.dir != "" {
		err = os.RemoveAll(g.dir)
	}
	if g.file != nil {
		err = errors.Join(err, g.file.Close())
	}
	return err
}

// hasVideo reports whether p copies a video track.
func hasVideo(p *clip.Plan) bool {
	for _, t := range p.Tracks {
		if t.Handler == "vide" {
			return true
		}
	}
	return false
}

// release removes the cuts written so far.
func (g *gopCuts) release() error {
	if g == nil {
		return nil
	}
	var err error
	for _, path := range g.written {
		err = errors.Join(err, os.Remove(path))
	}
	g.written = g.written[:0]
	return err
}
