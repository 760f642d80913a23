package push

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoffSchedule(t *testing.T) {
	t.Parallel()
	mid := Backoff{Base: 5 * time.Second, Max: time.Hour, RandFunc: func() float64 { return 0.5 }}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second}
	for i, w := range want {
		if got := mid.Delay(int64(i+1), 0); got != w {
			t.Errorf("delay after %d failures = %s, want %s", i+1, got, w)
		}
	}
	if got := mid.Delay(20, 0); got != time.Hour {
		t.Errorf("delay after 20 failures = %s, want the 1h cap", got)
	}
	if got := mid.Delay(200, 0); got != time.Hour {
		t.Errorf("delay after 200 failures = %s, want the 1h cap (no overflow)", got)
	}
	low := Backoff{Base: 5 * time.Second, Max: time.Hour, RandFunc: func() float64 { return 0 }}
	high := Backoff{Base: 5 * time.Second, Max: time.Hour, RandFunc: func() float64 { return 0.999999 }}
	if got := low.Delay(1, 0); got != 4*time.Second {
		t.Errorf("lowest jitter = %s, want 4s (-20%%)", got)
	}
	if got := high.Delay(1, 0); got < 5999*time.Millisecond || got > 6*time.Second {
		t.Errorf("highest jitter = %s, want ~6s (+20%%)", got)
	}
	if got := mid.Delay(1, 90*time.Second); got != 90*time.Second {
		t.Errorf("Retry-After 90s: delay %s, want 90s", got)
	}
	if got := mid.Delay(3, time.Second); got != 20*time.Second {
		t.Errorf("a short Retry-After shortened the delay to %s", got)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-5":                            0,
		"soon":                          0,
		"Sat, 28 Nov 2026 08:01:00 GMT": time.Minute,
		"Sat, 28 Nov 2026 07:59:00 GMT": 0,
	}
	for v, want := range tests {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := RetryAfter(h, now); got != want {
			t.Errorf("Retry-After %q = %s, want %s", v, got, want)
		}
	}
}
