package tcapi

import "bytes"

// object is a JSON object whose keys are written in the order given, for
// structs the SDK models define with many optional members (the ones
// openvod does not fill are null).
type object []member

type member struct {
	Key   string
	Value any
}

// nulls returns members with the given keys, all null.
func nulls(keys ...string) object {
	o := make(object, len(keys))
	for i, k := range keys {
		o[i] = member{Key: k}
	}
	return o
}

// set gives key its value, keeping its place; an absent key is appended.
func (o object) set(key string, v any) object {
	for i := range o {
		if o[i].Key == key {
			o[i].Value = v
			return o
		}
	}
	return append(o, member{Key: key, Value: v})
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := marshal(m.Key)
		buf.Write(k)
		buf.WriteByte(':')
		v, err := marshal(m.Value)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
