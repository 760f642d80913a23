package clip_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/openvod/openvod/clip"
)

func ExampleCutFile() {
	dir, err := os.MkdirTemp("", "clip-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// 2.51 s is inside the frame shown from 2.5 s; the keyframe before it
	// is at 2.0 s, so 0.5 s of video is stored and hidden.
	p, err := clip.CutFile(filepath.Join(dir, "clip.mp4"), "testdata/bf2_gop1s.mp4", 2.51, 4.25, true)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("shows %.3f..%.3f s (%.3f s), lead-in %.3f s from the keyframe at %.3f s\n",
		p.EffectiveStart, p.EffectiveEnd, p.Duration, p.LeadIn, p.KeyframeTime)
	for _, t := range p.Tracks {
		fmt.Printf("track %d %s: %d samples from sample %d, %d hidden\n", t.ID, t.Codec, t.Samples, t.FirstSample, t.Hidden)
	}
	// Output:
	// shows 2.500..4.250 s (1.750 s), lead-in 0.500 s from the keyframe at 2.000 s
	// track 1 h264: 69 samples from sample 60, 15 hidden
	// track 2 aac: 84 samples from sample 117, 1 hidden
}
