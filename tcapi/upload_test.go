package tcapi

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
)

// TestSessionIdConcurrent sends 20 identical PullUpload requests with one
// SessionId at once, on each database: they all get one TaskId, and one
// task is stored.
func TestSessionIdConcurrent(t *testing.T) {
	t.Parallel()
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		b := setupStore(t, st)
		const requests = 20
		body := `{"MediaUrl":"http://source.test/a.mp4","SessionId":"retry-me"}`
		ids := make([]string, requests)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range requests {
			wg.Go(func() {
				<-start
				var out struct{ TaskId string }
				if err := b.client.Call(context.Background(), "PullUpload", json.RawMessage(body), &out); err != nil {
					t.Errorf("request %d: %v", i, err)
				}
				ids[i] = out.TaskId
			})
		}
		close(start)
		wg.Wait()
		for i, id := range ids {
			if id != ids[0] {
				t.Errorf("request %d got TaskId %q, request 0 got %q", i, id, ids[0])
			}
		}
		counts, err := st.TaskCountByStatus(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if counts["WAITING"] != 1 {
			t.Fatalf("%d tasks stored, want 1", counts["WAITING"])
		}
	})
}
