// Package pull is the reliable callback queue: PullEvents leases up to 16 of
// an app's oldest available events for 30 s, holding the request until an
// event arrives, and ConfirmEvents consumes them by handle, all or nothing.
package pull

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/store"
)

// Defaults for Queue.
const (
	LeaseDefault   = 30 * time.Second
	MaxWaitDefault = 5 * time.Second
	// BatchSize is the most events one PullEvents returns and one
	// ConfirmEvents takes.
	BatchSize = 16
)

// Queue pulls and confirms events. Its exported fields must be set before use.
type Queue struct {
	Store   store.Store
	Hub     *eventlog.Hub
	Lease   time.Duration // LeaseDefault when zero
	MaxWait time.Duration // MaxWaitDefault when zero
	NowFunc func() time.Time
}

// Item is one pulled event: its handle and its push body.
type Item struct {
	Handle string
	Event  *openvod.Event
}

// Pull leases up to BatchSize of the app's oldest available events. When
// there are none it waits for one up to MaxWait (or ctx), and then returns
// what it found, possibly nothing.
func (q *Queue) Pull(ctx context.Context, subAppID int64) ([]Item, error) {
	deadline := time.NewTimer(cmp.Or(q.MaxWait, MaxWaitDefault))
	defer deadline.Stop()
	for {
		wake := q.Hub.Wait(subAppID)
		items, err := q.lease(ctx, subAppID)
		if err != nil || len(items) > 0 {
			return items, err
		}
		select {
		case <-wake:
		case <-deadline.C:
			return q.lease(ctx, subAppID)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// lease leases a batch under a fresh token, in one statement. A lease is
// not worth a disk flush: losing it only makes its events available again.
func (q *Queue) lease(ctx context.Context, subAppID int64) ([]Item, error) {
	now := q.now()
	token := newToken()
	var events []*openvod.Event
	err := q.Store.RunRelaxed(ctx, func(qr store.Querier) error {
		var err error
		events, err = qr.EventLeaseForPull(ctx, &store.EventLeaseParams{
			SubAppID: subAppID, Now: now, Token: token, Until: now.Add(cmp.Or(q.Lease, LeaseDefault)), Limit: BatchSize,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(events) > 0 {
		q.Hub.Changed(subAppID)
	}
	items := make([]Item, len(events))
	for i, e := range events {
		items[i] = Item{Handle: token + "." + strconv.FormatInt(e.Seq, 10), Event: e}
	}
	return items, nil
}

// Confirm consumes the events of the handles, all or nothing. When a handle
// is unknown, of another app or past its lease, nothing is confirmed and the
// error is InvalidParameterValue naming the bad handles. Confirming an
// already confirmed event with a handle still valid succeeds.
func (q *Queue) Confirm(ctx context.Context, subAppID int64, handles []string) error {
	now := q.now()
	byToken := map[string][]int64{} // handles of one PullEvents share a token
	seen := map[int64]bool{}
	var malformed []string
	for _, h := range handles {
		seq, token, ok := parseHandle(h)
		switch {
		case !ok:
			malformed = append(malformed, h)
		case !seen[seq]:
			seen[seq] = true
			byToken[token] = append(byToken[token], seq)
		}
	}
	if len(malformed) > 0 {
		return q.badHandlesError(ctx, subAppID, handles, now)
	}
	// Each EventConfirm is all or nothing: the handles of one PullEvents
	// need no transaction around it.
	run := q.Store.InTxRelaxed
	if len(byToken) == 1 {
		run = q.Store.RunRelaxed
	}
	err := run(ctx, func(qr store.Querier) error {
		for token, seqs := range byToken {
			n, err := qr.EventConfirm(ctx, subAppID, token, seqs, now)
			if err != nil {
				return err
			}
			if n != int64(len(seqs)) {
				return errBadHandles
			}
		}
		return nil
	})
	if err == errBadHandles {
		return q.badHandlesError(ctx, subAppID, handles, now)
	}
	if err == nil {
		q.Hub.Changed(subAppID)
	}
	return err
}

// errBadHandles rolls back a confirmation with a bad handle.
var errBadHandles = errors.New("bad event handles")

// badHandlesError names the handles that are malformed, unknown, of
// another app or past their lease.
func (q *Queue) badHandlesError(ctx context.Context, subAppID int64, handles []string, now time.Time) error {
	bad, err := q.badHandles(ctx, subAppID, handles, now)
	if err != nil {
		return err
	}
	return openvod.InvalidValue("EventHandles", false, "unknown or expired (older than %s) handles, nothing was confirmed: %s",
		cmp.Or(q.Lease, LeaseDefault), strings.Join(bad, ", "))
}

// badHandles returns the handles that are malformed, unknown, of another
// app or past their lease.
func (q *Queue) badHandles(ctx context.Context, subAppID int64, handles []string, now time.Time) ([]string, error) {
	var seqs []int64
	for _, h := range handles {
		if seq, _, ok := parseHandle(h); ok {
			seqs = append(seqs, seq)
		}
	}
	events, err := q.Store.EventGetMany(ctx, subAppID, seqs)
	if err != nil {
		return nil, err
	}
	valid := map[string]bool{}
	for _, e := range events {
		if !now.After(e.LeaseUntil) {
			valid[e.LeaseToken+"."+strconv.FormatInt(e.Seq, 10)] = true
		}
	}
	var bad []string
	for _, h := range handles {
		if !valid[h] && !slices.Contains(bad, h) {
			bad = append(bad, h)
		}
	}
	return bad, nil
}

// CountToPull counts the app's events not yet consumed in the pull queue.
func (q *Queue) CountToPull(ctx context.Context, subAppID int64) (int64, error) {
	return q.Store.EventCountPullable(ctx, subAppID)
}

func (q *Queue) now() time.Time {
	if q.NowFunc != nil {
		return q.NowFunc()
	}
	return time.Now()
}

// newToken returns 128 random bits, URL-safe.
func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseHandle splits "<token>.<seq>".
func parseHandle(h string) (seq int64, token string, ok bool) {
	token, s, found := strings.Cut(h, ".")
	if !found || len(token) != 22 {
		return 0, "", false
	}
	seq, err := strconv.ParseInt(s, 10, 64)
	return seq, token, err == nil && seq > 0
}
