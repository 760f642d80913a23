#!/bin/sh
# gen.sh regenerates the MP4 fixtures of package clip with Debian's ffmpeg 5.1
# (libx264, libx265, libmp3lame, libopus, native AAC/AC-3/FLAC). Run it with
# `go generate ./clip` (or `sh clip/testdata/gen.sh`). The output is
# deterministic for a given ffmpeg build: bitexact flags, one encoder thread,
# no metadata. It takes about 3 s.
set -eu
cd "$(dirname "$0")"

ff="ffmpeg -nostdin -y -v error -hide_banner"
bitexact="-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1"
x264="-c:v libx264 -preset veryfast -pix_fmt yuv420p -threads 1 -sc_threshold 0"
qvga="-f lavfi -i testsrc2=size=320x240:rate=30"
qqvga="-f lavfi -i testsrc2=size=160x120:rate=30"
beep48="-f lavfi -i sine=frequency=440:beep_factor=4:sample_rate=48000"

# 6 s, 2 B-frames, closed 1 s GOP, AAC stereo 48 kHz with a beep each second;
# moov before mdat.
$ff $qvga $beep48 -t 6 -map 0:v -map 1:a $x264 -bf 2 -g 30 -keyint_min 30 -b:v 150k \
	-c:a aac -b:a 64k -ac 2 $bitexact -movflags +faststart bf2_gop1s.mp4

# 20 s, no B-frames, 8 s GOP (keyframes at 0, 8 and 16 s), AAC mono.
$ff $qqvga $beep48 -t 20 -map 0:v -map 1:a $x264 -bf 0 -g 240 -keyint_min 240 -b:v 40k \
	-c:a aac -b:a 24k -ac 1 $bitexact -movflags +faststart bf0_gop8s.mp4

# 10 s, 3 B-frames with pyramid, x264's default GOP (keyint 250: 8.33 s),
# moov after mdat.
$ff $qqvga $beep48 -t 10 -map 0:v -map 1:a -c:v libx264 -preset veryfast -pix_fmt yuv420p -threads 1 \
	-bf 3 -b:v 60k -c:a aac -b:a 24k -ac 1 $bitexact moov_end_gop8s.mp4

# A stream-copy clip of the first file, 1.3 to 4.8 s: lead-in frames hidden
# by an edit list, moov after mdat.
$ff -ss 1.3 -to 4.8 -i bf2_gop1s.mp4 -c copy $bitexact clip_editlist.mp4

# Rotated 90 degrees clockwise (tkhd matrix {0, 1, 0, -1, 0, 0, 0, 0, 1}),
# with audio. ffmpeg 5.1 writes rotate=N on a stream copy as N degrees
# counter-clockwise, so rotate=270 gives ffprobe "rotation": -90.
$ff $qvga $beep48 -t 3 -map 0:v -map 1:a $x264 -bf 2 -g 30 -keyint_min 30 -b:v 150k \
	-c:a aac -b:a 64k -ac 2 $bitexact rotate90.tmp.mp4
$ff -i rotate90.tmp.mp4 -map 0 -c copy $bitexact -metadata:s:v:0 rotate=270 -movflags +faststart rotate90.mp4
rm rotate90.tmp.mp4

# Video only, 3 s, 2 B-frames, 1 s GOP.
$ff $qvga -t 3 -map 0:v $x264 -bf 2 -g 30 -keyint_min 30 -b:v 150k $bitexact -movflags +faststart video_only.mp4

# Audio only: AAC mono 44.1 kHz, 4 s, M4A brand.
$ff -f lavfi -i sine=frequency=440:beep_factor=4:sample_rate=44100 -t 4 -c:a aac -b:a 64k -ac 1 \
	$bitexact -movflags +faststart aac_only.m4a

# HEVC with closed GOPs (IDR every 30 frames, B-frames) and MP3 audio.
$ff $qvga -f lavfi -i sine=frequency=440:beep_factor=4:sample_rate=44100 -t 3 -map 0:v -map 1:a \
	-c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=30:min-keyint=30:open-gop=0:pools=1:frame-threads=1 \
	-tag:v hvc1 -pix_fmt yuv420p -b:v 150k -c:a libmp3lame -b:a 64k -ac 1 $bitexact -movflags +faststart hevc_mp3.mp4

# HEVC as x265 makes it by default (preset medium, open GOP) with a 2 s GOP at
# 25 fps: CRA pictures followed by RASL pictures; AAC mono.
$ff -f lavfi -i testsrc2=size=320x240:rate=25 $beep48 -t 6 -map 0:v -map 1:a \
	-c:v libx265 -x265-params log-level=error:keyint=50:open-gop=1:pools=1:frame-threads=1 \
	-tag:v hvc1 -pix_fmt yuv420p -c:a aac -b:a 64k -ac 1 $bitexact -movflags +faststart hevc_x265_default.mp4

# HEVC open GOP with x265 ultrafast: CRA pictures each followed by one RASL
# picture.
$ff $qvga -t 3 -map 0:v -c:v libx265 -preset ultrafast \
	-x265-params log-level=error:keyint=30:min-keyint=30:open-gop=1:bframes=3:pools=1:frame-threads=1 \
	-tag:v hvc1 -pix_fmt yuv420p -b:v 150k $bitexact -movflags +faststart hevc_opengop.mp4

# Other audio codecs, 3 s each: Opus, AC-3, FLAC (flac in MP4 needs -strict -2
# in ffmpeg 5.1).
$ff $beep48 -t 3 -c:a libopus -b:a 48k -ac 2 $bitexact -movflags +faststart opus.mp4
$ff $beep48 -t 3 -c:a ac3 -b:a 96k -ac 2 $bitexact -movflags +faststart ac3.mp4
$ff $beep48 -t 3 -c:a flac -ac 1 -strict -2 $bitexact -movflags +faststart flac.mp4

# Joins of two files: the settings of bf2_gop1s.mp4 (the same avcC and esds
# configuration) with other pictures and a lower tone.
$ff -f lavfi -i testsrc=size=320x240:rate=30 -f lavfi -i sine=frequency=330:beep_factor=4:sample_rate=48000 \
	-t 6 -map 0:v -map 1:a $x264 -bf 2 -g 30 -keyint_min 30 -b:v 150k \
	-c:a aac -b:a 64k -ac 2 $bitexact -movflags +faststart bf2_gop1s_b.mp4

# NTSC: 29.97 fps (30000/1001), 2 B-frames, 1 s GOP, AAC stereo 48 kHz.
$ff -f lavfi -i testsrc2=size=320x240:rate=30000/1001 $beep48 -t 6 -map 0:v -map 1:a $x264 -bf 2 -g 30 \
	-keyint_min 30 -b:v 150k -c:a aac -b:a 64k -ac 2 $bitexact -movflags +faststart ntsc2997.mp4

# Variable frame rate: 30 fps with 3 frames of every 10 dropped (frame
# durations of 33 and 133 ms), 2 B-frames, 1 s GOP, AAC mono 48 kHz.
$ff -f lavfi -i testsrc2=size=320x240:rate=30 $beep48 -t 6 -map 0:v -map 1:a \
	-vf "select='lt(mod(n\,10)\,7)'" -fps_mode:v vfr $x264 -bf 2 -g 21 -keyint_min 21 -b:v 150k \
	-c:a aac -b:a 64k -ac 1 $bitexact -movflags +faststart vfr.mp4

# Unsupported sources.
# Open GOP, H.264: non-IDR I-frames with recovery points marked as sync samples.
$ff $qvga -t 3 -map 0:v $x264 -bf 2 -g 30 -keyint_min 30 -b:v 150k -x264-params open-gop=1 \
	$bitexact -movflags +faststart h264_opengop.mp4
# Fragmented MP4.
$ff $qvga $beep48 -t 2 -map 0:v -map 1:a $x264 -bf 2 -g 30 -keyint_min 30 -b:v 150k \
	-c:a aac -b:a 64k -ac 2 $bitexact -movflags frag_keyframe+empty_moov fragmented.mp4
# MPEG-4 part 2 video (mp4v): a codec the fast mode does not cut.
$ff $qqvga -t 1 -map 0:v -c:v mpeg4 -g 30 -b:v 60k $bitexact -movflags +faststart mpeg4.mp4

# Audio that starts late: the video of video_only.mp4 and the audio of
# bf2_gop1s.mp4 delayed by 0.5 s, so that the audio track's edit list starts
# with an empty edit (478 ms: the AAC priming is shown, not hidden).
$ff -i video_only.mp4 -itsoffset 0.5 -i bf2_gop1s.mp4 -map 0:v -map 1:a -c copy -t 3 $bitexact \
	-movflags +faststart audio_delay.mp4
