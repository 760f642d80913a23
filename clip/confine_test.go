package clip

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// markerMovie writes a 3 s MP4 whose metadata carries a unique marker (ffmpeg
// copies it into any clip made from the file) and returns its path and the
// marker.
func markerMovie(t *testing.T) (path, marker string) {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	marker = "openvod-marker-" + hex.EncodeToString(b)
	path = filepath.Join(t.TempDir(), "local.mp4")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-t", "3",
		"-c:v", "libx264", "-preset", "ultrafast", "-metadata", "title="+marker, "-metadata:s:v", "handler_name="+marker, path)
	return path, marker
}

// playlist is an HLS playlist whose one segment is the local file at path.
func playlist(path string) string {
	return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile://" + path + "\n#EXT-X-ENDLIST\n"
}

// assertNoMarker fails the test if a file in dir contains the marker.
func assertNoMarker(t *testing.T, dir, marker string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(marker)) {
				t.Errorf("%s holds bytes of the local file the source pointed at", p)
			}
		}
		return nil
	})
}

// TestExactRefusesPlaylist: an HLS playlist named .mp4 whose segment is a
// local file is refused before ffmpeg runs, with an *ExactSourceError that
// says why, and nothing is written.
func TestExactRefusesPlaylist(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	local, marker := markerMovie(t)
	src := filepath.Join(t.TempDir(), "source.mp4")
	if err := os.WriteFile(src, []byte(playlist(local)), 0o644); err != nil {
		t.Fatal(err)
	}
	scratch := t.TempDir()
	res, err := Exact(context.Background(), ExactParams{SrcPath: src, ScratchDir: scratch, Start: 0.5, End: 2})
	var se *ExactSourceError
	if !errors.As(err, &se) || !strings.Contains(se.Error(), "not an MP4 or MOV file") || !strings.Contains(se.Error(), "ffmpeg was not run") {
		t.Fatalf("Exact of a playlist: %v, %v; want an *ExactSourceError saying the source is not MP4", res, err)
	}
	if entries, _ := os.ReadDir(scratch); len(entries) != 0 {
		t.Fatalf("scratch holds %d entries, want none", len(entries))
	}
	assertNoMarker(t, scratch, marker)
}

// TestExactForcesDemuxer: a file that openvod's parser reads as MP4 (an
// unknown top-level box, then ftyp and moov) but whose first bytes are an
// HLS playlist pointing at a local file is read by ffmpeg as MP4, never as
// a playlist: no byte of the local file reaches the output. The box spans
// the 0x23455854 bytes that "#EXT" gives as its size, so the file is sparse.
func TestExactForcesDemuxer(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	local, marker := markerMovie(t)
	movie, err := os.ReadFile(fixture("bf2_gop1s.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "polyglot.mp4")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	const boxSize = 0x23455854 // "#EXT"
	head := playlist(local)
	if _, err := f.WriteString(head); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(movie, boxSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := (&ExactParams{SrcPath: src}).readSource(); err != nil {
		t.Fatalf("openvod's parser does not read the polyglot (the test needs it to): %v", err)
	}
	scratch := t.TempDir()
	_, err = Exact(context.Background(), ExactParams{SrcPath: src, ScratchDir: scratch, Start: 0.5, End: 2})
	t.Logf("Exact of the polyglot: %v", err)
	assertNoMarker(t, scratch, marker)
}
