package openvod

import "testing"

func TestDecodeTask(t *testing.T) {
	type in struct{ A int }
	type out struct{ B string }
	task := &Task{ID: "t1", Input: []byte(`{"A":7}`)}
	i, o, err := DecodeTask[in, out](task)
	if err != nil || i.A != 7 || o != nil {
		t.Fatalf("no output: %+v %+v %v", i, o, err)
	}
	task.Output = []byte(`{"B":"done"}`)
	if i, o, err = DecodeTask[in, out](task); err != nil || i.A != 7 || o == nil || o.B != "done" {
		t.Fatalf("with output: %+v %+v %v", i, o, err)
	}
	task.Output = []byte(`{"B":1}`)
	if _, _, err := DecodeTask[in, out](task); err == nil || err.Error()[:14] != "task t1 output" {
		t.Fatalf("bad output: %v", err)
	}
	task.Input = []byte(`[`)
	if _, _, err := DecodeTask[in, out](task); err == nil || err.Error()[:13] != "task t1 input" {
		t.Fatalf("bad input: %v", err)
	}
}
