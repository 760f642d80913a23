package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// durabilities are the stores the event benchmarks run on.
var durabilities = []string{"FULL", "postgres"}

// BenchmarkPush measures push deliveries to a local receiver: throughput
// draining a backlog, and latency from an event's commit to its receipt.
//
//	go test ./bench -run '^$' -bench Push -benchtime 1x
func BenchmarkPush(b *testing.B) {
	for _, d := range durabilities {
		b.Run(d, func(b *testing.B) { benchPush(b, d) })
	}
}

func benchPush(b *testing.B, durability string) {
	const backlog, latencySamples = 20000, 300
	s := newStack(b, durability)
	ctx := context.Background()
	var received atomic.Int64
	var mu sync.Mutex
	receipts := map[string]time.Time{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		now := time.Now()
		var e struct{ PullCompleteEvent struct{ TaskId string } }
		json.Unmarshal(body, &e)
		mu.Lock()
		receipts[e.PullCompleteEvent.TaskId] = now
		mu.Unlock()
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	if err := s.client.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PUSH", "NotificationUrl": receiver.URL}, nil); err != nil {
		b.Fatal(err)
	}

	// Latency: one event per durable commit, one at a time.
	var lat []time.Duration
	for i := range latencySamples {
		id := fmt.Sprint("lat-", i)
		if err := emit(ctx, s.srv.Events, []string{id}); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		for {
			mu.Lock()
			at, ok := receipts[id]
			mu.Unlock()
			if ok {
				lat = append(lat, max(0, at.Sub(committed)))
				break
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
	slices.Sort(lat)

	// Throughput: a backlog committed in batches, drained by the dispatcher.
	received.Store(0)
	start := time.Now()
	for i := 0; i < backlog; i += 500 {
		ids := make([]string, 500)
		for j := range ids {
			ids[j] = fmt.Sprint("tp-", i+j)
		}
		if err := emit(ctx, s.srv.Events, ids); err != nil {
			b.Fatal(err)
		}
	}
	for received.Load() < backlog {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	rate := float64(backlog) / elapsed.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(0, "ns/op")
	b.Logf("push %s: %d events in %s = %.0f events/s; commit-to-receipt over %d events: p50 %.2f ms, p99 %.2f ms; %s",
		label(durability), backlog, elapsed.Round(time.Millisecond), rate, latencySamples, ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), Machine())
}

// BenchmarkPull measures PullEvents (16 per call) and ConfirmEvents over
// signed HTTP requests draining a backlog, with 4 consumers.
//
//	go test ./bench -run '^$' -bench Pull -benchtime 1x
func BenchmarkPull(b *testing.B) {
	for _, d := range durabilities {
		b.Run(d, func(b *testing.B) { benchPull(b, d) })
	}
}

func benchPull(b *testing.B, durability string) {
	const backlog, consumers = 40000, 4
	s := newStack(b, durability)
	ctx := context.Background()
	for i := 0; i < backlog; i += 500 {
		ids := make([]string, 500)
		for j := range ids {
			ids[j] = fmt.Sprint("pull-", i+j)
		}
		if err := emit(ctx, s.srv.Events, ids); err != nil {
			b.Fatal(err)
		}
	}
	var consumed atomic.Int64
	seen := sync.Map{}
	var dup atomic.Int64
	finished := make(chan time.Time, 1)
	start := time.Now()
	var wg sync.WaitGroup
	for range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for consumed.Load() < backlog {
				// Decode only what a consumer needs to confirm and dedupe.
				var p struct {
					EventSet []struct {
						EventHandle       string
						PullCompleteEvent struct{ TaskId string }
					}
				}
				if err := s.client.Call(ctx, "PullEvents", nil, &p); err != nil {
					b.Error(err)
					return
				}
				if len(p.EventSet) == 0 {
					continue
				}
				handles := make([]string, len(p.EventSet))
				for i, e := range p.EventSet {
					handles[i] = e.EventHandle
					if _, loaded := seen.LoadOrStore(e.PullCompleteEvent.TaskId, true); loaded {
						dup.Add(1)
					}
				}
				if err := s.client.Call(ctx, "ConfirmEvents", map[string]any{"EventHandles": handles}, nil); err != nil {
					b.Error(err)
					return
				}
				if consumed.Add(int64(len(handles))) == backlog {
					finished <- time.Now()
				}
			}
		}()
	}
	// The last events consumed end the measure; consumers still holding a
	// long poll then wait out its 5 s for nothing.
	elapsed := (<-finished).Sub(start)
	wg.Wait()
	rate := float64(consumed.Load()) / elapsed.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(0, "ns/op")
	b.Logf("pull+confirm %s: %d events by %d consumers in %s = %.0f events/s (%d duplicates); %s",
		label(durability), consumed.Load(), consumers, elapsed.Round(time.Millisecond), rate, dup.Load(), Machine())
}

// emit commits one PullComplete event per id in one transaction.
func emit(ctx context.Context, log *eventlog.Log, ids []string) error {
	return log.Tx(ctx, func(q store.Querier, em *eventlog.Emitter) error {
		for _, id := range ids {
			c := &vodevent.EventContent{EventType: vodevent.TypePullComplete, PullCompleteEvent: &vodevent.PullUploadTask{
				TaskId: id, Status: "FINISH", Message: "SUCCESS", FileId: "1234567890123456789"}}
			if err := em.Emit(ctx, openvod.DefaultSubAppID, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func label(durability string) string {
	if durability == "postgres" {
		return "PostgreSQL (defaults)"
	}
	return "SQLite synchronous=" + durability
}
