package vodevent

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"strconv"
)

// CallbackSign returns the Sign of a callback whose signature expires at t
// (Unix seconds): the lowercase hex MD5 of signKey followed by t in decimal,
// as Tencent documents for ModifyEventConfig's SignKey. openvod sets T to
// the send time plus 600 seconds.
//
// Sign covers the key and T only, not the body: it shows that the sender
// knows the SignKey and bounds replays by T, but it does not protect the
// event itself. Use HTTPS, or Standard Webhooks ([WebhookSign]), which signs
// the body.
func CallbackSign(signKey string, t int64) string {
	sum := md5.Sum([]byte(signKey + strconv.FormatInt(t, 10)))
	return hex.EncodeToString(sum[:])
}

// AppendSign returns a new slice holding the push body with
// `,"Sign":"<CallbackSign(signKey, t)>","T":<t>` inserted before its closing
// brace: for t > 0, the bytes encoding/json writes for the same
// [EventContent] with Sign and T set. Trailing white space after the closing
// brace (such as the newline of a [json.Encoder]) is dropped. body is not
// modified.
//
// body must be a JSON object without Sign and T; AppendSign does not parse
// it, and panics if body does not end with '}'.
func AppendSign(body []byte, signKey string, t int64) []byte {
	body = bytes.TrimRight(body, " \t\r\n")
	if len(body) == 0 || body[len(body)-1] != '}' {
		panic("vodevent: AppendSign: body is not a JSON object")
	}
	obj := body[:len(body)-1]
	out := make([]byte, 0, len(body)+64)
	out = append(out, obj...)
	if !bytes.Equal(bytes.TrimSpace(obj), []byte("{")) {
		out = append(out, ',')
	}
	out = append(out, `"Sign":"`...)
	out = append(out, CallbackSign(signKey, t)...)
	out = append(out, `","T":`...)
	out = strconv.AppendInt(out, t, 10)
	return append(out, '}')
}
