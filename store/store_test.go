package store

import (
	"strings"
	"testing"
)

// TestKeyRef checks the form of a key reference: the SHA-256 prefix of the
// key, never the key itself, and different for different keys.
func TestKeyRef(t *testing.T) {
	t.Parallel()
	// SHA-256("abc") starts ba7816bf8f01.
	if got := KeyRef("abc"); got != "sha256:ba7816bf8f01" {
		t.Fatalf("KeyRef(abc) = %q, want sha256:ba7816bf8f01", got)
	}
	key := "9f2c4e1a7b3d5f60a8c2e4f6b1d3a5c7"
	ref := KeyRef(key)
	if strings.Contains(ref, key) || strings.Contains(ref, key[:12]) {
		t.Fatalf("KeyRef(%q) = %q reveals the key", key, ref)
	}
	if KeyRef(key) != ref || KeyRef(key+"x") == ref {
		t.Fatal("KeyRef is not a stable function of the key")
	}
}
