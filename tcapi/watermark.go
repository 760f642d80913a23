package tcapi

import (
	"bytes"
	"context"
	"slices"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/media"
	"github.com/openvod/openvod/templates"
)

// watermarkParams are the parameters of CreateWatermarkTemplate besides
// Type (and ModifyWatermarkTemplate's besides Definition).
var watermarkParams = []string{"Name", "Comment", "CoordinateOrigin", "XPos", "YPos", "ImageTemplate", "TextTemplate", "SvgTemplate"}

// watermarkRequest is CreateWatermarkTemplate's and
// ModifyWatermarkTemplate's body.
type watermarkRequest struct {
	Definition       int64                            `json:"Definition"`
	Type             string                           `json:"Type"`
	Name             string                           `json:"Name"`
	Comment          string                           `json:"Comment"`
	CoordinateOrigin string                           `json:"CoordinateOrigin"`
	XPos             string                           `json:"XPos"`
	YPos             string                           `json:"YPos"`
	ImageTemplate    *imageWatermarkInput             `json:"ImageTemplate"`
	TextTemplate     *templates.TextWatermarkTemplate `json:"TextTemplate"`
	SvgTemplate      any                              `json:"SvgTemplate"`
}

// imageWatermarkInput is the SDK's ImageWatermarkInput (and
// ImageWatermarkInputForUpdate).
type imageWatermarkInput struct {
	ImageContent string `json:"ImageContent"`
	Width        string `json:"Width"`
	Height       string `json:"Height"`
	RepeatType   string `json:"RepeatType"`
	Transparency int64  `json:"Transparency"`
}

// watermarkResponse is CreateWatermarkTemplate's answer.
type watermarkResponse struct {
	Definition int64  `json:"Definition"`
	ImageUrl   string `json:"ImageUrl"`
}

// modifyWatermarkResponse is ModifyWatermarkTemplate's answer.
type modifyWatermarkResponse struct {
	ImageUrl string `json:"ImageUrl"`
}

// watermarkActions adds the watermark template actions to table.
func (a *API) watermarkActions(table map[string]action) {
	table["CreateWatermarkTemplate"] = a.createWatermarkTemplate
	table["DescribeWatermarkTemplates"] = a.describeWatermarkTemplates
	table["ModifyWatermarkTemplate"] = a.modifyWatermarkTemplate
	table["DeleteWatermarkTemplate"] = a.deleteWatermarkTemplate
}

// refuseSvg refuses an SVG watermark.
func refuseSvg(c *call, typ string) error {
	if typ == templates.WatermarkSvg || c.Params.has("SvgTemplate") && !isNull(c.Params.values["SvgTemplate"]) {
		return openvod.Errorf(openvod.CodeUnsupportedOperation, "SvgTemplate: openvod does not draw SVG watermarks: use an image (PNG or JPEG) or a text watermark")
	}
	return nil
}

// storeImage checks an ImageContent and stores it under a fresh key of
// the app, which it returns.
func (a *API) storeImage(ctx context.Context, subAppID int64, content string) (string, error) {
	data, ext, err := templates.DecodeWatermarkImage(content)
	if err != nil {
		return "", err
	}
	key := media.NewStorageKey(subAppID, ext)
	if _, err := a.cfg.Media.Blobs.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return "", err
	}
	return key, nil
}

// dropImage deletes an image stored for a change that failed; what it
// cannot delete, the janitor's orphan sweep removes.
func (a *API) dropImage(ctx context.Context, key string) {
	if err := a.cfg.Media.Blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		a.cfg.Logger.Warn("watermark image of a failed change not deleted", "key", key, "err", err)
	}
}

func (a *API) createWatermarkTemplate(ctx context.Context, c *call) (any, error) {
	var req watermarkRequest
	if err := c.Params.decodeOnly(&req, append([]string{"Type"}, watermarkParams...), []string{"Type"}); err != nil {
		return nil, err
	}
	if err := refuseSvg(c, req.Type); err != nil {
		return nil, err
	}
	w := &templates.Watermark{Type: req.Type, Name: req.Name, Comment: req.Comment, CoordinateOrigin: req.CoordinateOrigin,
		XPos: req.XPos, YPos: req.YPos, TextTemplate: req.TextTemplate}
	if m := req.ImageTemplate; m != nil && req.Type == templates.WatermarkImage {
		w.ImageTemplate = &templates.ImageWatermarkTemplate{Width: m.Width, Height: m.Height, RepeatType: m.RepeatType, Transparency: m.Transparency}
	}
	if err := templates.CheckWatermark(w); err != nil {
		return nil, err
	}
	key := ""
	if w.Type == templates.WatermarkImage {
		var err error
		if key, err = a.storeImage(ctx, c.App.ID, req.ImageTemplate.ImageContent); err != nil {
			return nil, err
		}
		w.SetImageKey(key)
	}
	w, err := templates.Create(ctx, a.cfg.Store, c.App.ID, w, c.Now)
	if err != nil {
		if key != "" {
			a.dropImage(ctx, key)
		}
		return nil, err
	}
	return &watermarkResponse{Definition: w.Definition, ImageUrl: a.imageURL(w)}, nil
}

// imageURL returns the URL of an image watermark's image, "" for another.
func (a *API) imageURL(w *templates.Watermark) string {
	if w.ImageKey() == "" {
		return ""
	}
	return a.cfg.Media.URL(w.ImageKey())
}

func (a *API) modifyWatermarkTemplate(ctx context.Context, c *call) (any, error) {
	var req watermarkRequest
	if err := c.Params.decodeOnly(&req, append([]string{"Definition"}, watermarkParams...), []string{"Definition"}); err != nil {
		return nil, err
	}
	if err := refuseSvg(c, ""); err != nil {
		return nil, err
	}
	newKey := ""
	err := templates.Modify(ctx, a.cfg.Store, c.App.ID, req.Definition, c.Now, func(w *templates.Watermark) error {
		if err := c.Params.mergeInto(w, "Definition"); err != nil {
			return err
		}
		switch {
		case req.ImageTemplate != nil && w.Type != templates.WatermarkImage:
			return openvod.InvalidValue("ImageTemplate", false, "watermark template %d is a %s watermark: give its TextTemplate instead", req.Definition, w.Type)
		case req.TextTemplate != nil && w.Type != templates.WatermarkText:
			return openvod.InvalidValue("TextTemplate", false, "watermark template %d is an %s watermark: give its ImageTemplate instead", req.Definition, w.Type)
		}
		if err := templates.CheckWatermark(w); err != nil || req.ImageTemplate == nil || req.ImageTemplate.ImageContent == "" {
			return err
		}
		key, err := a.storeImage(ctx, c.App.ID, req.ImageTemplate.ImageContent)
		if err != nil {
			return err
		}
		newKey = key
		w.SetImageKey(key)
		return nil
	})
	if err != nil {
		if newKey != "" {
			a.dropImage(ctx, newKey)
		}
		return nil, err
	}
	resp := &modifyWatermarkResponse{}
	if newKey != "" {
		resp.ImageUrl = a.cfg.Media.URL(newKey)
	}
	return resp, nil
}

func (a *API) deleteWatermarkTemplate(ctx context.Context, c *call) (any, error) {
	var req definitionRequest
	if err := c.Params.decodeOnly(&req, []string{"Definition"}, []string{"Definition"}); err != nil {
		return nil, err
	}
	return nil, templates.Delete[templates.Watermark](ctx, a.cfg.Store, c.App.ID, req.Definition)
}

func (a *API) describeWatermarkTemplates(ctx context.Context, c *call) (any, error) {
	req, err := decodeTemplateFilters(c, "Type", "Offset", "Definitions", "Limit")
	if err != nil {
		return nil, err
	}
	if !slices.Contains([]string{"", templates.WatermarkImage, templates.WatermarkText, templates.WatermarkSvg}, req.Type) {
		return nil, openvod.InvalidValue("Type", true, "%q is not image, text or svg", req.Type)
	}
	all, err := templates.List[templates.Watermark](ctx, a.cfg.Store, c.App.ID, templates.TypeCustom)
	if err != nil {
		return nil, err
	}
	for _, def := range req.Definitions {
		if !slices.ContainsFunc(all, func(w *templates.Watermark) bool { return w.Definition == def }) {
			return nil, templates.NotExist(templates.KindWatermark, def)
		}
	}
	var kept []*templates.Watermark
	for _, w := range all {
		if (len(req.Definitions) == 0 || slices.Contains(req.Definitions, w.Definition)) && (req.Type == "" || req.Type == w.Type) {
			if w.ImageTemplate != nil {
				w.ImageTemplate.ImageUrl = a.imageURL(w)
			}
			kept = append(kept, w)
		}
	}
	return page(req, "WatermarkTemplateSet", kept), nil
}
