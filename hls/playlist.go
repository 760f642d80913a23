package hls

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MasterName is the file name of the master playlist, and these are the
// names of a track's files, relative to the master playlist.
const MasterName = "master.m3u8"

// PlaylistName returns the file name of the track's media playlist
// ("t1.m3u8").
func (t *Track) PlaylistName() string { return t.Name + ".m3u8" }

// InitName returns the path of the track's init segment ("t1/init.mp4").
func (t *Track) InitName() string { return t.Name + "/init.mp4" }

// SegmentName returns the path of the track's segment n ("t1/3.m4s").
func (t *Track) SegmentName(n int) string { return t.Name + "/" + strconv.Itoa(n) + ".m4s" }

// audioGroup is the GROUP-ID of the audio rendition.
const audioGroup = "audio"

// Master returns the master playlist: one variant stream, the video track
// (CODECS of video and audio, RESOLUTION, BANDWIDTH and AVERAGE-BANDWIDTH
// of both), with the audio track as the rendition of its AUDIO group; for
// an audio-only movie the variant is the audio track. URIs are relative
// to the master playlist.
func (ix *Index) Master() []byte {
	var video, audio *Track
	for _, t := range ix.Tracks {
		if t.Video {
			video = t
		} else {
			audio = t
		}
	}
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	if video == nil {
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,CODECS=%q\n%s\n",
			audio.Bandwidth, audio.AverageBandwidth, audio.Codec, audio.PlaylistName())
		return []byte(b.String())
	}
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
	return []byte(b.String())
}

// MediaPlaylist returns the media playlist of segments [from, to) of the
// track, whose URIs are prefix followed by the segment's and the init
// segment's names (prefix "" for the playlist next to the master
// playlist; an absolute URL of the master playlist's directory for a
// playlist served elsewhere). The range is clamped to the track's
// segments. #EXT-X-TARGETDURATION is the Index's, so that every playlist
// of the movie has the same.
func (ix *Index) MediaPlaylist(t *Track, from, to int, prefix string) []byte {
	from, to = max(from, 0), min(to, len(t.Segments))
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:%d\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n",
		ix.TargetDuration, max(from, 0))
	fmt.Fprintf(&b, "#EXT-X-MAP:URI=%q\n", prefix+t.InitName())
	for n := from; n < to; n++ {
		fmt.Fprintf(&b, "#EXTINF:%s,\n%s\n", strconv.FormatFloat(t.Segments[n].Duration, 'f', 6, 64), prefix+t.SegmentName(n))
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}

// File returns the bytes of the file name of the packaging, relative to
// the master playlist: MasterName, a track's PlaylistName, InitName or a
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
	trackName, file, ok := strings.Cut(name, "/")
	t := ix.Track(trackName)
	if !ok || t == nil {
		return nil, ErrNoSegment
	}
	if file == "init.mp4" {
		return t.Init(), nil
	}
	num, ok := strings.CutSuffix(file, ".m4s")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || strconv.Itoa(n) != num {
		return nil, ErrNoSegment
	}
	return t.Segment(src, n)
}
