// Package gosdk is the part of openvod's SDK conformance suite that needs
// the Go SDK's typed VOD client (package vod/v20180717); it is a module of
// its own, run by the parent sdktest package (TestGoTypedSDK), and holds the
// README's Go upload example (this file from its import block on).
package gosdk

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	vod "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vod/v20180717"
)

// Upload sends the MP4 file at path to openvod at endpoint (host:port, plain
// HTTP) and returns its FileId. The typed ApplyUpload response has no
// UploadUrl: the upload URL is <endpoint>/upload/<VodSessionKey>.
func Upload(endpoint, secretID, secretKey, path string) (string, error) {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = endpoint
	cpf.HttpProfile.Scheme = "HTTP"
	client, err := vod.NewClient(common.NewCredential(secretID, secretKey), "", cpf)
	if err != nil {
		return "", err
	}
	apply := vod.NewApplyUploadRequest()
	apply.MediaType = common.StringPtr("mp4")
	applied, err := client.ApplyUpload(apply)
	if err != nil {
		return "", err
	}

	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	put, err := http.NewRequest(http.MethodPut, "http://"+endpoint+"/upload/"+*applied.Response.VodSessionKey, f)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Minute}).Do(put)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("upload: HTTP %s", resp.Status)
	}

	commit := vod.NewCommitUploadRequest()
	commit.VodSessionKey = applied.Response.VodSessionKey
	committed, err := client.CommitUpload(commit)
	if err != nil {
		return "", err
	}
	return *committed.Response.FileId, nil
}
