package clip

// Video encoders Exact re-encodes with.
const (
	EncoderH264 = "libx264"
	EncoderHEVC = "libx265"
)

// videoEncoder returns the ffmpeg encoder Exact uses for a source whose
// video codec is codec (an ffprobe name, "" when unknown), and its
// options: HEVC stays HEVC (libx265, tagged hvc1, in the source's pixel
// format where libx265 has it, so 10-bit stays 10-bit), anything else
// becomes 8-bit 4:2:0 H.264 (libx264). x265 logs
// only errors, so that ffmpeg's last line of standard error stays the
// reason of a failure.
func videoEncoder(codec string) (string, []string) {
	if codec == "hevc" {
		return EncoderHEVC, []string{"-c:v", EncoderHEVC, "-preset", "veryfast", "-crf", "20",
			"-x265-params", "log-level=error", "-tag:v", "hvc1"}
	}
	return EncoderH264, []string{"-c:v", EncoderH264, "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"}
}
