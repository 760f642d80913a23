package hls

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Variant is a variant stream of another HLS packaging of the same
// media (a rung of an adaptive-streaming ladder that processing wrote),
// listed in the master playlist after the Index's own (Index.Master).
type Variant struct {
	// URI is the variant's media playlist, absolute.
	URI string
	// Bandwidth and AverageBandwidth are its BANDWIDTH and
	// AVERAGE-BANDWIDTH (0: not given).
	Bandwidth, AverageBandwidth int64
	// Codecs is its CODECS ("" when not given).
	Codecs string
	// Width and Height are its RESOLUTION; 0 for an audio-only variant.
	Width, Height int
	// FrameRate is its FRAME-RATE as written ("" when not given).
	FrameRate string
}

// MaxLadderPlaylist bounds the master playlist ParseVariants reads.
const MaxLadderPlaylist = 1 << 20

// ParseVariants returns the variant streams of the master playlist p
// (each EXT-X-STREAM-INF and the URI line after it), their URIs resolved
// against base, the playlist's own URL. A playlist that is not a master
// playlist, a variant without BANDWIDTH or URI, or a malformed attribute
// is an error.
func ParseVariants(p []byte, base *url.URL) ([]Variant, error) {
	if len(p) > MaxLadderPlaylist {
		return nil, fmt.Errorf("hls: master playlist of %d bytes, over %d", len(p), MaxLadderPlaylist)
	}
	sc := bufio.NewScanner(bytes.NewReader(p))
	sc.Buffer(nil, MaxLadderPlaylist)
	var out []Variant
	var cur *Variant
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			if line != "#EXTM3U" {
				return nil, errors.New("hls: not a playlist: no #EXTM3U")
			}
			first = false
			continue
		}
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXT-X-STREAM-INF:"):
			v, err := parseStreamInf(strings.TrimPrefix(line, "#EXT-X-STREAM-INF:"))
			if err != nil {
				return nil, err
			}
			cur = &v
		case strings.HasPrefix(line, "#EXTINF:"):
			return nil, errors.New("hls: a media playlist, not a master playlist")
		case strings.HasPrefix(line, "#"):
		case cur == nil:
			return nil, fmt.Errorf("hls: URI %q without EXT-X-STREAM-INF", line)
		default:
			ref, err := url.Parse(line)
			if err != nil {
				return nil, fmt.Errorf("hls: variant URI %q: %w", line, err)
			}
			cur.URI = base.ResolveReference(ref).String()
			out = append(out, *cur)
			cur = nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("hls: master playlist: %w", err)
	}
	if first || cur != nil {
		return nil, errors.New("hls: master playlist ends without a URI after EXT-X-STREAM-INF")
	}
	return out, nil
}

// parseStreamInf reads the attributes of an EXT-X-STREAM-INF that a
// Variant keeps.
func parseStreamInf(list string) (Variant, error) {
	var v Variant
	for rest := list; rest != ""; {
		name, after, ok := strings.Cut(rest, "=")
		if !ok || name == "" {
			return v, fmt.Errorf("hls: EXT-X-STREAM-INF %q: bad attribute at %q", list, rest)
		}
		var value string
		if quoted, ok := strings.CutPrefix(after, `"`); ok {
			if value, rest, ok = strings.Cut(quoted, `"`); !ok {
				return v, fmt.Errorf("hls: EXT-X-STREAM-INF %q: unterminated string", list)
			}
		} else {
			value, rest = after, ""
			if i := strings.IndexByte(after, ','); i >= 0 {
				value, rest = after[:i], after[i:]
			}
		}
		if rest != "" {
			if rest, ok = strings.CutPrefix(rest, ","); !ok || rest == "" {
				return v, fmt.Errorf("hls: EXT-X-STREAM-INF %q: no attribute after %s", list, name)
			}
		}
		var err error
		switch name {
		case "BANDWIDTH":
			v.Bandwidth, err = strconv.ParseInt(value, 10, 64)
		case "AVERAGE-BANDWIDTH":
			v.AverageBandwidth, err = strconv.ParseInt(value, 10, 64)
		case "CODECS":
			v.Codecs = value
		case "RESOLUTION":
			w, h, ok := strings.Cut(value, "x")
			if v.Width, err = strconv.Atoi(w); err == nil && ok {
				v.Height, err = strconv.Atoi(h)
			} else if !ok {
				err = errors.New("not WxH")
			}
		case "FRAME-RATE":
			_, err = strconv.ParseFloat(value, 64)
			v.FrameRate = value
		}
		if err != nil {
			return v, fmt.Errorf("hls: EXT-X-STREAM-INF %q: %s=%q: %v", list, name, value, err)
		}
	}
	if v.Bandwidth <= 0 {
		return v, fmt.Errorf("hls: EXT-X-STREAM-INF %q: no BANDWIDTH", list)
	}
	return v, nil
}

// video reports whether the variant has video: a RESOLUTION, or a codec
// that is not audio.
func (v *Variant) video() bool {
	if v.Width > 0 {
		return true
	}
	for c := range strings.SplitSeq(v.Codecs, ",") {
		if c = strings.TrimSpace(c); c != "" && !audioCodec(c) {
			return true
		}
	}
	return false
}

// audioCodec reports whether a CODECS entry is an audio format.
func audioCodec(c string) bool {
	for _, p := range []string{"mp4a.", "ac-3", "ec-3", "opus", "flac", "mp3", "alac"} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}
