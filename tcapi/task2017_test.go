package tcapi

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/proctask"
)

// TestTask2017Errors: each bad 2017-style request gets its code and a
// message naming the request's own field, and stores no task.
func TestTask2017Errors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	insertProcessMedia(t, b)
	ctx := context.Background()
	other, err := b.st.AppCreate(ctx, "other", b.now)
	if err != nil {
		t.Fatal(err)
	}
	foreign := &openvod.Media{FileID: "5285890000000000201", SubAppID: other.ID, Name: "theirs", Type: "mp4", StorageKey: "1500000002/o/f0.mp4",
		Size: 1000, SourceType: "Upload", CreateTime: b.now, UpdateTime: b.now, ExpireTime: openvod.NeverExpire}
	if err := b.st.MediaInsert(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	on := func(fileID, fields string) string { return `{"FileId":"` + fileID + `",` + fields + `}` }
	v := func(fields string) string { return on(videoFileID, fields) }
	tests := []struct {
		name, action, body, code, message string
	}{
		{"ConvertNoFileId", "ConvertVodFile", `{"Definitions":[100010]}`, "MissingParameter", "FileId"},
		{"ConvertNoDefinitions", "ConvertVodFile", v(`"Definitions":[]`), "InvalidParameterValue.Definitions", "Definitions: give 1 to 50 transcode template Definitions, got 0"},
		{"ConvertMissingDefinitions", "ConvertVodFile", v(`"SessionId":"x"`), "MissingParameter", "Definitions"},
		{"ConvertUnknownFileId", "ConvertVodFile", on("5285890000000000999", `"Definitions":[100010]`),
			"InvalidParameterValue.FileId", `FileId: no media "5285890000000000999" in app 1500000001`},
		{"ConvertOtherAppsFileId", "ConvertVodFile", on(foreign.FileID, `"Definitions":[100010]`),
			"InvalidParameterValue.FileId", `FileId: no media "` + foreign.FileID + `" in app 1500000001`},
		{"ConvertUnknownDefinition", "ConvertVodFile", v(`"Definitions":[100010,99999]`),
			"InvalidParameterValue.Definitions", "Definitions[1]: this app has no Transcode template 99999"},
		{"ConvertUnknownFirst", "ConvertVodFile", v(`"Definitions":[777]`),
			"InvalidParameterValue.Definitions", "Definitions[0]: this app has no Transcode template 777"},
		{"ConvertTwice", "ConvertVodFile", v(`"Definitions":[100010,100020,100010]`),
			"InvalidParameterValue.Definitions", "Definitions[2]: 100010 is already Definitions[0]"},
		{"ConvertUnknownWatermark", "ConvertVodFile", v(`"Definitions":[100010],"WatermarkSet":[{"Definition":777}]`),
			"InvalidParameterValue", "WatermarkSet[0].Definition: this app has no watermark template 777"},
		{"ConvertAudioOnly", "ConvertVodFile", on(audioFileID, `"Definitions":[100010]`),
			"InvalidParameterValue", "Definitions[0]: media " + audioFileID + " has no video stream, and a transcode with video needs one"},
		{"ConvertUnreadable", "ConvertVodFile", on(unreadableFileID, `"Definitions":[100010]`),
			"UnsupportedOperation", "could not read this media's container"},
		{"ConvertPriority", "ConvertVodFile", v(`"Definitions":[100010],"TasksPriority":11`),
			"InvalidParameterValue", "TasksPriority: must be from -10 to 10, got 11"},
		{"ConvertSessionId", "ConvertVodFile", v(`"Definitions":[100010],"SessionId":"` + strings.Repeat("s", 51) + `"`),
			"InvalidParameterValue.SessionIdTooLong", "SessionId: at most 50 characters"},
		{"ConvertUnknownField", "ConvertVodFile", v(`"Definitions":[100010],"IsScreenshot":1`), "UnknownParameter", "IsScreenshot"},
		{"ConvertDefinitionsType", "ConvertVodFile", v(`"Definitions":"100010"`), "InvalidParameter", "Definitions"},

		{"SpriteNoDefinition", "CreateImageSprite", v(`"SessionContext":"x"`), "MissingParameter", "Definition"},
		{"SpriteUnknownFileId", "CreateImageSprite", on("5285890000000000999", `"Definition":10`), "InvalidParameterValue.FileId", "no media"},
		{"SpriteOtherAppsFileId", "CreateImageSprite", on(foreign.FileID, `"Definition":10`), "InvalidParameterValue.FileId", "no media"},
		{"SpriteUnknownDefinition", "CreateImageSprite", v(`"Definition":11`), "InvalidParameterValue.Definition", "Definition: this app has no ImageSprite template 11"},
		{"SpriteAudioOnly", "CreateImageSprite", on(audioFileID, `"Definition":10`),
			"InvalidParameterValue", "FileId: media " + audioFileID + " has no video stream, and an image sprite needs one"},

		{"SnapshotNoOffsets", "CreateSnapshotByTimeOffset", v(`"Definition":10`),
			"InvalidParameterValue", "TimeOffsetSet: give the snapshots' offsets"},
		{"SnapshotEmptyOffsets", "CreateSnapshotByTimeOffset", v(`"Definition":10,"TimeOffsetSet":[],"ExtTimeOffsetSet":[]`),
			"InvalidParameterValue", "TimeOffsetSet: give the snapshots' offsets"},
		{"SnapshotUnknownFileId", "CreateSnapshotByTimeOffset", on("5285890000000000999", `"Definition":10,"TimeOffsetSet":[0]`), "InvalidParameterValue.FileId", "no media"},
		{"SnapshotOtherAppsFileId", "CreateSnapshotByTimeOffset", on(foreign.FileID, `"Definition":10,"TimeOffsetSet":[0]`), "InvalidParameterValue.FileId", "no media"},
		{"SnapshotUnknownDefinition", "CreateSnapshotByTimeOffset", v(`"Definition":100010,"TimeOffsetSet":[0]`),
			"InvalidParameterValue.Definition", "Definition: this app has no SnapshotByTimeOffset template 100010"},
		{"SnapshotBadExt", "CreateSnapshotByTimeOffset", v(`"Definition":10,"ExtTimeOffsetSet":["1s","2m"]`),
			"InvalidParameterValue", `ExtTimeOffsetSet[1]: "2m" is neither seconds ("3.5s") nor a percentage up to 100 ("10%")`},
		{"SnapshotPercentOver", "CreateSnapshotByTimeOffset", v(`"Definition":10,"ExtTimeOffsetSet":["101%"]`),
			"InvalidParameterValue", `ExtTimeOffsetSet[0]: "101%" is neither`},
		{"SnapshotNegative", "CreateSnapshotByTimeOffset", v(`"Definition":10,"TimeOffsetSet":[1000,-1]`),
			"InvalidParameterValue", "TimeOffsetSet[1]: -1 is not a number of milliseconds from the start"},
		{"SnapshotAfterEnd", "CreateSnapshotByTimeOffset", v(`"Definition":10,"TimeOffsetSet":[1000,3001]`),
			"InvalidParameterValue", "TimeOffsetSet[1]: 3001 ms is after the end of media " + videoFileID + ", which lasts 3 s"},
		{"SnapshotExtAfterEnd", "CreateSnapshotByTimeOffset", v(`"Definition":10,"ExtTimeOffsetSet":["3.5s"]`),
			"InvalidParameterValue", "ExtTimeOffsetSet[0]: 3.5s is after the end of media " + videoFileID},
		{"SnapshotOffsetType", "CreateSnapshotByTimeOffset", v(`"Definition":10,"TimeOffsetSet":["1s"]`), "InvalidParameter", "TimeOffsetSet"},
		{"SnapshotAudioOnly", "CreateSnapshotByTimeOffset", on(audioFileID, `"Definition":10,"TimeOffsetSet":[0]`),
			"InvalidParameterValue", "FileId: media " + audioFileID + " has no video stream, and a snapshot needs one"},
		{"SnapshotWatermark", "CreateSnapshotByTimeOffset", v(`"Definition":10,"TimeOffsetSet":[0],"WatermarkSet":[{"Definition":777}]`),
			"InvalidParameterValue", "WatermarkSet[0].Definition: this app has no watermark template 777"},
	}
	for _, tt := range tests {
		_, body := b.do(t, tt.action, tt.body, nil)
		code, msg := errorOf(t, body)
		if code != tt.code || !strings.Contains(msg, tt.message) {
			t.Errorf("%s: %s %q, want %s with %q", tt.name, code, msg, tt.code, tt.message)
		}
		if strings.Contains(msg, "MediaProcessTask") {
			t.Errorf("%s: %q names a field the request does not have", tt.name, msg)
		}
		if n := taskCount(t, b.st); n != 0 {
			t.Fatalf("%s: %d tasks stored, want none", tt.name, n)
		}
	}
}

// TestTask2017Accepted: each action stores one WAITING task flow of its
// type and TaskId form, holding the one kind of sub-task asked for with
// its templates; DescribeTaskDetail shows it under its TaskType's member
// (all the others null); a repeat of a SessionId gets the same TaskId.
func TestTask2017Accepted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	insertProcessMedia(t, b)
	ctx := context.Background()
	for _, tc := range []struct {
		action, body string
		typ          openvod.TaskType
		id           *regexp.Regexp
		member, want string // DescribeTaskDetail's member and its JSON
		check        func(t *testing.T, in *proctask.Input)
	}{
		{"ConvertVodFile", `{"FileId":"` + videoFileID + `","Definitions":[100020,100010],"TasksPriority":3,"SessionContext":"c","SessionId":"s1"}`,
			openvod.TaskTranscode, regexp.MustCompile(`^convertVodFile-[0-9a-f]{19}$`), "TranscodeTask",
			`{"TaskId":"%s","ErrCode":0,"Message":"","FileId":"` + videoFileID + `","FileName":"","Duration":0,"CoverUrl":"","PlayInfoSet":[]}`,
			func(t *testing.T, in *proctask.Input) {
				if got := in.Task.TranscodeTaskSet; len(got) != 2 || got[0].Definition != 100020 || got[1].Definition != 100010 ||
					len(in.Templates.Transcodes) != 2 || in.Templates.Transcodes[0].Definition != 100020 || in.TasksPriority != 3 {
					t.Fatalf("input %+v", in)
				}
			}},
		{"CreateImageSprite", `{"FileId":"` + videoFileID + `","Definition":10,"SessionId":"s1"}`,
			openvod.TaskImageSprite, regexp.MustCompile(`^createImageSprite-[0-9a-f]{19}$`), "CreateImageSpriteTask",
			`{"TaskId":"%s","ErrCode":0,"Message":"","FileId":"` + videoFileID + `","Definition":10,"TotalCount":0,"ImageSpriteUrlSet":[],"WebVttUrl":""}`,
			func(t *testing.T, in *proctask.Input) {
				if len(in.Task.ImageSpriteTaskSet) != 1 || len(in.Templates.ImageSprites) != 1 || in.Templates.ImageSprites[0].SampleInterval != 10 {
					t.Fatalf("input %+v", in)
				}
			}},
		{"CreateSnapshotByTimeOffset", `{"FileId":"` + videoFileID + `","Definition":10,"TimeOffsetSet":[500,2999],"ExtTimeOffsetSet":["50%","1.5s"],"SessionId":"s1"}`,
			openvod.TaskSnapshotByTimeOffset, regexp.MustCompile(`^createSnapshotByTimeOffset-[0-9a-f]{19}$`), "SnapshotByTimeOffsetTask",
			`{"TaskId":"%s","FileId":"` + videoFileID + `","Definition":10,"SnapshotInfoSet":[]}`,
			func(t *testing.T, in *proctask.Input) {
				s := in.Task.SnapshotByTimeOffsetTaskSet
				if len(s) != 1 || !slices.Equal(s[0].TimeOffsetSet, []float64{500, 2999}) || !slices.Equal(s[0].ExtTimeOffsetSet, []string{"50%", "1.5s"}) {
					t.Fatalf("input %+v", in)
				}
			}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			var out struct{ TaskId string }
			if err := b.client.Call(ctx, tc.action, json.RawMessage(tc.body), &out); err != nil {
				t.Fatal(err)
			}
			if !tc.id.MatchString(out.TaskId) {
				t.Fatalf("TaskId %q, want %s", out.TaskId, tc.id)
			}
			stored, err := b.st.TaskGet(ctx, openvod.DefaultSubAppID, out.TaskId)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Type != tc.typ || stored.Status != openvod.TaskWaiting || stored.SessionID != "s1" || !strings.HasSuffix(stored.OutputKey, "/") {
				t.Fatalf("stored task %+v", stored)
			}
			in, err := proctask.ReadInput(stored)
			if err != nil {
				t.Fatal(err)
			}
			if in.FileId != videoFileID || in.SrcStorageKey != "1500000001/v/f0.mp4" || in.TasksNotifyMode != proctask.NotifyFinish {
				t.Fatalf("input %+v", in)
			}
			tc.check(t, in)

			var detail map[string]json.RawMessage
			if err := b.client.Call(ctx, "DescribeTaskDetail", map[string]string{"TaskId": out.TaskId}, &detail); err != nil {
				t.Fatal(err)
			}
			if got := string(detail["TaskType"]); got != `"`+string(tc.typ)+`"` {
				t.Fatalf("TaskType %s, want %q", got, tc.typ)
			}
			if got, want := string(detail[tc.member]), strings.Replace(tc.want, "%s", out.TaskId, 1); got != want {
				t.Fatalf("%s =\n%s\nwant\n%s", tc.member, got, want)
			}
			for _, k := range taskDetailKeys[5:] {
				if k != tc.member && string(detail[k]) != "null" {
					t.Errorf("%s = %s, want null", k, detail[k])
				}
			}

			var again struct{ TaskId string }
			if err := b.client.Call(ctx, tc.action, json.RawMessage(tc.body), &again); err != nil {
				t.Fatal(err)
			}
			if again.TaskId != out.TaskId {
				t.Fatalf("repeated SessionId: TaskId %q, want %q", again.TaskId, out.TaskId)
			}
		})
	}
	if n := taskCount(t, b.st); n != 3 {
		t.Fatalf("%d tasks, want 3 (one per action; a SessionId is per task type)", n)
	}
}
