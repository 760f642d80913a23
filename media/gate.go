package media

import (
	"context"
	"sync"
)

// gate bounds a sum of weights held at once (the bytes of the HLS
// segments being written and sent). Waiters are served in order, so a
// large weight is not passed over forever by small ones.
type gate struct {
	mu      sync.Mutex
	free    int64
	waiters []*gateWaiter
}

type gateWaiter struct {
	n     int64
	ready chan struct{}
}

func newGate(size int64) *gate { return &gate{free: size} }

// acquire takes n (at most the gate's size), waiting until there is room
// or ctx ends; it returns ctx's error then, having taken nothing.
func (g *gate) acquire(ctx context.Context, n int64) error {
	g.mu.Lock()
	if len(g.waiters) == 0 && g.free >= n {
		g.free -= n
		g.mu.Unlock()
		return nil
	}
	w := &gateWaiter{n: n, ready: make(chan struct{})}
	g.waiters = append(g.waiters, w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-w.ready: // granted meanwhile: give it back
			g.free += n
			g.grant()
		default:
			for i, o := range g.waiters {
				if o == w {
					g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
					break
				}
			}
			g.grant() // the next waiters may fit now
		}
		return ctx.Err()
	}
}

// release gives back n taken by acquire.
func (g *gate) release(n int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.free += n
	g.grant()
}

// grant wakes the waiters in order while they fit.
func (g *gate) grant() {
	for len(g.waiters) > 0 && g.waiters[0].n <= g.free {
		w := g.waiters[0]
		g.waiters = g.waiters[1:]
		g.free -= w.n
		close(w.ready)
	}
}
