package gosdk

import (
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	vod "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vod/v20180717"
)

const unknownFileID = "5285890799999999999"

// settings are the test's environment, set by the parent sdktest package.
type settings struct {
	endpoint, secretID, secretKey, fixture string
	subAppID                               uint64
	// skewed are servers with the same key whose clocks are 310 s off.
	skewed []string
}

func env(t *testing.T) settings {
	t.Helper()
	var s settings
	var missing []string
	get := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	s.endpoint, s.secretID, s.secretKey, s.fixture = get("OPENVOD_ENDPOINT"), get("OPENVOD_SECRET_ID"), get("OPENVOD_SECRET_KEY"), get("OPENVOD_FIXTURE_MP4")
	id := get("OPENVOD_SIGNING_SUB_APP_ID")
	s.skewed = strings.Split(get("OPENVOD_SKEWED_ENDPOINTS"), ",")
	if len(missing) > 0 {
		t.Fatalf("missing environment variable(s) %s: run these tests with `go test ./sdktest/ -run TestGoTypedSDK`", strings.Join(missing, ", "))
	}
	var err error
	if s.subAppID, err = strconv.ParseUint(id, 10, 64); err != nil {
		t.Fatalf("OPENVOD_SIGNING_SUB_APP_ID: %v", err)
	}
	return s
}

// client is the typed VOD client with the given sign and request methods.
func client(t *testing.T, s settings, secretID, secretKey, signMethod, reqMethod string) *vod.Client {
	t.Helper()
	return clientAt(t, s.endpoint, secretID, secretKey, signMethod, reqMethod)
}

// clientAt is client for another server.
func clientAt(t *testing.T, endpoint, secretID, secretKey, signMethod, reqMethod string) *vod.Client {
	t.Helper()
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = endpoint
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.ReqMethod = reqMethod
	cpf.SignMethod = signMethod
	c, err := vod.NewClient(common.NewCredential(secretID, secretKey), "", cpf)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *tcerr.TencentCloudSDKError
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("want the SDK error %s, got %v", code, err)
	}
}

// TestUploadExample runs the README's Go example and finds the file it
// uploaded, with the fixture's size.
func TestUploadExample(t *testing.T) {
	s := env(t)
	fileID, err := Upload(s.endpoint, s.secretID, s.secretKey, s.fixture)
	if err != nil {
		t.Fatal(err)
	}
	req := vod.NewDescribeMediaInfosRequest()
	req.FileIds = common.StringPtrs([]string{fileID})
	resp, err := client(t, s, s.secretID, s.secretKey, "TC3-HMAC-SHA256", "POST").DescribeMediaInfos(req)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.fixture)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Response.MediaInfoSet) != 1 || *resp.Response.MediaInfoSet[0].FileId != fileID ||
		*resp.Response.MediaInfoSet[0].MetaData.Size != fi.Size() {
		t.Fatalf("DescribeMediaInfos %s: %s, want the file with %d bytes", fileID, resp.ToJsonString(), fi.Size())
	}
}

// TestSignMethods calls openvod with every sign method and request method
// of the typed client: arrays (FileIds, Filters, EventHandles), nested
// parameters (DeleteParts.0.Type), events, and the signing errors (wrong
// key, unknown key, and an expired timestamp at the skewed servers).
func TestSignMethods(t *testing.T) {
	s := env(t)
	data, err := os.ReadFile(s.fixture)
	if err != nil {
		t.Fatal(err)
	}
	sub := common.Uint64Ptr(s.subAppID)
	config := vod.NewModifyEventConfigRequest()
	config.SubAppId, config.Mode, config.UploadMediaCompleteEventSwitch = sub, common.StringPtr("PULL"), common.StringPtr("ON")
	if _, err := client(t, s, s.secretID, s.secretKey, "TC3-HMAC-SHA256", "POST").ModifyEventConfig(config); err != nil {
		t.Fatal(err)
	}
	for _, signMethod := range []string{"TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256"} {
		for _, reqMethod := range []string{"POST", "GET"} {
			t.Run(signMethod+"/"+reqMethod, func(t *testing.T) {
				c := client(t, s, s.secretID, s.secretKey, signMethod, reqMethod)
				apply := vod.NewApplyUploadRequest()
				apply.SubAppId, apply.MediaType, apply.MediaName = sub, common.StringPtr("mp4"), common.StringPtr(signMethod+" "+reqMethod)
				applied, err := c.ApplyUpload(apply)
				if err != nil {
					t.Fatal(err)
				}
				put, _ := http.NewRequest(http.MethodPut, "http://"+s.endpoint+"/upload/"+*applied.Response.VodSessionKey, strings.NewReader(string(data)))
				resp, err := (&http.Client{Timeout: time.Minute}).Do(put)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					t.Fatalf("PUT: HTTP %s", resp.Status)
				}
				commit := vod.NewCommitUploadRequest()
				commit.SubAppId, commit.VodSessionKey = sub, applied.Response.VodSessionKey
				committed, err := c.CommitUpload(commit)
				if err != nil {
					t.Fatal(err)
				}
				fileID := *committed.Response.FileId

				describe := vod.NewDescribeMediaInfosRequest()
				describe.SubAppId = sub
				describe.FileIds = common.StringPtrs([]string{fileID, unknownFileID})
				describe.Filters = common.StringPtrs([]string{"basicInfo"})
				described, err := c.DescribeMediaInfos(describe)
				if err != nil {
					t.Fatal(err)
				}
				r := described.Response
				if len(r.MediaInfoSet) != 1 || *r.MediaInfoSet[0].BasicInfo.Name != signMethod+" "+reqMethod || r.MediaInfoSet[0].MetaData != nil ||
					len(r.NotExistFileIdSet) != 1 || *r.NotExistFileIdSet[0] != unknownFileID {
					t.Fatalf("DescribeMediaInfos: %s", described.ToJsonString())
				}

				pull := vod.NewPullEventsRequest()
				pull.SubAppId = sub
				pulled, err := c.PullEvents(pull)
				if err != nil {
					t.Fatal(err)
				}
				var handle *string
				for _, ev := range pulled.Response.EventSet {
					if ev.FileUploadEvent != nil && *ev.FileUploadEvent.FileId == fileID {
						handle = ev.EventHandle
					}
				}
				if handle == nil {
					t.Fatalf("PullEvents: no FileUploadEvent for %s in %s", fileID, pulled.ToJsonString())
				}
				confirm := vod.NewConfirmEventsRequest()
				confirm.SubAppId, confirm.EventHandles = sub, []*string{handle}
				if _, err := c.ConfirmEvents(confirm); err != nil {
					t.Fatal(err)
				}

				del := vod.NewDeleteMediaRequest()
				del.SubAppId, del.FileId = sub, common.StringPtr(fileID)
				del.DeleteParts = []*vod.MediaDeleteItem{{Type: common.StringPtr("OriginalFiles"), Definition: common.Int64Ptr(0)}}
				if _, err := c.DeleteMedia(del); err != nil {
					t.Fatal(err)
				}
				gone, err := c.DescribeMediaInfos(describe)
				if err != nil {
					t.Fatal(err)
				}
				if len(gone.Response.MediaInfoSet) != 0 {
					t.Fatalf("after DeleteMedia with DeleteParts OriginalFiles: %s", gone.ToJsonString())
				}

				// A request remembers the endpoint it was first sent to: one each.
				probe := func() *vod.DescribeMediaInfosRequest {
					req := vod.NewDescribeMediaInfosRequest()
					req.FileIds = common.StringPtrs([]string{unknownFileID})
					return req
				}
				_, err = client(t, s, s.secretID, s.secretKey+"x", signMethod, reqMethod).DescribeMediaInfos(probe())
				wantCode(t, err, "AuthFailure.SignatureFailure")
				_, err = client(t, s, "AKIDnosuchkey00000000000000000000", s.secretKey, signMethod, reqMethod).DescribeMediaInfos(probe())
				wantCode(t, err, "AuthFailure.SecretIdNotFound")
				for _, endpoint := range s.skewed {
					_, err = clientAt(t, endpoint, s.secretID, s.secretKey, signMethod, reqMethod).DescribeMediaInfos(probe())
					wantCode(t, err, "AuthFailure.SignatureExpire")
				}
			})
		}
	}
}
