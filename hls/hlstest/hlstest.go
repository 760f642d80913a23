// Package hlstest checks HLS playlists strictly, for the tests of the
// packages that write or serve them (hls, media, e2e): RFC 8216 syntax of
// attribute lists, the tags openvod writes and their order. It imports
// only the standard library, so that package hls's own tests can use it.
package hlstest

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// AudioGroup is the GROUP-ID of the audio rendition openvod writes.
const AudioGroup = "audio"

// attrRe matches one attribute of an attribute list (RFC 8216 §4.2): a
// name of A-Z, 0-9 and '-', and a quoted string, a hexadecimal sequence, a
// resolution, a decimal or an enumerated string.
var attrRe = regexp.MustCompile(`^[A-Z0-9-]+=("[^"\r\n]*"|0[xX][0-9A-Fa-f]+|[0-9]+x[0-9]+|-?[0-9]+(\.[0-9]+)?|[A-Za-z0-9_-]+)`)

// Attrs parses an attribute list strictly, failing on any syntax error or
// repeated name.
func Attrs(tb testing.TB, list string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for rest := list; rest != ""; {
		m := attrRe.FindString(rest)
		if m == "" {
			tb.Fatalf("attribute list %q: bad syntax at %q", list, rest)
		}
		name, value, _ := strings.Cut(m, "=")
		if _, dup := out[name]; dup {
			tb.Fatalf("attribute list %q: %s twice", list, name)
		}
		out[name] = strings.Trim(value, `"`)
		rest = rest[len(m):]
		if rest != "" {
			if rest[0] != ',' || len(rest) == 1 {
				tb.Fatalf("attribute list %q: no comma before %q", list, rest)
			}
			rest = rest[1:]
		}
	}
	return out
}

// Master is what CheckMaster reads from a master playlist.
type Master struct {
	Variant  map[string]string // the first variant's attributes
	URI      string            // and its URI
	Variants []map[string]string
	URIs     []string
	AudioURI string
}

// CheckMaster checks a master playlist's syntax and tags.
func CheckMaster(tb testing.TB, text string) Master {
	tb.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 2 || lines[0] != "#EXTM3U" || lines[1] != "#EXT-X-VERSION:7" {
		tb.Fatalf("master playlist starts with %.100q", text)
	}
	var mi Master
	for i := 2; i < len(lines); i++ {
		if i == 2 && lines[i] == "#EXT-X-INDEPENDENT-SEGMENTS" {
			continue
		}
		tag, list, _ := strings.Cut(lines[i], ":")
		switch tag {
		case "#EXT-X-MEDIA":
			a := Attrs(tb, list)
			if a["TYPE"] != "AUDIO" || a["GROUP-ID"] == "" || a["NAME"] == "" || a["URI"] == "" || a["DEFAULT"] != "YES" {
				tb.Fatalf("EXT-X-MEDIA %q", list)
			}
			mi.AudioURI = a["URI"]
		case "#EXT-X-STREAM-INF":
			if i+1 >= len(lines) || strings.HasPrefix(lines[i+1], "#") || lines[i+1] == "" {
				tb.Fatalf("EXT-X-STREAM-INF without a URI")
			}
			mi.Variants = append(mi.Variants, Attrs(tb, list))
			i++
			mi.URIs = append(mi.URIs, lines[i])
		default:
			tb.Fatalf("unexpected line %q in the master playlist", lines[i])
		}
	}
	if len(mi.Variants) == 0 {
		tb.Fatalf("no EXT-X-STREAM-INF")
	}
	mi.Variant, mi.URI = mi.Variants[0], mi.URIs[0]
	for _, v := range mi.Variants {
		for _, k := range []string{"BANDWIDTH", "AVERAGE-BANDWIDTH", "CODECS"} {
			if v[k] == "" {
				tb.Fatalf("EXT-X-STREAM-INF %v without %s", v, k)
			}
		}
		bw, _ := strconv.Atoi(v["BANDWIDTH"])
		avg, _ := strconv.Atoi(v["AVERAGE-BANDWIDTH"])
		if avg <= 0 || bw < avg {
			tb.Fatalf("BANDWIDTH %d, AVERAGE-BANDWIDTH %d", bw, avg)
		}
		if g := v["AUDIO"]; g != "" && (mi.AudioURI == "" || g != AudioGroup) {
			tb.Fatalf("variant %v: AUDIO group %q has no rendition", v, g)
		}
		if v["AUDIO"] != "" && !strings.Contains(v["CODECS"], "mp4a.") {
			tb.Fatalf("variant %v plays an audio group without its codec", v)
		}
	}
	if mi.AudioURI != "" && mi.Variant["AUDIO"] == "" {
		tb.Fatalf("audio rendition not referenced by the variant")
	}
	return mi
}

// Media is what CheckMedia reads from a media playlist.
type Media struct {
	Target int
	// InitURI is the first EXT-X-MAP's URI.
	InitURI string
	URIs    []string
	ExtInf  []float64
	// Duration is the sum of the EXTINF.
	Duration float64
	// Discontinuities are the indexes of the segments that follow an
	// EXT-X-DISCONTINUITY, and Maps the URI of the EXT-X-MAP in force at
	// each segment.
	Discontinuities []int
	Maps            []string
}

// CheckMedia checks a whole media playlist's syntax and tags: every
// required tag once, in order, each EXTINF followed by its URI, every
// rounded EXTINF at most the target duration, ENDLIST last. Between the
// segments only EXT-X-DISCONTINUITY may appear, each followed by at most
// one EXT-X-MAP, and never before the first segment.
func CheckMedia(tb testing.TB, text string) Media {
	tb.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	head := []string{"#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:", "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-MAP:"}
	if len(lines) > 5 && lines[5] != head[5] { // declared only for independent segments
		head = append(head[:5:5], head[6])
	}
	mapAt := len(head) - 1
	if len(lines) < len(head)+3 {
		tb.Fatalf("media playlist of %d lines", len(lines))
	}
	var mi Media
	for i, want := range head {
		if !strings.HasPrefix(lines[i], want) || (!strings.HasSuffix(want, ":") && lines[i] != want) {
			tb.Fatalf("line %d is %q, want %q", i+1, lines[i], want)
		}
	}
	var err error
	if mi.Target, err = strconv.Atoi(strings.TrimPrefix(lines[2], head[2])); err != nil || mi.Target < 1 {
		tb.Fatalf("target duration %q", lines[2])
	}
	mi.InitURI = Attrs(tb, strings.TrimPrefix(lines[mapAt], head[mapAt]))["URI"]
	if lines[len(lines)-1] != "#EXT-X-ENDLIST" {
		tb.Fatalf("last line %q", lines[len(lines)-1])
	}
	body := lines[len(head) : len(lines)-1]
	initURI := mi.InitURI
	for i := 0; i < len(body); i++ {
		if body[i] == "#EXT-X-DISCONTINUITY" {
			if len(mi.URIs) == 0 || (len(mi.Discontinuities) > 0 && mi.Discontinuities[len(mi.Discontinuities)-1] == len(mi.URIs)) {
				tb.Fatalf("EXT-X-DISCONTINUITY before the first segment or twice in a row")
			}
			mi.Discontinuities = append(mi.Discontinuities, len(mi.URIs))
			if i+1 < len(body) && strings.HasPrefix(body[i+1], "#EXT-X-MAP:") {
				i++
				if initURI = Attrs(tb, strings.TrimPrefix(body[i], "#EXT-X-MAP:"))["URI"]; initURI == "" {
					tb.Fatalf("EXT-X-MAP without a URI: %q", body[i])
				}
			}
			continue
		}
		v, ok := strings.CutPrefix(body[i], "#EXTINF:")
		v, ok2 := strings.CutSuffix(v, ",")
		d, err := strconv.ParseFloat(v, 64)
		if !ok || !ok2 || err != nil || d <= 0 {
			tb.Fatalf("line %q is not an EXTINF", body[i])
		}
		if int(math.Round(d)) > mi.Target {
			tb.Errorf("segment %d of %.6f s is over the target duration %d", len(mi.URIs), d, mi.Target)
		}
		if i+1 >= len(body) || strings.HasPrefix(body[i+1], "#") || body[i+1] == "" {
			tb.Fatalf("EXTINF without a URI: %q", body[min(i+1, len(body)-1)])
		}
		i++
		mi.ExtInf = append(mi.ExtInf, d)
		mi.URIs = append(mi.URIs, body[i])
		mi.Maps = append(mi.Maps, initURI)
		mi.Duration += d
	}
	if len(mi.URIs) == 0 {
		tb.Fatalf("media playlist without segments")
	}
	return mi
}
