package sdktest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/tcapi"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

const (
	defaultSubAppID = 1500000001
	secondSubAppID  = 1500000002
	unknownSubAppID = 1999999999
	// unknownFileID has the form of a FileId but names no media.
	unknownFileID = "5285890799999999999"
	// unknownTaskID has the form of a PullUpload TaskId but names no task.
	unknownTaskID = "1500000001-Pull-00000000000000000000000000000000"
)

var (
	uuidRE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	fileIDRE = regexp.MustCompile(`^[1-9][0-9]{18}$`)
	timeRE   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

// ---------------------------------------------------------------------------
// Fixtures and environment

// fixtureMP4 returns the path of an H.264+AAC faststart MP4: package mp4's
// fixture when present, else one generated with ffmpeg.
func fixtureMP4(t testing.TB) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "mp4", "testdata", "h264_aac_faststart.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatalf("%s is missing and ffmpeg is not installed to generate a fixture: apt-get install -y ffmpeg", p)
	}
	out := filepath.Join(t.TempDir(), "fixture.mp4")
	cmd := exec.Command(ffmpeg, "-nostdin", "-y", "-v", "error",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", "3", "-map", "0:v", "-map", "1:a",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-b:v", "200k",
		"-c:a", "aac", "-b:a", "48k", "-ac", "2",
		"-movflags", "+faststart", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	return out
}

// fixtureData returns the bytes of fixtureMP4.
func fixtureData(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(fixtureMP4(t))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// cleanEnv is the environment without OPENVOD_* variables, so a developer's
// settings cannot leak into the processes the tests start.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENVOD_") {
			env = append(env, kv)
		}
	}
	return env
}

// serveFile serves data at /fixture.mp4 on 127.0.0.1 and 404 elsewhere.
func serveFile(t testing.TB, data []byte) *httptest.Server {
	t.Helper()
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/fixture.mp4" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	}))
	t.Cleanup(src.Close)
	return src
}

// httpGet fetches url with optional headers and returns status, headers, body.
func httpGet(t testing.TB, url string, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header, body
}

// ---------------------------------------------------------------------------
// Node.js SDK

// TestNodeSDK runs the node:test suite in sdktest/node against a server.
func TestNodeSDK(t *testing.T) {
	t.Parallel()
	node, dir := nodeSuite(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.test.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.test.js files in %s (%v)", dir, err)
	}
	sort.Strings(files)
	for i, f := range files {
		files[i] = filepath.Base(f)
	}

	t.Run("FailsWithoutEnvironment", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "errors.test.js")
		cmd.Dir = dir
		cmd.Env = append(cleanEnv(), "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("node --test passed without OPENVOD_* variables; it must fail:\n%s", out)
		}
		if !bytes.Contains(out, []byte("missing environment variable")) {
			t.Fatalf("node --test failed without saying which variables are missing:\n%s", out)
		}
	})

	fixture := fixtureMP4(t)
	srv := openvodtest.Start(t, openvodtest.Options{})
	// The event tests get an app of their own, so that the other tests'
	// events and their mode switches do not meet.
	createApp(t, srv, "events", 1500000002)
	createApp(t, srv, "clips", 1500000003)
	createApp(t, srv, "signing", 1500000004)
	createApp(t, srv, "process", 1500000005)
	createApp(t, srv, "hlsclips", 1500000006)
	createApp(t, srv, "task2017", 1500000007)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	args := append([]string{"--test", "--test-reporter=spec"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = nodeEnv(srv, fixture,
		"OPENVOD_EVENTS_SUB_APP_ID=1500000002",
		"OPENVOD_CLIP_SUB_APP_ID=1500000003",
		"OPENVOD_SIGNING_SUB_APP_ID=1500000004",
		"OPENVOD_PROCESS_SUB_APP_ID=1500000005",
		"OPENVOD_HLSCLIP_SUB_APP_ID=1500000006",
		"OPENVOD_TASK2017_SUB_APP_ID=1500000007",
	)
	t.Logf("running node %s in %s against %s", strings.Join(args, " "), dir, srv.Addr)
	if err := runStreaming(t, cmd); err != nil {
		t.Fatalf("node --test failed: %v (see the output above)", err)
	}
}

// nodeSuite returns node and the directory of the node:test suites, with
// their npm packages installed.
func nodeSuite(t *testing.T) (node, dir string) {
	t.Helper()
	node, npm := requireNode(t)
	dir, err := filepath.Abs("node")
	if err != nil {
		t.Fatal(err)
	}
	ensureNodeModules(t, npm, dir)
	return node, dir
}

// nodeEnv is the environment of node tests against srv with fixture:
// helpers.js's variables, then extra.
func nodeEnv(srv *openvodtest.Server, fixture string, extra ...string) []string {
	return append(append(cleanEnv(),
		"NO_COLOR=1",
		"OPENVOD_ENDPOINT="+srv.Addr,
		"OPENVOD_SECRET_ID="+openvodtest.SecretID,
		"OPENVOD_SECRET_KEY="+openvodtest.SecretKey,
		"OPENVOD_FIXTURE_MP4="+fixture,
	), extra...)
}

// createApp creates an app with the CLI while srv runs and checks its ID;
// env adds to the CLI's environment (OPENVOD_DB of a server on PostgreSQL).
func createApp(t *testing.T, srv *openvodtest.Server, name string, want int64, env ...string) {
	t.Helper()
	cmd := exec.Command(openvodtest.Binary(t), "apps", "create", "--name", name)
	cmd.Env = append(append(cleanEnv(), "OPENVOD_DATA_DIR="+srv.DataDir), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openvod apps create: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("SubAppId %d created", want)) {
		t.Fatalf("openvod apps create: want SubAppId %d, got:\n%s", want, out)
	}
}

// requireNode returns the paths of node (20 or later) and npm.
func requireNode(t *testing.T) (node, npm string) {
	t.Helper()
	const how = "install Node.js 20: apt-get install -y nodejs npm"
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal(how)
	}
	npm, err = exec.LookPath("npm")
	if err != nil {
		t.Fatal(how)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("node --version: %v; %s", err, how)
	}
	v := strings.TrimSpace(string(out))
	major, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "v"), ".", 2)[0])
	if err != nil || major < 20 {
		t.Fatalf("node %s is too old; %s", v, how)
	}
	return node, npm
}

// ensureNodeModules runs npm ci in dir when the SDK packages are missing.
func ensureNodeModules(t *testing.T, npm, dir string) {
	t.Helper()
	have := true
	for _, pkg := range []string{"tencentcloud-sdk-nodejs-vod", "tencentcloud-sdk-nodejs-common"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			have = false
		}
	}
	if have {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	t.Logf("running npm ci in %s", dir)
	if err := runStreaming(t, cmd); err != nil {
		t.Fatalf("npm ci: %v", err)
	}
}

// runStreaming runs cmd and copies its output, line by line, to the test log.
func runStreaming(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.WaitDelay = 10 * time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			t.Log(sc.Text())
		}
		io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	return err
}

// ---------------------------------------------------------------------------
// Go SDK

// goSDK calls actions through the Go SDK's generic CommonClient.
type goSDK struct{ cc *common.Client }

func newGoSDK(addr, secretID, secretKey string) *goSDK {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = addr
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.ReqMethod = "POST"
	cpf.HttpProfile.ReqTimeout = 60
	return &goSDK{cc: common.NewCommonClient(common.NewCredential(secretID, secretKey), "ap-guangzhou", cpf)}
}

// send runs action with params and decodes the "Response" object into out.
func (s *goSDK) send(action string, params map[string]any, out any) error {
	req := tchttp.NewCommonRequest("vod", "2018-07-17", action)
	if params == nil {
		params = map[string]any{}
	}
	if err := req.SetActionParameters(params); err != nil {
		return err
	}
	resp := tchttp.NewCommonResponse()
	if err := s.cc.Send(req, resp); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	var env struct{ Response json.RawMessage }
	if err := json.Unmarshal(resp.GetBody(), &env); err != nil {
		return fmt.Errorf("%s: decoding %s: %w", action, resp.GetBody(), err)
	}
	return json.Unmarshal(env.Response, out)
}

// must is send failing the test on an error.
func (s *goSDK) must(t testing.TB, action string, params map[string]any, out any) {
	t.Helper()
	if err := s.send(action, params, out); err != nil {
		t.Fatalf("%s %v: %v", action, params, err)
	}
}

// wantSDKError checks that err is the Go SDK's error for code.
func wantSDKError(t testing.TB, err error, code string) *tcerr.TencentCloudSDKError {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s, the call succeeded", code)
	}
	var e *tcerr.TencentCloudSDKError
	if !errors.As(err, &e) {
		t.Fatalf("want *errors.TencentCloudSDKError %s, got %T: %v", code, err, err)
	}
	if e.Code != code {
		t.Errorf("Code = %q, want %q (Message %q)", e.Code, code, e.Message)
	}
	if e.Message == "" {
		t.Errorf("%s: Message is empty", code)
	}
	if !uuidRE.MatchString(e.RequestId) {
		t.Errorf("%s: RequestId %q is not a UUID v4", code, e.RequestId)
	}
	return e
}

type applyUploadResponse struct {
	StorageBucket    string
	StorageRegion    string
	VodSessionKey    string
	MediaStoragePath string
	CoverStoragePath string
	TempCertificate  *struct {
		SecretId    string
		SecretKey   string
		Token       string
		ExpiredTime uint64
	}
	UploadUrl string
	RequestId string
}

type commitUploadResponse struct {
	FileId    string
	MediaUrl  string
	CoverUrl  string
	RequestId string
}

type mediaBasicInfo struct {
	Name          string
	Description   string
	CreateTime    string
	UpdateTime    string
	ExpireTime    string
	ClassId       int64
	ClassName     string
	ClassPath     string
	CoverUrl      string
	Type          string
	MediaUrl      string
	SourceInfo    *struct{ SourceType, SourceContext string }
	StorageRegion string
	StoragePath   string
	TagSet        []string
	Vid           string
	Category      string
	Status        string
	StorageClass  string
}

type mediaMetaData struct {
	Size           int64
	Container      string
	Bitrate        int64
	Height         int64
	Width          int64
	Duration       float64
	Rotate         int64
	VideoStreamSet []struct {
		Bitrate, Height, Width int64
		Codec                  string
		Fps                    int64
		CodecTag               string
	}
	AudioStreamSet []struct {
		Bitrate, SamplingRate int64
		Codec                 string
	}
	VideoDuration float64
	AudioDuration float64
}

type mediaInfo struct {
	BasicInfo     *mediaBasicInfo
	MetaData      *mediaMetaData
	TranscodeInfo json.RawMessage
	FileId        string
}

type describeMediaInfosResponse struct {
	MediaInfoSet      []mediaInfo
	NotExistFileIdSet []string
	RequestId         string
}

type pullUploadTask struct {
	TaskId         string
	Status         string
	ErrCode        int64
	Message        string
	FileId         string
	MediaBasicInfo *mediaBasicInfo
	MetaData       *mediaMetaData
	FileUrl        string
	SessionContext string
	SessionId      string
	Progress       int64
}

type taskDetail struct {
	TaskType         string
	Status           string
	CreateTime       string
	BeginProcessTime string
	FinishTime       string
	PullUploadTask   *pullUploadTask
	RequestId        string
}

// withApp adds SubAppId to params when subAppID is not 0.
func withApp(subAppID int64, params map[string]any) map[string]any {
	if subAppID != 0 {
		params["SubAppId"] = subAppID
	}
	return params
}

// put sends data to an UploadUrl and returns the HTTP status.
func put(t testing.TB, url string, data []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("PUT %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// upload runs ApplyUpload, the PUT and CommitUpload in an app (0: default).
func (s *goSDK) upload(t testing.TB, data []byte, subAppID int64, name string) (applyUploadResponse, commitUploadResponse) {
	t.Helper()
	var apply applyUploadResponse
	s.must(t, "ApplyUpload", withApp(subAppID, map[string]any{"MediaType": "mp4", "MediaName": name}), &apply)
	if code := put(t, apply.UploadUrl, data); code < 200 || code > 299 {
		t.Fatalf("PUT %s: HTTP %d", apply.UploadUrl, code)
	}
	var commit commitUploadResponse
	s.must(t, "CommitUpload", withApp(subAppID, map[string]any{"VodSessionKey": apply.VodSessionKey}), &commit)
	return apply, commit
}

// waitTask polls DescribeTaskDetail until the task is FINISH.
func (s *goSDK) waitTask(t testing.TB, taskID string, subAppID int64) taskDetail {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var d taskDetail
	for time.Now().Before(deadline) {
		d = taskDetail{}
		s.must(t, "DescribeTaskDetail", withApp(subAppID, map[string]any{"TaskId": taskID}), &d)
		switch d.Status {
		case "FINISH", "ABORTED":
			return d
		case "WAITING", "PROCESSING":
		default:
			t.Fatalf("task %s: unexpected Status %q", taskID, d.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("task %s not finished after 60 s; last Status %q", taskID, d.Status)
	return d
}

// TestGoSDK runs the actions through the official Go SDK's CommonClient.
func TestGoSDK(t *testing.T) {
	t.Parallel()
	data := fixtureData(t)
	srv := openvodtest.Start(t, openvodtest.Options{})
	c := newGoSDK(srv.Addr, openvodtest.SecretID, openvodtest.SecretKey)

	t.Run("UploadDescribeDownloadDelete", func(t *testing.T) {
		var apply applyUploadResponse
		c.must(t, "ApplyUpload", map[string]any{"MediaType": "mp4", "MediaName": "go-sdk", "SourceContext": "go"}, &apply)
		if apply.StorageBucket != "openvod" || apply.StorageRegion != "local" {
			t.Errorf("StorageBucket, StorageRegion = %q, %q; want openvod, local", apply.StorageBucket, apply.StorageRegion)
		}
		if len(apply.VodSessionKey) < 22 || !strings.HasPrefix(apply.MediaStoragePath, "/") {
			t.Errorf("VodSessionKey %q, MediaStoragePath %q", apply.VodSessionKey, apply.MediaStoragePath)
		}
		if apply.TempCertificate == nil || apply.TempCertificate.ExpiredTime <= uint64(time.Now().Unix()) {
			t.Errorf("TempCertificate %+v: ExpiredTime must be in the future", apply.TempCertificate)
		}
		if !strings.HasPrefix(apply.UploadUrl, srv.URL+"/") || !strings.Contains(apply.UploadUrl, apply.VodSessionKey) {
			t.Errorf("UploadUrl %q", apply.UploadUrl)
		}
		if code := put(t, apply.UploadUrl, data); code < 200 || code > 299 {
			t.Fatalf("PUT: HTTP %d", code)
		}
		var commit commitUploadResponse
		c.must(t, "CommitUpload", map[string]any{"VodSessionKey": apply.VodSessionKey}, &commit)
		if !fileIDRE.MatchString(commit.FileId) {
			t.Errorf("FileId %q is not 19 digits", commit.FileId)
		}
		if commit.MediaUrl != srv.URL+"/vod"+apply.MediaStoragePath {
			t.Errorf("MediaUrl = %q, want %q", commit.MediaUrl, srv.URL+"/vod"+apply.MediaStoragePath)
		}

		var d describeMediaInfosResponse
		c.must(t, "DescribeMediaInfos", map[string]any{"FileIds": []string{commit.FileId, unknownFileID}}, &d)
		if len(d.MediaInfoSet) != 1 || len(d.NotExistFileIdSet) != 1 || d.NotExistFileIdSet[0] != unknownFileID {
			t.Fatalf("DescribeMediaInfos: %+v", d)
		}
		info := d.MediaInfoSet[0]
		b := info.BasicInfo
		if b == nil || info.MetaData == nil {
			t.Fatalf("BasicInfo %v, MetaData %v: want both", b, info.MetaData)
		}
		if b.Name != "go-sdk" || b.Type != "mp4" || b.MediaUrl != commit.MediaUrl || b.ClassId != 0 || b.ClassName != "其他" ||
			b.SourceInfo == nil || b.SourceInfo.SourceType != "Upload" || b.SourceInfo.SourceContext != "go" ||
			b.StorageRegion != "local" || b.TagSet == nil || len(b.TagSet) != 0 || b.Category != "Video" || b.Status != "Normal" ||
			!timeRE.MatchString(b.CreateTime) || b.ExpireTime != "9999-12-31T23:59:59Z" {
			t.Errorf("BasicInfo: %+v", b)
		}
		m := info.MetaData
		if m.Size != int64(len(data)) || m.Container != "mov,mp4,m4a,3gp,3g2,mj2" || m.Duration <= 0 || m.Width != 320 || m.Height != 240 ||
			len(m.VideoStreamSet) != 1 || m.VideoStreamSet[0].Codec != "h264" ||
			len(m.AudioStreamSet) != 1 || m.AudioStreamSet[0].Codec != "aac" {
			t.Errorf("MetaData: %+v", m)
		}

		d = describeMediaInfosResponse{}
		c.must(t, "DescribeMediaInfos", map[string]any{"FileIds": []string{commit.FileId}, "Filters": []string{"basicInfo"}}, &d)
		if len(d.MediaInfoSet) != 1 || d.MediaInfoSet[0].BasicInfo == nil || d.MediaInfoSet[0].MetaData != nil {
			t.Errorf("Filters [basicInfo]: want BasicInfo and MetaData null, got %+v", d.MediaInfoSet)
		}

		status, _, body := httpGet(t, commit.MediaUrl, nil)
		if status != http.StatusOK || !bytes.Equal(body, data) {
			t.Errorf("GET MediaUrl: HTTP %d, %d bytes (want 200, the %d uploaded bytes)", status, len(body), len(data))
		}
		status, h, body := httpGet(t, commit.MediaUrl, map[string]string{"Range": "bytes=10-1033"})
		if status != http.StatusPartialContent || !bytes.Equal(body, data[10:1034]) ||
			h.Get("Content-Range") != fmt.Sprintf("bytes 10-1033/%d", len(data)) {
			t.Errorf("GET Range bytes=10-1033: HTTP %d, Content-Range %q, %d bytes", status, h.Get("Content-Range"), len(body))
		}

		c.must(t, "DeleteMedia", map[string]any{"FileId": commit.FileId}, nil)
		d = describeMediaInfosResponse{}
		c.must(t, "DescribeMediaInfos", map[string]any{"FileIds": []string{commit.FileId}}, &d)
		if len(d.MediaInfoSet) != 0 || len(d.NotExistFileIdSet) != 1 || d.NotExistFileIdSet[0] != commit.FileId {
			t.Errorf("after DeleteMedia: %+v", d)
		}
		if status, _, _ := httpGet(t, commit.MediaUrl, nil); status != http.StatusNotFound {
			t.Errorf("GET MediaUrl after DeleteMedia: HTTP %d, want 404", status)
		}
		wantSDKError(t, c.send("DeleteMedia", map[string]any{"FileId": commit.FileId}, nil), "ResourceNotFound.FileNotExist")
	})

	t.Run("PullUpload", func(t *testing.T) {
		src := serveFile(t, data)
		var r struct{ TaskId, RequestId string }
		c.must(t, "PullUpload", map[string]any{"MediaUrl": src.URL + "/fixture.mp4", "SessionContext": "go-pull"}, &r)
		if !regexp.MustCompile(`^1500000001-Pull-[0-9a-f]{32}$`).MatchString(r.TaskId) {
			t.Errorf("TaskId %q", r.TaskId)
		}
		d := c.waitTask(t, r.TaskId, 0)
		p := d.PullUploadTask
		if d.TaskType != "PullUpload" || d.Status != "FINISH" || p == nil {
			t.Fatalf("DescribeTaskDetail: %+v", d)
		}
		if !timeRE.MatchString(d.CreateTime) || !timeRE.MatchString(d.BeginProcessTime) || !timeRE.MatchString(d.FinishTime) {
			t.Errorf("CreateTime %q, BeginProcessTime %q, FinishTime %q", d.CreateTime, d.BeginProcessTime, d.FinishTime)
		}
		if p.TaskId != r.TaskId || p.ErrCode != 0 || !fileIDRE.MatchString(p.FileId) || p.SessionContext != "go-pull" ||
			p.MetaData == nil || p.MetaData.Size != int64(len(data)) || p.MediaBasicInfo == nil || p.MediaBasicInfo.Name != "fixture" {
			t.Errorf("PullUploadTask: %+v", p)
		}
		var m describeMediaInfosResponse
		c.must(t, "DescribeMediaInfos", map[string]any{"FileIds": []string{p.FileId}}, &m)
		if len(m.MediaInfoSet) != 1 {
			t.Fatalf("pulled media not found: %+v", m)
		}
		if status, _, body := httpGet(t, p.FileUrl, nil); status != http.StatusOK || !bytes.Equal(body, data) {
			t.Errorf("GET FileUrl: HTTP %d, %d bytes", status, len(body))
		}
	})

	t.Run("PullUploadOf404", func(t *testing.T) {
		src := serveFile(t, data)
		var r struct{ TaskId string }
		c.must(t, "PullUpload", map[string]any{"MediaUrl": src.URL + "/missing.mp4"}, &r)
		d := c.waitTask(t, r.TaskId, 0)
		p := d.PullUploadTask
		if d.Status != "FINISH" || p == nil || p.ErrCode == 0 || p.Message == "" || p.FileId != "" || p.MetaData != nil {
			t.Errorf("DescribeTaskDetail of a failed pull: %+v, PullUploadTask %+v", d, p)
		}
	})

	t.Run("IgnoredTencentFields", func(t *testing.T) {
		var apply applyUploadResponse
		c.must(t, "ApplyUpload", map[string]any{"MediaType": "mp4", "StorageRegion": "ap-guangzhou", "ExtInfo": "", "CoverType": "jpg"}, &apply)
		if apply.StorageRegion != "local" || apply.VodSessionKey == "" {
			t.Errorf("ApplyUpload: %+v", apply)
		}
		var r struct{ TaskId string }
		c.must(t, "PullUpload", map[string]any{"MediaUrl": "http://127.0.0.1:9/x.mp4", "TasksPriority": 5, "StorageRegion": "ap-guangzhou"}, &r)
		if r.TaskId == "" {
			t.Error("PullUpload: no TaskId")
		}
		// Procedure is not ignored: it names a task flow.
		wantSDKError(t, c.send("ApplyUpload", map[string]any{"MediaType": "mp4", "Procedure": "x"}, nil), "InvalidParameterValue.ProcedureName")
		wantSDKError(t, c.send("PullUpload", map[string]any{"MediaUrl": "http://127.0.0.1:9/x.mp4", "Procedure": "x"}, nil), "InvalidParameterValue.ProcedureName")
	})

	t.Run("CommitUploadTwice", func(t *testing.T) {
		apply, _ := c.upload(t, data, 0, "twice")
		wantSDKError(t, c.send("CommitUpload", map[string]any{"VodSessionKey": apply.VodSessionKey}, nil), "InvalidParameterValue.VodSessionKey")
	})

	t.Run("ConcurrentCommitUpload", func(t *testing.T) {
		var apply applyUploadResponse
		c.must(t, "ApplyUpload", map[string]any{"MediaType": "mp4"}, &apply)
		if code := put(t, apply.UploadUrl, data); code < 200 || code > 299 {
			t.Fatalf("PUT: HTTP %d", code)
		}
		// Not committed yet: the media URL does not answer.
		if status, _, _ := httpGet(t, srv.URL+"/vod"+apply.MediaStoragePath, nil); status != http.StatusNotFound {
			t.Errorf("GET of an uploaded but uncommitted file: HTTP %d, want 404", status)
		}
		const n = 4
		errs := make(chan error, n)
		for range n {
			go func() { errs <- c.send("CommitUpload", map[string]any{"VodSessionKey": apply.VodSessionKey}, nil) }()
		}
		ok := 0
		for range n {
			if err := <-errs; err == nil {
				ok++
			} else {
				wantSDKError(t, err, "InvalidParameterValue.VodSessionKey")
			}
		}
		if ok != 1 {
			t.Errorf("%d of %d concurrent CommitUploads of one session succeeded, want exactly 1", ok, n)
		}
	})

	t.Run("CommitUploadBeforePut", func(t *testing.T) {
		var apply applyUploadResponse
		c.must(t, "ApplyUpload", map[string]any{"MediaType": "mp4"}, &apply)
		wantSDKError(t, c.send("CommitUpload", map[string]any{"VodSessionKey": apply.VodSessionKey}, nil), "InvalidParameterValue.VodSessionKey")
	})

	t.Run("Errors", func(t *testing.T) {
		wrongKey := newGoSDK(srv.Addr, openvodtest.SecretID, openvodtest.SecretKey+"x")
		unknownID := newGoSDK(srv.Addr, "AKIDnosuchkey00000000000000000000", openvodtest.SecretKey)
		ids21 := make([]string, 21)
		for i := range ids21 {
			ids21[i] = fmt.Sprintf("52858907%011d", i)
		}
		cases := []struct {
			name   string
			client *goSDK
			action string
			params map[string]any
			code   string
		}{
			{"WrongSecretKey", wrongKey, "ApplyUpload", map[string]any{"MediaType": "mp4"}, "AuthFailure.SignatureFailure"},
			{"UnknownSecretId", unknownID, "ApplyUpload", map[string]any{"MediaType": "mp4"}, "AuthFailure.SecretIdNotFound"},
			{"UnknownSubAppId", c, "ApplyUpload", map[string]any{"MediaType": "mp4", "SubAppId": unknownSubAppID}, "InvalidParameterValue.SubAppId"},
			{"UnknownSubAppIdDescribe", c, "DescribeMediaInfos", map[string]any{"FileIds": []string{unknownFileID}, "SubAppId": unknownSubAppID}, "InvalidParameterValue.SubAppId"},
			{"MissingMediaType", c, "ApplyUpload", map[string]any{}, "MissingParameter"},
			{"NullMediaType", c, "ApplyUpload", map[string]any{"MediaType": nil}, "MissingParameter"},
			{"MissingVodSessionKey", c, "CommitUpload", map[string]any{}, "MissingParameter"},
			{"MissingMediaUrl", c, "PullUpload", map[string]any{}, "MissingParameter"},
			{"MissingFileIds", c, "DescribeMediaInfos", map[string]any{}, "MissingParameter"},
			{"MissingFileId", c, "DeleteMedia", map[string]any{}, "MissingParameter"},
			{"MissingTaskId", c, "DescribeTaskDetail", map[string]any{}, "MissingParameter"},
			{"FileIdsNotArray", c, "DescribeMediaInfos", map[string]any{"FileIds": "x"}, "InvalidParameter"},
			{"MediaTypeNotString", c, "ApplyUpload", map[string]any{"MediaType": 4}, "InvalidParameter"},
			{"SubAppIdNotInteger", c, "ApplyUpload", map[string]any{"MediaType": "mp4", "SubAppId": "1500000001"}, "InvalidParameter"},
			{"UnknownField", c, "ApplyUpload", map[string]any{"MediaType": "mp4", "NoSuchField": 1}, "UnknownParameter"},
			{"UnknownVodSessionKey", c, "CommitUpload", map[string]any{"VodSessionKey": "nosuchsessionkey0000000000000000"}, "InvalidParameterValue.VodSessionKey"},
			{"UnknownTaskId", c, "DescribeTaskDetail", map[string]any{"TaskId": unknownTaskID}, "InvalidParameterValue.TaskId"},
			{"UnknownAction", c, "NoSuchAction", map[string]any{}, "InvalidAction"},
			{"FileIdsOverLimit", c, "DescribeMediaInfos", map[string]any{"FileIds": ids21}, "InvalidParameterValue.FileIdsOverLimit"},
			{"FileIdsEmpty", c, "DescribeMediaInfos", map[string]any{"FileIds": []string{}}, "InvalidParameterValue.FileIdsEmpty"},
			{"SessionContextTooLong", c, "ApplyUpload", map[string]any{"MediaType": "mp4", "SessionContext": strings.Repeat("x", 1001)}, "InvalidParameterValue.SessionContextTooLong"},
			{"SessionContextTooLongPull", c, "PullUpload", map[string]any{"MediaUrl": "http://127.0.0.1:9/a.mp4", "SessionContext": strings.Repeat("x", 1001)}, "InvalidParameterValue.SessionContextTooLong"},
			{"ExpireTimeInThePast", c, "ApplyUpload", map[string]any{"MediaType": "mp4", "ExpireTime": "2000-01-01T00:00:00Z"}, "InvalidParameterValue.ExpireTime"},
			{"PullUrlNotHTTP", c, "PullUpload", map[string]any{"MediaUrl": "ftp://127.0.0.1/a.mp4"}, "InvalidParameterValue.MediaUrl"},
			{"DeleteUnknownFileId", c, "DeleteMedia", map[string]any{"FileId": unknownFileID}, "ResourceNotFound.FileNotExist"},
		}
		seen := map[string]string{}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := wantSDKError(t, tc.client.send(tc.action, tc.params, nil), tc.code)
				if prev, dup := seen[e.RequestId]; dup {
					t.Errorf("RequestId %s answered both %s and %s", e.RequestId, prev, tc.name)
				}
				seen[e.RequestId] = tc.name
			})
		}
	})

	t.Run("SessionContextOf1000Characters", func(t *testing.T) {
		var apply applyUploadResponse
		c.must(t, "ApplyUpload", map[string]any{"MediaType": "mp4", "SessionContext": strings.Repeat("界", 1000)}, &apply)
	})
}

// ---------------------------------------------------------------------------
// Raw HTTP

// rawAnswer is one HTTP answer of the API gateway.
type rawAnswer struct {
	Status      int
	ContentType string
	Body        []byte
}

func doRaw(t testing.TB, req *http.Request) rawAnswer {
	t.Helper()
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawAnswer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}
}

// objectKeys returns the keys of a JSON object in the order written, and
// each member's raw value.
func objectKeys(t testing.TB, what string, raw []byte) ([]string, map[string]json.RawMessage) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("%s is not a JSON object: %.300s", what, raw)
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s.%s: %v", what, k, err)
		}
		if _, dup := vals[k]; dup {
			t.Errorf("%s: key %s appears twice", what, k)
		}
		keys = append(keys, k)
		vals[k] = v
	}
	return keys, vals
}

// checkErrorEnvelope checks an API error answer and returns its code and
// RequestId.
func checkErrorEnvelope(t testing.TB, a rawAnswer) (code, requestID string) {
	t.Helper()
	if a.Status != http.StatusOK {
		t.Errorf("HTTP status %d, want 200", a.Status)
	}
	if a.ContentType != "application/json" {
		t.Errorf("Content-Type %q, want exactly application/json", a.ContentType)
	}
	keys, top := objectKeys(t, "body", a.Body)
	if !equal(keys, []string{"Response"}) {
		t.Fatalf("body keys %v, want [Response]: %s", keys, a.Body)
	}
	keys, resp := objectKeys(t, "Response", top["Response"])
	if !equal(keys, []string{"Error", "RequestId"}) {
		t.Errorf("Response keys %v, want [Error RequestId]: %s", keys, a.Body)
	}
	keys, errObj := objectKeys(t, "Error", resp["Error"])
	if !equal(keys, []string{"Code", "Message"}) {
		t.Errorf("Error keys %v, want [Code Message]: %s", keys, a.Body)
	}
	var message string
	json.Unmarshal(errObj["Code"], &code)
	json.Unmarshal(errObj["Message"], &message)
	json.Unmarshal(resp["RequestId"], &requestID)
	if code == "" || message == "" {
		t.Errorf("empty Code or Message: %s", a.Body)
	}
	if !uuidRE.MatchString(requestID) {
		t.Errorf("RequestId %q is not a UUID v4", requestID)
	}
	return code, requestID
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRawHTTP sends requests no SDK sends and checks the error envelope.
func TestRawHTTP(t *testing.T) {
	t.Parallel()
	srv := openvodtest.Start(t, openvodtest.Options{})
	cl := srv.Client()
	ctx := context.Background()
	body := []byte(`{"FileIds":["` + unknownFileID + `"]}`)
	signed := func(t *testing.T, now time.Time, b []byte) *http.Request {
		c := *cl
		c.NowFunc = func() time.Time { return now }
		req, err := c.NewRequest(ctx, "DescribeMediaInfos", b)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	// pad returns body followed by spaces (valid JSON) to n bytes in all.
	pad := func(n int) []byte { return append(bytes.Clone(body), bytes.Repeat([]byte(" "), n-len(body))...) }
	const limit = 10 << 20 // TC3 POST limit

	cases := []struct {
		name string
		req  func(t *testing.T) *http.Request
		code string // "" accepts any code; "OK" wants success
	}{
		{"Valid", func(t *testing.T) *http.Request { return signed(t, time.Now(), body) }, "OK"},
		{"BodyOf10MB", func(t *testing.T) *http.Request { return signed(t, time.Now(), pad(limit)) }, "OK"},
		{"MissingAuthorization", func(t *testing.T) *http.Request {
			r := signed(t, time.Now(), body)
			r.Header.Del("Authorization")
			return r
		}, "AuthFailure.InvalidAuthorization"},
		{"MalformedAuthorization", func(t *testing.T) *http.Request {
			r := signed(t, time.Now(), body)
			r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=broken")
			return r
		}, "AuthFailure.InvalidAuthorization"},
		{"WrongAlgorithm", func(t *testing.T) *http.Request {
			r := signed(t, time.Now(), body)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "TC3-HMAC-SHA256", "HMAC-SHA1", 1))
			return r
		}, "AuthFailure.InvalidAuthorization"},
		{"StaleTimestamp", func(t *testing.T) *http.Request { return signed(t, time.Now().Add(-310*time.Second), body) }, "AuthFailure.SignatureExpire"},
		{"FutureTimestamp", func(t *testing.T) *http.Request { return signed(t, time.Now().Add(310*time.Second), body) }, "AuthFailure.SignatureExpire"},
		{"TamperedBody", func(t *testing.T) *http.Request {
			r := signed(t, time.Now(), body)
			other := []byte(`{"FileIds":["1234567890123456789"]}`)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(other)), int64(len(other))
			return r
		}, "AuthFailure.SignatureFailure"},
		{"WrongVersion", func(t *testing.T) *http.Request {
			r := signed(t, time.Now(), body)
			r.Header.Set("X-TC-Version", "2017-03-12")
			return r
		}, "NoSuchVersion"},
		{"BodyOver10MB", func(t *testing.T) *http.Request { return signed(t, time.Now(), pad(limit+1)) }, "RequestSizeLimitExceeded"},
		{"BodyNotAnObject", func(t *testing.T) *http.Request { return signed(t, time.Now(), []byte(`[1,2]`)) }, "InvalidParameter"},
		{"GetRoot", func(t *testing.T) *http.Request {
			r, err := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}, "AuthFailure.InvalidAuthorization"},
		{"SignedHeadersHostOnly", func(t *testing.T) *http.Request {
			// A correct signature that covers host alone.
			r := signed(t, time.Now(), body)
			ts, _ := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
			sig := tcapi.Sign(tcapi.SignInput{SecretKey: openvodtest.SecretKey, Service: "vod", Timestamp: ts, Method: "POST", Path: "/",
				SignedHeaders: "host", Headers: map[string]string{"host": srv.Addr}, PayloadHash: tcapi.PayloadHash(body)})
			r.Header.Set("Authorization", fmt.Sprintf("TC3-HMAC-SHA256 Credential=%s/%s/vod/tc3_request, SignedHeaders=host, Signature=%s",
				openvodtest.SecretID, time.Unix(ts, 0).UTC().Format("2006-01-02"), sig))
			return r
		}, "AuthFailure.SignatureFailure"},
	}
	var ids []string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := doRaw(t, tc.req(t))
			if tc.code == "OK" {
				var env struct {
					Response struct {
						Error     *struct{ Code, Message string }
						RequestId string
					}
				}
				json.Unmarshal(a.Body, &env)
				if a.Status != http.StatusOK || a.ContentType != "application/json" || env.Response.Error != nil {
					t.Errorf("HTTP %d, Content-Type %q, want success: %.300s", a.Status, a.ContentType, a.Body)
				}
				ids = append(ids, env.Response.RequestId)
				return
			}
			code, id := checkErrorEnvelope(t, a)
			if tc.code != "" && code != tc.code {
				t.Errorf("Code = %q, want %q: %s", code, tc.code, a.Body)
			}
			if tc.code == "" {
				t.Logf("answer: %s", a.Body)
			}
			ids = append(ids, id)
		})
	}

	t.Run("RequestIdsDistinctAndLogged", func(t *testing.T) {
		seen := map[string]bool{}
		for _, id := range ids {
			if id == "" || seen[id] {
				t.Errorf("RequestId %q empty or repeated in %v", id, ids)
			}
			seen[id] = true
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			log := srv.Stderr.String()
			var missing []string
			for _, id := range ids {
				if !strings.Contains(log, "request_id="+id) {
					missing = append(missing, id)
				}
			}
			if len(missing) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("RequestIds not in the server log as request_id=<id>: %v", missing)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// ---------------------------------------------------------------------------
// App isolation

// TestAppIsolation checks that an app sees nothing of another app.
func TestAppIsolation(t *testing.T) {
	t.Parallel()
	data := fixtureData(t)
	srv := openvodtest.Start(t, openvodtest.Options{})
	c := newGoSDK(srv.Addr, openvodtest.SecretID, openvodtest.SecretKey)

	// In the default app: a media file, a pulled one with its task, and an
	// uploaded but uncommitted session.
	_, committed := c.upload(t, data, 0, "default-app")
	src := serveFile(t, data)
	var pull struct{ TaskId string }
	c.must(t, "PullUpload", map[string]any{"MediaUrl": src.URL + "/fixture.mp4"}, &pull)
	pulled := c.waitTask(t, pull.TaskId, 0)
	if pulled.PullUploadTask == nil || pulled.PullUploadTask.FileId == "" {
		t.Fatalf("pull in the default app failed: %+v", pulled.PullUploadTask)
	}
	var pending applyUploadResponse
	c.must(t, "ApplyUpload", map[string]any{"MediaType": "mp4"}, &pending)
	if code := put(t, pending.UploadUrl, data); code < 200 || code > 299 {
		t.Fatalf("PUT: HTTP %d", code)
	}

	// A second app, created with the CLI while the server runs.
	createApp(t, srv, "isolation", secondSubAppID)

	fileIDs := []string{committed.FileId, pulled.PullUploadTask.FileId}
	t.Run("SecondAppSeesNothingOfTheDefaultApp", func(t *testing.T) {
		var d describeMediaInfosResponse
		c.must(t, "DescribeMediaInfos", map[string]any{"FileIds": fileIDs, "SubAppId": secondSubAppID}, &d)
		if len(d.MediaInfoSet) != 0 || !equal(d.NotExistFileIdSet, fileIDs) {
			t.Errorf("DescribeMediaInfos in app %d: %+v; want no media and NotExistFileIdSet %v", secondSubAppID, d, fileIDs)
		}
		for _, id := range fileIDs {
			wantSDKError(t, c.send("DeleteMedia", map[string]any{"FileId": id, "SubAppId": secondSubAppID}, nil), "ResourceNotFound.FileNotExist")
		}
		wantSDKError(t, c.send("DescribeTaskDetail", map[string]any{"TaskId": pull.TaskId, "SubAppId": secondSubAppID}, nil), "InvalidParameterValue.TaskId")
		wantSDKError(t, c.send("CommitUpload", map[string]any{"VodSessionKey": pending.VodSessionKey, "SubAppId": secondSubAppID}, nil), "InvalidParameterValue.VodSessionKey")
	})

	t.Run("DefaultAppKeepsItsData", func(t *testing.T) {
		var d describeMediaInfosResponse
		c.must(t, "DescribeMediaInfos", map[string]any{"FileIds": fileIDs}, &d)
		if len(d.MediaInfoSet) != 2 || len(d.NotExistFileIdSet) != 0 {
			t.Errorf("DescribeMediaInfos in the default app: %+v", d)
		}
		c.waitTask(t, pull.TaskId, defaultSubAppID)
		var commit commitUploadResponse
		c.must(t, "CommitUpload", map[string]any{"VodSessionKey": pending.VodSessionKey, "SubAppId": defaultSubAppID}, &commit)
		if !fileIDRE.MatchString(commit.FileId) {
			t.Errorf("CommitUpload: %+v", commit)
		}
	})

	t.Run("DefaultAppSeesNothingOfTheSecondApp", func(t *testing.T) {
		_, other := c.upload(t, data, secondSubAppID, "second-app")
		var d describeMediaInfosResponse
		c.must(t, "DescribeMediaInfos", map[string]any{"FileIds": []string{other.FileId}}, &d)
		if len(d.MediaInfoSet) != 0 || !equal(d.NotExistFileIdSet, []string{other.FileId}) {
			t.Errorf("default app sees media of app %d: %+v", secondSubAppID, d)
		}
		wantSDKError(t, c.send("DeleteMedia", map[string]any{"FileId": other.FileId}, nil), "ResourceNotFound.FileNotExist")
		d = describeMediaInfosResponse{}
		c.must(t, "DescribeMediaInfos", map[string]any{"FileIds": []string{other.FileId}, "SubAppId": secondSubAppID}, &d)
		if len(d.MediaInfoSet) != 1 || d.MediaInfoSet[0].BasicInfo == nil || d.MediaInfoSet[0].BasicInfo.MediaUrl != other.MediaUrl {
			t.Fatalf("app %d does not see its own media: %+v", secondSubAppID, d)
		}
		if status, _, body := httpGet(t, other.MediaUrl, nil); status != http.StatusOK || !bytes.Equal(body, data) {
			t.Errorf("GET MediaUrl of app %d: HTTP %d, %d bytes", secondSubAppID, status, len(body))
		}
		c.must(t, "DeleteMedia", map[string]any{"FileId": other.FileId, "SubAppId": secondSubAppID}, nil)
	})
}

// ---------------------------------------------------------------------------
// Key order

// SDK model member orders (vod_models.d.ts of tencentcloud-sdk-nodejs-vod
// 4.1.287; docs/wire.md §1).
var (
	keysMediaInfo = []string{"BasicInfo", "MetaData", "TranscodeInfo", "AnimatedGraphicsInfo", "SampleSnapshotInfo",
		"ImageSpriteInfo", "SnapshotByTimeOffsetInfo", "KeyFrameDescInfo", "AdaptiveDynamicStreamingInfo",
		"MiniProgramReviewInfo", "SubtitleInfo", "FileId", "ReviewInfo", "MPSAiMediaInfo", "ImageUnderstandingInfo",
		"KnowledgeBasesInfo", "FaceRecognitionInfo"}
	keysMediaBasicInfo = []string{"Name", "Description", "CreateTime", "UpdateTime", "ExpireTime", "ClassId", "ClassName",
		"ClassPath", "CoverUrl", "Type", "MediaUrl", "SourceInfo", "StorageRegion", "StoragePath", "TagSet", "Vid",
		"Category", "Status", "StorageClass"}
	keysMediaSourceData    = []string{"SourceType", "SourceContext", "LiveRecordInfo", "TrtcRecordInfo", "WebPageRecordInfo"}
	keysMediaMetaData      = []string{"Size", "Container", "Bitrate", "Height", "Width", "Duration", "Rotate", "VideoStreamSet", "AudioStreamSet", "VideoDuration", "AudioDuration"}
	keysMediaVideoStream   = []string{"Bitrate", "Height", "Width", "Codec", "Fps", "CodecTag", "DynamicRangeInfo"}
	keysMediaAudioStream   = []string{"Bitrate", "SamplingRate", "Codec"}
	keysDescribeMediaInfos = []string{"MediaInfoSet", "NotExistFileIdSet", "RequestId"}
	keysApplyUpload        = []string{"StorageBucket", "StorageRegion", "VodSessionKey", "MediaStoragePath", "CoverStoragePath", "TempCertificate", "RequestId"}
	keysTempCertificate    = []string{"SecretId", "SecretKey", "Token", "ExpiredTime"}
	keysCommitUpload       = []string{"FileId", "MediaUrl", "CoverUrl", "RequestId"}
	keysDescribeTaskDetail = []string{"TaskType", "Status", "CreateTime", "BeginProcessTime", "FinishTime",
		"ProcedureTask", "EditMediaTask", "WechatPublishTask", "ComposeMediaTask", "SplitMediaTask",
		"WechatMiniProgramPublishTask", "PullUploadTask", "TranscodeTask", "ConcatTask", "ClipTask",
		"CreateImageSpriteTask", "SnapshotByTimeOffsetTask", "RemoveWatermarkTask", "RebuildMediaTask",
		"ExtractTraceWatermarkTask", "ExtractCopyRightWatermarkTask", "ReviewAudioVideoTask",
		"ReduceMediaBitrateTask", "DescribeFileAttributesTask", "QualityInspectTask", "QualityEnhanceTask",
		"ComplexAdaptiveDynamicStreamingTask", "ProcessMediaByMPSTask", "AigcImageTask", "AigcVideoTask",
		"ImportMediaKnowledge", "SceneAigcImageTask", "SceneAigcVideoTask", "ProcessImageAsyncTask",
		"ExtractBlindWatermarkTask", "CreateAigcAdvancedCustomElementTask", "CreateAigcCustomVoiceTask",
		"CreateAigcSubjectTask", "AigcVideoRedrawTask", "AigcAudioTask", "CreateAigcAudioCloneTask",
		"DescribeAigcFaceInfoAsyncTask", "RequestId"}
	keysPullUploadTask = []string{"TaskId", "Status", "ErrCode", "Message", "FileId", "MediaBasicInfo", "MetaData", "FileUrl",
		"ProcedureTaskId", "ReviewAudioVideoTaskId", "SessionContext", "SessionId", "Progress"}
)

// checkKeyOrder checks that got holds every SDK key in the SDK's order,
// followed only by extension keys; a response's RequestId must be last.
func checkKeyOrder(t testing.TB, what string, got, sdk []string) {
	t.Helper()
	want := sdk
	if n := len(sdk); n > 0 && sdk[n-1] == "RequestId" {
		want = sdk[:n-1]
		if len(got) == 0 || got[len(got)-1] != "RequestId" {
			t.Errorf("%s: RequestId is not the last key: %v", what, got)
			return
		}
		got = got[:len(got)-1]
	}
	if len(got) < len(want) || !equal(got[:len(want)], want) {
		t.Errorf("%s: keys\n  got  %v\n  want %v (then extension keys only)", what, got, want)
		return
	}
	known := map[string]bool{}
	for _, k := range sdk {
		known[k] = true
	}
	for _, k := range got[len(want):] {
		if known[k] {
			t.Errorf("%s: key %s repeated after the SDK keys: %v", what, k, got)
		}
	}
	if extra := got[len(want):]; len(extra) > 0 {
		t.Logf("%s: extension keys %v", what, extra)
	}
}

// rawCall runs action with a signed raw request and returns the raw
// "Response" object, failing on an error answer.
func rawCall(t testing.TB, srv *openvodtest.Server, action string, body string) json.RawMessage {
	t.Helper()
	req, err := srv.Client().NewRequest(context.Background(), action, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	a := doRaw(t, req)
	if a.Status != http.StatusOK || a.ContentType != "application/json" {
		t.Fatalf("%s: HTTP %d, Content-Type %q", action, a.Status, a.ContentType)
	}
	_, top := objectKeys(t, "body", a.Body)
	resp := top["Response"]
	if bytes.Contains(resp, []byte(`"Error":{`)) {
		t.Fatalf("%s: %s", action, a.Body)
	}
	return resp
}

// TestResponseKeyOrder compares the key sequences of raw responses with the
// SDK models (values are checked elsewhere).
func TestResponseKeyOrder(t *testing.T) {
	t.Parallel()
	data := fixtureData(t)
	srv := openvodtest.Start(t, openvodtest.Options{})

	// The name checks that JSON is written without HTML escaping (docs/wire.md §1).
	applyRaw := rawCall(t, srv, "ApplyUpload", `{"MediaType":"mp4","MediaName":"a&b <order>"}`)
	keys, apply := objectKeys(t, "ApplyUpload", applyRaw)
	checkKeyOrder(t, "ApplyUploadResponse", keys, keysApplyUpload)
	keys, _ = objectKeys(t, "TempCertificate", apply["TempCertificate"])
	checkKeyOrder(t, "TempCertificate", keys, keysTempCertificate)
	var session struct{ VodSessionKey, UploadUrl string }
	json.Unmarshal(applyRaw, &session)
	if code := put(t, session.UploadUrl, data); code < 200 || code > 299 {
		t.Fatalf("PUT: HTTP %d", code)
	}

	commitRaw := rawCall(t, srv, "CommitUpload", `{"VodSessionKey":"`+session.VodSessionKey+`"}`)
	keys, _ = objectKeys(t, "CommitUpload", commitRaw)
	checkKeyOrder(t, "CommitUploadResponse", keys, keysCommitUpload)
	var commit struct{ FileId string }
	json.Unmarshal(commitRaw, &commit)

	t.Run("DescribeMediaInfos", func(t *testing.T) {
		resp := rawCall(t, srv, "DescribeMediaInfos", `{"FileIds":["`+commit.FileId+`"]}`)
		keys, top := objectKeys(t, "DescribeMediaInfos", resp)
		checkKeyOrder(t, "DescribeMediaInfosResponse", keys, keysDescribeMediaInfos)
		var set []json.RawMessage
		if err := json.Unmarshal(top["MediaInfoSet"], &set); err != nil || len(set) != 1 {
			t.Fatalf("MediaInfoSet: %s", top["MediaInfoSet"])
		}
		if !bytes.Contains(set[0], []byte(`"Name":"a&b <order>"`)) {
			t.Errorf("Name is not written verbatim (HTML escaping must be off): %.200s", set[0])
		}
		keys, info := objectKeys(t, "MediaInfo", set[0])
		checkKeyOrder(t, "MediaInfo", keys, keysMediaInfo)
		keys, basic := objectKeys(t, "BasicInfo", info["BasicInfo"])
		if !equal(keys, keysMediaBasicInfo) {
			t.Errorf("BasicInfo keys\n  got  %v\n  want %v (docs/wire.md §1)", keys, keysMediaBasicInfo)
		}
		keys, _ = objectKeys(t, "SourceInfo", basic["SourceInfo"])
		checkKeyOrder(t, "SourceInfo", keys, keysMediaSourceData)
		keys, meta := objectKeys(t, "MetaData", info["MetaData"])
		checkKeyOrder(t, "MetaData", keys, keysMediaMetaData)
		var video, audio []json.RawMessage
		json.Unmarshal(meta["VideoStreamSet"], &video)
		json.Unmarshal(meta["AudioStreamSet"], &audio)
		if len(video) != 1 || len(audio) != 1 {
			t.Fatalf("VideoStreamSet %s, AudioStreamSet %s: want one stream each", meta["VideoStreamSet"], meta["AudioStreamSet"])
		}
		keys, _ = objectKeys(t, "VideoStreamSet[0]", video[0])
		checkKeyOrder(t, "MediaVideoStreamItem", keys, keysMediaVideoStream)
		keys, _ = objectKeys(t, "AudioStreamSet[0]", audio[0])
		checkKeyOrder(t, "MediaAudioStreamItem", keys, keysMediaAudioStream)
	})

	t.Run("DescribeTaskDetail", func(t *testing.T) {
		src := serveFile(t, data)
		var pull struct{ TaskId string }
		json.Unmarshal(rawCall(t, srv, "PullUpload", `{"MediaUrl":"`+src.URL+`/fixture.mp4"}`), &pull)
		c := newGoSDK(srv.Addr, openvodtest.SecretID, openvodtest.SecretKey)
		c.waitTask(t, pull.TaskId, 0)
		resp := rawCall(t, srv, "DescribeTaskDetail", `{"TaskId":"`+pull.TaskId+`"}`)
		keys, top := objectKeys(t, "DescribeTaskDetail", resp)
		checkKeyOrder(t, "DescribeTaskDetailResponse", keys, keysDescribeTaskDetail)
		keys, _ = objectKeys(t, "PullUploadTask", top["PullUploadTask"])
		checkKeyOrder(t, "PullUploadTask", keys, keysPullUploadTask)
	})
}
