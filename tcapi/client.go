package tcapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client calls an openvod (or Tencent Cloud VOD) API endpoint with
// TC3-HMAC-SHA256 signed requests. It is safe for concurrent use.
type Client struct {
	Endpoint  string // base URL, e.g. http://127.0.0.1:8080
	SecretID  string
	SecretKey string
	SubAppID  int64 // added to every request when not zero and not set in params
	HTTP      *http.Client
}

// ResponseError is an error answered by the API.
type ResponseError struct {
	Code      string
	Message   string
	RequestID string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s: %s (RequestId %s)", e.Code, e.Message, e.RequestID)
}

// Call runs action with params (a map or struct encoded as JSON) and decodes
// the "Response" object into out when out is not nil. API errors are
// returned as *ResponseError.
func (c *Client) Call(ctx context.Context, action string, params map[string]any, out any) error {
	if params == nil {
		params = map[string]any{}
	}
	if _, ok := params["SubAppId"]; !ok && c.SubAppID != 0 {
		params["SubAppId"] = c.SubAppID
	}
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	req, err := c.NewRequest(ctx, action, body, time.Now())
	if err != nil {
		return err
	}
	httpClient := c.HTTP
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Response json.RawMessage `json:"Response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("%s: HTTP %d with an unreadable body: %w", action, resp.StatusCode, err)
	}
	var head struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		RequestId string `json:"RequestId"`
	}
	if err := json.Unmarshal(env.Response, &head); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if head.Error != nil {
		return &ResponseError{Code: head.Error.Code, Message: head.Error.Message, RequestID: head.RequestId}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(env.Response, out)
}

// NewRequest returns a signed API request for action with the raw JSON body.
func (c *Client) NewRequest(ctx context.Context, action string, body []byte, now time.Time) (*http.Request, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	u.Path = "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := now.Unix()
	const contentType = "application/json"
	sig := Sign(SignInput{
		SecretKey: c.SecretKey, Service: "vod", Timestamp: ts, Method: http.MethodPost, Path: "/",
		SignedHeaders: "content-type;host",
		Headers:       map[string]string{"content-type": contentType, "host": u.Host},
		PayloadHash:   PayloadHash(body),
	})
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", fmt.Sprintf("%s Credential=%s/%s/vod/tc3_request, SignedHeaders=content-type;host, Signature=%s",
		Algorithm, c.SecretID, date, sig))
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", Version)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	return req, nil
}
