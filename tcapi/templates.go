package tcapi

import (
	"cmp"
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

// Describe*Templates paging: Limit 10 by default, at most 100; at most 100
// Definitions or Names.
const (
	defaultTemplateLimit = 10
	maxTemplateLimit     = 100
	maxTemplateKeys      = 100
)

// templateKind serves the Create, Describe, Modify and Delete actions of
// one kind of numbered template.
type templateKind[T any, P templates.Template[T]] struct {
	// set is the member of the Describe response holding the templates.
	set string
	// create and modify are the parameters of the Create and Modify
	// requests (besides SubAppId and Modify's Definition; modify nil:
	// Create's); required are Create's required ones.
	create, required, modify []string
	// filters are the Describe parameters besides the common ones.
	filters []string
	// check checks a template to store and fills its defaults.
	check func(P) error
	// match, when set, applies filters to a template.
	match func(req *describeTemplatesRequest, t P) bool
}

// actions adds the kind's actions to table, for the template named
// name (e.g. TranscodeTemplate).
func (k *templateKind[T, P]) actions(a *API, name string, table map[string]action) {
	table["Create"+name] = func(ctx context.Context, c *call) (any, error) { return k.createAction(ctx, a, c) }
	table["Describe"+name+"s"] = func(ctx context.Context, c *call) (any, error) { return k.describeAction(ctx, a, c) }
	table["Modify"+name] = func(ctx context.Context, c *call) (any, error) { return nil, k.modifyAction(ctx, a, c) }
	table["Delete"+name] = func(ctx context.Context, c *call) (any, error) { return nil, k.deleteAction(ctx, a, c) }
}

// decodeOnly refuses a parameter other than the common ones and allowed,
// then decodes p into v and requires the required parameters.
func (p params) decodeOnly(v any, allowed, required []string) error {
	for key := range p.values {
		if !commonParams[key] && !slices.Contains(allowed, key) {
			return openvod.Errorf(openvod.CodeUnknownParameter, "the parameter %s is not recognized for this action", key)
		}
	}
	if err := p.decode(v); err != nil {
		return err
	}
	for _, key := range required {
		if !p.has(key) {
			return openvod.Errorf(openvod.CodeMissingParameter, "the request is missing the required parameter %s", key)
		}
	}
	return nil
}

// mergeInto sets the members of the struct v points to from the
// parameters present, except skip: an object changes only the members it
// holds (as the SDK's ...ForUpdate structures mean), an array replaces
// the whole array. The parameters must have been checked by decodeOnly.
func (p params) mergeInto(v any, skip ...string) error {
	rv := reflect.ValueOf(v).Elem()
	fields := fieldsOf(rv.Type())
	for key := range p.values {
		f, ok := fields.byName[key]
		if !ok || commonParams[key] || slices.Contains(skip, key) || isNull(p.values[key]) {
			continue
		}
		field := rv.Field(f.index)
		if field.Kind() == reflect.Slice {
			field.SetZero()
		}
		if err := json.Unmarshal(p.raw(key, field.Type()), field.Addr().Interface()); err != nil {
			return openvod.Errorf(openvod.CodeInvalidParameter, "the parameter %s must be %s", key, describeType(field.Type()))
		}
	}
	return nil
}

type definitionResponse struct {
	Definition int64 `json:"Definition"`
}

func (k *templateKind[T, P]) createAction(ctx context.Context, a *API, c *call) (any, error) {
	t := P(new(T))
	if err := c.Params.decodeOnly(t, k.create, k.required); err != nil {
		return nil, err
	}
	if err := k.check(t); err != nil {
		return nil, err
	}
	t, err := templates.Create(ctx, a.cfg.Store, c.App.ID, t, c.Now)
	if err != nil {
		return nil, err
	}
	return &definitionResponse{Definition: templates.DefinitionOf(t)}, nil
}

type definitionRequest struct {
	Definition int64 `json:"Definition"`
}

func (k *templateKind[T, P]) modifyAction(ctx context.Context, a *API, c *call) error {
	// Type-check every parameter before anything is looked up.
	req := P(new(T))
	if err := c.Params.decodeOnly(req, append([]string{"Definition"}, k.modifyParams()...), []string{"Definition"}); err != nil {
		return err
	}
	return templates.Modify(ctx, a.cfg.Store, c.App.ID, templates.DefinitionOf(req), c.Now, func(t P) error {
		if err := c.Params.mergeInto(t, "Definition"); err != nil {
			return err
		}
		return k.check(t)
	})
}

func (k *templateKind[T, P]) deleteAction(ctx context.Context, a *API, c *call) error {
	var req definitionRequest
	if err := c.Params.decodeOnly(&req, []string{"Definition"}, []string{"Definition"}); err != nil {
		return err
	}
	return templates.Delete[T, P](ctx, a.cfg.Store, c.App.ID, req.Definition)
}

// describeTemplatesRequest is every Describe*Templates request: the
// filters a kind does not take are refused before decoding.
type describeTemplatesRequest struct {
	Definitions         []int64  `json:"Definitions"`
	Names               []string `json:"Names"`
	Type                string   `json:"Type"`
	ContainerType       string   `json:"ContainerType"`
	TEHDType            string   `json:"TEHDType"`
	Offset              int64    `json:"Offset"`
	Limit               int64    `json:"Limit"`
	EnhanceType         string   `json:"EnhanceType"`
	EnhanceScenarioType string   `json:"EnhanceScenarioType"`
	SortBy              []sortBy `json:"SortBy"`
}

// sortBy is Tencent's SortBy.
type sortBy struct {
	Field string `json:"Field"`
	Order string `json:"Order"`
}

// decodeDescribe decodes a Describe*Templates request taking the common
// parameters and filters, and checks its Type (Preset or Custom), Offset
// and Limit.
func decodeDescribe(c *call, filters ...string) (*describeTemplatesRequest, error) {
	req, err := decodeTemplateFilters(c, append([]string{"Type", "Offset", "Limit"}, filters...)...)
	if err == nil && req.Type != "" && req.Type != templates.TypePreset && req.Type != templates.TypeCustom {
		return nil, openvod.InvalidValue("Type", true, "%q is neither Preset nor Custom", req.Type)
	}
	return req, err
}

// decodeTemplateFilters decodes a Describe request taking the common
// parameters and filters, and checks its filters but Type.
func decodeTemplateFilters(c *call, filters ...string) (*describeTemplatesRequest, error) {
	var req describeTemplatesRequest
	if err := c.Params.decodeOnly(&req, filters, nil); err != nil {
		return nil, err
	}
	if req.Limit == 0 {
		req.Limit = defaultTemplateLimit
	}
	switch {
	case req.Offset < 0:
		return nil, openvod.InvalidValue("Offset", true, "%d is negative", req.Offset)
	case req.Limit < 1 || req.Limit > maxTemplateLimit:
		return nil, openvod.InvalidValue("Limit", true, "%d is not within 1 to %d", req.Limit, maxTemplateLimit)
	case len(req.Definitions) > maxTemplateKeys:
		return nil, openvod.InvalidValue("Definitions", true, "%d Definitions, more than %d", len(req.Definitions), maxTemplateKeys)
	case len(req.Names) > maxTemplateKeys:
		return nil, openvod.InvalidValue("Names", true, "%d Names, more than %d", len(req.Names), maxTemplateKeys)
	case !slices.Contains([]string{"", templates.ContainerTypeVideo, templates.ContainerTypePureAudio}, req.ContainerType):
		return nil, openvod.InvalidValue("ContainerType", true, "%q is neither Video nor PureAudio", req.ContainerType)
	case !slices.Contains([]string{"", "Common", "TEHD"}, req.TEHDType):
		return nil, openvod.InvalidValue("TEHDType", true, "%q is neither Common nor TEHD", req.TEHDType)
	}
	return &req, nil
}

// page returns the TotalCount and the page the request asks for of all,
// as the members of a Describe response whose set is named set.
func page[E any](req *describeTemplatesRequest, set string, all []E) object {
	start := min(int(req.Offset), len(all))
	end := min(start+int(req.Limit), len(all))
	return nulls("TotalCount", set).set("TotalCount", len(all)).set(set, append([]E{}, all[start:end]...))
}

func (k *templateKind[T, P]) describeAction(ctx context.Context, a *API, c *call) (any, error) {
	req, err := decodeDescribe(c, append([]string{"Definitions"}, k.filters...)...)
	if err != nil {
		return nil, err
	}
	all, err := templates.List[T, P](ctx, a.cfg.Store, c.App.ID, req.Type)
	if err != nil {
		return nil, err
	}
	var kept []P
	for _, t := range all {
		def := templates.DefinitionOf(t)
		if (len(req.Definitions) == 0 || slices.Contains(req.Definitions, def)) && (k.match == nil || k.match(req, t)) {
			kept = append(kept, t)
		}
	}
	for _, def := range req.Definitions {
		if !slices.ContainsFunc(all, func(t P) bool { return templates.DefinitionOf(t) == def }) {
			return nil, templates.NotExist(templates.KindOf[T, P](), def)
		}
	}
	return page(req, k.set, kept), nil
}

// The kinds of numbered templates, with the parameters of their actions.
var (
	transcodeKind = &templateKind[templates.Transcode, *templates.Transcode]{
		set: "TranscodeTemplateSet",
		create: []string{"Container", "Name", "Comment", "RemoveVideo", "RemoveAudio", "VideoTemplate", "AudioTemplate",
			"TEHDConfig", "EnhanceConfig", "SegmentType", "StdExtInfo"},
		required: []string{"Container"},
		filters:  []string{"ContainerType", "TEHDType", "EnhanceType", "EnhanceScenarioType"},
		check:    templates.CheckTranscode,
		match:    matchTranscode,
	}
	adaptiveKind = &templateKind[templates.AdaptiveDynamicStreaming, *templates.AdaptiveDynamicStreaming]{
		set: "AdaptiveDynamicStreamingTemplateSet",
		create: []string{"Format", "StreamInfos", "Name", "DrmType", "DrmKeyProvider", "DrmEncryptType",
			"DisableHigherVideoBitrate", "DisableHigherVideoResolution", "Comment", "SegmentType", "SegmentDuration"},
		required: []string{"Format", "StreamInfos"},
		modify: []string{"Name", "Format", "DisableHigherVideoBitrate", "DisableHigherVideoResolution", "StreamInfos",
			"Comment", "SegmentType", "SegmentDuration"},
		check: templates.CheckAdaptive,
	}
	snapshotKind = &templateKind[templates.SnapshotByTimeOffset, *templates.SnapshotByTimeOffset]{
		set:    "SnapshotByTimeOffsetTemplateSet",
		create: []string{"Name", "Width", "Height", "ResolutionAdaptive", "Format", "Comment", "FillType"},
		check:  templates.CheckSnapshot,
	}
	sampleSnapshotKind = &templateKind[templates.SampleSnapshot, *templates.SampleSnapshot]{
		set:      "SampleSnapshotTemplateSet",
		create:   []string{"SampleType", "SampleInterval", "Name", "Width", "Height", "ResolutionAdaptive", "Format", "Comment", "FillType"},
		required: []string{"SampleType", "SampleInterval"},
		check:    templates.CheckSampleSnapshot,
	}
	imageSpriteKind = &templateKind[templates.ImageSprite, *templates.ImageSprite]{
		set: "ImageSpriteTemplateSet",
		create: []string{"SampleType", "SampleInterval", "RowCount", "ColumnCount", "Name", "Comment", "FillType",
			"Width", "Height", "ResolutionAdaptive", "Format"},
		required: []string{"SampleType", "SampleInterval", "RowCount", "ColumnCount"},
		check:    templates.CheckImageSprite,
	}
	animatedGraphicsKind = &templateKind[templates.AnimatedGraphics, *templates.AnimatedGraphics]{
		set:      "AnimatedGraphicsTemplateSet",
		create:   []string{"Fps", "Width", "Height", "ResolutionAdaptive", "Format", "Quality", "Name", "Comment"},
		required: []string{"Fps"},
		check:    templates.CheckAnimatedGraphics,
	}
)

// modifyParams are the parameters of Modify: Create's unless the kind
// says otherwise.
func (k *templateKind[T, P]) modifyParams() []string {
	if k.modify == nil {
		return k.create
	}
	return k.modify
}

// matchTranscode applies DescribeTranscodeTemplates' filters. openvod's
// templates are all Common (no TEHD) and have no enhancement, so TEHDType
// TEHD, EnhanceType or EnhanceScenarioType match none.
func matchTranscode(req *describeTemplatesRequest, t *templates.Transcode) bool {
	return (req.ContainerType == "" || req.ContainerType == t.ContainerType) &&
		(req.TEHDType == "" || req.TEHDType == "Common") && req.EnhanceType == "" && req.EnhanceScenarioType == ""
}

// templateActions adds the template actions to table.
func (a *API) templateActions(table map[string]action) {
	transcodeKind.actions(a, "TranscodeTemplate", table)
	adaptiveKind.actions(a, "AdaptiveDynamicStreamingTemplate", table)
	snapshotKind.actions(a, "SnapshotByTimeOffsetTemplate", table)
	sampleSnapshotKind.actions(a, "SampleSnapshotTemplate", table)
	imageSpriteKind.actions(a, "ImageSpriteTemplate", table)
	animatedGraphicsKind.actions(a, "AnimatedGraphicsTemplate", table)
	table["CreateProcedureTemplate"] = a.createProcedureTemplate
	table["ResetProcedureTemplate"] = a.resetProcedureTemplate
	table["DeleteProcedureTemplate"] = a.deleteProcedureTemplate
	table["DescribeProcedureTemplates"] = a.describeProcedureTemplates
}

// procedureTemplateRequest is CreateProcedureTemplate's and
// ResetProcedureTemplate's body. The AI and review tasks, which openvod
// does not run, are refused when given.
type procedureTemplateRequest struct {
	Name                        string                          `json:"Name" tc:"required"`
	Comment                     string                          `json:"Comment"`
	MediaProcessTask            *vodevent.MediaProcessTaskInput `json:"MediaProcessTask"`
	AiContentReviewTask         json.RawMessage                 `json:"AiContentReviewTask"`
	AiAnalysisTask              json.RawMessage                 `json:"AiAnalysisTask"`
	AiRecognitionTaskSet        json.RawMessage                 `json:"AiRecognitionTaskSet"`
	AiRecognitionTask           json.RawMessage                 `json:"AiRecognitionTask"`
	ReviewAudioVideoTask        json.RawMessage                 `json:"ReviewAudioVideoTask"`
	ImportMediaKnowledgeTaskSet json.RawMessage                 `json:"ImportMediaKnowledgeTaskSet"`
}

// decodeProcedure decodes a procedure template request.
func decodeProcedure(c *call) (*templates.Procedure, error) {
	var req procedureTemplateRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	for _, key := range []string{"AiContentReviewTask", "AiAnalysisTask", "AiRecognitionTaskSet", "AiRecognitionTask",
		"ReviewAudioVideoTask", "ImportMediaKnowledgeTaskSet"} {
		if c.Params.has(key) {
			return nil, openvod.Errorf(openvod.CodeUnsupportedOperation, "%s: openvod runs no AI, review or knowledge tasks: leave it out", key)
		}
	}
	if err := checkLen("Comment", req.Comment, templates.MaxComment, openvod.CodeInvalidParameter); err != nil {
		return nil, err
	}
	return &templates.Procedure{Name: req.Name, Comment: req.Comment, MediaProcessTask: req.MediaProcessTask}, nil
}

func (a *API) createProcedureTemplate(ctx context.Context, c *call) (any, error) {
	p, err := decodeProcedure(c)
	if err != nil {
		return nil, err
	}
	return nil, templates.CreateProcedure(ctx, a.cfg.Store, c.App.ID, p, c.Now)
}

func (a *API) resetProcedureTemplate(ctx context.Context, c *call) (any, error) {
	p, err := decodeProcedure(c)
	if err != nil {
		return nil, err
	}
	return nil, templates.ResetProcedure(ctx, a.cfg.Store, c.App.ID, p, c.Now)
}

type deleteProcedureTemplateRequest struct {
	Name string `json:"Name" tc:"required"`
}

func (a *API) deleteProcedureTemplate(ctx context.Context, c *call) (any, error) {
	var req deleteProcedureTemplateRequest
	if err := c.Params.decode(&req); err != nil {
		return nil, err
	}
	return nil, templates.DeleteProcedure(ctx, a.cfg.Store, c.App.ID, req.Name)
}

func (a *API) describeProcedureTemplates(ctx context.Context, c *call) (any, error) {
	req, err := decodeDescribe(c, "Names", "SortBy")
	if err != nil {
		return nil, err
	}
	desc := false
	for _, s := range req.SortBy {
		if s.Field != "CreateTime" && s.Field != "create_time" {
			return nil, openvod.InvalidValue("SortBy", false, "Field %q: only CreateTime sorts procedure templates", s.Field)
		}
		switch strings.ToLower(s.Order) {
		case "asc":
			desc = false
		case "desc":
			desc = true
		default:
			return nil, openvod.InvalidValue("SortBy", false, "Order %q is neither Asc nor Desc", s.Order)
		}
	}
	all, err := templates.ListProcedures(ctx, a.cfg.Store, c.App.ID, req.Type)
	if err != nil {
		return nil, err
	}
	var kept []*templates.Procedure
	for _, p := range all {
		if len(req.Names) == 0 || slices.Contains(req.Names, p.Name) {
			kept = append(kept, p)
		}
	}
	if len(req.SortBy) > 0 {
		slices.SortStableFunc(kept, func(x, y *templates.Procedure) int {
			if desc {
				x, y = y, x
			}
			return cmp.Compare(x.CreateTime, y.CreateTime)
		})
	}
	return page(req, "ProcedureTemplateSet", kept), nil
}
