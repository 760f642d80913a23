package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// TestClipWorkerPersistence: a persistence task (SimpleHlsClip's) makes
// its clip under the FileId reserved at acceptance and finishes with
// NewFileUpload and PersistenceComplete, not ClipComplete; with the
// switch off only NewFileUpload; a failed one emits nothing.
func TestClipWorkerPersistence(t *testing.T) {
	b := newClipBundle(t, 0)
	ctx := context.Background()
	types := func(after int64) ([]string, []*openvod.Event) {
		t.Helper()
		events, err := b.st.EventList(ctx, &store.EventListParams{SubAppID: openvod.DefaultSubAppID, AfterSeq: after, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.Type)
		}
		return got, events
	}
	setSwitch := func(on bool) {
		t.Helper()
		if err := b.st.EventConfigPut(ctx, &openvod.EventConfig{SubAppID: openvod.DefaultSubAppID, Mode: openvod.EventModePull,
			UploadMediaComplete: true, PersistenceComplete: on, UpdateTime: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	persist := cliptask.Input{Start: 1.2, End: 2.5, Precision: cliptask.Fast, HideLeadIn: true,
		PersistenceSource: "SimpleHlsClip", FileId: "5285890000000000777"}

	setSwitch(true)
	_, out := b.clip(t, "bf2_gop1s.mp4", persist)
	if fi := out.Task.FileInfo; fi.ErrCode != 0 || fi.FileId != persist.FileId {
		t.Fatalf("clip %+v, want FileId %s", fi, persist.FileId)
	}
	if _, err := b.st.MediaGet(ctx, openvod.DefaultSubAppID, persist.FileId); err != nil {
		t.Fatalf("the reserved FileId: %v", err)
	}
	got, events := types(0)
	if len(got) != 2 || got[0] != vodevent.TypePersistenceComplete || got[1] != vodevent.TypeNewFileUpload {
		t.Fatalf("events %v, want PersistenceComplete and NewFileUpload", got)
	}
	var body vodevent.EventContent
	if err := json.Unmarshal(events[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if pc := body.PersistenceCompleteEvent; pc == nil || pc.FileId != persist.FileId || pc.PersistenceSource != "SimpleHlsClip" {
		t.Errorf("PersistenceCompleteEvent %+v in %s", pc, events[0].Body)
	}
	last := events[1].Seq

	setSwitch(false)
	persist.FileId = "5285890000000000778"
	b.clip(t, "bf2_gop1s.mp4", persist)
	if got, events = types(last); len(got) != 1 || got[0] != vodevent.TypeNewFileUpload {
		t.Fatalf("events with the switch off %v, want NewFileUpload", got)
	}
	last = events[0].Seq

	setSwitch(true)
	failed := persist
	failed.Start, failed.End, failed.FileId = 100, 101, "5285890000000000779"
	if _, out := b.clip(t, "bf2_gop1s.mp4", failed); out.Task.FileInfo.ErrCode == 0 {
		t.Fatalf("a clip past the end: %+v", out.Task.FileInfo)
	}
	if got, _ := types(last); len(got) != 0 {
		t.Errorf("events of a failed persistence %v, want none", got)
	}
}
