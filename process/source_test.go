package process

import (
	"strings"
	"testing"
)

func TestSize(t *testing.T) {
	for _, c := range []struct {
		srcW, srcH, w, h int64
		adaptive         string
		wantW, wantH     int64
	}{
		{1920, 1080, 0, 0, "open", 1920, 1080},
		{1920, 1080, 0, 360, "open", 640, 360},     // short edge 360
		{1080, 1920, 0, 360, "open", 360, 640},     // portrait: the short edge is the width
		{1920, 1080, 1280, 0, "open", 1280, 720},   // long edge 1280
		{1080, 1920, 1280, 0, "open", 720, 1280},   // portrait long edge is the height
		{1080, 1920, 1280, 0, "close", 1280, 2276}, // close: Width is the width
		{1920, 1080, 142, 80, "open", 142, 80},     // both given
		{1080, 1920, 142, 80, "open", 80, 142},     // both given, portrait: swapped
		{640, 480, 0, 241, "", 320, 240},           // odd rounds down to even
		{0, 0, 100, 100, "open", 0, 0},             // no video
	} {
		w, h := Size(c.srcW, c.srcH, c.w, c.h, c.adaptive)
		if w != c.wantW || h != c.wantH {
			t.Errorf("Size(%d,%d,%d,%d,%q) = %dx%d, want %dx%d", c.srcW, c.srcH, c.w, c.h, c.adaptive, w, h, c.wantW, c.wantH)
		}
	}
}

func TestScaleFilter(t *testing.T) {
	for fill, want := range map[string]string{
		"stretch": "scale=142:80,setsar=1",
		"black":   "pad=142:80:(ow-iw)/2:(oh-ih)/2:black",
		"":        "pad=142:80:(ow-iw)/2:(oh-ih)/2:black",
		"white":   ":white",
		"gauss":   "boxblur",
	} {
		f, err := scaleFilter(142, 80, fill)
		if err != nil || !strings.Contains(f, want) {
			t.Errorf("scaleFilter(%q) = %q, %v; want it to contain %q", fill, f, err, want)
		}
	}
	if _, err := scaleFilter(2, 2, "tile"); err == nil {
		t.Error("an unknown FillType was accepted")
	}
}

func TestSourceInputForcesDemuxerAndProtocols(t *testing.T) {
	s := &Source{Path: "/m/a.mp4"}
	args, err := s.input("-ss", "3")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(args, " ")
	want := "-ss 3 -f mov -protocol_whitelist file -enable_drefs 0 -i file:/m/a.mp4"
	if got != want {
		t.Fatalf("input = %q, want %q", got, want)
	}
	if _, err := (&Source{URL: "concat:a|b"}).input(); err == nil {
		t.Fatal("a concat: input was accepted")
	}
}

func TestTimeoutForScalesWithDuration(t *testing.T) {
	if a, b := TimeoutFor(10), TimeoutFor(3600); !(a < b) || b.Hours() < 4 {
		t.Fatalf("TimeoutFor(10)=%s TimeoutFor(3600)=%s", a, b)
	}
}
