package console_test

import (
	"net/url"
	"path/filepath"
	"testing"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/sqlite"
)

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// openSQLite opens a fresh store in a data directory of its own.
func openSQLite(t *testing.T) store.Store {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
