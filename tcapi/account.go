package tcapi

import (
	"context"
	"errors"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// The account's apps (Tencent's DescribeSubAppIds, CreateSubAppId) and API
// keys (extensions). Keys are account-wide: any enabled key works for every
// app, so these actions ignore SubAppId.

type describeSubAppIdsRequest struct {
	Name   string `json:"Name"`
	Offset int    `json:"Offset"`
	Limit  int    `json:"Limit"`
}

// subAppIdInfo is Tencent's SubAppIdInfo (without Tags, which openvod
// does not keep).
type subAppIdInfo struct {
	SubAppId       int64    `json:"SubAppId"`
	SubAppIdName   string   `json:"SubAppIdName"`
	Description    string   `json:"Description"`
	CreateTime     string   `json:"CreateTime"`
	Status         string   `json:"Status"`
	Name           string   `json:"Name"`
	Mode           string   `json:"Mode"`
	StorageRegions []string `json:"StorageRegions"`
}

type describeSubAppIdsResponse struct {
	SubAppIdInfoSet []subAppIdInfo `json:"SubAppIdInfoSet"`
	TotalCount      int64          `json:"TotalCount"`
}

// describeSubAppIdsLimitMax is Tencent's largest Limit.
const describeSubAppIdsLimitMax = 200

func (a *API) describeSubAppIds(ctx context.Context, c *call) (any, error) {
	var req describeSubAppIdsRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if req.Offset < 0 {
		return nil, openvod.InvalidValue("Offset", false, "must not be negative, got %d", req.Offset)
	}
	if req.Limit == 0 {
		req.Limit = describeSubAppIdsLimitMax
	}
	if req.Limit < 0 || req.Limit > describeSubAppIdsLimitMax {
		return nil, openvod.InvalidValue("Limit", false, "must be 1 to %d, got %d", describeSubAppIdsLimitMax, req.Limit)
	}
	apps, err := a.cfg.Store.AppList(ctx)
	if err != nil {
		return nil, err
	}
	resp := &describeSubAppIdsResponse{SubAppIdInfoSet: []subAppIdInfo{}}
	for _, app := range apps {
		if req.Name != "" && app.Name != req.Name {
			continue
		}
		resp.TotalCount++
		if resp.TotalCount <= int64(req.Offset) || len(resp.SubAppIdInfoSet) == req.Limit {
			continue
		}
		resp.SubAppIdInfoSet = append(resp.SubAppIdInfoSet, subAppIdInfo{
			SubAppId: app.ID, SubAppIdName: app.Name, Name: app.Name, CreateTime: openvod.FormatTime(app.CreateTime),
			Status: "On", Mode: "fileid", StorageRegions: []string{a.cfg.Media.StorageRegion},
		})
	}
	return resp, nil
}

type createSubAppIdRequest struct {
	Name        string `json:"Name" tc:"required"`
	Description string `json:"Description"`
	Type        string `json:"Type"`
	Mode        string `json:"Mode"`
}

type createSubAppIdResponse struct {
	SubAppId int64 `json:"SubAppId"`
}

func (a *API) createSubAppId(ctx context.Context, c *call) (any, error) {
	var req createSubAppIdRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	if req.Name == "" {
		return nil, openvod.InvalidValue("Name", false, "give the app a name")
	}
	if err := checkLen("Name", req.Name, 40, ""); err != nil {
		return nil, err
	}
	if req.Description != "" {
		return nil, openvod.Errorf(openvod.CodeUnsupportedOperation, "Description: openvod keeps no app description; leave it out")
	}
	if req.Type != "" && req.Type != "AllInOne" {
		return nil, openvod.InvalidValue("Type", false, "openvod apps are AllInOne, got %q", req.Type)
	}
	if req.Mode != "" && req.Mode != "fileid" {
		return nil, openvod.InvalidValue("Mode", false, "openvod apps are in fileid mode, got %q", req.Mode)
	}
	app, err := a.cfg.Store.AppCreate(ctx, req.Name, c.Now)
	if err != nil {
		return nil, err
	}
	return &createSubAppIdResponse{SubAppId: app.ID}, nil
}

// apiKeyInfo is one key of DescribeApiKeys: never its SecretKey.
type apiKeyInfo struct {
	SecretId    string `json:"SecretId"`
	CreateTime  string `json:"CreateTime"`
	Status      string `json:"Status"`      // Enabled or Disabled
	DisableTime string `json:"DisableTime"` // "" while enabled
}

type describeApiKeysResponse struct {
	ApiKeySet []apiKeyInfo `json:"ApiKeySet"`
}

func (a *API) describeApiKeys(ctx context.Context, c *call) (any, error) {
	if err := c.Params.decode(&struct{}{}); err != nil {
		return nil, err
	}
	keys, err := a.cfg.Store.KeyList(ctx)
	if err != nil {
		return nil, err
	}
	resp := &describeApiKeysResponse{ApiKeySet: make([]apiKeyInfo, len(keys))}
	for i, k := range keys {
		info := apiKeyInfo{SecretId: k.SecretID, CreateTime: openvod.FormatTime(k.CreateTime), Status: "Enabled"}
		if !k.DisableTime.IsZero() {
			info.Status, info.DisableTime = "Disabled", openvod.FormatTime(k.DisableTime)
		}
		resp.ApiKeySet[i] = info
	}
	return resp, nil
}

type createApiKeyResponse struct {
	SecretId  string `json:"SecretId"`
	SecretKey string `json:"SecretKey"` // shown only in this answer
}

func (a *API) createApiKey(ctx context.Context, c *call) (any, error) {
	if err := c.Params.decode(&struct{}{}); err != nil {
		return nil, err
	}
	k := openvod.NewAPIKey(c.Now)
	if err := a.cfg.Store.KeyInsert(ctx, k); err != nil {
		return nil, err
	}
	return &createApiKeyResponse{SecretId: k.SecretID, SecretKey: k.SecretKey}, nil
}

type disableApiKeyRequest struct {
	SecretId string `json:"SecretId" tc:"required"`
}

func (a *API) disableApiKey(ctx context.Context, c *call) (any, error) {
	var req disableApiKeyRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	err := a.cfg.Store.KeyDisable(ctx, req.SecretId, c.Now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, openvod.InvalidValue("SecretId", false, "no key %q; list keys with DescribeApiKeys", req.SecretId)
	case errors.Is(err, store.ErrConflict):
		msg := "SecretId: %s is the last enabled key; create another with CreateApiKey before disabling it"
		if req.SecretId == c.SecretID {
			msg = "SecretId: %s is the key you are using and the last enabled one; create another with CreateApiKey before disabling it"
		}
		return nil, openvod.Errorf(openvod.CodeUnsupportedOperation, msg, req.SecretId)
	case err != nil:
		return nil, err
	}
	a.keys.Delete(req.SecretId)
	return nil, nil
}
