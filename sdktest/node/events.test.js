"use strict";
// Event notification through the typed client, in an app of its own
// (OPENVOD_EVENTS_SUB_APP_ID): ModifyEventConfig / DescribeEventConfig,
// PullEvents / ConfirmEvents / DescribeEventsState, and a normal callback
// signed with SignKey.

const test = require("node:test");
const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const http = require("node:http");
const h = require("./helpers");

function subAppId() {
  const id = Number(process.env.OPENVOD_EVENTS_SUB_APP_ID);
  assert.ok(id > 0, "set OPENVOD_EVENTS_SUB_APP_ID to an app the event tests may use alone");
  return id;
}

// upload stores the fixture in the events app and returns its FileId.
async function upload(c) {
  const SubAppId = subAppId();
  const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", MediaName: "events" });
  const res = await h.put(apply.UploadUrl, h.fixtureBytes());
  assert.ok(res.ok, `PUT: HTTP ${res.status}`);
  const commit = await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey });
  return commit.FileId;
}

test("event notification, in order", async (t) => {
  h.env();
  const c = h.client();
  const SubAppId = subAppId();

  await t.test("a new app starts in PULL mode with every switch OFF", async () => {
    const r = await c.DescribeEventConfig({ SubAppId });
    assert.equal(r.Mode, "PULL");
    assert.equal(r.NotificationUrl, "");
    assert.equal(r.UploadMediaCompleteEventSwitch, "OFF");
    assert.equal(r.DeleteMediaCompleteEventSwitch, "OFF");
    assert.equal(r.PersistenceCompleteEventSwitch, "OFF");
    assert.match(r.RequestId, h.UUID_RE);
  });

  await t.test("ModifyEventConfig round trip; omitted fields stay; SignKey is never returned", async () => {
    await c.ModifyEventConfig({
      SubAppId, Mode: "PUSH", NotificationUrl: "http://127.0.0.1:9/never", UploadMediaCompleteEventSwitch: "ON",
      DeleteMediaCompleteEventSwitch: "ON", PersistenceCompleteEventSwitch: "ON", SignKey: "abcXYZ123",
    });
    let r = await c.DescribeEventConfig({ SubAppId });
    assert.equal(r.Mode, "PUSH");
    assert.equal(r.NotificationUrl, "http://127.0.0.1:9/never");
    assert.equal(r.UploadMediaCompleteEventSwitch, "ON");
    assert.equal(r.DeleteMediaCompleteEventSwitch, "ON");
    assert.equal(r.PersistenceCompleteEventSwitch, "ON");
    assert.equal(r.SignKey, undefined, "DescribeEventConfig must not return SignKey");
    await c.ModifyEventConfig({ SubAppId, Mode: "PULL", NotificationUrl: "", DeleteMediaCompleteEventSwitch: "OFF", SignKey: "" });
    r = await c.DescribeEventConfig({ SubAppId });
    assert.equal(r.Mode, "PULL");
    assert.equal(r.NotificationUrl, "", "NotificationUrl \"\" clears it");
    assert.equal(r.UploadMediaCompleteEventSwitch, "ON", "an omitted switch stays unchanged");
    assert.equal(r.DeleteMediaCompleteEventSwitch, "OFF");
  });

  await t.test("bad values are parameter errors naming the field", async () => {
    let e = await h.expectError(c.ModifyEventConfig({ SubAppId, Mode: "SOMETIMES" }), "InvalidParameterValue");
    assert.match(e.message, /Mode/);
    e = await h.expectError(c.ModifyEventConfig({ SubAppId, SignKey: "has space" }), "InvalidParameterValue");
    assert.match(e.message, /SignKey/);
    e = await h.expectError(c.ModifyEventConfig({ SubAppId, UploadMediaCompleteEventSwitch: "on" }), "InvalidParameterValue");
    assert.match(e.message, /UploadMediaCompleteEventSwitch/);
    e = await h.expectError(c.ModifyEventConfig({ SubAppId, NotificationUrl: "ftp://x" }), "InvalidParameterValue");
    assert.match(e.message, /NotificationUrl/);
    const r = await c.DescribeEventConfig({ SubAppId });
    assert.equal(r.Mode, "PULL", "a rejected request changed nothing");
  });

  await t.test("PullEvents, DescribeEventsState and ConfirmEvents", async () => {
    const fileId = await upload(c);
    let state = await c.DescribeEventsState({ SubAppId });
    assert.equal(state.CountOfEventsToPull, 1);
    const r = await c.PullEvents({ SubAppId });
    assert.equal(r.EventSet.length, 1);
    const ev = r.EventSet[0];
    assert.equal(typeof ev.EventHandle, "string");
    assert.ok(ev.EventHandle.length >= 22);
    assert.equal(ev.EventType, "NewFileUpload");
    assert.equal(ev.FileUploadEvent.FileId, fileId);
    const info = ev.FileUploadEvent.MediaBasicInfo;
    assert.equal(info.Name, "events");
    assert.equal(info.Type, "mp4");
    assert.match(info.MediaUrl, /^http:\/\//);
    assert.equal(info.SourceInfo.SourceType, "Upload");
    assert.match(info.CreateTime, h.TIME_RE);
    assert.equal(ev.FileUploadEvent.ProcedureTaskId, "");
    assert.ok(ev.FileUploadEvent.MetaData.Duration > 0);
    assert.equal(ev.ClipCompleteEvent, null);
    assert.equal(ev.FileDeleteEvent, null);

    const bad = await h.expectError(c.ConfirmEvents({ SubAppId, EventHandles: [ev.EventHandle, "nope"] }), "InvalidParameterValue");
    assert.match(bad.message, /nope/);
    state = await c.DescribeEventsState({ SubAppId });
    assert.equal(state.CountOfEventsToPull, 1, "a failed ConfirmEvents confirmed nothing");
    await c.ConfirmEvents({ SubAppId, EventHandles: [ev.EventHandle] });
    state = await c.DescribeEventsState({ SubAppId });
    assert.equal(state.CountOfEventsToPull, 0);
    await h.expectError(c.ConfirmEvents({ SubAppId, EventHandles: [] }), "InvalidParameterValue");
  });

  await t.test("PullEvents with nothing to pull answers an empty EventSet after holding", async () => {
    const start = Date.now();
    const r = await c.PullEvents({ SubAppId });
    assert.deepEqual(r.EventSet, []);
    assert.ok(Date.now() - start >= 4000, `answered after ${Date.now() - start} ms, want the ~5 s hold`);
  });

  await t.test("normal callback with Sign and T", async () => {
    const received = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200);
        res.end("{}");
      });
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${server.address().port}/cb`;
      await c.ModifyEventConfig({ SubAppId, Mode: "PUSH", NotificationUrl: url, SignKey: "abc123XYZ" });
      const fileId = await upload(c);
      const deadline = Date.now() + 10000;
      while (received.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(received.length, 1, "one callback");
      const { headers, body } = received[0];
      assert.equal(headers["content-type"], "application/json");
      const ev = JSON.parse(body);
      assert.equal(ev.EventType, "NewFileUpload");
      assert.equal(ev.FileUploadEvent.FileId, fileId);
      const keys = Object.keys(ev);
      assert.deepEqual(keys.slice(-2), ["Sign", "T"], "Sign and T are the last keys");
      assert.deepEqual(keys.slice(0, 3), ["EventType", "FileUploadEvent", "ProcedureStateChangeEvent"]);
      const now = Math.floor(Date.now() / 1000);
      assert.ok(Math.abs(ev.T - (now + 600)) <= 5, `T ${ev.T} is not send time + 600 s`);
      const want = crypto.createHash("md5").update("abc123XYZ" + String(ev.T)).digest("hex");
      assert.equal(ev.Sign, want);
      const state = await c.DescribeEventsState({ SubAppId });
      assert.equal(state.CountOfEventsToPull, 0, "a delivered push is consumed");
    } finally {
      await c.ModifyEventConfig({ SubAppId, Mode: "PULL", NotificationUrl: "", SignKey: "" });
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
