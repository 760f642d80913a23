package process

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/openvod/openvod/templates"
)

// FontFile is the font of every text watermark, whatever its FontType:
// DejaVu Sans, from Debian's fonts-dejavu-core.
const FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

// Watermark is one mark drawn on pictures: an image or a text, placed
// from a corner (or the centre) of the picture, in a window of time.
type Watermark struct {
	// Origin is TopLeft (also ""), TopRight, BottomLeft, BottomRight or
	// Center: the corner of the picture X and Y count from, and the
	// corner of the mark they place (Center: the centres, X and Y moving
	// the mark right and down).
	Origin string
	X, Y   Length
	// Image is the path of a PNG or JPEG (checked when its template was
	// made); Text is drawn when Image is "".
	Image string
	// Width and Height size the image, in pixels or percents of the
	// picture's; a zero Height keeps the image's aspect ratio.
	Width, Height Length
	// Opacity is 0 (invisible) to 1 (opaque).
	Opacity float64
	// Text is drawn in FontFile at FontSize pixels in FontColor (0xRRGGBB).
	Text      string
	FontSize  int64
	FontColor string
	// Start and End are seconds of the output the mark shows in: 0 is its
	// start (End: its end), -n is n seconds before its end.
	Start, End float64
}

// Length is a position or size: pixels, or a percentage of the picture's
// width (X, Width) or height (Y, Height).
type Length struct {
	Value   float64
	Percent bool
}

// of returns l in pixels of a picture side of size pixels.
func (l Length) of(size int64) int64 {
	if l.Percent {
		return int64(math.Round(l.Value * float64(size) / 100))
	}
	return int64(math.Round(l.Value))
}

// MarkOf returns the Watermark of a resolved mark whose image (for an
// image mark) was fetched to imagePath.
func MarkOf(m *templates.Mark, imagePath string) (Watermark, error) {
	t := m.Template
	w := Watermark{Origin: t.CoordinateOrigin, Start: m.StartTimeOffset, End: m.EndTimeOffset}
	var err error
	if w.X, err = parseLength("XPos", t.XPos); err != nil {
		return w, err
	}
	if w.Y, err = parseLength("YPos", t.YPos); err != nil {
		return w, err
	}
	switch {
	case t.Type == templates.WatermarkImage && t.ImageTemplate != nil && imagePath != "":
		w.Image, w.Opacity = imagePath, 1-float64(t.ImageTemplate.Transparency)/100
		if w.Width, err = parseLength("Width", t.ImageTemplate.Width); err != nil {
			return w, err
		}
		w.Height, err = parseLength("Height", t.ImageTemplate.Height)
		return w, err
	case t.Type == templates.WatermarkText && t.TextTemplate != nil:
		w.Text, w.Opacity, w.FontColor = m.TextContent, t.TextTemplate.FontAlpha, t.TextTemplate.FontColor
		w.FontSize = templates.FontSizePixels(t.TextTemplate.FontSize)
		return w, nil
	}
	return w, Errorf("InvalidInput.ConfigurationUnsupported", "watermark template %d is neither an image watermark with its image nor a text watermark", t.Definition)
}

func parseLength(field, s string) (Length, error) {
	v, percent, ok := templates.ParseLength(s)
	if !ok {
		return Length{}, Errorf("InvalidInput.ConfigurationUnsupported", "the watermark's %s %q is neither pixels nor a percentage", field, s)
	}
	return Length{v, percent}, nil
}

// window returns the seconds [a, b) of a stream of dur seconds that w
// shows in; b is +Inf for its end.
func (w *Watermark) window(dur float64) (a, b float64) {
	a, b = w.Start, math.Inf(1)
	if a < 0 {
		a = max(0, dur+a)
	}
	switch {
	case w.End > 0:
		b = w.End
	case w.End < 0:
		b = dur + w.End
	}
	return a, b
}

// markTarget is a stream marks are drawn on.
type markTarget struct {
	in, out string // labels of the stream and of the stream with its marks
	w, h    int64  // its picture size
	dur     float64
	// still: the stream is one picture at second at (a snapshot), which a
	// mark whose window misses leaves alone; otherwise each mark shows
	// in its window of the stream's dur seconds.
	still bool
	at    float64
}

// marks prepares the ffmpeg inputs and text files of a list of marks.
type marks struct {
	list []Watermark
	// inputs are the input arguments of the images, to follow the other
	// inputs; first is the index of the first.
	inputs []string
	images int // how many inputs
	first  int
	texts  []string // the text file of each text mark ("" for images)
	tmp    string   // the directory of the text files, removed by close
	tag    string   // begins the graph's labels, unique in the graph
}

// unsafeGraphPath holds the characters a path inside a filtergraph may
// not have (they would need escaping).
const unsafeGraphPath = `:\',;[]=%`

// prepareMarks returns the inputs of list's images, numbered from first,
// and writes its texts to files of a temporary directory. close removes
// them.
func prepareMarks(list []Watermark, first int) (*marks, error) {
	m := &marks{list: list, first: first, texts: make([]string, len(list))}
	for i, w := range list {
		if w.Image == "" {
			continue
		}
		abs, err := filepath.Abs(w.Image)
		if err != nil {
			return nil, err
		}
		demuxer := "png_pipe"
		switch strings.ToLower(filepath.Ext(abs)) {
		case ".png":
		case ".jpg", ".jpeg":
			demuxer = "jpeg_pipe"
		default:
			return nil, Errorf("InvalidInput.ConfigurationUnsupported", "watermark %d: the image %s is not a .png or .jpg", i, filepath.Base(abs))
		}
		m.inputs = append(m.inputs, "-f", demuxer, "-protocol_whitelist", "file", "-i", "file:"+abs)
		m.images++
	}
	for i, w := range list {
		if w.Image != "" {
			continue
		}
		if m.tmp == "" {
			tmp, err := os.MkdirTemp("", "openvod-marks-")
			if err != nil {
				return nil, err
			}
			m.tmp = tmp
			if strings.ContainsAny(tmp, unsafeGraphPath) || strings.ContainsAny(FontFile, unsafeGraphPath) {
				m.close()
				return nil, fmt.Errorf("process: the temporary directory %q needs escaping in a filtergraph", tmp)
			}
		}
		m.texts[i] = filepath.Join(m.tmp, fmt.Sprintf("mark-%d.txt", i))
		if err := os.WriteFile(m.texts[i], []byte(w.Text), 0o600); err != nil {
			m.close()
			return nil, err
		}
	}
	return m, nil
}

// close removes the text files.
func (m *marks) close() {
	if m != nil && m.tmp != "" {
		os.RemoveAll(m.tmp)
	}
}

// graph returns the filtergraph chains that draw the marks on every
// target, ending in the target's out label.
func (m *marks) graph(targets []markTarget) []string {
	// uses[i] lists, for image mark i, the labels its copies go to.
	uses := make([][]string, len(m.list))
	drawn := make([][]int, len(targets))
	for k, t := range targets {
		for i := range m.list {
			if a, b := m.list[i].window(t.dur); t.still && (t.at < a || t.at >= b) {
				continue
			}
			drawn[k] = append(drawn[k], i)
			if m.list[i].Image != "" {
				uses[i] = append(uses[i], fmt.Sprintf("[%swm%d_%d]", m.tag, i, k))
			}
		}
	}
	var g []string
	input := m.first
	for i, w := range m.list {
		if w.Image == "" {
			continue
		}
		if n := len(uses[i]); n == 1 {
			g = append(g, fmt.Sprintf("[%d:v]format=rgba,colorchannelmixer=aa=%s%s", input, fsecs(w.Opacity), uses[i][0]))
		} else if n > 1 {
			g = append(g, fmt.Sprintf("[%d:v]format=rgba,colorchannelmixer=aa=%s,split=%d%s", input, fsecs(w.Opacity), n, strings.Join(uses[i], "")))
		}
		input++
	}
	for k, t := range targets {
		cur := t.in
		if len(drawn[k]) == 0 {
			g = append(g, cur+"null"+t.out)
		}
		for n, i := range drawn[k] {
			next := t.out
			if n < len(drawn[k])-1 {
				next = fmt.Sprintf("[%smk%d_%d]", m.tag, k, i)
			}
			w := &m.list[i]
			enable := ""
			if a, b := w.window(t.dur); !t.still && (a > 0 || !math.IsInf(b, 1)) {
				enable = fmt.Sprintf(":enable='between(t,%s,%s)'", fsecs(a), fsecs(min(b, 1e9)))
			}
			x, y := w.X.of(t.w), w.Y.of(t.h)
			if w.Image != "" {
				iw, ih := w.Width.of(t.w), w.Height.of(t.h)
				if ih == 0 {
					ih = -1
				}
				img, scaled := fmt.Sprintf("[%swm%d_%d]", m.tag, i, k), fmt.Sprintf("[%sws%d_%d]", m.tag, i, k)
				g = append(g, fmt.Sprintf("%sscale=%d:%d%s", img, max(iw, 1), ih, scaled),
					fmt.Sprintf("%s%soverlay=x=%s:y=%s%s%s", cur, scaled, place(w.Origin, "W-w", x, true), place(w.Origin, "H-h", y, false), enable, next))
			} else {
				g = append(g, fmt.Sprintf("%sdrawtext=fontfile=%s:textfile=%s:expansion=none:fontsize=%d:fontcolor=%s@%s:x=%s:y=%s%s%s",
					cur, FontFile, m.texts[i], w.FontSize, w.FontColor, fsecs(w.Opacity),
					place(w.Origin, "w-tw", x, true), place(w.Origin, "h-th", y, false), enable, next))
			}
			cur = next
		}
	}
	return g
}

// videoMarkInputs returns the input arguments of the marks of vs (each
// list once, in vs's order), numbering their images from first and
// tagging their labels apart.
func videoMarkInputs(vs []*videoEnc, first int) []string {
	var args []string
	var seen []*marks
	for _, v := range vs {
		if m := v.marks; m != nil && !slices.Contains(seen, m) {
			m.first, m.tag = first, fmt.Sprintf("k%d", len(seen))
			first += m.images
			args = append(args, m.inputs...)
			seen = append(seen, m)
		}
	}
	return args
}

// place returns the expression of a mark's left (horizontal) or top
// edge: off pixels from the origin's side; room is the expression of the
// picture's size less the mark's.
func place(origin, room string, off int64, horizontal bool) string {
	o := strconv.FormatInt(off, 10)
	far := horizontal && (origin == "TopRight" || origin == "BottomRight") ||
		!horizontal && (origin == "BottomLeft" || origin == "BottomRight")
	switch {
	case origin == "Center":
		return "(" + room + ")/2+" + o
	case far:
		return room + "-" + o
	}
	return o
}
