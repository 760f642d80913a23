// Package vodevent receives the event notifications of openvod, a
// self-hosted server speaking the Tencent Cloud VOD API 3.0 (version
// 2018-07-17), and of Tencent Cloud VOD itself. It holds the wire types of
// the events (the media structures and the task structures they carry), a
// push receiver, a pull client, and the signatures both sides use.
//
// Field order follows the official SDK models, so encoding/json writes the
// keys in the order Tencent documents. The package depends on the standard
// library only and can be imported by application backends on its own.
//
// # Push: normal callback
//
// In PUSH mode the server POSTs each event as a JSON [EventContent] to the
// app's NotificationUrl. Mount a [Handler] there:
//
//	http.Handle("/vod/events", &vodevent.Handler{
//		SignKey: os.Getenv("VOD_SIGN_KEY"), // as set with ModifyEventConfig
//		Func: func(ctx context.Context, e *vodevent.EventContent) error {
//			return recordEvent(ctx, e) // idempotent; nil only once stored
//		},
//	})
//
// The Handler checks the callback signature (Sign and T, see [CallbackSign])
// and, when configured, Standard Webhooks headers ([WebhookVerify]); it
// answers 2xx only when Func returned nil, and openvod retries any other
// answer (with backoff, for up to 24 h; after that the event waits to be
// pulled).
//
// # Pull: reliable callback
//
// In PULL mode the app fetches events with PullEvents and acknowledges them
// with ConfirmEvents. [Puller.Run] loops over both and calls Func for each
// event; [Puller.PullOnce] and [Puller.Confirm] give finer control. Requests
// are signed with TC3-HMAC-SHA256 ([TC3Sign]).
//
// # At least once
//
// Both modes deliver each event at least once, in no guaranteed order: a
// push whose 2xx is lost is sent again, and a pulled event not confirmed
// within 30 s is pulled again. Make Func idempotent, keyed on what the event
// is about (a ClipComplete's TaskId, a NewFileUpload's FileId, ...), or on
// [WebhookID] for Standard Webhooks pushes.
//
// # Two wire formats
//
// openvod writes the seed document's shape: every event key present, null
// but the event's own, and the names EditMediaComplete and
// WechatPublishComplete (an EditMediaComplete event also carries its task
// under the SDK's EditMediaCompleteEvent, after the seed's keys). Tencent
// Cloud may omit null keys and uses the SDK's names EditMediaCompleteEvent
// and WechatPublishCompleteEvent.
// [EventContent.UnmarshalJSON] reads both, so the same code consumes
// either server.
package vodevent
