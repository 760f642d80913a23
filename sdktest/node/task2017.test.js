"use strict";
// The 2017-style task actions (ConvertVodFile, CreateImageSprite,
// CreateSnapshotByTimeOffset) through the official SDK's generic request,
// in an app of its own (OPENVOD_TASK2017_SUB_APP_ID): each task's 2017
// event by pull and by push (a real HTTP receiver), its outputs downloaded
// and checked with ffprobe, and against DescribeMediaInfos and
// DescribeTaskDetail.

const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const h = require("./helpers");

const SEED_KEYS = ["EventType", "FileUploadEvent", "ProcedureStateChangeEvent", "FileDeleteEvent", "PullCompleteEvent",
  "EditMediaComplete", "WechatPublishComplete", "TranscodeCompleteEvent", "ConcatCompleteEvent", "ClipCompleteEvent",
  "CreateImageSpriteCompleteEvent", "SnapshotByTimeOffsetCompleteEvent"];
// The event of each action: its EventType, its key, its task's members in
// the SDK's order, its TaskId and DescribeTaskDetail's TaskType and member.
const KINDS = {
  ConvertVodFile: {
    type: "TranscodeComplete", key: "TranscodeCompleteEvent", id: /^convertVodFile-[0-9a-f]{19}$/, taskType: "Transcode", member: "TranscodeTask",
    members: ["TaskId", "ErrCode", "Message", "FileId", "FileName", "Duration", "CoverUrl", "PlayInfoSet"],
  },
  CreateImageSprite: {
    type: "CreateImageSpriteComplete", key: "CreateImageSpriteCompleteEvent", id: /^createImageSprite-[0-9a-f]{19}$/,
    taskType: "ImageSprite", member: "CreateImageSpriteTask",
    members: ["TaskId", "ErrCode", "Message", "FileId", "Definition", "TotalCount", "ImageSpriteUrlSet", "WebVttUrl"],
  },
  CreateSnapshotByTimeOffset: {
    type: "CreateSnapshotByTimeOffsetComplete", key: "SnapshotByTimeOffsetCompleteEvent", id: /^createSnapshotByTimeOffset-[0-9a-f]{19}$/,
    taskType: "SnapshotByTimeOffset", member: "SnapshotByTimeOffsetTask", members: ["TaskId", "FileId", "Definition", "SnapshotInfoSet"],
  },
};
const TASK_TIMEOUT_MS = 3 * 60 * 1000;

function subAppId() {
  const id = Number(process.env.OPENVOD_TASK2017_SUB_APP_ID);
  assert.ok(id > 0, "set OPENVOD_TASK2017_SUB_APP_ID to an app the 2017-style task tests may use alone");
  return id;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "task2017-"));

// download writes the body of url to a file and returns its path and bytes.
async function download(url, name) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return { file, bytes };
}

function ffprobe(file) {
  return JSON.parse(execFileSync("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-of", "json", file], { encoding: "utf8" }));
}

// taskIdOf returns the TaskId of a 2017-style event, "" for other events.
function taskIdOf(e) {
  const kind = Object.values(KINDS).find((k) => k.type === e.EventType);
  return kind ? e[kind.key].TaskId : "";
}

// start sends the three actions on FileId and returns their TaskIds by action.
async function start(cc, SubAppId, FileId) {
  const params = {
    ConvertVodFile: { Definitions: [100010, 100020] },
    CreateImageSprite: { Definition: 10 },
    CreateSnapshotByTimeOffset: { Definition: 10, TimeOffsetSet: [500], ExtTimeOffsetSet: ["50%", "2.5s"] },
  };
  const ids = {};
  for (const [action, p] of Object.entries(params)) {
    const r = await cc.request(action, { SubAppId, FileId, ...p });
    assert.match(r.TaskId, KINDS[action].id, `${action} TaskId`);
    assert.match(r.RequestId, h.UUID_RE);
    ids[action] = r.TaskId;
  }
  return ids;
}

// check checks the three events (by action) of tasks on FileId: the body's
// keys, each task's members, the outputs' bytes, and what
// DescribeTaskDetail and DescribeMediaInfos say of them.
async function check(t, c, SubAppId, FileId, ids, events, how) {
  const src = ffprobe(h.env().fixture);
  const video = src.streams.find((s) => s.codec_type === "video");
  for (const [action, ev] of Object.entries(events)) {
    const kind = KINDS[action];
    assert.deepEqual(Object.keys(ev).filter((k) => k !== "EventHandle"), SEED_KEYS, `${action} event keys (${how})`);
    for (const k of SEED_KEYS.slice(1)) {
      assert.equal(ev[k] === null, k !== kind.key, `${action} ${k} (${how})`);
    }
    assert.equal(ev.EventType, kind.type);
    const task = ev[kind.key];
    assert.deepEqual(Object.keys(task), kind.members, `${action} members`);
    assert.equal(task.TaskId, ids[action]);
    assert.equal(task.FileId, FileId);
    const detail = await c.DescribeTaskDetail({ SubAppId, TaskId: ids[action] });
    assert.equal(detail.TaskType, kind.taskType);
    assert.equal(detail.Status, "FINISH");
    assert.deepEqual(detail[kind.member], task, `DescribeTaskDetail ${kind.member}`);
  }
  const info = await h.describeOne(c, FileId, { SubAppId });

  // TranscodeComplete: the original, then one file per Definition.
  const tc = events.ConvertVodFile.TranscodeCompleteEvent;
  assert.equal(tc.ErrCode, 0, tc.Message);
  assert.equal(tc.Message, "SUCCESS");
  assert.equal(tc.FileName, "task2017-source");
  assert.equal(tc.Duration, Math.round(Number(src.format.duration)));
  assert.deepEqual(tc.PlayInfoSet.map((p) => p.Definition), [0, 100010, 100020]);
  for (const p of tc.PlayInfoSet) {
    assert.deepEqual(Object.keys(p), ["Url", "Definition", "Bitrate", "Height", "Width"]);
    const { file, bytes } = await download(p.Url, `${how}-t${p.Definition}.mp4`);
    const v = ffprobe(file).streams.find((s) => s.codec_type === "video");
    assert.equal(v.width, p.Width, `transcode ${p.Definition} width`);
    assert.equal(v.height, p.Height, `transcode ${p.Definition} height`);
    assert.ok(Math.abs(Number(ffprobe(file).format.duration) - Number(src.format.duration)) < 0.1, `transcode ${p.Definition} duration`);
    const listed = info.TranscodeInfo.TranscodeSet.find((x) => x.Definition === p.Definition);
    assert.ok(listed, `DescribeMediaInfos lists no transcode ${p.Definition}`);
    assert.equal(listed.Url, p.Url);
    assert.equal(listed.Size, bytes.length, `transcode ${p.Definition}: Size and the bytes served`);
    assert.equal(listed.Bitrate, p.Bitrate);
    t.diagnostic(`${how} transcode ${p.Definition}: ${v.width}x${v.height}, ${bytes.length} bytes`);
  }
  assert.equal(tc.PlayInfoSet[0].Width, video.width);

  // CreateImageSpriteComplete: the sheets and the WebVTT file naming them.
  const sp = events.CreateImageSprite.CreateImageSpriteCompleteEvent;
  assert.equal(sp.ErrCode, 0, sp.Message);
  assert.equal(sp.Definition, 10);
  assert.ok(sp.ImageSpriteUrlSet.length >= 1);
  const vtt = (await download(sp.WebVttUrl, `${how}-sprite.vtt`)).bytes.toString("utf8");
  assert.match(vtt, /^WEBVTT/);
  const cues = [...vtt.matchAll(/^\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n(\S+)#xywh=\d+,\d+,(\d+),(\d+)$/gm)];
  assert.equal(cues.length, sp.TotalCount, "one WebVTT cue per tile");
  assert.deepEqual([...new Set(cues.map((m) => m[1]))], sp.ImageSpriteUrlSet, "the cues name the sheets, in order");
  const tpl = (await c.DescribeImageSpriteTemplates({ SubAppId, Definitions: [10] })).ImageSpriteTemplateSet[0];
  const sheet = ffprobe((await download(sp.ImageSpriteUrlSet[0], `${how}-sheet.jpg`)).file).streams[0];
  assert.equal(sheet.width, tpl.ColumnCount * Number(cues[0][2]), "sheet width: columns of tiles");
  assert.equal(sheet.height, tpl.RowCount * Number(cues[0][3]), "sheet height: rows of tiles");
  const listedSprite = info.ImageSpriteInfo.ImageSpriteSet.find((x) => x.Definition === 10);
  assert.deepEqual(listedSprite.ImageUrlSet, sp.ImageSpriteUrlSet);
  assert.equal(listedSprite.WebVttUrl, sp.WebVttUrl);

  // CreateSnapshotByTimeOffsetComplete: ExtTimeOffsetSet, then TimeOffsetSet.
  const sn = events.CreateSnapshotByTimeOffset.SnapshotByTimeOffsetCompleteEvent;
  assert.equal(sn.Definition, 10);
  assert.deepEqual(sn.SnapshotInfoSet.map((s) => s.TimeOffset), [Math.round(Number(src.format.duration) * 500), 2500, 500]);
  for (const s of sn.SnapshotInfoSet) {
    assert.deepEqual(Object.keys(s), ["ErrCode", "TimeOffset", "Url"]);
    assert.equal(s.ErrCode, 0);
    const pic = ffprobe((await download(s.Url, `${how}-snap${s.TimeOffset}.jpg`)).file).streams[0];
    assert.equal(pic.codec_name, "mjpeg");
    assert.equal(pic.width, video.width);
    assert.equal(pic.height, video.height);
  }
  const listedSnaps = info.SnapshotByTimeOffsetInfo.SnapshotByTimeOffsetSet.find((x) => x.Definition === 10);
  assert.deepEqual(listedSnaps.PicInfoSet.map((p) => p.Url), sn.SnapshotInfoSet.map((s) => s.Url));
}

async function uploadSource(c, SubAppId) {
  const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", MediaName: "task2017-source" });
  assert.ok((await h.put(apply.UploadUrl, h.fixtureBytes())).ok);
  return (await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey })).FileId;
}

test("The 2017-style actions by the generic request: their events by pull", async (t) => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const cc = h.commonClient();
  const FileId = await uploadSource(c, SubAppId);
  const ids = await start(cc, SubAppId, FileId);
  const want = new Set(Object.values(ids));
  const events = {};
  const deadline = Date.now() + TASK_TIMEOUT_MS;
  while (Object.keys(events).length < 3) {
    assert.ok(Date.now() < deadline, `events of ${JSON.stringify(Object.keys(events))} only, within ${TASK_TIMEOUT_MS} ms`);
    const p = await c.PullEvents({ SubAppId });
    for (const e of p.EventSet) {
      const id = taskIdOf(e);
      assert.ok(want.has(id), `unexpected event ${e.EventType} ${id}`);
      const action = Object.keys(ids).find((a) => ids[a] === id);
      assert.equal(events[action], undefined, `a second ${e.EventType} of ${id}`);
      events[action] = e;
    }
    if (p.EventSet.length > 0) {
      await c.ConfirmEvents({ SubAppId, EventHandles: p.EventSet.map((e) => e.EventHandle) });
    }
  }
  await check(t, c, SubAppId, FileId, ids, events, "pull");
});

test("The 2017-style actions by the generic request: their events by push", async (t) => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const cc = h.commonClient();
  const FileId = await uploadSource(c, SubAppId);
  const bodies = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await c.ModifyEventConfig({ SubAppId, Mode: "PUSH", NotificationUrl: `http://127.0.0.1:${server.address().port}/` });
    const ids = await start(cc, SubAppId, FileId);
    const deadline = Date.now() + TASK_TIMEOUT_MS;
    let events;
    for (;;) {
      const got = bodies.map((b) => JSON.parse(b));
      events = Object.fromEntries(Object.entries(ids).map(([a, id]) => [a, got.filter((e) => taskIdOf(e) === id)]));
      if (Object.values(events).every((l) => l.length > 0)) {
        break;
      }
      assert.ok(Date.now() < deadline, `pushed bodies: ${bodies.length}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const [action, l] of Object.entries(events)) {
      assert.equal(l.length, 1, `${action}: ${l.length} events pushed`);
      events[action] = l[0];
    }
    await check(t, c, SubAppId, FileId, ids, events, "push");
  } finally {
    await c.ModifyEventConfig({ SubAppId, Mode: "PULL", NotificationUrl: "" });
    await new Promise((resolve) => server.close(resolve));
  }
});

test("The 2017-style actions refuse bad input with Tencent's codes, and start nothing", async () => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const cc = h.commonClient();
  const FileId = await uploadSource(c, SubAppId);
  const unknown = "5285890799999999999";
  await h.expectError(cc.request("ConvertVodFile", { SubAppId, FileId: unknown, Definitions: [100010] }), "InvalidParameterValue.FileId");
  // The default app's media is not this app's.
  const other = (await h.upload(c)).commit.FileId;
  const err = await h.expectError(cc.request("CreateImageSprite", { SubAppId, FileId: other, Definition: 10 }), "InvalidParameterValue.FileId");
  assert.match(err.message, new RegExp(`no media "${other}" in app ${SubAppId}`));
  assert.match((await h.expectError(cc.request("ConvertVodFile", { SubAppId, FileId, Definitions: [100010, 99999] }),
    "InvalidParameterValue.Definitions")).message, /Definitions\[1\]: this app has no Transcode template 99999/);
  await h.expectError(cc.request("CreateImageSprite", { SubAppId, FileId, Definition: 99999 }), "InvalidParameterValue.Definition");
  await h.expectError(cc.request("CreateSnapshotByTimeOffset", { SubAppId, FileId, Definition: 99999, TimeOffsetSet: [0] }), "InvalidParameterValue.Definition");
  assert.match((await h.expectError(cc.request("CreateSnapshotByTimeOffset", { SubAppId, FileId, Definition: 10, TimeOffsetSet: [1000, 60000] }),
    "InvalidParameterValue")).message, /TimeOffsetSet\[1\]: 60000 ms is after the end/);
  assert.match((await h.expectError(cc.request("CreateSnapshotByTimeOffset", { SubAppId, FileId, Definition: 10, ExtTimeOffsetSet: ["1m"] }),
    "InvalidParameterValue")).message, /ExtTimeOffsetSet\[0\]: "1m" is neither seconds/);
  await h.expectError(cc.request("CreateSnapshotByTimeOffset", { SubAppId, FileId, Definition: 10 }), "InvalidParameterValue");
  // Nothing was started: no event comes.
  const p = await c.PullEvents({ SubAppId });
  assert.deepEqual(p.EventSet.map((e) => e.EventType), []);
});
