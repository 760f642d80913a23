"use strict";
// ClipVideo end to end through the official SDK's generic request, in an
// app of its own (OPENVOD_CLIP_SUB_APP_ID): the task, its ClipComplete event
// by pull and by push, and the clip downloaded and checked with ffprobe.

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const h = require("./helpers");

const SEED_KEYS = ["EventType", "FileUploadEvent", "ProcedureStateChangeEvent", "FileDeleteEvent", "PullCompleteEvent",
  "EditMediaComplete", "WechatPublishComplete", "TranscodeCompleteEvent", "ConcatCompleteEvent", "ClipCompleteEvent",
  "CreateImageSpriteCompleteEvent", "SnapshotByTimeOffsetCompleteEvent"];

function subAppId() {
  const id = Number(process.env.OPENVOD_CLIP_SUB_APP_ID);
  assert.ok(id > 0, "set OPENVOD_CLIP_SUB_APP_ID to an app the clip tests may use alone");
  return id;
}

function checkClipEvent(ev, taskId, srcFileId) {
  assert.equal(ev.EventType, "ClipComplete");
  const c = ev.ClipCompleteEvent;
  assert.deepEqual(Object.keys(c), ["TaskId", "SrcFileId", "FileInfo"]);
  assert.deepEqual(Object.keys(c.FileInfo), ["ErrCode", "Message", "FileId", "FileUrl", "FileType"]);
  assert.equal(c.TaskId, taskId);
  assert.equal(c.SrcFileId, srcFileId);
  assert.equal(c.FileInfo.ErrCode, 0);
  assert.equal(c.FileInfo.Message, "");
  assert.match(c.FileInfo.FileId, h.FILE_ID_RE);
  assert.equal(c.FileInfo.FileType, "mp4");
  return c.FileInfo;
}

async function download(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "clip-")), "clip.mp4");
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

test("ClipVideo through the generic request, with ClipComplete by pull and by push", async () => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const cc = h.commonClient();
  const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", MediaName: "clip-source" });
  assert.ok((await h.put(apply.UploadUrl, h.fixtureBytes())).ok);
  const { FileId: srcFileId } = await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey });
  const srcDuration = Number(h.probe(h.env().fixture).format.duration);

  // By pull.
  const r = await cc.request("ClipVideo", { SubAppId, FileId: srcFileId, StartTimeOffset: 0.5, EndTimeOffset: 2 });
  assert.match(r.TaskId, /^clipVideo-[0-9a-f]{19}$/);
  assert.match(r.RequestId, h.UUID_RE);
  let ev;
  const deadline = Date.now() + 30000;
  while (!ev && Date.now() < deadline) {
    const p = await c.PullEvents({ SubAppId });
    ev = p.EventSet.find((e) => e.EventType === "ClipComplete");
    if (p.EventSet.length > 0) {
      await c.ConfirmEvents({ SubAppId, EventHandles: p.EventSet.map((e) => e.EventHandle) });
    }
  }
  assert.ok(ev, "no ClipComplete pulled");
  const info = checkClipEvent(ev, r.TaskId, srcFileId);
  const clipFile = await download(info.FileUrl);
  const probed = h.probe(clipFile);
  assert.ok(Math.abs(Number(probed.format.duration) - 1.5) < 0.05, `clip duration ${probed.format.duration}, want 1.5 s`);
  assert.equal(probed.streams.find((s) => s.codec_type === "video").codec_name, "h264");
  const detail = await c.DescribeTaskDetail({ SubAppId, TaskId: r.TaskId });
  assert.equal(detail.TaskType, "Clip");
  assert.equal(detail.Status, "FINISH");
  assert.equal(detail.ClipTask.FileInfo.FileId, info.FileId);

  // By push, with the seed's key order.
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
    const r2 = await cc.request("ClipVideo", { SubAppId, FileId: srcFileId, StartTimeOffset: -1 });
    const until = Date.now() + 30000;
    while (bodies.length === 0 && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(bodies.length, 1, "one callback");
    const pushed = JSON.parse(bodies[0]);
    assert.deepEqual(Object.keys(pushed), SEED_KEYS);
    const pinfo = checkClipEvent(pushed, r2.TaskId, srcFileId);
    const probed2 = h.probe(await download(pinfo.FileUrl));
    assert.ok(Math.abs(Number(probed2.format.duration) - 1) < 0.05, `clip duration ${probed2.format.duration}, want the last 1 s of ${srcDuration}`);
  } finally {
    await c.ModifyEventConfig({ SubAppId, Mode: "PULL", NotificationUrl: "" });
    await new Promise((resolve) => server.close(resolve));
  }

  await h.expectError(cc.request("ClipVideo", { SubAppId, FileId: "1234567890123456789" }), "InvalidParameterValue.FileId");
  await h.expectError(cc.request("ClipVideo", { SubAppId, FileId: srcFileId, StartTimeOffset: 99 }), "InvalidParameterValue.StartTimeOffset");
});
