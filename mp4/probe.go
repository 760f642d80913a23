package mp4

import (
	"io"
	"math"
)

// Info is what Probe reads from an MP4 or MOV file, in the shape of the VOD
// media metadata. What the file does not tell is left zero or empty.
type Info struct {
	// Size is the file size in bytes.
	Size int64
	// Container is [FormatName], for MP4 and MOV files alike.
	Container string
	// Duration is in seconds: the mvhd duration, or in a fragmented file
	// (whose mvhd duration is usually 0) or one without an mvhd duration,
	// the longest track duration (see Track.PresentationDuration).
	Duration float64
	// Bitrate is Size*8/Duration in bit/s.
	Bitrate int64
	// Width, Height and Rotate are those of the first video stream.
	Width, Height, Rotate int64
	// Video and Audio list the video ("vide") and audio ("soun") tracks in
	// file order; other tracks are left out.
	Video []VideoStream
	Audio []AudioStream
	// VideoDuration and AudioDuration are the durations of the first
	// video and audio streams in seconds.
	VideoDuration, AudioDuration float64
	// Fragmented reports a fragmented MP4 (see Movie.Fragmented).
	Fragmented bool
}

// FormatName is the container name of every file Parse reads: the name
// ffprobe prints for its mov demuxer, which reads MP4, MOV and their kin
// (m4a, 3gp, ...). Tencent VOD reports it as MetaData.Container for MP4
// and MOV sources.
const FormatName = "mov,mp4,m4a,3gp,3g2,mj2"

// VideoStream describes a video track.
type VideoStream struct {
	TrackID uint32
	// Codec is the ffprobe codec name ("h264", "hevc", "av1", "vp9",
	// "mpeg4", ...) and CodecTag the sample entry type ("avc1", "hvc1", ...).
	Codec, CodecTag string
	// Width and Height are the coded size from the sample entry (the tkhd
	// size if the entry has none); Rotate is the clockwise display rotation
	// in degrees (Track.Rotation), not applied to Width and Height.
	Width, Height, Rotate int64
	// Bitrate is the track's sample bytes*8 divided by its media duration
	// (Track.MediaDuration, before the edit list), in bit/s: the encoding
	// rate, which is also what ffmpeg stores in btrt and ffprobe reports.
	Bitrate int64
	// Fps is Frames divided by the media duration (the sum of the sample
	// durations), rounded.
	Fps int64
	// Frames is the number of samples, fragments included.
	Frames int64
	// Duration is Track.PresentationDuration, in seconds.
	Duration float64
	// DynamicRange is "HDR" when the colr box gives a PQ (16) or HLG (18)
	// transfer function, "SDR" for any other, and "" without colr; HDRType
	// is then "hdr10", "hlg" or "".
	DynamicRange, HDRType string
}

// AudioStream describes an audio track.
type AudioStream struct {
	TrackID uint32
	// Codec is the ffprobe codec name ("aac", "mp3", "opus", "ac3", ...) and
	// CodecTag the sample entry type ("mp4a", "Opus", ...).
	Codec, CodecTag string
	// Bitrate is the track's sample bytes*8 divided by its media duration,
	// in bit/s, as for VideoStream.
	Bitrate int64
	// SamplingRate is the sample entry's rate in Hz, or the media timescale
	// if the entry gives 0.
	SamplingRate int64
	// Frames is the number of samples (audio frames), fragments included.
	Frames int64
	// Duration is Track.PresentationDuration, in seconds.
	Duration float64
}

// Probe parses the file r of the given size (see [Parse]) and summarises it
// with [Movie.Info]. It returns Parse's error for a file whose moov is
// missing or malformed.
func Probe(r io.ReaderAt, size int64) (*Info, error) {
	m, err := Parse(r, size)
	if err != nil {
		return nil, err
	}
	return m.Info(), nil
}

// Info summarises the movie for the media metadata; see [Info] for the
// rules. It reads only the parsed structure.
func (m *Movie) Info() *Info {
	info := &Info{Size: m.Size, Container: FormatName, Fragmented: m.Fragmented}
	var longest float64
	for _, t := range m.Tracks {
		d := t.PresentationDuration()
		longest = max(longest, d)
		switch t.Handler {
		case "vide":
			info.Video = append(info.Video, t.videoStream(d))
		case "soun":
			info.Audio = append(info.Audio, t.audioStream(d))
		}
	}
	info.Duration = longest
	if !m.Fragmented && m.Duration > 0 && m.Timescale > 0 {
		info.Duration = float64(m.Duration) / float64(m.Timescale)
	}
	info.Bitrate = bitrate(uint64(m.Size), info.Duration)
	if len(info.Video) > 0 {
		v := info.Video[0]
		info.Width, info.Height, info.Rotate, info.VideoDuration = v.Width, v.Height, v.Rotate, v.Duration
	}
	if len(info.Audio) > 0 {
		info.AudioDuration = info.Audio[0].Duration
	}
	return info
}

// videoStream summarises a video track whose duration is d seconds.
func (t *Track) videoStream(d float64) VideoStream {
	v := VideoStream{
		TrackID:  t.ID,
		Width:    int64(t.DisplayWidth),
		Height:   int64(t.DisplayHeight),
		Rotate:   int64(t.Rotation),
		Bitrate:  bitrate(t.DataSize(), t.mediaSeconds()),
		Frames:   int64(min(t.NumSamples(), math.MaxInt64)),
		Duration: d,
	}
	if media := t.mediaSeconds(); media > 0 {
		v.Fps = int64(math.Round(float64(v.Frames) / media))
	}
	if len(t.SampleEntries) == 0 {
		return v
	}
	e := &t.SampleEntries[0]
	v.Codec, v.CodecTag = e.Codec(), e.Type
	if e.Width > 0 && e.Height > 0 {
		v.Width, v.Height = int64(e.Width), int64(e.Height)
	}
	if e.Colour != nil {
		v.DynamicRange = "SDR"
		switch e.Colour.Transfer {
		case 16:
			v.DynamicRange, v.HDRType = "HDR", "hdr10"
		case 18:
			v.DynamicRange, v.HDRType = "HDR", "hlg"
		}
	}
	return v
}

// audioStream summarises an audio track whose duration is d seconds.
func (t *Track) audioStream(d float64) AudioStream {
	a := AudioStream{
		TrackID:      t.ID,
		Bitrate:      bitrate(t.DataSize(), t.mediaSeconds()),
		SamplingRate: int64(t.Timescale),
		Frames:       int64(min(t.NumSamples(), math.MaxInt64)),
		Duration:     d,
	}
	if len(t.SampleEntries) > 0 {
		e := &t.SampleEntries[0]
		a.Codec, a.CodecTag = e.Codec(), e.Type
		if e.SampleRate > 0 {
			a.SamplingRate = int64(e.SampleRate)
		}
	}
	return a
}

// bitrate returns bytes*8/seconds rounded, or 0 without a duration or if
// the result does not fit an int64.
func bitrate(bytes uint64, seconds float64) int64 {
	v := math.Round(float64(bytes) * 8 / seconds)
	if seconds <= 0 || !(v < math.MaxInt64) {
		return 0
	}
	return int64(v)
}

// NumSamples returns the number of samples in the sample tables and in
// movie fragments.
func (t *Track) NumSamples() uint64 {
	return uint64(t.SampleCount) + t.Fragments.Samples
}

// DataSize returns the total size in bytes of the samples in the sample
// tables and in movie fragments.
func (t *Track) DataSize() uint64 {
	sum := t.Fragments.Bytes
	if t.SampleSize != 0 {
		return addSat(sum, uint64(t.SampleCount)*uint64(t.SampleSize))
	}
	for _, s := range t.SampleSizes {
		sum = addSat(sum, uint64(s))
	}
	return sum
}

// MediaDuration returns the sum of the sample durations (stts and movie
// fragments) in the media timescale, or the mdhd duration if that sum is 0.
func (t *Track) MediaDuration() uint64 {
	sum := addSat(t.Fragments.Duration, t.tableDuration)
	for _, e := range t.TimeToSample {
		sum = addSat(sum, uint64(e.Count)*uint64(e.Delta))
	}
	if sum == 0 {
		return t.Duration
	}
	return sum
}

// mediaSeconds returns MediaDuration in seconds.
func (t *Track) mediaSeconds() float64 {
	return float64(t.MediaDuration()) / float64(t.Timescale)
}

// PresentationDuration returns the track's duration in seconds as a player
// presents it: the sum of the edit list's segment durations (empty edits
// included) when the track has an edit list with a non-zero total and no
// movie fragments; otherwise MediaDuration. ffprobe reports the same for
// files written by ffmpeg.
func (t *Track) PresentationDuration() float64 {
	if t.Fragments.Runs == 0 && t.movieTimescale > 0 {
		var sum uint64
		for _, e := range t.Edits {
			sum = addSat(sum, e.SegmentDuration)
		}
		if sum > 0 {
			return float64(sum) / float64(t.movieTimescale)
		}
	}
	return t.mediaSeconds()
}
