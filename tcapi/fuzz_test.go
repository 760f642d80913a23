package tcapi

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
)

// FuzzParseAuthorization feeds arbitrary Authorization headers to the
// parser and the verifier: they must answer an *openvod.Error or a result,
// never panic.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/vod/tc3_request, SignedHeaders=content-type;host, Signature=8f718210f4787ef25b0d206c45c0e5aa41d311d0caad5b24c7242fd3c4a5205c", "1700000000")
	f.Add("TC3-HMAC-SHA256 Credential=a/b/c/tc3_request, SignedHeaders=x-a;;host, Signature=", "")
	f.Add("TC3-HMAC-SHA256 ,,,=", "-1")
	f.Add("SKIP", "99999999999999999999")
	f.Fuzz(func(t *testing.T, header, timestamp string) {
		a, err := parseAuthorization(header)
		if err != nil {
			var e *openvod.Error
			if !errors.As(err, &e) || e.Code != openvod.CodeAuthInvalidAuthorization {
				t.Fatalf("parse error %v is not AuthFailure.InvalidAuthorization", err)
			}
			return
		}
		ts, err := checkTimestamp(a, timestamp, time.Unix(1700000000, 0))
		if err != nil {
			return
		}
		r := httptest.NewRequest("POST", "http://127.0.0.1:8080/", strings.NewReader("{}"))
		a.verify(r, ts, "key", PayloadHash([]byte("{}")), "")
	})
}

// FuzzDecode feeds arbitrary bodies to the request decoder with a struct
// of every field kind the actions use (fuzzRequest): it must answer an *openvod.Error or
// a result, never panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"FileIds":["1"],"Filters":["basicInfo"],"SubAppId":1500000001}`))
	f.Add([]byte(`{"FileId":"x","StartTimeOffset":-1.5,"HideLeadIn":false,"DeleteParts":[{"Type":"OriginalFiles","Definition":0}]}`))
	f.Add([]byte(`{"FileIds":[null],"Limit":1e400}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseParams(body)
		if err != nil {
			return
		}
		var req fuzzRequest
		if err := p.decode(&req); err != nil {
			var e *openvod.Error
			if !errors.As(err, &e) {
				t.Fatalf("decode error %v is not an *openvod.Error", err)
			}
		}
	})
}

// fuzzRequest has every field kind the actions use.
type fuzzRequest struct {
	FileId          string            `json:"FileId" tc:"required"`
	FileIds         []string          `json:"FileIds"`
	StartTimeOffset float64           `json:"StartTimeOffset"`
	HideLeadIn      *bool             `json:"HideLeadIn"`
	Limit           int               `json:"Limit"`
	DeleteParts     []mediaDeleteItem `json:"DeleteParts"`
}

// FuzzFlatParams feeds arbitrary query strings and form bodies (API v1
// signatures, TC3 GET) to the flattened-parameter decoder: it must answer
// an *openvod.Error or a result, never panic, and a result must hold only
// what the pairs gave.
func FuzzFlatParams(f *testing.F) {
	f.Add("FileId=1&FileIds.0=a&FileIds.1=b&StartTimeOffset=-1.5&HideLeadIn=true&Limit=3&DeleteParts.0.Type=OriginalFiles&DeleteParts.0.Definition=0")
	f.Add("FileId=1&FileIds.1=a")
	f.Add("FileId=1&FileIds=a&FileIds.0=b")
	f.Add("FileId=1&A..B=1&Limit=1e400&HideLeadIn=yes")
	f.Add("FileIds.0=%zz&FileId=1;x")
	f.Add("FileId=1&DeleteParts.00.Type=x&DeleteParts.a.b.c.d.e.f.g.h=1")
	f.Fuzz(func(t *testing.T, query string) {
		form, err := parseForm(query)
		if err == nil {
			var p params
			if p, err = flatParams(form); err == nil {
				var req fuzzRequest
				err = p.decode(&req)
				if err == nil && req.FileId != form["FileId"] {
					t.Fatalf("FileId %q, the query gave %q", req.FileId, form["FileId"])
				}
			}
		}
		var e *openvod.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error %v is not an *openvod.Error", err)
		}
	})
}
