"use strict";
// EditMedia and FastEditMedia through the SDK's typed calls, ConcatVideo
// through the generic request, in an app of its own (OPENVOD_EDIT_SUB_APP_ID):
// stream copies compared frame for frame with ffmpeg's decode of each range
// joined in order, a re-encode of sources of different sizes, the events by
// pull (EditMediaComplete under both keys) and by push (ConcatComplete,
// PersistenceComplete), and the refusals.

const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const h = require("./helpers");

const FPS = 25;

function subAppId() {
  const id = Number(process.env.OPENVOD_EDIT_SUB_APP_ID);
  assert.ok(id > 0, "set OPENVOD_EDIT_SUB_APP_ID to an app the edit tests may use alone");
  return id;
}

function ffmpeg(args) {
  try {
    return execFileSync("ffmpeg", ["-nostdin", "-v", "error", ...args], { maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`ffmpeg failed (install ffmpeg: apt-get install -y ffmpeg): ${e.message}`);
  }
}

// source makes a 10 s H.264+AAC MP4 of size, a keyframe every second.
function source(size, pattern) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "edit-")), "src.mp4");
  ffmpeg(["-f", "lavfi", "-i", `${pattern}=size=${size}:rate=${FPS}`, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", "10", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", String(FPS), "-bf", "2",
    "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", file]);
  return file;
}

function frames(input) {
  return ffmpeg(["-i", input, "-map", "0:v:0", "-f", "framemd5", "-"]).toString().split("\n")
    .filter((l) => l && !l.startsWith("#")).map((l) => l.split(",").pop().trim());
}

async function download(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "edit-")), "out.mp4");
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

async function upload(c, SubAppId, file, name) {
  const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", MediaName: name });
  assert.ok((await h.put(apply.UploadUrl, fs.readFileSync(file))).ok);
  return (await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey })).FileId;
}

async function finished(c, SubAppId, TaskId) {
  const deadline = Date.now() + 120000;
  let d;
  do {
    d = await c.DescribeTaskDetail({ SubAppId, TaskId });
    if (d.Status === "FINISH") {
      return d;
    }
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  throw new Error(`task ${TaskId} not finished: ${JSON.stringify(d)}`);
}

async function pullUntil(c, SubAppId, want) {
  const got = [];
  const deadline = Date.now() + 60000;
  while (!want(got) && Date.now() < deadline) {
    const p = await c.PullEvents({ SubAppId });
    got.push(...p.EventSet);
    if (p.EventSet.length > 0) {
      await c.ConfirmEvents({ SubAppId, EventHandles: p.EventSet.map((e) => e.EventHandle) });
    }
  }
  assert.ok(want(got), `events pulled: ${JSON.stringify(got.map((e) => e.EventType))}`);
  return got;
}

test("EditMedia, FastEditMedia and ConcatVideo: joins, events by pull and push, refusals", async () => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const cc = h.commonClient();
  const fileA = source("320x240", "testsrc2");
  const fileB = source("320x240", "testsrc");
  const fileSmall = source("160x120", "testsrc2");
  const [framesA, framesB] = [frames(fileA), frames(fileB)];
  const a = await upload(c, SubAppId, fileA, "a");
  const b = await upload(c, SubAppId, fileB, "b");
  const small = await upload(c, SubAppId, fileSmall, "small");
  await c.ModifyEventConfig({ SubAppId, PersistenceCompleteEventSwitch: "ON", UploadMediaCompleteEventSwitch: "ON" });
  await pullUntil(c, SubAppId, () => true);

  // Refusals.
  await h.expectError(c.EditMedia({ SubAppId, InputType: "Stream", StreamInfos: [{ StreamId: "s" }] }), "UnsupportedOperation");
  await h.expectError(c.EditMedia({ SubAppId, InputType: "File", FileInfos: [{ FileId: "1234567890123456789" }] }), "ResourceNotFound.FileNotExist");
  await h.expectError(c.EditMedia({ InputType: "File", FileInfos: [{ FileId: a }] }), "ResourceNotFound.FileNotExist"); // another app's
  await h.expectError(c.EditMedia({ SubAppId, InputType: "File", FileInfos: [{ FileId: a, StartTimeOffset: 3, EndTimeOffset: 2 }] }), "InvalidParameterValue");
  const mismatch = await h.expectError(c.FastEditMedia({ SubAppId, FileInfos: [{ FileId: a, AudioVideoType: "Original" },
    { FileId: small, AudioVideoType: "Original" }] }), "InvalidParameterValue");
  assert.match(mismatch.message, /FileInfos\[1\]/);
  await h.expectError(c.FastEditMedia({ SubAppId, FileInfos: [{ FileId: a, AudioVideoType: "Transcode", TranscodeDefinition: 100010 }] }), "InvalidParameterValue");

  // EditMedia by stream copy, its event by pull.
  const e = await c.EditMedia({ SubAppId, InputType: "File", SessionContext: "sc", SessionId: "edit-1",
    FileInfos: [{ FileId: a, StartTimeOffset: 1, EndTimeOffset: 3 }, { FileId: b, StartTimeOffset: 2, EndTimeOffset: 5 }],
    OutputConfig: { MediaName: "joined", Type: "mp4" } });
  assert.match(e.TaskId, new RegExp(`^${SubAppId}-EditMedia-[0-9a-f]{32}$`));
  assert.equal((await c.EditMedia({ SubAppId, InputType: "File", SessionId: "edit-1", FileInfos: [{ FileId: a }] })).TaskId, e.TaskId);
  const d = await finished(c, SubAppId, e.TaskId);
  assert.equal(d.TaskType, "EditMedia");
  const et = d.EditMediaTask;
  assert.equal(et.ErrCode, 0, JSON.stringify(et));
  assert.equal(et.JoinMethod, "StreamCopy");
  assert.deepEqual(Object.keys(et), ["TaskId", "Status", "ErrCode", "ErrCodeExt", "Message", "Progress", "Input", "Output", "MetaData",
    "ProcedureTaskId", "ReviewAudioVideoTaskId", "SessionId", "SessionContext", "JoinMethod"]);
  assert.equal(et.Output.MediaName, "joined");
  const got = frames(await download(et.Output.FileUrl));
  assert.deepEqual(got, [...framesA.slice(1 * FPS, 3 * FPS), ...framesB.slice(2 * FPS, 5 * FPS)], "frames of the stream copy");
  const info = await h.describeOne(c, et.Output.FileId, { SubAppId });
  assert.equal(info.BasicInfo.SourceInfo.SourceType, "VideoProcessing");
  const isEdit = (ev) => ev.EventType === "EditMediaComplete" && ev.EditMediaCompleteEvent && ev.EditMediaCompleteEvent.TaskId === e.TaskId;
  const pulled = await pullUntil(c, SubAppId, (evs) => evs.some(isEdit));
  const ev = pulled.find(isEdit);
  assert.deepEqual(ev.EditMediaComplete, ev.EditMediaCompleteEvent, "the seed's key and the SDK's carry the same task");
  assert.equal(ev.EditMediaCompleteEvent.Output.FileId, et.Output.FileId);
  assert.equal(ev.EditMediaCompleteEvent.SessionContext, "sc");
  assert.ok(pulled.some((x) => x.EventType === "NewFileUpload" && x.FileUploadEvent.FileId === et.Output.FileId));

  // By push: ConcatVideo (re-encoded) and FastEditMedia (copied).
  const bodies = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (x) => (body += x));
    req.on("end", () => {
      bodies.push(JSON.parse(body));
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await c.ModifyEventConfig({ SubAppId, Mode: "PUSH", NotificationUrl: `http://127.0.0.1:${server.address().port}/` });
    const r = await cc.request("ConcatVideo", { SubAppId, FileInfos: [{ FileId: small, EndTimeOffset: 2 }, { FileId: a, StartTimeOffset: 8 }],
      MediaName: "concat" });
    assert.match(r.TaskId, /^concatVideo-[0-9a-f]{19}$/);
    const cd = await finished(c, SubAppId, r.TaskId);
    assert.equal(cd.TaskType, "Concat");
    assert.equal(cd.ConcatTask.JoinMethod, "Reencode");
    const out = cd.ConcatTask.FileInfoSet[0];
    assert.equal(out.ErrCode, 0, JSON.stringify(cd.ConcatTask));
    const probe = h.probe(await download(out.FileUrl));
    assert.equal(probe.streams.find((s) => s.codec_type === "video").width, 320);
    assert.ok(Math.abs(Number(probe.format.duration) - 4) < 0.1, `duration ${probe.format.duration}`);

    const f = await c.FastEditMedia({ SubAppId, ClipMode: "StartInclusiveEndExclusive",
      FileInfos: [{ FileId: b, AudioVideoType: "Original", StartTimeOffset: 6, EndTimeOffset: 8 }, { FileId: a, AudioVideoType: "Original", EndTimeOffset: 1 }] });
    assert.match(f.FileId, h.FILE_ID_RE);
    assert.match(f.Url, new RegExp(`/hls/${SubAppId}/${f.FileId}/master\\.m3u8$`));
    const until = Date.now() + 60000;
    const isConcat = (x) => x.EventType === "ConcatComplete" && x.ConcatCompleteEvent.TaskId === r.TaskId;
    const isPC = (x) => x.EventType === "PersistenceComplete" && x.PersistenceCompleteEvent.FileId === f.FileId;
    while (!(bodies.some(isConcat) && bodies.some(isPC)) && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 50));
    }
    const pushedConcat = bodies.find(isConcat);
    assert.ok(pushedConcat, `pushed: ${JSON.stringify(bodies.map((x) => x.EventType))}`);
    assert.deepEqual(pushedConcat.ConcatCompleteEvent, { TaskId: r.TaskId, FileInfoSet: [out], JoinMethod: "Reencode" });
    assert.deepEqual(bodies.find(isPC).PersistenceCompleteEvent, { FileId: f.FileId, PersistenceSource: "FastEditMedia" });
    const fast = await h.describeOne(c, f.FileId, { SubAppId });
    assert.deepEqual(frames(await download(fast.BasicInfo.MediaUrl)), [...framesB.slice(6 * FPS, 8 * FPS), ...framesA.slice(0, FPS)]);
    // A one-piece FastEditMedia's Url plays once the file is made (the
    // on-the-fly packager does not yet take a join's edit list of several
    // entries: docs/api.md).
    const one = await c.FastEditMedia({ SubAppId, FileInfos: [{ FileId: a, AudioVideoType: "Original", StartTimeOffset: 2, EndTimeOffset: 4 }] });
    while (!bodies.some((x) => x.EventType === "PersistenceComplete" && x.PersistenceCompleteEvent.FileId === one.FileId) && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 50));
    }
    const master = await fetch(one.Url);
    const playlist = await master.text();
    assert.equal(master.status, 200, `GET ${one.Url}: ${playlist}`);
    assert.match(playlist, /#EXT-X-STREAM-INF:/);
  } finally {
    await c.ModifyEventConfig({ SubAppId, Mode: "PULL", NotificationUrl: "" });
    await new Promise((resolve) => server.close(resolve));
  }
});
