// Package janitor removes what has outlived its time: upload sessions never
// committed (and their bytes) and media past their ExpireTime.
package janitor

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
)

// IntervalDefault is how often the janitor sweeps.
const IntervalDefault = time.Minute

// EventRetentionDefault is how long events are kept.
const EventRetentionDefault = 4 * 24 * time.Hour

// batch is how many rows one sweep step handles.
const batch = 100

// Janitor sweeps periodically until its context ends.
type Janitor struct {
	Media    *media.Service
	Logger   *slog.Logger
	Interval time.Duration // IntervalDefault when zero
	// EventRetention is how long events are kept (EventRetentionDefault).
	EventRetention time.Duration
	NowFunc        func() time.Time // time.Now when nil
}

// Run sweeps at once and then every Interval until ctx ends.
func (j *Janitor) Run(ctx context.Context) {
	interval := j.Interval
	if interval <= 0 {
		interval = IntervalDefault
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := j.Sweep(ctx); err != nil && ctx.Err() == nil {
			j.Logger.Error("janitor sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Sweep removes stale upload sessions, expired media and old events once.
func (j *Janitor) Sweep(ctx context.Context) error {
	now := time.Now()
	if j.NowFunc != nil {
		now = j.NowFunc()
	}
	st := j.Media.Store
	if n, err := st.EventPurge(ctx, now.Add(-cmp.Or(j.EventRetention, EventRetentionDefault))); err != nil {
		return err
	} else if n > 0 {
		j.Logger.Info("old events purged", "count", n)
	}
	for {
		sessions, err := st.UploadSessionListStale(ctx, now, batch)
		if err != nil {
			return err
		}
		for _, s := range sessions {
			if s.FileID == "" {
				// Never committed: its bytes belong to no media.
				if err := j.Media.Blobs.Delete(ctx, s.StorageKey); err != nil {
					return err
				}
			}
			if err := st.UploadSessionDelete(ctx, s.SessionKey); err != nil {
				return err
			}
		}
		if len(sessions) < batch {
			break
		}
	}
	for {
		expired, err := st.MediaListExpired(ctx, now, batch)
		if err != nil {
			return err
		}
		for _, m := range expired {
			err := j.Media.Delete(ctx, m.SubAppID, m.FileID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			j.Logger.Info("expired media deleted", "file_id", m.FileID, "sub_app_id", m.SubAppID)
		}
		if len(expired) < batch {
			return nil
		}
	}
}
