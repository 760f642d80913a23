"use strict";
// Media-processing templates through the official SDK's typed calls (run by
// TestNodeSDKTemplates on SQLite and on PostgreSQL, against a server of its
// own): every kind is created, described (fields in the SDK's order, as the
// typed client receives them), modified, described again, deleted and then
// not found; presets cannot be modified or deleted; watermark templates
// (image and text) are made, served and changed; another app
// (OPENVOD_OTHER_SUB_APP_ID) sees none of this app's templates.

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const h = require("./helpers");

const FIRST_CUSTOM_DEFINITION = 1000001;

function otherApp() {
  const id = Number(process.env.OPENVOD_OTHER_SUB_APP_ID);
  assert.ok(id > 0, "set OPENVOD_OTHER_SUB_APP_ID to a second app of the server");
  return id;
}

// sdkKeys returns the members of the SDK model named name, in the order
// vod_models.d.ts declares them.
const models = fs.readFileSync(
  require.resolve("tencentcloud-sdk-nodejs-vod/tencentcloud/services/vod/v20180717/vod_models.d.ts"), "utf8");
function sdkKeys(name) {
  const m = models.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`));
  assert.ok(m, `no interface ${name} in vod_models.d.ts`);
  return [...m[1].matchAll(/^ {4}(\w+)\??:/gm)].map((x) => x[1]);
}

// checkOrder checks that obj has exactly the SDK model's members, in order.
function checkOrder(obj, model) {
  assert.deepEqual(Object.keys(obj), sdkKeys(model), `members of ${model}`);
}

const c = h.client();

// kinds are the numbered template kinds: a valid Create body, a Modify and
// what it changes, and an invalid Create with its error code.
const kinds = [
  {
    name: "TranscodeTemplate", model: "TranscodeTemplate", set: "TranscodeTemplateSet",
    create: {
      Container: "mp4", Name: "mine", Comment: "a test",
      VideoTemplate: { Codec: "libx264", Fps: 30, Bitrate: 700, Height: 480 },
      AudioTemplate: { Codec: "libfdk_aac", Bitrate: 96, SampleRate: 48000, AudioChannel: 2 },
    },
    check: (t) => {
      assert.equal(t.Container, "mp4");
      assert.equal(t.ContainerType, "Video");
      checkOrder(t.VideoTemplate, "VideoTemplateInfo");
      checkOrder(t.AudioTemplate, "AudioTemplateInfo");
      assert.deepEqual(t.TEHDConfig, { Type: "OFF", MaxVideoBitrate: 0 });
      assert.equal(t.EnhanceConfig, null);
      return [t.VideoTemplate.Codec, t.VideoTemplate.Fps, t.VideoTemplate.Bitrate, t.VideoTemplate.Height,
        t.VideoTemplate.ResolutionAdaptive, t.VideoTemplate.FillType, t.AudioTemplate.SampleRate];
    },
    created: ["libx264", 30, 700, 480, "open", "black", 48000],
    modify: { Name: "renamed", VideoTemplate: { Bitrate: 900 }, AudioTemplate: { SampleRate: 44100 } },
    modified: ["libx264", 30, 900, 480, "open", "black", 44100],
    invalid: [
      [{ Container: "avi" }, "InvalidParameterValue.Container"],
      [{ Container: "mp4", VideoTemplate: { Codec: "av1", Fps: 25, Bitrate: 500 }, AudioTemplate: { Codec: "libfdk_aac", Bitrate: 64, SampleRate: 44100 } }, "InvalidParameterValue.Codec"],
      [{ Container: "mp4", VideoTemplate: { Codec: "libx264", Fps: 200, Bitrate: 500 }, AudioTemplate: { Codec: "libfdk_aac", Bitrate: 64, SampleRate: 44100 } }, "InvalidParameterValue.Fps"],
      [{ Container: "mp4", VideoTemplate: { Codec: "libx264", Fps: 25, Bitrate: 500, Width: 100 }, AudioTemplate: { Codec: "libfdk_aac", Bitrate: 64, SampleRate: 44100 } }, "InvalidParameterValue.Width"],
      [{ Container: "mp4", RemoveAudio: 1, VideoTemplate: { Codec: "libx264", Fps: 25, Bitrate: 500 }, TEHDConfig: { Type: "TEHD-100" } }, "InvalidParameterValue.TEHDType"],
      [{ Container: "hls", RemoveAudio: 1, VideoTemplate: { Codec: "libx264", Fps: 25, Bitrate: 500 }, SegmentType: "fmp4" }, "InvalidParameterValue.SegmentType"],
    ],
    preset: 100010,
    presets: 33,
  },
  {
    name: "AdaptiveDynamicStreamingTemplate", model: "AdaptiveDynamicStreamingTemplate", set: "AdaptiveDynamicStreamingTemplateSet",
    create: {
      Format: "HLS", Name: "ladder",
      StreamInfos: [
        { Video: { Codec: "libx264", Fps: 25, Bitrate: 400, Height: 360 }, Audio: { Codec: "libfdk_aac", Bitrate: 64, SampleRate: 44100 } },
        { Video: { Codec: "libx264", Fps: 30, Bitrate: 1000, Height: 720 }, Audio: { Codec: "libfdk_aac", Bitrate: 128, SampleRate: 44100 } },
      ],
    },
    check: (t) => {
      assert.equal(t.Format, "HLS");
      assert.equal(t.DrmType, "");
      t.StreamInfos.forEach((s) => checkOrder(s, "AdaptiveStreamTemplate"));
      return [t.StreamInfos.map((s) => [s.Video.Height, s.Video.Bitrate, s.Video.Fps]), t.SegmentType, t.SegmentDuration, t.DisableHigherVideoResolution];
    },
    created: [[[360, 400, 25], [720, 1000, 25]], "ts-segment", 6, 0],
    modify: { DisableHigherVideoResolution: 1, SegmentDuration: 4, StreamInfos: [{ Video: { Codec: "libx265", Fps: 24, Bitrate: 300, Height: 240 }, Audio: { Codec: "libfdk_aac", Bitrate: 48, SampleRate: 44100 } }] },
    modified: [[[240, 300, 24]], "ts-segment", 4, 1],
    invalid: [
      [{ Format: "HLS", DrmType: "SimpleAES", StreamInfos: [{ Video: { Codec: "libx264", Fps: 25, Bitrate: 400 }, Audio: { Codec: "libfdk_aac", Bitrate: 64, SampleRate: 44100 } }] }, "InvalidParameterValue.DrmType"],
      [{ Format: "SMOOTH", StreamInfos: [{ Video: { Codec: "libx264", Fps: 25, Bitrate: 400 }, Audio: { Codec: "libfdk_aac", Bitrate: 64, SampleRate: 44100 } }] }, "InvalidParameterValue.Format"],
    ],
    preset: 10,
    presets: 2,
  },
  {
    name: "SnapshotByTimeOffsetTemplate", model: "SnapshotByTimeOffsetTemplate", set: "SnapshotByTimeOffsetTemplateSet",
    create: { Name: "shot", Width: 640, Format: "png" },
    check: (t) => [t.Width, t.Height, t.Format, t.FillType, t.ResolutionAdaptive],
    created: [640, 0, "png", "black", "open"],
    modify: { Format: "webp", FillType: "white" },
    modified: [640, 0, "webp", "white", "open"],
    invalid: [[{ Format: "bmp" }, "InvalidParameterValue.Format"], [{ Width: 5000 }, "InvalidParameterValue.Width"]],
    preset: 10,
    presets: 1,
  },
  {
    name: "SampleSnapshotTemplate", model: "SampleSnapshotTemplate", set: "SampleSnapshotTemplateSet",
    create: { SampleType: "Time", SampleInterval: 5, Name: "samples" },
    check: (t) => [t.SampleType, t.SampleInterval, t.Format, t.Width],
    created: ["Time", 5, "jpg", 0],
    modify: { SampleType: "Percent", SampleInterval: 20, Width: 320 },
    modified: ["Percent", 20, "jpg", 320],
    invalid: [[{ SampleType: "Frame", SampleInterval: 5 }, "InvalidParameterValue.SampleType"], [{ SampleType: "Percent", SampleInterval: 101 }, "InvalidParameterValue.SampleInterval"]],
    preset: 10,
    presets: 1,
  },
  {
    name: "ImageSpriteTemplate", model: "ImageSpriteTemplate", set: "ImageSpriteTemplateSet",
    create: { SampleType: "Time", SampleInterval: 2, RowCount: 3, ColumnCount: 4, Width: 160, Height: 128 },
    check: (t) => [t.SampleInterval, t.RowCount, t.ColumnCount, t.Width, t.Height, t.Format, t.FillType],
    created: [2, 3, 4, 160, 128, "jpg", "black"],
    modify: { RowCount: 5, FillType: "stretch" },
    modified: [2, 5, 4, 160, 128, "jpg", "stretch"],
    invalid: [[{ SampleType: "Time", SampleInterval: 2, RowCount: 0, ColumnCount: 4 }, "InvalidParameterValue.RowCount"]],
    preset: 10,
    presets: 1,
  },
  {
    name: "AnimatedGraphicsTemplate", model: "AnimatedGraphicsTemplate", set: "AnimatedGraphicsTemplateSet",
    create: { Fps: 10, Width: 320, Format: "webp" },
    check: (t) => [t.Fps, t.Width, t.Format, t.Quality],
    created: [10, 320, "webp", 75],
    modify: { Fps: 15, Quality: 50 },
    modified: [15, 320, "webp", 50],
    invalid: [[{ Fps: 31 }, "InvalidParameterValue.Fps"], [{ Fps: 10, Format: "apng" }, "InvalidParameterValue.Format"]],
    preset: 20000,
    presets: 2,
  },
];

for (const k of kinds) {
  test(`${k.name}: create, describe, modify, describe, delete, not found`, async () => {
    const describe = (params) => c[`Describe${k.name}s`](params);
    const created = await c[`Create${k.name}`](k.create);
    checkOrder(created, `Create${k.name}Response`);
    assert.ok(Number.isInteger(created.Definition) && created.Definition >= FIRST_CUSTOM_DEFINITION, `Definition ${created.Definition}`);
    const def = created.Definition;
    // Transcode templates answer their Definition as a string, as the SDK has it.
    const wireDef = k.name === "TranscodeTemplate" ? String(def) : def;

    let r = await describe({ Definitions: [def] });
    checkOrder(r, `Describe${k.name}sResponse`);
    assert.equal(r.TotalCount, 1);
    let t = r[k.set][0];
    checkOrder(t, k.model);
    assert.equal(t.Definition, wireDef);
    assert.equal(t.Type, "Custom");
    assert.match(t.CreateTime, h.TIME_RE);
    assert.equal(t.UpdateTime, t.CreateTime);
    assert.equal(t.Name, k.create.Name ?? "");
    assert.deepEqual(k.check(t), k.created);

    await c[`Modify${k.name}`]({ Definition: def, ...k.modify });
    t = (await describe({ Definitions: [def] }))[k.set][0];
    checkOrder(t, k.model);
    assert.deepEqual(k.check(t), k.modified);
    assert.equal(t.Name, k.modify.Name ?? k.create.Name ?? "");
    assert.match(t.UpdateTime, h.TIME_RE);

    // Another app sees none of it.
    const SubAppId = otherApp();
    await h.expectError(describe({ SubAppId, Definitions: [def] }), "ResourceNotFound.TemplateNotExist");
    await h.expectError(c[`Modify${k.name}`]({ SubAppId, Definition: def, ...k.modify }), "ResourceNotFound.TemplateNotExist");
    await h.expectError(c[`Delete${k.name}`]({ SubAppId, Definition: def }), "ResourceNotFound.TemplateNotExist");
    assert.equal((await describe({ SubAppId, Type: "Custom" })).TotalCount, 0);

    const all = await describe({ Limit: 100 });
    assert.equal(all.TotalCount, k.presets + 1);
    assert.equal(all[k.set].filter((x) => x.Type === "Preset").length, k.presets);
    assert.equal((await describe({ Type: "Custom" })).TotalCount, 1);
    const paged = await describe({ Offset: k.presets, Limit: 1 });
    assert.equal(paged.TotalCount, k.presets + 1);
    assert.deepEqual(paged[k.set].map((x) => x.Definition), [wireDef]);

    await c[`Delete${k.name}`]({ Definition: def });
    await h.expectError(describe({ Definitions: [def] }), "ResourceNotFound.TemplateNotExist");
    await h.expectError(c[`Delete${k.name}`]({ Definition: def }), "ResourceNotFound.TemplateNotExist");
    await h.expectError(c[`Modify${k.name}`]({ Definition: def, ...k.modify }), "ResourceNotFound.TemplateNotExist");
    assert.equal((await describe({ Type: "Custom" })).TotalCount, 0);
  });

  test(`${k.name}: presets cannot be modified or deleted; bad input is refused`, async () => {
    const describe = (params) => c[`Describe${k.name}s`](params);
    const before = (await describe({ Definitions: [k.preset] }))[k.set][0];
    checkOrder(before, k.model);
    assert.equal(before.Type, "Preset");
    assert.equal(before.CreateTime, "2018-07-17T00:00:00Z");
    await h.expectError(c[`Modify${k.name}`]({ Definition: k.preset, ...k.modify }), "ResourceNotFound.TemplateNotExist");
    await h.expectError(c[`Delete${k.name}`]({ Definition: k.preset }), "ResourceNotFound.TemplateNotExist");
    assert.deepEqual((await describe({ Definitions: [k.preset] }))[k.set][0], before);
    assert.equal((await describe({ Type: "Preset", Limit: 100 })).TotalCount, k.presets);
    for (const [body, code] of k.invalid) {
      await h.expectError(c[`Create${k.name}`](body), code);
    }
    assert.equal((await describe({ Type: "Custom" })).TotalCount, 0, "a refused create stored something");
    await h.expectError(describe({ Limit: 101 }), "InvalidParameterValue.Limit");
    await h.expectError(describe({ Type: "Mine" }), "InvalidParameterValue.Type");
  });
}

test("TranscodeTemplate presets and filters", async () => {
  const r = await c.DescribeTranscodeTemplates({ Definitions: [100030, 875, 1010] });
  assert.equal(r.TotalCount, 3);
  const [remux, mp3, hd] = r.TranscodeTemplateSet;
  assert.deepEqual([remux.Definition, mp3.Definition, hd.Definition], ["875", "1010", "100030"]);
  assert.deepEqual([hd.Container, hd.VideoTemplate.Codec, hd.VideoTemplate.Fps, hd.VideoTemplate.Bitrate, hd.VideoTemplate.Height, hd.AudioTemplate.Bitrate],
    ["mp4", "libx264", 25, 1800, 720, 128]);
  assert.deepEqual([remux.VideoTemplate.Codec, remux.AudioTemplate.Codec], ["copy", "copy"]);
  assert.deepEqual([mp3.Container, mp3.ContainerType, mp3.RemoveVideo, mp3.VideoTemplate, mp3.AudioTemplate.Codec],
    ["mp3", "PureAudio", 1, null, "libmp3lame"]);
  assert.equal((await c.DescribeTranscodeTemplates({ ContainerType: "PureAudio", Limit: 100 })).TotalCount, 7);
  assert.equal((await c.DescribeTranscodeTemplates({ TEHDType: "TEHD" })).TotalCount, 0);
  const abr = (await c.DescribeAdaptiveDynamicStreamingTemplates({ Definitions: [10] })).AdaptiveDynamicStreamingTemplateSet[0];
  assert.deepEqual(abr.StreamInfos.map((s) => [s.Video.Height, s.Video.Bitrate]),
    [[240, 256], [480, 512], [720, 512], [1080, 1024], [1440, 3072], [2160, 6144]]);
  assert.equal(abr.DisableHigherVideoResolution, 1);
});

test("ProcedureTemplate: create, describe, reset, describe, delete, not found", async () => {
  const shot = await c.CreateSnapshotByTimeOffsetTemplate({ Name: "cover" });
  const task = {
    TranscodeTaskSet: [{ Definition: 100010 }],
    CoverBySnapshotTaskSet: [{ Definition: shot.Definition, PositionType: "Percent", PositionValue: 10 }],
  };
  const created = await c.CreateProcedureTemplate({ Name: "flow", Comment: "mine", MediaProcessTask: task });
  checkOrder(created, "CreateProcedureTemplateResponse");

  let r = await c.DescribeProcedureTemplates({ Names: ["flow"] });
  checkOrder(r, "DescribeProcedureTemplatesResponse");
  assert.equal(r.TotalCount, 1);
  let p = r.ProcedureTemplateSet[0];
  checkOrder(p, "ProcedureTemplate");
  assert.deepEqual([p.Name, p.Type, p.Comment], ["flow", "Custom", "mine"]);
  checkOrder(p.MediaProcessTask, "MediaProcessTaskInput");
  assert.equal(p.MediaProcessTask.TranscodeTaskSet[0].Definition, 100010);
  assert.deepEqual(p.MediaProcessTask.CoverBySnapshotTaskSet[0].Definition, shot.Definition);
  assert.match(p.CreateTime, h.TIME_RE);

  await c.ResetProcedureTemplate({ Name: "flow", MediaProcessTask: { ImageSpriteTaskSet: [{ Definition: 10 }] } });
  p = (await c.DescribeProcedureTemplates({ Names: ["flow"] })).ProcedureTemplateSet[0];
  assert.deepEqual([p.Comment, p.MediaProcessTask.TranscodeTaskSet, p.MediaProcessTask.ImageSpriteTaskSet], ["", [], [{ Definition: 10 }]]);

  const SubAppId = otherApp();
  assert.equal((await c.DescribeProcedureTemplates({ SubAppId, Names: ["flow"] })).TotalCount, 0);
  await h.expectError(c.DeleteProcedureTemplate({ SubAppId, Name: "flow" }), "InvalidParameter.ProcedureNameNotExist");
  await h.expectError(c.CreateProcedureTemplate({ SubAppId, Name: "theirs", MediaProcessTask: task }), "InvalidParameterValue");

  await h.expectError(c.CreateProcedureTemplate({ Name: "flow", MediaProcessTask: task }), "InvalidParameter.ExistedProcedureName");
  await h.expectError(c.CreateProcedureTemplate({ Name: "x".repeat(21), MediaProcessTask: task }), "InvalidParameter");
  await h.expectError(c.CreateProcedureTemplate({ Name: "ai", MediaProcessTask: task, AiAnalysisTask: { Definition: 10 } }), "UnsupportedOperation");
  await h.expectError(c.CreateProcedureTemplate({ Name: "drm", MediaProcessTask: { AdaptiveDynamicStreamingTaskSet: [{ Definition: 10, DrmInfo: { Type: "SimpleAES" } }] } }), "UnsupportedOperation");
  await h.expectError(c.ResetProcedureTemplate({ Name: "LongVideoPreset", MediaProcessTask: task }), "InvalidParameter.ProcedureNameNotExist");
  await h.expectError(c.DeleteProcedureTemplate({ Name: "LongVideoPreset" }), "InvalidParameter.ProcedureNameNotExist");

  const presets = await c.DescribeProcedureTemplates({ Type: "Preset" });
  assert.deepEqual(presets.ProcedureTemplateSet.map((x) => [x.Name, x.Type]), [["LongVideoPreset", "Preset"]]);
  const lv = presets.ProcedureTemplateSet[0].MediaProcessTask;
  assert.deepEqual([lv.AdaptiveDynamicStreamingTaskSet[0].Definition, lv.ImageSpriteTaskSet[0].Definition, lv.CoverBySnapshotTaskSet[0].Definition], [10, 10, 10]);

  await c.DeleteProcedureTemplate({ Name: "flow" });
  assert.equal((await c.DescribeProcedureTemplates({ Names: ["flow"] })).TotalCount, 0);
  await h.expectError(c.DeleteProcedureTemplate({ Name: "flow" }), "InvalidParameter.ProcedureNameNotExist");
  await c.DeleteSnapshotByTimeOffsetTemplate({ Definition: shot.Definition });
});

// An 8×8 red PNG.
const RED_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC";

test("WatermarkTemplate: image and text, create, describe, fetch the image, modify, delete", async () => {
  const img = await c.CreateWatermarkTemplate({
    Type: "image", Name: "logo", CoordinateOrigin: "BottomRight", XPos: "10px", YPos: "5%",
    ImageTemplate: { ImageContent: RED_PNG, Width: "20%", Transparency: 25 },
  });
  checkOrder(img, "CreateWatermarkTemplateResponse");
  assert.ok(img.Definition >= FIRST_CUSTOM_DEFINITION);
  const got = await fetch(img.ImageUrl);
  assert.equal(got.status, 200);
  assert.deepEqual(Buffer.from(await got.arrayBuffer()), Buffer.from(RED_PNG, "base64"));

  const txt = await c.CreateWatermarkTemplate({
    Type: "text", TextTemplate: { FontType: "arial.ttf", FontSize: "24px", FontColor: "0x00ff00", FontAlpha: 0.5 },
  });
  assert.equal(txt.ImageUrl, "");

  let r = await c.DescribeWatermarkTemplates({ Definitions: [img.Definition, txt.Definition] });
  checkOrder(r, "DescribeWatermarkTemplatesResponse");
  assert.equal(r.TotalCount, 2);
  const [wi, wt] = r.WatermarkTemplateSet;
  checkOrder(wi, "WatermarkTemplate");
  checkOrder(wi.ImageTemplate, "ImageWatermarkTemplate");
  checkOrder(wt.TextTemplate, "TextWatermarkTemplateInput");
  assert.deepEqual([wi.Type, wi.CoordinateOrigin, wi.XPos, wi.YPos, wi.ImageTemplate.ImageUrl, wi.ImageTemplate.Width,
    wi.ImageTemplate.Height, wi.ImageTemplate.RepeatType, wi.ImageTemplate.Transparency, wi.TextTemplate, wi.SvgTemplate],
  ["image", "BottomRight", "10px", "5%", img.ImageUrl, "20%", "0px", "repeat", 25, null, null]);
  assert.deepEqual(wt.TextTemplate, { FontType: "arial.ttf", FontSize: "24px", FontColor: "0x00FF00", FontAlpha: 0.5 });
  assert.match(wi.CreateTime, h.TIME_RE);
  assert.equal((await c.DescribeWatermarkTemplates({ Type: "text" })).TotalCount, 1);

  const mod = await c.ModifyWatermarkTemplate({ Definition: img.Definition, XPos: "20px", ImageTemplate: { ImageContent: RED_PNG } });
  checkOrder(mod, "ModifyWatermarkTemplateResponse");
  assert.notEqual(mod.ImageUrl, img.ImageUrl);
  assert.equal((await fetch(mod.ImageUrl)).status, 200);
  assert.equal((await fetch(img.ImageUrl)).status, 404);
  r = await c.DescribeWatermarkTemplates({ Definitions: [img.Definition] });
  assert.deepEqual([r.WatermarkTemplateSet[0].XPos, r.WatermarkTemplateSet[0].ImageTemplate.Width], ["20px", "20%"]);

  await h.expectError(c.CreateWatermarkTemplate({ Type: "svg", SvgTemplate: { Width: "10W%" } }), "UnsupportedOperation");
  await h.expectError(c.CreateWatermarkTemplate({ Type: "image", ImageTemplate: { ImageContent: "bm90IGFuIGltYWdl" } }),
    "InvalidParameterValue.ImageContent");
  await h.expectError(c.CreateWatermarkTemplate({ Type: "text", TextTemplate: { FontSize: "24" } }), "InvalidParameterValue.FontSize");
  const SubAppId = otherApp();
  await h.expectError(c.DescribeWatermarkTemplates({ SubAppId, Definitions: [img.Definition] }), "ResourceNotFound.TemplateNotExist");
  await h.expectError(c.DeleteWatermarkTemplate({ SubAppId, Definition: img.Definition }), "ResourceNotFound.TemplateNotExist");

  for (const def of [img.Definition, txt.Definition]) {
    await c.DeleteWatermarkTemplate({ Definition: def });
  }
  assert.equal((await fetch(mod.ImageUrl)).status, 404);
  assert.equal((await c.DescribeWatermarkTemplates({})).TotalCount, 0);
});
