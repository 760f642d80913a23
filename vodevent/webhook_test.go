package vodevent

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The example of the Standard Webhooks specification.
const (
	specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTS     = 1614265330
	specBody   = `{"test": 2432232314}`
	specSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func specHeader(sig string) http.Header {
	h := http.Header{}
	h.Set(WebhookIDHeader, specID)
	h.Set(WebhookTimestampHeader, strconv.Itoa(specTS))
	h.Set(WebhookSignatureHeader, sig)
	return h
}

func TestWebhookSignVector(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{specSecret, strings.TrimPrefix(specSecret, "whsec_")} {
		got, err := WebhookSign(secret, specID, specTS, []byte(specBody))
		if err != nil {
			t.Fatal(err)
		}
		if got != specSig {
			t.Fatalf("WebhookSign(%q) = %s, want %s", secret, got, specSig)
		}
	}
}

func TestWebhookVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(specTS, 0)
	other, _ := WebhookSign(NewWebhookSecret(), specID, specTS, []byte(specBody))
	for _, tc := range []struct {
		name   string
		header http.Header
		body   string
		now    time.Time
		want   error
	}{
		{"OK", specHeader(specSig), specBody, now, nil},
		{"OKAmongOthers", specHeader("v1a,abc " + other + " " + specSig), specBody, now, nil},
		{"OKEarlyEdge", specHeader(specSig), specBody, now.Add(5 * time.Minute), nil},
		{"OKLateEdge", specHeader(specSig), specBody, now.Add(-5 * time.Minute), nil},
		{"TooOld", specHeader(specSig), specBody, now.Add(5*time.Minute + time.Second), ErrWebhookTimestamp},
		{"TooNew", specHeader(specSig), specBody, now.Add(-5*time.Minute - time.Second), ErrWebhookTimestamp},
		{"BodyChanged", specHeader(specSig), `{"test": 2432232315}`, now, ErrWebhookSignature},
		{"OtherSecret", specHeader(other), specBody, now, ErrWebhookSignature},
		{"WrongVersion", specHeader("v2," + strings.TrimPrefix(specSig, "v1,")), specBody, now, ErrWebhookSignature},
		{"NoSignature", specHeader(""), specBody, now, ErrWebhookSignature},
		{"NoID", func() http.Header { h := specHeader(specSig); h.Del(WebhookIDHeader); return h }(), specBody, now, ErrWebhookSignature},
		{"BadTimestamp", func() http.Header { h := specHeader(specSig); h.Set(WebhookTimestampHeader, "soon"); return h }(), specBody, now, ErrWebhookTimestamp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := WebhookVerify(specSecret, tc.header, []byte(tc.body), tc.now, 5*time.Minute); err != tc.want {
				t.Fatalf("WebhookVerify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestWebhookVerifyDefaultTolerance(t *testing.T) {
	t.Parallel()
	now := time.Unix(specTS, 0)
	if err := WebhookVerify(specSecret, specHeader(specSig), []byte(specBody), now.Add(WebhookToleranceDefault), 0); err != nil {
		t.Fatalf("at the default tolerance: %v", err)
	}
	if err := WebhookVerify(specSecret, specHeader(specSig), []byte(specBody), now.Add(WebhookToleranceDefault+time.Second), 0); err != ErrWebhookTimestamp {
		t.Fatalf("past the default tolerance: %v", err)
	}
}

func TestWebhookBadSecret(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"whsec_not base64!", "whsec_", ""} {
		if _, err := WebhookSign(secret, specID, specTS, nil); err == nil {
			t.Errorf("WebhookSign(%q): no error", secret)
		}
		err := WebhookVerify(secret, specHeader(specSig), []byte(specBody), time.Unix(specTS, 0), 0)
		if err == nil || errors.Is(err, ErrWebhookSignature) || errors.Is(err, ErrWebhookTimestamp) {
			t.Errorf("WebhookVerify(%q) = %v, want a secret error", secret, err)
		}
	}
}

func TestNewWebhookSecret(t *testing.T) {
	t.Parallel()
	a, b := NewWebhookSecret(), NewWebhookSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	if !strings.HasPrefix(a, "whsec_") || err != nil || len(key) != 32 {
		t.Fatalf("secret %q: %d bytes, %v", a, len(key), err)
	}
	sig, err := WebhookSign(a, "msg_1", 1700000000, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(WebhookIDHeader, "msg_1")
	h.Set(WebhookTimestampHeader, "1700000000")
	h.Set(WebhookSignatureHeader, sig)
	if err := WebhookVerify(a, h, []byte("{}"), time.Unix(1700000000, 0), 0); err != nil {
		t.Fatal(err)
	}
}
