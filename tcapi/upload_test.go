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
		ids := concurrentTaskIDs(t, b, "PullUpload", body, requests)
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

// concurrentTaskIDs sends n requests of action with body at once and
// returns the TaskId each got.
func concurrentTaskIDs(t *testing.T, b *testBundle, action, body string, n int) []string {
	ids := make([]string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			var out struct{ TaskId string }
			if err := b.client.Call(context.Background(), action, json.RawMessage(body), &out); err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			ids[i] = out.TaskId
		})
	}
	close(start)
	wg.Wait()
	return ids
}
