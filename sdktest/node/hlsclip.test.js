"use strict";
// SimpleHlsClip through the SDK's typed call, in an app of its own
// (OPENVOD_HLSCLIP_SUB_APP_ID): the clipped playlist of the on-the-fly HLS
// decoded by ffmpeg (whole segments), the persisted clip compared frame for
// frame with ffmpeg's decode of the range, its PersistenceComplete event by
// pull and by push, and the switch that turns it off.

const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const h = require("./helpers");

const FPS = 25;
const GOP = 2; // seconds: segments of the default 6 s target end on multiples of 6 s

function subAppId() {
  const id = Number(process.env.OPENVOD_HLSCLIP_SUB_APP_ID);
  assert.ok(id > 0, "set OPENVOD_HLSCLIP_SUB_APP_ID to an app the SimpleHlsClip tests may use alone");
  return id;
}

function ffmpeg(args) {
  try {
    return execFileSync("ffmpeg", ["-nostdin", "-v", "error", ...args], { maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`ffmpeg failed (install ffmpeg: apt-get install -y ffmpeg): ${e.message}`);
  }
}

// source makes a 20 s H.264+AAC MP4 with a sync sample every GOP seconds.
function source() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hlsclip-")), "src.mp4");
  ffmpeg(["-f", "lavfi", "-i", `testsrc2=size=320x240:rate=${FPS}`, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
    "-t", "20", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", String(GOP * FPS),
    "-keyint_min", String(GOP * FPS), "-sc_threshold", "0", "-bf", "2", "-c:a", "aac", "-b:a", "64k",
    "-movflags", "+faststart", file]);
  return file;
}

// frames returns the MD5s of the decoded video frames of input, in order.
function frames(input) {
  return ffmpeg(["-i", input, "-map", "0:v:0", "-f", "framemd5", "-"]).toString().split("\n")
    .filter((l) => l && !l.startsWith("#")).map((l) => l.split(",").pop().trim());
}

async function text(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  return res.text();
}

async function download(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hlsclip-")), "clip.mp4");
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

// pullUntil pulls and confirms the app's events until want(events so far) holds.
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

// checkPersisted waits for the persistence task, checks the new media against
// ffmpeg's decode of the source over the range the task cut, and returns it.
async function checkPersisted(c, SubAppId, r, srcFrames) {
  let detail;
  const deadline = Date.now() + 60000;
  do {
    detail = await c.DescribeTaskDetail({ SubAppId, TaskId: r.TaskId });
    await new Promise((res) => setTimeout(res, 100));
  } while (detail.Status !== "FINISH" && Date.now() < deadline);
  assert.equal(detail.TaskType, "Clip");
  assert.equal(detail.Status, "FINISH");
  assert.equal(detail.ClipTask.FileInfo.ErrCode, 0, JSON.stringify(detail.ClipTask));
  assert.equal(detail.ClipTask.FileInfo.FileId, r.FileId);
  const info = await h.describeOne(c, r.FileId, { SubAppId });
  const got = frames(await download(info.BasicInfo.MediaUrl));
  const first = Math.round(detail.ClipTask.EffectiveStartTime * FPS);
  const last = Math.round(detail.ClipTask.EffectiveEndTime * FPS);
  assert.deepEqual(got, srcFrames.slice(first, last), `frames of the persisted clip, source frames [${first}, ${last})`);
  return { detail, info, frames: got };
}

test("SimpleHlsClip: clipped playlist, persisted clip, PersistenceComplete by pull and push", async () => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const srcFile = source();
  const srcFrames = frames(srcFile);
  assert.equal(srcFrames.length, 20 * FPS);
  const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", MediaName: "hls-source" });
  assert.ok((await h.put(apply.UploadUrl, fs.readFileSync(srcFile))).ok);
  const { FileId: srcFileId } = await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey });
  const media = await h.describeOne(c, srcFileId, { SubAppId });
  const onTheFly = media.AdaptiveDynamicStreamingInfo.AdaptiveDynamicStreamingSet.find((a) => a.Definition === 0);
  assert.ok(onTheFly, "no on-the-fly HLS item (Definition 0)");
  const master = onTheFly.Url;
  const videoName = (await text(master)).split("\n").find((l) => l && !l.startsWith("#"));
  const videoURL = new URL(videoName, master).href;

  // Refusals.
  await h.expectError(c.SimpleHlsClip({ SubAppId, Url: master }), "ResourceUnavailable.MasterPlaylist");
  await h.expectError(c.SimpleHlsClip({ SubAppId, Url: "http://example.com/a/b.m3u8" }), "InvalidParameterValue.Url");
  await h.expectError(c.SimpleHlsClip({ Url: videoURL }), "InvalidParameterValue.Url"); // another app's media
  await h.expectError(c.SimpleHlsClip({ SubAppId, Url: videoURL, StartTimeOffset: 20 }), "InvalidParameterValue.StartTimeOffset");
  await h.expectError(c.SimpleHlsClip({ SubAppId, Url: videoURL, EndTimeOffset: 25 }), "InvalidParameterValue.EndTimeOffset");
  await h.expectError(c.SimpleHlsClip({ SubAppId, Url: videoURL, OutputMediaType: "mp4" }), "InvalidParameterValue.OutputMediaType");
  await h.expectError(c.SimpleHlsClip({ SubAppId, Url: videoURL, IsPersistence: 2 }), "InvalidParameterValue.IsPersistence");

  // Not persisted: segments [0, 6) and [6, 12) straddle 5–11 s (the last
  // one is [12, 20): the packager merges a short tail).
  const r = await c.SimpleHlsClip({ SubAppId, Url: videoURL, StartTimeOffset: 5, EndTimeOffset: 11 });
  assert.deepEqual(Object.keys(r), ["Url", "MetaData", "FileId", "TaskId", "RequestId"]);
  assert.equal(r.FileId, "");
  assert.equal(r.TaskId, "");
  assert.equal(r.MetaData.Container, "hls");
  assert.equal(r.MetaData.Duration, 12);
  assert.equal(r.MetaData.Size, 0);
  assert.equal(r.MetaData.Width, 320);
  assert.equal(r.MetaData.Height, 240);
  assert.ok(r.MetaData.Bitrate > 0);
  assert.equal(r.MetaData.VideoStreamSet[0].Codec, "h264");
  const playlist = await text(r.Url);
  assert.equal(playlist, await text(r.Url), "the same playlist twice");
  const extinf = playlist.split("\n").filter((l) => l.startsWith("#EXTINF:")).map((l) => Number(l.slice(8, -1)));
  assert.deepEqual(extinf, [6, 6], playlist);
  assert.deepEqual(frames(r.Url), srcFrames.slice(0, 12 * FPS), "frames of the clipped playlist");
  const clipMaster = await text(new URL("master.m3u8", r.Url).href);
  assert.match(clipMaster, /#EXT-X-STREAM-INF:/);

  // Persisted, by pull; the persisted clip is frame-exact, not whole segments.
  await c.ModifyEventConfig({ SubAppId, PersistenceCompleteEventSwitch: "ON", UploadMediaCompleteEventSwitch: "ON" });
  await pullUntil(c, SubAppId, () => true); // drop the upload's events
  const p = await c.SimpleHlsClip({ SubAppId, Url: videoURL, StartTimeOffset: 2.52, EndTimeOffset: 7.32, IsPersistence: 1,
    SourceContext: "sc-pull", ClassId: 0 });
  assert.match(p.FileId, h.FILE_ID_RE);
  assert.match(p.TaskId, new RegExp(`^${SubAppId}-persistence-[0-9a-f]{32}$`));
  assert.equal(p.MetaData.Duration, 12); // the playlist's: segments [0, 6) and [6, 12)
  const persisted = await checkPersisted(c, SubAppId, p, srcFrames);
  assert.equal(persisted.frames.length, 120);
  const isPC = (e, FileId) => e.EventType === "PersistenceComplete" && e.PersistenceCompleteEvent.FileId === FileId;
  const isUp = (e, FileId) => e.EventType === "NewFileUpload" && e.FileUploadEvent.FileId === FileId;
  const pulled = await pullUntil(c, SubAppId, (evs) => evs.some((e) => isPC(e, p.FileId)) && evs.some((e) => isUp(e, p.FileId)));
  const pc = pulled.find((e) => isPC(e, p.FileId));
  assert.deepEqual(pc.PersistenceCompleteEvent, { FileId: p.FileId, PersistenceSource: "SimpleHlsClip" });
  const up = pulled.find((e) => isUp(e, p.FileId));
  assert.equal(up.FileUploadEvent.MediaBasicInfo.SourceInfo.SourceContext, "sc-pull");
  assert.equal(pulled.filter((e) => e.EventType === "ClipComplete").length, 0, "no ClipComplete for SimpleHlsClip");

  // By push.
  const bodies = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      bodies.push(JSON.parse(body));
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await c.ModifyEventConfig({ SubAppId, Mode: "PUSH", NotificationUrl: `http://127.0.0.1:${server.address().port}/` });
    const q = await c.SimpleHlsClip({ SubAppId, Url: videoURL, StartTimeOffset: -4, IsPersistence: 1 });
    const until = Date.now() + 60000;
    while (!bodies.some((b) => isPC(b, q.FileId)) && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 50));
    }
    const pushed = bodies.find((b) => isPC(b, q.FileId));
    assert.ok(pushed, `pushed: ${JSON.stringify(bodies.map((b) => b.EventType))}`);
    assert.deepEqual(pushed.PersistenceCompleteEvent, { FileId: q.FileId, PersistenceSource: "SimpleHlsClip" });
    assert.equal((await checkPersisted(c, SubAppId, q, srcFrames)).frames.length, 4 * FPS);
  } finally {
    await c.ModifyEventConfig({ SubAppId, Mode: "PULL", NotificationUrl: "" });
    await new Promise((resolve) => server.close(resolve));
  }

  // The switch off: the clip is made, its NewFileUpload emitted, no PersistenceComplete.
  await c.ModifyEventConfig({ SubAppId, PersistenceCompleteEventSwitch: "OFF" });
  const off = await c.SimpleHlsClip({ SubAppId, Url: videoURL, EndTimeOffset: 1, IsPersistence: 1 });
  await checkPersisted(c, SubAppId, off, srcFrames);
  const afterOff = await pullUntil(c, SubAppId, (evs) => evs.some((e) => isUp(e, off.FileId)));
  assert.equal(afterOff.filter((e) => isPC(e, off.FileId)).length, 0, "PersistenceComplete with the switch off");
});
