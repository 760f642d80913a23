package clip

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openvod/openvod/clip/cliptest"
	"github.com/openvod/openvod/mp4"
)

// TestInspectAgreesWithPlanFast: on every fixture, Inspect's range check
// answers a range error exactly when PlanFast does (for sources the fast
// mode cuts), and a source it calls unsupported PlanFast cannot cut.
func TestInspectAgreesWithPlanFast(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.m[op4]*")
	for _, name := range files {
		f, m := openMovie(t, name)
		info, _ := f.Stat()
		src, err := Inspect(f, info.Size())
		if err != nil {
			t.Errorf("%s: Inspect: %v", name, err)
			continue
		}
		if src.Duration != m.Info().Duration {
			t.Errorf("%s: Duration %g, want %g", name, src.Duration, m.Info().Duration)
		}
		_, planErr := PlanFast(m, f, 0, src.Duration, true)
		if src.Unsupported != nil {
			if !errors.Is(planErr, ErrUnsupported) {
				t.Errorf("%s: Inspect says %v; PlanFast: %v", name, src.Unsupported, planErr)
			}
			continue
		}
		if errors.Is(planErr, ErrUnsupported) {
			continue // a reason only the sample tables show
		}
		d := src.Duration
		for _, r := range [][2]float64{{0, d}, {0, d + 0.001}, {0, d + 0.2}, {0, d + 5}, {d - 0.05, d}, {d, d + 1}, {d + 1, d + 2},
			{1, 0.5}, {1, 1}, {-1, 1}, {0.5, 1.5}} {
			_, planErr := PlanFast(m, f, r[0], r[1], true)
			checkErr := src.CheckRange(r[0], r[1])
			var pr, cr *RangeError
			if errors.As(planErr, &pr) != errors.As(checkErr, &cr) || (pr != nil && pr.Bound != cr.Bound) {
				t.Errorf("%s [%g, %g): PlanFast %v, CheckRange %v", name, r[0], r[1], planErr, checkErr)
			}
		}
	}
}

// bigSource writes an MP4 whose moov holds n video samples with per-sample
// stts, ctts and stsz entries (about 20 bytes a sample) and returns its
// path and moov size. The sample description is video_only.mp4's.
func bigSource(t *testing.T, n int) (string, int64) {
	t.Helper()
	_, ref := openMovie(t, fixture("video_only.mp4"))
	var vt *mp4.Track
	for _, tr := range ref.Tracks {
		if tr.Handler == "vide" {
			vt = tr
		}
	}
	be := binary.BigEndian
	box := func(typ string, parts ...[]byte) []byte {
		b := be.AppendUint32(nil, 0)
		b = append(b, typ...)
		for _, p := range parts {
			b = append(b, p...)
		}
		be.PutUint32(b, uint32(len(b)))
		return b
	}
	u32 := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = be.AppendUint32(b, v)
		}
		return b
	}
	const ts, delta = 15360, 512
	matrix := u32(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
	mvhd := box("mvhd", u32(0, 0, 0, ts, uint32(n*delta), 0x10000), []byte{1, 0, 0, 0}, make([]byte, 8), matrix, make([]byte, 24), u32(2))
	tkhd := box("tkhd", u32(3, 0, 0, 1, 0, uint32(n*delta), 0, 0, 0, 0), matrix, u32(320<<16, 240<<16))
	mdhd := box("mdhd", u32(0, 0, 0, ts, uint32(n*delta), 0x55c40000))
	stts, ctts, stsz := u32(0, uint32(n)), u32(0, uint32(n)), u32(0, 0, uint32(n))
	stss := u32(0, uint32((n+29)/30))
	for i := range n {
		stts = append(stts, u32(1, delta)...)
		ctts = append(ctts, u32(1, uint32(delta*(i%2)))...)
		stsz = append(stsz, u32(1)...)
		if i%30 == 0 {
			stss = append(stss, u32(uint32(i+1))...)
		}
	}
	ftyp := box("ftyp", []byte("isom"), u32(512), []byte("isomiso2avc1mp41"))
	stbl := func(chunkOff uint32) []byte {
		return box("stbl", vt.Boxes.Stsd, box("stts", stts), box("ctts", ctts), box("stss", stss),
			box("stsc", u32(0, 1, 1, uint32(n), 1)), box("stsz", stsz), box("stco", u32(0, 1, chunkOff)))
	}
	moovFor := func(chunkOff uint32) []byte {
		minf := box("minf", vt.Boxes.MediaHeader, vt.Boxes.Dinf, stbl(chunkOff))
		return box("moov", mvhd, box("trak", tkhd, box("mdia", mdhd, vt.Boxes.Hdlr, minf)))
	}
	moov := moovFor(0)
	moov = moovFor(uint32(len(ftyp) + len(moov) + 8))
	path := filepath.Join(t.TempDir(), "big.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(append(ftyp, moov...), u32(uint32(8+n))...)); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("mdat"))
	if err := f.Truncate(int64(len(ftyp) + len(moov) + 8 + n)); err != nil {
		t.Fatal(err)
	}
	return path, int64(len(moov))
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestInspectBoundedMemory: checking a range of a source with a 40 MB moov
// allocates a fixed small amount, not the sample tables parsing does, and
// eight checks at once through an Inspector of two run two at a time.
func TestInspectBoundedMemory(t *testing.T) {
	const n = 2 << 20
	path, moovSize := bigSource(t, n)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	var src *Source
	one := allocated(func() {
		if src, err = Inspect(f, info.Size()); err != nil {
			t.Fatal(err)
		}
	})
	// What the request did before: parse the whole moov, then plan.
	parse := allocated(func() {
		m, err := mp4.Parse(f, info.Size())
		if err != nil {
			t.Fatal(err)
		}
		PlanFast(m, f, 10, 20, true)
	})
	t.Logf("moov %d bytes: Inspect allocates %d bytes, mp4.Parse + PlanFast %d", moovSize, one, parse)
	if one > 1<<20 || one > uint64(moovSize)/32 {
		t.Errorf("Inspect allocated %d bytes for a %d-byte moov, want under 1 MiB", one, moovSize)
	}
	if want := float64(n) * 512 / 15360; src.Duration != want || src.Unsupported != nil {
		t.Fatalf("Inspect = %+v, want duration %g, supported", src, want)
	}
	if err := src.CheckRange(10, 20); err != nil {
		t.Errorf("CheckRange(10, 20): %v", err)
	}
	if err := src.CheckRange(10, src.Duration+1); !errors.Is(err, ErrRange) {
		t.Errorf("CheckRange past the end: %v", err)
	}

	in := NewInspector(2)
	r := &countingReader{r: f}
	var wg sync.WaitGroup
	eight := allocated(func() {
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := in.Inspect(context.Background(), r, info.Size()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	})
	t.Logf("8 checks at once: %d bytes allocated, %d inspecting at once at most", eight, r.peak.Load())
	if p := r.peak.Load(); p > 2 {
		t.Errorf("%d checks read at once, want at most 2", p)
	}
	if eight > 8*one+1<<20 {
		t.Errorf("8 checks allocated %d bytes, one %d", eight, one)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	in.slots <- struct{}{}
	in.slots <- struct{}{}
	if _, err := in.Inspect(ctx, f, info.Size()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Inspect with no slot free: %v, want the context's error", err)
	}
}

// countingReader records how many goroutines read at once.
type countingReader struct {
	r         *os.File
	now, peak atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for {
		old := c.peak.Load()
		if n <= old || c.peak.CompareAndSwap(old, n) {
			break
		}
	}
	time.Sleep(50 * time.Microsecond)
	return c.r.ReadAt(p, off)
}

// TestInspectMoovBudget: a moov over MaxMoovSize is a LimitError naming
// the limit, found without reading the box.
func TestInspectMoovBudget(t *testing.T) {
	size := int64(MaxMoovSize + 1024)
	f := cliptest.HugeMoov(t, size)
	var err error
	got := allocated(func() { _, err = Inspect(f, size) })
	var le *mp4.LimitError
	if !errors.As(err, &le) || !errors.Is(err, ErrTooLarge) || le.Limit != MaxMoovSize || le.Value != size {
		t.Fatalf("Inspect of a %d-byte moov: %v, want a LimitError", size, err)
	}
	if _, err := ParseSource(f, size); !errors.As(err, &le) || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ParseSource: %v, want a LimitError", err)
	}
	if got > 1<<20 {
		t.Errorf("Inspect allocated %d bytes", got)
	}
}
