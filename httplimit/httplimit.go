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

// Rate is a minimum transfer rate: a transfer fails when fewer than
// BytesPerSecond×Window bytes move in a Window that starts when the
// transfer does and starts again each time that many have moved.
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
// rate at least, in place of the server's read and write timeouts. The
// read deadline is extended as the body arrives and lifted at its end (a
// request without a body has none), so the server never cancels a request
// whose body is read; the write deadline is extended as the response is
// taken. A body read or response write that misses its deadline fails with
// ErrTooSlow. Without a connection that supports deadlines (see
// http.ResponseController), h runs unlimited.
func MinRate(h http.Handler, rate Rate) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		read := newMeter(rate, rc.SetReadDeadline)
		var err error
		if r.Body == nil || r.Body == http.NoBody {
			err = read.lift()
		} else {
			err = read.begin()
			r.Body = &rateBody{ReadCloser: r.Body, m: read}
		}
		if err != nil {
			http.Error(w, "connection error", http.StatusInternalServerError)
			return
		}
		rw := &rateWriter{ResponseWriter: w, m: newMeter(rate, rc.SetWriteDeadline)}
		h.ServeHTTP(rw, r)
		rw.start() // for a response net/http writes after h
	})
}

// meter enforces a Rate on one direction of a connection through its deadline.
type meter struct {
	rate        Rate
	quota       int64 // bytes per window
	setDeadline func(time.Time) error
	moved       int64 // bytes since the window began
}

func newMeter(rate Rate, setDeadline func(time.Time) error) *meter {
	quota := rate.BytesPerSecond * int64(rate.Window) / int64(time.Second)
	return &meter{rate: rate, quota: max(1, quota), setDeadline: setDeadline}
}

// begin starts a window.
func (m *meter) begin() error {
	m.moved = 0
	return m.set(time.Now().Add(m.rate.Window))
}

// lift removes the deadline.
func (m *meter) lift() error { return m.set(time.Time{}) }

func (m *meter) set(t time.Time) error {
	if err := m.setDeadline(t); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// add counts n bytes moved, starting a new window when the quota is met.
func (m *meter) add(n int) error {
	if m.moved += int64(n); m.moved >= m.quota {
		return m.begin()
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
	n, err := b.ReadCloser.Read(p)
	if merr := b.m.add(n); err == nil {
		err = merr
	}
	if err == io.EOF {
		// The server reads on in the background; a deadline there would
		// cancel the request while the handler stores the body.
		if lerr := b.m.lift(); lerr != nil {
			err = lerr
		}
	}
	return n, b.m.wrap(err)
}

// rateWriter is a response written under a meter, which starts at the
// first write; Write hands the connection at most a window's quota at once.
type rateWriter struct {
	http.ResponseWriter
	m     *meter
	begun bool
}

// writeChunk is the most one Write hands on at once.
const writeChunk = 32 << 10

func (w *rateWriter) start() error {
	if w.begun {
		return nil
	}
	w.begun = true
	return w.m.begin()
}

func (w *rateWriter) WriteHeader(code int) {
	w.start()
	w.ResponseWriter.WriteHeader(code)
}

func (w *rateWriter) Write(p []byte) (int, error) {
	if err := w.start(); err != nil {
		return 0, err
	}
	size := int(min(writeChunk, w.m.quota))
	written := 0
	for len(p) > 0 {
		n, err := w.ResponseWriter.Write(p[:min(len(p), size)])
		written += n
		if err == nil {
			err = w.m.add(n)
		}
		if err != nil {
			return written, w.m.wrap(err)
		}
		p = p[n:]
	}
	return written, nil
}

// Unwrap lets http.ResponseController reach the connection.
func (w *rateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
