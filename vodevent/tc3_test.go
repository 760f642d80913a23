package vodevent

import "testing"

// TestTC3SignVector checks the vector of docs/wire.md §8.
func TestTC3SignVector(t *testing.T) {
	t.Parallel()
	body := `{"Url":"http://127.0.0.1:8080/vod/abc/index.m3u8","StartTimeOffset":2,"EndTimeOffset":10,"IsPersistence":1}`
	hash := TC3PayloadHash([]byte(body))
	if want := "b9258999d7f3600c04d643cd8493b783c07ecc3a12d66333eed9beffd2adad26"; hash != want {
		t.Fatalf("payload hash = %s, want %s", hash, want)
	}
	in := TC3SignInput{
		SecretKey:     "SECRETKEYEXAMPLE0123456789abcdef",
		Service:       "vod",
		Timestamp:     1700000000,
		Method:        "POST",
		Path:          "/",
		SignedHeaders: "content-type;host",
		Headers:       map[string]string{"content-type": "application/json", "host": "127.0.0.1:8080"},
		PayloadHash:   hash,
	}
	if got, want := TC3Sign(in), "8f718210f4787ef25b0d206c45c0e5aa41d311d0caad5b24c7242fd3c4a5205c"; got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
	// Header values are trimmed and lowercased before signing.
	in.Headers = map[string]string{"content-type": " Application/JSON ", "host": "127.0.0.1:8080"}
	if got, want := TC3Sign(in), "8f718210f4787ef25b0d206c45c0e5aa41d311d0caad5b24c7242fd3c4a5205c"; got != want {
		t.Fatalf("signature with untrimmed header = %s, want %s", got, want)
	}
}
