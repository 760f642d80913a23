package tcapi

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/proctask"
	"github.com/openvod/openvod/pulltask"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
	"github.com/openvod/openvod/vodevent"
)

var procedureTaskIDRE = regexp.MustCompile(`^1500000001-procedurev2-[0-9a-f]{32}$`)

// Media of processMedia tests: 3 s with video and audio, 3 s of audio
// only, and one whose container could not be read.
const (
	videoFileID      = "5285890000000000101"
	audioFileID      = "5285890000000000102"
	unreadableFileID = "5285890000000000103"
)

// insertProcessMedia stores the three media records (no bytes: requests
// read only the records).
func insertProcessMedia(t *testing.T, b *testBundle) {
	t.Helper()
	meta := func(video bool) []byte {
		md := vodevent.MediaMetaData{Size: 1000, Container: "mov,mp4,m4a,3gp,3g2,mj2", Duration: 3, AudioDuration: 3,
			AudioStreamSet: []vodevent.MediaAudioStreamItem{{Bitrate: 48000, SamplingRate: 48000, Codec: "aac"}}}
		if video {
			md.Width, md.Height, md.VideoDuration = 320, 240, 3
			md.VideoStreamSet = []vodevent.MediaVideoStreamItem{{Bitrate: 200000, Width: 320, Height: 240, Codec: "h264", Fps: 30}}
		}
		out, err := json.Marshal(md)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, m := range []*openvod.Media{
		{FileID: videoFileID, Name: "video", StorageKey: "1500000001/v/f0.mp4", MetaData: meta(true)},
		{FileID: audioFileID, Name: "audio", StorageKey: "1500000001/a/f0.m4a", MetaData: meta(false)},
		{FileID: unreadableFileID, Name: "bad", StorageKey: "1500000001/b/f0.mp4", MetaError: "moov box not found"},
	} {
		m.SubAppID, m.Type, m.Size, m.SourceType = openvod.DefaultSubAppID, "mp4", 1000, "Upload"
		m.CreateTime, m.UpdateTime, m.ExpireTime = b.now, b.now, openvod.NeverExpire
		if err := b.st.MediaInsert(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

// taskCount returns the number of tasks stored, in any state.
func taskCount(t *testing.T, st store.Store) int64 {
	t.Helper()
	counts, err := st.TaskCountByStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range counts {
		n += c
	}
	return n
}

// mustJSON returns v in JSON.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// errorOf returns the code and message of an error answer.
func errorOf(t *testing.T, body []byte) (code, message string) {
	t.Helper()
	var env struct {
		Response struct {
			Error struct{ Code, Message string }
		}
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("answer is not JSON: %s", body)
	}
	return env.Response.Error.Code, env.Response.Error.Message
}

// TestProcessErrors: each bad request gets its code and a message naming
// what to fix, and stores no task (nor an upload session).
func TestProcessErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	insertProcessMedia(t, b)
	const transcode = `"MediaProcessTask":{"TranscodeTaskSet":[{"Definition":100010}]}`
	pm := func(fields string) string { return `{"FileId":"` + videoFileID + `",` + fields + `}` }
	tests := []struct {
		name, action, body, code, message string
	}{
		{"FileIdAndPath", "ProcessMedia", `{"FileId":"` + videoFileID + `","MediaStoragePath":"/a.mp4",` + transcode + `}`,
			"InvalidParameter", "give FileId or MediaStoragePath, not both"},
		{"NoFileId", "ProcessMedia", `{` + transcode + `}`, "InvalidParameter", "give the FileId"},
		{"MediaStoragePath", "ProcessMedia", `{"MediaStoragePath":"/a.mp4",` + transcode + `}`,
			"UnsupportedOperation", "MediaStoragePath: openvod has no FileID+Path mode"},
		{"AiContentReview", "ProcessMedia", pm(`"AiContentReviewTask":{"Definition":10}`),
			"InvalidParameterValue.AiContentReviewTaskDefinition", "AiContentReviewTask: openvod has no AI"},
		{"AiAnalysis", "ProcessMedia", pm(`"AiAnalysisTask":{"Definition":10}`),
			"InvalidParameterValue.AiAnalysisTaskDefinition", "AiAnalysisTask: openvod has no AI"},
		{"AiRecognition", "ProcessMedia", pm(`"AiRecognitionTask":{}`),
			"InvalidParameterValue.AiRecognitionTaskDefinition", "AiRecognitionTask: openvod has no AI"},
		{"Url", "ProcessMedia", `{"Url":"http://src.test/a.mp4",` + transcode + `}`,
			"UnsupportedOperation", "Url: openvod does not pull and process"},
		{"IndependentMedia", "ProcessMedia", pm(transcode + `,"OutputAsIndependentMedia":"ON"`),
			"UnsupportedOperation", "OutputAsIndependentMedia: openvod keeps the outputs"},
		{"IndependentMediaValue", "ProcessMedia", pm(transcode + `,"OutputAsIndependentMedia":"on"`),
			"InvalidParameterValue", `OutputAsIndependentMedia: must be ON or OFF, got "on"`},
		{"PriorityHigh", "ProcessMedia", pm(transcode + `,"TasksPriority":11`),
			"InvalidParameterValue", "TasksPriority: must be from -10 to 10, got 11"},
		{"PriorityLow", "ProcessMediaByProcedure", `{"ProcedureName":"LongVideoPreset","FileId":"` + videoFileID + `","TasksPriority":-11}`,
			"InvalidParameterValue", "TasksPriority: must be from -10 to 10, got -11"},
		{"NotifyMode", "ProcessMedia", pm(transcode + `,"TasksNotifyMode":"Always"`),
			"InvalidParameterValue", `TasksNotifyMode: must be Finish, Change or None, got "Always"`},
		{"SessionContext", "ProcessMedia", pm(transcode + `,"SessionContext":"` + strings.Repeat("é", 1001) + `"`),
			"InvalidParameterValue.SessionContextTooLong", "SessionContext: at most 1000 characters are allowed, got 1001"},
		{"SessionId", "ProcessMediaByProcedure", `{"ProcedureName":"LongVideoPreset","FileId":"` + videoFileID + `","SessionId":"` + strings.Repeat("s", 51) + `"}`,
			"InvalidParameterValue.SessionIdTooLong", "SessionId: at most 50 characters are allowed, got 51"},
		{"UnknownFileId", "ProcessMedia", `{"FileId":"5285890000000000999",` + transcode + `}`,
			"InvalidParameterValue.FileId", `FileId: no media "5285890000000000999" in app 1500000001`},
		{"UnknownFileIdByProcedure", "ProcessMediaByProcedure", `{"ProcedureName":"LongVideoPreset","FileId":"5285890000000000999"}`,
			"InvalidParameterValue.FileId", `FileId: no media "5285890000000000999"`},
		{"NoSubTask", "ProcessMedia", pm(`"MediaProcessTask":{}`), "InvalidParameterValue", "MediaProcessTask: give at least one sub-task"},
		{"NoTask", "ProcessMedia", pm(`"TasksPriority":1`), "InvalidParameterValue", "MediaProcessTask: give at least one sub-task"},
		{"UnknownDefinition", "ProcessMedia", pm(`"MediaProcessTask":{"TranscodeTaskSet":[{"Definition":100010},{"Definition":99999}]}`),
			"InvalidParameterValue", "MediaProcessTask.TranscodeTaskSet[1].Definition"},
		{"UnreadableMedia", "ProcessMedia", `{"FileId":"` + unreadableFileID + `",` + transcode + `}`,
			"UnsupportedOperation", "could not read this media's container (moov box not found)"},
		{"TranscodeStartAfterEnd", "ProcessMedia", pm(`"MediaProcessTask":{"TranscodeTaskSet":[{"Definition":100010,"StartTimeOffset":3}]}`),
			"InvalidParameterValue", "MediaProcessTask.TranscodeTaskSet[0].StartTimeOffset: 3 s is not before the end of media " + videoFileID + ", which lasts 3 s"},
		{"TranscodeStartBeforeStart", "ProcessMedia", pm(`"MediaProcessTask":{"TranscodeTaskSet":[{"Definition":100010,"StartTimeOffset":-4}]}`),
			"InvalidParameterValue", "MediaProcessTask.TranscodeTaskSet[0].StartTimeOffset: -4 s from the end is before the start"},
		{"TranscodeEnd", "ProcessMedia", pm(`"MediaProcessTask":{"TranscodeTaskSet":[{"Definition":100010,"StartTimeOffset":1,"EndTimeOffset":3.5}]}`),
			"InvalidParameterValue", "MediaProcessTask.TranscodeTaskSet[0].EndTimeOffset: 3.5 s is after the end"},
		{"TranscodeEmpty", "ProcessMedia", pm(`"MediaProcessTask":{"TranscodeTaskSet":[{"Definition":100010,"StartTimeOffset":2,"EndTimeOffset":-1.5}]}`),
			"InvalidParameterValue", "MediaProcessTask.TranscodeTaskSet[0].EndTimeOffset: -1.5 resolves to 1.5 s, not after the start at 2 s"},
		{"AnimatedEnd", "ProcessMedia", pm(`"MediaProcessTask":{"AnimatedGraphicTaskSet":[{"Definition":20000,"StartTimeOffset":1,"EndTimeOffset":4}]}`),
			"InvalidParameterValue", "MediaProcessTask.AnimatedGraphicTaskSet[0].EndTimeOffset: 4 s is after the end"},
		{"SnapshotSeconds", "ProcessMedia", pm(`"MediaProcessTask":{"SnapshotByTimeOffsetTaskSet":[{"Definition":10,"ExtTimeOffsetSet":["50%","3.5s"]}]}`),
			"InvalidParameterValue", `MediaProcessTask.SnapshotByTimeOffsetTaskSet[0].ExtTimeOffsetSet[1]: 3.5s is after the end of media ` + videoFileID + `, which lasts 3 s`},
		{"SnapshotMilliseconds", "ProcessMedia", pm(`"MediaProcessTask":{"SnapshotByTimeOffsetTaskSet":[{"Definition":10,"TimeOffsetSet":[1000,3001]}]}`),
			"InvalidParameterValue", "MediaProcessTask.SnapshotByTimeOffsetTaskSet[0].TimeOffsetSet[1]: 3001 ms is after the end"},
		{"CoverTime", "ProcessMedia", pm(`"MediaProcessTask":{"CoverBySnapshotTaskSet":[{"Definition":10,"PositionType":"Time","PositionValue":4}]}`),
			"InvalidParameterValue", "MediaProcessTask.CoverBySnapshotTaskSet[0].PositionValue: 4 s is after the end"},
		{"AudioOnlyTranscode", "ProcessMedia", `{"FileId":"` + audioFileID + `",` + transcode + `}`,
			"InvalidParameterValue", "MediaProcessTask.TranscodeTaskSet[0]: media " + audioFileID + " has no video stream, and a transcode with video needs one"},
		{"AudioOnlySprite", "ProcessMedia", `{"FileId":"` + audioFileID + `","MediaProcessTask":{"ImageSpriteTaskSet":[{"Definition":10}]}}`,
			"InvalidParameterValue", "MediaProcessTask.ImageSpriteTaskSet[0]: media " + audioFileID + " has no video stream"},
		{"AudioOnlyProcedure", "ProcessMediaByProcedure", `{"ProcedureName":"LongVideoPreset","FileId":"` + audioFileID + `"}`,
			"InvalidParameterValue", "media " + audioFileID + " has no video stream"},
		{"NoProcedureName", "ProcessMediaByProcedure", `{"FileId":"` + videoFileID + `"}`, "MissingParameter", "ProcedureName"},
		{"UnknownProcedure", "ProcessMediaByProcedure", `{"ProcedureName":"NoSuchFlow","FileId":"` + videoFileID + `"}`,
			"InvalidParameterValue.ProcedureName", "NoSuchFlow"},
		{"ApplyUploadProcedure", "ApplyUpload", `{"MediaType":"mp4","Procedure":"NoSuchFlow"}`, "InvalidParameterValue.ProcedureName", "NoSuchFlow"},
		{"PullUploadProcedure", "PullUpload", `{"MediaUrl":"http://src.test/a.mp4","Procedure":"NoSuchFlow"}`, "InvalidParameterValue.ProcedureName", "NoSuchFlow"},
		{"PullUploadPriority", "PullUpload", `{"MediaUrl":"http://src.test/a.mp4","Procedure":"LongVideoPreset","TasksPriority":20}`,
			"InvalidParameterValue", "TasksPriority: must be from -10 to 10, got 20"},
		{"ClipVideoProcedure", "ClipVideo", `{"FileId":"` + videoFileID + `","EndTimeOffset":1,"Procedure":"NoSuchFlow"}`, "InvalidParameterValue.ProcedureName", "NoSuchFlow"},
	}
	for _, tt := range tests {
		_, body := b.do(t, tt.action, tt.body, nil)
		code, msg := errorOf(t, body)
		if code != tt.code || !strings.Contains(msg, tt.message) {
			t.Errorf("%s: %s %q, want %s with %q", tt.name, code, msg, tt.code, tt.message)
		}
		if n := taskCount(t, b.st); n != 0 {
			t.Fatalf("%s: %d tasks stored, want none", tt.name, n)
		}
	}
	sessions, err := b.st.UploadSessionListStale(context.Background(), b.now.Add(100*365*24*time.Hour), 10)
	if err != nil || len(sessions) != 0 {
		t.Fatalf("upload sessions after a refused ApplyUpload: %v, %v; want none", sessions, err)
	}
}

// TestProcessMedia: an accepted ProcessMedia stores one WAITING Procedure
// task whose input is the request's, with the templates resolved and the
// media named; a repeat of its SessionId gets its TaskId.
func TestProcessMedia(t *testing.T) {
	t.Parallel()
	b := setup(t)
	insertProcessMedia(t, b)
	task := `{"TranscodeTaskSet":[{"Definition":100010,"StartTimeOffset":-2}],` +
		`"AnimatedGraphicTaskSet":[{"Definition":20000,"StartTimeOffset":0,"EndTimeOffset":3}],` +
		`"SnapshotByTimeOffsetTaskSet":[{"Definition":10,"ExtTimeOffsetSet":["3s","100%"],"TimeOffsetSet":[3000]}],` +
		`"CoverBySnapshotTaskSet":[{"Definition":10,"PositionType":"Percent","PositionValue":100}]}`
	body := `{"FileId":"` + videoFileID + `","MediaProcessTask":` + task + `,"TasksPriority":-10,"TasksNotifyMode":"Change",` +
		`"SessionContext":"ctx","SessionId":"once","ExtInfo":"x","OutputAsIndependentMedia":"OFF"}`
	var out struct{ TaskId string }
	if err := b.client.Call(context.Background(), "ProcessMedia", json.RawMessage(body), &out); err != nil {
		t.Fatal(err)
	}
	if !procedureTaskIDRE.MatchString(out.TaskId) {
		t.Fatalf("TaskId %q, want %s", out.TaskId, procedureTaskIDRE)
	}
	stored, err := b.st.TaskGet(context.Background(), openvod.DefaultSubAppID, out.TaskId)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Type != openvod.TaskProcedure || stored.Status != openvod.TaskWaiting || stored.SessionID != "once" {
		t.Fatalf("stored task %+v", stored)
	}
	in, err := proctask.ReadInput(stored)
	if err != nil {
		t.Fatal(err)
	}
	var want vodevent.MediaProcessTaskInput
	if err := json.Unmarshal([]byte(task), &want); err != nil {
		t.Fatal(err)
	}
	if in.FileId != videoFileID || in.SrcStorageKey != "1500000001/v/f0.mp4" || in.ProcedureName != "" ||
		in.TasksPriority != -10 || in.TasksNotifyMode != "Change" || in.SessionContext != "ctx" || in.SessionId != "once" {
		t.Fatalf("input %+v", in)
	}
	if got, want := mustJSON(t, in.Task), mustJSON(t, want); got != want {
		t.Fatalf("input task\n%s\nwant\n%s", got, want)
	}
	r := in.Templates
	if len(r.Transcodes) != 1 || r.Transcodes[0].Definition != 100010 || len(r.AnimatedGraphics) != 1 || r.AnimatedGraphics[0].Definition != 20000 ||
		len(r.Snapshots) != 1 || r.Snapshots[0].Definition != 10 || len(r.Covers) != 1 || r.Covers[0].Definition != 10 {
		t.Fatalf("templates %+v", r)
	}

	// The same SessionId, even with another request: the first task.
	var again struct{ TaskId string }
	if err := b.client.Call(context.Background(), "ProcessMediaByProcedure",
		json.RawMessage(`{"ProcedureName":"LongVideoPreset","FileId":"`+videoFileID+`","SessionId":"once"}`), &again); err != nil {
		t.Fatal(err)
	}
	if again.TaskId != out.TaskId || taskCount(t, b.st) != 1 {
		t.Fatalf("repeated SessionId: TaskId %q and %d tasks, want %q and 1", again.TaskId, taskCount(t, b.st), out.TaskId)
	}
}

// TestProcessMediaByProcedure: the answer has the SDK's members in order,
// and the task runs the procedure's sub-tasks with its templates.
func TestProcessMediaByProcedure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	insertProcessMedia(t, b)
	_, body := b.do(t, "ProcessMediaByProcedure", `{"ProcedureName":"LongVideoPreset","FileId":"`+videoFileID+`","TasksPriority":5}`, nil)
	re := regexp.MustCompile(`^\{"Response":\{"TaskId":"(1500000001-procedurev2-[0-9a-f]{32})","ReviewAudioVideoTaskId":"","ImportMediaKnowledgeTaskIdSet":\[\],"RequestId":"[0-9a-f-]{36}"\}\}$`)
	m := re.FindSubmatch(body)
	if m == nil {
		t.Fatalf("answer %s, want %s", body, re)
	}
	stored, err := b.st.TaskGet(context.Background(), openvod.DefaultSubAppID, string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	in, err := proctask.ReadInput(stored)
	if err != nil {
		t.Fatal(err)
	}
	task := in.Task
	if in.ProcedureName != "LongVideoPreset" || in.FileId != videoFileID || in.TasksPriority != 5 || in.TasksNotifyMode != proctask.NotifyFinish ||
		len(task.AdaptiveDynamicStreamingTaskSet) != 1 || task.AdaptiveDynamicStreamingTaskSet[0].Definition != 10 ||
		len(task.ImageSpriteTaskSet) != 1 || len(task.CoverBySnapshotTaskSet) != 1 || subTasks(&task) != 3 {
		t.Fatalf("input %+v", in)
	}
	if len(in.Templates.Adaptive) != 1 || in.Templates.Adaptive[0].Definition != 10 || len(in.Templates.Adaptive[0].StreamInfos) == 0 ||
		len(in.Templates.ImageSprites) != 1 || len(in.Templates.Covers) != 1 {
		t.Fatalf("templates %+v", in.Templates)
	}
}

// TestProcessMediaSessionIdConcurrent sends 20 ProcessMedia requests with
// one SessionId at once, on each database: one task, one TaskId.
func TestProcessMediaSessionIdConcurrent(t *testing.T) {
	t.Parallel()
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		b := setupStore(t, st)
		insertProcessMedia(t, b)
		const requests = 20
		body := `{"FileId":"` + videoFileID + `","MediaProcessTask":{"TranscodeTaskSet":[{"Definition":100010}]},"SessionId":"retry-me"}`
		ids := concurrentTaskIDs(t, b, "ProcessMedia", body, requests)
		for i, id := range ids {
			if id != ids[0] || !procedureTaskIDRE.MatchString(id) {
				t.Errorf("request %d got TaskId %q, request 0 got %q", i, id, ids[0])
			}
		}
		if n := taskCount(t, st); n != 1 {
			t.Fatalf("%d tasks stored, want 1", n)
		}
	})
}

// TestCommitUploadProcedure: ApplyUpload with a Procedure, then
// CommitUpload twice: the first commit stores the media, one Procedure
// task on it and a NewFileUpload naming the task, in one transaction; the
// second is refused and adds nothing.
func TestCommitUploadProcedure(t *testing.T) {
	t.Parallel()
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		b := setupStore(t, st)
		ctx := context.Background()
		if err := st.EventConfigPut(ctx, &openvod.EventConfig{SubAppID: openvod.DefaultSubAppID, Mode: openvod.EventModePull, UploadMediaComplete: true, UpdateTime: b.now}); err != nil {
			t.Fatal(err)
		}
		var apply struct{ VodSessionKey string }
		if err := b.client.Call(ctx, "ApplyUpload", json.RawMessage(`{"MediaType":"mp4","Procedure":"LongVideoPreset","SessionContext":"up"}`), &apply); err != nil {
			t.Fatal(err)
		}
		sess, err := st.UploadSessionGet(ctx, apply.VodSessionKey)
		if err != nil || sess.Procedure != "LongVideoPreset" {
			t.Fatalf("session %+v, %v: want Procedure LongVideoPreset", sess, err)
		}
		src, err := os.ReadFile("../mp4/testdata/h264_aac_faststart.mp4")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.blobs.Put(ctx, sess.StorageKey, bytes.NewReader(src), 0); err != nil {
			t.Fatal(err)
		}
		if err := st.UploadSessionClaim(ctx, sess.SessionKey, "put", b.now, b.now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := st.UploadSessionSetUploaded(ctx, sess.SessionKey, "put", int64(len(src))); err != nil {
			t.Fatal(err)
		}
		var commit struct{ FileId string }
		if err := b.client.Call(ctx, "CommitUpload", json.RawMessage(`{"VodSessionKey":"`+sess.SessionKey+`"}`), &commit); err != nil {
			t.Fatal(err)
		}
		_, again := b.do(t, "CommitUpload", `{"VodSessionKey":"`+sess.SessionKey+`"}`, nil)
		if code := errorCode(t, again); code != "InvalidParameterValue.VodSessionKey" {
			t.Fatalf("second CommitUpload: %s", again)
		}
		if n := taskCount(t, st); n != 1 {
			t.Fatalf("%d tasks after two commits, want 1", n)
		}
		events, err := st.EventList(ctx, &store.EventListParams{SubAppID: openvod.DefaultSubAppID, Limit: 10})
		if err != nil || len(events) != 1 {
			t.Fatalf("events %v, %v; want one NewFileUpload", events, err)
		}
		var ev vodevent.EventContent
		if err := json.Unmarshal(events[0].Body, &ev); err != nil {
			t.Fatal(err)
		}
		up := ev.FileUploadEvent
		if ev.EventType != vodevent.TypeNewFileUpload || up == nil || up.FileId != commit.FileId || !procedureTaskIDRE.MatchString(up.ProcedureTaskId) {
			t.Fatalf("event %s", events[0].Body)
		}
		task, err := st.TaskGet(ctx, openvod.DefaultSubAppID, up.ProcedureTaskId)
		if err != nil {
			t.Fatal(err)
		}
		in, err := proctask.ReadInput(task)
		if err != nil {
			t.Fatal(err)
		}
		m, err := st.MediaGet(ctx, openvod.DefaultSubAppID, commit.FileId)
		if err != nil {
			t.Fatal(err)
		}
		if task.Status != openvod.TaskWaiting || in.FileId != commit.FileId || in.SrcStorageKey != m.StorageKey ||
			in.ProcedureName != "LongVideoPreset" || in.SessionContext != "up" || subTasks(&in.Task) != 3 || len(in.Templates.Adaptive) != 1 {
			t.Fatalf("task %+v, input %+v", task, in)
		}
	})
}

// TestPullAndClipProcedure: PullUpload and ClipVideo store the task flow
// they name, resolved, in their task's input, with the request's
// SessionContext (and PullUpload's TasksPriority), for their worker to
// start on the new media.
func TestPullAndClipProcedure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	src, err := os.ReadFile("../clip/testdata/bf2_gop1s.mp4")
	if err != nil {
		t.Fatal(err)
	}
	key := "1500000001/src/f0.mp4"
	if _, err := b.blobs.Put(ctx, key, bytes.NewReader(src), 0); err != nil {
		t.Fatal(err)
	}
	m := &openvod.Media{FileID: "5285890000000000201", SubAppID: openvod.DefaultSubAppID, Name: "src", Type: "mp4",
		StorageKey: key, Size: int64(len(src)), SourceType: "Upload", CreateTime: b.now, UpdateTime: b.now}
	if err := b.st.MediaInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	var pull, clip struct{ TaskId string }
	if err := b.client.Call(ctx, "PullUpload", json.RawMessage(`{"MediaUrl":"http://src.test/a.mp4","Procedure":"LongVideoPreset","TasksPriority":4,"SessionContext":"p"}`), &pull); err != nil {
		t.Fatal(err)
	}
	if err := b.client.Call(ctx, "ClipVideo", json.RawMessage(`{"FileId":"`+m.FileID+`","EndTimeOffset":1,"Procedure":"LongVideoPreset","TasksPriority":3,"SessionContext":"c"}`), &clip); err != nil {
		t.Fatal(err)
	}
	pt, err := b.st.TaskGet(ctx, openvod.DefaultSubAppID, pull.TaskId)
	if err != nil {
		t.Fatal(err)
	}
	var pin pulltask.Input
	if err := json.Unmarshal(pt.Input, &pin); err != nil {
		t.Fatal(err)
	}
	ct, err := b.st.TaskGet(ctx, openvod.DefaultSubAppID, clip.TaskId)
	if err != nil {
		t.Fatal(err)
	}
	cin, _, err := cliptask.View(ct)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name           string
		in             *proctask.Input
		priority       int64
		sessionContext string
	}{{"PullUpload", pin.Procedure, 4, "p"}, {"ClipVideo", cin.Procedure, 3, "c"}} {
		in := c.in
		if in == nil || in.ProcedureName != "LongVideoPreset" || in.FileId != "" || in.TasksPriority != c.priority ||
			in.SessionContext != c.sessionContext || subTasks(&in.Task) != 3 || len(in.Templates.Adaptive) != 1 || len(in.Templates.ImageSprites) != 1 {
			t.Errorf("%s: stored flow %+v", c.name, in)
		}
	}
	if pt.Priority != 4 || ct.Priority != 3 {
		t.Errorf("priorities: pull %d, clip %d; want their TasksPriority 4 and 3", pt.Priority, ct.Priority)
	}
	if _, body := b.do(t, "ClipVideo", `{"FileId":"`+m.FileID+`","EndTimeOffset":1,"TasksPriority":11}`, nil); errorCode(t, body) != openvod.CodeInvalidParameterValue {
		t.Errorf("ClipVideo with TasksPriority 11: %s, want InvalidParameterValue", body)
	}
	if n := taskCount(t, b.st); n != 2 {
		t.Fatalf("%d tasks, want the pull and the clip only", n)
	}
}

// TestProcessForeignTemplates: another app's template or procedure is
// unknown to this one.
func TestProcessForeignTemplates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	insertProcessMedia(t, b)
	ctx := context.Background()
	other, err := b.st.AppCreate(ctx, "other", b.now)
	if err != nil {
		t.Fatal(err)
	}
	sub := `"SubAppId":` + strconv.FormatInt(other.ID, 10)
	var created struct{ Definition int64 }
	if err := b.client.Call(ctx, "CreateSnapshotByTimeOffsetTemplate", json.RawMessage(`{`+sub+`,"Format":"png"}`), &created); err != nil {
		t.Fatal(err)
	}
	if err := b.client.Call(ctx, "CreateProcedureTemplate", json.RawMessage(`{`+sub+`,"Name":"Theirs","MediaProcessTask":{"ImageSpriteTaskSet":[{"Definition":10}]}}`), nil); err != nil {
		t.Fatal(err)
	}
	def := strconv.FormatInt(created.Definition, 10)
	for _, c := range []struct{ action, body, code, message string }{
		{"ProcessMedia", `{"FileId":"` + videoFileID + `","MediaProcessTask":{"SnapshotByTimeOffsetTaskSet":[{"Definition":` + def + `,"ExtTimeOffsetSet":["1s"]}]}}`,
			"InvalidParameterValue", "MediaProcessTask.SnapshotByTimeOffsetTaskSet[0].Definition: this app has no SnapshotByTimeOffset template " + def},
		{"ProcessMediaByProcedure", `{"FileId":"` + videoFileID + `","ProcedureName":"Theirs"}`, "InvalidParameterValue.ProcedureName", "Theirs"},
		{"ApplyUpload", `{"MediaType":"mp4","Procedure":"Theirs"}`, "InvalidParameterValue.ProcedureName", "Theirs"},
	} {
		_, body := b.do(t, c.action, c.body, nil)
		if code, msg := errorOf(t, body); code != c.code || !strings.Contains(msg, c.message) {
			t.Errorf("%s: %s %q, want %s with %q", c.action, code, msg, c.code, c.message)
		}
	}
	if n := taskCount(t, b.st); n != 0 {
		t.Fatalf("%d tasks, want none", n)
	}
}

// TestCommitUploadProcedureDeleted: a procedure deleted between
// ApplyUpload and CommitUpload fails the commit, which commits nothing.
func TestCommitUploadProcedureDeleted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if err := b.client.Call(ctx, "CreateProcedureTemplate", json.RawMessage(`{"Name":"Flow","MediaProcessTask":{"ImageSpriteTaskSet":[{"Definition":10}]}}`), nil); err != nil {
		t.Fatal(err)
	}
	var apply struct{ VodSessionKey string }
	if err := b.client.Call(ctx, "ApplyUpload", json.RawMessage(`{"MediaType":"mp4","Procedure":"Flow"}`), &apply); err != nil {
		t.Fatal(err)
	}
	if err := b.client.Call(ctx, "DeleteProcedureTemplate", json.RawMessage(`{"Name":"Flow"}`), nil); err != nil {
		t.Fatal(err)
	}
	sess, err := b.st.UploadSessionGet(ctx, apply.VodSessionKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.blobs.Put(ctx, sess.StorageKey, strings.NewReader("bytes"), 0); err != nil {
		t.Fatal(err)
	}
	if err := b.st.UploadSessionClaim(ctx, sess.SessionKey, "put", b.now, b.now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := b.st.UploadSessionSetUploaded(ctx, sess.SessionKey, "put", 5); err != nil {
		t.Fatal(err)
	}
	_, body := b.do(t, "CommitUpload", `{"VodSessionKey":"`+sess.SessionKey+`"}`, nil)
	if code, msg := errorOf(t, body); code != "InvalidParameterValue.ProcedureName" || !strings.Contains(msg, "Flow") {
		t.Fatalf("CommitUpload after the procedure was deleted: %s", body)
	}
	if sess, err := b.st.UploadSessionGet(ctx, sess.SessionKey); err != nil || sess.FileID != "" {
		t.Fatalf("session after the refused commit: %+v, %v", sess, err)
	}
	if n := taskCount(t, b.st); n != 0 {
		t.Fatalf("%d tasks, want none", n)
	}
}
