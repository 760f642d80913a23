package tcapi

import (
	"mime"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/openvod/openvod"
)

// incoming is a request as read before its signature is checked.
type incoming struct {
	action, version string
	// form holds the parameters of a query string or form body; nil for a
	// JSON body.
	form map[string]string
	// v1 is set for an API v1 signature, whose parameters are in form.
	v1 bool
}

// readIncoming tells the signature kind apart and reads the action and
// version: a request with an Authorization header is TC3-signed, the
// others must carry a v1 Signature in their query string (GET) or form
// body (POST).
func readIncoming(r *http.Request, body []byte, in *incoming) error {
	if r.Header.Get("Authorization") != "" {
		in.action, in.version = r.Header.Get("X-TC-Action"), r.Header.Get("X-TC-Version")
		if r.Method == http.MethodGet {
			form, err := parseForm(r.URL.RawQuery)
			if err != nil {
				return err
			}
			for k := range tc3QueryCommonParams {
				delete(form, k)
			}
			in.form = form
		}
		return nil
	}
	unsigned := openvod.Errorf(openvod.CodeAuthInvalidAuthorization,
		"the request is not signed: send an Authorization header (TC3-HMAC-SHA256) or, in a query string or form body, the Signature parameter (HmacSHA1, HmacSHA256)")
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
			return unsigned
		}
		raw = string(body)
	}
	form, err := parseForm(raw)
	if err != nil {
		return err
	}
	if form["Signature"] == "" {
		return unsigned
	}
	in.form, in.v1 = form, true
	in.action, in.version = form["Action"], form["Version"]
	return nil
}

// parseForm parses a query string or form body: UTF-8, each name given once.
func parseForm(raw string) (map[string]string, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, openvod.Errorf(openvod.CodeInvalidParameter, "the parameters are not a valid query string: %v", err)
	}
	form := make(map[string]string, len(values))
	for k, v := range values {
		if len(v) > 1 {
			return nil, openvod.Errorf(openvod.CodeInvalidParameter, "the parameter %s is given %d times", k, len(v))
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v[0]) {
			return nil, openvod.Errorf(openvod.CodeInvalidParameter, "the parameter %q is not valid UTF-8", k)
		}
		form[k] = v[0]
	}
	return form, nil
}

// params returns the action's parameters: the JSON body's, or the
// flattened ones of the query string or form body without the gateway's.
func (in *incoming) params(body []byte) (params, error) {
	if in.form == nil {
		return parseParams(body)
	}
	action := make(map[string]string, len(in.form))
	for k, v := range in.form {
		if !in.v1 || !v1CommonParams[k] {
			action[k] = v
		}
	}
	return flatParams(action)
}
