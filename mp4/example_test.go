package mp4_test

import (
	"fmt"
	"log"
	"os"

	"github.com/openvod/openvod/mp4"
)

func ExampleProbe() {
	f, err := os.Open("testdata/h264_aac_faststart.mp4")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	info, err := mp4.Probe(f, st.Size())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %.3fs %dx%d %d bit/s\n", info.Container, info.Duration, info.Width, info.Height, info.Bitrate)
	for _, v := range info.Video {
		fmt.Printf("video %s (%s) %d fps, %d frames, %d bit/s\n", v.Codec, v.CodecTag, v.Fps, v.Frames, v.Bitrate)
	}
	for _, a := range info.Audio {
		fmt.Printf("audio %s %d Hz, %d bit/s\n", a.Codec, a.SamplingRate, a.Bitrate)
	}
	// Output:
	// mov,mp4,m4a,3gp,3g2,mj2 3.000s 320x240 244008 bit/s
	// video h264 (avc1) 30 fps, 90 frames, 183960 bit/s
	// audio aac 48000 Hz, 47791 bit/s
}

func ExampleTrack_Samples() {
	f, err := os.Open("testdata/h264_aac_moov_end.mp4")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	m, err := mp4.Parse(f, st.Size())
	if err != nil {
		log.Fatal(err)
	}
	video := m.Tracks[0]
	samples, err := video.Samples()
	if err != nil {
		log.Fatal(err)
	}
	// The first frames in decode order; with B-frames PTS differs from DTS.
	// The edit list's media time (1024 here) maps PTS 1024 to time 0.
	fmt.Println("edit media time:", video.Edits[0].MediaTime)
	for i, s := range samples.Range(0, 4) {
		fmt.Printf("%d dts=%d pts=%d size=%d offset=%d sync=%v\n", i, s.DTS, s.PTS(), s.Size, s.Offset, s.Sync)
	}
	// Output:
	// edit media time: 1024
	// 0 dts=0 pts=1024 size=2952 offset=48 sync=true
	// 1 dts=512 pts=2560 size=604 offset=3000 sync=false
	// 2 dts=1024 pts=1536 size=249 offset=3703 sync=false
	// 3 dts=1536 pts=2048 size=264 offset=4226 sync=false
}
