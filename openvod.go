// Package openvod holds the domain types of the openvod server: apps, keys,
// media, upload sessions and tasks, and the Tencent Cloud error codes. It
// imports only the standard library; every other package speaks in its types.
package openvod

import "time"

// DefaultSubAppID is the SubAppId of the app created on first start.
const DefaultSubAppID int64 = 1500000001

// NeverExpire is the ExpireTime of media that never expire.
var NeverExpire = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// TimeFormat is the layout of every time on the wire.
const TimeFormat = "2006-01-02T15:04:05Z"

// FormatTime formats t in UTC on the wire layout.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

// App is a VOD application (a SubAppId). Apps never see each other's data.
type App struct {
	ID         int64
	Name       string
	CreateTime time.Time
}

// APIKey is an account-wide key pair: any key works for every app.
type APIKey struct {
	SecretID   string
	SecretKey  string
	CreateTime time.Time
	// DisableTime is when the key was disabled; zero while it is enabled.
	// A disabled key authenticates nothing.
	DisableTime time.Time
}

// Media is a stored media file.
type Media struct {
	FileID        string
	SubAppID      int64
	Name          string
	Description   string
	ClassID       int64
	Type          string // container/extension, e.g. "mp4"
	StorageKey    string // blob key of the media bytes
	Size          int64
	SourceType    string // Upload, Record, VideoProcessing, ...
	SourceContext string
	MetaData      []byte // JSON of vodevent.MediaMetaData; nil when unreadable
	MetaError     string // why the metadata could not be read, "" when it could
	CreateTime    time.Time
	UpdateTime    time.Time
	ExpireTime    time.Time
}

// UploadSession is an ApplyUpload session, committed at most once.
type UploadSession struct {
	SessionKey     string
	SubAppID       int64
	MediaType      string
	MediaName      string
	ClassID        int64
	SourceContext  string
	SessionContext string
	StorageKey     string
	ExpireTime     time.Time // media ExpireTime requested by the client
	CreateTime     time.Time
	Deadline       time.Time // upload URL and session valid until then
	UploadedSize   int64     // -1 until the bytes are uploaded
	FileID         string    // set when committed
	Procedure      string    // the procedure template CommitUpload starts; "" for none
}

// TaskStatus is a task's state as DescribeTaskDetail shows it.
type TaskStatus string

// Task states.
const (
	TaskWaiting    TaskStatus = "WAITING"    // accepted, not started
	TaskProcessing TaskStatus = "PROCESSING" // claimed by a worker
	TaskFinish     TaskStatus = "FINISH"     // done, success or failure (see ErrCode)
)

// TaskType names a kind of task.
type TaskType string

// Task types.
const (
	TaskPullUpload TaskType = "PullUpload"
	TaskClip       TaskType = "Clip"
	TaskProcedure  TaskType = "Procedure" // media processing: ProcessMedia, task flows
	TaskEditMedia  TaskType = "EditMedia" // joins ranges of media: EditMedia, FastEditMedia
	TaskConcat     TaskType = "Concat"    // joins ranges of media: ConcatVideo
	// The 2017-style tasks: task flows of one kind of sub-task (package
	// task2017), named as DescribeTaskDetail names them.
	TaskTranscode            TaskType = "Transcode"            // ConvertVodFile
	TaskImageSprite          TaskType = "ImageSprite"          // CreateImageSprite
	TaskSnapshotByTimeOffset TaskType = "SnapshotByTimeOffset" // CreateSnapshotByTimeOffset
)

// Task is a durable background task. Input and Output are JSON owned by the
// task's worker.
type Task struct {
	ID               string
	SubAppID         int64
	Type             TaskType
	Status           TaskStatus
	Input            []byte
	Output           []byte
	ErrCode          int64
	Message          string
	Progress         int64
	Attempts         int64
	SessionID        string
	CreateTime       time.Time
	BeginProcessTime time.Time
	FinishTime       time.Time
	OutputKey        string // the blob key the task writes, fixed when it is accepted
	// Priority orders runnable tasks: higher first (TasksPriority, -10..10).
	Priority int64
	// State is what the task has done so far, JSON owned by its worker
	// (a Procedure task's finished sub-tasks), so that a later attempt
	// resumes from it; nil before anything is recorded.
	State []byte
}

// EventMode is how an app receives events.
type EventMode string

// Event modes.
const (
	EventModePush EventMode = "PUSH" // normal callback: POST to NotificationURL
	EventModePull EventMode = "PULL" // reliable callback: PullEvents / ConfirmEvents
)

// EventConfig is an app's event notification configuration.
type EventConfig struct {
	SubAppID        int64
	Mode            EventMode
	NotificationURL string
	// Switches gate NewFileUpload, FileDeleted and PersistenceComplete.
	UploadMediaComplete bool
	DeleteMediaComplete bool
	PersistenceComplete bool
	// SignKey, when set, signs push bodies with Sign and T.
	SignKey string
	// WebhookSecret, when set, signs pushes with Standard Webhooks headers.
	WebhookSecret string
	UpdateTime    time.Time
}

// EventState is where an event is in its delivery.
type EventState string

// Event states.
const (
	EventPush EventState = "push" // waiting for (or in) a push delivery
	EventPull EventState = "pull" // available to PullEvents (unless leased)
	EventDone EventState = "done" // consumed: pushed with a 2xx or confirmed
)

// Event is one entry of the durable event log.
type Event struct {
	Seq        int64 // log position, assigned on insert
	ID         string
	SubAppID   int64
	Type       string
	Body       []byte // compact push body without Sign and T
	CreateTime time.Time
	State      EventState
	// AvailableAt is when a push is next attempted (push) or when the event
	// became pullable (pull; a lease sets LeaseUntil only).
	AvailableAt time.Time
	// Owner is the server holding the push delivery until AvailableAt.
	Owner string
	// LeaseToken and LeaseUntil are the current pull lease: handles carry
	// the token and are valid until LeaseUntil.
	LeaseToken   string
	LeaseUntil   time.Time
	Attempts     int64 // push attempts made
	Pulls        int64 // times handed out by PullEvents
	PushDeadline time.Time
	ConsumedTime time.Time
}

// DeliveryAttempt is one push attempt of an event.
type DeliveryAttempt struct {
	ID         int64
	EventSeq   int64
	EventID    string
	EventType  string
	SubAppID   int64
	Time       time.Time
	URL        string
	StatusCode int // 0 when no HTTP answer
	Latency    time.Duration
	Error      string // "" when delivered
	// ResponseExcerpt is the start of the receiver's answer body, at most
	// MaxResponseExcerpt bytes ("" when there was no answer).
	ResponseExcerpt string
}

// MaxResponseExcerpt is the most bytes of a receiver's answer kept with a
// delivery attempt.
const MaxResponseExcerpt = 1024
