package httplimit_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/httplimit"
)

// serve runs NewServer(h, t) on a loopback port until the test ends and
// returns its address.
func serve(t *testing.T, h http.Handler, to httplimit.Timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httplimit.NewServer(h, to)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// trickle writes s to c one byte per gap until a write fails.
func trickle(c net.Conn, s string, gap time.Duration) {
	for i := range len(s) {
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
		time.Sleep(gap)
	}
}

// closedWithin reads c until it is closed by the server, and fails unless
// that happens within d.
func closedWithin(t *testing.T, c net.Conn, d time.Duration) {
	t.Helper()
	began := time.Now()
	c.SetReadDeadline(began.Add(10 * d))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", time.Since(began))
	}
	if took := time.Since(began); took > d {
		t.Fatalf("the server closed the connection after %v, want within %v", took, d)
	}
}

// TestSlowHeadersCutOff: a client sending its headers a byte at a time is
// disconnected at the read-header timeout.
func TestSlowHeadersCutOff(t *testing.T) {
	t.Parallel()
	addr := serve(t, http.NotFoundHandler(), httplimit.Timeouts{ReadHeader: 300 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go trickle(c, "GET / HTTP/1.1\r\nHost: x\r\n"+strings.Repeat("X-Padding: y\r\n", 100), 20*time.Millisecond)
	closedWithin(t, c, 2*time.Second)
}

// TestSlowBodyCutOff: an upload whose body arrives under the minimum rate
// fails with ErrTooSlow after a window, although the server's own
// deadlines are lifted.
func TestSlowBodyCutOff(t *testing.T) {
	t.Parallel()
	rate := httplimit.Rate{BytesPerSecond: 64 << 10, Window: 300 * time.Millisecond}
	errc := make(chan error, 1)
	addr := serve(t, httplimit.MinRate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		errc <- err
		http.Error(w, "too slow", http.StatusRequestTimeout)
	}), rate), httplimit.Timeouts{Request: time.Minute})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	began := time.Now()
	fmt.Fprintf(c, "PUT /upload/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
	go trickle(c, strings.Repeat("b", 1000), 10*time.Millisecond)
	select {
	case err := <-errc:
		if !errors.Is(err, httplimit.ErrTooSlow) {
			t.Fatalf("body read error = %v, want ErrTooSlow", err)
		}
		if took := time.Since(began); took < rate.Window || took > 2*time.Second {
			t.Fatalf("cut off after %v, want after the %v window and soon", took, rate.Window)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a body at 100 bytes/s was not cut off")
	}
	closedWithin(t, c, 2*time.Second)
}

// pacedReader yields its bytes at about rate bytes/s.
type pacedReader struct {
	r     io.Reader
	rate  int
	began time.Time
	n     int
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.began.IsZero() {
		p.began = time.Now()
	}
	if due := p.began.Add(time.Duration(p.n) * time.Second / time.Duration(p.rate)); time.Until(due) > 0 {
		time.Sleep(time.Until(due))
	}
	n, err := p.r.Read(b[:min(len(b), 64<<10)])
	p.n += n
	return n, err
}

// TestFastUploadPasses: a 16 MiB upload at 8 MiB/s, lasting several
// windows and four times the server's request timeout, arrives whole,
// although the handler pauses for longer than a window halfway.
func TestFastUploadPasses(t *testing.T) {
	t.Parallel()
	rate := httplimit.Rate{BytesPerSecond: 1 << 20, Window: time.Second}
	addr := serve(t, httplimit.MinRate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		_, err := io.CopyN(h, r.Body, 8<<20)
		if err == nil {
			time.Sleep(1500 * time.Millisecond) // busy storing: not the client's time
			_, err = io.Copy(h, r.Body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		time.Sleep(1500 * time.Millisecond) // storing it, past the body's last window
		if err := r.Context().Err(); err != nil {
			http.Error(w, "request cancelled: "+err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%x", h.Sum(nil))
	}), rate), httplimit.Timeouts{Request: 500 * time.Millisecond})
	body := make([]byte, 16<<20)
	rand.Read(body)
	req, _ := http.NewRequest(http.MethodPut, "http://"+addr+"/upload/x", &pacedReader{r: bytes.NewReader(body), rate: 8 << 20})
	req.ContentLength = int64(len(body))
	began := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if want := fmt.Sprintf("%x", sha256.Sum256(body)); resp.StatusCode != http.StatusOK || string(got) != want {
		t.Fatalf("upload = %d %q, want 200 %s", resp.StatusCode, got, want)
	}
	if took := time.Since(began); took < 2*time.Second {
		t.Fatalf("the upload took %v; the test needs it to outlast the request timeout", took)
	}
}

// TestSlowReaderCutOff: a client that stops reading a large response is
// cut off a window after the socket buffers fill.
func TestSlowReaderCutOff(t *testing.T) {
	t.Parallel()
	rate := httplimit.Rate{BytesPerSecond: 1 << 20, Window: 300 * time.Millisecond}
	errc := make(chan error, 1)
	addr := serve(t, httplimit.MinRate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		for range 256 {
			if _, err := w.Write(chunk); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}), rate), httplimit.Timeouts{Request: time.Minute})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /vod/x HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case err := <-errc:
		if !errors.Is(err, httplimit.ErrTooSlow) {
			t.Fatalf("write error = %v, want ErrTooSlow", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a client that reads nothing was not cut off")
	}
}

// TestFastDownloadPasses: a 16 MiB response read at 8 MiB/s, lasting four
// times the server's request timeout, arrives whole, and the request is
// not cancelled meanwhile.
func TestFastDownloadPasses(t *testing.T) {
	t.Parallel()
	rate := httplimit.Rate{BytesPerSecond: 1 << 20, Window: time.Second}
	content := make([]byte, 16<<20)
	rand.Read(content)
	cancelled := make(chan error, 1)
	addr := serve(t, httplimit.MinRate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "x.mp4", time.Time{}, bytes.NewReader(content))
		cancelled <- r.Context().Err()
	}), rate), httplimit.Timeouts{Request: 500 * time.Millisecond})
	began := time.Now()
	resp, err := http.Get("http://" + addr + "/vod/x.mp4")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(&pacedReader{r: bufio.NewReader(resp.Body), rate: 8 << 20})
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read %d of %d bytes: %v", len(got), len(content), err)
	}
	if took := time.Since(began); took < 2*time.Second {
		t.Fatalf("the download took %v; the test needs it to outlast the request timeout", took)
	}
	if err := <-cancelled; err != nil {
		t.Fatalf("the request was cancelled while served: %v", err)
	}
}
