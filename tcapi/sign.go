package tcapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signature algorithm openvod accepts.
const Algorithm = "TC3-HMAC-SHA256"

// SignInput is everything a TC3-HMAC-SHA256 signature covers.
type SignInput struct {
	SecretKey     string
	Service       string
	Timestamp     int64
	Method        string
	Path          string // canonical URI, "/" for API calls
	RawQuery      string
	SignedHeaders string            // "content-type;host"
	Headers       map[string]string // lowercase name -> value, for each signed header
	PayloadHash   string            // lowercase hex SHA-256 of the body
}

// Sign computes the lowercase hex TC3-HMAC-SHA256 signature of in.
func Sign(in SignInput) string {
	var canon strings.Builder
	canon.WriteString(in.Method + "\n" + in.Path + "\n" + in.RawQuery + "\n")
	for _, name := range strings.Split(in.SignedHeaders, ";") {
		canon.WriteString(name + ":" + strings.ToLower(strings.TrimSpace(in.Headers[name])) + "\n")
	}
	canon.WriteString("\n" + in.SignedHeaders + "\n" + in.PayloadHash)

	date := time.Unix(in.Timestamp, 0).UTC().Format("2006-01-02")
	scope := date + "/" + in.Service + "/tc3_request"
	stringToSign := Algorithm + "\n" + strconv.FormatInt(in.Timestamp, 10) + "\n" + scope + "\n" + sha256Hex([]byte(canon.String()))

	kDate := hmacSHA256([]byte("TC3"+in.SecretKey), date)
	kService := hmacSHA256(kDate, in.Service)
	kSigning := hmacSHA256(kService, "tc3_request")
	return hex.EncodeToString(hmacSHA256(kSigning, stringToSign))
}

// PayloadHash returns the lowercase hex SHA-256 of body.
func PayloadHash(body []byte) string { return sha256Hex(body) }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
