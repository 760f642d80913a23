package tcapi

import (
	"bytes"
	"net/http"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/vodevent"
)

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) ([]byte, error) { return vodevent.Marshal(v) }

// successBody wraps an action's result object as
// {"Response":{...result fields...,"RequestId":id}}.
func successBody(result any, requestID string) ([]byte, error) {
	obj := []byte("{}")
	if result != nil {
		var err error
		if obj, err = marshal(result); err != nil {
			return nil, err
		}
	}
	id, _ := marshal(requestID)
	var buf bytes.Buffer
	buf.WriteString(`{"Response":`)
	buf.Write(obj[:len(obj)-1])
	if len(obj) > 2 {
		buf.WriteByte(',')
	}
	buf.WriteString(`"RequestId":`)
	buf.Write(id)
	buf.WriteString("}}")
	return buf.Bytes(), nil
}

type errorEnvelope struct {
	Response struct {
		Error struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		RequestId string `json:"RequestId"`
	} `json:"Response"`
}

// errorBody is {"Response":{"Error":{"Code","Message"},"RequestId"}}.
func errorBody(e *openvod.Error, requestID string) []byte {
	var env errorEnvelope
	env.Response.Error.Code = e.Code
	env.Response.Error.Message = e.Message
	env.Response.RequestId = requestID
	b, _ := marshal(env)
	return b
}

// writeBody answers HTTP 200 with Content-Type exactly application/json, as
// every official SDK requires (errors included).
func writeBody(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
