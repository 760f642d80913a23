package vodevent

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

// The fixtures of the 2017-style events carry the values of Tencent's
// published samples (processing-reference.md §6.3), so that the samples
// pin them too (TestTask2017Samples).

func transcodeComplete() *EventContent {
	const base = "http://125676836723.vod2.myqcloud.com/xxx/xxx/"
	return &EventContent{
		EventType: TypeTranscodeComplete,
		TranscodeCompleteEvent: &TranscodeTask2017{
			TaskId: "Transcode-f5ac8127b3b6b85cdc13f237c6005d8", ErrCode: 0, Message: "SUCCESS",
			FileId: "24961954183923290", FileName: "动物世界", Duration: 599,
			CoverUrl: "http://125676836723.vod2.myqcloud.com/0/xxx/640.jpg",
			PlayInfoSet: []TranscodePlayInfo2017{
				{Url: base + "f0.mp4", Definition: 0, Bitrate: 246000, Height: 480, Width: 640},
				{Url: base + "f10.mp4", Definition: 10, Bitrate: 149193, Height: 240, Width: 320},
				{Url: base + "f20.mp4", Definition: 20, Bitrate: 297656, Height: 480, Width: 640},
				{Url: base + "f30.mp4", Definition: 30, Bitrate: 899976, Height: 960, Width: 1280},
			},
		},
	}
}

// transcodeCompleteFailed is a ConvertVodFile of two Definitions whose
// second failed: the original and the first output, the failure's code.
func transcodeCompleteFailed() *EventContent {
	return &EventContent{
		EventType: TypeTranscodeComplete,
		TranscodeCompleteEvent: &TranscodeTask2017{
			TaskId: "convertVodFile-5e0c3d2a1b9f8e7d6c5", ErrCode: 60000,
			Message: "media 5285890784273533167 has no video stream", FileId: "5285890784273533167", FileName: "src", Duration: 4,
			PlayInfoSet: []TranscodePlayInfo2017{
				{Url: "http://127.0.0.1:8080/vod/1500000001/5285890784273533167/f0.mp4", Definition: 0, Bitrate: 190000, Height: 360, Width: 640},
				{Url: "http://127.0.0.1:8080/vod/1500000001/0a1b2c3d4e5f60718293a4b5c6d7e8f9/a1/0/v.f100010.mp4", Definition: 100010, Bitrate: 120000, Height: 180, Width: 320},
			},
		},
	}
}

func createImageSpriteComplete() *EventContent {
	const base = "http://125676836723.vod2.myqcloud.com/xxx/xxx/"
	return &EventContent{
		EventType: TypeCreateImageSpriteComplete,
		CreateImageSpriteCompleteEvent: &CreateImageSpriteTask2017{
			TaskId: "CreateImageSprite-1edb7eb88a599d05abe451cfc541cfbd", ErrCode: 0, Message: "",
			FileId: "14508071098244929440", Definition: 10, TotalCount: 106,
			ImageSpriteUrlSet: []string{base + "1.png", base + "2.png"}, WebVttUrl: base + "xxx.vtt",
		},
	}
}

func createImageSpritePull() *EventContent {
	e := createImageSpriteComplete()
	e.EventHandle = "EventHandle.N"
	return e
}

func snapshotByTimeOffsetComplete() *EventContent {
	const base = "http://125676836723.vod2.myqcloud.com/xxx/xxx/"
	return &EventContent{
		EventType: TypeCreateSnapshotByTimeOffsetComplete,
		SnapshotByTimeOffsetCompleteEvent: &SnapshotByTimeOffsetTask2017{
			TaskId: "CreateSnapshotByTimeOffset-1edb7eb88a599d05abe451cfc541cfbd", FileId: "14508071098244929440", Definition: 10,
			SnapshotInfoSet: []SnapshotByTimeOffset2017{
				{ErrCode: 0, TimeOffset: 10000, Url: base + "1.png"},
				{ErrCode: 0, TimeOffset: 20000, Url: base + "2.png"},
			},
		},
	}
}

func init() {
	goldenEvents = append(goldenEvents, []struct {
		name     string
		event    func() *EventContent
		wantKeys []string
	}{
		{"transcode_complete", transcodeComplete, seedKeys},
		{"transcode_complete_failed", transcodeCompleteFailed, seedKeys},
		{"create_image_sprite_complete", createImageSpriteComplete, seedKeys},
		{"create_image_sprite_complete_pull", createImageSpritePull, append([]string{"EventHandle"}, seedKeys...)},
		{"snapshot_by_time_offset_complete", snapshotByTimeOffsetComplete, seedKeys},
	}...)
}

// TestTask2017Samples checks the 2017-style events against Tencent's
// published samples: TranscodeComplete and
// CreateSnapshotByTimeOffsetComplete are ours byte for byte; the
// CreateImageSpriteComplete one (a PullEvents answer, its task's members
// in another order than the SDK's) decodes to our fixture.
func TestTask2017Samples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file  string
		event func() *EventContent
	}{
		{"tencent_transcode_complete.json", transcodeComplete},
		{"tencent_snapshot_by_time_offset_complete.json", snapshotByTimeOffsetComplete},
	} {
		sample := compactFile(t, tc.file)
		if got := wire(t, tc.event()); !bytes.Equal(got, sample) {
			t.Errorf("%s:\n got    %s\n sample %s", tc.file, got, sample)
		}
		var e EventContent
		if err := json.Unmarshal(sample, &e); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&e, tc.event()) {
			t.Errorf("%s decodes to %+v", tc.file, &e)
		}
	}
	var env struct {
		Response struct{ EventSet []*EventContent }
	}
	if err := json.Unmarshal(compactFile(t, "tencent_image_sprite_pull.json"), &env); err != nil {
		t.Fatal(err)
	}
	if len(env.Response.EventSet) != 1 || !reflect.DeepEqual(env.Response.EventSet[0], createImageSpritePull()) {
		t.Fatalf("the sample decodes to %+v", env.Response.EventSet)
	}
	if k := keys(t, wire(t, createImageSpritePull())); !slices.Equal(k[1:], seedKeys) {
		t.Fatalf("keys = %v", k)
	}
}

// TestDecodeTask2017TencentStyle decodes the 2017-style events as Tencent
// may send them, null keys left out, into their typed values.
func TestDecodeTask2017TencentStyle(t *testing.T) {
	t.Parallel()
	for _, want := range []*EventContent{transcodeComplete(), transcodeCompleteFailed(), createImageSpriteComplete(), snapshotByTimeOffsetComplete()} {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(wire(t, want), &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if string(v) == "null" {
				delete(m, k)
			}
		}
		body, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var got EventContent
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&got, want) {
			t.Errorf("%s decodes to %+v", body, &got)
		}
	}
}
