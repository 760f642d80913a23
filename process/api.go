package process

import "github.com/openvod/openvod/templates"

// TranscodeJob is one output of Transcode: the template's container,
// streams and size, of the source's range [Start, End).
type TranscodeJob struct {
	Template *templates.Transcode
	// Start and End are seconds of the source, End > Start.
	Start, End float64
	// Dir receives the output: an empty directory of the job's own.
	Dir string
	// Watermarks are drawn on the video after its scale, their windows
	// in seconds of the output (audio-only outputs have none to draw).
	Watermarks []Watermark
}

// Output is what one transcode or adaptive stream wrote.
type Output struct {
	Dir string
	// Main is the file a URL names: the .mp4 or audio file, the .m3u8
	// (the master playlist of an adaptive stream), or the .mpd.
	Main string
	// Files is every file written, Main included, relative to Dir.
	Files []string
}

// Rung is one rendition of an adaptive stream.
type Rung struct {
	Type          string // video or audio
	Width, Height int64
	Bitrate       int64    // bits per second, as encoded
	Playlist      string   // its media playlist (HLS), relative to Dir; "" for DASH
	Files         []string // its playlist and segments, relative to Dir
}

// Adaptive is an adaptive stream: a master playlist (or MPD) and its rungs.
type Adaptive struct {
	Output
	Rungs []Rung
}

// ImageFormat is the picture a snapshot template asks for.
type ImageFormat struct {
	Width, Height      int64
	ResolutionAdaptive string
	FillType           string
	Format             string // jpg, png or webp
	// Watermarks are drawn on each picture, after its scale; a mark
	// whose window misses the picture's time is left out.
	Watermarks []Watermark
}

// Image is one picture written.
type Image struct {
	File          string  // its path
	Time          float64 // seconds of the source it shows
	Width, Height int64
}

// Sprite is the sheets of an image sprite and the interval each tile shows.
type Sprite struct {
	Sheets                []string // paths, in order
	TileWidth, TileHeight int64
	Cues                  []Cue
}

// Cue is the tile of one interval: sheet Sheet (an index into Sheets) at
// X, Y.
type Cue struct {
	Start, End float64
	Sheet      int
	X, Y       int64
}
