package tcapi

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/openvod/openvod"
)

// maxFlatDepth bounds the dotted parts of one flattened parameter name
// (A.B.0.C has four); the deepest request struct has three.
const maxFlatDepth = 8

// flatNode is one name in a tree of flattened parameters: a value, or the
// parent of the names that extend it by one dotted part.
type flatNode struct {
	value    *string
	children map[string]*flatNode
}

// unflatten turns the flattened parameters of a form body or query string
// (FileIds.0=a, DeleteParts.0.Type=b) back into top-level JSON values:
// names whose parts are 0, 1, ... n-1 become arrays, other parts objects,
// and every value a JSON string, which decode later converts to the type of
// the field it fills (see coerce).
func unflatten(values map[string]string) (map[string]json.RawMessage, error) {
	root := &flatNode{children: map[string]*flatNode{}}
	for name, v := range values {
		parts := strings.Split(name, ".")
		if len(parts) > maxFlatDepth {
			return nil, openvod.Errorf(openvod.CodeInvalidParameter, "the parameter name %s has more than %d parts", name, maxFlatDepth)
		}
		n := root
		for i, part := range parts {
			if part == "" {
				return nil, openvod.Errorf(openvod.CodeInvalidParameter, "the parameter name %q has an empty part", name)
			}
			if n.value != nil {
				return nil, openvod.Errorf(openvod.CodeInvalidParameter, "the parameter %s is given both as a value and as the parent of %s", strings.Join(parts[:i], "."), name)
			}
			if n.children == nil {
				n.children = map[string]*flatNode{}
			}
			child, ok := n.children[part]
			if !ok {
				child = &flatNode{}
				n.children[part] = child
			}
			n = child
		}
		if n.children != nil {
			return nil, openvod.Errorf(openvod.CodeInvalidParameter, "the parameter %s is given both as a value and as the parent of other parameters", name)
		}
		n.value = &v
	}
	out := make(map[string]json.RawMessage, len(root.children))
	for name, n := range root.children {
		raw, err := n.json(name)
		if err != nil {
			return nil, err
		}
		out[name] = raw
	}
	return out, nil
}

// json encodes the node named name.
func (n *flatNode) json(name string) (json.RawMessage, error) {
	if n.value != nil {
		return json.Marshal(*n.value)
	}
	keys := make([]string, 0, len(n.children))
	for k := range n.children {
		keys = append(keys, k)
	}
	if isIndexList(keys) {
		elems := make([]json.RawMessage, len(keys))
		for k, child := range n.children {
			i, _ := strconv.Atoi(k)
			raw, err := child.json(name + "." + k)
			if err != nil {
				return nil, err
			}
			elems[i] = raw
		}
		return json.Marshal(elems)
	}
	if i, gap := firstIndexGap(keys); gap {
		return nil, openvod.Errorf(openvod.CodeInvalidParameter, "the parameter %s.%d is missing: array indexes start at 0 and have no gaps", name, i)
	}
	sort.Strings(keys)
	obj := make(map[string]json.RawMessage, len(keys))
	for _, k := range keys {
		raw, err := n.children[k].json(name + "." + k)
		if err != nil {
			return nil, err
		}
		obj[k] = raw
	}
	return json.Marshal(obj)
}

// isIndexList reports whether keys are exactly "0" .. "len-1".
func isIndexList(keys []string) bool {
	seen := make([]bool, len(keys))
	for _, k := range keys {
		i, ok := index(k)
		if !ok || i >= len(keys) || seen[i] {
			return false
		}
		seen[i] = true
	}
	return true
}

// firstIndexGap reports, when every key is an array index but they are not
// 0 .. len-1, the first index missing.
func firstIndexGap(keys []string) (int, bool) {
	have := map[int]bool{}
	for _, k := range keys {
		i, ok := index(k)
		if !ok {
			return 0, false
		}
		have[i] = true
	}
	for i := 0; ; i++ {
		if !have[i] {
			return i, true
		}
	}
}

// index parses a canonical array index: digits without a leading zero.
func index(k string) (int, bool) {
	i, err := strconv.Atoi(k)
	if err != nil || i < 0 || strconv.Itoa(i) != k {
		return 0, false
	}
	return i, true
}

// coerce converts the JSON strings of a flattened parameter's value to
// the JSON types that t, the Go type of the field it fills, decodes from:
// numbers for numeric fields, true and false for booleans, recursively
// through arrays, structs (by JSON field name) and maps. A value that does
// not convert is left as it is, so that decode reports it as the wrong type.
func coerce(raw json.RawMessage, t reflect.Type) json.RawMessage {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return raw
		}
		if t.Kind() == reflect.Bool {
			if s == "true" || s == "false" {
				return json.RawMessage(s)
			}
			return raw
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil && json.Valid([]byte(s)) {
			return json.RawMessage(s)
		}
		return raw
	case reflect.Slice:
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			return raw
		}
		for i := range elems {
			elems[i] = coerce(elems[i], t.Elem())
		}
		b, _ := json.Marshal(elems) // elements are valid JSON
		return b
	case reflect.Struct, reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return raw
		}
		for k, v := range obj {
			if t.Kind() == reflect.Map {
				obj[k] = coerce(v, t.Elem())
			} else if f, ok := fieldsOf(t).byName[k]; ok {
				obj[k] = coerce(v, t.Field(f.index).Type)
			}
		}
		b, _ := json.Marshal(obj) // values are valid JSON
		return b
	}
	return raw
}
