#!/bin/sh
# gen.sh regenerates the MP4/MOV fixtures of package mp4 with Debian's ffmpeg 5.1.
# Run it with `go generate ./mp4` (or `sh mp4/testdata/gen.sh`). The output is
# deterministic for a given ffmpeg build (bitexact flags, one encoder thread).
set -eu
cd "$(dirname "$0")"

ff="ffmpeg -nostdin -y -v error -hide_banner"
bitexact="-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1"
x264="-c:v libx264 -preset veryfast -bf 2 -g 30 -keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p -b:v 200k -threads 1"
video="-f lavfi -i testsrc2=size=320x240:rate=30"
beep="-f lavfi -i sine=frequency=440:beep_factor=4:sample_rate=48000"

# H.264 (2 B-frames, 1 s GOP) + AAC, moov before mdat.
$ff $video $beep -t 3 -map 0:v -map 1:a $x264 -c:a aac -b:a 48k -ac 2 $bitexact \
	-movflags +faststart h264_aac_faststart.mp4

# The same with moov after mdat (ffmpeg's default layout).
$ff $video $beep -t 3 -map 0:v -map 1:a $x264 -c:a aac -b:a 48k -ac 2 $bitexact \
	h264_aac_moov_end.mp4

# Video only, display matrix rotated by 90 degrees clockwise (a portrait phone
# recording): tkhd matrix {0, 1, 0, -1, 0, 0, 0, 0, 1}. ffmpeg 5.1 ignores the
# rotate tag while encoding and, on a stream copy, writes rotate=N as N degrees
# counter-clockwise, so rotate=270 is what yields 90 degrees clockwise
# (ffprobe shows "rotation": -90).
$ff $video -t 2 -map 0:v $x264 $bitexact rotate90.tmp.mp4
$ff -i rotate90.tmp.mp4 -map 0 -c copy $bitexact -metadata:s:v:0 rotate=270 -movflags +faststart rotate90.mp4
rm rotate90.tmp.mp4

# Audio only: AAC, mono, 44.1 kHz, M4A brand.
$ff -f lavfi -i sine=frequency=440:beep_factor=4:sample_rate=44100 -t 3 -c:a aac -b:a 64k -ac 1 \
	$bitexact -movflags +faststart aac_only.m4a

# Video only in a QuickTime container (major brand "qt  "), 25 fps.
$ff -f lavfi -i testsrc2=size=320x240:rate=25 -t 2 -map 0:v $x264 $bitexact -f mov video_only.mov

# HEVC (hvc1 tag) + MP3.
$ff $video -f lavfi -i sine=frequency=440:sample_rate=44100 -t 2 -map 0:v -map 1:a \
	-c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=30 -tag:v hvc1 -pix_fmt yuv420p -b:v 150k \
	-c:a libmp3lame -b:a 64k -ac 1 $bitexact -movflags +faststart hevc_mp3.mp4

# Fragmented MP4: empty moov, one fragment per keyframe.
$ff $video $beep -t 3 -map 0:v -map 1:a $x264 -c:a aac -b:a 48k -ac 2 $bitexact \
	-movflags frag_keyframe+empty_moov fragmented.mp4

# A stream-copy cut that starts between keyframes: lead-in frames hidden by elst.
$ff -ss 1.3 -to 2.8 -i h264_aac_faststart.mp4 -c copy $bitexact -movflags +faststart clip_editlist.mp4

# Truncated: the first 1500 bytes of the faststart file, which ends inside moov.
head -c 1500 h264_aac_faststart.mp4 > truncated.mp4

# Corrupt: the faststart file with 256 bytes of 0xff written over the first trak.
cp h264_aac_faststart.mp4 corrupt.mp4
head -c 256 /dev/zero | tr '\000' '\377' | dd of=corrupt.mp4 bs=1 seek=600 conv=notrunc status=none

# Garbage: text that is not an MP4 file at all.
yes 'this is not an mp4 file' | head -c 4096 > garbage.mp4
