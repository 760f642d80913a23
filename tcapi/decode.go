package tcapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/openvod/openvod"
)

// params are a request's parameters split into their top-level keys: a
// JSON body's, or the flattened key=value pairs of a query string or form
// body (API v1 signatures, TC3 GET) put back into JSON by unflatten.
type params struct {
	values map[string]json.RawMessage
	// flat marks values from key=value pairs: their leaves are JSON
	// strings, converted to the target field's type when decoded.
	flat bool
}

// parseParams splits a JSON object body. An empty body is an empty object.
func parseParams(body []byte) (params, error) {
	p := params{values: map[string]json.RawMessage{}}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(body, &p.values); err != nil || p.values == nil {
		return params{}, openvod.Errorf(openvod.CodeInvalidParameter, "the request body must be a JSON object")
	}
	return p, nil
}

// flatParams builds params from flattened key=value pairs.
func flatParams(values map[string]string) (params, error) {
	v, err := unflatten(values)
	if err != nil {
		return params{}, err
	}
	return params{values: v, flat: true}, nil
}

// raw returns key's value as JSON that decodes into a value of type t.
func (p params) raw(key string, t reflect.Type) json.RawMessage {
	raw := p.values[key]
	if p.flat {
		raw = coerce(raw, t)
	}
	return raw
}

// commonParams are accepted by every action and handled by the gateway.
var commonParams = map[string]bool{"SubAppId": true}

// decode fills the struct v points to from p. Keys match JSON field names
// exactly. A field tagged `tc:"required"` must be present and not null. A
// key that names no field is UnknownParameter; a value of the wrong JSON
// type is InvalidParameter.
func (p params) decode(v any) error {
	rv := reflect.ValueOf(v).Elem()
	fields := fieldsOf(rv.Type())
	for key, raw := range p.values {
		if commonParams[key] {
			continue
		}
		f, ok := fields.byName[key]
		if !ok {
			return openvod.Errorf(openvod.CodeUnknownParameter, "the parameter %s is not recognized for this action", key)
		}
		if isNull(raw) {
			continue
		}
		field := rv.Field(f.index)
		raw = p.raw(key, field.Type())
		if err := json.Unmarshal(raw, field.Addr().Interface()); err != nil || (field.Kind() == reflect.Slice && hasNullElement(raw)) {
			return openvod.Errorf(openvod.CodeInvalidParameter, "the parameter %s must be %s", key, describeType(field.Type()))
		}
	}
	for _, name := range fields.required {
		if raw, ok := p.values[name]; !ok || isNull(raw) {
			return openvod.Errorf(openvod.CodeMissingParameter, "the request is missing the required parameter %s", name)
		}
	}
	return nil
}

// has reports whether key is present and not null.
func (p params) has(key string) bool {
	raw, ok := p.values[key]
	return ok && !isNull(raw)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// hasNullElement reports whether the JSON array raw holds a null.
func hasNullElement(raw json.RawMessage) bool {
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return false
	}
	for _, e := range elems {
		if isNull(e) {
			return true
		}
	}
	return false
}

type structFields struct {
	byName   map[string]fieldInfo
	required []string
}

type fieldInfo struct{ index int }

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{byName: map[string]fieldInfo{}}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		f.byName[name] = fieldInfo{index: i}
		if sf.Tag.Get("tc") == "required" {
			f.required = append(f.required, name)
		}
	}
	fieldCache.Store(t, f)
	return f
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Int32, reflect.Uint32:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(describeType(t.Elem()), "a "), "an ") + " values"
	case reflect.Pointer:
		return describeType(t.Elem())
	default:
		return fmt.Sprintf("a %s object", t.Name())
	}
}
