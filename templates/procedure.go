package templates

import (
	"encoding/json"

	"github.com/openvod/openvod/vodevent"
)

// Procedure is a procedure (task-flow) template, the SDK's
// ProcedureTemplate: the media processing it runs, by Name. The AI,
// review and publishing members are always null here.
type Procedure struct {
	Name                        string                          `json:"Name"`
	Type                        string                          `json:"Type"`
	Comment                     string                          `json:"Comment"`
	MediaProcessTask            *vodevent.MediaProcessTaskInput `json:"MediaProcessTask"`
	AiContentReviewTask         json.RawMessage                 `json:"AiContentReviewTask"`
	AiAnalysisTask              json.RawMessage                 `json:"AiAnalysisTask"`
	AiRecognitionTaskSet        []json.RawMessage               `json:"AiRecognitionTaskSet"`
	AiRecognitionTask           json.RawMessage                 `json:"AiRecognitionTask"`
	MiniProgramPublishTask      json.RawMessage                 `json:"MiniProgramPublishTask"`
	ReviewAudioVideoTask        json.RawMessage                 `json:"ReviewAudioVideoTask"`
	ImportMediaKnowledgeTaskSet []json.RawMessage               `json:"ImportMediaKnowledgeTaskSet"`
	CreateTime                  string                          `json:"CreateTime"`
	UpdateTime                  string                          `json:"UpdateTime"`
}
