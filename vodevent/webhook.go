package vodevent

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks (https://www.standardwebhooks.com) header names and the
// default timestamp tolerance.
const (
	WebhookIDHeader         = "webhook-id"
	WebhookTimestampHeader  = "webhook-timestamp"
	WebhookSignatureHeader  = "webhook-signature"
	WebhookToleranceDefault = 5 * time.Minute
)

// Errors of [WebhookVerify]. A [Handler] answers 401 for both.
var (
	// ErrWebhookSignature means a header is missing or no signature in
	// webhook-signature matches the message.
	ErrWebhookSignature = errors.New("vodevent: no valid webhook signature")
	// ErrWebhookTimestamp means webhook-timestamp is not an integer or is
	// outside the tolerance around now.
	ErrWebhookTimestamp = errors.New("vodevent: webhook timestamp outside tolerance")
)

const webhookSecretPrefix = "whsec_"

// NewWebhookSecret returns a new random Standard Webhooks secret:
// "whsec_" followed by the standard base64 of 32 random bytes.
func NewWebhookSecret() string {
	key := make([]byte, 32)
	rand.Read(key) // never fails; see crypto/rand.Read
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// WebhookSign returns the Standard Webhooks signature of a message:
// "v1," followed by the standard base64 of the HMAC-SHA256 of
// msgID + "." + timestamp + "." + body, keyed with the secret's decoded
// bytes. secret is "whsec_" plus standard base64 (the prefix may be left
// out). It fails only when secret does not decode to at least one byte.
//
// The sender puts the result in the webhook-signature header, msgID in
// webhook-id and timestamp (Unix seconds) in webhook-timestamp.
func WebhookSign(secret, msgID string, timestamp int64, body []byte) (string, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return "", err
	}
	return webhookSign(key, msgID, timestamp, body), nil
}

// WebhookVerify checks the Standard Webhooks headers of a request against
// its raw body. It returns nil when webhook-timestamp lies within tolerance
// of now (either side; zero or a negative tolerance means
// [WebhookToleranceDefault]) and one of the space-separated "v1,<base64>"
// entries of webhook-signature equals the expected signature; entries of
// other versions are ignored and the comparison takes constant time.
//
// It returns [ErrWebhookTimestamp] or [ErrWebhookSignature] for a request
// that fails the check, and another error when secret is malformed.
func WebhookVerify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := webhookKey(secret)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = WebhookToleranceDefault
	}
	msgID, tsText, sigs := header.Get(WebhookIDHeader), header.Get(WebhookTimestampHeader), header.Get(WebhookSignatureHeader)
	if msgID == "" || tsText == "" || sigs == "" {
		return ErrWebhookSignature
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrWebhookTimestamp
	}
	if sent := time.Unix(ts, 0); sent.Before(now.Add(-tolerance)) || sent.After(now.Add(tolerance)) {
		return ErrWebhookTimestamp
	}
	want := []byte(webhookSign(key, msgID, ts, body))
	for _, sig := range strings.Fields(sigs) {
		if strings.HasPrefix(sig, "v1,") && hmac.Equal([]byte(sig), want) {
			return nil
		}
	}
	return ErrWebhookSignature
}

func webhookKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, webhookSecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("vodevent: webhook secret is not whsec_ plus base64: %w", err)
	}
	if len(key) == 0 {
		return nil, errors.New("vodevent: webhook secret is empty")
	}
	return key, nil
}

func webhookSign(key []byte, msgID string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID + "." + strconv.FormatInt(timestamp, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}
