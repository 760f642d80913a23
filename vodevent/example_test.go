package vodevent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/openvod/openvod/vodevent"
)

func ExampleCallbackSign() {
	// A receiver recomputes Sign from its SignKey and the body's T.
	fmt.Println(vodevent.CallbackSign("abc123XYZ", 1700000600))

	// A sender appends Sign and T to the marshalled event.
	body := vodevent.AppendSign([]byte(`{"EventType":"ClipComplete"}`), "abc123XYZ", 1700000600)
	fmt.Println(string(body))
	// Output:
	// eaeff3756f6d588bd61ec1772ef91015
	// {"EventType":"ClipComplete","Sign":"eaeff3756f6d588bd61ec1772ef91015","T":1700000600}
}

func ExampleWebhookSign() {
	// The example of the Standard Webhooks specification.
	sig, err := vodevent.WebhookSign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(sig)
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

func ExampleHandler() {
	const signKey = "abc123XYZ"
	srv := httptest.NewServer(&vodevent.Handler{
		SignKey: signKey,
		Func: func(ctx context.Context, e *vodevent.EventContent) error {
			// Record the event idempotently, then return nil.
			fmt.Println("got", e.EventType, e.ClipCompleteEvent.FileInfo.FileId)
			return nil
		},
	})
	defer srv.Close()

	// What openvod sends: the event, signed for the next 10 minutes.
	event, _ := json.Marshal(&vodevent.EventContent{
		EventType: vodevent.TypeClipComplete,
		ClipCompleteEvent: &vodevent.ClipTask2017{
			TaskId: "clipVideo-0a78cf44c4285026a4c", SrcFileId: "16092504232103571364",
			FileInfo: &vodevent.ClipFileInfo2017{FileId: "14508071098244929440", FileType: "mp4"},
		},
	})
	for _, body := range [][]byte{
		vodevent.AppendSign(event, signKey, time.Now().Add(10*time.Minute).Unix()),
		vodevent.AppendSign(event, "wrongKey", time.Now().Add(10*time.Minute).Unix()),
	} {
		resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// Output:
	// got ClipComplete 14508071098244929440
	// 204 No Content
	// 401 Unauthorized
}

func ExampleEventContent_UnmarshalJSON() {
	// Tencent Cloud's style: null keys left out, the SDK's key name.
	tencent := `{"EventType":"EditMediaComplete","EditMediaCompleteEvent":{"TaskId":"edit-1"}}`
	// openvod's style: every key, the seed document's name.
	openvod := `{"EventType":"EditMediaComplete","FileUploadEvent":null,"EditMediaComplete":{"TaskId":"edit-1"},"ClipCompleteEvent":null}`
	for _, body := range []string{tencent, openvod} {
		var e vodevent.EventContent
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			panic(err)
		}
		fmt.Println(e.EventType, e.EditMediaComplete.TaskId, e.EditMediaCompleteEvent.TaskId, e.ClipCompleteEvent == nil)
	}
	// Output:
	// EditMediaComplete edit-1 edit-1 true
	// EditMediaComplete edit-1 edit-1 true
}

func ExamplePuller_Run() {
	// A stand-in for openvod: one event, then nothing (it does not check
	// signatures; the package tests do).
	ctx, cancel := context.WithCancel(context.Background())
	var pulled atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ EventHandles []string }
		json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Header.Get("X-TC-Action") == "ConfirmEvents":
			fmt.Println("confirmed", body.EventHandles)
			cancel()
			fmt.Fprint(w, `{"Response":{"RequestId":"r2"}}`)
		case !pulled.Swap(true):
			fmt.Fprint(w, `{"Response":{"EventSet":[{"EventHandle":"h1","EventType":"PersistenceComplete",`+
				`"PersistenceCompleteEvent":{"FileId":"5285485487985271487","PersistenceSource":"SimpleHlsClip"}}],"RequestId":"r1"}}`)
		default: // long poll: hold until the client goes away
			<-r.Context().Done()
		}
	}))
	defer srv.Close()

	p := &vodevent.Puller{
		Endpoint: srv.URL, SecretId: "AKIDexample", SecretKey: "secret", SubAppId: 1500000001,
		Func: func(ctx context.Context, e *vodevent.EventContent) error {
			fmt.Println("got", e.EventType, e.PersistenceCompleteEvent.FileId)
			return nil
		},
	}
	fmt.Println(p.Run(ctx))
	// Output:
	// got PersistenceComplete 5285485487985271487
	// confirmed [h1]
	// context canceled
}
