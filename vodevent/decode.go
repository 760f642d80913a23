package vodevent

import (
	"bytes"
	"encoding/json"
)

// UnmarshalJSON decodes one event notification in either wire format: the
// body of a push, an item of PullEvents' EventSet, from openvod or from
// Tencent Cloud. It replaces all of *e.
//
// It accepts both names of the events whose key differs between the seed
// document and Tencent's SDK models: EditMediaComplete and
// EditMediaCompleteEvent both fill [EventContent.EditMediaComplete] and
// [EventContent.EditMediaCompleteEvent] (the same value, as openvod sends
// it); WechatPublishComplete and WechatPublishCompleteEvent fill
// [EventContent.WechatPublishComplete]. When both names of a pair carry an
// object, the seed's name wins. An omitted key and a null one decode alike:
// to a nil pointer or a nil [json.RawMessage] (never the bytes "null"). Keys
// the type does not know are ignored; EventHandle, Sign and T are read when
// present. A JSON null leaves *e unchanged, as encoding/json does for
// structs.
//
// Marshalling is untouched: [EventContent] has no MarshalJSON, so
// encoding/json writes the seed's shape described on the type.
func (e *EventContent) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	type plain EventContent // same fields, no methods: no recursion
	var v struct {
		plain
		WechatPublishCompleteEvent json.RawMessage `json:"WechatPublishCompleteEvent"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	out := EventContent(v.plain)
	if out.EditMediaComplete == nil {
		out.EditMediaComplete = out.EditMediaCompleteEvent
	}
	out.EditMediaCompleteEvent = out.EditMediaComplete
	out.WechatPublishComplete = firstObject(out.WechatPublishComplete, v.WechatPublishCompleteEvent)
	*e = out
	return nil
}

// firstObject returns the first of raws that is neither empty nor null, or
// nil.
func firstObject(raws ...json.RawMessage) json.RawMessage {
	for _, raw := range raws {
		if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
			return raw
		}
	}
	return nil
}
