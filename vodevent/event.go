package vodevent

import (
	"bytes"
	"encoding/json"
)

// Event types openvod emits.
const (
	TypeNewFileUpload       = "NewFileUpload"
	TypeFileDeleted         = "FileDeleted"
	TypePullComplete        = "PullComplete"
	TypeClipComplete        = "ClipComplete"
	TypePersistenceComplete = "PersistenceComplete"
)

// EventContent is one event notification: the body of a normal callback
// (push) and, with EventHandle, one item of PullEvents' EventSet.
//
// Marshalled, it has the seed document's shape: EventType, then the eleven
// event keys of the seed in its order (null but the event's own), then the
// key of an event the seed lacks or names otherwise than the SDK (only for
// such an event, in the SDK's order), then Sign and T when signed.
// EventHandle comes first when set (pull).
type EventContent struct {
	EventHandle                       string                        `json:"EventHandle,omitempty"`
	EventType                         string                        `json:"EventType"`
	FileUploadEvent                   *FileUploadTask               `json:"FileUploadEvent"`
	ProcedureStateChangeEvent         *ProcedureTask                `json:"ProcedureStateChangeEvent"`
	FileDeleteEvent                   *FileDeleteTask               `json:"FileDeleteEvent"`
	PullCompleteEvent                 *PullUploadTask               `json:"PullCompleteEvent"`
	EditMediaComplete                 *EditMediaTask                `json:"EditMediaComplete"`
	WechatPublishComplete             json.RawMessage               `json:"WechatPublishComplete"`
	TranscodeCompleteEvent            *TranscodeTask2017            `json:"TranscodeCompleteEvent"`
	ConcatCompleteEvent               *ConcatTask2017               `json:"ConcatCompleteEvent"`
	ClipCompleteEvent                 *ClipTask2017                 `json:"ClipCompleteEvent"`
	CreateImageSpriteCompleteEvent    *CreateImageSpriteTask2017    `json:"CreateImageSpriteCompleteEvent"`
	SnapshotByTimeOffsetCompleteEvent *SnapshotByTimeOffsetTask2017 `json:"SnapshotByTimeOffsetCompleteEvent"`
	// EditMediaCompleteEvent is the SDK's key of EditMediaComplete: an
	// EditMediaComplete event carries its task under both keys.
	EditMediaCompleteEvent   *EditMediaTask           `json:"EditMediaCompleteEvent,omitempty"`
	PersistenceCompleteEvent *PersistenceCompleteTask `json:"PersistenceCompleteEvent,omitempty"`
	Sign                     string                   `json:"Sign,omitempty"`
	T                        int64                    `json:"T,omitempty"`
}

// ClipTask2017 is the content of a ClipComplete event.
type ClipTask2017 struct {
	TaskId    string            `json:"TaskId"`
	SrcFileId string            `json:"SrcFileId"`
	FileInfo  *ClipFileInfo2017 `json:"FileInfo"`
}

// ClipFileInfo2017 is the output of a clip task.
type ClipFileInfo2017 struct {
	ErrCode  int64  `json:"ErrCode"`
	Message  string `json:"Message"`
	FileId   string `json:"FileId"`
	FileUrl  string `json:"FileUrl"`
	FileType string `json:"FileType"`
}

// PersistenceCompleteTask is the content of a PersistenceComplete event.
type PersistenceCompleteTask struct {
	FileId            string `json:"FileId"`
	PersistenceSource string `json:"PersistenceSource"`
}

// Marshal encodes v as openvod writes every body: compact JSON, UTF-8,
// without HTML escaping ("&" stays "&").
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
