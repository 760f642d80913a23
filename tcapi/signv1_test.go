package tcapi

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// signedHeadersTC3 signs a DescribeMediaInfos POST by hand with the given
// SignedHeaders.
func (b *testBundle) signedHeadersTC3(t *testing.T, signedHeaders string) []byte {
	t.Helper()
	body := []byte(`{"FileIds":["1"]}`)
	host := strings.TrimPrefix(b.srv.URL, "http://")
	headers := map[string]string{"content-type": "application/json", "host": host, "x-tc-action": "describemediainfos"}
	sig := Sign(SignInput{SecretKey: "secret", Service: "vod", Timestamp: b.now.Unix(), Method: "POST", Path: "/",
		SignedHeaders: signedHeaders, Headers: headers, PayloadHash: PayloadHash(body)})
	_, out := b.do(t, "DescribeMediaInfos", string(body), func(r *http.Request) {
		r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=AKIDtest/2026-11-28/vod/tc3_request, SignedHeaders="+signedHeaders+", Signature="+sig)
	})
	return out
}

// TestSignedHeadersRequired refuses a correct TC3 signature that does not
// cover both content-type and host, and accepts one that covers more.
func TestSignedHeadersRequired(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, sh := range []string{"host", "content-type", "x-tc-action"} {
		out := b.signedHeadersTC3(t, sh)
		if code := errorCode(t, out); code != "AuthFailure.SignatureFailure" {
			t.Errorf("SignedHeaders=%s: code %q, want AuthFailure.SignatureFailure: %s", sh, code, out)
		}
		if !strings.Contains(string(out), "SignedHeaders must include content-type and host") {
			t.Errorf("SignedHeaders=%s: the message does not say what is missing: %s", sh, out)
		}
	}
	if out := b.signedHeadersTC3(t, "content-type;host;x-tc-action"); errorCode(t, out) != "" {
		t.Errorf("SignedHeaders=content-type;host;x-tc-action: want success, got %s", out)
	}
}

// v1Params returns the common parameters of an API v1 request for action.
func (b *testBundle) v1Params(action, method string) map[string]string {
	return map[string]string{"Action": action, "Version": Version, "Region": "ap-guangzhou",
		"Timestamp": strconv.FormatInt(b.now.Unix(), 10), "Nonce": "12345", "SecretId": "AKIDtest",
		"SignatureMethod": method, "Language": "zh-CN", "RequestClient": "test"}
}

// signV1ByHand computes an API v1 signature as the SDKs do: base64 of the
// HMAC over method, host, "/?" and the sorted name=value pairs.
func signV1ByHand(httpMethod, host, key string, p map[string]string) string {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, k := range names {
		pairs[i] = k + "=" + p[k]
	}
	h := sha1.New
	if p["SignatureMethod"] == "HmacSHA256" {
		h = sha256.New
	}
	mac := hmac.New(h, []byte(key))
	mac.Write([]byte(httpMethod + host + "/?" + strings.Join(pairs, "&")))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// sendV1 signs p with key (unless p has a Signature) and sends it as a
// query string (GET) or form body (POST).
func (b *testBundle) sendV1(t *testing.T, httpMethod, key string, p map[string]string) []byte {
	t.Helper()
	host := strings.TrimPrefix(b.srv.URL, "http://")
	if _, ok := p["Signature"]; !ok {
		p["Signature"] = signV1ByHand(httpMethod, host, key, p)
	}
	values := url.Values{}
	for k, v := range p {
		values.Set(k, v)
	}
	var req *http.Request
	var err error
	if httpMethod == http.MethodGet {
		req, err = http.NewRequest(httpMethod, b.srv.URL+"/?"+values.Encode(), nil)
	} else {
		req, err = http.NewRequest(httpMethod, b.srv.URL+"/", strings.NewReader(values.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return out
}

// TestV1Signature sends API v1 requests (HmacSHA1 and HmacSHA256, GET and
// form POST) with flattened parameters, and the errors of their signing.
func TestV1Signature(t *testing.T) {
	t.Parallel()
	b := setup(t)
	withFiles := func(p map[string]string) map[string]string {
		p["FileIds.0"], p["FileIds.1"], p["Filters.0"], p["SubAppId"] = "5285890781567012345", "2", "basicInfo", "1500000001"
		return p
	}
	for _, method := range []string{"HmacSHA1", "HmacSHA256"} {
		for _, httpMethod := range []string{http.MethodGet, http.MethodPost} {
			out := b.sendV1(t, httpMethod, "secret", withFiles(b.v1Params("DescribeMediaInfos", method)))
			var env struct {
				Response struct {
					NotExistFileIdSet []string
					Error             *struct{ Code string }
				}
			}
			if err := json.Unmarshal(out, &env); err != nil || env.Response.Error != nil {
				t.Fatalf("%s %s: want success, got %s", method, httpMethod, out)
			}
			if got := strings.Join(env.Response.NotExistFileIdSet, ","); got != "5285890781567012345,2" {
				t.Errorf("%s %s: NotExistFileIdSet %q, want the two FileIds in order", method, httpMethod, got)
			}
		}
	}

	tests := []struct {
		name, httpMethod, key string
		edit                  func(p map[string]string)
		want, message         string
	}{
		{"WrongKey", "POST", "other", nil, "AuthFailure.SignatureFailure", "could not be validated"},
		{"UnknownKey", "GET", "secret", func(p map[string]string) { p["SecretId"] = "AKIDnobody" }, "AuthFailure.SecretIdNotFound", "SecretId is not found"},
		{"Expired", "POST", "secret", func(p map[string]string) { p["Timestamp"] = strconv.FormatInt(b.now.Unix()-301, 10) }, "AuthFailure.SignatureExpire", "allowed: 300s"},
		{"Future", "GET", "secret", func(p map[string]string) { p["Timestamp"] = strconv.FormatInt(b.now.Unix()+301, 10) }, "AuthFailure.SignatureExpire", "allowed: 300s"},
		{"BadTimestamp", "GET", "secret", func(p map[string]string) { p["Timestamp"] = "soon" }, "AuthFailure.InvalidAuthorization", "Timestamp must be Unix seconds"},
		{"BadMethod", "GET", "secret", func(p map[string]string) { p["SignatureMethod"] = "HmacMD5" }, "AuthFailure.InvalidAuthorization", "SignatureMethod must be HmacSHA1 or HmacSHA256"},
		{"NoSecretId", "GET", "secret", func(p map[string]string) { delete(p, "SecretId") }, "AuthFailure.InvalidAuthorization", "missing the parameter SecretId"},
		{"Tampered", "GET", "secret", func(p map[string]string) {
			p["Signature"] = signV1ByHand("GET", strings.TrimPrefix(b.srv.URL, "http://"), "secret", p)
			p["FileIds.0"] = "3"
		}, "AuthFailure.SignatureFailure", "could not be validated"},
		{"SignedForGETSentAsPOST", "POST", "secret", func(p map[string]string) {
			p["Signature"] = signV1ByHand("GET", strings.TrimPrefix(b.srv.URL, "http://"), "secret", p)
		}, "AuthFailure.SignatureFailure", "could not be validated"},
		{"Version", "POST", "secret", func(p map[string]string) { p["Version"] = "2017-01-01" }, "NoSuchVersion", "2018-07-17"},
		{"NoAction", "POST", "secret", func(p map[string]string) { delete(p, "Action") }, "MissingParameter", "Action parameter"},
		{"IndexGap", "GET", "secret", func(p map[string]string) { delete(p, "FileIds.0") }, "InvalidParameter", "FileIds.0 is missing"},
		{"UnknownParameter", "GET", "secret", func(p map[string]string) { p["Nope"] = "1" }, "UnknownParameter", "Nope"},
		{"SubAppIdNotNumber", "GET", "secret", func(p map[string]string) { p["SubAppId"] = "x" }, "InvalidParameter", "SubAppId must be an integer"},
	}
	for _, tt := range tests {
		p := withFiles(b.v1Params("DescribeMediaInfos", "HmacSHA256"))
		if tt.edit != nil {
			tt.edit(p)
		}
		out := b.sendV1(t, tt.httpMethod, tt.key, p)
		if code := errorCode(t, out); code != tt.want || !strings.Contains(string(out), tt.message) {
			t.Errorf("%s: got %s, want %s with %q", tt.name, out, tt.want, tt.message)
		}
	}
}

// TestV1NestedAndTyped decodes nested flattened parameters (DeleteParts.0.Type)
// and converts numbers and booleans to the request struct's field types.
func TestV1NestedAndTyped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.v1Params("DeleteMedia", "HmacSHA1")
	p["FileId"], p["DeleteParts.0.Type"], p["DeleteParts.0.Definition"] = "5285890781567012345", "TranscodeFiles", "10"
	if out := b.sendV1(t, "POST", "secret", p); errorCode(t, out) != "ResourceNotFound.FileNotExist" {
		t.Errorf("DeleteMedia with DeleteParts.0.*: got %s, want ResourceNotFound.FileNotExist (decoded, then not found)", out)
	}
	p = b.v1Params("DeleteMedia", "HmacSHA1")
	p["FileId"], p["DeleteParts.0.Type"], p["DeleteParts.0.Definition"] = "5285890781567012345", "TranscodeFiles", "ten"
	if out := b.sendV1(t, "POST", "secret", p); errorCode(t, out) != "InvalidParameter" || !strings.Contains(string(out), "DeleteParts") {
		t.Errorf("DeleteParts.0.Definition=ten: got %s, want InvalidParameter naming DeleteParts", out)
	}
}

// TestFormWithoutSignature tells a form body that carries no signature
// apart from a malformed Authorization header.
func TestFormWithoutSignature(t *testing.T) {
	t.Parallel()
	b := setup(t)
	req, _ := http.NewRequest("POST", b.srv.URL+"/", strings.NewReader("Action=DescribeMediaInfos&FileIds.0=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if errorCode(t, out) != "AuthFailure.InvalidAuthorization" || !strings.Contains(string(out), "the Signature parameter (HmacSHA1, HmacSHA256)") {
		t.Errorf("unsigned form body: got %s", out)
	}
}

// TestTC3GET accepts a TC3-signed GET whose query is signed as sent (the
// Node.js SDK) and one whose query also carries the common parameters
// the signature leaves out (the Go SDK).
func TestTC3GET(t *testing.T) {
	t.Parallel()
	b := setup(t)
	host := strings.TrimPrefix(b.srv.URL, "http://")
	for _, tt := range []struct{ name, query, signed string }{
		{"AsSent", "FileIds.0=1&Filters.0=basicInfo", "FileIds.0=1&Filters.0=basicInfo"},
		{"GoSDK", "Action=DescribeMediaInfos&FileIds.0=1&Nonce=5&Region=ap-guangzhou&RequestClient=SDK_GO&Timestamp=" +
			strconv.FormatInt(b.now.Unix(), 10) + "&Version=2018-07-17", "FileIds.0=1"},
	} {
		sig := Sign(SignInput{SecretKey: "secret", Service: "vod", Timestamp: b.now.Unix(), Method: "GET", Path: "/", RawQuery: tt.signed,
			SignedHeaders: "content-type;host", Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "host": host},
			PayloadHash: PayloadHash(nil)})
		req, _ := http.NewRequest("GET", b.srv.URL+"/?"+tt.query, nil)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-TC-Action", "DescribeMediaInfos")
		req.Header.Set("X-TC-Version", Version)
		req.Header.Set("X-TC-Timestamp", strconv.FormatInt(b.now.Unix(), 10))
		req.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=AKIDtest/2026-11-28/vod/tc3_request, SignedHeaders=content-type;host, Signature="+sig)
		resp, err := b.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(out), `"NotExistFileIdSet":["1"]`) {
			t.Errorf("%s: got %s, want FileId 1 reported missing", tt.name, out)
		}
	}
}
