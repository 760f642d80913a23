package s3test

import (
	"context"
	"sync"
	"testing"

	"github.com/openvod/openvod/blob"
)

// Outage is a bucket of a Server that goes down right after its first
// Open and comes back at the next Open or Delete, made by DownAfterOpen.
type Outage struct {
	blob.Bucket
	t     testing.TB
	srv   *Server
	mu    sync.Mutex
	opens int
	down  bool
}

// DownAfterOpen returns b, a bucket of s, whose server is SIGKILLed right
// after the first Open (the object is found, its reads then fail) and
// started again at the next Open or Delete: an outage that ends before the
// caller's next request after the failed reads.
func (s *Server) DownAfterOpen(t testing.TB, b blob.Bucket) *Outage {
	return &Outage{Bucket: b, t: t, srv: s}
}

// Open opens the object, bringing the server back first if it is down,
// and stops it after the first Open.
func (o *Outage) Open(ctx context.Context, key string) (blob.Object, error) {
	o.back()
	obj, err := o.Bucket.Open(ctx, key)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.opens++; o.opens == 1 {
		o.srv.Stop()
		o.down = true
	}
	return obj, err
}

// Delete deletes the object, bringing the server back first if it is down.
func (o *Outage) Delete(ctx context.Context, key string) error {
	o.back()
	return o.Bucket.Delete(ctx, key)
}

// Opens returns how many times Open was called.
func (o *Outage) Opens() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.opens
}

// back starts the server again if it is down.
func (o *Outage) back() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down {
		o.srv.Restart(o.t)
		o.down = false
	}
}
