package vodevent

// Event types of openvod's 2017-style task actions (ConvertVodFile,
// CreateImageSprite, CreateSnapshotByTimeOffset). Note the verb of the
// last: its body key is SnapshotByTimeOffsetCompleteEvent, without Create.
const (
	TypeTranscodeComplete                  = "TranscodeComplete"
	TypeCreateImageSpriteComplete          = "CreateImageSpriteComplete"
	TypeCreateSnapshotByTimeOffsetComplete = "CreateSnapshotByTimeOffsetComplete"
)

// TranscodeTask2017 is the content of a TranscodeComplete event: ErrCode
// 0 when every Definition was made, else the first failure's code and
// message. Duration is the source's, in whole seconds.
type TranscodeTask2017 struct {
	TaskId      string                  `json:"TaskId"`
	ErrCode     int64                   `json:"ErrCode"`
	Message     string                  `json:"Message"`
	FileId      string                  `json:"FileId"`
	FileName    string                  `json:"FileName"`
	Duration    int64                   `json:"Duration"`
	CoverUrl    string                  `json:"CoverUrl"`
	PlayInfoSet []TranscodePlayInfo2017 `json:"PlayInfoSet"`
}

// TranscodePlayInfo2017 is one playable file of a TranscodeTask2017;
// Bitrate is in bits per second.
type TranscodePlayInfo2017 struct {
	Url        string `json:"Url"`
	Definition int64  `json:"Definition"`
	Bitrate    int64  `json:"Bitrate"`
	Height     int64  `json:"Height"`
	Width      int64  `json:"Width"`
}

// CreateImageSpriteTask2017 is the content of a CreateImageSpriteComplete
// event: the sheets' URLs and the WebVTT file that maps times to tiles;
// TotalCount is the number of tiles.
type CreateImageSpriteTask2017 struct {
	TaskId            string   `json:"TaskId"`
	ErrCode           int64    `json:"ErrCode"`
	Message           string   `json:"Message"`
	FileId            string   `json:"FileId"`
	Definition        int64    `json:"Definition"`
	TotalCount        int64    `json:"TotalCount"`
	ImageSpriteUrlSet []string `json:"ImageSpriteUrlSet"`
	WebVttUrl         string   `json:"WebVttUrl"`
}

// SnapshotByTimeOffsetTask2017 is the content of a
// CreateSnapshotByTimeOffsetComplete event: one item per snapshot asked.
type SnapshotByTimeOffsetTask2017 struct {
	TaskId          string                     `json:"TaskId"`
	FileId          string                     `json:"FileId"`
	Definition      int64                      `json:"Definition"`
	SnapshotInfoSet []SnapshotByTimeOffset2017 `json:"SnapshotInfoSet"`
}

// SnapshotByTimeOffset2017 is one snapshot: TimeOffset in milliseconds,
// Url "" when ErrCode is not 0.
type SnapshotByTimeOffset2017 struct {
	ErrCode    int64  `json:"ErrCode"`
	TimeOffset int64  `json:"TimeOffset"`
	Url        string `json:"Url"`
}
