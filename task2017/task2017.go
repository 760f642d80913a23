// Package task2017 is openvod's 2017-style tasks: ConvertVodFile,
// CreateImageSprite and CreateSnapshotByTimeOffset. Each is a task flow
// (a proctask.Input) of one kind of sub-task, run by the procedure worker
// like any flow, whose outputs are recorded as the flow's are; what
// differs is its TaskType and TaskId, and its event: the 2017 event
// (TranscodeComplete, CreateImageSpriteComplete,
// CreateSnapshotByTimeOffsetComplete) with the 2017 task structure,
// emitted once when the task finishes, instead of ProcedureStateChanged.
// It is shared by tcapi (which creates such tasks and shows them in
// DescribeTaskDetail) and the worker (which emits their events).
package task2017

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// idPrefixes are the TaskId prefixes of the 2017-style task types; each
// is followed by 19 hex digits, as clipVideo-.
var idPrefixes = map[openvod.TaskType]string{
	openvod.TaskTranscode:            "convertVodFile-",
	openvod.TaskImageSprite:          "createImageSprite-",
	openvod.TaskSnapshotByTimeOffset: "createSnapshotByTimeOffset-",
}

// Is reports whether typ is a 2017-style task type.
func Is(typ openvod.TaskType) bool {
	_, ok := idPrefixes[typ]
	return ok
}

// New returns a WAITING task of the 2017-style type typ running in (its
// Task holding only the sub-tasks of typ's kind): a flow as proctask.New
// makes it, with typ and a TaskId of typ's prefix and 19 hex digits. It
// panics when typ is not a 2017-style type.
func New(subAppID int64, typ openvod.TaskType, in *proctask.Input, now time.Time) (*openvod.Task, error) {
	prefix, ok := idPrefixes[typ]
	if !ok {
		panic(fmt.Sprintf("task2017.New: %q is not a 2017-style task type", typ))
	}
	t, err := proctask.New(subAppID, in, now)
	if err != nil {
		return nil, err
	}
	t.ID, t.Type = prefix+openvod.RandomHex(10)[:19], typ
	return t, nil
}

// Event returns the event of the 2017-style task t as its input and state
// show it: the 2017 task structure of what is done so far (all of it once
// t is finished). DescribeTaskDetail shows the same structure.
func Event(t *openvod.Task) (*vodevent.EventContent, error) {
	in, err := proctask.ReadInput(t)
	if err != nil {
		return nil, err
	}
	st, err := proctask.ReadState(t, in)
	if err != nil {
		return nil, err
	}
	done := st.Pending() == 0
	switch t.Type {
	case openvod.TaskTranscode:
		v, err := transcode(t.ID, in, st, done)
		return &vodevent.EventContent{EventType: vodevent.TypeTranscodeComplete, TranscodeCompleteEvent: v}, err
	case openvod.TaskImageSprite:
		v, err := imageSprite(t.ID, in, st)
		return &vodevent.EventContent{EventType: vodevent.TypeCreateImageSpriteComplete, CreateImageSpriteCompleteEvent: v}, err
	case openvod.TaskSnapshotByTimeOffset:
		v, err := snapshots(t.ID, in, st)
		return &vodevent.EventContent{EventType: vodevent.TypeCreateSnapshotByTimeOffsetComplete, SnapshotByTimeOffsetCompleteEvent: v}, err
	}
	return nil, fmt.Errorf("task %s: %q is not a 2017-style task type", t.ID, t.Type)
}

// transcode is the TranscodeTask2017 of a ConvertVodFile task: the
// original (Definition 0, as Tencent's sample shows it) then each output
// made, in the order of the request's Definitions.
func transcode(id string, in *proctask.Input, st *proctask.State, done bool) (*vodevent.TranscodeTask2017, error) {
	v := &vodevent.TranscodeTask2017{TaskId: id, FileId: in.FileId, FileName: st.FileName, CoverUrl: st.CoverUrl,
		PlayInfoSet: []vodevent.TranscodePlayInfo2017{}}
	if md := st.MetaData; md != nil {
		v.Duration = int64(math.Round(md.Duration))
		v.PlayInfoSet = append(v.PlayInfoSet, vodevent.TranscodePlayInfo2017{Url: st.FileUrl, Bitrate: md.Bitrate, Height: md.Height, Width: md.Width})
	}
	for i := range st.Results {
		r := &st.Results[i]
		if r.Status == vodevent.SubTaskFail && v.ErrCode == 0 {
			v.ErrCode, v.Message = r.ErrCode, r.Message
		}
		if r.Status != vodevent.SubTaskSuccess {
			continue
		}
		var item vodevent.MediaTranscodeItem
		if err := json.Unmarshal(r.Output, &item); err != nil {
			return nil, fmt.Errorf("task %s transcode %d: %w", id, i, err)
		}
		v.PlayInfoSet = append(v.PlayInfoSet, vodevent.TranscodePlayInfo2017{Url: item.Url, Definition: item.Definition,
			Bitrate: item.Bitrate, Height: item.Height, Width: item.Width})
	}
	if done && v.ErrCode == 0 {
		v.Message = "SUCCESS"
	}
	return v, nil
}

// imageSprite is the CreateImageSpriteTask2017 of a CreateImageSprite
// task (one sub-task).
func imageSprite(id string, in *proctask.Input, st *proctask.State) (*vodevent.CreateImageSpriteTask2017, error) {
	v := &vodevent.CreateImageSpriteTask2017{TaskId: id, FileId: in.FileId, ImageSpriteUrlSet: []string{}}
	if len(in.Task.ImageSpriteTaskSet) != 1 || len(st.Results) != 1 {
		return nil, fmt.Errorf("task %s: not one image sprite sub-task", id)
	}
	v.Definition = in.Task.ImageSpriteTaskSet[0].Definition
	r := &st.Results[0]
	v.ErrCode, v.Message = r.ErrCode, r.Message
	if r.Status != vodevent.SubTaskSuccess {
		return v, nil
	}
	var item vodevent.MediaImageSpriteItem
	if err := json.Unmarshal(r.Output, &item); err != nil {
		return nil, fmt.Errorf("task %s image sprite: %w", id, err)
	}
	v.Message, v.TotalCount, v.ImageSpriteUrlSet, v.WebVttUrl = "", item.TotalCount, item.ImageUrlSet, item.WebVttUrl
	return v, nil
}

// snapshots is the SnapshotByTimeOffsetTask2017 of a
// CreateSnapshotByTimeOffset task (one sub-task): one item per picture
// made, or, when the sub-task failed, one per offset asked with its
// ErrCode and no Url; none while it runs.
func snapshots(id string, in *proctask.Input, st *proctask.State) (*vodevent.SnapshotByTimeOffsetTask2017, error) {
	if len(in.Task.SnapshotByTimeOffsetTaskSet) != 1 || len(st.Results) != 1 {
		return nil, fmt.Errorf("task %s: not one snapshot sub-task", id)
	}
	sub := &in.Task.SnapshotByTimeOffsetTaskSet[0]
	v := &vodevent.SnapshotByTimeOffsetTask2017{TaskId: id, FileId: in.FileId, Definition: sub.Definition,
		SnapshotInfoSet: []vodevent.SnapshotByTimeOffset2017{}}
	r := &st.Results[0]
	switch r.Status {
	case vodevent.SubTaskSuccess:
		var item vodevent.MediaSnapshotByTimeOffsetItem
		if err := json.Unmarshal(r.Output, &item); err != nil {
			return nil, fmt.Errorf("task %s snapshots: %w", id, err)
		}
		for _, p := range item.PicInfoSet {
			v.SnapshotInfoSet = append(v.SnapshotInfoSet, vodevent.SnapshotByTimeOffset2017{TimeOffset: int64(math.Round(p.TimeOffset)), Url: p.Url})
		}
	case vodevent.SubTaskFail:
		var duration float64
		if st.MetaData != nil {
			duration = st.MetaData.Duration
		}
		for _, ms := range offsetsMs(sub, duration) {
			v.SnapshotInfoSet = append(v.SnapshotInfoSet, vodevent.SnapshotByTimeOffset2017{ErrCode: r.ErrCode, TimeOffset: int64(math.Round(ms))})
		}
	}
	return v, nil
}

// offsetsMs returns the offsets of a snapshot sub-task in milliseconds, in
// the order the engine takes them: the ExtTimeOffsetSet items (a
// percentage of a source of duration seconds), then the TimeOffsetSet
// ones. An item that does not parse counts as 0.
func offsetsMs(sub *vodevent.SnapshotByTimeOffsetTaskInput, duration float64) []float64 {
	var ms []float64
	for _, s := range sub.ExtTimeOffsetSet {
		v, percent, _ := templates.ParseExtTimeOffset(s)
		if percent {
			v = duration * v / 100
		}
		ms = append(ms, v*1000)
	}
	return append(ms, sub.TimeOffsetSet...)
}
