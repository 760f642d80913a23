// Package janitor removes what has outlived its time: upload sessions never
// committed (and their bytes), media past their ExpireTime, events past
// their retention, expired web console sessions, and stored objects nothing
// refers to.
package janitor

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/store"
)

// IntervalDefault is how often the janitor sweeps.
const IntervalDefault = time.Minute

// EventRetentionDefault is how long events are kept.
const EventRetentionDefault = 4 * 24 * time.Hour

// OrphanIntervalDefault is how often stored objects are checked for ones
// nothing refers to.
const OrphanIntervalDefault = time.Hour

// batch is how many rows (or objects) one sweep step handles.
const batch = 100

// Store is what the janitor reads and removes in the metadata store (a
// store.Store).
type Store interface {
	AppList(ctx context.Context) ([]*openvod.App, error)
	EventPurge(ctx context.Context, t time.Time) (int64, error)
	ConsoleSessionPurge(ctx context.Context, now time.Time) (int64, error)
	UploadSessionListStale(ctx context.Context, t time.Time, limit int) ([]*openvod.UploadSession, error)
	UploadSessionDelete(ctx context.Context, key string) error
	MediaListExpired(ctx context.Context, t time.Time, limit int) ([]*openvod.Media, error)
	StorageKeysReferenced(ctx context.Context, keys []string) (map[string]bool, error)
}

// Blobs is what the janitor lists and removes in the media store (a
// blob.Bucket).
type Blobs interface {
	List(ctx context.Context, prefix string) ([]blob.Info, error)
	Delete(ctx context.Context, key string) error
}

// MediaDeleter removes a media record, its bytes and tells its app (a
// *media.Service).
type MediaDeleter interface {
	Delete(ctx context.Context, subAppID int64, fileID string) error
}

// Janitor sweeps periodically until its context ends.
type Janitor struct {
	Store  Store
	Blobs  Blobs
	Media  MediaDeleter
	Logger *slog.Logger
	// UploadTTL is how long an upload session stays valid; stored objects
	// nothing refers to are removed once older than it (never when zero).
	UploadTTL time.Duration
	Interval  time.Duration // IntervalDefault when zero
	// EventRetention is how long events are kept (EventRetentionDefault).
	EventRetention time.Duration
	// OrphanInterval is how often a sweep also looks for orphan objects
	// (OrphanIntervalDefault when zero).
	OrphanInterval time.Duration
	NowFunc        func() time.Time // time.Now when nil

	lastOrphanSweep time.Time
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

// Sweep removes old events, expired console sessions, stale upload sessions
// and expired media once,
// and orphan objects when OrphanInterval has passed since it last did (never
// when UploadTTL is zero). It must not run concurrently with itself.
func (j *Janitor) Sweep(ctx context.Context) error {
	now := time.Now()
	if j.NowFunc != nil {
		now = j.NowFunc()
	}
	st := j.Store
	if n, err := st.EventPurge(ctx, now.Add(-cmp.Or(j.EventRetention, EventRetentionDefault))); err != nil {
		return err
	} else if n > 0 {
		j.Logger.Info("old events purged", "count", n)
	}
	if n, err := st.ConsoleSessionPurge(ctx, now); err != nil {
		return err
	} else if n > 0 {
		j.Logger.Info("expired console sessions removed", "count", n)
	}
	for {
		sessions, err := st.UploadSessionListStale(ctx, now, batch)
		if err != nil {
			return err
		}
		for _, s := range sessions {
			if s.FileID == "" {
				// Never committed: its bytes belong to no media.
				if err := j.Blobs.Delete(ctx, s.StorageKey); err != nil {
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
			break
		}
	}
	if j.UploadTTL <= 0 || now.Sub(j.lastOrphanSweep) < cmp.Or(j.OrphanInterval, OrphanIntervalDefault) {
		return nil
	}
	if err := j.sweepOrphans(ctx, now); err != nil {
		return err
	}
	j.lastOrphanSweep = now
	return nil
}

// sweepOrphans removes the media store's partial writes (multipart uploads,
// temporary files) older than the upload TTL, and the stored objects, under
// the apps' storage prefixes, that are older than the upload TTL and that
// no media record, no upload session and no task not finished refers to:
// bytes of a PUT that
// finished after its session was committed, deleted or expired, of a crash
// between storing and committing, of a failed or abandoned task attempt, or
// of a deletion whose second step failed. A task not finished refers to its
// OutputKey and to every attempt's key derived from it (openvod.AttemptKey):
// each attempt writes its own object, and the transaction that finishes the
// task names one of them in the media record.
//
// Checking references and then deleting does not race with new references:
// every reference to a key is stored before any object under it exists
// (ApplyUpload stores the session with a fresh key, a task is stored with
// its fresh OutputKey before any attempt runs), it passes to a media record
// in the transaction that ends it (CommitUpload, a task's finish, which
// fails unless the attempt still holds the task's lease), and a key once
// unreferenced is never referenced again (keys are never reused, a finished
// task never runs again). So an object found unreferenced stays
// unreferenced, and deleting it can only remove bytes nothing will serve,
// such as those a late attempt that lost its lease writes after another
// attempt finished the task. One object exists before its reference: the
// copy CommitUpload makes on S3 (media.Service.PlaceUpload), referenced by
// its transaction a moment later. The age rule spares it, and the objects
// of writers still at work, all the same.
func (j *Janitor) sweepOrphans(ctx context.Context, now time.Time) error {
	st, blobs := j.Store, j.Blobs
	if tc, ok := blobs.(blob.TempCleaner); ok {
		// Partial writes as old as the upload TTL belong to no writer alive.
		if n, err := tc.CleanTemp(ctx, j.UploadTTL); err != nil {
			return err
		} else if n > 0 {
			j.Logger.Info("partial writes left by crashes removed", "count", n)
		}
	}
	apps, err := st.AppList(ctx)
	if err != nil {
		return err
	}
	removed := 0
	for _, app := range apps {
		for _, prefix := range media.StoragePrefixes(app.ID) {
			infos, err := blobs.List(ctx, prefix)
			if err != nil {
				return err
			}
			var old []string
			for _, info := range infos {
				if now.Sub(info.ModTime) > j.UploadTTL {
					old = append(old, info.Key)
				}
			}
			for chunk := range slices.Chunk(old, batch) {
				refs, err := st.StorageKeysReferenced(ctx, chunk)
				if err != nil {
					return err
				}
				for _, key := range chunk {
					if refs[key] {
						continue
					}
					if err := blobs.Delete(ctx, key); err != nil {
						return err
					}
					j.Logger.Info("orphan object removed", "key", key)
					removed++
				}
			}
		}
	}
	if removed > 0 {
		j.Logger.Info("orphan objects removed", "count", removed)
	}
	return nil
}
