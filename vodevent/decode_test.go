package vodevent

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecodeTencentStyle decodes bodies as Tencent Cloud may send them:
// null keys omitted, SDK key names, keys this package does not know.
func TestDecodeTencentStyle(t *testing.T) {
	t.Parallel()
	const clip = `{"TaskId":"clipVideo-0a78cf44c4285026a4c","SrcFileId":"16092504232103571364","FileInfo":{"ErrCode":0,"Message":"","FileId":"14508071098244929440","FileUrl":"http://125676836723.vod2.myqcloud.com/xxx/xxx/f0.mp4","FileType":"mp4"}}`
	withEdit := func(taskID string) *EventContent {
		return &EventContent{EventType: "EditMediaComplete", EditMediaComplete: &EditMediaTask{TaskId: taskID},
			EditMediaCompleteEvent: &EditMediaTask{TaskId: taskID}}
	}
	withWechat := func(raw string) *EventContent {
		return &EventContent{EventType: "WechatPublishComplete", WechatPublishComplete: json.RawMessage(raw)}
	}
	for _, tc := range []struct {
		name, body string
		want       *EventContent
	}{
		{"OmittedNulls", `{"EventType":"ClipComplete","ClipCompleteEvent":` + clip + `}`, clipComplete()},
		{"Indented", "{\n  \"EventType\": \"ClipComplete\",\n  \"ClipCompleteEvent\": " + clip + "\n}", clipComplete()},
		{"UnknownKeys", `{"EventType":"ClipComplete","SplitMediaCompleteEvent":{"TaskId":"x"},"Extra":[1,2],"ClipCompleteEvent":` + clip + `,"AigcVideoCompleteEvent":null}`, clipComplete()},
		{"SignedPull", `{"EventHandle":"h1","EventType":"ClipComplete","ClipCompleteEvent":` + clip + `,"Sign":"abc","T":1700000600}`,
			func() *EventContent {
				e := clipComplete()
				e.EventHandle, e.Sign, e.T = "h1", "abc", 1700000600
				return e
			}()},
		{"EditMediaSDKName", `{"EventType":"EditMediaComplete","EditMediaCompleteEvent":{"TaskId":"t1"}}`, withEdit("t1")},
		{"EditMediaSeedName", `{"EventType":"EditMediaComplete","EditMediaComplete":{"TaskId":"t1"}}`, withEdit("t1")},
		{"EditMediaSeedNullSDKSet", `{"EventType":"EditMediaComplete","EditMediaComplete":null,"EditMediaCompleteEvent":{"TaskId":"t1"}}`, withEdit("t1")},
		{"EditMediaSDKNullSeedSet", `{"EventType":"EditMediaComplete","EditMediaCompleteEvent":null,"EditMediaComplete":{"TaskId":"t1"}}`, withEdit("t1")},
		{"EditMediaBothSeedWins", `{"EventType":"EditMediaComplete","EditMediaCompleteEvent":{"TaskId":"sdk"},"EditMediaComplete":{"TaskId":"seed"}}`, withEdit("seed")},
		{"WechatSDKName", `{"EventType":"WechatPublishComplete","WechatPublishCompleteEvent":{"TaskId":"w1"}}`, withWechat(`{"TaskId":"w1"}`)},
		{"WechatSeedName", `{"EventType":"WechatPublishComplete","WechatPublishComplete":{"TaskId":"w1"},"WechatPublishCompleteEvent":null}`, withWechat(`{"TaskId":"w1"}`)},
		{"AllNull", `{"EventType":"ClipComplete","ClipCompleteEvent":null,"ProcedureStateChangeEvent":null,"EditMediaComplete":null,"EditMediaCompleteEvent":null,"WechatPublishComplete":null,"WechatPublishCompleteEvent":null,"TranscodeCompleteEvent":null,"ConcatCompleteEvent":null,"CreateImageSpriteCompleteEvent":null,"SnapshotByTimeOffsetCompleteEvent":null,"PersistenceCompleteEvent":null}`,
			&EventContent{EventType: TypeClipComplete}},
		{"ConcatTyped", `{"EventType":"ConcatComplete","ConcatCompleteEvent":{"TaskId":"p1","FileInfoSet":[]}}`,
			&EventContent{EventType: TypeConcatComplete, ConcatCompleteEvent: &ConcatTask2017{TaskId: "p1", FileInfoSet: []ConcatFileInfo2017{}}}},
		{"TranscodeTyped", `{"EventType":"TranscodeComplete","TranscodeCompleteEvent":{"TaskId":"p1","ErrCode":0,"PlayInfoSet":[{"Definition":10}]}}`,
			&EventContent{EventType: TypeTranscodeComplete, TranscodeCompleteEvent: &TranscodeTask2017{TaskId: "p1", PlayInfoSet: []TranscodePlayInfo2017{{Definition: 10}}}}},
		{"ProcedureOmittedKeys", `{"EventType":"ProcedureStateChanged","ProcedureStateChangeEvent":{"TaskId":"p1","Status":"FINISH","MediaProcessResultSet":[{"Type":"Transcode","TranscodeTask":{"Status":"SUCCESS","Input":{"Definition":20}}}]}}`,
			&EventContent{EventType: TypeProcedureStateChanged, ProcedureStateChangeEvent: &ProcedureTask{TaskId: "p1", Status: "FINISH",
				MediaProcessResultSet: []MediaProcessTaskResult{{Type: ResultTranscode, TranscodeTask: &MediaProcessTaskResultOf[TranscodeTaskInput, MediaTranscodeItem]{
					Status: SubTaskSuccess, Input: &TranscodeTaskInput{Definition: 20}}}}}}},
		{"ProcedureNull", `{"EventType":"ClipComplete","ProcedureStateChangeEvent":null}`, &EventContent{EventType: TypeClipComplete}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got EventContent
			if err := json.Unmarshal([]byte(tc.body), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", &got, tc.want)
			}
		})
	}
}

// TestDecodeThenMarshalIsOpenvodShape checks that a Tencent-style body,
// once decoded, marshals to openvod's shape.
func TestDecodeThenMarshalIsOpenvodShape(t *testing.T) {
	t.Parallel()
	var e EventContent
	body := `{"EventType":"ClipComplete","ClipCompleteEvent":{"TaskId":"clipVideo-0a78cf44c4285026a4c","SrcFileId":"16092504232103571364","FileInfo":{"ErrCode":0,"Message":"","FileId":"14508071098244929440","FileUrl":"http://125676836723.vod2.myqcloud.com/xxx/xxx/f0.mp4","FileType":"mp4"}}}`
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatal(err)
	}
	if got, want := wire(t, &e), compactFile(t, "clip_complete.golden.json"); !bytes.Equal(got, want) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestDecodeReplacesAndNull(t *testing.T) {
	t.Parallel()
	e := clipCompleteSigned()
	if err := json.Unmarshal([]byte(`{"EventType":"FileDeleted"}`), e); err != nil {
		t.Fatal(err)
	}
	if want := (&EventContent{EventType: TypeFileDeleted}); !reflect.DeepEqual(e, want) {
		t.Fatalf("after decoding into a used value: %+v", e)
	}
	e = clipComplete()
	if err := json.Unmarshal([]byte(`null`), e); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(e, clipComplete()) {
		t.Fatalf("null changed the value: %+v", e)
	}
	var set []*EventContent
	if err := json.Unmarshal([]byte(`[null,{"EventType":"ClipComplete"}]`), &set); err != nil {
		t.Fatal(err)
	}
	if len(set) != 2 || set[0] != nil || set[1].EventType != TypeClipComplete {
		t.Fatalf("set = %+v", set)
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"EventType":`,
		`[]`,
		`{"EventType":"ClipComplete","T":"1700000600"}`,
		`{"EventType":"ClipComplete","ClipCompleteEvent":"x"}`,
	} {
		var e EventContent
		if err := json.Unmarshal([]byte(body), &e); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}
