package hls

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// MasterName is the file name of the master playlist, and these are the
// names of a track's files, relative to the master playlist.
const MasterName = "master.m3u8"

// PlaylistName returns the file name of the track's media playlist
// ("t1.m3u8").
func (t *Track) PlaylistName() string { return t.Name + ".m3u8" }

// InitName returns the path of the track's (first period's) init segment
// ("t1/init.mp4").
func (t *Track) InitName() string { return t.initName(0) }

// initName returns the path of the track's init segment k: "t1/init.mp4",
// then "t1/init-1.mp4", ... for the other periods' (see Segment.Period).
func (t *Track) initName(k int) string {
	if k == 0 {
		return t.Name + "/init.mp4"
	}
	return t.Name + "/init-" + strconv.Itoa(k) + ".mp4"
}

// SegmentName returns the path of the track's segment n ("t1/3.m4s").
func (t *Track) SegmentName(n int) string { return t.Name + "/" + strconv.Itoa(n) + ".m4s" }

// audioGroup is the GROUP-ID of the audio rendition.
const audioGroup = "audio"

// Master returns the master playlist: one variant stream, the video track
// (CODECS of video and audio, RESOLUTION, BANDWIDTH and AVERAGE-BANDWIDTH
// of both), with the audio track as the rendition of its AUDIO group; for
// an audio-only movie the variant is the audio track. URIs are relative
// to the master playlist. The ladder's variants follow, in their order
// (see ladderVariant). EXT-X-INDEPENDENT-SEGMENTS is declared when the
// Index is Independent and there is no ladder (whose segments the Index
// does not know); the media playlists declare it for themselves.
func (ix *Index) Master(ladder ...Variant) []byte {
	var video, audio *Track
	for _, t := range ix.Tracks {
		if t.Video {
			video = t
		} else {
			audio = t
		}
	}
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n")
	if ix.Independent && len(ladder) == 0 {
		b.WriteString("#EXT-X-INDEPENDENT-SEGMENTS\n")
	}
	if video == nil {
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,CODECS=%q\n%s\n",
			audio.Bandwidth, audio.AverageBandwidth, audio.Codec, audio.PlaylistName())
	} else {
		bw, avg, codecs := video.Bandwidth, video.AverageBandwidth, video.Codec
		if audio != nil {
			fmt.Fprintf(&b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=%q,NAME=%q,DEFAULT=YES,AUTOSELECT=YES,URI=%q\n",
				audioGroup, "audio", audio.PlaylistName())
			bw, avg, codecs = bw+audio.Bandwidth, avg+audio.AverageBandwidth, codecs+","+audio.Codec
		}
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,CODECS=%q,RESOLUTION=%dx%d", bw, avg, codecs, video.Width, video.Height)
		if audio != nil {
			fmt.Fprintf(&b, ",AUDIO=%q", audioGroup)
		}
		fmt.Fprintf(&b, "\n%s\n", video.PlaylistName())
	}
	for _, v := range ladder {
		writeVariant(&b, ladderVariant(v, video, audio))
	}
	return []byte(b.String())
}

// ladderVariant returns a ladder's variant as the master playlist lists
// it. A variant with video, in a movie whose video has an audio track,
// takes that track as its audio (AUDIO, its codec in CODECS unless there,
// its bit rates added to the variant's): every video variant then plays
// the one audio rendition, so that a player switching variants keeps its
// audio buffer, and a player ignores the variant's own muxed audio, as
// RFC 8216 §4.3.4.2.1 has it for a rendition with a URI. Other variants
// (audio-only rungs, a movie without audio) are listed as they are.
func ladderVariant(v Variant, video, audio *Track) variantLine {
	l := variantLine{Variant: v}
	if video == nil || audio == nil || !v.video() {
		return l
	}
	l.audio = audioGroup
	l.Bandwidth += audio.Bandwidth
	if l.AverageBandwidth > 0 {
		l.AverageBandwidth += audio.AverageBandwidth
	}
	if l.Codecs != "" && !slices.Contains(strings.Split(l.Codecs, ","), audio.Codec) {
		l.Codecs += "," + audio.Codec
	}
	return l
}

// variantLine is a Variant and the AUDIO group it plays ("" for none).
type variantLine struct {
	Variant
	audio string
}

// writeVariant writes the EXT-X-STREAM-INF of v and its URI.
func writeVariant(b *strings.Builder, v variantLine) {
	fmt.Fprintf(b, "#EXT-X-STREAM-INF:BANDWIDTH=%d", v.Bandwidth)
	if v.AverageBandwidth > 0 {
		fmt.Fprintf(b, ",AVERAGE-BANDWIDTH=%d", v.AverageBandwidth)
	}
	if v.Codecs != "" {
		fmt.Fprintf(b, ",CODECS=%q", v.Codecs)
	}
	if v.Width > 0 && v.Height > 0 {
		fmt.Fprintf(b, ",RESOLUTION=%dx%d", v.Width, v.Height)
	}
	if v.FrameRate != "" {
		fmt.Fprintf(b, ",FRAME-RATE=%s", v.FrameRate)
	}
	if v.audio != "" {
		fmt.Fprintf(b, ",AUDIO=%q", v.audio)
	}
	fmt.Fprintf(b, "\n%s\n", v.URI)
}

// MediaPlaylist returns the media playlist of segments [from, to) of the
// track, whose URIs are prefix followed by the segment's and the init
// segment's names (prefix "" for the playlist next to the master
// playlist; an absolute URL of the master playlist's directory for a
// playlist served elsewhere). The range is clamped to the track's
// segments. #EXT-X-TARGETDURATION is the Index's, so that every playlist
// of the movie has the same. EXT-X-INDEPENDENT-SEGMENTS is declared when
// no segment of the track starts an open GOP (Track.Leading). Each
// segment that starts a period (Segment.Period) after the first segment
// follows an EXT-X-DISCONTINUITY, and the EXT-X-MAP of its period's init
// segment when that differs from the one before; a range starting in a
// later period declares EXT-X-DISCONTINUITY-SEQUENCE (the period's index),
// so that its discontinuities are numbered as in the whole playlist.
func (ix *Index) MediaPlaylist(t *Track, from, to int, prefix string) []byte {
	from, to = max(from, 0), min(to, len(t.Segments))
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:%d\n", ix.TargetDuration, from)
	if from < to && t.Segments[from].Period > 0 {
		fmt.Fprintf(&b, "#EXT-X-DISCONTINUITY-SEQUENCE:%d\n", t.Segments[from].Period)
	}
	b.WriteString("#EXT-X-PLAYLIST-TYPE:VOD\n")
	if t.Leading == 0 {
		b.WriteString("#EXT-X-INDEPENDENT-SEGMENTS\n")
	}
	init := 0
	if from < to {
		init = t.periods[t.Segments[from].Period].init
	}
	fmt.Fprintf(&b, "#EXT-X-MAP:URI=%q\n", prefix+t.initName(init))
	for n := from; n < to; n++ {
		if p := t.Segments[n].Period; n > from && p != t.Segments[n-1].Period {
			b.WriteString("#EXT-X-DISCONTINUITY\n")
			if k := t.periods[p].init; k != init {
				init = k
				fmt.Fprintf(&b, "#EXT-X-MAP:URI=%q\n", prefix+t.initName(init))
			}
		}
		fmt.Fprintf(&b, "#EXTINF:%s,\n%s\n", strconv.FormatFloat(t.Segments[n].Duration, 'f', 6, 64), prefix+t.SegmentName(n))
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}

// File returns the bytes of the file name of the packaging, relative to
// the master playlist: MasterName, a track's PlaylistName, one of its init
// segments (InitName, and "t1/init-1.mp4", ... of later periods) or a
// SegmentName (read from src). It returns ErrNoSegment for any other name.
func (ix *Index) File(src io.ReaderAt, name string) ([]byte, error) {
	if name == MasterName {
		return ix.Master(), nil
	}
	if trackName, ok := strings.CutSuffix(name, ".m3u8"); ok {
		if t := ix.Track(trackName); t != nil {
			return ix.MediaPlaylist(t, 0, len(t.Segments), ""), nil
		}
		return nil, ErrNoSegment
	}
	t, n, ok := ix.fileOf(name)
	switch {
	case !ok:
		return nil, ErrNoSegment
	case n < 0:
		return t.inits[-n-1], nil
	}
	return t.Segment(src, n)
}

// SegmentParts returns the media segment name (a SegmentName, as File
// takes it) as Track.SegmentParts does: its head and the runs of source
// bytes that follow. It returns ErrNoSegment for any other name.
func (ix *Index) SegmentParts(name string) (head []byte, runs []Run, err error) {
	t, n, ok := ix.fileOf(name)
	if !ok || n < 0 {
		return nil, nil, ErrNoSegment
	}
	return t.SegmentParts(n)
}

// AppendSegment appends the media segment name (a SegmentName, as File
// takes it), read from src, to dst (Track.AppendSegment). It returns
// ErrNoSegment for any other name.
func (ix *Index) AppendSegment(dst []byte, src io.ReaderAt, name string) ([]byte, error) {
	t, n, ok := ix.fileOf(name)
	if !ok || n < 0 {
		return nil, ErrNoSegment
	}
	return t.AppendSegment(dst, src, n)
}

// SegmentBytes returns the size of the samples of the media segment name
// (a SegmentName, as File takes it), what writing it holds in memory
// besides its moof; 0 for any other name.
func (ix *Index) SegmentBytes(name string) int64 {
	t, n, ok := ix.fileOf(name)
	if !ok || n < 0 || n >= len(t.Segments) {
		return 0
	}
	return t.Segments[n].Bytes
}

// AppendSegmentBytes returns the most bytes AppendSegment appends for the
// media segment name, its head included, so that a caller may give it a
// buffer it need not grow; 0 for any other name.
func (ix *Index) AppendSegmentBytes(name string) int64 {
	t, n, ok := ix.fileOf(name)
	if !ok || n < 0 || n >= len(t.Segments) {
		return 0
	}
	return t.appendBytes(n)
}

// SegmentRunBytes returns the mean size of the runs of adjacent samples
// (Track.SegmentParts) of the media segment name; 0 for any other name.
func (ix *Index) SegmentRunBytes(name string) int64 {
	t, n, ok := ix.fileOf(name)
	if !ok || n < 0 || n >= len(t.Segments) {
		return 0
	}
	return t.Segments[n].Bytes / int64(max(t.Segments[n].Runs, 1))
}

// fileOf returns the track of a file name under a track's directory and
// the number of its media segment, or -1-k for its init segment k; ok is
// false for other names.
func (ix *Index) fileOf(name string) (t *Track, n int, ok bool) {
	trackName, file, ok := strings.Cut(name, "/")
	if t = ix.Track(trackName); !ok || t == nil {
		return nil, 0, false
	}
	for k := range t.inits {
		if file == strings.TrimPrefix(t.initName(k), t.Name+"/") {
			return t, -1 - k, true
		}
	}
	num, ok := strings.CutSuffix(file, ".m4s")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || strconv.Itoa(n) != num || n < 0 {
		return nil, 0, false
	}
	return t, n, true
}
