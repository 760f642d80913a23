package templates_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
	"github.com/openvod/openvod/templates"
)

// TestModifyConcurrent runs Modify calls of one template at once, each
// adding its own word to the Comment: every word must survive.
func TestModifyConcurrent(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		const n = 16
		app, _ := apps(t, st)
		def := customTranscode(t, st, app, 700).Definition
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				err := templates.Modify(t.Context(), st, app, def, now, func(tc *templates.Transcode) error {
					tc.Comment += fmt.Sprintf("w%d ", i)
					return nil
				})
				if err != nil {
					t.Errorf("modify %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		tc, err := templates.Get[templates.Transcode](t.Context(), st, app, def)
		if err != nil {
			t.Fatal(err)
		}
		words := strings.Fields(tc.Comment)
		slices.Sort(words)
		if len(words) != n || len(slices.Compact(words)) != n {
			t.Errorf("after %d concurrent modifies the Comment holds %d distinct changes: %q", n, len(words), tc.Comment)
		}
	})
}
