package templates_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openvod/openvod"
	"github.com/openvod/openvod/store"
	"github.com/openvod/openvod/store/storetest"
	"github.com/openvod/openvod/templates"
	"github.com/openvod/openvod/vodevent"
)

var now = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// apps creates two apps and returns their IDs.
func apps(t *testing.T, st store.Store) (int64, int64) {
	t.Helper()
	a, err := st.AppCreate(t.Context(), "a", now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.AppCreate(t.Context(), "b", now)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID, b.ID
}

// wantCode fails t unless err is an *openvod.Error with code whose
// message holds field.
func wantCode(t *testing.T, what string, err error, code, field string) {
	t.Helper()
	var oe *openvod.Error
	if !errors.As(err, &oe) || oe.Code != code || !strings.Contains(oe.Message, field) {
		t.Errorf("%s: %v, want %s naming %s", what, err, code, field)
	}
}

func customTranscode(t *testing.T, st store.Store, app int64, kbps int64) *templates.Transcode {
	t.Helper()
	tc, err := templates.Create(t.Context(), st, app, &templates.Transcode{Container: "mp4", Name: "mine",
		VideoTemplate: &templates.VideoTemplateInfo{Codec: "libx264", Fps: 30, Bitrate: kbps, Height: 480},
		AudioTemplate: &templates.AudioTemplateInfo{Codec: "libfdk_aac", Bitrate: 96, SampleRate: 48000, AudioChannel: 2}}, now)
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

func TestResolve(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		app, other := apps(t, st)
		mine := customTranscode(t, st, app, 700)
		if mine.Definition != store.FirstTemplateDefinition || mine.Type != templates.TypeCustom || mine.CreateTime != "2026-05-06T07:08:09Z" {
			t.Errorf("created %+v", mine)
		}
		in := &vodevent.MediaProcessTaskInput{
			TranscodeTaskSet:                []vodevent.TranscodeTaskInput{{Definition: 100010}, {Definition: mine.Definition, StartTimeOffset: 1, EndTimeOffset: 5}},
			AnimatedGraphicTaskSet:          []vodevent.AnimatedGraphicTaskInput{{Definition: 20001, StartTimeOffset: 0, EndTimeOffset: 3}},
			SnapshotByTimeOffsetTaskSet:     []vodevent.SnapshotByTimeOffsetTaskInput{{Definition: 10, ExtTimeOffsetSet: []string{"3.5s", "10%"}, TimeOffsetSet: []float64{1500}}},
			SampleSnapshotTaskSet:           []vodevent.SampleSnapshotTaskInput{{Definition: 10}},
			ImageSpriteTaskSet:              []vodevent.ImageSpriteTaskInput{{Definition: 10}},
			CoverBySnapshotTaskSet:          []vodevent.CoverBySnapshotTaskInput{{Definition: 10, PositionType: "Percent", PositionValue: 50}},
			AdaptiveDynamicStreamingTaskSet: []vodevent.AdaptiveDynamicStreamingTaskInput{{Definition: 20, CopyRightWatermark: json.RawMessage(`{"Text":""}`), TraceWatermark: json.RawMessage(`{"Definition":0,"Switch":""}`)}},
		}
		r, err := templates.Resolve(ctx, st, app, in)
		if err != nil {
			t.Fatal(err)
		}
		got := []int64{r.Transcodes[0].Definition, r.Transcodes[1].Definition, r.AnimatedGraphics[0].Definition, r.Snapshots[0].Definition,
			r.SampleSnapshots[0].Definition, r.ImageSprites[0].Definition, r.Covers[0].Definition, r.Adaptive[0].Definition}
		want := []int64{100010, mine.Definition, 20001, 10, 10, 10, 10, 20}
		if string(mustJSON(got)) != string(mustJSON(want)) || r.Transcodes[1].VideoTemplate.Bitrate != 700 ||
			r.AnimatedGraphics[0].Format != "webp" || r.Adaptive[0].Format != templates.FormatDASH {
			t.Errorf("resolved %v (%s)", got, mustJSON(r))
		}

		// A snapshot: a later change of the template or of what Resolve
		// returned changes neither the other.
		err = templates.Modify(ctx, st, app, mine.Definition, now.Add(time.Hour), func(t *templates.Transcode) error {
			t.VideoTemplate.Bitrate = 900
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.Transcodes[1].VideoTemplate.Bitrate != 700 {
			t.Error("a Modify changed what Resolve returned before")
		}
		r.Transcodes[0].VideoTemplate.Bitrate = 1
		again, err := templates.Resolve(ctx, st, app, in)
		if err != nil {
			t.Fatal(err)
		}
		if again.Transcodes[0].VideoTemplate.Bitrate != 400 || again.Transcodes[1].VideoTemplate.Bitrate != 900 ||
			again.Transcodes[1].UpdateTime != "2026-05-06T08:08:09Z" {
			t.Errorf("resolved again: %s", mustJSON(again.Transcodes))
		}

		// Another app does not see the template.
		_, err = templates.Resolve(ctx, st, other, &vodevent.MediaProcessTaskInput{TranscodeTaskSet: []vodevent.TranscodeTaskInput{{Definition: mine.Definition}}})
		wantCode(t, "another app's template", err, "InvalidParameterValue", "MediaProcessTask.TranscodeTaskSet[0].Definition")
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestResolveRefuses(t *testing.T) {
	const ipv, unsupported = "InvalidParameterValue", "UnsupportedOperation"
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	tc := func(t vodevent.TranscodeTaskInput) *vodevent.MediaProcessTaskInput {
		if t.Definition == 0 {
			t.Definition = 100010
		}
		return &vodevent.MediaProcessTaskInput{TranscodeTaskSet: []vodevent.TranscodeTaskInput{t}}
	}
	abr := func(t vodevent.AdaptiveDynamicStreamingTaskInput) *vodevent.MediaProcessTaskInput {
		t.Definition = 10
		return &vodevent.MediaProcessTaskInput{AdaptiveDynamicStreamingTaskSet: []vodevent.AdaptiveDynamicStreamingTaskInput{t}}
	}
	snap := func(t vodevent.SnapshotByTimeOffsetTaskInput) *vodevent.MediaProcessTaskInput {
		t.Definition = 10
		return &vodevent.MediaProcessTaskInput{SnapshotByTimeOffsetTaskSet: []vodevent.SnapshotByTimeOffsetTaskInput{t}}
	}
	cover := func(typ string, v float64, def int64) *vodevent.MediaProcessTaskInput {
		return &vodevent.MediaProcessTaskInput{CoverBySnapshotTaskSet: []vodevent.CoverBySnapshotTaskInput{{Definition: def, PositionType: typ, PositionValue: v}}}
	}
	gif := func(start, end float64) *vodevent.MediaProcessTaskInput {
		return &vodevent.MediaProcessTaskInput{AnimatedGraphicTaskSet: []vodevent.AnimatedGraphicTaskInput{{Definition: 20000, StartTimeOffset: start, EndTimeOffset: end}}}
	}
	wm := []vodevent.WatermarkInput{{Definition: 1}}
	many := &vodevent.MediaProcessTaskInput{ImageSpriteTaskSet: make([]vodevent.ImageSpriteTaskInput, templates.MaxSubTasks+1)}
	const t0, a0, s0 = "MediaProcessTask.TranscodeTaskSet[0].", "MediaProcessTask.AdaptiveDynamicStreamingTaskSet[0].", "MediaProcessTask.SnapshotByTimeOffsetTaskSet[0]."
	cases := []struct {
		name        string
		in          *vodevent.MediaProcessTaskInput
		code, field string
	}{
		{"nil", nil, ipv, "MediaProcessTask"},
		{"empty", &vodevent.MediaProcessTaskInput{}, ipv, "at least one sub-task"},
		{"too many", many, ipv, "more than the 50"},
		{"unknown transcode", tc(vodevent.TranscodeTaskInput{Definition: 12345}), ipv, t0 + "Definition"},
		{"an animated graphics Definition as a transcode", tc(vodevent.TranscodeTaskInput{Definition: 20000}), ipv, t0 + "Definition"},
		{"unknown watermark", tc(vodevent.TranscodeTaskInput{WatermarkSet: wm}), ipv, t0 + "WatermarkSet[0].Definition"},
		{"trace watermark", tc(vodevent.TranscodeTaskInput{TraceWatermark: raw(`{"Switch":"ON"}`)}), unsupported, t0 + "TraceWatermark"},
		{"copyright watermark", tc(vodevent.TranscodeTaskInput{CopyRightWatermark: raw(`{"Text":"(c)"}`)}), unsupported, t0 + "CopyRightWatermark"},
		{"blind watermark", tc(vodevent.TranscodeTaskInput{BlindWatermark: raw(`{"Definition":1}`)}), unsupported, t0 + "BlindWatermark"},
		{"mosaic", tc(vodevent.TranscodeTaskInput{MosaicSet: raw(`[{}]`)}), unsupported, t0 + "MosaicSet"},
		{"head tail", tc(vodevent.TranscodeTaskInput{HeadTailSet: raw(`[{"Definition":1}]`)}), unsupported, t0 + "HeadTailSet"},
		{"override", tc(vodevent.TranscodeTaskInput{OverrideParameter: raw(`{"Container":"flv"}`)}), unsupported, t0 + "OverrideParameter"},
		{"subtitles", tc(vodevent.TranscodeTaskInput{SubtitleInfoSet: raw(`[{"Id":"x"}]`)}), unsupported, t0 + "SubtitleInfoSet"},
		{"end before start", tc(vodevent.TranscodeTaskInput{StartTimeOffset: 5, EndTimeOffset: 3}), ipv, t0 + "EndTimeOffset"},
		{"ABR unknown watermark", abr(vodevent.AdaptiveDynamicStreamingTaskInput{WatermarkSet: wm}), ipv, a0 + "WatermarkSet[0].Definition"},
		{"ABR subtitles", abr(vodevent.AdaptiveDynamicStreamingTaskInput{SubtitleSet: []string{"s1"}}), unsupported, a0 + "SubtitleSet"},
		{"ABR subtitle info", abr(vodevent.AdaptiveDynamicStreamingTaskInput{SubtitleInfoSet: raw(`[{}, {}]`)}), unsupported, a0 + "SubtitleInfoSet"},
		{"ABR DRM", abr(vodevent.AdaptiveDynamicStreamingTaskInput{DrmInfo: raw(`{"Type":"SimpleAES"}`)}), unsupported, a0 + "DrmInfo"},
		{"ABR trace", abr(vodevent.AdaptiveDynamicStreamingTaskInput{TraceWatermark: raw(`{"Switch":"ON"}`)}), unsupported, a0 + "TraceWatermark"},
		{"no offsets", snap(vodevent.SnapshotByTimeOffsetTaskInput{}), ipv, "ExtTimeOffsetSet"},
		{"bad offset", snap(vodevent.SnapshotByTimeOffsetTaskInput{ExtTimeOffsetSet: []string{"3.5"}}), ipv, s0 + "ExtTimeOffsetSet[0]"},
		{"percent over 100", snap(vodevent.SnapshotByTimeOffsetTaskInput{ExtTimeOffsetSet: []string{"1s", "101%"}}), ipv, s0 + "ExtTimeOffsetSet[1]"},
		{"negative ms", snap(vodevent.SnapshotByTimeOffsetTaskInput{TimeOffsetSet: []float64{-1}}), ipv, s0 + "TimeOffsetSet[0]"},
		{"snapshot unknown watermark", snap(vodevent.SnapshotByTimeOffsetTaskInput{ExtTimeOffsetSet: []string{"1s"}, WatermarkSet: wm}), ipv, s0 + "WatermarkSet[0].Definition"},
		{"cover type", cover("Frame", 1, 10), ipv, "MediaProcessTask.CoverBySnapshotTaskSet[0].PositionType"},
		{"cover percent", cover("Percent", 150, 10), ipv, "MediaProcessTask.CoverBySnapshotTaskSet[0].PositionValue"},
		{"cover negative", cover("Time", -1, 10), ipv, "PositionValue"},
		{"cover with a transcode template", cover("Time", 1, 100010), ipv, "MediaProcessTask.CoverBySnapshotTaskSet[0].Definition"},
		{"gif end before start", gif(4, 2), ipv, "MediaProcessTask.AnimatedGraphicTaskSet[0].EndTimeOffset"},
		{"gif without range", gif(0, 0), ipv, "AnimatedGraphicTaskSet[0].EndTimeOffset"},
		{"unknown sprite", &vodevent.MediaProcessTaskInput{ImageSpriteTaskSet: []vodevent.ImageSpriteTaskInput{{Definition: 11}}}, ipv, "ImageSpriteTaskSet[0].Definition"},
		{"unknown sample", &vodevent.MediaProcessTaskInput{SampleSnapshotTaskSet: []vodevent.SampleSnapshotTaskInput{{Definition: 20}}}, ipv, "SampleSnapshotTaskSet[0].Definition"},
	}
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		app, _ := apps(t, st)
		for _, c := range cases {
			_, err := templates.Resolve(t.Context(), st, app, c.in)
			wantCode(t, c.name, err, c.code, c.field)
		}
	})
}

func TestProcedures(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		app, other := apps(t, st)
		p, err := templates.LookupProcedure(ctx, st, app, "LongVideoPreset")
		if err != nil || p.Type != templates.TypePreset || len(p.MediaProcessTask.AdaptiveDynamicStreamingTaskSet) != 1 {
			t.Fatalf("LongVideoPreset: %+v, %v", p, err)
		}
		if _, err := templates.Resolve(ctx, st, app, p.MediaProcessTask); err != nil {
			t.Errorf("LongVideoPreset does not resolve: %v", err)
		}
		_, err = templates.LookupProcedure(ctx, st, app, "SimpleAesEncryptPreset")
		wantCode(t, "DRM preset", err, "UnsupportedOperation", "DRM")
		_, err = templates.LookupProcedure(ctx, st, app, "mine")
		wantCode(t, "unknown", err, "InvalidParameterValue.ProcedureName", "ProcedureName")

		task := &vodevent.MediaProcessTaskInput{TranscodeTaskSet: []vodevent.TranscodeTaskInput{{Definition: 100020}}}
		mk := func(name string) *templates.Procedure {
			return &templates.Procedure{Name: name, Comment: "c", MediaProcessTask: task}
		}
		if err := templates.CreateProcedure(ctx, st, app, mk("mine"), now); err != nil {
			t.Fatal(err)
		}
		got, err := templates.LookupProcedure(ctx, st, app, "mine")
		if err != nil || got.Type != templates.TypeCustom || got.Comment != "c" || got.CreateTime != "2026-05-06T07:08:09Z" ||
			got.MediaProcessTask.TranscodeTaskSet[0].Definition != 100020 {
			t.Errorf("custom procedure: %s, %v", mustJSON(got), err)
		}
		_, err = templates.LookupProcedure(ctx, st, other, "mine")
		wantCode(t, "another app's procedure", err, "InvalidParameterValue.ProcedureName", "mine")
		wantCode(t, "name taken", templates.CreateProcedure(ctx, st, app, mk("mine"), now), "InvalidParameter.ExistedProcedureName", "Name")
		wantCode(t, "preset name", templates.CreateProcedure(ctx, st, app, mk("LongVideoPreset"), now), "InvalidParameter.ExistedProcedureName", "preset")
		wantCode(t, "long name", templates.CreateProcedure(ctx, st, app, mk(strings.Repeat("é", 21)), now), "InvalidParameter", "21")
		wantCode(t, "bad task", templates.CreateProcedure(ctx, st, app, &templates.Procedure{Name: "x"}, now), "InvalidParameterValue", "MediaProcessTask")
		if err := templates.CreateProcedure(ctx, st, other, mk("mine"), now); err != nil {
			t.Errorf("the same name in another app: %v", err)
		}

		reset := mk("mine")
		reset.Comment, reset.MediaProcessTask = "", &vodevent.MediaProcessTaskInput{ImageSpriteTaskSet: []vodevent.ImageSpriteTaskInput{{Definition: 10}}}
		if err := templates.ResetProcedure(ctx, st, app, reset, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _ = templates.LookupProcedure(ctx, st, app, "mine")
		if got.Comment != "" || len(got.MediaProcessTask.TranscodeTaskSet) != 0 || len(got.MediaProcessTask.ImageSpriteTaskSet) != 1 ||
			got.CreateTime != "2026-05-06T07:08:09Z" || got.UpdateTime != "2026-05-06T07:09:09Z" {
			t.Errorf("after reset: %s", mustJSON(got))
		}
		wantCode(t, "reset unknown", templates.ResetProcedure(ctx, st, app, mk("nope"), now), "InvalidParameter.ProcedureNameNotExist", "nope")
		wantCode(t, "reset preset", templates.ResetProcedure(ctx, st, app, mk("LongVideoPreset"), now), "InvalidParameter.ProcedureNameNotExist", "preset")
		wantCode(t, "delete preset", templates.DeleteProcedure(ctx, st, app, "LongVideoPreset"), "InvalidParameter.ProcedureNameNotExist", "preset")

		list, err := templates.ListProcedures(ctx, st, app, "")
		if err != nil || len(list) != 2 || list[0].Name != "LongVideoPreset" || list[1].Name != "mine" {
			t.Errorf("list: %s, %v", mustJSON(list), err)
		}
		if err := templates.DeleteProcedure(ctx, st, app, "mine"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "delete again", templates.DeleteProcedure(ctx, st, app, "mine"), "InvalidParameter.ProcedureNameNotExist", "mine")
		if _, err := templates.LookupProcedure(ctx, st, other, "mine"); err != nil {
			t.Errorf("the other app's procedure after the delete: %v", err)
		}
	})
}

func TestCatalog(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		app, other := apps(t, st)
		mine := customTranscode(t, st, app, 700)
		second := customTranscode(t, st, app, 800)
		theirs := customTranscode(t, st, other, 900)
		defs := func(app int64, typ string) []int64 {
			list, err := templates.List[templates.Transcode](ctx, st, app, typ)
			if err != nil {
				t.Fatal(err)
			}
			var d []int64
			for _, tc := range list {
				d = append(d, tc.Definition)
			}
			return d
		}
		if got := defs(app, templates.TypeCustom); string(mustJSON(got)) != string(mustJSON([]int64{mine.Definition, second.Definition})) {
			t.Errorf("custom list %v", got)
		}
		if got := defs(other, templates.TypeCustom); len(got) != 1 || got[0] != theirs.Definition {
			t.Errorf("other app's list %v", got)
		}
		all := defs(app, "")
		if len(all) != 35 || all[0] != 10 || all[33] != mine.Definition || len(defs(app, templates.TypePreset)) != 33 {
			t.Errorf("list of presets and customs: %v", all)
		}

		tc, err := templates.Get[templates.Transcode](ctx, st, app, 100030)
		if err != nil || tc.Type != templates.TypePreset {
			t.Fatalf("get preset: %+v %v", tc, err)
		}
		keep := func(*templates.Transcode) error { return nil }
		wantCode(t, "modify a preset", templates.Modify(ctx, st, app, tc.Definition, now, keep), "ResourceNotFound.TemplateNotExist", "preset")
		wantCode(t, "delete a preset", templates.Delete[templates.Transcode](ctx, st, app, 100030), "ResourceNotFound.TemplateNotExist", "preset")
		wantCode(t, "delete another app's", templates.Delete[templates.Transcode](ctx, st, other, second.Definition), "ResourceNotFound.TemplateNotExist", "Definition")
		if _, err := templates.Get[templates.Transcode](ctx, st, other, second.Definition); !errors.Is(err, templates.ErrNotFound) {
			t.Errorf("get another app's: %v", err)
		}
		if _, err := templates.Get[templates.SnapshotByTimeOffset](ctx, st, app, mine.Definition); !errors.Is(err, templates.ErrNotFound) {
			t.Errorf("get as another kind: %v", err)
		}
		if err := templates.Delete[templates.Transcode](ctx, st, app, mine.Definition); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "delete again", templates.Delete[templates.Transcode](ctx, st, app, mine.Definition), "ResourceNotFound.TemplateNotExist", "Definition")
		wantCode(t, "modify a deleted one", templates.Modify(ctx, st, app, mine.Definition, now, keep), "ResourceNotFound.TemplateNotExist", "Definition")
		wantCode(t, "modify another app's", templates.Modify(ctx, st, other, second.Definition, now, keep), "ResourceNotFound.TemplateNotExist", "Definition")
		errChange := errors.New("change refused")
		if err := templates.Modify(ctx, st, app, second.Definition, now.Add(time.Hour), func(*templates.Transcode) error { return errChange }); err != errChange {
			t.Errorf("modify with a failing change: %v", err)
		}
		if got, _ := templates.Get[templates.Transcode](ctx, st, app, second.Definition); got.UpdateTime != second.UpdateTime {
			t.Errorf("a failed modify changed the template: %+v", got)
		}
	})
}

func TestCreateLimit(t *testing.T) {
	storetest.OnBackends(t, func(t *testing.T, st store.Store) {
		app, _ := apps(t, st)
		for range templates.MaxCustom {
			if _, err := templates.Create(t.Context(), st, app, &templates.ImageSprite{SampleType: "Time", SampleInterval: 5, RowCount: 2, ColumnCount: 2}, now); err != nil {
				t.Fatal(err)
			}
		}
		_, err := templates.Create(t.Context(), st, app, &templates.ImageSprite{}, now)
		wantCode(t, "101st", err, "LimitExceeded.TooMuchTemplate", "100")
		if _, err := templates.Create(t.Context(), st, app, &templates.SampleSnapshot{}, now); err != nil {
			t.Errorf("another kind: %v", err)
		}
	})
}
