package hls

import (
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openvod/openvod/clip/cliptest"
	"github.com/openvod/openvod/mp4"
)

// countingReader counts ReadAt calls.
type countingReader struct {
	f     *os.File
	reads atomic.Int64
}

func (r *countingReader) ReadAt(p []byte, off int64) (int, error) {
	r.reads.Add(1)
	return r.f.ReadAt(p, off)
}

func TestCacheParsesOnce(t *testing.T) {
	f, err := os.Open(fixture("bf2_gop1s.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r := &countingReader{f: f}
	c := NewCache(Options{}, 2, 1<<30)
	id := SourceID{Key: "a", Size: st.Size()}
	var wg sync.WaitGroup
	indexes := make([]*Index, 8)
	for i := range indexes {
		wg.Go(func() {
			ix, err := c.Get(id, r)
			if err != nil {
				t.Error(err)
			}
			indexes[i] = ix
		})
	}
	wg.Wait()
	reads := r.reads.Load()
	for _, ix := range indexes {
		if ix != indexes[0] || ix == nil {
			t.Fatal("concurrent Gets returned different indexes")
		}
	}
	if _, err := c.Get(id, r); err != nil || r.reads.Load() != reads {
		t.Fatalf("a cached Get read the source: %d reads, then %d", reads, r.reads.Load())
	}
	// Two more sources push the first out (at most 2 entries).
	for _, k := range []string{"b", "c"} {
		if _, err := c.Get(SourceID{Key: k, Size: st.Size()}, r); err != nil {
			t.Fatal(err)
		}
	}
	if c.Len() != 2 {
		t.Fatalf("%d entries, want 2", c.Len())
	}
	before := r.reads.Load()
	if _, err := c.Get(id, r); err != nil || r.reads.Load() == before {
		t.Fatal("the evicted source was not parsed again")
	}
}

func TestCacheRemembersUnsupported(t *testing.T) {
	f, err := os.Open(fixture("opus.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r := &countingReader{f: f}
	c := NewCache(Options{}, 4, 1<<30)
	id := SourceID{Key: "opus", Size: st.Size()}
	_, err = c.Get(id, r)
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.Track == 0 {
		t.Fatalf("opus: %v, want an UnsupportedError naming the track", err)
	}
	reads := r.reads.Load()
	if _, err2 := c.Get(id, r); err2 == nil || err2.Error() != err.Error() || r.reads.Load() != reads {
		t.Fatalf("second Get: %v, %d reads after %d", err2, r.reads.Load(), reads)
	}
}

func TestUnsupportedSources(t *testing.T) {
	for name, want := range map[string]string{
		"fragmented.mp4": "fragmented MP4",
		"mpeg4.mp4":      "codec mpeg4",
		"opus.mp4":       "codec opus",
		"ac3.mp4":        "codec ac3",
		"hevc_mp3.mp4":   "codec mp3",
		"flac.mp4":       "codec flac",
	} {
		f, err := os.Open(fixture(name))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		_, err = NewCache(Options{}, 1, 1<<20).Get(SourceID{Key: name, Size: st.Size()}, f)
		f.Close()
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want ErrUnsupported saying %q", name, err, want)
		}
	}
}

func TestCacheRefusesHugeMoov(t *testing.T) {
	f := cliptest.HugeMoov(t, 100<<20)
	r := &countingReader{f: f}
	_, err := NewCache(Options{}, 1, 1<<20).Get(SourceID{Key: "huge", Size: 100 << 20}, r)
	var limit *mp4.LimitError
	if !errors.As(err, &limit) || r.reads.Load() > 2 {
		t.Fatalf("a 100 MiB moov: %v after %d reads, want a LimitError before reading it", err, r.reads.Load())
	}
}

// TestCacheWarm: a source warmed with its parsed movie is not read by
// Gets (concurrent with the planning or after it), and they return one
// Index whose playlists are those of a parse; a movie over ParseLimits
// is not warmed, so that Get reports the limit.
func TestCacheWarm(t *testing.T) {
	f, err := os.Open(fixture("bf2_gop1s.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	m, err := mp4.Parse(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	r := &countingReader{f: f}
	c := NewCache(Options{}, 4, 1<<30)
	id := SourceID{Key: "a", Size: st.Size()}
	c.Warm(id, m)
	c.Warm(id, m) // already there: nothing more
	var wg sync.WaitGroup
	indexes := make([]*Index, 4)
	for i := range indexes {
		wg.Go(func() {
			ix, err := c.Get(id, r)
			if err != nil {
				t.Error(err)
			}
			indexes[i] = ix
		})
	}
	wg.Wait()
	if n := r.reads.Load(); n != 0 || c.Len() != 1 {
		t.Fatalf("Gets of a warmed source made %d reads; %d entries", n, c.Len())
	}
	parsed, err := NewCache(Options{}, 1, 1<<30).Get(id, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, ix := range indexes {
		if ix != indexes[0] || string(ix.Master()) != string(parsed.Master()) ||
			string(ix.MediaPlaylist(ix.Tracks[0], 0, 1<<20, "")) != string(parsed.MediaPlaylist(parsed.Tracks[0], 0, 1<<20, "")) {
			t.Fatal("the warmed Index differs from a parsed one, or Gets returned different ones")
		}
	}

	saved := ParseLimits
	defer func() { ParseLimits = saved }()
	ParseLimits.Samples = 10
	big := SourceID{Key: "b", Size: st.Size()}
	c.Warm(big, m)
	var limit *mp4.LimitError
	if _, err := c.Get(big, r); !errors.As(err, &limit) || r.reads.Load() == 0 {
		t.Fatalf("Get of a source over the limits, not warmed: %v after %d reads", err, r.reads.Load())
	}
}
