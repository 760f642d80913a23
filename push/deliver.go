package push

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/netguard"
	"github.com/openvod/openvod/vodevent"
)

// SignValidity is how long a Sign/T signature stays valid: T is the send
// time plus this.
const SignValidity = 600 * time.Second

// TimeoutDefault is how long a receiver has to answer.
const TimeoutDefault = 5 * time.Second

// attempt is the outcome of one POST.
type attempt struct {
	event      *openvod.Event
	url        string
	time       time.Time
	statusCode int
	latency    time.Duration
	err        string // "" when delivered
	retryAfter time.Duration
	excerpt    string // the start of the answer's body
}

func (a *attempt) delivered() bool { return a.err == "" }

// Body returns what is POSTed for an event: its body, with Sign and T as
// the last keys when the app has a SignKey.
func Body(e *openvod.Event, cfg *openvod.EventConfig, now time.Time) []byte {
	if cfg.SignKey == "" {
		return e.Body
	}
	return vodevent.AppendSign(e.Body, cfg.SignKey, now.Add(SignValidity).Unix())
}

// send POSTs the event to the app's URL once. Delivered means a 2xx answer
// within the timeout; redirects are not followed.
func send(ctx context.Context, client *http.Client, timeout time.Duration, e *openvod.Event, cfg *openvod.EventConfig, now time.Time) *attempt {
	a := &attempt{event: e, url: cfg.NotificationURL, time: now}
	body := Body(e, cfg, now)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.NotificationURL, bytes.NewReader(body))
	if err != nil {
		a.err = "bad NotificationUrl: " + err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "openvod")
	if cfg.WebhookSecret != "" {
		sig, err := vodevent.WebhookSign(cfg.WebhookSecret, e.ID, now.Unix(), body)
		if err != nil {
			a.err = "webhook secret unusable: " + err.Error()
			return a
		}
		req.Header.Set("webhook-id", e.ID)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
	}
	start := time.Now()
	resp, err := client.Do(req)
	a.latency = time.Since(start)
	if err != nil {
		a.err = err.Error()
		var denied *netguard.DeniedError
		if errors.As(err, &denied) {
			a.err = "the NotificationUrl is not allowed: " + denied.Error()
		}
		if ctx.Err() == context.DeadlineExceeded {
			a.err = fmt.Sprintf("no answer within %s", timeout)
		}
		return a
	}
	head := make([]byte, openvod.MaxResponseExcerpt)
	n, _ := io.ReadFull(resp.Body, head)
	a.excerpt = Excerpt(head[:n])
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.statusCode = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		a.err = "HTTP " + strconv.Itoa(resp.StatusCode)
		a.retryAfter = RetryAfter(resp.Header, now)
	}
	return a
}

// NewClient returns the HTTP client pushes use: keep-alive connections, no
// redirects followed, and connections only to addresses the policy allows
// (a refused one is a failed attempt whose error says so).
func NewClient(policy *netguard.Policy) *http.Client {
	tr := policy.Transport()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Excerpt returns b, the start of an answer's body, as text a database
// keeps: invalid UTF-8 (such as a character cut at the end) and NUL bytes
// removed, so at most len(b) bytes.
func Excerpt(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), ""), "\x00", "")
}

// Outcome is the result of one POST of an event.
type Outcome struct {
	StatusCode      int // 0 when there was no HTTP answer
	Latency         time.Duration
	Error           string // "" when answered 2xx
	ResponseExcerpt string // at most openvod.MaxResponseExcerpt bytes
}

// SendOnce POSTs e to cfg.NotificationURL once, signed and timed out as
// deliveries are, and records nothing: the outcome is only returned.
func (d *Dispatcher) SendOnce(ctx context.Context, e *openvod.Event, cfg *openvod.EventConfig) Outcome {
	a := send(ctx, d.cfg.Client, d.cfg.Timeout, e, cfg, d.cfg.NowFunc())
	return Outcome{StatusCode: a.statusCode, Latency: a.latency, Error: a.err, ResponseExcerpt: a.excerpt}
}
