package openvod

import (
	"encoding/json"
	"fmt"
)

// DecodeTask returns t's Input decoded as I and its Output as O (nil
// until the task has one): the view of a task whose worker stores both as
// JSON.
func DecodeTask[I, O any](t *Task) (*I, *O, error) {
	var in I
	if err := json.Unmarshal(t.Input, &in); err != nil {
		return nil, nil, fmt.Errorf("task %s input: %w", t.ID, err)
	}
	if len(t.Output) == 0 {
		return &in, nil, nil
	}
	var out O
	if err := json.Unmarshal(t.Output, &out); err != nil {
		return nil, nil, fmt.Errorf("task %s output: %w", t.ID, err)
	}
	return &in, &out, nil
}
