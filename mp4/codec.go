package mp4

// fourccCodecs maps sample entry types to ffprobe codec names.
var fourccCodecs = map[string]string{
	"avc1": "h264", "avc2": "h264", "avc3": "h264", "avc4": "h264",
	"hvc1": "hevc", "hev1": "hevc", "dvh1": "hevc", "dvhe": "hevc",
	"av01": "av1", "vp09": "vp9", "vp08": "vp8",
	"mp4v": "mpeg4", "s263": "h263", "h263": "h263",
	"jpeg": "mjpeg", "mjpa": "mjpeg", "mjpb": "mjpeg",
	"apch": "prores", "apcn": "prores", "apcs": "prores", "apco": "prores", "ap4h": "prores", "ap4x": "prores",
	"mp4a": "aac", "Opus": "opus", "ac-3": "ac3", "ec-3": "eac3", "fLaC": "flac", "alac": "alac",
	".mp3": "mp3", "samr": "amr_nb", "sawb": "amr_wb", "dtsc": "dts", "dtsh": "dts", "dtsl": "dts",
	"sowt": "pcm_s16le", "twos": "pcm_s16be", "ulaw": "pcm_mulaw", "alaw": "pcm_alaw",
}

// objectTypeCodecs maps esds objectTypeIndication values to ffprobe codec
// names (ISO/IEC 14496-1 and the MP4 registration authority).
var objectTypeCodecs = map[uint8]string{
	0x20: "mpeg4", 0x21: "h264", 0x23: "hevc",
	0x40: "aac", 0x66: "aac", 0x67: "aac", 0x68: "aac",
	0x69: "mp3", 0x6b: "mp3",
	0x60: "mpeg2video", 0x61: "mpeg2video", 0x62: "mpeg2video", 0x63: "mpeg2video",
	0x64: "mpeg2video", 0x65: "mpeg2video", 0x6a: "mpeg1video", 0x6c: "mjpeg",
	0xa5: "ac3", 0xa6: "eac3", 0xa9: "dts", 0xad: "opus", 0xdd: "vorbis",
}

// Codec returns the ffprobe name of the entry's codec ("h264", "hevc",
// "av1", "vp9", "mpeg4", "aac", "mp3", "opus", "ac3", ...): from the esds
// object type when there is one, otherwise from Type. It returns "" for an
// unknown codec.
func (e *SampleEntry) Codec() string {
	if name, ok := objectTypeCodecs[e.ObjectType]; ok {
		return name
	}
	return fourccCodecs[e.Type]
}
