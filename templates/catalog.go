package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
)

// Limits on custom templates per app, as Tencent's.
const (
	MaxCustom     = 100 // of each kind but procedures
	MaxProcedures = 50
)

// Error codes of template actions.
const (
	CodeTemplateNotExist = "ResourceNotFound.TemplateNotExist"
	CodeTooMuchTemplate  = "LimitExceeded.TooMuchTemplate"
)

// ErrNotFound is returned by Get when the app has no template of the kind
// with the Definition, preset or its own.
var ErrNotFound = errors.New("templates: not found")

// Template is a template type of a kind numbered by Definition (all but
// procedures): the constraint of Get, List, Create, Modify and Delete.
type Template[T any] interface {
	*T
	template
}

func (*Transcode) kind() Kind                { return KindTranscode }
func (*AdaptiveDynamicStreaming) kind() Kind { return KindAdaptiveDynamicStreaming }
func (*SnapshotByTimeOffset) kind() Kind     { return KindSnapshotByTimeOffset }
func (*SampleSnapshot) kind() Kind           { return KindSampleSnapshot }
func (*ImageSprite) kind() Kind              { return KindImageSprite }
func (*AnimatedGraphics) kind() Kind         { return KindAnimatedGraphics }
func (*Procedure) kind() Kind                { return KindProcedure }

// KindOf returns P's kind.
func KindOf[T any, P Template[T]]() Kind { return P(nil).kind() }

// DefinitionOf returns t's Definition.
func DefinitionOf[T any, P Template[T]](t P) int64 { return t.definition() }

// presetsOf returns the presets of P's kind.
func presetsOf[T any, P Template[T]]() map[int64]P {
	var m any
	switch any(P(nil)).(type) {
	case *Transcode:
		m = presetTranscodes
	case *AdaptiveDynamicStreaming:
		m = presetAdaptive
	case *SnapshotByTimeOffset:
		m = presetSnapshots
	case *SampleSnapshot:
		m = presetSampleSnapshots
	case *ImageSprite:
		m = presetImageSprites
	case *AnimatedGraphics:
		m = presetAnimatedGraphics
	}
	presets, _ := m.(map[int64]P)
	return presets
}

// clone returns a deep copy of t, so that presets are never changed
// through what this package returns.
func clone[T any](t *T) *T {
	b, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("templates: marshal %T: %v", t, err)) // only plain data
	}
	var c T
	if err := json.Unmarshal(b, &c); err != nil {
		panic(fmt.Sprintf("templates: unmarshal %T: %v", t, err))
	}
	return &c
}

// fromRow decodes a stored custom template.
func fromRow[T any, P Template[T]](r *store.Template) (P, error) {
	p := P(new(T))
	if err := json.Unmarshal(r.Body, p); err != nil {
		return nil, fmt.Errorf("template %d/%s/%d: %w", r.SubAppID, r.Kind, r.Definition, err)
	}
	p.stamp(r.Definition, TypeCustom, r.CreateTime, r.UpdateTime)
	if k, ok := any(p).(storageKeyed); ok {
		k.setStorageKey(r.StorageKey)
	}
	return p, nil
}

// storageKeyed is a template referring to a blob (a watermark's image),
// whose key is stored beside its body (store.Template.StorageKey).
type storageKeyed interface {
	storageKey() string
	setStorageKey(key string)
}

// isPreset reports whether def is a preset of P's kind.
func isPreset[T any, P Template[T]](def int64) bool {
	_, ok := presetsOf[T, P]()[def]
	return ok
}

// Get returns a copy of the preset or the app's custom template of P's
// kind with the Definition; ErrNotFound when there is none (another app's
// template is not found).
func Get[T any, P Template[T]](ctx context.Context, q store.Querier, subAppID, def int64) (P, error) {
	if p, ok := presetsOf[T, P]()[def]; ok {
		return clone(p), nil
	}
	r, err := q.TemplateGet(ctx, subAppID, string(P(nil).kind()), def)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%s template %d: %w", P(nil).kind(), def, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return fromRow[T, P](r)
}

// List returns the templates of P's kind the app sees, presets first,
// each by Definition: only presets when typ is TypePreset, only the app's
// own when TypeCustom, both when "".
func List[T any, P Template[T]](ctx context.Context, q store.Querier, subAppID int64, typ string) ([]P, error) {
	var all []P
	if typ != TypeCustom {
		presets := presetsOf[T, P]()
		for _, def := range slices.Sorted(maps.Keys(presets)) {
			all = append(all, clone(presets[def]))
		}
	}
	if typ == TypePreset {
		return all, nil
	}
	rows, err := q.TemplateList(ctx, subAppID, string(P(nil).kind()))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		p, err := fromRow[T, P](r)
		if err != nil {
			return nil, err
		}
		all = append(all, p)
	}
	return all, nil
}

// Create stores t as a new custom template of the app, created at now,
// and returns t with its Definition, Type and times set. The app may have
// MaxCustom of a kind: LimitExceeded.TooMuchTemplate past that.
func Create[T any, P Template[T]](ctx context.Context, q store.Querier, subAppID int64, t P, now time.Time) (P, error) {
	now = now.UTC().Truncate(time.Second)
	r := &store.Template{SubAppID: subAppID, Kind: string(t.kind()), CreateTime: now, UpdateTime: now}
	if err := toRow(r, t); err != nil {
		return nil, err
	}
	err := q.TemplateInsert(ctx, r, MaxCustom, false)
	if errors.Is(err, store.ErrLimit) {
		return nil, openvod.Errorf(CodeTooMuchTemplate, "this app has %d custom %s templates, the most it may have: delete one first", MaxCustom, t.kind())
	}
	if err != nil {
		return nil, err
	}
	t.stamp(r.Definition, TypeCustom, r.CreateTime, r.UpdateTime)
	return t, nil
}

// toRow sets r's Name, Body and StorageKey from t.
func toRow(r *store.Template, t any) error {
	if k, ok := t.(storageKeyed); ok {
		r.StorageKey = k.storageKey()
	}
	body, err := json.Marshal(t)
	if err != nil {
		return err
	}
	r.Body = body
	var named struct{ Name string }
	if err := json.Unmarshal(body, &named); err != nil {
		return err
	}
	r.Name = named.Name
	return nil
}

// Modify changes the app's custom template of P's kind with the
// Definition: change gets a copy to change (and check), which is then
// stored as updated at now. The read and the write are one transaction
// holding the template's row, so concurrent Modify calls of one template
// run one after the other and none loses another's change. A preset or an
// unknown Definition gets ResourceNotFound.TemplateNotExist.
func Modify[T any, P Template[T]](ctx context.Context, s store.Store, subAppID, def int64, now time.Time, change func(P) error) error {
	if err := checkCustom[T, P](def); err != nil {
		return err
	}
	kind := string(P(nil).kind())
	return notExist[T, P](def, s.InTx(ctx, func(q store.Querier) error {
		r, err := q.TemplateLock(ctx, subAppID, kind, def)
		if err != nil {
			return err
		}
		t, err := fromRow[T, P](r)
		if err != nil {
			return err
		}
		if err := change(t); err != nil {
			return err
		}
		r.UpdateTime = now.UTC().Truncate(time.Second)
		if err := toRow(r, t); err != nil {
			return err
		}
		return q.TemplateUpdate(ctx, r)
	}))
}

// Delete removes the app's custom template of P's kind; a preset or an
// unknown Definition gets ResourceNotFound.TemplateNotExist.
func Delete[T any, P Template[T]](ctx context.Context, q store.Querier, subAppID, def int64) error {
	if err := checkCustom[T, P](def); err != nil {
		return err
	}
	return notExist[T, P](def, q.TemplateDelete(ctx, subAppID, string(P(nil).kind()), def))
}

// checkCustom refuses a preset's Definition: presets cannot be changed.
func checkCustom[T any, P Template[T]](def int64) error {
	if isPreset[T, P](def) {
		return openvod.Errorf(CodeTemplateNotExist, "Definition: %d is a preset %s template, which cannot be modified or deleted: create a custom one", def, P(nil).kind())
	}
	return nil
}

// notExist maps store.ErrNotFound to ResourceNotFound.TemplateNotExist.
func notExist[T any, P Template[T]](def int64, err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, ErrNotFound) {
		return NotExist(P(nil).kind(), def)
	}
	return err
}

// NotExist is the error of an unknown Definition of kind.
func NotExist(kind Kind, def int64) *openvod.Error {
	return openvod.Errorf(CodeTemplateNotExist, "Definition: this app has no %s template %d", kind, def)
}
