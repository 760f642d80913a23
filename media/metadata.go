package media

import (
	"io"

	"github.com/openvod/openvod/mp4"
	"github.com/openvod/openvod/vodevent"
)

// readMetaData reads the container of an MP4 or MOV file into
// MediaMetaData; it also returns the parsed movie.
func readMetaData(r io.ReaderAt, size int64) (*vodevent.MediaMetaData, *mp4.Movie, error) {
	m, err := mp4.Parse(r, size)
	if err != nil {
		return nil, nil, err
	}
	info := m.Info()
	meta := &vodevent.MediaMetaData{
		Size:           info.Size,
		Container:      info.Container,
		Bitrate:        info.Bitrate,
		Height:         info.Height,
		Width:          info.Width,
		Duration:       info.Duration,
		Rotate:         info.Rotate,
		VideoStreamSet: []vodevent.MediaVideoStreamItem{},
		AudioStreamSet: []vodevent.MediaAudioStreamItem{},
		VideoDuration:  info.VideoDuration,
		AudioDuration:  info.AudioDuration,
	}
	for _, v := range info.Video {
		item := vodevent.MediaVideoStreamItem{
			Bitrate: v.Bitrate, Height: v.Height, Width: v.Width,
			Codec: v.Codec, Fps: v.Fps, CodecTag: v.CodecTag,
		}
		if v.DynamicRange != "" {
			item.DynamicRangeInfo = &vodevent.DynamicRangeInfo{Type: v.DynamicRange, HDRType: v.HDRType}
		}
		meta.VideoStreamSet = append(meta.VideoStreamSet, item)
	}
	for _, a := range info.Audio {
		meta.AudioStreamSet = append(meta.AudioStreamSet, vodevent.MediaAudioStreamItem{
			Bitrate: a.Bitrate, SamplingRate: a.SamplingRate, Codec: a.Codec,
		})
	}
	return meta, m, nil
}
