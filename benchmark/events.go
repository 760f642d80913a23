package benchmark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/pull"
	"github.com/openvod/openvod/server"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/postgres"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/vodevent"
)

// receiver is a push receiver on loopback that records when each event
// arrived, keyed by its task or file id.
type receiver struct {
	URL   string
	srv   *http.Server
	mu    sync.Mutex
	at    map[string]time.Time
	count atomic.Int64 // events whose key starts with "tp-"
	first atomic.Int64 // unix ns of the first "tp-" event
	last  atomic.Int64 // unix ns of the last "tp-" event
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{URL: "http://" + ln.Addr().String(), at: map[string]time.Time{}}
	r.srv = &http.Server{Handler: r}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	now := time.Now()
	var e struct {
		PullCompleteEvent *struct{ TaskId string }
		ClipCompleteEvent *struct{ TaskId string }
		FileUploadEvent   *struct{ FileId string }
		// EditMediaCompleteEvent comes after FileUploadEvent's null.
		EditMediaCompleteEvent *struct{ TaskId string }
	}
	json.Unmarshal(body, &e)
	key := ""
	switch {
	case e.PullCompleteEvent != nil:
		key = e.PullCompleteEvent.TaskId
	case e.ClipCompleteEvent != nil:
		key = e.ClipCompleteEvent.TaskId
	case e.FileUploadEvent != nil:
		key = e.FileUploadEvent.FileId
	case e.EditMediaCompleteEvent != nil:
		key = e.EditMediaCompleteEvent.TaskId
	}
	if strings.HasPrefix(key, "tp-") {
		r.first.CompareAndSwap(0, now.UnixNano())
		r.last.Store(now.UnixNano())
		r.count.Add(1)
	} else if key != "" {
		r.mu.Lock()
		r.at[key] = now
		r.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

// wait returns when the event with key arrived, or an error after timeout.
func (r *receiver) wait(key string, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		at, ok := r.at[key]
		r.mu.Unlock()
		if ok {
			return at, nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("no event for %s within %s", key, timeout)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func (r *receiver) close() { r.srv.Close() }

// openStore opens the server's database from the benchmark process: the
// SQLite file in dataDir (WAL mode and a busy timeout let two processes
// write it) or the PostgreSQL URL.
func openStore(ctx context.Context, dataDir, pgURL string) (store.Store, error) {
	if pgURL != "" {
		return postgres.Open(ctx, pgURL)
	}
	return sqlite.Open(ctx, filepath.Join(dataDir, "openvod.db"), sqlite.Options{Synchronous: sqlite.SynchronousFull})
}

// emit commits one PullComplete event per id in one durable transaction.
// The events are due at once (no push lease of the benchmark process's
// own), so the server's dispatcher claims the pushed ones.
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

// emitBacklog commits n events with ids prefix-0.. in batches of 500.
func emitBacklog(ctx context.Context, log *eventlog.Log, prefix string, n int) error {
	for i := 0; i < n; i += 500 {
		ids := make([]string, min(500, n-i))
		for j := range ids {
			ids[j] = fmt.Sprint(prefix, i+j)
		}
		if err := emit(ctx, log, ids); err != nil {
			return err
		}
	}
	return nil
}

// gatewayResult is the signed API request rate.
type gatewayResult struct {
	rps      float64
	p50, p99 time.Duration
	n        int
}

// benchGateway sends n signed DescribeMediaInfos from 16 keep-alive clients.
func benchGateway(ctx context.Context, c *vodevent.Client, fileID string, n int) (gatewayResult, error) {
	body := []byte(`{"FileIds":["` + fileID + `"]}`)
	const workers = 16
	latencies := make([][]time.Duration, workers)
	var remaining atomic.Int64
	remaining.Store(int64(n))
	var firstErr error
	var errOnce sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for remaining.Add(-1) >= 0 {
				t0 := time.Now()
				req, _ := c.NewRequest(ctx, "DescribeMediaInfos", body)
				resp, err := c.HTTPClient.Do(req)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !bytes.Contains(out, []byte(`"MediaInfoSet":[{`)) {
					errOnce.Do(func() { firstErr = fmt.Errorf("unexpected DescribeMediaInfos answer: %.300s", out) })
					return
				}
				latencies[w] = append(latencies[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return gatewayResult{}, firstErr
	}
	all := slices.Concat(latencies...)
	slices.Sort(all)
	return gatewayResult{rps: float64(len(all)) / elapsed.Seconds(), p50: all[len(all)/2], p99: all[len(all)*99/100], n: len(all)}, nil
}

// benchPull commits a backlog of n pullable events from the benchmark
// process and drains it with 4 consumers over signed HTTP (PullEvents,
// then ConfirmEvents of what was pulled). It returns events/s.
func benchPull(ctx context.Context, c *vodevent.Client, log *eventlog.Log, n int) (float64, error) {
	if err := c.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PULL"}, nil); err != nil {
		return 0, err
	}
	if err := emitBacklog(ctx, log, "pull-", n); err != nil {
		return 0, err
	}
	const consumers = 4
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var consumed atomic.Int64
	finished := make(chan time.Time, 1)
	errc := make(chan error, consumers)
	start := time.Now()
	var wg sync.WaitGroup
	for range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for consumed.Load() < int64(n) {
				var p struct {
					EventSet []struct{ EventHandle string }
				}
				if err := c.Call(ctx, "PullEvents", nil, &p); err != nil {
					if ctx.Err() == nil {
						errc <- err
					}
					return
				}
				if len(p.EventSet) == 0 {
					continue
				}
				handles := make([]string, len(p.EventSet))
				for i, e := range p.EventSet {
					handles[i] = e.EventHandle
				}
				if err := c.Call(ctx, "ConfirmEvents", map[string]any{"EventHandles": handles}, nil); err != nil {
					if ctx.Err() == nil {
						errc <- err
					}
					return
				}
				if consumed.Add(int64(len(handles))) >= int64(n) {
					select {
					case finished <- time.Now():
					default:
					}
				}
			}
		}()
	}
	var end time.Time
	select {
	case end = <-finished:
	case err := <-errc:
		cancel()
		wg.Wait()
		return 0, err
	case <-time.After(10 * time.Minute):
		cancel()
		wg.Wait()
		return 0, errors.New("pull: backlog not drained within 10 minutes")
	}
	// Consumers still in a long poll are cut short.
	cancel()
	wg.Wait()
	return float64(n) / end.Sub(start).Seconds(), nil
}

// pushResult is the push throughput and latency.
type pushResult struct {
	rate     float64
	p50, p99 time.Duration
}

// benchPush measures push deliveries to rc. Latency: from the CommitUpload
// request of a small file (the server commits the media and its
// NewFileUpload event in one durable transaction and pushes it from
// memory) to the event's receipt, one at a time. Throughput: a backlog of
// n events committed by the benchmark process in batches of 500, which the
// server's dispatcher claims from the store; the rate is taken between the
// first and the last receipt.
func benchPush(ctx context.Context, c *vodevent.Client, log *eventlog.Log, rc *receiver, tiny string, n, samples int) (pushResult, error) {
	if err := c.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PUSH", "NotificationUrl": rc.URL, "UploadMediaCompleteEventSwitch": "ON"}, nil); err != nil {
		return pushResult{}, err
	}
	sessions := make([]string, samples)
	for i := range sessions {
		var err error
		if sessions[i], err = applyAndPut(ctx, c, tiny); err != nil {
			return pushResult{}, err
		}
	}
	var lat []time.Duration
	for _, s := range sessions {
		t0 := time.Now()
		var committed struct{ FileId string }
		if err := c.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": s}, &committed); err != nil {
			return pushResult{}, err
		}
		at, err := rc.wait(committed.FileId, 30*time.Second)
		if err != nil {
			return pushResult{}, err
		}
		lat = append(lat, at.Sub(t0))
	}
	slices.Sort(lat)

	rc.count.Store(0)
	rc.first.Store(0)
	if err := emitBacklog(ctx, log, "tp-", n); err != nil {
		return pushResult{}, err
	}
	deadline := time.Now().Add(10 * time.Minute)
	for rc.count.Load() < int64(n) {
		if time.Now().After(deadline) {
			return pushResult{}, fmt.Errorf("push: %d of %d events received within 10 minutes", rc.count.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	span := time.Duration(rc.last.Load() - rc.first.Load())
	// The next rows start when the server has recorded the deliveries.
	for {
		left, err := log.Store.EventList(ctx, &store.EventListParams{SubAppID: openvod.DefaultSubAppID, State: openvod.EventPush, Limit: 1})
		if err != nil {
			return pushResult{}, err
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return pushResult{}, errors.New("push: deliveries not recorded within 10 minutes")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return pushResult{rate: float64(n-1) / span.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}, nil
}

// benchPushInProcess measures the usual push path: events committed by the
// server itself are handed to its dispatcher from memory after the commit,
// with no claim from the store. The server (package server, on SQLite with
// synchronous=FULL) runs in this process; the receiver is the same as for
// the other rows.
func benchPushInProcess(ctx context.Context, dir string, rc *receiver, n int) (float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	st, err := openStore(ctx, dir, "")
	if err != nil {
		return 0, err
	}
	defer st.Close()
	now := time.Now()
	if _, err := st.AppCreate(ctx, "bench", now); err != nil {
		return 0, err
	}
	if err := st.EventConfigPut(ctx, &openvod.EventConfig{SubAppID: openvod.DefaultSubAppID, Mode: openvod.EventModePush,
		NotificationURL: rc.URL, UpdateTime: now}); err != nil {
		return 0, err
	}
	blobs, err := local.New(filepath.Join(dir, "media"))
	if err != nil {
		return 0, err
	}
	srv := server.New(server.Config{Store: st, Blobs: blobs, Owner: "bench-in-process", Logger: slog.New(slog.DiscardHandler)})
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	rc.count.Store(0)
	rc.first.Store(0)
	if err := emitBacklog(ctx, srv.Events, "tp-in-process-", n); err != nil {
		return 0, err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for rc.count.Load() < int64(n) {
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("in-process push: %d of %d events received", rc.count.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	return float64(n-1) / time.Duration(rc.last.Load()-rc.first.Load()).Seconds(), nil
}

// growthResult is the cost of the event log at one size.
type growthResult struct {
	pullP50 time.Duration // PullEvents, then ConfirmEvents of what it got
	insert  float64       // events/s
}

// Sizes of one measurement of benchGrowth.
const (
	growthPulls   = 50 // consume 800 events, fewer than the smallest log
	growthBacklog = 5000
)

// benchGrowth measures the cost of the event log as it grows, on the
// default app in PULL mode. It fills the log to small and then to large
// unconsumed events (bulk inserts of the store, 2,000 per transaction), and
// at each size times growthPulls PullEvents calls over signed HTTP, each
// followed by the ConfirmEvents of what it returned, and then the commit of
// a backlog of growthBacklog events (emitBacklog: batches of 500, durable).
func benchGrowth(ctx context.Context, c *vodevent.Client, st store.Store, log *eventlog.Log, small, large int) (at [2]growthResult, err error) {
	if err := c.Call(ctx, "ModifyEventConfig", map[string]any{"Mode": "PULL"}, nil); err != nil {
		return at, err
	}
	var unconsumed int
	for i, size := range []int{small, large} {
		if err := fillLog(ctx, st, fmt.Sprint("fill-", i, "-"), size-unconsumed); err != nil {
			return at, err
		}
		lat := make([]time.Duration, 0, growthPulls)
		for range growthPulls {
			var p struct {
				EventSet []struct{ EventHandle string }
			}
			t0 := time.Now()
			if err := c.Call(ctx, "PullEvents", nil, &p); err != nil {
				return at, err
			}
			lat = append(lat, time.Since(t0))
			if len(p.EventSet) == 0 {
				return at, fmt.Errorf("growth: PullEvents returned nothing with %d events in the log", size)
			}
			handles := make([]string, len(p.EventSet))
			for i, e := range p.EventSet {
				handles[i] = e.EventHandle
			}
			if err := c.Call(ctx, "ConfirmEvents", map[string]any{"EventHandles": handles}, nil); err != nil {
				return at, err
			}
		}
		slices.Sort(lat)
		at[i].pullP50 = lat[len(lat)/2]
		t0 := time.Now()
		if err := emitBacklog(ctx, log, fmt.Sprint("growth-", i, "-"), growthBacklog); err != nil {
			return at, err
		}
		at[i].insert = growthBacklog / time.Since(t0).Seconds()
		unconsumed = size - growthPulls*pull.BatchSize + growthBacklog
	}
	return at, nil
}

// fillLog inserts n pullable events of the default app, 2,000 per
// transaction.
func fillLog(ctx context.Context, st store.Store, prefix string, n int) error {
	body, err := vodevent.Marshal(&vodevent.EventContent{EventType: vodevent.TypePullComplete, PullCompleteEvent: &vodevent.PullUploadTask{
		TaskId: "fill", Status: "FINISH", Message: "SUCCESS", FileId: "1234567890123456789"}})
	if err != nil {
		return err
	}
	for i := 0; i < n; i += 2000 {
		now := time.Now()
		events := make([]*openvod.Event, min(2000, n-i))
		for j := range events {
			events[j] = &openvod.Event{ID: fmt.Sprint(prefix, i+j), SubAppID: openvod.DefaultSubAppID, Type: vodevent.TypePullComplete,
				Body: body, CreateTime: now, State: openvod.EventPull, AvailableAt: now}
		}
		if err := st.InTx(ctx, func(q store.Querier) error { return q.EventInsert(ctx, events...) }); err != nil {
			return err
		}
	}
	return nil
}
