package vodevent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// TC3Algorithm names the API 3.0 request signature, the first word of the
// Authorization header.
const TC3Algorithm = "TC3-HMAC-SHA256"

// TC3SignInput is everything a TC3-HMAC-SHA256 request signature covers.
type TC3SignInput struct {
	SecretKey     string
	Service       string // "vod"; a verifier takes it from the Credential scope
	Timestamp     int64  // X-TC-Timestamp, Unix seconds; its UTC date is the scope's date
	Method        string // "POST" or "GET"
	Path          string // canonical URI, "/" for API calls
	RawQuery      string // "" for POST
	SignedHeaders string // lowercase names joined by ';', e.g. "content-type;host"
	// Headers maps each lowercase name of SignedHeaders to its value as
	// sent; values are trimmed and lowercased for signing.
	Headers     map[string]string
	PayloadHash string // [TC3PayloadHash] of the raw body
}

// TC3Sign returns the lowercase hex TC3-HMAC-SHA256 signature of a request:
// the HMAC chain TC3+SecretKey → date → service → "tc3_request" applied to
// the string to sign built from the canonical request, as Tencent Cloud API
// 3.0 specifies. A client puts it in the Authorization header; a server
// recomputes it and compares in constant time.
func TC3Sign(in TC3SignInput) string {
	var canon strings.Builder
	canon.WriteString(in.Method + "\n" + in.Path + "\n" + in.RawQuery + "\n")
	for name := range strings.SplitSeq(in.SignedHeaders, ";") {
		canon.WriteString(name + ":" + strings.ToLower(strings.TrimSpace(in.Headers[name])) + "\n")
	}
	canon.WriteString("\n" + in.SignedHeaders + "\n" + in.PayloadHash)

	date := time.Unix(in.Timestamp, 0).UTC().Format(time.DateOnly)
	scope := date + "/" + in.Service + "/tc3_request"
	stringToSign := TC3Algorithm + "\n" + strconv.FormatInt(in.Timestamp, 10) + "\n" + scope + "\n" + TC3PayloadHash([]byte(canon.String()))

	kDate := hmacSHA256([]byte("TC3"+in.SecretKey), date)
	kService := hmacSHA256(kDate, in.Service)
	kSigning := hmacSHA256(kService, "tc3_request")
	return hex.EncodeToString(hmacSHA256(kSigning, stringToSign))
}

// TC3PayloadHash returns the lowercase hex SHA-256 of b: the payload hash
// of a request whose raw body is b.
func TC3PayloadHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
