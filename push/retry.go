package push

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Defaults of the retry schedule.
const (
	RetryBaseDefault = 5 * time.Second
	RetryMaxDefault  = time.Hour
)

// Backoff is the retry schedule: the delay before attempt n+1 after n
// failed attempts is Base·2^(n-1), capped at Max, with ±20 % jitter; a
// Retry-After answer stretches it (never shortens it).
type Backoff struct {
	Base, Max time.Duration
	// RandFunc returns a number in [0,1); math/rand/v2 when nil.
	RandFunc func() float64
}

// Delay returns the wait after n failed attempts (n ≥ 1), at least retryAfter.
func (b Backoff) Delay(n int64, retryAfter time.Duration) time.Duration {
	base, ceiling := b.Base, b.Max
	if base <= 0 {
		base = RetryBaseDefault
	}
	if ceiling <= 0 {
		ceiling = RetryMaxDefault
	}
	d := ceiling
	if n-1 < 32 && base<<(n-1) > 0 && base<<(n-1) < ceiling {
		d = base << (n - 1)
	}
	r := rand.Float64
	if b.RandFunc != nil {
		r = b.RandFunc
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*r()))
	return max(d, retryAfter)
}

// RetryAfter parses a Retry-After header (seconds or an HTTP date) relative
// to now; 0 when absent or unreadable.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s > 0 {
		return time.Duration(min(s, 7*24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
