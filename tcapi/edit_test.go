package tcapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/edittask"
	"github.com/openvod/openvod/media"
)

// editSource stores a fixture as media of app, its metadata read as an
// upload's is.
func editSource(t *testing.T, b *testBundle, appID int64, fixture, fileID string) *openvod.Media {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile("../clip/testdata/" + fixture)
	if err != nil {
		t.Fatal(err)
	}
	key := media.NewStorageKey(appID, "mp4")
	if _, err := b.blobs.Put(ctx, key, bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	svc := &media.Service{Store: b.st, Blobs: b.blobs}
	m, err := svc.NewMedia(ctx, media.NewMediaParams{FileID: fileID, SubAppID: appID, Name: fixture, Type: "mp4", StorageKey: key,
		SourceType: "Upload", ExpireTime: openvod.NeverExpire, Now: b.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.st.MediaInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestEditErrors: every refusal of EditMedia, FastEditMedia and
// ConcatVideo has its Tencent code and names the field, and none makes a
// task.
func TestEditErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := editSource(t, b, openvod.DefaultSubAppID, "bf2_gop1s.mp4", "5285890000000000301")
	small := editSource(t, b, openvod.DefaultSubAppID, "bf0_gop8s.mp4", "5285890000000000302")
	audio := editSource(t, b, openvod.DefaultSubAppID, "aac_only.m4a", "5285890000000000303")
	other, err := b.st.AppCreate(context.Background(), "other", b.now)
	if err != nil {
		t.Fatal(err)
	}
	foreign := editSource(t, b, other.ID, "bf2_gop1s.mp4", "5285890000000000304")
	files := func(infos ...string) string { return "[" + strings.Join(infos, ",") + "]" }
	file := func(id string, start, end float64) string {
		return fmt.Sprintf(`{"FileId":"%s","StartTimeOffset":%g,"EndTimeOffset":%g}`, id, start, end)
	}
	fast := func(id string, start, end float64) string {
		return fmt.Sprintf(`{"FileId":"%s","AudioVideoType":"Original","StartTimeOffset":%g,"EndTimeOffset":%g}`, id, start, end)
	}
	many := make([]string, edittask.MaxPieces+1)
	for i := range many {
		many[i] = file(a.FileID, 0, 1)
	}
	for _, tc := range []struct {
		name, action, body, code, mention string
	}{
		{"UnknownFileId", "EditMedia", `{"InputType":"File","FileInfos":` + files(file(a.FileID, 0, 1), file("5285890000000009999", 0, 1)) + `}`,
			"ResourceNotFound.FileNotExist", "FileInfos[1].FileId"},
		{"OtherAppsFileId", "EditMedia", `{"InputType":"File","FileInfos":` + files(file(foreign.FileID, 0, 1)) + `}`,
			"ResourceNotFound.FileNotExist", "FileInfos[0].FileId"},
		{"ConcatUnknown", "ConcatVideo", `{"FileInfos":` + files(file(foreign.FileID, 0, 1)) + `}`, "ResourceNotFound.FileNotExist", "FileInfos[0].FileId"},
		{"FastUnknown", "FastEditMedia", `{"FileInfos":` + files(fast(foreign.FileID, 0, 1)) + `}`, "InvalidParameterValue", "FileInfos[0].FileId"},
		{"EmptyRange", "EditMedia", `{"InputType":"File","FileInfos":` + files(file(a.FileID, 2, 2)) + `}`, "InvalidParameterValue", "FileInfos[0].EndTimeOffset"},
		{"InvertedRange", "ConcatVideo", `{"FileInfos":` + files(file(a.FileID, 0, 1), file(a.FileID, 3, 1)) + `}`, "InvalidParameterValue", "FileInfos[1].EndTimeOffset"},
		{"StartPastEnd", "FastEditMedia", `{"FileInfos":` + files(fast(a.FileID, 7, 0)) + `}`, "InvalidParameterValue", "FileInfos[0].StartTimeOffset"},
		{"EndPastEnd", "EditMedia", `{"InputType":"File","FileInfos":` + files(file(a.FileID, 1, 6.5)) + `}`, "InvalidParameterValue", "FileInfos[0].EndTimeOffset"},
		{"TooManyPieces", "EditMedia", `{"InputType":"File","FileInfos":` + files(many...) + `}`, "InvalidParameterValue", "at most 100"},
		{"NoPieces", "EditMedia", `{"InputType":"File","FileInfos":[]}`, "MissingParameter", "FileInfos"},
		{"Stream", "EditMedia", `{"InputType":"Stream","StreamInfos":[{"StreamId":"s1","StartTime":"2026-01-01T00:00:00Z","EndTime":"2026-01-01T00:01:00Z"}]}`,
			"UnsupportedOperation", "InputType"},
		{"BadInputType", "EditMedia", `{"InputType":"Files"}`, "InvalidParameterValue.InputType", "InputType"},
		{"BadDefinition", "EditMedia", `{"InputType":"File","Definition":30,"FileInfos":` + files(file(a.FileID, 0, 1)) + `}`, "InvalidParameterValue.Definition", "Definition"},
		{"HLSOutput", "EditMedia", `{"InputType":"File","OutputConfig":{"Type":"hls"},"FileInfos":` + files(file(a.FileID, 0, 1)) + `}`, "UnsupportedOperation", "OutputConfig.Type"},
		{"TEHD", "EditMedia", `{"InputType":"File","OutputConfig":{"TEHDConfig":{"Type":"TEHD-100"}},"FileInfos":` + files(file(a.FileID, 0, 1)) + `}`, "UnsupportedOperation", "OutputConfig.TEHDConfig"},
		{"AV1", "EditMedia", `{"InputType":"File","OutputConfig":{"VideoStream":{"Codec":"av1"}},"FileInfos":` + files(file(a.FileID, 0, 1)) + `}`, "UnsupportedOperation", "OutputConfig.VideoStream.Codec"},
		{"SmallWidth", "EditMedia", `{"InputType":"File","OutputConfig":{"VideoStream":{"Width":100}},"FileInfos":` + files(file(a.FileID, 0, 1)) + `}`, "InvalidParameterValue", "OutputConfig.VideoStream.Width"},
		{"PastExpire", "EditMedia", `{"InputType":"File","OutputConfig":{"ExpireTime":"2020-01-01T00:00:00Z"},"FileInfos":` + files(file(a.FileID, 0, 1)) + `}`, "InvalidParameterValue.ExpireTime", "OutputConfig.ExpireTime"},
		{"ClassId", "EditMedia", `{"InputType":"File","OutputConfig":{"ClassId":3},"FileInfos":` + files(file(a.FileID, 0, 1)) + `}`, "InvalidParameterValue.ClassId", "ClassId"},
		{"UnknownProcedure", "EditMedia", `{"InputType":"File","ProcedureName":"nope","FileInfos":` + files(file(a.FileID, 0, 1)) + `}`, "InvalidParameterValue.ProcedureName", "nope"},
		{"VideoAndAudioOnly", "EditMedia", `{"InputType":"File","FileInfos":` + files(file(a.FileID, 0, 1), file(audio.FileID, 0, 1)) + `}`, "InvalidParameterValue", "FileInfos[1].FileId"},
		{"ConcatHLS", "ConcatVideo", `{"Type":"m3u8","FileInfos":` + files(file(a.FileID, 0, 1)) + `}`, "UnsupportedOperation", "Type"},
		{"FastTranscode", "FastEditMedia", `{"FileInfos":[{"FileId":"` + a.FileID + `","AudioVideoType":"Transcode","TranscodeDefinition":100010}]}`,
			"InvalidParameterValue", "FileInfos[0].AudioVideoType"},
		{"FastTranscodeDefinition", "FastEditMedia", `{"FileInfos":[{"FileId":"` + a.FileID + `","AudioVideoType":"Original","TranscodeDefinition":100010}]}`,
			"InvalidParameterValue", "FileInfos[0].TranscodeDefinition"},
		{"FastClipMode", "FastEditMedia", `{"ClipMode":"Exact","FileInfos":` + files(fast(a.FileID, 0, 1)) + `}`, "InvalidParameterValue.ClipMode", "ClipMode"},
		{"FastMismatch", "FastEditMedia", `{"FileInfos":` + files(fast(a.FileID, 0, 1), fast(small.FileID, 0, 1)) + `}`, "InvalidParameterValue", "video size 160x120 differs from 320x240"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, body := b.do(t, tc.action, tc.body, nil)
			if code := errorCode(t, body); code != tc.code || !strings.Contains(string(body), tc.mention) {
				t.Fatalf("%s: %s, want %s naming %q", tc.action, body, tc.code, tc.mention)
			}
		})
	}
	counts, err := b.st.TaskCountByStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for s, n := range counts {
		if n != 0 {
			t.Errorf("%d tasks %s, want none", n, s)
		}
	}
}

// TestEditAccepted: each action answers its TaskId form, a SessionId
// answers the task it named, and DescribeTaskDetail shows the waiting
// task with the request's ranges; FastEditMedia answers a reserved FileId
// and the playlist URL by FileId.
func TestEditAccepted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := editSource(t, b, openvod.DefaultSubAppID, "bf2_gop1s.mp4", "5285890000000000311")
	c := editSource(t, b, openvod.DefaultSubAppID, "bf2_gop1s_b.mp4", "5285890000000000312")
	answer := func(action, body string, v any) {
		t.Helper()
		_, raw := b.do(t, action, body, nil)
		if code := errorCode(t, raw); code != "" {
			t.Fatalf("%s: %s", action, raw)
		}
		var env struct{ Response json.RawMessage }
		json.Unmarshal(raw, &env)
		if err := json.Unmarshal(env.Response, v); err != nil {
			t.Fatal(err)
		}
	}
	edit := `{"InputType":"File","SessionId":"s1","SessionContext":"c1","TasksPriority":3,"OutputConfig":{"MediaName":"joined","Type":"mp4"},"FileInfos":[` +
		`{"FileId":"` + a.FileID + `","StartTimeOffset":1,"EndTimeOffset":2},{"FileId":"` + c.FileID + `","StartTimeOffset":-2}]}`
	var r1, r2 struct{ TaskId string }
	answer("EditMedia", edit, &r1)
	answer("EditMedia", edit, &r2)
	if !strings.HasPrefix(r1.TaskId, "1500000001-EditMedia-") || len(r1.TaskId) != len("1500000001-EditMedia-")+32 || r2.TaskId != r1.TaskId {
		t.Fatalf("TaskIds %q, %q", r1.TaskId, r2.TaskId)
	}
	var detail struct {
		TaskType      string
		Status        string
		EditMediaTask struct {
			TaskId, Status, SessionId, SessionContext string
			Input                                     struct{ FileInfoSet []struct{ FileId string } }
			Output                                    json.RawMessage
		}
	}
	answer("DescribeTaskDetail", `{"TaskId":"`+r1.TaskId+`"}`, &detail)
	et := detail.EditMediaTask
	if detail.TaskType != "EditMedia" || detail.Status != "WAITING" || et.TaskId != r1.TaskId || et.SessionContext != "c1" ||
		len(et.Input.FileInfoSet) != 2 || et.Input.FileInfoSet[1].FileId != c.FileID || string(et.Output) != "null" {
		t.Fatalf("DescribeTaskDetail %+v", detail)
	}
	task, err := b.st.TaskGet(context.Background(), openvod.DefaultSubAppID, r1.TaskId)
	if err != nil {
		t.Fatal(err)
	}
	in, _, err := edittask.View(task)
	if err != nil {
		t.Fatal(err)
	}
	if task.Priority != 3 || in.Pieces[1].Start != 4 || in.Pieces[1].End != 6 || in.MediaName != "joined" || in.Definition != 10 {
		t.Errorf("stored task: priority %d, %+v", task.Priority, in)
	}

	var concat struct{ TaskId string }
	answer("ConcatVideo", `{"FileInfos":[{"FileId":"`+a.FileID+`"},{"FileId":"`+c.FileID+`"}]}`, &concat)
	if !strings.HasPrefix(concat.TaskId, "concatVideo-") || len(concat.TaskId) != len("concatVideo-")+19 {
		t.Fatalf("ConcatVideo TaskId %q", concat.TaskId)
	}
	var cd struct {
		TaskType   string
		ConcatTask struct {
			TaskId      string
			FileInfoSet []any
		}
	}
	answer("DescribeTaskDetail", `{"TaskId":"`+concat.TaskId+`"}`, &cd)
	if cd.TaskType != "Concat" || cd.ConcatTask.TaskId != concat.TaskId || cd.ConcatTask.FileInfoSet == nil {
		t.Fatalf("ConcatVideo detail %+v", cd)
	}

	var fast struct{ FileId, Url, TaskId string }
	answer("FastEditMedia", `{"ClipMode":"StartInclusiveEndExclusive","FileInfos":[{"FileId":"`+a.FileID+`","AudioVideoType":"Original","StartTimeOffset":1,"EndTimeOffset":2},{"FileId":"`+c.FileID+`","AudioVideoType":"Original"}]}`, &fast)
	if len(fast.FileId) != 19 || fast.Url != "http://vod.test/hls/1500000001/"+fast.FileId+"/master.m3u8" || !strings.HasPrefix(fast.TaskId, "1500000001-persistence-") {
		t.Fatalf("FastEditMedia %+v", fast)
	}
}
