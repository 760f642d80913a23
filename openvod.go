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
}
