package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/vodevent"
)

// Error codes of procedure templates.
const (
	CodeProcedureName        = "InvalidParameterValue.ProcedureName"
	CodeExistedProcedureName = "InvalidParameter.ExistedProcedureName"
	CodeProcedureNotExist    = "InvalidParameter.ProcedureNameNotExist"
	CodeLimitExceeded        = "LimitExceeded"
)

// MaxProcedureName is the longest procedure name, in characters.
const MaxProcedureName = 20

// LookupProcedure returns a copy of the preset or the app's procedure
// template named name. Tencent's DRM presets are refused with
// UnsupportedOperation; an unknown name gets
// InvalidParameterValue.ProcedureName.
func LookupProcedure(ctx context.Context, q store.Querier, subAppID int64, name string) (*Procedure, error) {
	if p, ok := presetProcedures[name]; ok {
		return clone(p), nil
	}
	if slices.Contains(drmProcedures, name) {
		return nil, openvod.Errorf(openvod.CodeUnsupportedOperation, "ProcedureName: %s is a preset procedure of DRM encryption, which openvod does not support: use %s or a procedure of your own", name, LongVideoPresetName)
	}
	r, err := q.TemplateGetByName(ctx, subAppID, string(KindProcedure), name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, openvod.Errorf(CodeProcedureName, "ProcedureName: this app has no procedure template %q", name)
	}
	if err != nil {
		return nil, err
	}
	return procedureFromRow(r)
}

// procedureFromRow decodes a stored procedure template.
func procedureFromRow(r *store.Template) (*Procedure, error) {
	var p Procedure
	if err := json.Unmarshal(r.Body, &p); err != nil {
		return nil, fmt.Errorf("procedure template %d/%q: %w", r.SubAppID, r.Name, err)
	}
	p.stamp(0, TypeCustom, r.CreateTime, r.UpdateTime)
	return &p, nil
}

// ListProcedures returns the procedure templates the app sees, presets
// first, each kind by name (custom ones in creation order): only presets
// when typ is TypePreset, only the app's own when TypeCustom, both when "".
func ListProcedures(ctx context.Context, q store.Querier, subAppID int64, typ string) ([]*Procedure, error) {
	var all []*Procedure
	if typ != TypeCustom {
		for _, name := range slices.Sorted(maps.Keys(presetProcedures)) {
			all = append(all, clone(presetProcedures[name]))
		}
	}
	if typ == TypePreset {
		return all, nil
	}
	rows, err := q.TemplateList(ctx, subAppID, string(KindProcedure))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		p, err := procedureFromRow(r)
		if err != nil {
			return nil, err
		}
		all = append(all, p)
	}
	return all, nil
}

// CheckProcedureName checks a procedure template's Name: 1 to 20
// characters.
func CheckProcedureName(name string) error {
	if n := utf8.RuneCountInString(name); n == 0 || n > MaxProcedureName {
		return openvod.Errorf(openvod.CodeInvalidParameter, "Name: a procedure template's name has 1 to %d characters, not %d", MaxProcedureName, n)
	}
	return nil
}

// isPresetProcedure reports whether name is one of Tencent's preset
// procedures, listed or not.
func isPresetProcedure(name string) bool {
	_, ok := presetProcedures[name]
	return ok || slices.Contains(drmProcedures, name)
}

// CreateProcedure stores p (its Name checked, its MediaProcessTask
// checked with Resolve) as a new procedure template of the app, created
// at now. A name taken (by the app or a preset) gets
// InvalidParameter.ExistedProcedureName; the app may have MaxProcedures.
func CreateProcedure(ctx context.Context, q store.Querier, subAppID int64, p *Procedure, now time.Time) error {
	if err := CheckProcedureName(p.Name); err != nil {
		return err
	}
	if isPresetProcedure(p.Name) {
		return openvod.Errorf(CodeExistedProcedureName, "Name: %s is a preset procedure: choose another name", p.Name)
	}
	if _, err := Resolve(ctx, q, subAppID, p.MediaProcessTask); err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Second)
	p.MediaProcessTask = expand(p.MediaProcessTask)
	p.stamp(0, TypeCustom, now, now)
	r := &store.Template{SubAppID: subAppID, Kind: string(KindProcedure), CreateTime: now, UpdateTime: now}
	if err := toRow(r, p); err != nil {
		return err
	}
	err := q.TemplateInsert(ctx, r, MaxProcedures, true)
	switch {
	case errors.Is(err, store.ErrConflict):
		return openvod.Errorf(CodeExistedProcedureName, "Name: this app has a procedure template %q already: choose another name, or reset that one", p.Name)
	case errors.Is(err, store.ErrLimit):
		return openvod.Errorf(CodeLimitExceeded, "this app has %d procedure templates, the most it may have: delete one first", MaxProcedures)
	}
	return err
}

// ResetProcedure replaces the Comment and MediaProcessTask of the app's
// procedure template p.Name (checked with Resolve), as updated at now.
// A preset or an unknown name gets InvalidParameter.ProcedureNameNotExist.
func ResetProcedure(ctx context.Context, q store.Querier, subAppID int64, p *Procedure, now time.Time) error {
	r, err := customProcedure(ctx, q, subAppID, p.Name)
	if err != nil {
		return err
	}
	if _, err := Resolve(ctx, q, subAppID, p.MediaProcessTask); err != nil {
		return err
	}
	p.MediaProcessTask = expand(p.MediaProcessTask)
	p.stamp(0, TypeCustom, r.CreateTime, now.UTC().Truncate(time.Second))
	r.UpdateTime = now.UTC().Truncate(time.Second)
	if err := toRow(r, p); err != nil {
		return err
	}
	return procedureNotExist(p.Name, q.TemplateUpdate(ctx, r))
}

// DeleteProcedure removes the app's procedure template named name; a
// preset or an unknown name gets InvalidParameter.ProcedureNameNotExist.
func DeleteProcedure(ctx context.Context, q store.Querier, subAppID int64, name string) error {
	r, err := customProcedure(ctx, q, subAppID, name)
	if err != nil {
		return err
	}
	return procedureNotExist(name, q.TemplateDelete(ctx, subAppID, r.Kind, r.Definition))
}

// expand returns in with every sub-task set not nil, as Tencent's
// procedure templates answer them ([] rather than null).
func expand(in *vodevent.MediaProcessTaskInput) *vodevent.MediaProcessTaskInput {
	e := *in
	e.TranscodeTaskSet = orEmpty(e.TranscodeTaskSet)
	e.AnimatedGraphicTaskSet = orEmpty(e.AnimatedGraphicTaskSet)
	e.SnapshotByTimeOffsetTaskSet = orEmpty(e.SnapshotByTimeOffsetTaskSet)
	e.SampleSnapshotTaskSet = orEmpty(e.SampleSnapshotTaskSet)
	e.ImageSpriteTaskSet = orEmpty(e.ImageSpriteTaskSet)
	e.CoverBySnapshotTaskSet = orEmpty(e.CoverBySnapshotTaskSet)
	e.AdaptiveDynamicStreamingTaskSet = orEmpty(e.AdaptiveDynamicStreamingTaskSet)
	return &e
}

// orEmpty returns s, or an empty slice when s is nil.
func orEmpty[E any](s []E) []E {
	if s == nil {
		return []E{}
	}
	return s
}

// customProcedure returns the stored row of the app's procedure template.
func customProcedure(ctx context.Context, q store.Querier, subAppID int64, name string) (*store.Template, error) {
	if isPresetProcedure(name) {
		return nil, openvod.Errorf(CodeProcedureNotExist, "Name: %s is a preset procedure, which cannot be reset or deleted", name)
	}
	r, err := q.TemplateGetByName(ctx, subAppID, string(KindProcedure), name)
	return r, procedureNotExist(name, err)
}

// procedureNotExist maps store.ErrNotFound to ProcedureNameNotExist.
func procedureNotExist(name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return openvod.Errorf(CodeProcedureNotExist, "Name: this app has no procedure template %q", name)
	}
	return err
}
