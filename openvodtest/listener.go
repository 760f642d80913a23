package openvodtest

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Listener serves a handler on a fixed loopback address that a test can
// take down (the listener and every connection closed) and bring back on
// the same port: a callback receiver with outages.
type Listener struct {
	t       testing.TB
	Addr    string // host:port, the same across Down and Up
	handler http.Handler

	mu  sync.Mutex
	srv *http.Server
}

// Listen serves h on a free loopback address until the test ends.
func Listen(t testing.TB, h http.Handler) *Listener {
	l := &Listener{t: t, Addr: FreeAddr(t), handler: h}
	l.Up()
	t.Cleanup(l.Down)
	return l
}

// Up (re)opens the listener on Addr; the port may take a moment to be free.
func (l *Listener) Up() {
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", l.Addr); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		l.t.Errorf("listen again on %s: %v", l.Addr, err)
		return
	}
	srv := &http.Server{Handler: l.handler}
	l.mu.Lock()
	l.srv = srv
	l.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			l.t.Errorf("serve %s: %v", l.Addr, err)
		}
	}()
}

// Down closes the listener and every connection at once.
func (l *Listener) Down() {
	l.mu.Lock()
	srv := l.srv
	l.srv = nil
	l.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}
