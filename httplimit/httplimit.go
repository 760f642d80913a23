// Package httplimit holds openvod's HTTP timeouts: the server's, sized for
// API requests (a long poll waits 5 s), and a minimum transfer rate for the
// routes that move large bodies (upload PUTs, media GETs), which lifts the
// server's fixed deadlines and cuts off a peer that moves bytes too slowly.
// See docs/architecture.md.
package httplimit

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Defaults of Timeouts.
const (
	// ReadHeaderTimeoutDefault bounds reading a request's headers.
	ReadHeaderTimeoutDefault = 10 * time.Second
	// RequestTimeoutDefault bounds reading a whole request and writing its
	// answer, on routes without MinRate: an API call, a long poll of up to
	// 5 s, /healthz, /metrics.
	RequestTimeoutDefault = 30 * time.Second
	// IdleTimeoutDefault bounds a kept-alive connection between requests.
	IdleTimeoutDefault = 2 * time.Minute
)

// Timeouts configures NewServer; zero fields take the defaults.
type Timeouts struct {
	ReadHeader time.Duration
	Request    time.Duration
	Idle       time.Duration
}

// NewServer returns an http.Server for h with t's timeouts.
func NewServer(h http.Handler, t Timeouts) *http.Server {
	request := cmp.Or(t.Request, RequestTimeoutDefault)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cmp.Or(t.ReadHeader, ReadHeaderTimeoutDefault),
		ReadTimeout:       request,
		WriteTimeout:      request,
		IdleTimeout:       cmp.Or(t.Idle, IdleTimeoutDefault),
	}
}

// Rate is a minimum transfer rate: a transfer fails when the server has
// waited Window on the peer (in reads of the body, or writes of the
// response) without BytesPerSecond×Window bytes moving. Each time that many
// have moved, the count starts again. Time the handler spends elsewhere
// (storing what it read, reading what it writes) is not counted.
type Rate struct {
	BytesPerSecond int64
	Window         time.Duration
}

// RateDefault is the rate of openvod's upload and media routes: 16 KiB/s
// over 30 s windows.
var RateDefault = Rate{BytesPerSecond: 16 << 10, Window: 30 * time.Second}

// ErrTooSlow is the error of a body read or a response write whose peer
// stayed under the Rate.
var ErrTooSlow = errors.New("httplimit: the transfer stayed under the minimum rate")

// MinRate wraps h so that the request body and the response each move at
// rate at least, in place of the server's read and write timeouts: before
// each read of the body (each write of at most a window's quota of the
// response) the connection's deadline is set to what is left of the
// window. The read deadline is lifted at the body's end (a request without
// a body has none), so the server never cancels a request whose body was
// read. A read or write that misses its deadline fails with ErrTooSlow.
// Without a connection that supports deadlines (see
// http.ResponseController), h runs unlimited.
func MinRate(h http.Handler, rate Rate) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		read := newMeter(rate, rc.SetReadDeadline)
		// Replace the server's read deadline: until the first read, a
		// window; without a body, none.
		deadline := time.Time{}
		if r.Body != nil && r.Body != http.NoBody {
			deadline = time.Now().Add(rate.Window)
			r.Body = &rateBody{ReadCloser: r.Body, m: read}
		}
		if err := read.set(deadline); err != nil {
			http.Error(w, "connection error", http.StatusInternalServerError)
			return
		}
		rw := &rateWriter{ResponseWriter: w, m: newMeter(rate, rc.SetWriteDeadline)}
		h.ServeHTTP(rw, r)
		if !rw.wrote {
			// For the response net/http writes after h.
			rw.m.before()
		}
	})
}

// meter enforces a Rate on one direction of a connection through its deadline.
type meter struct {
	rate        Rate
	quota       int64 // bytes per window
	setDeadline func(time.Time) error
	moved       int64         // bytes in this window
	waited      time.Duration // time waited on the peer in this window
	began       time.Time     // of the read or write under way
}

func newMeter(rate Rate, setDeadline func(time.Time) error) *meter {
	quota := rate.BytesPerSecond * int64(rate.Window) / int64(time.Second)
	return &meter{rate: rate, quota: max(1, quota), setDeadline: setDeadline}
}

// before sets the deadline of a read or write to what is left of the window.
func (m *meter) before() error {
	m.began = time.Now()
	return m.set(m.began.Add(m.rate.Window - m.waited))
}

// after counts n bytes moved by the read or write begun by before,
// starting a new window when the quota is met.
func (m *meter) after(n int) {
	m.waited += time.Since(m.began)
	if m.moved += int64(n); m.moved >= m.quota {
		m.moved, m.waited = 0, 0
	}
}

// set sets the deadline; a connection without deadlines is not an error.
func (m *meter) set(t time.Time) error {
	if err := m.setDeadline(t); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// wrap turns a missed deadline into ErrTooSlow.
func (m *meter) wrap(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w of %d bytes/s over %v", ErrTooSlow, m.rate.BytesPerSecond, m.rate.Window)
	}
	return err
}

// rateBody is a request body read under a meter.
type rateBody struct {
	io.ReadCloser
	m *meter
}

func (b *rateBody) Read(p []byte) (int, error) {
	if err := b.m.before(); err != nil {
		return 0, err
	}
	n, err := b.ReadCloser.Read(p)
	b.m.after(n)
	if err == io.EOF {
		// The server reads on in the background; a deadline there would
		// cancel the request while the handler stores the body.
		if lerr := b.m.set(time.Time{}); lerr != nil {
			err = lerr
		}
	}
	return n, b.m.wrap(err)
}

// rateWriter is a response written under a meter; Write hands the
// connection at most a window's quota at once.
type rateWriter struct {
	http.ResponseWriter
	m     *meter
	wrote bool
}

// writeChunk is the most one Write hands on at once.
const writeChunk = 32 << 10

func (w *rateWriter) WriteHeader(code int) {
	w.wrote = true
	w.m.before()
	w.ResponseWriter.WriteHeader(code)
	w.m.after(0)
}

func (w *rateWriter) Write(p []byte) (int, error) {
	w.wrote = true
	size := int(min(writeChunk, w.m.quota))
	written := 0
	for len(p) > 0 {
		if err := w.m.before(); err != nil {
			return written, err
		}
		n, err := w.ResponseWriter.Write(p[:min(len(p), size)])
		w.m.after(n)
		written += n
		if err != nil {
			return written, w.m.wrap(err)
		}
		p = p[n:]
	}
	return written, nil
}

// Unwrap lets http.ResponseController reach the connection.
func (w *rateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
