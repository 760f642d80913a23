package media

import (
	"slices"
	"sync"
)

// bufferShelf keeps the buffers of answers written in memory (HLS
// segments) for reuse, up to a total capacity. Unlike a sync.Pool, which
// each garbage collection empties, it keeps them while the server idles:
// a fresh buffer costs a page fault for each page as it is first written
// (about 7 ms for a 2.5 MB segment on the benchmark's machine), most of
// the cost of a segment request. It is safe for concurrent use.
type bufferShelf struct {
	max  int // total capacity kept, in bytes
	mu   sync.Mutex
	bufs []*[]byte // by capacity, smallest first
	held int
}

// take returns the smallest kept buffer whose capacity is at least n,
// emptied, or else a new empty one of capacity n (so that, kept in turn,
// it serves requests of about its size).
func (s *bufferShelf) take(n int) *[]byte {
	s.mu.Lock()
	i, _ := slices.BinarySearchFunc(s.bufs, n, byCap)
	if i == len(s.bufs) {
		s.mu.Unlock()
		b := make([]byte, 0, n)
		return &b
	}
	b := s.bufs[i]
	s.bufs = slices.Delete(s.bufs, i, i+1)
	s.held -= cap(*b)
	s.mu.Unlock()
	*b = (*b)[:0]
	return b
}

// put keeps b for a later take; when the shelf then holds more than max
// bytes, its smallest buffers are dropped until it does not. A buffer
// larger than max alone is dropped at once, leaving the others.
func (s *bufferShelf) put(b *[]byte) {
	if cap(*b) > s.max {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, _ := slices.BinarySearchFunc(s.bufs, cap(*b), byCap)
	s.bufs = slices.Insert(s.bufs, i, b)
	s.held += cap(*b)
	for s.held > s.max {
		s.held -= cap(*s.bufs[0])
		s.bufs = slices.Delete(s.bufs, 0, 1)
	}
}

// byCap orders a buffer against a capacity, for the shelf's searches.
func byCap(b *[]byte, n int) int { return cap(*b) - n }
