package tcapi

import (
	"context"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// SearchMedia's bounds, as Tencent documents them.
const (
	searchMaxResults   = 5000 // Offset + Limit
	searchMaxSetItems  = 10   // FileIds, Names, ... each
	searchLimitDefault = 10
)

// timeRange is Tencent's TimeRange: After (at or after) and Before
// (before), ISO 8601; either may be omitted.
type timeRange struct {
	After  string `json:"After"`
	Before string `json:"Before"`
}

// parse returns the bounds of r, zero when absent, naming field in errors.
func (r *timeRange) parse(field string) (after, before time.Time, err error) {
	if r == nil {
		return
	}
	if after, err = parseTimeParam(field+".After", r.After); err != nil {
		return
	}
	before, err = parseTimeParam(field+".Before", r.Before)
	return
}

// parseTimeParam parses an ISO 8601 time parameter; "" is the zero time.
func parseTimeParam(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, openvod.InvalidValue(field, false, "must be an ISO 8601 time such as 2030-01-02T15:04:05Z, got %q", s)
	}
	return t, nil
}

// descending checks s (only Field CreateTime is served) and reports
// whether it asks for newest first; a nil s is Desc.
func (s *sortBy) descending() (bool, error) {
	if s == nil {
		return true, nil
	}
	if s.Field != "CreateTime" {
		return false, openvod.InvalidValue("Sort.Field", false, "openvod sorts by CreateTime only, got %q", s.Field)
	}
	switch s.Order {
	case "Desc":
		return true, nil
	case "Asc":
		return false, nil
	}
	return false, openvod.InvalidValue("Sort.Order", false, "must be Asc or Desc, got %q", s.Order)
}

type searchMediaRequest struct {
	FileIds      []string   `json:"FileIds"`
	Names        []string   `json:"Names"`
	NamePrefixes []string   `json:"NamePrefixes"`
	Descriptions []string   `json:"Descriptions"`
	ClassIds     []int64    `json:"ClassIds"`
	SourceTypes  []string   `json:"SourceTypes"`
	CreateTime   *timeRange `json:"CreateTime"`
	Filters      []string   `json:"Filters"`
	Sort         *sortBy    `json:"Sort"`
	Offset       int        `json:"Offset"`
	Limit        *int       `json:"Limit"`
	Text         string     `json:"Text"`
	SourceType   string     `json:"SourceType"`
	StartTime    string     `json:"StartTime"`
	EndTime      string     `json:"EndTime"`
}

type searchMediaResponse struct {
	TotalCount   int64    `json:"TotalCount"`
	MediaInfoSet []object `json:"MediaInfoSet"`
}

func (a *API) searchMedia(ctx context.Context, c *call) (any, error) {
	var req searchMediaRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	p := store.MediaSearchParams{SubAppID: c.App.ID, FileIDs: req.FileIds, Names: req.Names, NamePrefixes: req.NamePrefixes,
		Descriptions: req.Descriptions, Text: req.Text, ClassIDs: req.ClassIds, SourceTypes: req.SourceTypes, Offset: req.Offset,
		Limit: searchLimitDefault}
	if req.Limit != nil {
		p.Limit = *req.Limit
	}
	if req.SourceType != "" {
		p.SourceTypes = append(p.SourceTypes, req.SourceType)
	}
	for _, set := range []struct {
		name string
		n    int
	}{{"FileIds", len(req.FileIds)}, {"Names", len(req.Names)}, {"NamePrefixes", len(req.NamePrefixes)},
		{"Descriptions", len(req.Descriptions)}, {"ClassIds", len(req.ClassIds)}, {"SourceTypes", len(p.SourceTypes)}} {
		if set.n > searchMaxSetItems {
			return nil, openvod.InvalidValue(set.name, false, "give at most %d values, got %d", searchMaxSetItems, set.n)
		}
	}
	if err := firstErr(checkLen("Text", req.Text, 64, ""), checkEach("Names", req.Names, 40), checkEach("NamePrefixes", req.NamePrefixes, 20),
		checkEach("Descriptions", req.Descriptions, 100)); err != nil {
		return nil, err
	}
	switch {
	case p.Offset < 0:
		return nil, openvod.InvalidValue("Offset", false, "must not be negative, got %d", p.Offset)
	case p.Limit < 1 || p.Offset+p.Limit > searchMaxResults:
		return nil, openvod.InvalidValue("Limit", false, "must be at least 1, with Offset + Limit at most %d; got Offset %d, Limit %d",
			searchMaxResults, p.Offset, p.Limit)
	}
	var err error
	if p.CreatedAfter, p.CreatedBefore, err = req.CreateTime.parse("CreateTime"); err != nil {
		return nil, err
	}
	// The 2017 fields StartTime and EndTime apply when CreateTime is absent.
	if req.CreateTime == nil {
		if p.CreatedAfter, err = parseTimeParam("StartTime", req.StartTime); err != nil {
			return nil, err
		}
		if p.CreatedBefore, err = parseTimeParam("EndTime", req.EndTime); err != nil {
			return nil, err
		}
	}
	if p.Descending, err = req.Sort.descending(); err != nil {
		return nil, err
	}
	want, err := parseFilters(req.Filters)
	if err != nil {
		return nil, err
	}
	found, total, err := a.cfg.Store.MediaSearch(ctx, &p)
	if err != nil {
		return nil, err
	}
	set, err := a.mediaInfoSet(ctx, c.App.ID, found, want)
	if err != nil {
		return nil, err
	}
	return &searchMediaResponse{TotalCount: total, MediaInfoSet: set}, nil
}

// checkEach checks that each of values has at most max characters.
func checkEach(field string, values []string, max int) error {
	for _, v := range values {
		if err := checkLen(field, v, max, ""); err != nil {
			return err
		}
	}
	return nil
}
