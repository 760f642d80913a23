package tcapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/openvod/openvod"
)

// TestFlatParams decodes flattened parameters into request structs, with
// the types of their fields, and names what is wrong in those it refuses.
func TestFlatParams(t *testing.T) {
	type inner struct {
		C []int64 `json:"C"`
	}
	type nested struct {
		B []inner `json:"B"`
		D bool    `json:"D"`
	}
	type request struct {
		FileIds []string           `json:"FileIds"`
		Offset  float64            `json:"Offset"`
		Count   *uint64            `json:"Count"`
		On      *bool              `json:"On"`
		Name    string             `json:"Name"`
		A       nested             `json:"A"`
		Labels  map[string]float64 `json:"Labels"`
	}
	var req request
	p, err := flatParams(map[string]string{
		"FileIds.0": "5285890781567012345", "FileIds.1": "007", "Offset": "-1.5", "Count": "18446744073709551615", "On": "false",
		"Name": "12", "A.B.0.C.0": "1", "A.B.0.C.1": "-2", "A.B.1.C.0": "3", "A.D": "true", "Labels.x": "0.5",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.decode(&req); err != nil {
		t.Fatal(err)
	}
	got, _ := marshal(req)
	want := `{"FileIds":["5285890781567012345","007"],"Offset":-1.5,"Count":18446744073709551615,"On":false,"Name":"12",` +
		`"A":{"B":[{"C":[1,-2]},{"C":[3]}],"D":true},"Labels":{"x":0.5}}`
	if string(got) != want {
		t.Fatalf("decoded\n got %s\nwant %s", got, want)
	}

	for _, tt := range []struct {
		name  string
		pairs map[string]string
		code  string
		says  string
	}{
		{"Gap", map[string]string{"FileIds.0": "a", "FileIds.2": "b"}, openvod.CodeInvalidParameter, "FileIds.1 is missing"},
		{"NoZero", map[string]string{"A.B.1.C.0": "1"}, openvod.CodeInvalidParameter, "A.B.0 is missing"},
		{"ValueAndParent", map[string]string{"FileIds": "a", "FileIds.0": "b"}, openvod.CodeInvalidParameter, "both as a value and as the parent"},
		{"EmptyPart", map[string]string{"A..D": "true"}, openvod.CodeInvalidParameter, "empty part"},
		{"TooDeep", map[string]string{"A.B.C.D.E.F.G.H.I": "1"}, openvod.CodeInvalidParameter, "more than 8 parts"},
		{"NotNumber", map[string]string{"Offset": "1.5s"}, openvod.CodeInvalidParameter, "Offset must be a number"},
		{"NotBool", map[string]string{"On": "1"}, openvod.CodeInvalidParameter, "On must be a boolean"},
		{"NotInteger", map[string]string{"Count": "1.5"}, openvod.CodeInvalidParameter, "Count must be an integer"},
		{"Negative", map[string]string{"Count": "-1"}, openvod.CodeInvalidParameter, "Count must be an integer"},
		{"ScalarForArray", map[string]string{"FileIds": "a"}, openvod.CodeInvalidParameter, "FileIds must be an array of string values"},
		{"Unknown", map[string]string{"Nope": "1"}, openvod.CodeUnknownParameter, "Nope"},
	} {
		var req request
		p, err := flatParams(tt.pairs)
		if err == nil {
			err = p.decode(&req)
		}
		var e *openvod.Error
		if !errors.As(err, &e) || e.Code != tt.code || !strings.Contains(e.Message, tt.says) {
			t.Errorf("%s: got %v, want %s saying %q", tt.name, err, tt.code, tt.says)
		}
	}
}
