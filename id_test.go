package openvod

import (
	"strings"
	"testing"
)

func TestNewFileID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := NewFileID()
		if len(id) != 19 || id[0] == '0' || strings.Trim(id, "0123456789") != "" || seen[id] {
			t.Fatalf("FileId %q: want 19 digits, first non-zero, unique", id)
		}
		seen[id] = true
	}
}
