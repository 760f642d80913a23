package tcapi

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/netguard"
	"github.com/openvod/openvod/push"
	"github.com/openvod/openvod/store"
)

// response decodes an answer's Response into out, failing on an error.
func response(t *testing.T, body []byte, out any) {
	t.Helper()
	if code := errorCode(t, body); code != "" {
		t.Fatalf("error answer: %s", body)
	}
	var env struct{ Response json.RawMessage }
	if err := json.Unmarshal(body, &env); err != nil || json.Unmarshal(env.Response, out) != nil {
		t.Fatalf("answer %s", body)
	}
}

func TestSearchMedia(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	for i := range 5 {
		m := &openvod.Media{FileID: fmt.Sprintf("528589000000000000%d", i), SubAppID: openvod.DefaultSubAppID, Name: fmt.Sprintf("clip %d", i),
			Type: "mp4", StorageKey: fmt.Sprintf("k%d", i), SourceType: "Upload", CreateTime: b.now.Add(time.Duration(i) * time.Minute),
			ExpireTime: openvod.NeverExpire}
		if i == 4 {
			m.Name = "Holiday"
		}
		if err := b.st.MediaInsert(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		TotalCount   int64
		MediaInfoSet []struct {
			FileId    string
			BasicInfo *struct{ Name, CreateTime string }
			MetaData  json.RawMessage
		}
	}
	search := func(body string) result {
		t.Helper()
		_, out := b.do(t, "SearchMedia", body, nil)
		var r result
		response(t, out, &r)
		return r
	}
	r := search(`{}`)
	if r.TotalCount != 5 || len(r.MediaInfoSet) != 5 || r.MediaInfoSet[0].FileId != "5285890000000000004" || r.MediaInfoSet[0].BasicInfo.Name != "Holiday" {
		t.Errorf("default search (newest first): %+v", r)
	}
	r = search(`{"Sort":{"Field":"CreateTime","Order":"Asc"},"Offset":1,"Limit":2,"Filters":["basicInfo"]}`)
	if r.TotalCount != 5 || len(r.MediaInfoSet) != 2 || r.MediaInfoSet[0].FileId != "5285890000000000001" ||
		r.MediaInfoSet[1].FileId != "5285890000000000002" || string(r.MediaInfoSet[0].MetaData) != "null" {
		t.Errorf("paged, ascending, basicInfo only: %+v", r)
	}
	if r = search(`{"Text":"holi"}`); r.TotalCount != 1 || r.MediaInfoSet[0].BasicInfo.Name != "Holiday" {
		t.Errorf("text: %+v", r)
	}
	if r = search(`{"Names":["clip"],"CreateTime":{"After":"2026-11-28T08:02:00Z"}}`); r.TotalCount != 2 {
		t.Errorf("names and time: %+v", r)
	}
	for body, code := range map[string]string{
		`{"Limit":5000,"Offset":1}`:                                 "InvalidParameterValue",
		`{"Sort":{"Field":"Name","Order":"Asc"}}`:                   "InvalidParameterValue",
		`{"Filters":["nope"]}`:                                      "InvalidParameterValue",
		`{"CreateTime":{"After":"yesterday"}}`:                      "InvalidParameterValue",
		`{"Tags":["a"]}`:                                            "UnknownParameter",
		`{"Names":["1","2","3","4","5","6","7","8","9","10","11"]}`: "InvalidParameterValue",
	} {
		if _, out := b.do(t, "SearchMedia", body, nil); errorCode(t, out) != code {
			t.Errorf("SearchMedia %s: %s; want %s", body, out, code)
		}
	}
}

func TestDescribeTasks(t *testing.T) {
	b := setup(t)
	for i := range 5 {
		task := &openvod.Task{ID: fmt.Sprintf("task-%d", i), SubAppID: openvod.DefaultSubAppID, Type: openvod.TaskClip,
			Input:      []byte(fmt.Sprintf(`{"SrcFileId":"f%d","SessionId":"s%d","SessionContext":"c"}`, i%2, i)),
			CreateTime: b.now.Add(time.Duration(i) * time.Second)}
		if err := b.st.TaskInsert(t.Context(), task); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		TaskSet []struct {
			TaskId, Status, FileId, TaskType, CreateTime, SessionId, SessionContext string
			Progress                                                                int64
		}
		ScrollToken string
	}
	list := func(body string) result {
		t.Helper()
		_, out := b.do(t, "DescribeTasks", body, nil)
		var r result
		response(t, out, &r)
		return r
	}
	var seen []string
	token := ""
	for range 3 {
		r := list(`{"Limit":2,"ScrollToken":"` + token + `"}`)
		for _, task := range r.TaskSet {
			seen = append(seen, task.TaskId)
		}
		if token = r.ScrollToken; token == "" {
			break
		}
	}
	if strings.Join(seen, ",") != "task-4,task-3,task-2,task-1,task-0" || token != "" {
		t.Errorf("scrolled %v, last token %q", seen, token)
	}
	r := list(`{"FileId":"f1","Sort":{"Field":"CreateTime","Order":"Asc"}}`)
	if len(r.TaskSet) != 2 || r.TaskSet[0].TaskId != "task-1" || r.TaskSet[0].FileId != "f1" || r.TaskSet[0].SessionId != "s1" ||
		r.TaskSet[0].TaskType != "Clip" || r.TaskSet[0].Status != "WAITING" || r.TaskSet[0].CreateTime != "2026-11-28T08:00:01Z" {
		t.Errorf("by FileId: %+v", r)
	}
	if r := list(`{"Status":"FINISH"}`); len(r.TaskSet) != 0 {
		t.Errorf("FINISH: %+v", r)
	}
	for _, body := range []string{`{"Status":"DONE"}`, `{"Limit":101}`, `{"ScrollToken":"!!"}`} {
		if _, out := b.do(t, "DescribeTasks", body, nil); errorCode(t, out) != "InvalidParameterValue" {
			t.Errorf("DescribeTasks %s: %s", body, out)
		}
	}
}

func TestSubAppIds(t *testing.T) {
	b := setup(t)
	_, out := b.do(t, "CreateSubAppId", `{"Name":"second"}`, nil)
	var created struct{ SubAppId int64 }
	response(t, out, &created)
	if created.SubAppId != openvod.DefaultSubAppID+1 {
		t.Errorf("CreateSubAppId: %s", out)
	}
	_, out = b.do(t, "DescribeSubAppIds", `{"Offset":1}`, nil)
	if !strings.Contains(string(out), `"SubAppIdInfoSet":[{"SubAppId":1500000002,"SubAppIdName":"second","Description":"","CreateTime":"2026-11-28T08:00:00Z","Status":"On","Name":"second","Mode":"fileid",`) ||
		!strings.Contains(string(out), `"TotalCount":2`) {
		t.Errorf("DescribeSubAppIds: %s", out)
	}
	if _, out = b.do(t, "CreateSubAppId", `{}`, nil); errorCode(t, out) != "MissingParameter" {
		t.Errorf("CreateSubAppId without a name: %s", out)
	}
}

func TestDescribeEventsStatusAndSendTestEvent(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	e := &openvod.Event{ID: "evt_1", SubAppID: openvod.DefaultSubAppID, Type: "ClipComplete", Body: []byte(`{"EventType":"ClipComplete"}`),
		CreateTime: b.now, State: openvod.EventPull, AvailableAt: b.now}
	if err := b.st.EventInsert(ctx, e); err != nil {
		t.Fatal(err)
	}
	_, out := b.do(t, "DescribeEvents", `{"Status":"pending","EventType":"ClipComplete"}`, nil)
	if !strings.Contains(string(out), `"EventSet":[{"Seq":1,"EventId":"evt_1","EventType":"ClipComplete","CreateTime":"2026-11-28T08:00:00Z","State":"pull","Attempts":0,"Pulls":0,"Status":"pending"}]`) {
		t.Errorf("DescribeEvents by status: %s", out)
	}
	_, out = b.do(t, "DescribeEvents", `{"Status":"leased"}`, nil)
	if !strings.Contains(string(out), `"EventSet":[]`) {
		t.Errorf("leased: %s", out)
	}
	_, out = b.do(t, "DescribeEvents", `{"EventId":"evt_1"}`, nil)
	if !strings.Contains(string(out), `"Status":"pending","Body":"{\"EventType\":\"ClipComplete\"}"}]`) {
		t.Errorf("by EventId: %s", out)
	}
	if _, out = b.do(t, "DescribeEvents", `{"Status":"lost"}`, nil); errorCode(t, out) != "InvalidParameterValue" {
		t.Errorf("bad status: %s", out)
	}

	// SendTestEvent needs a sender; this bundle's API has none.
	if _, out = b.do(t, "SendTestEvent", `{"Url":"http://127.0.0.1:1/"}`, nil); errorCode(t, out) != "UnsupportedOperation" {
		t.Errorf("SendTestEvent without a sender: %s", out)
	}
}

func TestSendTestEvent(t *testing.T) {
	b := setup(t)
	var got string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = string(body)
		w.WriteHeader(500)
		io.WriteString(w, `{"busy":true}`)
	}))
	t.Cleanup(recv.Close)
	d := push.New(push.Config{Client: push.NewClient(netguard.DefaultPolicy())})
	api := New(Config{Store: b.st, Logger: slog.New(slog.NewTextHandler(b.logs, nil)), NowFunc: func() time.Time { return b.now }, SendEvent: d.SendOnce})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	b.srv = srv
	b.client.Endpoint = srv.URL
	_, out := b.do(t, "SendTestEvent", `{}`, nil)
	if errorCode(t, out) != "InvalidParameterValue" || !strings.Contains(string(out), "no NotificationUrl") {
		t.Errorf("no URL: %s", out)
	}
	_, out = b.do(t, "SendTestEvent", `{"Url":"`+recv.URL+`"}`, nil)
	var r struct {
		StatusCode                    int
		LatencyMs                     float64
		ErrorMessage, ResponseExcerpt string
	}
	response(t, out, &r)
	if r.StatusCode != 500 || r.ErrorMessage != "HTTP 500" || r.ResponseExcerpt != `{"busy":true}` || r.LatencyMs <= 0 {
		t.Errorf("SendTestEvent: %s", out)
	}
	if !strings.HasPrefix(got, `{"EventType":"TestEvent","FileUploadEvent":null,`) {
		t.Errorf("body sent %s", got)
	}
	if n, err := b.st.EventList(t.Context(), &store.EventListParams{SubAppID: openvod.DefaultSubAppID, Limit: 10}); err != nil || len(n) != 0 {
		t.Errorf("the test event entered the log: %d %v", len(n), err)
	}
}
