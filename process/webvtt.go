package process

import (
	"bufio"
	"fmt"
	"io"
	"math"
)

// WriteWebVTT writes the WebVTT file of an image sprite: one cue per
// interval, "HH:MM:SS.mmm --> HH:MM:SS.mmm", then the URL of its sheet
// (sheetURLs[i] is the URL of s.Sheets[i]) with the tile as a media
// fragment, "#xywh=X,Y,W,H".
func WriteWebVTT(w io.Writer, s *Sprite, sheetURLs []string) error {
	if len(sheetURLs) != len(s.Sheets) {
		return fmt.Errorf("webvtt: %d URLs for %d sheets", len(sheetURLs), len(s.Sheets))
	}
	b := bufio.NewWriter(w)
	b.WriteString("WEBVTT\n")
	for _, c := range s.Cues {
		if c.Sheet < 0 || c.Sheet >= len(sheetURLs) {
			return fmt.Errorf("webvtt: a cue names sheet %d of %d", c.Sheet, len(sheetURLs))
		}
		fmt.Fprintf(b, "\n%s --> %s\n%s#xywh=%d,%d,%d,%d\n", vttTime(c.Start), vttTime(c.End), sheetURLs[c.Sheet], c.X, c.Y, s.TileWidth, s.TileHeight)
	}
	return b.Flush()
}

// vttTime formats seconds as WebVTT's HH:MM:SS.mmm, to the nearest millisecond.
func vttTime(sec float64) string {
	ms := int64(math.Round(max(sec, 0) * 1000))
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}
