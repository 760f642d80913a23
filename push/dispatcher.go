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
	// PendingPerAppFactor times PerEndpoint is PendingPerApp's default.
	PendingPerAppFactor = 4
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
	// for room (PendingPerAppFactor × PerEndpoint). Past it, deliveries stay
	// in the store under their lease and are claimed when it ends, so one
	// app's backlog cannot stop the claims of other apps' retries.
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
	configs  *ttlcache.Cache[int64, *openvod.EventConfig]
	kick     chan struct{} // claim due deliveries from the store, then start
	ready    chan struct{} // start pending deliveries
	// claimedFull is set when the last claim filled its limit: more
	// deliveries may be due in the store.
	claimedFull bool
	results     chan *attempt
	wg          sync.WaitGroup
}

// New returns a dispatcher for cfg.
func New(cfg Config) *Dispatcher {
	cfg.Timeout = cmp.Or(cfg.Timeout, TimeoutDefault)
	cfg.Lease = cmp.Or(cfg.Lease, LeaseDefault)
	cfg.PerEndpoint = cmp.Or(cfg.PerEndpoint, PerEndpointDefault)
	cfg.PendingPerApp = cmp.Or(cfg.PendingPerApp, PendingPerAppFactor*cfg.PerEndpoint)
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
		configs: ttlcache.New[int64, *openvod.EventConfig](configTTL), kick: make(chan struct{}, 1), ready: make(chan struct{}, 1), results: make(chan *attempt, 1024),
	}
}

// Enqueue takes deliveries this server holds (just committed here, or
// claimed). An app's deliveries past PendingPerApp are left to the store:
// the server holds their lease, and they are claimed again when it ends.
func (d *Dispatcher) Enqueue(events []*openvod.Event) {
	d.mu.Lock()
	for _, e := range events {
		if len(d.pending[e.SubAppID]) >= d.cfg.PendingPerApp {
			continue
		}
		d.pending[e.SubAppID] = append(d.pending[e.SubAppID], e)
		d.queued++
	}
	d.mu.Unlock()
	signal(d.ready)
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
// records their results.
func (d *Dispatcher) Run(ctx context.Context) {
	written := make(chan struct{})
	go func() { d.writeResults(); close(written) }()
	ticker := time.NewTicker(d.cfg.PollInterval)
	defer ticker.Stop()
	claim := true
	for {
		if claim {
			d.claim(ctx)
		}
		d.start(ctx)
		select {
		case <-ctx.Done():
			d.wg.Wait()
			close(d.results)
			<-written
			return
		case <-d.kick:
			claim = true
		case <-ticker.C:
			claim = true
		case <-d.ready:
			// Claim again only when the last claim left more due in the
			// store and nothing is pending here: a write per delivery or
			// per local event would halve what the store can do.
			d.mu.Lock()
			claim = d.claimedFull && d.queued == 0
			d.mu.Unlock()
		}
	}
}

// claim leases due deliveries from the store (retries, and deliveries of
// servers that died) for the apps that have room.
func (d *Dispatcher) claim(ctx context.Context) {
	d.mu.Lock()
	room := 2*d.cfg.Workers - d.queued - d.total
	var busy []int64
	for app, n := range d.inflight {
		if n+len(d.pending[app]) >= d.cfg.PerEndpoint {
			busy = append(busy, app)
		}
	}
	d.mu.Unlock()
	if room <= 0 {
		return
	}
	// An app's claimed deliveries past PendingPerApp would wait for their
	// lease to end: claim no more than one app can hold.
	room = min(room, d.cfg.PendingPerApp)
	now := d.cfg.NowFunc()
	var events []*openvod.Event
	err := d.cfg.Store.InTxRelaxed(ctx, func(q store.Querier) error {
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
			pullable = pullable[:0]
			for _, a := range batch {
				made, err := d.record(ctx, q, a)
				if err != nil {
					return err
				}
				if made {
					pullable = append(pullable, a.event.SubAppID)
				}
			}
			return nil
		})
		if err != nil {
			d.cfg.Logger.Error("push results not recorded; the deliveries will be made again", "count", len(batch), "err", err)
			continue
		}
		for _, app := range pullable {
			d.cfg.Hub.Notify(app)
		}
	}
}

// record stores one attempt and moves its event on; it reports whether the
// event became pullable.
func (d *Dispatcher) record(ctx context.Context, q store.Querier, a *attempt) (pullable bool, err error) {
	e := a.event
	if a.url != "" {
		if err := q.DeliveryAttemptInsert(ctx, &openvod.DeliveryAttempt{
			EventSeq: e.Seq, EventID: e.ID, EventType: e.Type, SubAppID: e.SubAppID, Time: a.time, URL: a.url,
			StatusCode: a.statusCode, Latency: a.latency, Error: a.err,
		}); err != nil {
			return false, err
		}
	}
	if a.delivered() {
		_, err := q.EventConsume(ctx, e.SubAppID, []int64{e.Seq}, a.time)
		return false, err
	}
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
