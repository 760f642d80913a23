package vodevent

// MediaBasicInfo is the basic information of a media file.
type MediaBasicInfo struct {
	Name          string           `json:"Name"`
	Description   string           `json:"Description"`
	CreateTime    string           `json:"CreateTime"`
	UpdateTime    string           `json:"UpdateTime"`
	ExpireTime    string           `json:"ExpireTime"`
	ClassId       int64            `json:"ClassId"`
	ClassName     string           `json:"ClassName"`
	ClassPath     string           `json:"ClassPath"`
	CoverUrl      string           `json:"CoverUrl"`
	Type          string           `json:"Type"`
	MediaUrl      string           `json:"MediaUrl"`
	SourceInfo    *MediaSourceData `json:"SourceInfo"`
	StorageRegion string           `json:"StorageRegion"`
	StoragePath   string           `json:"StoragePath"`
	TagSet        []string         `json:"TagSet"`
	Vid           string           `json:"Vid"`
	Category      string           `json:"Category"`
	Status        string           `json:"Status"`
	StorageClass  string           `json:"StorageClass"`
}

// MediaSourceData says where a media file came from.
type MediaSourceData struct {
	SourceType        string `json:"SourceType"`
	SourceContext     string `json:"SourceContext"`
	LiveRecordInfo    any    `json:"LiveRecordInfo"`
	TrtcRecordInfo    any    `json:"TrtcRecordInfo"`
	WebPageRecordInfo any    `json:"WebPageRecordInfo"`
}

// MediaMetaData is what was read from a media file's container.
type MediaMetaData struct {
	Size           int64                  `json:"Size"`
	Container      string                 `json:"Container"`
	Bitrate        int64                  `json:"Bitrate"`
	Height         int64                  `json:"Height"`
	Width          int64                  `json:"Width"`
	Duration       float64                `json:"Duration"`
	Rotate         int64                  `json:"Rotate"`
	VideoStreamSet []MediaVideoStreamItem `json:"VideoStreamSet"`
	AudioStreamSet []MediaAudioStreamItem `json:"AudioStreamSet"`
	VideoDuration  float64                `json:"VideoDuration"`
	AudioDuration  float64                `json:"AudioDuration"`
	Md5            string                 `json:"Md5"`
}

// MediaVideoStreamItem describes one video stream.
type MediaVideoStreamItem struct {
	Bitrate          int64             `json:"Bitrate"`
	Height           int64             `json:"Height"`
	Width            int64             `json:"Width"`
	Codec            string            `json:"Codec"`
	Fps              int64             `json:"Fps"`
	CodecTag         string            `json:"CodecTag"`
	DynamicRangeInfo *DynamicRangeInfo `json:"DynamicRangeInfo"`
}

// DynamicRangeInfo says whether a video stream is SDR or HDR.
type DynamicRangeInfo struct {
	Type    string `json:"Type"`
	HDRType string `json:"HDRType"`
}

// MediaAudioStreamItem describes one audio stream.
type MediaAudioStreamItem struct {
	Bitrate      int64  `json:"Bitrate"`
	SamplingRate int64  `json:"SamplingRate"`
	Codec        string `json:"Codec"`
}
