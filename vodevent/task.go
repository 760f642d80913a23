package vodevent

// FileUploadTask is the content of a NewFileUpload event.
type FileUploadTask struct {
	FileId                 string          `json:"FileId"`
	MediaBasicInfo         *MediaBasicInfo `json:"MediaBasicInfo"`
	ProcedureTaskId        string          `json:"ProcedureTaskId"`
	ReviewAudioVideoTaskId string          `json:"ReviewAudioVideoTaskId"`
	MetaData               *MediaMetaData  `json:"MetaData"`
}

// FileDeleteTask is the content of a FileDeleted event.
type FileDeleteTask struct {
	FileIdSet            []string               `json:"FileIdSet"`
	FileDeleteResultInfo []FileDeleteResultItem `json:"FileDeleteResultInfo"`
}

// FileDeleteResultItem says which parts of one file were deleted.
type FileDeleteResultItem struct {
	FileId      string            `json:"FileId"`
	DeleteParts []MediaDeleteItem `json:"DeleteParts"`
}

// MediaDeleteItem names a part of a media file.
type MediaDeleteItem struct {
	Type       string `json:"Type"`
	Definition int64  `json:"Definition"`
}

// PullUploadTask is the content of a PullComplete event and of
// DescribeTaskDetail for a PullUpload task.
type PullUploadTask struct {
	TaskId                 string          `json:"TaskId"`
	Status                 string          `json:"Status"`
	ErrCode                int64           `json:"ErrCode"`
	Message                string          `json:"Message"`
	FileId                 string          `json:"FileId"`
	MediaBasicInfo         *MediaBasicInfo `json:"MediaBasicInfo"`
	MetaData               *MediaMetaData  `json:"MetaData"`
	FileUrl                string          `json:"FileUrl"`
	ProcedureTaskId        string          `json:"ProcedureTaskId"`
	ReviewAudioVideoTaskId string          `json:"ReviewAudioVideoTaskId"`
	SessionContext         string          `json:"SessionContext"`
	SessionId              string          `json:"SessionId"`
	Progress               int64           `json:"Progress"`
}
