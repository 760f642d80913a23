package s3test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	s3blob "github.com/openvod/openvod/blob/s3"
)

// Counter counts the requests that pass through a [Server.Counted] proxy
// and the bytes of their answers, by method.
type Counter struct {
	mu       sync.Mutex
	requests map[string]int
	bytes    map[string]int64
}

// Requests returns the number of requests with method since the last Reset.
func (c *Counter) Requests(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests[method]
}

// Bytes returns the bytes of the answers to method's requests since the
// last Reset that the proxy read from the server.
func (c *Counter) Bytes(method string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes[method]
}

// Reset sets the counts to zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests, c.bytes = map[string]int{}, map[string]int64{}
}

func (c *Counter) add(method string, requests int, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests[method] += requests
	c.bytes[method] += n
}

// Counted returns the configuration cfg of one of the server's buckets
// going through a reverse proxy that lives until t ends and counts the
// requests, so that a test can assert how many a read or a write makes. A
// request is counted when its answer's header passes, the answer's bytes as
// the proxy reads them from the server.
func (s *Server) Counted(t testing.TB, cfg s3blob.Config) (s3blob.Config, *Counter) {
	t.Helper()
	target, err := url.Parse(s.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c := &Counter{}
	c.Reset()
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		c.add(resp.Request.Method, 1, 0)
		resp.Body = &countedBody{ReadCloser: resp.Body, c: c, method: resp.Request.Method}
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	cfg.Endpoint = srv.URL
	return cfg, c
}

// countedBody counts the bytes read from an answer.
type countedBody struct {
	io.ReadCloser
	c      *Counter
	method string
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.add(b.method, 0, int64(n))
	return n, err
}
