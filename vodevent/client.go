package vodevent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client calls a VOD API 3.0 endpoint (openvod or Tencent Cloud VOD) with
// TC3-HMAC-SHA256 signed requests. It is safe for concurrent use; do not
// change its fields while calls run.
type Client struct {
	// Endpoint is the API's base URL, e.g. http://127.0.0.1:8080. Requests
	// go to its path, or to / when it has none.
	Endpoint string
	// SecretId and SecretKey are an API key of the account.
	SecretId, SecretKey string
	// SubAppId, when not 0, is added to map params that lack one.
	SubAppId uint64
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// NowFunc returns the time signed as X-TC-Timestamp; nil means time.Now.
	NowFunc func() time.Time
}

// Call runs action with params (encoded as JSON) and decodes the Response
// object into out when out is not nil. An error answered by the API is an
// [*APIError]; any other error is a transport or decoding failure.
func (c *Client) Call(ctx context.Context, action string, params, out any) error {
	if m, ok := params.(map[string]any); ok || params == nil {
		if m == nil {
			m = map[string]any{}
		}
		if _, set := m["SubAppId"]; !set && c.SubAppId != 0 {
			m["SubAppId"] = c.SubAppId
		}
		params = m
	}
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	req, err := c.NewRequest(ctx, action, body)
	if err != nil {
		return err
	}
	client := c.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("vodevent: %s: %w", action, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("vodevent: %s: HTTP %d: %w", action, resp.StatusCode, err)
	}
	var env struct {
		Response json.RawMessage `json:"Response"`
	}
	var head struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		RequestId string `json:"RequestId"`
	}
	if json.Unmarshal(raw, &env) != nil || firstObject(env.Response) == nil || json.Unmarshal(env.Response, &head) != nil {
		return fmt.Errorf("vodevent: %s: HTTP %d without an API response", action, resp.StatusCode)
	}
	if e := head.Error; e != nil {
		return &APIError{Code: e.Code, Message: e.Message, RequestId: head.RequestId}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Response, out); err != nil {
		return fmt.Errorf("vodevent: %s: %w", action, err)
	}
	return nil
}

// NewRequest returns the signed POST of action with the raw JSON body, as
// the official SDKs send it.
func (c *Client) NewRequest(ctx context.Context, action string, body []byte) (*http.Request, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("vodevent: Endpoint: %w", err)
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("vodevent: Endpoint %q is not an absolute URL", c.Endpoint)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	const contentType, signedHeaders = "application/json", "content-type;host"
	now := time.Now
	if c.NowFunc != nil {
		now = c.NowFunc
	}
	ts := now().Unix()
	sig := TC3Sign(TC3SignInput{
		SecretKey: c.SecretKey, Service: "vod", Timestamp: ts,
		Method: http.MethodPost, Path: "/", SignedHeaders: signedHeaders,
		Headers:     map[string]string{"content-type": contentType, "host": u.Host},
		PayloadHash: TC3PayloadHash(body),
	})
	date := time.Unix(ts, 0).UTC().Format(time.DateOnly)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", TC3Algorithm+" Credential="+c.SecretId+"/"+date+"/vod/tc3_request, SignedHeaders="+signedHeaders+", Signature="+sig)
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", apiVersion)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	return req, nil
}
