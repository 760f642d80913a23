package openvod

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"time"
)

// NewFileID returns a random FileId: 19 decimal digits, the first non-zero.
func NewFileID() string {
	lo := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	n, err := rand.Int(rand.Reader, new(big.Int).Mul(lo, big.NewInt(9)))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return n.Add(n, lo).String()
}

// RandomHex returns n random bytes as lowercase hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NewAPIKey generates an API key pair shaped like Tencent's, created at now.
func NewAPIKey(now time.Time) *APIKey {
	return &APIKey{SecretID: "AKID" + RandomHex(16), SecretKey: RandomHex(16), CreateTime: now}
}
