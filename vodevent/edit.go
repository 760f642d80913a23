package vodevent

// Event types of joins.
const (
	TypeEditMediaComplete = "EditMediaComplete"
	TypeConcatComplete    = "ConcatComplete"
)

// Join methods: how openvod made a joined file (the JoinMethod extension
// of EditMediaTask and ConcatTask2017).
const (
	JoinStreamCopy = "StreamCopy" // every piece copied, frame-exact, no re-encode
	JoinReencode   = "Reencode"   // decoded and encoded again by ffmpeg
)

// EditMediaTask is the content of an EditMediaComplete event and of
// DescribeTaskDetail for an EditMedia task, members in the SDK's order,
// then openvod's extension JoinMethod.
type EditMediaTask struct {
	TaskId                 string               `json:"TaskId"`
	Status                 string               `json:"Status"`
	ErrCode                int64                `json:"ErrCode"`
	ErrCodeExt             string               `json:"ErrCodeExt"`
	Message                string               `json:"Message"`
	Progress               int64                `json:"Progress"`
	Input                  *EditMediaTaskInput  `json:"Input"`
	Output                 *EditMediaTaskOutput `json:"Output"`
	MetaData               *MediaMetaData       `json:"MetaData"`
	ProcedureTaskId        string               `json:"ProcedureTaskId"`
	ReviewAudioVideoTaskId string               `json:"ReviewAudioVideoTaskId"`
	SessionId              string               `json:"SessionId"`
	SessionContext         string               `json:"SessionContext"`
	// JoinMethod (extension) is JoinStreamCopy or JoinReencode; "" until
	// the task finishes, and for a failed one.
	JoinMethod string `json:"JoinMethod"`
}

// EditMediaTaskInput is what an EditMedia task joins.
type EditMediaTaskInput struct {
	InputType     string                `json:"InputType"`
	FileInfoSet   []EditMediaFileInfo   `json:"FileInfoSet"`
	StreamInfoSet []EditMediaStreamInfo `json:"StreamInfoSet"`
}

// EditMediaFileInfo is one piece of a file: seconds from its start.
type EditMediaFileInfo struct {
	FileId          string  `json:"FileId"`
	StartTimeOffset float64 `json:"StartTimeOffset"`
	EndTimeOffset   float64 `json:"EndTimeOffset"`
}

// EditMediaStreamInfo is one piece of a live stream (openvod has none to
// edit: the set is always empty).
type EditMediaStreamInfo struct {
	StreamId  string `json:"StreamId"`
	StartTime string `json:"StartTime"`
	EndTime   string `json:"EndTime"`
}

// EditMediaTaskOutput is the file an EditMedia task made.
type EditMediaTaskOutput struct {
	FileType   string `json:"FileType"`
	FileUrl    string `json:"FileUrl"`
	FileId     string `json:"FileId"`
	MediaName  string `json:"MediaName"`
	ClassId    int64  `json:"ClassId"`
	ExpireTime string `json:"ExpireTime"`
}

// ConcatTask2017 is the content of a ConcatComplete event, members in the
// SDK's order, then openvod's extension JoinMethod.
type ConcatTask2017 struct {
	TaskId      string               `json:"TaskId"`
	FileInfoSet []ConcatFileInfo2017 `json:"FileInfoSet"`
	// JoinMethod (extension) is JoinStreamCopy or JoinReencode; "" for a
	// failed task.
	JoinMethod string `json:"JoinMethod"`
}

// ConcatFileInfo2017 is one output file of a concat task.
type ConcatFileInfo2017 struct {
	ErrCode  int64  `json:"ErrCode"`
	Message  string `json:"Message"`
	FileId   string `json:"FileId"`
	FileUrl  string `json:"FileUrl"`
	FileType string `json:"FileType"`
}
