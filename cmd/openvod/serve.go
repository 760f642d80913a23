package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/clip"
	"github.com/openvod/openvod/console"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/httplimit"
	"github.com/openvod/openvod/janitor"
	"github.com/openvod/openvod/netguard"
	"github.com/openvod/openvod/push"
	"github.com/openvod/openvod/queue"
	"github.com/openvod/openvod/server"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/worker"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("serve", "serve [flags]", getenv, stderr)
	addr := s.String("addr", "OPENVOD_ADDR", "127.0.0.1:8080", "address to listen on")
	data := s.data()
	storage := s.storage()
	scratchDir := s.String("scratch-dir", "OPENVOD_SCRATCH_DIR", "", "directory for the temporary files of Exact clips and media processing, emptied at start (default <data-dir>/scratch)")
	publicURL := s.String("public-url", "OPENVOD_PUBLIC_URL", "", "base of the URLs openvod hands out (default http://<addr>)")
	secretID := s.String("secret-id", "OPENVOD_SECRET_ID", "", "use this API SecretId instead of a generated key (with --secret-key)")
	secretKey := s.String("secret-key", "OPENVOD_SECRET_KEY", "", "the SecretKey of --secret-id")
	maxUpload := s.PositiveInt64("max-upload-size", "OPENVOD_MAX_UPLOAD_SIZE", server.MaxUploadSizeDefault, "largest upload or pulled file, in bytes")
	uploadTTL := s.PositiveDuration("upload-ttl", "OPENVOD_UPLOAD_TTL", server.UploadTTLDefault, "how long an ApplyUpload session and its upload URL stay valid")
	workers := s.PositiveInt64("workers", "OPENVOD_WORKERS", queue.WorkersDefault, "PullUpload tasks run at once")
	workersPerApp := s.PositiveInt64("workers-per-app", "OPENVOD_WORKERS_PER_APP", 0, "PullUpload tasks of one app run at once (default workers-1, at least 1), so that one app's stalled pulls leave workers to the others")
	pullConnect := s.PositiveDuration("pull-connect-timeout", "OPENVOD_PULL_CONNECT_TIMEOUT", worker.PullConnectTimeoutDefault, "a PullUpload's source must answer (connect, redirects, headers) within this")
	pullIdle := s.PositiveDuration("pull-idle-timeout", "OPENVOD_PULL_IDLE_TIMEOUT", worker.PullIdleTimeoutDefault, "a PullUpload fails when its source sends no byte for this long")
	pullTotal := s.PositiveDuration("pull-total-timeout", "OPENVOD_PULL_TOTAL_TIMEOUT", worker.PullTotalTimeoutDefault, "longest fetch of one PullUpload")
	minRate := s.PositiveInt64("min-transfer-rate", "OPENVOD_MIN_TRANSFER_RATE", httplimit.RateDefault.BytesPerSecond, "bytes per second an upload PUT's body or a media GET's answer must move at least, over each --min-transfer-window; a slower peer is cut off")
	minRateWindow := s.PositiveDuration("min-transfer-window", "OPENVOD_MIN_TRANSFER_WINDOW", httplimit.RateDefault.Window, "time the server waits on an upload or media peer for each window's worth of --min-transfer-rate")
	hlsSegment := s.PositiveDuration("hls-segment-duration", "OPENVOD_HLS_SEGMENT_DURATION", hls.DefaultTarget, "segment duration /hls/ aims at: segments end at the last keyframe within it, or the first after it when the GOP is longer")
	clipWorkers := s.PositiveInt64("clip-workers", "OPENVOD_CLIP_WORKERS", int64(server.ClipWorkersDefault), "clip tasks run at once")
	processWorkers := s.PositiveInt64("process-workers", "OPENVOD_PROCESS_WORKERS", int64(server.ProcessWorkersDefault), "media-processing task flows (ProcessMedia, procedures) run at once")
	exactTimeout := s.PositiveDuration("exact-timeout", "OPENVOD_EXACT_TIMEOUT", clip.ExactTimeoutDefault, "longest ffmpeg run of one Exact clip; a longer one fails the clip")
	lease := s.PositiveDuration("task-lease", "OPENVOD_TASK_LEASE", queue.LeaseDurationDefault, "lease of a running task; a task of a dead server is taken over after it")
	pushTimeout := s.PositiveDuration("push-timeout", "OPENVOD_PUSH_TIMEOUT", push.TimeoutDefault, "a push callback is delivered when answered 2xx within this")
	retryWindow := s.PositiveDuration("push-retry-window", "OPENVOD_PUSH_RETRY_WINDOW", eventlog.RetryWindowDefault, "how long a push is retried before the event becomes pullable")
	retryBase := s.PositiveDuration("push-retry-base", "OPENVOD_PUSH_RETRY_BASE", push.RetryBaseDefault, "delay before the first push retry; it doubles at each retry")
	retryMax := s.PositiveDuration("push-retry-max", "OPENVOD_PUSH_RETRY_MAX", push.RetryMaxDefault, "longest delay between push retries")
	perEndpoint := s.PositiveInt64("push-concurrency", "OPENVOD_PUSH_CONCURRENCY", push.PerEndpointDefault, "push deliveries in flight to one app's URL")
	retention := s.PositiveDuration("event-retention", "OPENVOD_EVENT_RETENTION", janitor.EventRetentionDefault, "unconsumed events are purged this long after creation")
	janitorInterval := s.PositiveDuration("janitor-interval", "OPENVOD_JANITOR_INTERVAL", janitor.IntervalDefault, "how often expired upload sessions, media, events and console sessions are removed")
	orphanInterval := s.PositiveDuration("orphan-sweep-interval", "OPENVOD_ORPHAN_SWEEP_INTERVAL", janitor.OrphanIntervalDefault, "how often the media store is swept of objects nothing refers to (those older than --upload-ttl) and of crashed writers' partial writes; checked at each janitor run")
	outboundAllow := s.String("outbound-allow", "OPENVOD_OUTBOUND_ALLOW", "", "comma-separated address ranges (10.0.0.0/8, fd00::/8, or one address) push callbacks and PullUpload may reach although denied; the most specific matching range decides, a tie denies")
	outboundDeny := s.String("outbound-deny", "OPENVOD_OUTBOUND_DENY", "", "comma-separated address ranges push callbacks and PullUpload may not reach, added to the default deny list (0.0.0.0/8, 169.254.0.0/16, fe80::/10, fd00:ec2::254, ::, multicast, broadcast); loopback and private ranges are allowed unless listed")
	consoleTTL := s.PositiveDuration("console-session-ttl", "OPENVOD_CONSOLE_SESSION_TTL", console.SessionTTLDefault, "how long a web console sign-in lasts")
	logLevel := s.String("log-level", "OPENVOD_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	logFormat := s.String("log-format", "OPENVOD_LOG_FORMAT", "text", "log format: text or json")
	if err := s.parse(args); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	outbound := netguard.DefaultPolicy()
	if outbound.Allow, err = netguard.ParsePrefixes(*outboundAllow); err != nil {
		return fmt.Errorf("--outbound-allow: %w", err)
	}
	extraDeny, err := netguard.ParsePrefixes(*outboundDeny)
	if err != nil {
		return fmt.Errorf("--outbound-deny: %w", err)
	}
	outbound.Deny = append(outbound.Deny, extraDeny...)

	st, unlock, err := openStore(ctx, data, true)
	if err != nil {
		return err
	}
	defer unlock()
	defer st.Close()
	key, showKey, err := bootstrap(ctx, st, *data.DataDir, *secretID, *secretKey, time.Now())
	if err != nil {
		return err
	}
	if _, ok := st.(store.SingleProcess); ok {
		// Only this process uses the store: tasks leased and uploads claimed
		// before a crash are ours to redo, or to take again, now.
		if err := st.ExpireLeases(ctx); err != nil {
			return err
		}
	}
	ms, err := storage.open(ctx, *data.DataDir, logger)
	if err != nil {
		return err
	}
	if _, local := ms.blobs.(*local.Bucket); local && isPostgres(data.dsn()) {
		logger.Warn("media are on this server's disk: other servers on the same database cannot serve, clip or delete them; use --storage=s3://... to run more than one server")
	}

	// Exact clips' temporary files; a crash may have left some.
	scratch := cmp.Or(*scratchDir, filepath.Join(*data.DataDir, "scratch"))
	if err := os.RemoveAll(scratch); err != nil {
		return err
	}
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := strings.TrimRight(*publicURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	srv := server.New(server.Config{
		Store: st, Blobs: ms.blobs, StorageRegion: ms.region, StorageBucket: ms.bucket, MediaRedirect: ms.redirect, PublicURL: base, Owner: fmt.Sprintf("%s-%d-%s", hostname(), os.Getpid(), openvod.RandomHex(4)),
		MaxUploadSize: *maxUpload, UploadTTL: *uploadTTL, Workers: int(*workers), WorkersPerApp: int(*workersPerApp),
		PullConnectTimeout: *pullConnect, PullIdleTimeout: *pullIdle, PullTotalTimeout: *pullTotal,
		MinRate: httplimit.Rate{BytesPerSecond: *minRate, Window: *minRateWindow}, ClipWorkers: int(*clipWorkers), HLSSegmentDuration: *hlsSegment,
		ProcessWorkers: int(*processWorkers), ScratchDir: scratch, ExactTimeout: *exactTimeout, TaskLease: *lease,
		PushTimeout: *pushTimeout, RetryWindow: *retryWindow, Backoff: push.Backoff{Base: *retryBase, Max: *retryMax},
		PushConcurrency: int(*perEndpoint), EventRetention: *retention, JanitorInterval: *janitorInterval, OrphanInterval: *orphanInterval, Logger: logger,
		Outbound: outbound, ConsoleSessionTTL: *consoleTTL,
	})
	httpSrv := httplimit.NewServer(srv.Handler, httplimit.Timeouts{})

	fmt.Fprintf(stdout, "openvod is serving the VOD API at %s\n  Endpoint:  %s\n  Console:   %s%s\n  SubAppId:  %d\n  SecretId:  %s\n",
		base, ln.Addr(), base, console.PathPrefix, openvod.DefaultSubAppID, key.SecretID)
	if showKey {
		fmt.Fprintf(stdout, "  SecretKey: %s\n  (shown once; also saved to %s, mode 0600)\n", key.SecretKey, filepath.Join(*data.DataDir, credentialsFile))
	}
	logger.Info("openvod started", "addr", ln.Addr().String(), "public_url", base, "db", st.Driver(), "data_dir", *data.DataDir,
		"storage", *storage.Storage, "secret_id", key.SecretID)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := make(chan struct{})
	go func() { srv.Run(ctx); close(stopped) }()
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		cancel()
		<-stopped
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	err = httpSrv.Shutdown(shutdownCtx)
	<-stopped
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format must be text or json, got %q", format)
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}
