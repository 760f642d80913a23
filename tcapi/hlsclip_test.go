package tcapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/cliptask"
	"github.com/openvod/openvod/hls"
	"github.com/openvod/openvod/mp4"
)

// hlsSource stores the fixture as the app's media under key and returns
// the URL of its video playlist and its packaging.
func hlsSource(t *testing.T, b *testBundle, appID int64, fileID, key string) (string, *hls.Index) {
	t.Helper()
	ctx := context.Background()
	src, err := os.ReadFile("../clip/testdata/bf0_gop8s.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.blobs.Put(ctx, key, bytes.NewReader(src), 0); err != nil {
		t.Fatal(err)
	}
	m := &openvod.Media{FileID: fileID, SubAppID: appID, Name: "src", Type: "mp4", StorageKey: key, Size: int64(len(src)),
		SourceType: "Upload", CreateTime: b.now, UpdateTime: b.now}
	if err := b.st.MediaInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	mv, err := mp4.Parse(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := hls.New(mv, hls.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return "http://vod.test/hls/" + key + "/" + ix.Tracks[0].PlaylistName(), ix
}

// TestSimpleHlsClipErrors: every refusal has its Tencent code, and none
// makes a task.
func TestSimpleHlsClipErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	url, ix := hlsSource(t, b, openvod.DefaultSubAppID, "5285890000000000101", fmt.Sprintf("%d/media/src.mp4", openvod.DefaultSubAppID))
	other, err := b.st.AppCreate(context.Background(), "other", b.now)
	if err != nil {
		t.Fatal(err)
	}
	otherURL, _ := hlsSource(t, b, other.ID, "5285890000000000102", fmt.Sprintf("%d/media/other.mp4", other.ID))
	master := strings.TrimSuffix(url, ix.Tracks[0].PlaylistName()) + hls.MasterName
	opus, err := os.ReadFile("../clip/testdata/opus.mp4") // not packaged: Opus
	if err != nil {
		t.Fatal(err)
	}
	opusKey := fmt.Sprintf("%d/media/opus.mp4", openvod.DefaultSubAppID)
	if _, err := b.blobs.Put(context.Background(), opusKey, bytes.NewReader(opus), 0); err != nil {
		t.Fatal(err)
	}
	if err := b.st.MediaInsert(context.Background(), &openvod.Media{FileID: "5285890000000000104", SubAppID: openvod.DefaultSubAppID,
		Name: "opus", Type: "mp4", StorageKey: opusKey, Size: int64(len(opus)), SourceType: "Upload", CreateTime: b.now, UpdateTime: b.now}); err != nil {
		t.Fatal(err)
	}
	d := ix.Duration
	for _, c := range []struct{ body, code string }{
		{`{}`, openvod.CodeMissingParameter},
		{`{"Url":"http://elsewhere.test/hls/1/media/src.mp4/t1.m3u8"}`, "InvalidParameterValue.Url"},
		{`{"Url":"http://vod.test/vod/1/media/src.mp4"}`, "InvalidParameterValue.Url"},
		{`{"Url":"http://vod.test/hls/1/media/none.mp4/t1.m3u8"}`, "InvalidParameterValue.Url"},
		{`{"Url":"` + otherURL + `"}`, "InvalidParameterValue.Url"},
		{`{"Url":"` + strings.Replace(url, "t1.m3u8", "t9.m3u8", 1) + `"}`, "InvalidParameterValue.Url"},
		{`{"Url":"` + strings.Replace(url, ".m3u8", "/0.m4s", 1) + `"}`, "InvalidParameterValue.Url"},
		{`{"Url":"` + master + `"}`, "ResourceUnavailable.MasterPlaylist"},
		{`{"Url":"http://vod.test/hls/` + opusKey + `/t1.m3u8"}`, "InvalidParameterValue.Url"},
		{fmt.Sprintf(`{"Url":%q,"StartTimeOffset":%g}`, url, d), "InvalidParameterValue.StartTimeOffset"},
		{fmt.Sprintf(`{"Url":%q,"StartTimeOffset":%g}`, url, -d-1), "InvalidParameterValue.StartTimeOffset"},
		{fmt.Sprintf(`{"Url":%q,"EndTimeOffset":%g}`, url, d+1), "InvalidParameterValue.EndTimeOffset"},
		{fmt.Sprintf(`{"Url":%q,"EndTimeOffset":%g}`, url, -d-1), "InvalidParameterValue.EndTimeOffset"},
		{fmt.Sprintf(`{"Url":%q,"StartTimeOffset":2,"EndTimeOffset":1}`, url), "InvalidParameterValue.EndTimeOffset"},
		{fmt.Sprintf(`{"Url":%q,"StartTimeOffset":1,"EndTimeOffset":1}`, url), "InvalidParameterValue.EndTimeOffset"},
		{fmt.Sprintf(`{"Url":%q,"IsPersistence":2}`, url), "InvalidParameterValue.IsPersistence"},
		{fmt.Sprintf(`{"Url":%q,"OutputMediaType":"mp4"}`, url), "InvalidParameterValue.OutputMediaType"},
		{fmt.Sprintf(`{"Url":%q,"Precision":"Exact"}`, url), "InvalidParameterValue.Precision"},
		{fmt.Sprintf(`{"Url":%q,"IsPersistence":1,"ExpireTime":"tomorrow"}`, url), "InvalidParameterValue.ExpireTime"},
		{fmt.Sprintf(`{"Url":%q,"IsPersistence":1,"ClassId":5}`, url), "InvalidParameterValue.ClassId"},
		{fmt.Sprintf(`{"Url":%q,"IsPersistence":1,"Procedure":"none"}`, url), "InvalidParameterValue.Procedure"},
		{fmt.Sprintf(`{"Url":%q,"IsPersistence":1,"SourceContext":%q}`, url, strings.Repeat("x", 251)), openvod.CodeInvalidParameterValue},
	} {
		_, body := b.do(t, "SimpleHlsClip", c.body, nil)
		if code := errorCode(t, body); code != c.code {
			t.Errorf("SimpleHlsClip %s: %s, want %s", c.body, body, c.code)
		}
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

// TestSimpleHlsClip: the answer names the clip's playlist and the
// segments' MetaData; with IsPersistence 1 the FileId is reserved in the
// task, whose TaskId is <SubAppId>-persistence- and 32 hex digits.
func TestSimpleHlsClip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := fmt.Sprintf("%d/media/src.mp4", openvod.DefaultSubAppID)
	url, ix := hlsSource(t, b, openvod.DefaultSubAppID, "5285890000000000103", key)
	v := ix.Tracks[0]
	if len(v.Segments) < 3 {
		t.Fatalf("%d segments, want 3 or more", len(v.Segments))
	}
	s1 := v.Segments[1]
	start, end := s1.Start+0.1, s1.Start+s1.Duration-0.1 // within segment 1
	type answer struct {
		Response struct {
			Url      string
			MetaData struct {
				Size, Bitrate, Rotate, Width, Height int64
				Container                            string
				Duration, VideoDuration              float64
			}
			FileId, TaskId string
		}
	}
	for _, persist := range []int{0, 1} {
		_, body := b.do(t, "SimpleHlsClip", fmt.Sprintf(`{"Url":%q,"StartTimeOffset":%g,"EndTimeOffset":%g,"IsPersistence":%d,"SourceContext":"sc"}`, url, start, end, persist), nil)
		var a answer
		if err := json.Unmarshal(body, &a); err != nil || errorCode(t, body) != "" {
			t.Fatalf("SimpleHlsClip: %s", body)
		}
		r := a.Response
		wantURL := fmt.Sprintf("http://vod.test/hls/%s/clip/%d-%d/t1.m3u8", key, int64(math.Floor(start*1000)), int64(math.Ceil(end*1000)))
		if r.Url != wantURL {
			t.Errorf("Url %s, want %s", r.Url, wantURL)
		}
		m := r.MetaData
		if m.Container != "hls" || m.Size != 0 || m.Rotate != 0 || m.VideoDuration != 0 || m.Duration != s1.Duration || m.Bitrate <= 0 ||
			m.Width != int64(v.Width) || m.Height != int64(v.Height) {
			t.Errorf("MetaData %+v, want hls, the duration %g of segment 1, %dx%d", m, s1.Duration, v.Width, v.Height)
		}
		if persist == 0 {
			if r.FileId != "" || r.TaskId != "" {
				t.Errorf("not persisted: FileId %q, TaskId %q, want none", r.FileId, r.TaskId)
			}
			continue
		}
		if !regexp.MustCompile(fmt.Sprintf(`^%d-persistence-[0-9a-f]{32}$`, openvod.DefaultSubAppID)).MatchString(r.TaskId) || r.FileId == "" {
			t.Fatalf("persisted: FileId %q, TaskId %q", r.FileId, r.TaskId)
		}
		task, err := b.st.TaskGet(context.Background(), openvod.DefaultSubAppID, r.TaskId)
		if err != nil {
			t.Fatal(err)
		}
		in, _, err := cliptask.View(task)
		if err != nil {
			t.Fatal(err)
		}
		if task.Type != openvod.TaskClip || in.FileId != r.FileId || in.PersistenceSource != "SimpleHlsClip" || in.SourceContext != "sc" ||
			in.Start != start || in.End != end || !in.HideLeadIn {
			t.Errorf("task %s %+v", task.Type, in)
		}
	}
}
