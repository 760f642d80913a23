package tcapi

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openvod/openvod"
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

// verify checks the request's TC3 signature against secretKey. It tries the
// Host header as sent and, when that fails, without its port (the Node.js
// SDK signs the host name alone).
func (a *authorization) verify(r *http.Request, ts int64, secretKey, payloadHash string) bool {
	headers := make(map[string]string)
	for _, name := range strings.Split(a.SignedHeaders, ";") {
		if name == "host" {
			headers[name] = r.Host
		} else {
			headers[name] = r.Header.Get(name)
		}
	}
	in := SignInput{
		SecretKey:     secretKey,
		Service:       a.Service,
		Timestamp:     ts,
		Method:        r.Method,
		Path:          r.URL.EscapedPath(),
		RawQuery:      r.URL.RawQuery,
		SignedHeaders: a.SignedHeaders,
		Headers:       headers,
		PayloadHash:   payloadHash,
	}
	if equalHex(Sign(in), a.Signature) {
		return true
	}
	if _, ok := headers["host"]; ok {
		if host, _, err := net.SplitHostPort(r.Host); err == nil {
			headers["host"] = host
			return equalHex(Sign(in), a.Signature)
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
	skew := now.Sub(time.Unix(ts, 0))
	if skew > MaxClockSkew || skew < -MaxClockSkew {
		return 0, openvod.Errorf(openvod.CodeAuthSignatureExpire,
			"signature expired: X-TC-Timestamp %d is %s from server time %d (allowed: 300s)", ts, skew.Round(time.Second), now.Unix())
	}
	if want := time.Unix(ts, 0).UTC().Format("2006-01-02"); a.Date != want {
		return 0, openvod.Errorf(openvod.CodeAuthSignatureFailure,
			"the Credential date %s does not match the UTC date %s of X-TC-Timestamp", a.Date, want)
	}
	return ts, nil
}
