// Package ttlcache keeps values loaded from the store for a short while.
package ttlcache

import (
	"sync"
	"time"
)

// Cache maps keys to values loaded on a miss and kept for a TTL. Errors are
// not cached, so a value created meanwhile (by the CLI, or another server)
// is found on the next call. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[K]entry[V]
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns an empty cache keeping values for ttl.
func New[K comparable, V any](ttl time.Duration) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, now: time.Now, m: map[K]entry[V]{}}
}

// Get returns the cached value of k, or loads and caches it.
func (c *Cache[K, V]) Get(k K, load func() (V, error)) (V, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	c.m[k] = entry[V]{v: v, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}

// Delete forgets k, so that the next Get loads it.
func (c *Cache[K, V]) Delete(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}
