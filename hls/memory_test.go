package hls

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/openvod/openvod/mp4"
)

// TestSegmentMemory: a segment of a 60 s source (1 s GOP, 2 Mb/s) costs
// about its own size in allocations, not the file's: its bytes plus the
// moof, in a handful of allocations.
func TestSegmentMemory(t *testing.T) {
	requireFFmpeg(t)
	path := filepath.Join(t.TempDir(), "big.mp4")
	ffmpeg(t, "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", "60", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-b:v", "2M", "-minrate", "2M", "-maxrate", "2M", "-bufsize", "1M",
		"-c:a", "aac", "-b:a", "128k", "-threads", "1", path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	m, err := mp4.Parse(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	ix, err := New(m, Options{Target: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	video := ix.Tracks[0]
	n := len(video.Segments) / 2
	seg, err := video.Segment(f, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(video.Segments) < 50 || int64(len(seg))*20 > st.Size() {
		t.Fatalf("%d segments, segment %d of %d bytes in a %d-byte file: the source is not big enough for the test", len(video.Segments), n, len(seg), st.Size())
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const runs = 10
	for range runs {
		if _, err := video.Segment(f, n); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perRun := (after.TotalAlloc - before.TotalAlloc) / runs
	allocs := testing.AllocsPerRun(runs, func() { video.Segment(f, n) })
	t.Logf("segment %d: %d bytes; %d bytes and %.0f allocations per request; file %d bytes", n, len(seg), perRun, allocs, st.Size())
	if perRun > uint64(len(seg))+64<<10 || allocs > 32 {
		t.Errorf("a segment of %d bytes allocates %d bytes in %.0f allocations, want at most its size + 64 KiB in 32", len(seg), perRun, allocs)
	}
}

// TestSegmentParts: every segment is its head followed by its runs' bytes
// (as Segment writes it, dense or not), with Segment.Runs runs.
func TestSegmentParts(t *testing.T) {
	for _, name := range oracleFixtures {
		f, ix := openIndex(t, name, Options{Target: 2 * time.Second})
		for _, tr := range ix.Tracks {
			for n, seg := range tr.Segments {
				head, runs, err := tr.SegmentParts(n)
				if err != nil {
					t.Fatal(err)
				}
				b := head
				for _, r := range runs {
					part := make([]byte, r.Len)
					if _, err := f.ReadAt(part, r.Off); err != nil {
						t.Fatal(err)
					}
					b = append(b, part...)
				}
				got, err := tr.Segment(f, n)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, b) || len(runs) != seg.Runs || int64(len(b)-len(head)) != seg.Bytes {
					t.Fatalf("%s %s segment %d: %d bytes, %d from its parts (%d runs, Runs %d)", name, tr.Name, n, len(got), len(b), len(runs), seg.Runs)
				}
			}
		}
	}
}

// TestAppendSegmentBytes: AppendSegment writes every segment into a
// buffer of AppendSegmentBytes without growing it.
func TestAppendSegmentBytes(t *testing.T) {
	for _, name := range oracleFixtures {
		f, ix := openIndex(t, name, Options{Target: 2 * time.Second})
		for _, tr := range ix.Tracks {
			for n := range tr.Segments {
				seg := tr.SegmentName(n)
				buf := make([]byte, 0, ix.AppendSegmentBytes(seg))
				got, err := ix.AppendSegment(buf, f, seg)
				if err != nil {
					t.Fatal(err)
				}
				if cap(got) != cap(buf) || &got[:1][0] != &buf[:1][0] {
					t.Fatalf("%s %s: %d bytes grew the buffer of %d that AppendSegmentBytes gave", name, seg, len(got), cap(buf))
				}
			}
		}
	}
}
