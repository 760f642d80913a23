package sdktest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/blob/local"
	"github.com/openvod/openvod/eventlog"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/openvodtest"
	"github.com/openvod/openvod/pull"
	"github.com/openvod/openvod/store/sqlite"
	"github.com/openvod/openvod/tcapi"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

var (
	signMethods = []string{"TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256"}
	reqMethods  = []string{"POST", "GET"}
)

// newGoSDKWith is newGoSDK with the profile's sign and request methods.
func newGoSDKWith(addr, secretID, secretKey, signMethod, reqMethod string) *goSDK {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = addr
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.ReqMethod = reqMethod
	cpf.HttpProfile.ReqTimeout = 60
	cpf.SignMethod = signMethod
	return &goSDK{cc: common.NewCommonClient(common.NewCredential(secretID, secretKey), "ap-guangzhou", cpf)}
}

// startGatewayAt serves the API gateway in process, on a fresh SQLite
// store with openvodtest's key, with a clock offset from the real one.
func startGatewayAt(t *testing.T, offset time.Duration) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	now := func() time.Time { return time.Now().Add(offset) }
	st, err := sqlite.Open(ctx, filepath.Join(dir, "openvod.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.AppCreate(ctx, "default", now()); err != nil {
		t.Fatal(err)
	}
	if err := st.KeyInsert(ctx, &openvod.APIKey{SecretID: openvodtest.SecretID, SecretKey: openvodtest.SecretKey, CreateTime: now()}); err != nil {
		t.Fatal(err)
	}
	blobs, err := local.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := eventlog.NewHub()
	events := &eventlog.Log{Store: st, Hub: hub, Owner: "sdktest", NowFunc: now}
	svc := &media.Service{Store: st, Blobs: blobs, PublicURL: "http://vod.test", UploadTTL: time.Hour, Events: events, Logger: logger}
	srv := httptest.NewServer(tcapi.New(tcapi.Config{Store: st, Media: svc, Logger: logger, NowFunc: now,
		Events: events, Pull: &pull.Queue{Store: st, Hub: hub, NowFunc: now}}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// TestGoCommonClientSigning calls openvod through the Go SDK's CommonClient
// with every sign method and request method. The CommonClient sends no
// action parameters with a v1 signature or GET (it flattens only typed
// requests), so it calls DescribeEventsState, which takes none; the typed
// client's calls with parameters are TestGoTypedSDK's.
func TestGoCommonClientSigning(t *testing.T) {
	t.Parallel()
	srv := openvodtest.Start(t, openvodtest.Options{})
	early := startGatewayAt(t, -310*time.Second)
	late := startGatewayAt(t, 310*time.Second)
	for _, sm := range signMethods {
		for _, rm := range reqMethods {
			t.Run(sm+"/"+rm, func(t *testing.T) {
				var state struct {
					CountOfEventsToPull *int64
					RequestId           string
				}
				newGoSDKWith(srv.Addr, openvodtest.SecretID, openvodtest.SecretKey, sm, rm).must(t, "DescribeEventsState", nil, &state)
				if state.CountOfEventsToPull == nil || !uuidRE.MatchString(state.RequestId) {
					t.Errorf("DescribeEventsState: %+v", state)
				}
				err := newGoSDKWith(srv.Addr, openvodtest.SecretID, openvodtest.SecretKey+"x", sm, rm).send("DescribeEventsState", nil, nil)
				wantSDKError(t, err, "AuthFailure.SignatureFailure")
				err = newGoSDKWith(srv.Addr, "AKIDnosuchkey00000000000000000000", openvodtest.SecretKey, sm, rm).send("DescribeEventsState", nil, nil)
				wantSDKError(t, err, "AuthFailure.SecretIdNotFound")
				for _, addr := range []string{early, late} {
					err = newGoSDKWith(addr, openvodtest.SecretID, openvodtest.SecretKey, sm, rm).send("DescribeEventsState", nil, nil)
					wantSDKError(t, err, "AuthFailure.SignatureExpire")
				}
			})
		}
	}
}

// TestGoTypedSDK runs the tests of the module in gosdk, which use the Go
// SDK's typed VOD client (every sign and request method with parameters,
// and the README's upload example), against a server, and against two
// gateways whose clocks are 310 s off, for expired timestamps (10 s past
// the window: a timestamp in whole seconds taken at 301 s could fall back
// inside it by the time it is checked).
func TestGoTypedSDK(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go command is not on PATH")
	}
	dir, err := filepath.Abs("gosdk")
	if err != nil {
		t.Fatal(err)
	}
	fixture := fixtureMP4(t)
	srv := openvodtest.Start(t, openvodtest.Options{})
	createApp(t, srv, "signing", 1500000002)
	skewed := startGatewayAt(t, -310*time.Second) + "," + startGatewayAt(t, 310*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "test", "-count=1", "-v", ".")
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(),
		"OPENVOD_ENDPOINT="+srv.Addr,
		"OPENVOD_SECRET_ID="+openvodtest.SecretID,
		"OPENVOD_SECRET_KEY="+openvodtest.SecretKey,
		"OPENVOD_FIXTURE_MP4="+fixture,
		"OPENVOD_SIGNING_SUB_APP_ID=1500000002",
		"OPENVOD_SKEWED_ENDPOINTS="+skewed,
	)
	if err := runStreaming(t, cmd); err != nil {
		t.Fatalf("go test in %s failed: %v (see the output above)", dir, err)
	}
}

// TestREADMEUploadExample keeps the README's Go upload example the code
// that TestGoTypedSDK compiles and runs: gosdk/upload.go from its import
// block on.
func TestREADMEUploadExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("gosdk", "upload.go"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(src, []byte("import ("))
	if i < 0 {
		t.Fatal("gosdk/upload.go has no import block")
	}
	if !bytes.Contains(readme, append([]byte("```go\n"), src[i:]...)) {
		t.Errorf("README.md does not hold gosdk/upload.go from its import block on in a ```go block; copy it there")
	}
	for _, want := range []string{"/upload/<VodSessionKey>", "vod_client.VodClient", "VodSessionKey"} {
		if !bytes.Contains(readme, []byte(want)) {
			t.Errorf("README.md does not mention %s", want)
		}
	}
}
