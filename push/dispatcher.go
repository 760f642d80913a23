// Package push delivers events by normal callback: an HTTP POST of the
// event to the app's NotificationUrl, retried with exponential backoff and
// jitter over a window, after which the event becomes pullable. Delivery
// state lives in the store; one slow or dead endpoint only ever holds its
// own share of the workers.
package push

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/netguard"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/ttlcache"
)

// Defaults for Config.
const (
	LeaseDefault        = 30 * time.Second
	PerEndpointDefault  = 16
	WorkersDefault      = 128
	PollIntervalDefault = time.Second
	configTTL           = time.Second
	// PendingPerAppDefault caps the deliveries of one app held in memory.
	PendingPerAppDefault = 8192
)

// Config configures a Dispatcher. Zero values take the defaults.
type Config struct {
	Store  store.Store
	Hub    *eventlog.Hub
	Owner  string // this server's name in delivery leases
	Client *http.Client
	// Timeout is how long a receiver has to answer (TimeoutDefault).
	Timeout time.Duration
	// Lease is how long a claimed delivery is held (LeaseDefault).
	Lease   time.Duration
	Backoff Backoff
	// PerEndpoint caps the deliveries in flight to one app's URL.
	PerEndpoint int
	// PendingPerApp caps the deliveries of one app held in memory waiting
	// for room (PendingPerAppDefault). Past it, deliveries are handed back
	// to the store (due at once, no owner) and claimed when the app has
	// room again, so memory stays bounded whatever an app's backlog.
	PendingPerApp int
	// Workers caps all deliveries in flight.
	Workers      int
	PollInterval time.Duration
	Logger       *slog.Logger
	NowFunc      func() time.Time
}

// Dispatcher runs push deliveries. Build it with New.
type Dispatcher struct {
	cfg      Config
	mu       sync.Mutex
	pending  map[int64][]*openvod.Event // by app, in arrival order
	inflight map[int64]int
	total    int // in flight
	queued   int // pending
	// overflow holds deliveries past PendingPerApp, to hand back to the store.
	overflow []int64
	configs  *ttlcache.Cache[int64, *openvod.EventConfig]
	kick     chan struct{} // claim due deliveries from the store now
	ready    chan struct{} // start pending deliveries
	claims   chan struct{} // hand back the overflow and claim, off the Run loop
	// claimedFull is set when the last claim filled its limit: more
	// deliveries may be due in the store.
	claimedFull bool
	// skipped holds the apps the last claim passed over as busy; when one
	// of them runs low, more of its deliveries may be due in the store.
	skipped map[int64]bool
	// lowApp is set when a skipped app ran low.
	lowApp  bool
	results chan *attempt
	wg      sync.WaitGroup
}

// New returns a dispatcher for cfg.
func New(cfg Config) *Dispatcher {
	cfg.Timeout = cmp.Or(cfg.Timeout, TimeoutDefault)
	cfg.Lease = cmp.Or(cfg.Lease, LeaseDefault)
	cfg.PerEndpoint = cmp.Or(cfg.PerEndpoint, PerEndpointDefault)
	cfg.PendingPerApp = cmp.Or(cfg.PendingPerApp, PendingPerAppDefault)
	cfg.Workers = cmp.Or(cfg.Workers, WorkersDefault)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, PollIntervalDefault)
	if cfg.Client == nil {
		cfg.Client = NewClient(netguard.DefaultPolicy())
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	return &Dispatcher{
		cfg: cfg, pending: map[int64][]*openvod.Event{}, inflight: map[int64]int{},
		configs: ttlcache.New[int64, *openvod.EventConfig](configTTL), kick: make(chan struct{}, 1), ready: make(chan struct{}, 1),
		claims: make(chan struct{}, 1), skipped: map[int64]bool{}, results: make(chan *attempt, 1024),
	}
}

// Enqueue takes deliveries this server holds (just committed here, or
// claimed). An app's deliveries past PendingPerApp are handed back to the
// store by Run, to be claimed when the app has room.
func (d *Dispatcher) Enqueue(events []*openvod.Event) {
	d.mu.Lock()
	for _, e := range events {
		if len(d.pending[e.SubAppID]) >= d.cfg.PendingPerApp {
			d.overflow = append(d.overflow, e.Seq)
			continue
		}
		d.pending[e.SubAppID] = append(d.pending[e.SubAppID], e)
		d.queued++
	}
	overflow := len(d.overflow) > 0
	d.mu.Unlock()
	signal(d.ready)
	if overflow {
		signal(d.claims)
	}
}

// Wake makes the dispatcher look for due deliveries in the store now.
func (d *Dispatcher) Wake() { signal(d.kick) }

// signal sends on a one-slot channel without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// ConfigChanged drops the cached configuration of an app.
func (d *Dispatcher) ConfigChanged(subAppID int64) {
	d.configs.Delete(subAppID)
	d.Wake()
}

// Run delivers until ctx ends, then waits for deliveries in flight and
// records their results. Claims from the store run beside it, so that
// deliveries keep starting while a claim waits for the store.
func (d *Dispatcher) Run(ctx context.Context) {
	written := make(chan struct{})
	go func() { d.writeResults(); close(written) }()
	claimed := make(chan struct{})
	go func() { d.claimLoop(ctx); close(claimed) }()
	ticker := time.NewTicker(d.cfg.PollInterval)
	defer ticker.Stop()
	signal(d.claims)
	for {
		d.start(ctx)
		select {
		case <-ctx.Done():
			<-claimed
			d.wg.Wait()
			close(d.results)
			<-written
			return
		case <-d.kick:
			signal(d.claims)
		case <-ticker.C:
			signal(d.claims)
		case <-d.ready:
			if d.runningLow() {
				signal(d.claims)
			}
		}
	}
}

// claimLoop hands back the overflow and claims due deliveries each time it
// is signalled, until ctx ends.
func (d *Dispatcher) claimLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.claims:
			d.release(ctx)
			d.claim(ctx)
		}
	}
}

// runningLow reports whether to claim again before the next poll: the last
// claim left more due in the store and what is pending here is running
// low, or an app the last claim passed over as busy ran low. Claiming on
// every delivery instead would spend on claims what the store can do.
func (d *Dispatcher) runningLow() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	low := d.lowApp || d.claimedFull && d.queued < d.cfg.Workers
	d.lowApp = false
	return low
}

// releaseBatch is the most deliveries one release statement hands back.
const releaseBatch = 500

// release hands the overflow back to the store, due at once, and makes the
// next claims look for it. A delivery it fails to hand back is claimed when
// its lease ends.
func (d *Dispatcher) release(ctx context.Context) {
	d.mu.Lock()
	seqs := d.overflow
	d.overflow = nil
	if len(seqs) > 0 {
		d.claimedFull = true
	}
	d.mu.Unlock()
	for len(seqs) > 0 {
		batch := seqs[:min(len(seqs), releaseBatch)]
		seqs = seqs[len(batch):]
		err := d.cfg.Store.RunRelaxed(ctx, func(q store.Querier) error {
			_, err := q.EventPushRelease(ctx, batch, d.cfg.Owner, d.cfg.NowFunc())
			return err
		})
		if err != nil && ctx.Err() == nil {
			d.cfg.Logger.Warn("push deliveries not handed back; they are claimed when their lease ends", "count", len(batch), "err", err)
		}
	}
}

// claim leases due deliveries from the store (retries, deliveries of
// servers that died, and handed-back overflow) for the apps that are not
// busy: an app is busy while it holds a claim's worth of pending
// deliveries (claimAhead), so its endpoint stays busy while the next claim
// runs. An app counts against the room only for what it can send
// (PerEndpoint), so one app's backlog never stops the claims of other
// apps' deliveries.
func (d *Dispatcher) claim(ctx context.Context) {
	d.mu.Lock()
	room := 2*d.cfg.Workers - d.total
	var busy []int64
	clear(d.skipped)
	for app, queue := range d.pending {
		room -= min(len(queue), d.cfg.PerEndpoint)
		if len(queue) >= d.claimAhead() {
			busy = append(busy, app)
			d.skipped[app] = true
		}
	}
	d.mu.Unlock()
	// More than one app can hold would be handed back again.
	room = min(room, d.cfg.PendingPerApp)
	if room <= 0 {
		return
	}
	now := d.cfg.NowFunc()
	var events []*openvod.Event
	err := d.cfg.Store.RunRelaxed(ctx, func(q store.Querier) error {
		var err error
		events, err = q.EventClaimPush(ctx, &store.EventClaimParams{
			Owner: d.cfg.Owner, Now: now, Until: now.Add(d.cfg.Lease), Limit: room, SkipApps: busy,
		})
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			d.cfg.Logger.Error("push claim failed", "err", err)
		}
		return
	}
	d.mu.Lock()
	d.claimedFull = len(events) == room
	d.mu.Unlock()
	if len(events) > 0 {
		d.Enqueue(events)
	}
}

// claimAhead is how many pending deliveries make an app busy for claims:
// enough to keep its endpoint sending while a claim waits for the store.
func (d *Dispatcher) claimAhead() int {
	return min(d.cfg.Workers, d.cfg.PendingPerApp)
}

// start sends pending deliveries while workers and endpoints have room.
func (d *Dispatcher) start(ctx context.Context) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for app, queue := range d.pending {
		for len(queue) > 0 && d.inflight[app] < d.cfg.PerEndpoint && d.total < d.cfg.Workers {
			e := queue[0]
			queue = queue[1:]
			d.queued--
			d.inflight[app]++
			d.total++
			d.wg.Add(1)
			go d.deliver(ctx, e)
		}
		if d.skipped[app] && len(queue) < d.claimAhead() {
			delete(d.skipped, app)
			d.lowApp = true
		}
		if len(queue) == 0 {
			delete(d.pending, app)
		} else {
			d.pending[app] = queue
		}
	}
}

// deliver sends one event and queues its result.
func (d *Dispatcher) deliver(ctx context.Context, e *openvod.Event) {
	defer func() {
		d.mu.Lock()
		d.inflight[e.SubAppID]--
		if d.inflight[e.SubAppID] == 0 {
			delete(d.inflight, e.SubAppID)
		}
		d.total--
		d.mu.Unlock()
		d.wg.Done()
		signal(d.ready)
	}()
	now := d.cfg.NowFunc()
	if now.Add(d.cfg.Timeout).After(e.AvailableAt) {
		return // the lease ends before an answer could come: leave it to the next claim
	}
	cfg, err := d.configs.Get(e.SubAppID, func() (*openvod.EventConfig, error) { return d.cfg.Store.EventConfigGet(ctx, e.SubAppID) })
	if err != nil {
		d.cfg.Logger.Error("push config unreadable", "sub_app_id", e.SubAppID, "err", err)
		return
	}
	if !eventlog.Pushes(cfg) {
		d.results <- &attempt{event: e, time: now, err: "the app no longer pushes"}
		return
	}
	d.results <- send(context.WithoutCancel(ctx), d.cfg.Client, d.cfg.Timeout, e, cfg, now)
}

// writeResults records attempts and their outcome, many per transaction.
// Losing a result in a power failure only means a delivery is made again.
func (d *Dispatcher) writeResults() {
	ctx := context.Background()
	for first := range d.results {
		batch := []*attempt{first}
	drain:
		for len(batch) < 512 {
			select {
			case a, ok := <-d.results:
				if !ok {
					break drain
				}
				batch = append(batch, a)
			default:
				break drain
			}
		}
		var pullable []int64
		err := d.cfg.Store.InTxRelaxed(ctx, func(q store.Querier) error {
			var err error
			pullable, err = d.record(ctx, q, batch)
			return err
		})
		if err != nil {
			d.cfg.Logger.Error("push results not recorded; the deliveries will be made again", "count", len(batch), "err", err)
			continue
		}
		for _, app := range pullable {
			d.cfg.Hub.Notify(app)
		}
		changed := map[int64]bool{}
		for _, a := range batch {
			if !changed[a.event.SubAppID] {
				changed[a.event.SubAppID] = true
				d.cfg.Hub.Changed(a.event.SubAppID)
			}
		}
	}
}

// record stores a batch of attempts and moves their events on, in a few
// statements for any number of deliveries; it returns the apps whose events
// became pullable. A delivered event is consumed at the time of its app's
// latest delivery in the batch.
func (d *Dispatcher) record(ctx context.Context, q store.Querier, batch []*attempt) (pullable []int64, err error) {
	seqs := make([]int64, len(batch))
	for i, a := range batch {
		seqs[i] = a.event.Seq
	}
	if err := q.EventLock(ctx, seqs); err != nil {
		return nil, err
	}
	var rows []*openvod.DeliveryAttempt
	type consumed struct {
		seqs []int64
		at   time.Time
	}
	delivered := map[int64]*consumed{}
	for _, a := range batch {
		e := a.event
		if a.url != "" {
			rows = append(rows, &openvod.DeliveryAttempt{
				EventSeq: e.Seq, EventID: e.ID, EventType: e.Type, SubAppID: e.SubAppID, Time: a.time, URL: a.url,
				StatusCode: a.statusCode, Latency: a.latency, Error: a.err, ResponseExcerpt: a.excerpt,
			})
		}
		if !a.delivered() {
			made, err := d.failed(ctx, q, a)
			if err != nil {
				return nil, err
			}
			if made {
				pullable = append(pullable, e.SubAppID)
			}
			continue
		}
		c := delivered[e.SubAppID]
		if c == nil {
			c = &consumed{}
			delivered[e.SubAppID] = c
		}
		c.seqs = append(c.seqs, e.Seq)
		if a.time.After(c.at) {
			c.at = a.time
		}
	}
	if err := q.DeliveryAttemptInsert(ctx, rows...); err != nil {
		return nil, err
	}
	for app, c := range delivered {
		if _, err := q.EventConsume(ctx, app, c.seqs, c.at); err != nil {
			return nil, err
		}
	}
	return pullable, nil
}

// failed moves on the event of a failed attempt: a retry, or pullable
// when its retries end (which it reports).
func (d *Dispatcher) failed(ctx context.Context, q store.Querier, a *attempt) (pullable bool, err error) {
	e := a.event
	log := d.cfg.Logger.With("event_id", e.ID, "sub_app_id", e.SubAppID, "attempt", e.Attempts+1)
	next := a.time.Add(d.cfg.Backoff.Delay(e.Attempts+1, a.retryAfter))
	if a.url == "" || next.After(e.PushDeadline) {
		err = q.EventPushGiveUp(ctx, e.Seq, d.cfg.Owner, a.time)
		log.Warn("push given up; the event is pullable", "reason", a.err)
		pullable = true
	} else {
		err = q.EventPushRetry(ctx, e.Seq, d.cfg.Owner, next)
		log.Info("push failed; will retry", "reason", a.err, "next", next)
	}
	if errors.Is(err, store.ErrConflict) {
		return false, nil // the app's mode changed, or the lease passed to another server
	}
	return pullable && err == nil, err
}
