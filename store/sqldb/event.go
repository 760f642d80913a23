package sqldb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

const eventConfigColumns = `sub_app_id, mode, notification_url, upload_media_switch, delete_media_switch,
persistence_switch, sign_key, webhook_secret, update_time`

// EventConfigGet implements store.Querier.
func (q *querier) EventConfigGet(ctx context.Context, subAppID int64) (*openvod.EventConfig, error) {
	c := openvod.EventConfig{SubAppID: subAppID}
	err := q.queryRow(ctx, q.read, `SELECT `+eventConfigColumns+` FROM event_config WHERE sub_app_id = ?`, subAppID).
		Scan(&c.SubAppID, &c.Mode, &c.NotificationURL, &c.UploadMediaComplete, &c.DeleteMediaComplete,
			&c.PersistenceComplete, &c.SignKey, &c.WebhookSecret, timeDest{&c.UpdateTime})
	if err = notFound(err); err == store.ErrNotFound {
		return &openvod.EventConfig{SubAppID: subAppID, Mode: openvod.EventModePull}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("event config get %d: %w", subAppID, err)
	}
	return &c, nil
}

// EventConfigPut implements store.Querier.
func (q *querier) EventConfigPut(ctx context.Context, c *openvod.EventConfig) error {
	_, err := q.exec(ctx, `INSERT INTO event_config (`+eventConfigColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (sub_app_id) DO UPDATE SET mode = excluded.mode, notification_url = excluded.notification_url,
upload_media_switch = excluded.upload_media_switch, delete_media_switch = excluded.delete_media_switch,
persistence_switch = excluded.persistence_switch, sign_key = excluded.sign_key,
webhook_secret = excluded.webhook_secret, update_time = excluded.update_time`,
		c.SubAppID, string(c.Mode), c.NotificationURL, c.UploadMediaComplete, c.DeleteMediaComplete,
		c.PersistenceComplete, c.SignKey, c.WebhookSecret, timeArg(c.UpdateTime))
	if err != nil {
		return fmt.Errorf("event config put %d: %w", c.SubAppID, err)
	}
	return nil
}

const eventColumns = `seq, id, sub_app_id, type, body, create_time, state, available_at, owner, lease_token,
lease_until, attempts, pulls, push_deadline, consumed_time`

func scanEvent(s scanner) (*openvod.Event, error) {
	var e openvod.Event
	err := s.Scan(&e.Seq, &e.ID, &e.SubAppID, &e.Type, &e.Body, timeDest{&e.CreateTime}, &e.State,
		timeDest{&e.AvailableAt}, &e.Owner, &e.LeaseToken, timeDest{&e.LeaseUntil}, &e.Attempts, &e.Pulls,
		timeDest{&e.PushDeadline}, timeDest{&e.ConsumedTime})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// insertRowsMax is the most rows one multi-row INSERT carries. Longer
// batches are cut into statements of powers of two rows up to it, so that
// few query texts are prepared whatever the batch lengths.
const insertRowsMax = 64

// inChunks calls insert with consecutive ranges [lo, hi) covering n rows,
// each of a power of two rows up to insertRowsMax.
func inChunks(n int, insert func(lo, hi int) error) error {
	for lo := 0; lo < n; {
		size := insertRowsMax
		for size > n-lo {
			size /= 2
		}
		if err := insert(lo, lo+size); err != nil {
			return err
		}
		lo += size
	}
	return nil
}

// valuesRows returns n rows of the placeholder tuple row for a VALUES list.
func valuesRows(row string, n int) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// EventInsert implements store.Querier with multi-row INSERTs. On a
// backend with notifications it also notifies the other servers, on
// commit, that an app has new pullable events: once per app, and not for
// push deliveries, which no other server's puller or dispatcher may take
// before their lease ends.
func (q *querier) EventInsert(ctx context.Context, events ...*openvod.Event) error {
	if err := inChunks(len(events), func(lo, hi int) error { return q.eventInsertRows(ctx, events[lo:hi]) }); err != nil {
		return err
	}
	var pullable []int64
	for _, e := range events {
		if e.State == openvod.EventPull && !slices.Contains(pullable, e.SubAppID) {
			pullable = append(pullable, e.SubAppID)
		}
	}
	if q.d.EventNotify == "" {
		return nil
	}
	for _, app := range pullable {
		if _, err := q.exec(ctx, q.d.EventNotify, fmt.Sprint(app)); err != nil {
			return fmt.Errorf("event notify %d: %w", app, err)
		}
	}
	return nil
}

// eventInsertRows inserts events in one statement and sets their Seq.
func (q *querier) eventInsertRows(ctx context.Context, events []*openvod.Event) error {
	const row = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := make([]any, 0, 14*len(events))
	byID := make(map[string]*openvod.Event, len(events))
	for _, e := range events {
		args = append(args, e.ID, e.SubAppID, e.Type, e.Body, timeArg(e.CreateTime), string(e.State),
			timeArg(e.AvailableAt), e.Owner, e.LeaseToken, timeArg(e.LeaseUntil), e.Attempts, e.Pulls,
			timeArg(e.PushDeadline), timeArg(e.ConsumedTime))
		byID[e.ID] = e
	}
	rows, err := q.write.QueryContext(ctx, q.d.rebind(`INSERT INTO event (id, sub_app_id, type, body, create_time,
state, available_at, owner, lease_token, lease_until, attempts, pulls, push_deadline, consumed_time)
VALUES `+valuesRows(row, len(events))+` ON CONFLICT DO NOTHING RETURNING id, seq`), args...)
	if err != nil {
		return fmt.Errorf("event insert %s: %w", events[0].ID, err)
	}
	defer rows.Close()
	inserted := 0
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return fmt.Errorf("event insert %s: %w", events[0].ID, err)
		}
		if e := byID[id]; e != nil {
			e.Seq = seq
			inserted++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("event insert %s: %w", events[0].ID, err)
	}
	if inserted < len(events) {
		return fmt.Errorf("event insert %s: an id exists: %w", events[0].ID, store.ErrConflict)
	}
	return nil
}

// EventGet implements store.Querier.
func (q *querier) EventGet(ctx context.Context, subAppID int64, id string) (*openvod.Event, error) {
	e, err := scanEvent(q.queryRow(ctx, q.read, `SELECT `+eventColumns+` FROM event WHERE sub_app_id = ? AND id = ?`, subAppID, id))
	if err != nil {
		return nil, fmt.Errorf("event get %d/%s: %w", subAppID, id, notFound(err))
	}
	return e, nil
}

// EventGetMany implements store.Querier.
func (q *querier) EventGetMany(ctx context.Context, subAppID int64, seqs []int64) ([]*openvod.Event, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	args := append([]any{subAppID}, int64Args(seqs)...)
	all, err := queryAll(ctx, q, q.read, scanEvent, `SELECT `+eventColumns+` FROM event
WHERE sub_app_id = ? AND seq IN (`+placeholders(len(seqs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("event get many %d: %w", subAppID, err)
	}
	return all, nil
}

// EventList implements store.Querier.
func (q *querier) EventList(ctx context.Context, p *store.EventListParams) ([]*openvod.Event, error) {
	var w where
	w.add("sub_app_id = ? AND seq > ?", p.SubAppID, p.AfterSeq)
	if p.State != "" {
		w.add("state = ?", string(p.State))
	}
	if p.Type != "" {
		w.add("type = ?", p.Type)
	}
	if p.Status != "" {
		cond, ok := eventStatusSQL[p.Status]
		if !ok {
			return nil, fmt.Errorf("event list %d: unknown status %q", p.SubAppID, p.Status)
		}
		var args []any
		if strings.Contains(cond, "?") {
			args = append(args, timeArg(p.Now))
		}
		w.add(cond, args...)
	}
	all, err := queryAll(ctx, q, q.read, scanEvent, `SELECT `+eventColumns+` FROM event WHERE `+w.String()+
		` ORDER BY seq LIMIT ?`, append(w.args, p.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("event list %d: %w", p.SubAppID, err)
	}
	return all, nil
}

// eventStatusSQL selects the events of each store.EventStatus, by the
// rules of store.EventStatusOf; a ? is the time of the status.
var eventStatusSQL = map[store.EventStatus]string{
	store.EventPending:   `(state = 'push' OR (state = 'pull' AND attempts = 0 AND pulls = 0))`,
	store.EventLeased:    `(state = 'pull' AND lease_until > ?)`,
	store.EventDelivered: `(state = 'done' AND pulls = 0)`,
	store.EventConfirmed: `(state = 'done' AND pulls > 0)`,
	store.EventExpired:   `(state = 'pull' AND (attempts > 0 OR pulls > 0) AND (lease_until IS NULL OR lease_until <= ?))`,
}

// LeaseForPullSQL is the statement of EventLeaseForPull on backend d, with
// d's placeholders: the app, now twice, the limit, the token, the lease's
// end. Backend tests check its plan.
func LeaseForPullSQL(d *Dialect) string { return d.rebind(leaseForPullSQL(d)) }

// leaseForPullSQL is LeaseForPullSQL with ? placeholders.
func leaseForPullSQL(d *Dialect) string {
	return `WITH picked AS MATERIALIZED (
SELECT seq FROM event WHERE sub_app_id = ? AND state = 'pull' AND available_at <= ?
AND (lease_until IS NULL OR lease_until <= ?)
ORDER BY ` + cmp.Or(d.PullOrder, "seq") + ` LIMIT ? ` + d.ClaimLock + `
)
UPDATE event SET lease_token = ?, lease_until = ?, pulls = pulls + 1
WHERE seq IN (SELECT seq FROM picked)
RETURNING ` + eventColumns
}

// EventLeaseForPull implements store.Querier.
func (q *querier) EventLeaseForPull(ctx context.Context, p *store.EventLeaseParams) ([]*openvod.Event, error) {
	all, err := queryAll(ctx, q, q.write, scanEvent, leaseForPullSQL(&q.d),
		p.SubAppID, timeArg(p.Now), timeArg(p.Now), p.Limit, p.Token, timeArg(p.Until))
	if err != nil {
		return nil, fmt.Errorf("event lease for pull %d: %w", p.SubAppID, err)
	}
	sortBySeq(all)
	return all, nil
}

// inSeqOrder returns a WITH clause naming "locked" the seqs of the events
// matching where, locked in seq order on backends with row locks. Every
// statement that changes many events waits for their rows in that one
// order, with EventLock before a batch of single-event writes, so two such
// writers never deadlock; claims skip locked rows and never wait.
func (q *querier) inSeqOrder(where string) string {
	return `WITH locked AS (SELECT seq FROM event WHERE ` + where + ` ORDER BY seq ` + q.d.RowLock + `)`
}

// EventLock implements store.Querier.
func (q *querier) EventLock(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 || q.d.RowLock == "" {
		return nil
	}
	_, err := q.exec(ctx, `SELECT seq FROM event WHERE seq IN (`+placeholders(len(seqs))+`) ORDER BY seq `+q.d.RowLock, int64Args(seqs)...)
	if err != nil {
		return fmt.Errorf("event lock: %w", err)
	}
	return nil
}

// EventConsume implements store.Querier.
func (q *querier) EventConsume(ctx context.Context, subAppID int64, seqs []int64, now time.Time) (int64, error) {
	if len(seqs) == 0 {
		return 0, nil
	}
	args := append([]any{timeArg(now), subAppID}, int64Args(seqs)...)
	n, err := q.exec(ctx, `UPDATE event SET state = 'done', consumed_time = ?, owner = ''
WHERE sub_app_id = ? AND state <> 'done' AND seq IN (`+placeholders(len(seqs))+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("event consume %d: %w", subAppID, err)
	}
	return n, nil
}

// EventConfirm implements store.Querier. The count of matching events
// makes the statement all or nothing.
func (q *querier) EventConfirm(ctx context.Context, subAppID int64, token string, seqs []int64, now time.Time) (int64, error) {
	if len(seqs) == 0 {
		return 0, nil
	}
	seqs = slices.Compact(slices.Sorted(slices.Values(seqs)))
	match := `sub_app_id = ? AND lease_token = ? AND lease_until >= ? AND seq IN (` + placeholders(len(seqs)) + `)`
	matchArgs := append([]any{subAppID, token, timeArg(now)}, int64Args(seqs)...)
	args := append(append(append([]any{timeArg(now)}, matchArgs...), matchArgs...), len(seqs))
	n, err := q.exec(ctx, `UPDATE event SET state = 'done', consumed_time = COALESCE(consumed_time, ?), owner = ''
WHERE `+match+` AND (SELECT COUNT(*) FROM event WHERE `+match+`) = ?`, args...)
	if err != nil {
		return 0, fmt.Errorf("event confirm %d: %w", subAppID, err)
	}
	return n, nil
}

// EventCountPullable implements store.Querier.
func (q *querier) EventCountPullable(ctx context.Context, subAppID int64) (int64, error) {
	var n int64
	err := q.queryRow(ctx, q.read, `SELECT COUNT(*) FROM event WHERE sub_app_id = ? AND state = 'pull'`, subAppID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("event count pullable %d: %w", subAppID, err)
	}
	return n, nil
}

// EventClaimPush implements store.Querier.
func (q *querier) EventClaimPush(ctx context.Context, p *store.EventClaimParams) ([]*openvod.Event, error) {
	if p.Owner == "" || p.Limit <= 0 {
		return nil, nil
	}
	skip := ""
	args := []any{timeArg(p.Now)}
	if len(p.SkipApps) > 0 {
		skip = ` AND sub_app_id NOT IN (` + placeholders(len(p.SkipApps)) + `)`
		args = append(args, int64Args(p.SkipApps)...)
	}
	args = append(args, p.Limit, p.Owner, timeArg(p.Until))
	all, err := queryAll(ctx, q, q.write, scanEvent, `WITH picked AS MATERIALIZED (
SELECT seq FROM event WHERE state = 'push' AND available_at <= ?`+skip+`
ORDER BY available_at, seq LIMIT ? `+q.d.ClaimLock+`
)
UPDATE event SET owner = ?, available_at = ?
WHERE seq IN (SELECT seq FROM picked)
RETURNING `+eventColumns, args...)
	if err != nil {
		return nil, fmt.Errorf("event claim push: %w", err)
	}
	sortBySeq(all)
	return all, nil
}

// EventPushRetry implements store.Querier.
func (q *querier) EventPushRetry(ctx context.Context, seq int64, owner string, next time.Time) error {
	err := changedOne(q.exec(ctx, `UPDATE event SET attempts = attempts + 1, available_at = ?, owner = ''
WHERE seq = ? AND owner = ? AND state = 'push'`, timeArg(next), seq, owner))
	if err != nil {
		return fmt.Errorf("event push retry %d: %w", seq, err)
	}
	return nil
}

// EventPushRelease implements store.Querier.
func (q *querier) EventPushRelease(ctx context.Context, seqs []int64, owner string, now time.Time) (int64, error) {
	if len(seqs) == 0 {
		return 0, nil
	}
	args := append([]any{timeArg(now), owner}, int64Args(seqs)...)
	n, err := q.exec(ctx, `UPDATE event SET available_at = ?, owner = ''
WHERE owner = ? AND state = 'push' AND seq IN (`+placeholders(len(seqs))+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("event push release: %w", err)
	}
	return n, nil
}

// EventPushGiveUp implements store.Querier.
func (q *querier) EventPushGiveUp(ctx context.Context, seq int64, owner string, now time.Time) error {
	err := changedOne(q.exec(ctx, `UPDATE event SET attempts = attempts + 1, state = 'pull', available_at = ?, owner = ''
WHERE seq = ? AND owner = ? AND state = 'push'`, timeArg(now), seq, owner))
	if err != nil {
		return fmt.Errorf("event push give up %d: %w", seq, err)
	}
	return nil
}

// EventMoveToPull implements store.Querier.
func (q *querier) EventMoveToPull(ctx context.Context, subAppID int64, now time.Time) (int64, error) {
	n, err := q.exec(ctx, q.inSeqOrder(`sub_app_id = ? AND state = 'push'`)+`
UPDATE event SET state = 'pull', available_at = ?, owner = ''
WHERE seq IN (SELECT seq FROM locked)`, subAppID, timeArg(now))
	if err != nil {
		return 0, fmt.Errorf("event move to pull %d: %w", subAppID, err)
	}
	return n, nil
}

// EventMoveToPush implements store.Querier.
func (q *querier) EventMoveToPush(ctx context.Context, subAppID int64, now, deadline time.Time) (int64, error) {
	n, err := q.exec(ctx, q.inSeqOrder(`sub_app_id = ? AND state = 'pull' AND (lease_until IS NULL OR lease_until < ?)`)+`
UPDATE event SET state = 'push', available_at = ?, owner = '', attempts = 0, push_deadline = ?
WHERE seq IN (SELECT seq FROM locked)`,
		subAppID, timeArg(now), timeArg(now), timeArg(deadline))
	if err != nil {
		return 0, fmt.Errorf("event move to push %d: %w", subAppID, err)
	}
	return n, nil
}

// EventResend implements store.Querier.
func (q *querier) EventResend(ctx context.Context, subAppID int64, ids []string, state openvod.EventState, now, deadline time.Time) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := []any{subAppID}
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, string(state), timeArg(now), timeArg(deadline))
	n, err := q.exec(ctx, q.inSeqOrder(`sub_app_id = ? AND id IN (`+placeholders(len(ids))+`)`)+`
UPDATE event SET state = ?, available_at = ?, owner = '', attempts = 0, push_deadline = ?,
lease_token = '', lease_until = NULL, consumed_time = NULL
WHERE seq IN (SELECT seq FROM locked)`, args...)
	if err != nil {
		return 0, fmt.Errorf("event resend %d: %w", subAppID, err)
	}
	return n, nil
}

// EventPurge implements store.Querier.
func (q *querier) EventPurge(ctx context.Context, t time.Time) (int64, error) {
	if _, err := q.exec(ctx, `DELETE FROM delivery_attempt WHERE time < ?`, timeArg(t)); err != nil {
		return 0, fmt.Errorf("event purge attempts: %w", err)
	}
	n, err := q.exec(ctx, `DELETE FROM event WHERE create_time < ?`, timeArg(t))
	if err != nil {
		return 0, fmt.Errorf("event purge: %w", err)
	}
	return n, nil
}

const attemptColumns = `id, event_seq, event_id, event_type, sub_app_id, time, url, status_code, latency_us, error,
response_excerpt`

// DeliveryAttemptInsert implements store.Querier with multi-row INSERTs.
func (q *querier) DeliveryAttemptInsert(ctx context.Context, attempts ...*openvod.DeliveryAttempt) error {
	return inChunks(len(attempts), func(lo, hi int) error { return q.deliveryAttemptInsertRows(ctx, attempts[lo:hi]) })
}

// deliveryAttemptInsertRows inserts attempts in one statement and sets
// their IDs, increasing in the order of the rows.
func (q *querier) deliveryAttemptInsertRows(ctx context.Context, attempts []*openvod.DeliveryAttempt) error {
	args := make([]any, 0, 10*len(attempts))
	for _, a := range attempts {
		args = append(args, a.EventSeq, a.EventID, a.EventType, a.SubAppID, timeArg(a.Time), a.URL, a.StatusCode,
			a.Latency.Microseconds(), a.Error, a.ResponseExcerpt)
	}
	ids, err := queryAll(ctx, q, q.write, func(s scanner) (*int64, error) {
		id := new(int64)
		return id, s.Scan(id)
	}, `INSERT INTO delivery_attempt (event_seq, event_id, event_type, sub_app_id, time, url, status_code, latency_us, error,
response_excerpt) VALUES `+valuesRows(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, len(attempts))+` RETURNING id`, args...)
	if err == nil && len(ids) != len(attempts) {
		err = fmt.Errorf("%d ids returned for %d rows", len(ids), len(attempts))
	}
	if err != nil {
		return fmt.Errorf("delivery attempt insert %s: %w", attempts[0].EventID, err)
	}
	// IDs are drawn row by row; RETURNING need not list them in order.
	slices.SortFunc(ids, func(a, b *int64) int { return cmp.Compare(*a, *b) })
	for i, a := range attempts {
		a.ID = *ids[i]
	}
	return nil
}

// DeliveryAttemptList implements store.Querier.
func (q *querier) DeliveryAttemptList(ctx context.Context, subAppID int64, eventID string, limit int) ([]*openvod.DeliveryAttempt, error) {
	var where strings.Builder
	where.WriteString(`sub_app_id = ?`)
	args := []any{subAppID}
	if eventID != "" {
		where.WriteString(` AND event_id = ?`)
		args = append(args, eventID)
	}
	all, err := queryAll(ctx, q, q.read, func(s scanner) (*openvod.DeliveryAttempt, error) {
		var a openvod.DeliveryAttempt
		var latency int64
		if err := s.Scan(&a.ID, &a.EventSeq, &a.EventID, &a.EventType, &a.SubAppID, timeDest{&a.Time}, &a.URL,
			&a.StatusCode, &latency, &a.Error, &a.ResponseExcerpt); err != nil {
			return nil, err
		}
		a.Latency = time.Duration(latency) * time.Microsecond
		return &a, nil
	}, `SELECT `+attemptColumns+` FROM delivery_attempt WHERE `+where.String()+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("delivery attempt list %d: %w", subAppID, err)
	}
	return all, nil
}

func int64Args(v []int64) []any {
	args := make([]any, len(v))
	for i, x := range v {
		args[i] = x
	}
	return args
}

func sortBySeq(events []*openvod.Event) {
	slices.SortFunc(events, func(a, b *openvod.Event) int { return cmp.Compare(a.Seq, b.Seq) })
}
