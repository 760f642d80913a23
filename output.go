package openvod

import "time"

// MediaOutput is a file set made from a media file by processing.
type MediaOutput struct {
	SubAppID int64
	FileID   string
	// Kind is a MediaProcessTaskResult Type: Transcode,
	// AdaptiveDynamicStreaming, SnapshotByTimeOffset, SampleSnapshot,
	// ImageSprites, AnimatedGraphics, CoverBySnapshot.
	Kind       string
	Definition int64     // the template's
	Item       []byte    // JSON of the output item as events show it (vodevent.MediaTranscodeItem, ...), URLs included
	Keys       []string  // every blob key of its files
	TaskID     string    // the task that made it
	CreateTime time.Time // when it was made; required
}
