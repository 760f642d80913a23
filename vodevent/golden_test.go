package vodevent

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the fixtures")

// The seed's values, shared by the fixtures and the handler tests.
const (
	seedTaskId    = "clipVideo-0a78cf44c4285026a4c"
	seedSrcFileId = "16092504232103571364"
	seedFileId    = "14508071098244929440"
	seedFileUrl   = "http://125676836723.vod2.myqcloud.com/xxx/xxx/f0.mp4"
	testSignKey   = "abc123XYZ"
	testT         = 1700000600
)

// wire returns v as openvod writes it: compact JSON, HTML escaping off, no
// trailing newline.
func wire(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// compactFile returns the compacted JSON of testdata/name.
func compactFile(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return buf.Bytes()
}

// keys returns the keys of the JSON object b, in order.
func keys(t testing.TB, b []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	var out []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// seedKeys are the push body's keys of docs/wire.md §2, in order.
var seedKeys = []string{
	"EventType", "FileUploadEvent", "ProcedureStateChangeEvent", "FileDeleteEvent", "PullCompleteEvent",
	"EditMediaComplete", "WechatPublishComplete", "TranscodeCompleteEvent", "ConcatCompleteEvent",
	"ClipCompleteEvent", "CreateImageSpriteCompleteEvent", "SnapshotByTimeOffsetCompleteEvent",
}

func clipComplete() *EventContent {
	return &EventContent{
		EventType: TypeClipComplete,
		ClipCompleteEvent: &ClipTask2017{
			TaskId:    seedTaskId,
			SrcFileId: seedSrcFileId,
			FileInfo:  &ClipFileInfo2017{ErrCode: 0, Message: "", FileId: seedFileId, FileUrl: seedFileUrl, FileType: "mp4"},
		},
	}
}

func clipCompleteFailed() *EventContent {
	return &EventContent{
		EventType: TypeClipComplete,
		ClipCompleteEvent: &ClipTask2017{
			TaskId:    "clipVideo-3f0c2a9b81d4e6f7a05",
			SrcFileId: seedSrcFileId,
			FileInfo:  &ClipFileInfo2017{ErrCode: -43001, Message: "clip failed: no video sample in range"},
		},
	}
}

func clipCompleteSigned() *EventContent {
	e := clipComplete()
	e.Sign, e.T = CallbackSign(testSignKey, testT), testT
	return e
}

func clipCompletePull() *EventContent {
	e := clipComplete()
	e.EventHandle = "EventHandle.N"
	return e
}

func basicInfo() *MediaBasicInfo {
	return &MediaBasicInfo{
		Name:          "动物世界",
		Description:   "a <b>&</b> c",
		CreateTime:    "2019-01-09T16:36:22Z",
		UpdateTime:    "2019-01-09T16:36:24Z",
		ExpireTime:    "9999-12-31T23:59:59Z",
		ClassId:       0,
		ClassName:     "其他",
		ClassPath:     "其他",
		CoverUrl:      "",
		Type:          "mp4",
		MediaUrl:      "http://127.0.0.1:8080/vod/1500000001/5285890784273533167/f0.mp4?a=1&b=2",
		SourceInfo:    &MediaSourceData{SourceType: "Upload", SourceContext: "order=42&user=7"},
		StorageRegion: "local",
		StoragePath:   "/1500000001/5285890784273533167/f0.mp4",
		TagSet:        []string{},
		Vid:           "5285890784273533167",
		Category:      "Video",
		Status:        "Normal",
		StorageClass:  "STANDARD",
	}
}

func metaData() *MediaMetaData {
	return &MediaMetaData{
		Size:      7340032,
		Container: "mov,mp4,m4a,3gp,3g2,mj2",
		Bitrate:   1957341,
		Height:    720,
		Width:     1280,
		Duration:  30.5,
		Rotate:    0,
		VideoStreamSet: []MediaVideoStreamItem{{
			Bitrate: 1828000, Height: 720, Width: 1280, Codec: "h264", Fps: 25, CodecTag: "avc1",
			DynamicRangeInfo: &DynamicRangeInfo{Type: "SDR", HDRType: ""},
		}},
		AudioStreamSet: []MediaAudioStreamItem{{Bitrate: 128000, SamplingRate: 44100, Codec: "aac"}},
		VideoDuration:  30.5,
		AudioDuration:  30,
		Md5:            "",
	}
}

func newFileUpload() *EventContent {
	return &EventContent{
		EventType: TypeNewFileUpload,
		FileUploadEvent: &FileUploadTask{
			FileId:         "5285890784273533167",
			MediaBasicInfo: basicInfo(),
			MetaData:       metaData(),
		},
	}
}

func fileDeleted() *EventContent {
	return &EventContent{
		EventType: TypeFileDeleted,
		FileDeleteEvent: &FileDeleteTask{
			FileIdSet: []string{"5285890784273533167"},
			FileDeleteResultInfo: []FileDeleteResultItem{{
				FileId:      "5285890784273533167",
				DeleteParts: []MediaDeleteItem{},
			}},
		},
	}
}

// fileDeletedParts is the FileDeleted event of Tencent's published sample
// (cloud.tencent.com/document/product/266/13434): the transcodes of a file
// deleted with DeleteParts.
func fileDeletedParts() *EventContent {
	return &EventContent{
		EventType: TypeFileDeleted,
		FileDeleteEvent: &FileDeleteTask{
			FileIdSet: []string{"24961954183381008"},
			FileDeleteResultInfo: []FileDeleteResultItem{{
				FileId:      "24961954183381008",
				DeleteParts: []MediaDeleteItem{{Type: "TranscodeFiles", Definition: 0}},
			}},
		},
	}
}

func pullComplete() *EventContent {
	return &EventContent{
		EventType: TypePullComplete,
		PullCompleteEvent: &PullUploadTask{
			TaskId:         "1500000001-Pull-f5ac8127b3b6b85cdc13f237c6005d8a",
			Status:         "FINISH",
			ErrCode:        0,
			Message:        "SUCCESS",
			FileId:         "5285890784273533167",
			MediaBasicInfo: basicInfo(),
			MetaData:       metaData(),
			FileUrl:        "http://127.0.0.1:8080/vod/1500000001/5285890784273533167/f0.mp4?a=1&b=2",
			SessionContext: "job=7",
			SessionId:      "sess-1",
			Progress:       100,
		},
	}
}

func pullCompleteFailed() *EventContent {
	return &EventContent{
		EventType: TypePullComplete,
		PullCompleteEvent: &PullUploadTask{
			TaskId:   "1500000001-Pull-0b1c2d3e4f5a69788796a5b4c3d2e1f0",
			Status:   "FINISH",
			ErrCode:  60000,
			Message:  "source answered HTTP 404",
			Progress: 100,
		},
	}
}

func persistenceComplete() *EventContent {
	return &EventContent{
		EventType:                TypePersistenceComplete,
		PersistenceCompleteEvent: &PersistenceCompleteTask{FileId: "5285485487985271487", PersistenceSource: "SimpleHlsClip"},
	}
}

func persistenceCompleteFastEdit() *EventContent {
	return &EventContent{
		EventType:                TypePersistenceComplete,
		PersistenceCompleteEvent: &PersistenceCompleteTask{FileId: "5285485487985271488", PersistenceSource: "FastEditMedia"},
	}
}

// editMediaTask is a finished EditMedia joining two ranges of two files
// by stream copy, its task flow started.
func editMediaTask() *EditMediaTask {
	return &EditMediaTask{
		TaskId: "1500000001-EditMedia-f5ac8127b3b6b85cdc13f237c6005d8a", Status: "FINISH", ErrCode: 0, ErrCodeExt: "",
		Message: "SUCCESS", Progress: 100,
		Input: &EditMediaTaskInput{InputType: "File", FileInfoSet: []EditMediaFileInfo{
			{FileId: "5285890784273533167", StartTimeOffset: 1.5, EndTimeOffset: 10},
			{FileId: "5285890784273533168", StartTimeOffset: 0, EndTimeOffset: 0},
		}, StreamInfoSet: []EditMediaStreamInfo{}},
		Output: &EditMediaTaskOutput{FileType: "mp4", FileUrl: "http://127.0.0.1:8080/vod/1500000001/9a8b7c6d5e4f30211203f4e5d6c7b8a9/f0.a1.mp4",
			FileId: "5285890784273533170", MediaName: "a & b", ClassId: 0, ExpireTime: "9999-12-31T23:59:59Z"},
		MetaData:        metaData(),
		ProcedureTaskId: procTaskId, SessionId: "edit-1", SessionContext: "job=7&step=2",
		JoinMethod: JoinStreamCopy,
	}
}

func editMediaComplete() *EventContent {
	return &EventContent{EventType: TypeEditMediaComplete, EditMediaComplete: editMediaTask(), EditMediaCompleteEvent: editMediaTask()}
}

// editMediaFailed is an EditMedia whose source was deleted before it ran.
func editMediaFailed() *EventContent {
	task := func() *EditMediaTask {
		return &EditMediaTask{
			TaskId: "1500000001-EditMedia-0b1c2d3e4f5a69788796a5b4c3d2e1f0", Status: "FINISH", ErrCode: 60000,
			ErrCodeExt: "SourceFileError", Message: "FileInfos[1]: the source media cannot be read", Progress: 100,
			Input: &EditMediaTaskInput{InputType: "File", FileInfoSet: []EditMediaFileInfo{
				{FileId: "5285890784273533167"}, {FileId: "5285890784273533168"},
			}, StreamInfoSet: []EditMediaStreamInfo{}},
		}
	}
	return &EventContent{EventType: TypeEditMediaComplete, EditMediaComplete: task(), EditMediaCompleteEvent: task()}
}

func concatComplete() *EventContent {
	return &EventContent{EventType: TypeConcatComplete, ConcatCompleteEvent: &ConcatTask2017{
		TaskId: "concatVideo-1edb7eb88a599d05abe",
		FileInfoSet: []ConcatFileInfo2017{{ErrCode: 0, Message: "", FileId: "5285890784273533171",
			FileUrl: "http://127.0.0.1:8080/vod/1500000001/0a1b2c3d4e5f60718293a4b5c6d7e8f9/f0.a1.mp4", FileType: "mp4"}},
		JoinMethod: JoinReencode,
	}}
}

// goldenEvents pins each event's wire bytes in testdata/<name>.golden.json.
var goldenEvents = []struct {
	name     string
	event    func() *EventContent
	wantKeys []string
}{
	{"clip_complete", clipComplete, seedKeys},
	{"clip_complete_failed", clipCompleteFailed, seedKeys},
	{"clip_complete_signed", clipCompleteSigned, append(slices.Clone(seedKeys), "Sign", "T")},
	{"clip_complete_pull", clipCompletePull, append([]string{"EventHandle"}, seedKeys...)},
	{"new_file_upload", newFileUpload, seedKeys},
	{"file_deleted", fileDeleted, seedKeys},
	{"file_deleted_parts", fileDeletedParts, seedKeys},
	{"pull_complete", pullComplete, seedKeys},
	{"pull_complete_failed", pullCompleteFailed, seedKeys},
	{"persistence_complete", persistenceComplete, append(slices.Clone(seedKeys), "PersistenceCompleteEvent")},
	{"persistence_complete_fastedit", persistenceCompleteFastEdit, append(slices.Clone(seedKeys), "PersistenceCompleteEvent")},
	{"edit_media_complete", editMediaComplete, append(slices.Clone(seedKeys), "EditMediaCompleteEvent")},
	{"edit_media_complete_failed", editMediaFailed, append(slices.Clone(seedKeys), "EditMediaCompleteEvent")},
	{"concat_complete", concatComplete, seedKeys},
	{"procedure_state_changed", procedureFinished, seedKeys},
	{"procedure_state_changed_change", procedureChanged, seedKeys},
	{"procedure_state_changed_pull", procedurePull, append([]string{"EventHandle"}, seedKeys...)},
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenEvents {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := wire(t, tc.event())
			path := filepath.Join("testdata", tc.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, append(slices.Clone(got), '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./vodevent -update to create it)", err)
			}
			want = bytes.TrimSuffix(want, []byte("\n"))
			if !bytes.Equal(got, want) {
				t.Fatalf("marshal differs from %s\n got: %s\nwant: %s", path, got, want)
			}
			if k := keys(t, got); !slices.Equal(k, tc.wantKeys) {
				t.Errorf("keys = %v\nwant %v", k, tc.wantKeys)
			}

			// The golden bytes decode to the fixture and marshal back unchanged.
			var back EventContent
			if err := json.Unmarshal(want, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&back, tc.event()) {
				t.Errorf("decoded golden = %+v\nwant %+v", &back, tc.event())
			}
			if again := wire(t, &back); !bytes.Equal(again, want) {
				t.Errorf("re-marshalled = %s\nwant %s", again, want)
			}
		})
	}
}

// TestGoldenOnlyOwnEventNotNull checks that every event key but the event's
// own is null in each golden body.
func TestGoldenOnlyOwnEventNotNull(t *testing.T) {
	t.Parallel()
	own := map[string]string{
		TypeClipComplete: "ClipCompleteEvent", TypeNewFileUpload: "FileUploadEvent", TypeFileDeleted: "FileDeleteEvent",
		TypePullComplete: "PullCompleteEvent", TypePersistenceComplete: "PersistenceCompleteEvent",
		TypeProcedureStateChanged: "ProcedureStateChangeEvent", TypeTranscodeComplete: "TranscodeCompleteEvent",
		TypeCreateImageSpriteComplete: "CreateImageSpriteCompleteEvent", TypeCreateSnapshotByTimeOffsetComplete: "SnapshotByTimeOffsetCompleteEvent",
		TypeEditMediaComplete: "EditMediaComplete", TypeConcatComplete: "ConcatCompleteEvent",
	}
	for _, tc := range goldenEvents {
		e := tc.event()
		var m map[string]json.RawMessage
		if err := json.Unmarshal(wire(t, e), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range seedKeys[1:] {
			if isNull := string(m[k]) == "null"; isNull == (k == own[e.EventType]) {
				t.Errorf("%s: %s = %s", tc.name, k, m[k])
			}
		}
	}
}

// TestFileDeletedSample checks the FileDeleted event with DeleteParts
// against Tencent's published sample, which leaves out the null keys: its
// FileDeleteEvent is ours byte for byte, and it decodes to our fixture.
func TestFileDeletedSample(t *testing.T) {
	t.Parallel()
	sample := compactFile(t, "tencent_file_deleted.json")
	var e EventContent
	if err := json.Unmarshal(sample, &e); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&e, fileDeletedParts()) {
		t.Fatalf("decoded sample = %+v", &e)
	}
	var published, ours map[string]json.RawMessage
	json.Unmarshal(sample, &published)
	json.Unmarshal(wire(t, fileDeletedParts()), &ours)
	if !bytes.Equal(published["FileDeleteEvent"], ours["FileDeleteEvent"]) {
		t.Fatalf("FileDeleteEvent\n got  %s\nsample %s", ours["FileDeleteEvent"], published["FileDeleteEvent"])
	}
}

// TestSeedPush checks that ClipComplete with the seed's values marshals to
// the seed's push body, byte for byte after compaction.
func TestSeedPush(t *testing.T) {
	t.Parallel()
	seed := compactFile(t, "seed_push.json")
	got := wire(t, clipComplete())
	if k, want := keys(t, got), keys(t, seed); !slices.Equal(k, want) {
		t.Fatalf("keys = %v\nseed %v", k, want)
	}
	if !bytes.Equal(got, seed) {
		t.Fatalf("got  %s\nseed %s", got, seed)
	}
	var e EventContent
	if err := json.Unmarshal(seed, &e); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&e, clipComplete()) {
		t.Fatalf("decoded seed = %+v", &e)
	}
}

// TestSeedPull checks an EventSet item against the seed's reliable callback
// and the whole PullEvents answer as the server wraps it.
func TestSeedPull(t *testing.T) {
	t.Parallel()
	seed := compactFile(t, "seed_pull.json")
	var env struct {
		Response struct {
			EventSet  []json.RawMessage
			RequestId string
		}
	}
	if err := json.Unmarshal(seed, &env); err != nil {
		t.Fatal(err)
	}
	if len(env.Response.EventSet) != 1 {
		t.Fatalf("seed EventSet has %d items", len(env.Response.EventSet))
	}
	item := env.Response.EventSet[0]
	got := wire(t, clipCompletePull())
	if k, want := keys(t, got), keys(t, item); !slices.Equal(k, want) {
		t.Fatalf("keys = %v\nseed %v", k, want)
	}
	if !bytes.Equal(got, item) {
		t.Fatalf("got  %s\nseed %s", got, item)
	}

	type response struct {
		EventSet  []*EventContent `json:"EventSet"`
		RequestId string          `json:"RequestId"`
	}
	whole := wire(t, struct {
		Response response `json:"Response"`
	}{response{[]*EventContent{clipCompletePull()}, env.Response.RequestId}})
	if !bytes.Equal(whole, seed) {
		t.Fatalf("got  %s\nseed %s", whole, seed)
	}
}
