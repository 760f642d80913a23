package hls

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/openvod/openvod/mp4"
)

// ParseLimits is the parse budget of a source packaged through a Cache: a
// larger moov or track is not packaged.
var ParseLimits = mp4.Limits{MoovSize: 64 << 20, Samples: 1 << 23}

// SourceID identifies the bytes of a source: its storage key, size and
// modification time (stored objects are never rewritten under a key, and a
// replaced one has another size or time).
type SourceID struct {
	Key     string
	Size    int64
	ModTime int64 // Unix nanoseconds
}

// Cache keeps the Indexes of recently packaged sources, so that a segment
// request does not parse the source's moov again. It holds at most
// MaxEntries indexes and about MaxBytes of them (an index costs about
// three times its moov, its sample tables included), dropping the least
// recently used; a source New does not package is remembered too (with
// its error), since the answer depends only on its bytes. Concurrent
// requests of one source parse it once. It is safe for concurrent use.
type Cache struct {
	opt             Options
	maxEntries      int
	maxBytes, bytes int64
	mu              sync.Mutex
	entries         map[SourceID]*list.Element
	lru             list.List // of *cacheEntry, most recent first
}

type cacheEntry struct {
	id   SourceID
	done chan struct{}
	ix   *Index
	err  error
	cost int64
}

// NewCache returns an empty cache of indexes made with opt, holding at
// most maxEntries of about maxBytes in all.
func NewCache(opt Options, maxEntries int, maxBytes int64) *Cache {
	return &Cache{opt: opt, maxEntries: max(maxEntries, 1), maxBytes: maxBytes, entries: map[SourceID]*list.Element{}}
}

// Get returns the Index of the source id, whose bytes src reads: cached,
// or parsed (within ParseLimits) and planned. Errors are New's and
// ParseLimited's; read errors of src are returned and not remembered.
func (c *Cache) Get(id SourceID, src io.ReaderAt) (*Index, error) {
	c.mu.Lock()
	if el, ok := c.entries[id]; ok {
		c.lru.MoveToFront(el)
		e := el.Value.(*cacheEntry)
		c.mu.Unlock()
		<-e.done
		return e.ix, e.err
	}
	e := &cacheEntry{id: id, done: make(chan struct{})}
	c.entries[id] = c.lru.PushFront(e)
	c.mu.Unlock()
	m, err := mp4.ParseLimited(src, id.Size, ParseLimits)
	c.fill(e, m, err)
	return e.ix, e.err
}

// Warm starts planning the Index of the source id from m, its movie as
// mp4.Parse read it (when a caller parsed it for its own use, as the
// upload's commit does for the metadata), so that the first request of
// the source does not parse it again: New runs in a goroutine, and a Get
// of id meanwhile waits for it. A source already cached, or whose movie
// is over ParseLimits (Get then reports it), is left alone.
func (c *Cache) Warm(id SourceID, m *mp4.Movie) {
	if int64(len(m.Moov)) > ParseLimits.MoovSize {
		return
	}
	for _, t := range m.Tracks {
		if t.SampleCount > ParseLimits.Samples {
			return
		}
	}
	c.mu.Lock()
	if _, ok := c.entries[id]; ok {
		c.mu.Unlock()
		return
	}
	e := &cacheEntry{id: id, done: make(chan struct{})}
	c.entries[id] = c.lru.PushFront(e)
	c.mu.Unlock()
	go c.fill(e, m, nil)
}

// fill plans e's Index from the movie m that parsing gave with err, marks
// e done and keeps it (it costs about three times its moov) or, on a read
// error, drops it.
func (c *Cache) fill(e *cacheEntry, m *mp4.Movie, err error) {
	if err == nil {
		e.ix, err = New(m, c.opt)
		e.cost = int64(3*len(m.Moov)) + 1024
	}
	e.err = err
	var limit *mp4.LimitError
	keep := err == nil || errors.Is(err, ErrUnsupported) || errors.Is(err, mp4.ErrInvalid) || errors.As(err, &limit)
	close(e.done)

	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[e.id]
	if !ok || el.Value.(*cacheEntry) != e {
		return // evicted while it was parsed
	}
	if !keep {
		c.remove(el)
		return
	}
	c.bytes += e.cost
	for c.lru.Len() > c.maxEntries || (c.bytes > c.maxBytes && c.lru.Len() > 1) {
		c.remove(c.lru.Back())
	}
}

// remove drops an entry; its cost counts once it is done.
func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	c.lru.Remove(el)
	delete(c.entries, e.id)
	c.bytes -= e.cost
}

// Len returns the number of sources cached.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// formatVersion changes when the bytes the package writes for a source
// change, so that ETags change with them.
const formatVersion = "1"

// ETag returns the strong entity tag of the file name (as Index.File
// takes it) of the source id: a hash of the source's identity, the
// packaging's version and options and the name, since the bytes are a
// function of these.
func (c *Cache) ETag(id SourceID, name string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%d\x00%s", formatVersion, id.Key, id.Size, id.ModTime, c.opt.Target, name)
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}
