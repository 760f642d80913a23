package tcapi

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/openvod/openvod"
)

// API v1 signature methods: what the SDKs send when their sign method is
// not TC3-HMAC-SHA256 (docs/api.md, Signing).
const (
	SignatureMethodHmacSHA1   = "HmacSHA1"
	SignatureMethodHmacSHA256 = "HmacSHA256"
)

// v1CommonParams are the parameters of an API v1 request that the
// gateway reads itself; the others are the action's.
var v1CommonParams = map[string]bool{
	"Action": true, "Version": true, "Region": true, "Timestamp": true, "Nonce": true, "SecretId": true,
	"SignatureMethod": true, "Signature": true, "Token": true, "Language": true, "RequestClient": true,
}

// tc3QueryCommonParams are the parameters the Go SDK adds to the query
// string of a TC3-signed GET and leaves out of the signature: the same
// values travel in the X-TC-* headers.
var tc3QueryCommonParams = map[string]bool{
	"Action": true, "Version": true, "Region": true, "Timestamp": true, "Nonce": true, "RequestClient": true,
}

// stringToSignV1 is what an API v1 signature covers: the HTTP method, the
// Host header, the path, "?" and the parameters other than Signature,
// sorted by name, as name=value joined by "&", values not escaped.
func stringToSignV1(method, host, path string, params map[string]string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(method + host + path + "?")
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + params[k])
	}
	return b.String()
}

// signV1 returns the base64 HMAC of s with secretKey for an API v1
// signature method, false for an unknown method.
func signV1(method, secretKey, s string) (string, bool) {
	var h func() hash.Hash
	switch method {
	case SignatureMethodHmacSHA1:
		h = sha1.New
	case SignatureMethodHmacSHA256:
		h = sha256.New
	default:
		return "", false
	}
	mac := hmac.New(h, []byte(secretKey))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)), true
}

// v1Signature is the signing part of an API v1 request's parameters.
type v1Signature struct {
	SecretID, Method, Signature string
}

// parseV1Signature reads SecretId, SignatureMethod (HmacSHA1 when
// omitted, as Tencent has it), Signature and Timestamp, and checks the
// timestamp against now.
func parseV1Signature(params map[string]string, now time.Time) (*v1Signature, error) {
	bad := func(format string, args ...any) error {
		return openvod.Errorf(openvod.CodeAuthInvalidAuthorization, format, args...)
	}
	s := &v1Signature{SecretID: params["SecretId"], Method: params["SignatureMethod"], Signature: params["Signature"]}
	if s.Method == "" {
		s.Method = SignatureMethodHmacSHA1
	}
	if s.Method != SignatureMethodHmacSHA1 && s.Method != SignatureMethodHmacSHA256 {
		return nil, bad("SignatureMethod must be %s or %s, got %q", SignatureMethodHmacSHA1, SignatureMethodHmacSHA256, s.Method)
	}
	if s.SecretID == "" {
		return nil, bad("the request is missing the parameter SecretId")
	}
	ts, err := strconv.ParseInt(params["Timestamp"], 10, 64)
	if err != nil {
		return nil, bad("the parameter Timestamp must be Unix seconds, got %q", params["Timestamp"])
	}
	if err := checkSkew("Timestamp", ts, now); err != nil {
		return nil, err
	}
	return s, nil
}

// verify checks the signature of a request whose parameters are params.
func (s *v1Signature) verify(r *http.Request, params map[string]string, secretKey string) bool {
	want, _ := signV1(s.Method, secretKey, stringToSignV1(r.Method, r.Host, r.URL.Path, params))
	return hmac.Equal([]byte(want), []byte(s.Signature))
}
