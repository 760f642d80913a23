// Package server assembles openvod's data path into one HTTP handler and
// its background workers: the API gateway, uploads and media serving, the
// task queue, the event log with its push dispatcher and pull queue, and
// the janitor. cmd/openvod opens the store and media store and runs it.
package server

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/console"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/httplimit"
	"github.com/openvod/openvod/janitor"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/netguard"
	"github.com/openvod/openvod/pull"
	"github.com/openvod/openvod/push"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/tcapi"
	"github.com/openvod/openvod/worker"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is what a server is made of. Zero durations and sizes take the
// defaults of the packages they configure.
type Config struct {
	Store store.Store
	Blobs blob.Bucket
	// StorageRegion and StorageBucket name the media store in the API
	// (media.LocalStorageRegion and media.LocalStorageBucket when empty).
	StorageRegion, StorageBucket string
	// MediaRedirect answers media GETs with a redirect to a presigned URL
	// of the media store (when it has them) instead of serving the bytes.
	MediaRedirect bool
	PublicURL     string // base of handed-out URLs, without a trailing slash
	// Owner names this server in task and delivery leases; unique per process.
	Owner         string
	MaxUploadSize int64
	UploadTTL     time.Duration
	Workers       int
	// WorkersPerApp bounds the PullUpload tasks of one app run at once
	// (queue.Config.PerApp: Workers-1, at least 1, when zero).
	WorkersPerApp int
	// PullConnectTimeout, PullIdleTimeout and PullTotalTimeout bound a
	// PullUpload's fetch (worker.PullUpload's fields of the same names).
	PullConnectTimeout time.Duration
	PullIdleTimeout    time.Duration
	PullTotalTimeout   time.Duration
	// MinRate is the minimum transfer rate of upload PUTs and media GETs
	// (httplimit.RateDefault's value for a zero field).
	MinRate httplimit.Rate
	// HLSSegmentDuration is the segment duration /hls/ aims at
	// (hls.DefaultTarget when 0).
	HLSSegmentDuration time.Duration
	// ClipWorkers bounds the clip tasks run at once (ClipWorkersDefault).
	ClipWorkers int
	// ProcessWorkers bounds the task flows (media processing) run at once
	// (ProcessWorkersDefault).
	ProcessWorkers int
	// ScratchDir holds temporary files of Exact clips and of media
	// processing; the caller empties it at start.
	ScratchDir string
	// ExactTimeout bounds one ffmpeg run of an Exact clip (clip.ExactTimeoutDefault).
	ExactTimeout    time.Duration
	TaskLease       time.Duration
	PushTimeout     time.Duration
	RetryWindow     time.Duration
	Backoff         push.Backoff
	PushConcurrency int
	EventRetention  time.Duration
	// JanitorInterval and OrphanInterval are how often the janitor sweeps
	// and how often a sweep also removes orphan objects
	// (janitor.Janitor's Interval and OrphanInterval).
	JanitorInterval time.Duration
	OrphanInterval  time.Duration
	Logger          *slog.Logger
	// Outbound decides which addresses push callbacks and PullUpload
	// fetches may reach (netguard.DefaultPolicy when nil).
	Outbound *netguard.Policy
	// ConsoleSessionTTL is how long a web console session lasts
	// (console.SessionTTLDefault).
	ConsoleSessionTTL time.Duration
}

// Defaults of Config.
const (
	MaxUploadSizeDefault = 5 << 30
	UploadTTLDefault     = 24 * time.Hour
)

// ClipWorkersDefault runs one clip per two cores: an Exact clip keeps a
// core or two busy, and a Fast one is bound by I/O.
var ClipWorkersDefault = max(1, runtime.NumCPU()/2)

// ProcessWorkersDefault runs one task flow per two cores: a transcode or
// an adaptive stream keeps a core or two busy.
var ProcessWorkersDefault = max(1, runtime.NumCPU()/2)

// Server is an assembled openvod.
type Server struct {
	// Handler serves the API, uploads, media, the web console, /healthz
	// and /metrics.
	Handler    http.Handler
	Media      *media.Service
	Events     *eventlog.Log
	Dispatcher *push.Dispatcher
	background []func(context.Context)
}

// New assembles a server.
func New(cfg Config) *Server {
	if cfg.MaxUploadSize <= 0 {
		cfg.MaxUploadSize = MaxUploadSizeDefault
	}
	if cfg.UploadTTL <= 0 {
		cfg.UploadTTL = UploadTTLDefault
	}
	cfg.MinRate.BytesPerSecond = cmp.Or(cfg.MinRate.BytesPerSecond, httplimit.RateDefault.BytesPerSecond)
	cfg.MinRate.Window = cmp.Or(cfg.MinRate.Window, httplimit.RateDefault.Window)
	if cfg.Outbound == nil {
		cfg.Outbound = netguard.DefaultPolicy()
	}
	st, logger := cfg.Store, cfg.Logger
	hub := eventlog.NewHub()
	events := &eventlog.Log{Store: st, Hub: hub, Owner: cfg.Owner, RetryWindow: cfg.RetryWindow}
	dispatcher := push.New(push.Config{
		Store: st, Hub: hub, Owner: cfg.Owner, Timeout: cfg.PushTimeout, PerEndpoint: cfg.PushConcurrency,
		Backoff: cfg.Backoff, Logger: logger, Client: push.NewClient(cfg.Outbound),
	})
	hub.PushFunc = dispatcher.Enqueue
	svc := &media.Service{Store: st, Blobs: cfg.Blobs, PublicURL: cfg.PublicURL, UploadTTL: cfg.UploadTTL, MaxUploadSize: cfg.MaxUploadSize,
		StorageRegion: cmp.Or(cfg.StorageRegion, media.LocalStorageRegion), StorageBucket: cmp.Or(cfg.StorageBucket, media.LocalStorageBucket),
		Redirect: cfg.MediaRedirect, Events: events, Logger: logger,
		HLS: hls.NewCache(hls.Options{Target: cfg.HLSSegmentDuration}, media.HLSCacheEntries, media.HLSCacheBytes)}
	runner := queue.New(queue.Config{
		Store: st, Owner: cfg.Owner, Workers: cfg.Workers, PerApp: cfg.WorkersPerApp, LeaseDuration: cfg.TaskLease, Logger: logger,
		Handlers: map[openvod.TaskType]queue.Handler{
			openvod.TaskPullUpload: &worker.PullUpload{Media: svc, Blobs: cfg.Blobs, Events: events, Logger: logger,
				Client: &http.Client{Transport: cfg.Outbound.Transport()}, MaxSize: cfg.MaxUploadSize,
				ConnectTimeout: cfg.PullConnectTimeout, IdleTimeout: cfg.PullIdleTimeout, TotalTimeout: cfg.PullTotalTimeout},
		},
	})
	editor := &worker.Edit{Media: svc, Blobs: cfg.Blobs, Events: events, Logger: logger, ScratchDir: cfg.ScratchDir}
	clipper := queue.New(queue.Config{
		Store: st, Owner: cfg.Owner, Workers: cmp.Or(cfg.ClipWorkers, ClipWorkersDefault), LeaseDuration: cfg.TaskLease, Logger: logger,
		Handlers: map[openvod.TaskType]queue.Handler{
			openvod.TaskClip: &worker.Clip{Media: svc, Blobs: cfg.Blobs, Events: events, Logger: logger,
				ScratchDir: cfg.ScratchDir, ExactTimeout: cfg.ExactTimeout},
			openvod.TaskEditMedia: editor,
			openvod.TaskConcat:    editor,
		},
	})
	// The 2017-style tasks are flows too: the same worker runs them.
	flows := &worker.Procedure{Media: svc, Blobs: cfg.Blobs, Events: events, Logger: logger, ScratchDir: cfg.ScratchDir}
	processor := queue.New(queue.Config{
		Store: st, Owner: cfg.Owner, Workers: cmp.Or(cfg.ProcessWorkers, ProcessWorkersDefault), LeaseDuration: cfg.TaskLease, Logger: logger,
		Handlers: map[openvod.TaskType]queue.Handler{
			openvod.TaskProcedure: flows, openvod.TaskTranscode: flows, openvod.TaskImageSprite: flows, openvod.TaskSnapshotByTimeOffset: flows,
		},
	})

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), newTaskCollector(st))
	api := tcapi.New(tcapi.Config{
		Store: st, Media: svc, Sources: cfg.Blobs, Logger: logger, Metrics: tcapi.NewMetrics(reg), WakeTasks: func() { runner.Wake(); clipper.Wake(); processor.Wake() },
		Events: events, Pull: &pull.Queue{Store: st, Hub: hub}, SendEvent: dispatcher.SendOnce,
		EventConfigChanged: func(subAppID int64) { dispatcher.ConfigChanged(subAppID); hub.Changed(subAppID) },
	})
	mux := http.NewServeMux()
	mux.Handle("/{$}", api)
	// Large bodies move at a minimum rate instead of under the server's fixed timeouts.
	mux.Handle(media.MediaPathPrefix, httplimit.MinRate(http.HandlerFunc(svc.ServeMedia), cfg.MinRate))
	mux.Handle(media.HLSPathPrefix, httplimit.MinRate(http.HandlerFunc(svc.ServeHLS), cfg.MinRate))
	mux.Handle(media.UploadPathPrefix, httplimit.MinRate(&media.Uploads{Service: svc, MaxSize: cfg.MaxUploadSize}, cfg.MinRate))
	mux.Handle(console.PathPrefix, console.New(console.Config{API: api, Store: st, Media: svc, Hub: hub, Logger: logger, SessionTTL: cfg.ConsoleSessionTTL}))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := st.AppList(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})

	s := &Server{Handler: mux, Media: svc, Events: events, Dispatcher: dispatcher}
	s.background = []func(context.Context){
		runner.Run,
		clipper.Run,
		processor.Run,
		dispatcher.Run,
		(&janitor.Janitor{Store: st, Blobs: cfg.Blobs, Media: svc, UploadTTL: cfg.UploadTTL, Logger: logger,
			EventRetention: cfg.EventRetention, Interval: cfg.JanitorInterval, OrphanInterval: cfg.OrphanInterval}).Run,
	}
	if l, ok := st.(store.EventListener); ok {
		// Events other servers commit wake this server's pullers.
		s.background = append(s.background, func(ctx context.Context) { l.ListenEvents(ctx, logger, hub.Notify) })
	}
	return s
}

// Run runs the background workers until ctx ends and they have stopped.
func (s *Server) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, run := range s.background {
		wg.Add(1)
		go func() { defer wg.Done(); run(ctx) }()
	}
	wg.Wait()
}

// taskCollector exports the number of tasks per state at scrape time.
type taskCollector struct {
	st   store.Store
	desc *prometheus.Desc
}

func newTaskCollector(st store.Store) *taskCollector {
	return &taskCollector{st: st, desc: prometheus.NewDesc("openvod_tasks", "Tasks by status.", []string{"status"}, nil)}
}

func (c *taskCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *taskCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.st.TaskCountByStatus(context.Background())
	if err != nil {
		return
	}
	for _, s := range []openvod.TaskStatus{openvod.TaskWaiting, openvod.TaskProcessing, openvod.TaskFinish} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[s]), string(s))
	}
}
