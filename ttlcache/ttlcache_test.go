package ttlcache

import (
	"errors"
	"testing"
	"time"
)

// TestGet checks loading on a miss, hits within the TTL, a reload after
// it, uncached errors and Delete.
func TestGet(t *testing.T) {
	t.Parallel()
	clock := time.Unix(1700000000, 0)
	c := New[string, int](10 * time.Second)
	c.now = func() time.Time { return clock }
	loads := 0
	load := func(v int, err error) func() (int, error) {
		return func() (int, error) { loads++; return v, err }
	}
	get := func(want, wantLoads int, l func() (int, error)) {
		t.Helper()
		v, err := c.Get("k", l)
		if err != nil || v != want || loads != wantLoads {
			t.Fatalf("Get = %d, %v after %d loads; want %d after %d", v, err, loads, want, wantLoads)
		}
	}
	get(1, 1, load(1, nil))
	clock = clock.Add(9 * time.Second)
	get(1, 1, load(2, nil)) // cached
	clock = clock.Add(time.Second)
	get(2, 2, load(2, nil)) // expired at the TTL
	c.Delete("k")
	get(3, 3, load(3, nil))

	boom := errors.New("boom")
	if _, err := c.Get("e", load(0, boom)); !errors.Is(err, boom) {
		t.Fatalf("Get = %v, want boom", err)
	}
	if v, err := c.Get("e", load(4, nil)); err != nil || v != 4 || loads != 5 {
		t.Fatalf("Get after an error = %d, %v after %d loads; want 4 after 5 (errors are not cached)", v, err, loads)
	}
}
