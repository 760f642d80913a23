package media

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestGate: weights are granted in order while they fit; a waiter whose
// context ends takes nothing and lets the next ones in.
func TestGate(t *testing.T) {
	g := newGate(10)
	ctx := context.Background()
	if err := g.acquire(ctx, 6); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.acquire(short, 5); err == nil {
		t.Fatal("acquired 5 of 10 with 6 held")
	}
	big := make(chan error, 1)
	go func() { big <- g.acquire(ctx, 8) }()
	for { // the 8 waits first in line
		g.mu.Lock()
		n := len(g.waiters)
		g.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	small := make(chan error, 1)
	go func() { small <- g.acquire(ctx, 1) }() // fits, but waits behind the 8
	select {
	case <-small:
		t.Fatal("a small weight passed a waiting large one")
	case <-time.After(20 * time.Millisecond):
	}
	g.release(6)
	if err := <-big; err != nil {
		t.Fatal(err)
	}
	if err := <-small; err != nil {
		t.Fatal(err)
	}
	g.release(8)
	g.release(1)
	if g.free != 10 || len(g.waiters) != 0 {
		t.Fatalf("free %d, %d waiters", g.free, len(g.waiters))
	}
}

// TestServeHLSBusy: a segment request that writes the segment in memory
// and finds no room among the segments being written (HLSBuildBytes)
// within HLSBuildWait answers 503 with Retry-After; playlists and init
// segments are not held back (segments sent from a local file neither:
// TestServeHLSSendsSegments).
func TestServeHLSBusy(t *testing.T) {
	b := setup(t, 1<<30)
	b.svc.HLSBuildBytes, b.svc.HLSBuildWait = 1<<20, 30*time.Millisecond
	m := b.commitMedia(t, fixtureBytes(t, "h264_aac_faststart.mp4"))
	base := b.srv.URL + HLSPathPrefix + m.StorageKey + "/"
	release, ok := b.svc.hlsBuild(t.Context(), 1<<30) // takes all of it
	if !ok {
		t.Fatal("no room in an idle gate")
	}
	resp, body := hlsGet(t, http.MethodGet, base+"t1/0.m4s", "Range", "bytes=0-99")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("segment while busy: %d %v %.100q", resp.StatusCode, resp.Header, body)
	}
	for _, name := range []string{"master.m3u8", "t1.m3u8", "t1/init.mp4"} {
		if resp, _ := hlsGet(t, http.MethodGet, base+name); resp.StatusCode != http.StatusOK {
			t.Errorf("%s while busy: %d", name, resp.StatusCode)
		}
	}
	release()
	if resp, _ := hlsGet(t, http.MethodGet, base+"t1/0.m4s", "Range", "bytes=0-99"); resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("segment after the release: %d", resp.StatusCode)
	}
	// The handler gives its room back once its answer is sent.
	g := b.svc.hlsBuilds
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		free := g.free
		g.mu.Unlock()
		if free == 1<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes free after the answers, want %d", free, 1<<20)
		}
	}
}
