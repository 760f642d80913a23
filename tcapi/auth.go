package tcapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// MaxClockSkew is how far X-TC-Timestamp may be from the server's clock.
const MaxClockSkew = 300 * time.Second

// authorization is a parsed TC3 Authorization header.
type authorization struct {
	SecretID      string
	Date          string
	Service       string
	SignedHeaders string
	Signature     string
}

// parseAuthorization parses
// "TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=HEX".
func parseAuthorization(h string) (*authorization, error) {
	bad := func(why string) error {
		return openvod.Errorf(openvod.CodeAuthInvalidAuthorization, "Authorization header is malformed: %s", why)
	}
	if h == "" {
		return nil, bad("missing")
	}
	alg, rest, ok := strings.Cut(h, " ")
	if !ok || alg != Algorithm {
		return nil, bad("the algorithm must be " + Algorithm)
	}
	var a authorization
	var credential string
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, bad("expected Credential=, SignedHeaders= and Signature=")
		}
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			a.SignedHeaders = v
		case "Signature":
			a.Signature = v
		default:
			return nil, bad("unknown element " + strconv.Quote(k))
		}
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 4 || scope[0] == "" || scope[2] == "" || scope[3] != "tc3_request" {
		return nil, bad("Credential must be SecretId/Date/Service/tc3_request")
	}
	a.SecretID, a.Date, a.Service = scope[0], scope[1], scope[2]
	if a.SignedHeaders == "" || a.Signature == "" {
		return nil, bad("SignedHeaders and Signature are required")
	}
	for _, name := range strings.Split(a.SignedHeaders, ";") {
		if name == "" || name != strings.ToLower(name) {
			return nil, bad("SignedHeaders must be lowercase names separated by ';'")
		}
	}
	return &a, nil
}

// requireSignedHeaders checks that the signature covers content-type and
// host, as Tencent requires (every SDK signs exactly these two).
func (a *authorization) requireSignedHeaders() error {
	var contentType, host bool
	for _, name := range strings.Split(a.SignedHeaders, ";") {
		contentType = contentType || name == "content-type"
		host = host || name == "host"
	}
	if !contentType || !host {
		return openvod.Errorf(openvod.CodeAuthSignatureFailure, "SignedHeaders must include content-type and host, got %q", a.SignedHeaders)
	}
	return nil
}

// verify checks the request's TC3 signature against secretKey. It tries the
// Host header as sent and, when that fails, without its port (the Node.js
// SDK signs the host name alone); for a query string, it tries the query as
// sent and then query, the form in which the Go SDK signs it.
func (a *authorization) verify(r *http.Request, ts int64, secretKey, payloadHash, query string) bool {
	headers := make(map[string]string)
	for _, name := range strings.Split(a.SignedHeaders, ";") {
		if name == "host" {
			headers[name] = r.Host
		} else {
			headers[name] = r.Header.Get(name)
		}
	}
	hosts := []string{r.Host}
	if host, _, err := net.SplitHostPort(r.Host); err == nil {
		hosts = append(hosts, host)
	}
	queries := []string{r.URL.RawQuery}
	if query != r.URL.RawQuery {
		queries = append(queries, query)
	}
	for _, host := range hosts {
		if _, ok := headers["host"]; ok {
			headers["host"] = host
		}
		for _, q := range queries {
			in := SignInput{
				SecretKey:     secretKey,
				Service:       a.Service,
				Timestamp:     ts,
				Method:        r.Method,
				Path:          r.URL.EscapedPath(),
				RawQuery:      q,
				SignedHeaders: a.SignedHeaders,
				Headers:       headers,
				PayloadHash:   payloadHash,
			}
			if equalHex(Sign(in), a.Signature) {
				return true
			}
		}
	}
	return false
}

func equalHex(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// checkTimestamp parses X-TC-Timestamp and checks it against now and the
// Credential date.
func checkTimestamp(a *authorization, header string, now time.Time) (int64, error) {
	ts, err := strconv.ParseInt(header, 10, 64)
	if err != nil {
		return 0, openvod.Errorf(openvod.CodeAuthInvalidAuthorization, "X-TC-Timestamp must be Unix seconds, got %q", header)
	}
	if err := checkSkew("X-TC-Timestamp", ts, now); err != nil {
		return 0, err
	}
	if want := time.Unix(ts, 0).UTC().Format("2006-01-02"); a.Date != want {
		return 0, openvod.Errorf(openvod.CodeAuthSignatureFailure,
			"the Credential date %s does not match the UTC date %s of X-TC-Timestamp", a.Date, want)
	}
	return ts, nil
}

// checkSkew checks that the timestamp ts, given in name, is within
// MaxClockSkew of now.
func checkSkew(name string, ts int64, now time.Time) error {
	skew := now.Sub(time.Unix(ts, 0))
	if skew > MaxClockSkew || skew < -MaxClockSkew {
		return openvod.Errorf(openvod.CodeAuthSignatureExpire,
			"signature expired: %s %d is %s from server time %d (allowed: 300s)", name, ts, skew.Round(time.Second), now.Unix())
	}
	return nil
}

// authenticate verifies the request's signature and returns its SecretId.
func (a *API) authenticate(ctx context.Context, r *http.Request, in *incoming, body []byte, now time.Time) (string, error) {
	if in.v1 {
		sig, err := parseV1Signature(in.form, now)
		if err != nil {
			return "", err
		}
		key, err := a.secretKey(ctx, sig.SecretID)
		if err != nil {
			return "", err
		}
		if !sig.verify(r, in.form, key) {
			return "", signatureFailure()
		}
		return sig.SecretID, nil
	}
	auth, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	if err := auth.requireSignedHeaders(); err != nil {
		return "", err
	}
	ts, err := checkTimestamp(auth, r.Header.Get("X-TC-Timestamp"), now)
	if err != nil {
		return "", err
	}
	key, err := a.secretKey(ctx, auth.SecretID)
	if err != nil {
		return "", err
	}
	payloadHash := PayloadHash(body)
	if r.Header.Get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD" {
		payloadHash = PayloadHash([]byte("UNSIGNED-PAYLOAD"))
	}
	query := r.URL.RawQuery
	if in.form != nil {
		query = encodeForm(in.form)
	}
	if !auth.verify(r, ts, key, payloadHash, query) {
		return "", signatureFailure()
	}
	return auth.SecretID, nil
}

// encodeForm encodes form sorted by name, as url.Values does.
func encodeForm(form map[string]string) string {
	values := make(url.Values, len(form))
	for k, v := range form {
		values.Set(k, v)
	}
	return values.Encode()
}

func signatureFailure() error {
	return openvod.Errorf(openvod.CodeAuthSignatureFailure, "the provided credentials could not be validated; check your SecretKey and the signing of the request")
}

// secretKey returns the SecretKey of secretID, an enabled key. A key
// disabled on another server may work here for up to a minute (the cache's
// life).
func (a *API) secretKey(ctx context.Context, secretID string) (string, error) {
	key, err := a.keys.Get(secretID, func() (*openvod.APIKey, error) { return a.cfg.Store.KeyGet(ctx, secretID) })
	if errors.Is(err, store.ErrNotFound) {
		return "", openvod.Errorf(openvod.CodeAuthSecretIDNotFound, "the SecretId is not found; create keys with `openvod keys create`")
	}
	if err != nil {
		return "", err
	}
	if !key.DisableTime.IsZero() {
		return "", openvod.Errorf(openvod.CodeAuthSecretIDNotFound, "the SecretId was disabled at %s; use another key, or create one with `openvod keys create`",
			openvod.FormatTime(key.DisableTime))
	}
	return key.SecretKey, nil
}

// CheckKey reports whether secretID and secretKey are an enabled key pair,
// comparing the SecretKey in constant time. It returns the same error,
// AuthFailure.SignatureFailure, for an unknown SecretId and a wrong
// SecretKey; AuthFailure.SecretIdNotFound for a disabled key.
func (a *API) CheckKey(ctx context.Context, secretID, secretKey string) error {
	key, err := a.cfg.Store.KeyGet(ctx, secretID)
	if errors.Is(err, store.ErrNotFound) {
		return errWrongPair
	}
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(key.SecretKey), []byte(secretKey)) != 1 {
		return errWrongPair
	}
	if !key.DisableTime.IsZero() {
		return openvod.Errorf(openvod.CodeAuthSecretIDNotFound, "this key was disabled at %s; sign in with another key", openvod.FormatTime(key.DisableTime))
	}
	return nil
}

var errWrongPair = openvod.Errorf(openvod.CodeAuthSignatureFailure, "SecretId or SecretKey is wrong")
