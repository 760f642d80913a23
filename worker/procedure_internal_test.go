package worker

import (
	"reflect"
	"testing"

	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/vodevent"
)

// TestFlowSteps: the transcodes of one resolved range are one step (in
// the order of their first pending one), every other sub-task is a step of its own,
// and sub-tasks done are left out.
func TestFlowSteps(t *testing.T) {
	in := &proctask.Input{Task: vodevent.MediaProcessTaskInput{
		TranscodeTaskSet: []vodevent.TranscodeTaskInput{
			{Definition: 1, StartTimeOffset: 0, EndTimeOffset: 10}, // the whole 10 s
			{Definition: 2, StartTimeOffset: 1, EndTimeOffset: 3},
			{Definition: 3}, // the whole source
			{Definition: 4, StartTimeOffset: -9, EndTimeOffset: -7}, // 1 s to 3 s
			{Definition: 5, StartTimeOffset: 2},
		},
		CoverBySnapshotTaskSet:          []vodevent.CoverBySnapshotTaskInput{{Definition: 10}},
		AdaptiveDynamicStreamingTaskSet: []vodevent.AdaptiveDynamicStreamingTaskInput{{Definition: 10}, {Definition: 20}},
	}}
	st := &proctask.State{Results: make([]proctask.Result, 8)}
	f := &flow{in: in, st: st, subs: proctask.SubTasks(in)}
	if got, want := f.steps(10), [][]int{{0, 2}, {1, 3}, {4}, {5}, {6}, {7}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("steps = %v, want %v", got, want)
	}
	st.Results[0].Status, st.Results[6].Status = vodevent.SubTaskSuccess, vodevent.SubTaskFail
	if got, want := f.steps(10), [][]int{{1, 3}, {2}, {4}, {5}, {7}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("steps with 0 and 6 done = %v, want %v", got, want)
	}
}
