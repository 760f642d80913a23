// Package store is the metadata store seam: the operations openvod performs
// on its database, implemented once over database/sql for SQLite
// (store/sqlite) and PostgreSQL (store/postgres) and checked by one
// conformance suite (store/storetest).
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/openvod/openvod"
)

// ErrNotFound is returned when a row does not exist (or belongs to another app).
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a write loses a compare-and-set or hits a
// unique constraint: a lease lost, a session already committed, a duplicate key.
var ErrConflict = errors.New("store: conflict")

// ErrLimit is returned when a write would pass a limit on how many rows an
// app may have.
var ErrLimit = errors.New("store: limit reached")

// KeyRef names a secret key (an upload session key: its upload URL is a
// bearer secret) in errors and logs without revealing it: "sha256:" and the
// first 12 hex digits of the key's SHA-256.
func KeyRef(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

// Store is an open metadata store. It is safe for concurrent use.
type Store interface {
	Querier

	// InTx runs fn in one transaction: committed when fn returns nil, rolled
	// back otherwise. fn must use only the Querier it is given.
	InTx(ctx context.Context, fn func(q Querier) error) error

	// InTxRelaxed is InTx for changes whose loss in a power failure (or a
	// database server crash) only makes an event be delivered again: pull
	// leases, confirmations, push results. Its commit does not wait for the
	// disk (SQLite synchronous=OFF, PostgreSQL synchronous_commit=off); it
	// still survives a crash of the openvod process.
	InTxRelaxed(ctx context.Context, fn func(q Querier) error) error

	// RunRelaxed runs fn with the durability of InTxRelaxed but not
	// necessarily in one transaction: each of fn's statements may commit
	// on its own. For fn of one statement it saves a transaction's round
	// trips on a database server.
	RunRelaxed(ctx context.Context, fn func(q Querier) error) error

	// Driver names the backend: "sqlite" or "postgres".
	Driver() string

	// Close releases the database.
	Close() error
}

// Querier is every store operation; it works on the store or inside InTx.
type Querier interface {
	// AppCreate creates an app with the next free ID (DefaultSubAppID for the first).
	AppCreate(ctx context.Context, name string, now time.Time) (*openvod.App, error)
	// AppGet returns the app or ErrNotFound.
	AppGet(ctx context.Context, id int64) (*openvod.App, error)
	// AppList returns all apps by ID.
	AppList(ctx context.Context) ([]*openvod.App, error)

	// KeyInsert stores a key pair; ErrConflict when the SecretID exists.
	KeyInsert(ctx context.Context, k *openvod.APIKey) error
	// KeyGet returns the key pair or ErrNotFound.
	KeyGet(ctx context.Context, secretID string) (*openvod.APIKey, error)
	// KeyList returns all key pairs by creation time.
	KeyList(ctx context.Context) ([]*openvod.APIKey, error)
	// KeyDisable disables the key at now and ends its console sessions, in
	// one transaction; a disabled key stays disabled (and keeps its
	// DisableTime). ErrNotFound when the key does not exist, ErrConflict
	// (and nothing changes) when it is the last enabled key: deciding under
	// lock, so that concurrent calls never disable every key.
	KeyDisable(ctx context.Context, secretID string, now time.Time) error

	// ConsoleSessionInsert stores a console session; ErrConflict when its
	// TokenHash exists.
	ConsoleSessionInsert(ctx context.Context, s *ConsoleSession) error
	// ConsoleSessionGet returns the session whose token hashes to
	// tokenHash if it ends after now, else ErrNotFound.
	ConsoleSessionGet(ctx context.Context, tokenHash string, now time.Time) (*ConsoleSession, error)
	// ConsoleSessionDelete removes the session; no error when absent.
	ConsoleSessionDelete(ctx context.Context, tokenHash string) error
	// ConsoleSessionPurge removes the sessions that end at or before now
	// and returns how many.
	ConsoleSessionPurge(ctx context.Context, now time.Time) (int64, error)

	// UploadSessionInsert stores a new session (UploadedSize -1, FileID "").
	UploadSessionInsert(ctx context.Context, s *openvod.UploadSession) error
	// UploadSessionGet returns the session or ErrNotFound.
	UploadSessionGet(ctx context.Context, key string) (*openvod.UploadSession, error)
	// UploadSessionClaim gives the session's one upload to the attempt
	// named token until until. It succeeds when nothing was uploaded or
	// committed and no other attempt holds a claim ending after now; the
	// holder renews its claim the same way. ErrConflict otherwise.
	UploadSessionClaim(ctx context.Context, key, token string, now, until time.Time) error
	// UploadSessionRelease ends token's claim, if it holds one, so that
	// another attempt may claim at once.
	UploadSessionRelease(ctx context.Context, key, token string) error
	// UploadSessionSetUploaded records the uploaded size for the attempt
	// holding the claim token; ErrConflict when token does not hold it or a
	// size is recorded already.
	UploadSessionSetUploaded(ctx context.Context, key, token string, size int64) error
	// UploadSessionSetCommitted sets FileID once; ErrConflict when already committed.
	UploadSessionSetCommitted(ctx context.Context, key, fileID string) error
	// UploadSessionListStale returns up to limit sessions, committed or not,
	// whose Deadline is before t.
	UploadSessionListStale(ctx context.Context, t time.Time, limit int) ([]*openvod.UploadSession, error)
	// UploadSessionDelete removes the session; no error when absent.
	UploadSessionDelete(ctx context.Context, key string) error

	// MediaInsert stores a media record; ErrConflict when the FileID exists.
	MediaInsert(ctx context.Context, m *openvod.Media) error
	// MediaGet returns the app's media or ErrNotFound.
	MediaGet(ctx context.Context, subAppID int64, fileID string) (*openvod.Media, error)
	// MediaGetByStorageKey returns the app's media stored under key or
	// ErrNotFound.
	MediaGetByStorageKey(ctx context.Context, subAppID int64, key string) (*openvod.Media, error)
	// MediaGetMany returns the app's media among fileIDs, in no order.
	MediaGetMany(ctx context.Context, subAppID int64, fileIDs []string) ([]*openvod.Media, error)
	// MediaDelete removes the app's media record, and its outputs, or
	// returns ErrNotFound.
	MediaDelete(ctx context.Context, subAppID int64, fileID string) error
	// MediaSearch returns the app's media matching p, by CreateTime (then
	// FileID) in p's order, from p.Offset, at most p.Limit, and how many
	// match in all.
	MediaSearch(ctx context.Context, p *MediaSearchParams) ([]*openvod.Media, int64, error)
	// MediaListExpired returns up to limit media of any app whose ExpireTime is before t.
	MediaListExpired(ctx context.Context, t time.Time, limit int) ([]*openvod.Media, error)
	// MediaStorageKeyExists reports whether any media, media output or
	// template (a watermark's image) references the blob key: what media
	// GETs serve.
	MediaStorageKeyExists(ctx context.Context, key string) (bool, error)
	// StorageKeysReferenced returns those of keys that a media record, a
	// media output, a template, an upload session or a task not finished
	// refers to; such a task refers to its OutputKey and to every key
	// openvod.AttemptKey derives from it, and, when its OutputKey ends in
	// "/" (the prefix its attempts write under), to every key under it.
	StorageKeysReferenced(ctx context.Context, keys []string) (map[string]bool, error)

	// MediaOutputPut stores o, replacing the app's output of the same
	// FileID, Kind and Definition (one set per template, as Tencent keeps
	// it), and returns the keys of the output it replaced (nil if none)
	// that o does not reuse, whose blobs the caller deletes after commit.
	// ErrNotFound when the media does not exist. Changes of one media's
	// outputs and its deletion run one after another.
	MediaOutputPut(ctx context.Context, o *openvod.MediaOutput) (replaced []string, err error)
	// MediaOutputList returns the app's outputs of the media among
	// fileIDs, by FileID, Kind, Definition.
	MediaOutputList(ctx context.Context, subAppID int64, fileIDs []string) ([]*openvod.MediaOutput, error)
	// MediaOutputListItems is MediaOutputList without the Keys (nil), for
	// readers of the items: an adaptive stream has thousands of keys.
	MediaOutputListItems(ctx context.Context, subAppID int64, fileIDs []string) ([]*openvod.MediaOutput, error)
	// MediaOutputDelete removes the app's outputs of fileID of the kind, of
	// one definition or, when definition is 0, all of them, and returns
	// what it removed, by Definition.
	MediaOutputDelete(ctx context.Context, subAppID int64, fileID, kind string, definition int64) ([]*openvod.MediaOutput, error)

	// TaskInsert stores a new task in WAITING; ErrConflict when the ID
	// exists. It does not take t.SessionID (see TaskInsertOnce).
	TaskInsert(ctx context.Context, t *openvod.Task) error
	// TaskInsertOnce stores t as TaskInsert does unless t.SessionID is not
	// "" and the app already has a task of t's type with that SessionID
	// created at or after since: then it stores nothing and returns that
	// task. It returns the task stored or found, deciding in one
	// transaction, so that concurrent calls with one SessionID store one task.
	TaskInsertOnce(ctx context.Context, t *openvod.Task, since time.Time) (*openvod.Task, error)
	// TaskGet returns the app's task or ErrNotFound.
	TaskGet(ctx context.Context, subAppID int64, id string) (*openvod.Task, error)
	// TaskFindBySession returns the app's task of type typ that holds the
	// non-empty SessionID (the newest one TaskInsertOnce stored) if it was
	// created at or after since, or ErrNotFound.
	TaskFindBySession(ctx context.Context, subAppID int64, typ openvod.TaskType, sessionID string, since time.Time) (*openvod.Task, error)
	// TaskClaim leases up to p.Limit runnable tasks of p.Types to p.Owner:
	// WAITING ones and PROCESSING ones whose lease ended before p.Now,
	// highest Priority first and then oldest first, skipping tasks of
	// p.SkipApps. Claimed tasks become PROCESSING
	// with Attempts+1 and BeginProcessTime set if it was zero. A task is
	// never leased to two owners.
	TaskClaim(ctx context.Context, p *TaskClaimParams) ([]*openvod.Task, error)
	// TaskExtendLease moves the lease end of a task the owner holds; ErrConflict if not held.
	TaskExtendLease(ctx context.Context, id, owner string, until time.Time) error
	// TaskSetProgress records progress (0-100) of a task the owner holds; ErrConflict if not held.
	TaskSetProgress(ctx context.Context, id, owner string, progress int64) error
	// TaskSetState records the State of a task the owner holds in attempt
	// attempt; ErrConflict if not held.
	TaskSetState(ctx context.Context, id, owner string, attempt int64, state []byte) error
	// TaskFinish marks a held task FINISH with its result; ErrConflict if not
	// held by p.Owner in attempt p.Attempt.
	TaskFinish(ctx context.Context, p *TaskFinishParams) error
	// ExpireLeases ends every task lease and upload claim now, so that a
	// restarted single node reclaims its tasks at once and a PUT cut off by
	// its crash can be sent again at once.
	ExpireLeases(ctx context.Context) error
	// TaskList returns the app's tasks matching p, by CreateTime (then ID)
	// in p's order, after the cursor p.After, at most p.Limit.
	TaskList(ctx context.Context, p *TaskListParams) ([]*openvod.Task, error)
	// TaskActivity summarizes the app's tasks not finished or finished at
	// or after since; it changes when such a task is stored, claimed,
	// makes progress or finishes.
	TaskActivity(ctx context.Context, subAppID int64, since time.Time) (TaskActivity, error)
	// TaskCountByStatus counts tasks per status.
	TaskCountByStatus(ctx context.Context) (map[openvod.TaskStatus]int64, error)

	// EventConfigGet returns the app's event configuration; an app never
	// configured gets the defaults: PULL, no URL, every switch OFF.
	EventConfigGet(ctx context.Context, subAppID int64) (*openvod.EventConfig, error)
	// EventConfigPut stores the app's event configuration.
	EventConfigPut(ctx context.Context, c *openvod.EventConfig) error

	// EventInsert appends the events to the log, in order, and sets their
	// Seq, in few statements. ErrConflict when an event's ID exists: the
	// others may then be appended, so insert several in a transaction that
	// the error rolls back.
	EventInsert(ctx context.Context, events ...*openvod.Event) error
	// EventGet returns the app's event with the given ID, or ErrNotFound.
	EventGet(ctx context.Context, subAppID int64, id string) (*openvod.Event, error)
	// EventGetMany returns the app's events among seqs, in no order.
	EventGetMany(ctx context.Context, subAppID int64, seqs []int64) ([]*openvod.Event, error)
	// EventList returns the app's events after p.AfterSeq, by Seq.
	EventList(ctx context.Context, p *EventListParams) ([]*openvod.Event, error)
	// EventLeaseForPull leases up to p.Limit of the app's oldest pullable
	// events (state pull, AvailableAt not after p.Now, no lease or one that
	// ended by p.Now): LeaseToken p.Token, LeaseUntil p.Until, Pulls+1. It
	// writes no indexed column, so that PostgreSQL can update the row in
	// place (a HOT update). An event is never leased to two pullers at
	// once. Returned by Seq.
	EventLeaseForPull(ctx context.Context, p *EventLeaseParams) ([]*openvod.Event, error)
	// EventConfirm consumes, for ConfirmEvents, the app's events among seqs
	// when every one of them is leased under token with a lease not ended
	// at now, and none otherwise, in one statement; events already consumed
	// keep their consumption time. It returns how many events it consumed:
	// all of seqs (each counted once), or 0 when some handle was bad.
	EventConfirm(ctx context.Context, subAppID int64, token string, seqs []int64, now time.Time) (int64, error)
	// EventLock locks the rows of the events among seqs until the
	// transaction ends, in seq order (a no-op on a one-writer backend). A
	// transaction that then changes them one by one cannot deadlock with
	// the statements that change many events, which lock in the same order.
	EventLock(ctx context.Context, seqs []int64) error
	// EventConsume marks the app's events among seqs done at now, unless
	// they are already; it returns how many changed.
	EventConsume(ctx context.Context, subAppID int64, seqs []int64, now time.Time) (int64, error)
	// EventCountPullable counts the app's events in state pull, leased or not.
	EventCountPullable(ctx context.Context, subAppID int64) (int64, error)
	// EventClaimPush leases up to p.Limit due push deliveries (state push,
	// AvailableAt not after p.Now) to p.Owner: Owner p.Owner, AvailableAt
	// p.Until. Earliest AvailableAt first; never to two owners at once.
	EventClaimPush(ctx context.Context, p *EventClaimParams) ([]*openvod.Event, error)
	// EventPushRetry records a failed attempt of a push the owner holds:
	// Attempts+1, AvailableAt next, no owner. ErrConflict when not held.
	EventPushRetry(ctx context.Context, seq int64, owner string, next time.Time) error
	// EventPushRelease hands back, due at now and with no owner, the push
	// deliveries among seqs that the owner holds but will not attempt yet
	// (no attempt is counted), so that they can be claimed; it returns how
	// many it released.
	EventPushRelease(ctx context.Context, seqs []int64, owner string, now time.Time) (int64, error)
	// EventPushGiveUp makes a push the owner holds pullable at now, after
	// its last failed attempt (Attempts+1). ErrConflict when not held.
	EventPushGiveUp(ctx context.Context, seq int64, owner string, now time.Time) error
	// EventMoveToPull makes the app's pending pushes pullable at now.
	EventMoveToPull(ctx context.Context, subAppID int64, now time.Time) (int64, error)
	// EventMoveToPush schedules a push at now, with a fresh retry window
	// ending at deadline, for the app's pullable events not leased at now.
	EventMoveToPush(ctx context.Context, subAppID int64, now, deadline time.Time) (int64, error)
	// EventResend makes the app's events among ids deliverable again in
	// state (push or pull) at now, whatever their state, with no attempts
	// and a retry window ending at deadline. It returns how many it found.
	EventResend(ctx context.Context, subAppID int64, ids []string, state openvod.EventState, now, deadline time.Time) (int64, error)
	// EventPurge deletes events created before t, and their attempts.
	EventPurge(ctx context.Context, t time.Time) (int64, error)

	// TemplateInsert stores a new custom template of t.SubAppID and sets
	// t.Definition to the app's next one: FirstTemplateDefinition for its
	// first template, then one more each time, across kinds, never given
	// twice even after deletes. ErrLimit when the app has limit templates
	// of t.Kind, ErrConflict when uniqueName and the app has a template of
	// t.Kind named t.Name. It decides in one transaction, so concurrent
	// inserts get distinct Definitions and never pass limit.
	TemplateInsert(ctx context.Context, t *Template, limit int, uniqueName bool) error
	// TemplateGet returns the app's template of kind with the Definition, or ErrNotFound.
	TemplateGet(ctx context.Context, subAppID int64, kind string, definition int64) (*Template, error)
	// TemplateLock is TemplateGet for a change: inside InTx the row stays
	// locked until the transaction ends, so that a concurrent TemplateLock
	// of it waits and then reads what this transaction wrote.
	TemplateLock(ctx context.Context, subAppID int64, kind string, definition int64) (*Template, error)
	// TemplateGetByName returns the app's template of kind named name (the
	// one with the lowest Definition), or ErrNotFound.
	TemplateGetByName(ctx context.Context, subAppID int64, kind, name string) (*Template, error)
	// TemplateList returns the app's templates of kind, by Definition.
	TemplateList(ctx context.Context, subAppID int64, kind string) ([]*Template, error)
	// TemplateUpdate replaces the Name, Body and UpdateTime of the app's
	// template of t.Kind with t.Definition; ErrNotFound when it does not exist.
	TemplateUpdate(ctx context.Context, t *Template) error
	// TemplateDelete removes the app's template of kind with the
	// Definition, or returns ErrNotFound.
	TemplateDelete(ctx context.Context, subAppID int64, kind string, definition int64) error

	// DeliveryAttemptInsert records push attempts, in few statements, and
	// sets their IDs, increasing in order.
	DeliveryAttemptInsert(ctx context.Context, attempts ...*openvod.DeliveryAttempt) error
	// DeliveryAttemptList returns the app's newest attempts (of one event
	// when eventID is not ""), newest first.
	DeliveryAttemptList(ctx context.Context, subAppID int64, eventID string, limit int) ([]*openvod.DeliveryAttempt, error)
}

// FirstTemplateDefinition is the Definition of an app's first custom
// template, above every preset's.
const FirstTemplateDefinition = 1000001

// Template is a custom media-processing template of an app. The store
// keeps Body (the template's JSON) as given; Kind, Name and Definition
// identify it.
type Template struct {
	SubAppID   int64
	Kind       string
	Definition int64
	Name       string
	Body       []byte
	CreateTime time.Time
	UpdateTime time.Time
	// StorageKey is the blob the template refers to (a watermark
	// template's image), or "".
	StorageKey string
}

// EventLeaseParams leases pullable events of one app.
type EventLeaseParams struct {
	SubAppID int64
	Now      time.Time
	Token    string    // LeaseToken given to the leased events
	Until    time.Time // LeaseUntil of the leased events
	Limit    int
}

// EventClaimParams leases due push deliveries to one server.
type EventClaimParams struct {
	Owner    string
	Now      time.Time
	Until    time.Time // AvailableAt while the delivery is held
	Limit    int
	SkipApps []int64 // apps whose endpoints are busy
}

// EventListParams selects an app's events, oldest first.
type EventListParams struct {
	SubAppID int64
	State    openvod.EventState // "" for any
	Type     string             // "" for any
	// Status, when not "", selects the events of that EventStatusOf at Now.
	Status   EventStatus
	Now      time.Time
	AfterSeq int64
	Limit    int
}

// EventStatus is where an event is in its delivery, as the console shows it;
// EventStatusOf derives it from the stored state.
type EventStatus string

// Event statuses.
const (
	// EventPending: waiting for its first delivery: a push not yet
	// answered 2xx (due, held by a server or waiting for a retry), or a
	// pullable event no PullEvents has handed out and no push gave up on.
	EventPending EventStatus = "pending"
	// EventLeased: handed out by PullEvents, its lease not ended.
	EventLeased EventStatus = "leased"
	// EventDelivered: consumed by a 2xx answer to a push (never pulled).
	EventDelivered EventStatus = "delivered"
	// EventConfirmed: consumed by ConfirmEvents (pulled at least once).
	EventConfirmed EventStatus = "confirmed"
	// EventExpired: pullable again after a delivery that did not finish:
	// its push retries ran out, or a pull lease ended unconfirmed.
	EventExpired EventStatus = "expired"
)

// EventStatuses lists the statuses in the order above.
var EventStatuses = []EventStatus{EventPending, EventLeased, EventDelivered, EventConfirmed, EventExpired}

// EventStatusOf returns e's status at now; EventList's Status selects by
// the same rules.
func EventStatusOf(e *openvod.Event, now time.Time) EventStatus {
	switch {
	case e.State == openvod.EventDone && e.Pulls == 0:
		return EventDelivered
	case e.State == openvod.EventDone:
		return EventConfirmed
	case e.State == openvod.EventPush:
		return EventPending
	case e.LeaseUntil.After(now):
		return EventLeased
	case e.Attempts > 0 || e.Pulls > 0:
		return EventExpired
	}
	return EventPending
}

// ConsoleSession is a signed-in web console session. The cookie holds a
// random token; the store keeps only its SHA-256.
type ConsoleSession struct {
	TokenHash  string // hex SHA-256 of the cookie token
	SecretID   string // the key pair the session signed in with
	CSRFToken  string
	CreateTime time.Time
	ExpireTime time.Time
}

// MediaSearchParams selects an app's media for SearchMedia. Empty sets and
// zero times select everything; the sets are ORed within and ANDed across.
type MediaSearchParams struct {
	SubAppID     int64
	FileIDs      []string
	Names        []string // name contains one, ignoring case (SQLite: ASCII case)
	NamePrefixes []string // name starts with one, ignoring case
	Descriptions []string // description contains one, ignoring case
	// Text: name or description contains it, ignoring case.
	Text          string
	ClassIDs      []int64
	SourceTypes   []string
	CreatedAfter  time.Time // CreateTime at or after
	CreatedBefore time.Time // CreateTime before
	Descending    bool
	Offset        int
	Limit         int
}

// TaskListParams selects an app's tasks for DescribeTasks.
type TaskListParams struct {
	SubAppID       int64
	Status         openvod.TaskStatus // "" for any
	CreatedAfter   time.Time          // CreateTime at or after (zero: any)
	CreatedBefore  time.Time          // CreateTime before (zero: any)
	FinishedAfter  time.Time          // FinishTime at or after (zero: any)
	FinishedBefore time.Time          // FinishTime before (zero: any)
	Descending     bool
	// After is the cursor: only tasks after it in the list's order; nil
	// for the start.
	After *TaskCursor
	Limit int
}

// TaskCursor is a position in a task list: the last task seen.
type TaskCursor struct {
	CreateTime time.Time
	ID         string
}

// TaskActivity sums up an app's recent tasks (see Querier.TaskActivity).
type TaskActivity struct {
	Count, Finished, Processing, Progress, Attempts int64
}

// TaskClaimParams selects and leases tasks.
type TaskClaimParams struct {
	Types      []openvod.TaskType
	Owner      string
	Now        time.Time
	LeaseUntil time.Time
	Limit      int
	// SkipApps are apps whose tasks are not claimed (the runner's apps at
	// their cap of running tasks).
	SkipApps []int64
}

// TaskFinishParams is the result of a task.
type TaskFinishParams struct {
	ID    string
	Owner string
	// Attempt is the attempt finishing (Task.Attempts when claimed): an
	// earlier attempt of the same owner cannot finish the task.
	Attempt    int64
	ErrCode    int64
	Message    string
	Output     []byte
	FinishTime time.Time
}

// EventListener is a store capability: a store shared by several servers
// that tells of the events they commit (PostgreSQL LISTEN/NOTIFY). Ask for
// it with a type assertion.
type EventListener interface {
	// ListenEvents calls notify with the SubAppId of the pullable events
	// committed in the store, by any server (at least once per committing
	// transaction and app), until ctx ends. It reconnects after errors,
	// which it logs.
	ListenEvents(ctx context.Context, logger *slog.Logger, notify func(subAppID int64))
}

// SingleProcess is a store capability: a store only one process uses at a
// time (SQLite, whose file is locked). A lease found in it at start belongs
// to a process that is gone, so the server may expire it at once
// (ExpireLeases) instead of waiting for it to end.
type SingleProcess interface {
	// SingleProcess marks the capability; it does nothing.
	SingleProcess()
}
