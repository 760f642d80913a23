"use strict";
// PullUpload through the typed client, from a small HTTP server on 127.0.0.1,
// followed with DescribeTaskDetail.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");

test("PullUpload of a reachable URL finishes with a FileId", async (t) => {
  const c = h.client();
  const src = await h.serveFixture();
  t.after(() => src.close());
  const bytes = h.fixtureBytes();

  const r = await c.PullUpload({ MediaUrl: `${src.url}/fixture.mp4`, MediaName: "pulled", SessionContext: "ctx-1" });
  assert.equal(typeof r.TaskId, "string");
  assert.match(r.TaskId, new RegExp(`^${h.DEFAULT_SUB_APP_ID}-Pull-[0-9a-f]{32}$`), "TaskId form (wire contract §3)");
  assert.match(r.RequestId, h.UUID_RE);

  const d = await h.waitTask(c, r.TaskId);
  assert.equal(d.TaskType, "PullUpload");
  assert.equal(d.Status, "FINISH");
  assert.match(d.CreateTime, h.TIME_RE);
  assert.match(d.FinishTime, h.TIME_RE);
  const p = d.PullUploadTask;
  assert.ok(p, "PullUploadTask is null");
  assert.equal(p.TaskId, r.TaskId);
  assert.equal(p.Status, "FINISH");
  assert.equal(p.ErrCode, 0, `ErrCode (Message: ${p.Message})`);
  assert.match(p.FileId, h.FILE_ID_RE);
  assert.equal(p.SessionContext, "ctx-1");
  assert.equal(p.Progress, 100);
  assert.ok(p.MediaBasicInfo, "MediaBasicInfo is null");
  assert.equal(p.MediaBasicInfo.Name, "pulled");
  assert.ok(p.MetaData, "MetaData is null");
  assert.equal(p.MetaData.Size, bytes.length);
  assert.equal(d.EditMediaTask, null);
  assert.ok(src.requests.includes("GET /fixture.mp4"), `the source saw ${JSON.stringify(src.requests)}`);

  const info = await h.describeOne(c, p.FileId);
  assert.equal(info.BasicInfo.Name, "pulled");
  assert.equal(info.BasicInfo.Type, "mp4");
  assert.equal(info.BasicInfo.MediaUrl, p.FileUrl);
  assert.equal(info.MetaData.Size, bytes.length);

  const res = await fetch(p.FileUrl);
  assert.equal(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes), "pulled bytes differ from the source");

  await c.DeleteMedia({ FileId: p.FileId });
});

test("PullUpload of a 404 URL finishes with a non-zero ErrCode", async (t) => {
  const c = h.client();
  const src = await h.serveFixture();
  t.after(() => src.close());

  const r = await c.PullUpload({ MediaUrl: `${src.url}/missing.mp4` });
  const d = await h.waitTask(c, r.TaskId);
  assert.equal(d.TaskType, "PullUpload");
  assert.equal(d.Status, "FINISH");
  const p = d.PullUploadTask;
  assert.ok(p, "PullUploadTask is null");
  assert.equal(p.TaskId, r.TaskId);
  assert.notEqual(p.ErrCode, 0, "ErrCode must be non-zero for a 404 source");
  assert.equal(typeof p.Message, "string");
  assert.ok(p.Message.length > 0, "Message is empty");
  assert.equal(p.FileId, "");
  assert.equal(p.MetaData, null);
});

test("PullUpload with a SessionId is deduplicated", async (t) => {
  const c = h.client();
  const src = await h.serveFixture();
  t.after(() => src.close());

  const sessionId = "dedup-" + Date.now() + "-" + Math.random().toString(36).slice(2);
  const a = await c.PullUpload({ MediaUrl: `${src.url}/fixture.mp4`, SessionId: sessionId });
  const b = await c.PullUpload({ MediaUrl: `${src.url}/fixture.mp4`, SessionId: sessionId });
  assert.equal(b.TaskId, a.TaskId, "a repeated SessionId must answer the first task");
  const d = await h.waitTask(c, a.TaskId);
  assert.equal(d.PullUploadTask.SessionId, sessionId);
  if (d.PullUploadTask.FileId) {
    await c.DeleteMedia({ FileId: d.PullUploadTask.FileId });
  }
});
