package media

import "testing"

func buffer(n int) *[]byte {
	b := make([]byte, 0, n)
	return &b
}

// TestBufferShelf: take gives the smallest kept buffer large enough, or a
// new one; put keeps buffers up to max bytes, dropping the smallest.
func TestBufferShelf(t *testing.T) {
	s := &bufferShelf{max: 100}
	if b := s.take(10); cap(*b) != 10 || s.held != 0 {
		t.Fatalf("take from an empty shelf gave a buffer of capacity %d, want a new one of 10", cap(*b))
	}
	for _, n := range []int{40, 10, 30} {
		s.put(buffer(n))
	}
	if s.held != 80 || len(s.bufs) != 3 {
		t.Fatalf("after 3 puts the shelf holds %d bytes in %d buffers, want 80 in 3", s.held, len(s.bufs))
	}
	b := s.take(20)
	if cap(*b) != 30 || len(*b) != 0 {
		t.Fatalf("take(20) gave len %d cap %d, want the empty 30", len(*b), cap(*b))
	}
	if b := s.take(41); cap(*b) != 41 || s.held != 50 {
		t.Fatalf("take(41) gave capacity %d with %d held, want a new buffer and the shelf unchanged at 50", cap(*b), s.held)
	}
	*b = append(*b, "kept"...)
	s.put(b)
	s.put(buffer(35)) // 115 bytes: the 10 goes, then 105: the 30 goes
	var caps []int
	for _, k := range s.bufs {
		caps = append(caps, cap(*k))
	}
	if s.held != 75 || len(caps) != 2 || caps[0] != 35 || caps[1] != 40 {
		t.Fatalf("over max the shelf holds %d bytes in %v, want 75 in [35 40]", s.held, caps)
	}
	s.put(buffer(200)) // larger than max alone: dropped, the others kept
	if s.held != 75 || len(s.bufs) != 2 {
		t.Fatalf("after a put larger than max the shelf holds %d bytes in %d buffers, want the 75 in 2 it held", s.held, len(s.bufs))
	}
}
