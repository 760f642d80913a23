"use strict";
// Media processing end to end through the typed client, in an app of its
// own (OPENVOD_PROCESS_SUB_APP_ID): ProcessMedia with every kind of
// sub-task on a 720p H.264/AAC source made here with ffmpeg, every output
// downloaded and checked with ffprobe against its template;
// ProcessMediaByProcedure with ProcedureStateChanged by push; an upload
// with Procedure LongVideoPreset. Events are pulled (PullEvents) unless
// said otherwise.

const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const h = require("./helpers");

const PROCEDURE_TASK_ID_RE = /^\d+-procedurev2-[0-9a-f]{32}$/;
const SEED_KEYS = ["EventType", "FileUploadEvent", "ProcedureStateChangeEvent", "FileDeleteEvent", "PullCompleteEvent",
  "EditMediaComplete", "WechatPublishComplete", "TranscodeCompleteEvent", "ConcatCompleteEvent", "ClipCompleteEvent",
  "CreateImageSpriteCompleteEvent", "SnapshotByTimeOffsetCompleteEvent"];
// Processing a 12 s 720p source into a ladder and an adaptive stream on a
// shared 2-core machine.
const FLOW_TIMEOUT_MS = 5 * 60 * 1000;
const BITRATE_TOLERANCE = 0.15;

function subAppId() {
  const id = Number(process.env.OPENVOD_PROCESS_SUB_APP_ID);
  assert.ok(id > 0, "set OPENVOD_PROCESS_SUB_APP_ID to an app the processing tests may use alone");
  return id;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "process-"));

// makeSource writes a 12 s 1280x720 30 fps H.264 + AAC 48 kHz stereo MP4
// whose frames all differ (temporal noise), so that encoders reach their
// bitrates and each frame can be told from its neighbours.
function makeSource() {
  const out = path.join(tmp, "source.mp4");
  try {
    execFileSync("ffmpeg", ["-nostdin", "-y", "-v", "error",
      "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30,noise=alls=20:allf=t",
      "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "12", "-map", "0:v", "-map", "1:a",
      "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p", "-b:v", "4000k",
      "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", out]);
  } catch (e) {
    throw new Error(`ffmpeg failed (install it: apt-get install -y ffmpeg): ${e.message}`);
  }
  return out;
}

// ffprobe returns ffprobe's JSON of a file or URL with the given sections.
function ffprobe(target, args = ["-show_streams", "-show_format"]) {
  return JSON.parse(execFileSync("ffprobe", ["-v", "error", ...args, "-of", "json", target],
    { encoding: "utf8", maxBuffer: 64 << 20 }));
}

function rate(r) {
  const [n, d] = r.split("/").map(Number);
  return n / d;
}

async function download(url, name) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  const file = path.join(tmp, name);
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

// waitEvent pulls the app's events (confirming them) into seen, until one
// that pred accepts has come, and returns it.
async function waitEvent(c, SubAppId, seen, pred, what, timeoutMs = FLOW_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = seen.find(pred);
    if (found) {
      return found;
    }
    assert.ok(Date.now() < deadline, `no ${what} within ${timeoutMs} ms; events so far: ${JSON.stringify(seen.map((e) => e.EventType))}`);
    const p = await c.PullEvents({ SubAppId });
    if (p.EventSet.length > 0) {
      seen.push(...p.EventSet);
      await c.ConfirmEvents({ SubAppId, EventHandles: p.EventSet.map((e) => e.EventHandle) });
    }
  }
}

function procedureDone(taskId) {
  return (e) => e.EventType === "ProcedureStateChanged" && e.ProcedureStateChangeEvent.TaskId === taskId &&
    e.ProcedureStateChangeEvent.Status === "FINISH";
}

// results returns the sub-task results of a ProcedureTask by Type, each
// checked SUCCESS with its output.
function results(task) {
  const byType = {};
  for (const r of task.MediaProcessResultSet) {
    const member = {
      Transcode: "TranscodeTask", AnimatedGraphics: "AnimatedGraphicTask", SnapshotByTimeOffset: "SnapshotByTimeOffsetTask",
      SampleSnapshot: "SampleSnapshotTask", ImageSprites: "ImageSpriteTask", CoverBySnapshot: "CoverBySnapshotTask",
      AdaptiveDynamicStreaming: "AdaptiveDynamicStreamingTask",
    }[r.Type];
    assert.ok(member, `unknown result Type ${r.Type}`);
    const sub = r[member];
    assert.ok(sub, `${r.Type} result without ${member}: ${JSON.stringify(r)}`);
    assert.equal(sub.Status, "SUCCESS", `${r.Type} ${JSON.stringify(sub.Input)}: ${sub.ErrCodeExt} ${sub.Message}`);
    assert.equal(sub.ErrCodeExt, "");
    assert.equal(sub.ErrCode, 0);
    assert.equal(sub.Progress, 100);
    assert.match(sub.BeginProcessTime, h.TIME_RE);
    assert.match(sub.FinishTime, h.TIME_RE);
    assert.ok(sub.Output, `${r.Type} SUCCESS without Output`);
    (byType[r.Type] ??= []).push(sub);
  }
  return byType;
}

// shortEdge is the short edge a video template gives a source of w x h
// (ResolutionAdaptive open: Width the long edge, Height the short one).
function shortEdge(v, w, h) {
  const [long, short] = [Math.max(w, h), Math.min(w, h)];
  if (v.Height > 0) {
    return v.Height;
  }
  if (v.Width > 0) {
    return Math.round((v.Width * short) / long / 2) * 2;
  }
  return short;
}

// videoKbps is the bitrate of the video packets of target (a file or an
// HLS playlist URL), from their sizes and the stream's duration.
function videoKbps(target) {
  const p = ffprobe(target, ["-select_streams", "v:0", "-show_entries", "packet=size,pts_time,duration_time"]);
  const packets = p.packets;
  assert.ok(packets.length > 0, `${target}: no video packets`);
  const bytes = packets.reduce((s, k) => s + Number(k.size), 0);
  const times = packets.map((k) => Number(k.pts_time));
  const span = Math.max(...times) - Math.min(...times) + Number(packets[0].duration_time || 0);
  return (bytes * 8) / span / 1000;
}

// checkStreams checks target's video and audio streams against the video
// and audio templates v and a, for a source of srcW x srcH lasting
// duration seconds.
function checkStreams(what, target, v, a, src, duration) {
  const info = ffprobe(target);
  const vs = info.streams.find((s) => s.codec_type === "video");
  const as = info.streams.find((s) => s.codec_type === "audio");
  assert.ok(vs && as, `${what}: streams ${JSON.stringify(info.streams.map((s) => s.codec_type))}`);
  assert.equal(vs.codec_name, "h264", `${what} video codec`);
  assert.equal(Math.min(vs.width, vs.height), shortEdge(v, src.width, src.height), `${what} short edge (${vs.width}x${vs.height})`);
  assert.ok(Math.abs(vs.width / vs.height - src.width / src.height) < 0.02, `${what} aspect ${vs.width}x${vs.height}`);
  assert.equal(rate(vs.avg_frame_rate), v.Fps, `${what} frame rate ${vs.avg_frame_rate}`);
  const kbps = videoKbps(target);
  assert.ok(Math.abs(kbps - v.Bitrate) <= BITRATE_TOLERANCE * v.Bitrate, `${what} video ${kbps.toFixed(0)} kbps, template ${v.Bitrate}`);
  assert.equal(as.codec_name, "aac", `${what} audio codec`);
  assert.equal(Number(as.sample_rate), a.SampleRate, `${what} audio rate`);
  assert.equal(as.channels, a.AudioChannel, `${what} audio channels`);
  const d = Number(vs.duration ?? info.format.duration);
  assert.ok(Math.abs(d - duration) <= 1 / v.Fps + 1e-6, `${what} video lasts ${d} s, want ${duration} s within a frame`);
  return { info, vs, kbps };
}

// checkImage checks that file is a picture in codec of w x h.
function checkImage(what, file, codec, w, hgt) {
  const s = ffprobe(file).streams[0];
  assert.equal(s.codec_name, codec, `${what} codec`);
  assert.equal(s.width, w, `${what} width`);
  assert.equal(s.height, hgt, `${what} height`);
}

// frameAt extracts the source's frame shown at t seconds as a PNG.
function frameAt(src, t, name) {
  const out = path.join(tmp, name);
  execFileSync("ffmpeg", ["-nostdin", "-y", "-v", "error", "-ss", String(t), "-i", src, "-frames:v", "1", out]);
  return out;
}

// psnrOf returns the PSNR (dB) of picture a against picture b.
function psnrOf(a, b) {
  const r = spawnSync("ffmpeg",
    ["-nostdin", "-v", "info", "-i", a, "-i", b, "-lavfi", "[0:v]format=yuv420p[x];[1:v]format=yuv420p[y];[x][y]psnr", "-f", "null", "-"],
    { encoding: "utf8" });
  const m = /PSNR .*average:([0-9.]+|inf)/.exec(r.stderr);
  assert.ok(m, `ffmpeg psnr of ${a} and ${b}: ${r.stderr}`);
  return m[1] === "inf" ? Infinity : Number(m[1]);
}

// vttCues parses a WebVTT file into {start, end, url, x, y, w, h}.
function vttCues(text) {
  assert.match(text, /^WEBVTT/);
  const secs = (s) => s.split(":").reduce((acc, p) => acc * 60 + Number(p), 0);
  const cues = [];
  const re = /(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\s*\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)/g;
  for (let m; (m = re.exec(text));) {
    cues.push({ start: secs(m[1]), end: secs(m[2]), url: m[3], x: +m[4], y: +m[5], w: +m[6], h: +m[7] });
  }
  return cues;
}

// variants returns the variant stream URLs of an HLS master playlist.
async function variants(masterUrl) {
  const res = await fetch(masterUrl);
  assert.equal(res.status, 200, `GET ${masterUrl}`);
  const text = await res.text();
  assert.match(text, /^#EXTM3U/);
  const lines = text.split("\n").map((l) => l.trim());
  const out = [];
  lines.forEach((l, i) => {
    if (l.startsWith("#EXT-X-STREAM-INF")) {
      out.push(new URL(lines[i + 1], masterUrl).href);
    }
  });
  return out;
}

test("ProcessMedia: every sub-task's output checked against its template, in the event, the task and the media", async (t) => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const seen = [];
  const srcFile = makeSource();
  const src = { width: 1280, height: 720, duration: 12 };

  const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", MediaName: "process-source" });
  assert.ok((await h.put(apply.UploadUrl, fs.readFileSync(srcFile))).ok);
  const { FileId } = await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey });

  const MediaProcessTask = {
    TranscodeTaskSet: [{ Definition: 100010 }, { Definition: 100020 }, { Definition: 100030 }],
    AnimatedGraphicTaskSet: [{ Definition: 20000, StartTimeOffset: 1, EndTimeOffset: 3 }],
    SnapshotByTimeOffsetTaskSet: [{ Definition: 10, ExtTimeOffsetSet: ["2.5s", "50%"] }],
    SampleSnapshotTaskSet: [{ Definition: 10 }],
    ImageSpriteTaskSet: [{ Definition: 10 }],
    CoverBySnapshotTaskSet: [{ Definition: 10, PositionType: "Time", PositionValue: 4 }],
    AdaptiveDynamicStreamingTaskSet: [{ Definition: 10 }],
  };
  const started = Date.now();
  const r = await c.ProcessMedia({ SubAppId, FileId, MediaProcessTask, SessionContext: "process-e2e", TasksPriority: 2 });
  assert.match(r.TaskId, PROCEDURE_TASK_ID_RE);
  assert.ok(r.TaskId.startsWith(`${SubAppId}-`), `TaskId ${r.TaskId} does not name the app`);
  const ev = await waitEvent(c, SubAppId, seen, procedureDone(r.TaskId), "ProcedureStateChanged FINISH");
  assert.deepEqual(Object.keys(ev).slice(2, 2 + SEED_KEYS.length - 1), SEED_KEYS.slice(1));
  t.diagnostic(`ProcedureStateChanged FINISH pulled ${Date.now() - started} ms after ProcessMedia`);
  const task = ev.ProcedureStateChangeEvent;
  assert.equal(task.FileId, FileId);
  assert.equal(task.FileName, "process-source");
  assert.equal(task.SessionContext, "process-e2e");
  assert.equal(task.TasksPriority, 2);
  assert.equal(task.TasksNotifyMode, "Finish");
  assert.ok(Math.abs(task.MetaData.Duration - src.duration) < 0.1, `MetaData.Duration ${task.MetaData.Duration}`);
  assert.equal(task.MediaProcessResultSet.length, 9, "one result per sub-task");
  const res = results(task);

  // Transcodes against their templates.
  const tt = await c.DescribeTranscodeTemplates({ SubAppId, Definitions: [100010, 100020, 100030] });
  const byDef = Object.fromEntries(tt.TranscodeTemplateSet.map((x) => [Number(x.Definition), x]));
  assert.deepEqual(res.Transcode.map((x) => x.Input.Definition), [100010, 100020, 100030]);
  for (const tr of res.Transcode) {
    const tpl = byDef[tr.Input.Definition];
    assert.ok(tpl, `no template ${tr.Input.Definition}`);
    const o = tr.Output;
    assert.equal(o.Definition, tr.Input.Definition);
    assert.match(o.Container, /mp4/, `transcode ${o.Definition} Container`);
    const file = await download(o.Url, `t${o.Definition}.mp4`);
    const { info, vs, kbps } = checkStreams(`transcode ${o.Definition}`, file, tpl.VideoTemplate, tpl.AudioTemplate, src, src.duration);
    t.diagnostic(`transcode ${o.Definition}: ${vs.width}x${vs.height} ${vs.avg_frame_rate} fps, video ${kbps.toFixed(0)} kbps (template ${tpl.VideoTemplate.Bitrate})`);
    assert.match(info.format.format_name, /mp4/);
    assert.equal(o.Size, fs.statSync(file).size, `transcode ${o.Definition} Size`);
    assert.equal(Math.min(o.Width, o.Height), Math.min(vs.width, vs.height), `transcode ${o.Definition} Width/Height`);
  }

  // Animated image: a GIF of 1 s to 3 s at the template's rate and the source's size.
  const [ag] = res.AnimatedGraphics;
  const agt = (await c.DescribeAnimatedGraphicsTemplates({ SubAppId, Definitions: [20000] })).AnimatedGraphicsTemplateSet[0];
  const gif = await download(ag.Output.Url, "anim.gif");
  const gi = ffprobe(gif, ["-count_frames", "-show_streams", "-show_format"]);
  assert.equal(gi.streams[0].codec_name, "gif");
  assert.equal(gi.streams[0].width, src.width);
  assert.equal(gi.streams[0].height, src.height);
  assert.equal(Number(gi.streams[0].nb_read_frames), agt.Fps * 2, "GIF frames: 2 s at the template's rate");
  assert.ok(Math.abs(Number(gi.format.duration) - 2) <= 1 / agt.Fps, `GIF lasts ${gi.format.duration} s`);
  assert.equal(ag.Output.Container, "gif");
  assert.equal(ag.Output.StartTimeOffset, 1);
  assert.equal(ag.Output.EndTimeOffset, 3);

  // Snapshots at 2.5 s and 50 %: the source's size, the frame at the offset.
  const [snap] = res.SnapshotByTimeOffset;
  assert.deepEqual(snap.Output.PicInfoSet.map((p) => p.TimeOffset), [2500, 6000]);
  for (const p of snap.Output.PicInfoSet) {
    const file = await download(p.Url, `snap${p.TimeOffset}.jpg`);
    checkImage(`snapshot at ${p.TimeOffset} ms`, file, "mjpeg", src.width, src.height);
    const at = psnrOf(file, frameAt(srcFile, p.TimeOffset / 1000, `ref${p.TimeOffset}.png`));
    const later = psnrOf(file, frameAt(srcFile, p.TimeOffset / 1000 + 0.5, `ref${p.TimeOffset}+.png`));
    assert.ok(at > later + 3, `snapshot at ${p.TimeOffset} ms: PSNR ${at} dB against its frame, ${later} dB against 0.5 s later`);
    t.diagnostic(`snapshot at ${p.TimeOffset} ms: PSNR ${at.toFixed(1)} dB against its frame, ${later.toFixed(1)} dB 0.5 s later`);
  }

  // Sample snapshots every 10 %: 0 %, 10 %, ..., 90 %.
  const [sample] = res.SampleSnapshot;
  assert.equal(sample.Output.SampleType, "Percent");
  assert.equal(sample.Output.Interval, 10);
  assert.equal(sample.Output.ImageUrlSet.length, 10);
  for (const [i, u] of sample.Output.ImageUrlSet.entries()) {
    checkImage(`sample snapshot ${i}`, await download(u, `sample${i}.jpg`), "mjpeg", src.width, src.height);
  }

  // Image sprite every 10 s: two tiles on one 10 x 10 sheet, cues to 12 s.
  const [sprite] = res.ImageSprites;
  const st = (await c.DescribeImageSpriteTemplates({ SubAppId, Definitions: [10] })).ImageSpriteTemplateSet[0];
  assert.equal(sprite.Output.ImageUrlSet.length, 1);
  assert.equal(sprite.Output.TotalCount, 2);
  checkImage("sprite sheet", await download(sprite.Output.ImageUrlSet[0], "sprite.jpg"), "mjpeg",
    st.ColumnCount * sprite.Output.Width, st.RowCount * sprite.Output.Height);
  assert.equal(sprite.Output.Width, st.Width);
  assert.equal(sprite.Output.Height, st.Height);
  const vtt = await (await fetch(sprite.Output.WebVttUrl)).text();
  const cues = vttCues(vtt);
  assert.equal(cues.length, 2, `cues of\n${vtt}`);
  assert.equal(cues[0].start, 0);
  for (let i = 1; i < cues.length; i++) {
    assert.equal(cues[i].start, cues[i - 1].end, "cues are contiguous");
  }
  assert.ok(Math.abs(cues.at(-1).end - src.duration) < 0.05, `the last cue ends at ${cues.at(-1).end}`);
  assert.deepEqual(cues.map((q) => [q.x, q.y, q.w, q.h]), [[0, 0, st.Width, st.Height], [st.Width, 0, st.Width, st.Height]]);
  for (const q of cues) {
    assert.equal(new URL(q.url, sprite.Output.WebVttUrl).href, sprite.Output.ImageUrlSet[0]);
  }

  // Cover at 4 s.
  const [cover] = res.CoverBySnapshot;
  const coverFile = await download(cover.Output.CoverUrl, "cover.jpg");
  checkImage("cover", coverFile, "mjpeg", src.width, src.height);

  // Adaptive HLS 10: the rungs up to the source's short edge.
  const [abr] = res.AdaptiveDynamicStreaming;
  const at = (await c.DescribeAdaptiveDynamicStreamingTemplates({ SubAppId, Definitions: [10] })).AdaptiveDynamicStreamingTemplateSet[0];
  assert.equal(abr.Output.Package, "HLS");
  const rungs = at.StreamInfos.filter((s) => s.Video.Height <= src.height);
  const urls = await variants(abr.Output.Url);
  assert.equal(urls.length, rungs.length, `variants of ${abr.Output.Url}`);
  assert.equal(abr.Output.SubStreamSet.filter((s) => s.Type === "video").length, rungs.length);
  const measured = urls.map((u, i) => {
    const { vs, kbps } = checkStreams(`HLS rung ${i}`, u, rungs[i].Video, rungs[i].Audio, src, src.duration);
    t.diagnostic(`HLS rung ${i}: ${vs.width}x${vs.height} ${vs.avg_frame_rate} fps, video ${kbps.toFixed(0)} kbps (template ${rungs[i].Video.Bitrate})`);
    return Math.min(vs.width, vs.height);
  });
  assert.deepEqual(measured, rungs.map((s) => s.Video.Height));

  // The task and the media say the same.
  const detail = await c.DescribeTaskDetail({ SubAppId, TaskId: r.TaskId });
  assert.equal(detail.TaskType, "Procedure");
  assert.equal(detail.Status, "FINISH");
  assert.deepEqual(detail.ProcedureTask.MediaProcessResultSet, task.MediaProcessResultSet);
  const info = await h.describeOne(c, FileId, { SubAppId });
  const transcodes = Object.fromEntries(info.TranscodeInfo.TranscodeSet.map((x) => [x.Definition, x.Url]));
  for (const tr of res.Transcode) {
    assert.equal(transcodes[tr.Output.Definition], tr.Output.Url, `TranscodeSet ${tr.Output.Definition}`);
  }
  assert.deepEqual(info.AnimatedGraphicsInfo.AnimatedGraphicsSet.map((a) => a.Url), [ag.Output.Url]);
  assert.deepEqual(info.SnapshotByTimeOffsetInfo.SnapshotByTimeOffsetSet.find((s) => s.Definition === 10).PicInfoSet.map((p) => p.Url),
    snap.Output.PicInfoSet.map((p) => p.Url));
  assert.deepEqual(info.SampleSnapshotInfo.SampleSnapshotSet.find((s) => s.Definition === 10).ImageUrlSet, sample.Output.ImageUrlSet);
  assert.equal(info.ImageSpriteInfo.ImageSpriteSet.find((s) => s.Definition === 10).WebVttUrl, sprite.Output.WebVttUrl);
  assert.equal(info.AdaptiveDynamicStreamingInfo.AdaptiveDynamicStreamingSet.find((s) => s.Definition === 10).Url, abr.Output.Url);
  assert.equal(info.BasicInfo.CoverUrl, cover.Output.CoverUrl);

  // Refused at once, storing nothing.
  await h.expectError(c.ProcessMedia({ SubAppId, FileId, MediaProcessTask: { SnapshotByTimeOffsetTaskSet: [{ Definition: 10, ExtTimeOffsetSet: ["13s"] }] } }),
    "InvalidParameterValue");
  await h.expectError(c.ProcessMedia({ SubAppId, FileId, MediaProcessTask: { TranscodeTaskSet: [{ Definition: 99999 }] } }), "InvalidParameterValue");
  await h.expectError(c.ProcessMedia({ SubAppId, FileId: "5285890799999999999", MediaProcessTask }), "InvalidParameterValue.FileId");
  await h.expectError(c.ProcessMedia({ SubAppId, FileId, MediaProcessTask, AiAnalysisTask: { Definition: 10 } }),
    "InvalidParameterValue.AiAnalysisTaskDefinition");
  await h.expectError(c.ProcessMediaByProcedure({ SubAppId, FileId, ProcedureName: "NoSuchProcedure" }), "InvalidParameterValue.ProcedureName");
});

test("ProcessMediaByProcedure LongVideoPreset, its ProcedureStateChanged pushed", async () => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", MediaName: "by-procedure" });
  assert.ok((await h.put(apply.UploadUrl, h.fixtureBytes())).ok);
  const { FileId } = await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey });

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
    // A SessionId of this run: a server keeps it for 3 days.
    const SessionId = `by-procedure-${Date.now()}`;
    const r = await c.ProcessMediaByProcedure({ SubAppId, FileId, ProcedureName: "LongVideoPreset", SessionId });
    assert.match(r.TaskId, PROCEDURE_TASK_ID_RE);
    assert.equal(r.ReviewAudioVideoTaskId, "");
    assert.deepEqual(r.ImportMediaKnowledgeTaskIdSet, []);
    // A retry with the same SessionId gets the same task.
    const again = await c.ProcessMediaByProcedure({ SubAppId, FileId, ProcedureName: "LongVideoPreset", SessionId });
    assert.equal(again.TaskId, r.TaskId);

    const deadline = Date.now() + FLOW_TIMEOUT_MS;
    let pushed;
    while (!pushed && Date.now() < deadline) {
      pushed = bodies.map((b) => JSON.parse(b)).find(procedureDone(r.TaskId));
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(pushed, `no ProcedureStateChanged pushed; bodies: ${bodies.length}`);
    assert.deepEqual(Object.keys(pushed).slice(0, SEED_KEYS.length), SEED_KEYS);
    const res = results(pushed.ProcedureStateChangeEvent);
    assert.deepEqual(Object.keys(res).sort(), ["AdaptiveDynamicStreaming", "CoverBySnapshot", "ImageSprites"]);
    const detail = await c.DescribeTaskDetail({ SubAppId, TaskId: r.TaskId });
    assert.equal(detail.TaskType, "Procedure");
    assert.deepEqual(detail.ProcedureTask.MediaProcessResultSet, pushed.ProcedureStateChangeEvent.MediaProcessResultSet);
  } finally {
    await c.ModifyEventConfig({ SubAppId, Mode: "PULL", NotificationUrl: "" });
    await new Promise((resolve) => server.close(resolve));
  }
});

test("ApplyUpload with Procedure LongVideoPreset: NewFileUpload names the flow, ProcedureStateChanged brings its outputs", async () => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const seen = [];
  await c.ModifyEventConfig({ SubAppId, UploadMediaCompleteEventSwitch: "ON" });
  try {
    await h.expectError(c.ApplyUpload({ SubAppId, MediaType: "mp4", Procedure: "NoSuchProcedure" }), "InvalidParameterValue.ProcedureName");
    const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", MediaName: "with-procedure", Procedure: "LongVideoPreset", SessionContext: "up" });
    assert.ok((await h.put(apply.UploadUrl, h.fixtureBytes())).ok);
    const { FileId } = await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey });
    const up = await waitEvent(c, SubAppId, seen, (e) => e.EventType === "NewFileUpload" && e.FileUploadEvent.FileId === FileId, "NewFileUpload", 30000);
    const taskId = up.FileUploadEvent.ProcedureTaskId;
    assert.match(taskId, PROCEDURE_TASK_ID_RE);
    const ev = await waitEvent(c, SubAppId, seen, procedureDone(taskId), "ProcedureStateChanged FINISH");
    const task = ev.ProcedureStateChangeEvent;
    assert.equal(task.FileId, FileId);
    assert.equal(task.SessionContext, "up");
    const res = results(task);
    assert.deepEqual(Object.keys(res).sort(), ["AdaptiveDynamicStreaming", "CoverBySnapshot", "ImageSprites"]);
    const fixture = h.probe(h.env().fixture).streams.find((s) => s.codec_type === "video");
    const urls = await variants(res.AdaptiveDynamicStreaming[0].Output.Url);
    assert.ok(urls.length >= 1, "the adaptive stream has a variant");
    const sprite = res.ImageSprites[0].Output;
    assert.equal(sprite.ImageUrlSet.length, 1);
    const sheet = ffprobe(await download(sprite.ImageUrlSet[0], "upload-sprite.jpg")).streams[0];
    assert.equal(sheet.width, 10 * sprite.Width);
    assert.equal(sheet.height, 10 * sprite.Height);
    checkImage("cover", await download(res.CoverBySnapshot[0].Output.CoverUrl, "upload-cover.jpg"), "mjpeg", fixture.width, fixture.height);
    const info = await h.describeOne(c, FileId, { SubAppId });
    assert.equal(info.BasicInfo.CoverUrl, res.CoverBySnapshot[0].Output.CoverUrl);
  } finally {
    await c.ModifyEventConfig({ SubAppId, UploadMediaCompleteEventSwitch: "OFF" });
  }
});

test("PullUpload with Procedure LongVideoPreset: PullComplete names the flow, which runs on the pulled media", async (t) => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const seen = [];
  const src = await h.serveFixture();
  t.after(() => src.close());
  await h.expectError(c.PullUpload({ SubAppId, MediaUrl: `${src.url}/fixture.mp4`, Procedure: "NoSuchProcedure" }),
    "InvalidParameterValue.ProcedureName");
  const r = await c.PullUpload({ SubAppId, MediaUrl: `${src.url}/fixture.mp4`, Procedure: "LongVideoPreset", TasksPriority: 3, SessionContext: "pulled" });
  const pc = await waitEvent(c, SubAppId, seen, (e) => e.EventType === "PullComplete" && e.PullCompleteEvent.TaskId === r.TaskId, "PullComplete", 30000);
  const pull = pc.PullCompleteEvent;
  assert.equal(pull.ErrCode, 0, pull.Message);
  assert.match(pull.ProcedureTaskId, PROCEDURE_TASK_ID_RE);
  const detail = await c.DescribeTaskDetail({ SubAppId, TaskId: r.TaskId });
  assert.equal(detail.PullUploadTask.ProcedureTaskId, pull.ProcedureTaskId);
  const ev = await waitEvent(c, SubAppId, seen, procedureDone(pull.ProcedureTaskId), "ProcedureStateChanged FINISH");
  const task = ev.ProcedureStateChangeEvent;
  assert.equal(task.FileId, pull.FileId);
  assert.equal(task.TasksPriority, 3);
  assert.equal(task.SessionContext, "pulled");
  assert.deepEqual(Object.keys(results(task)).sort(), ["AdaptiveDynamicStreaming", "CoverBySnapshot", "ImageSprites"]);
});

test("Bad input: a flow's offset past the new media fails that sub-task alone; an audio-only source asked for pictures is refused", async () => {
  h.env();
  const SubAppId = subAppId();
  const c = h.client();
  const seen = [];
  const Name = `far${Date.now() % 1e9}`;
  await c.CreateProcedureTemplate({ SubAppId, Name, MediaProcessTask: {
    SnapshotByTimeOffsetTaskSet: [{ Definition: 10, ExtTimeOffsetSet: ["100s"] }],
    ImageSpriteTaskSet: [{ Definition: 10 }],
  } });
  await c.ModifyEventConfig({ SubAppId, UploadMediaCompleteEventSwitch: "ON" });
  let FileId;
  try {
    const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", Procedure: Name });
    assert.ok((await h.put(apply.UploadUrl, h.fixtureBytes())).ok);
    ({ FileId } = await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey }));
  } finally {
    await c.ModifyEventConfig({ SubAppId, UploadMediaCompleteEventSwitch: "OFF" });
  }
  const up = await waitEvent(c, SubAppId, seen, (e) => e.EventType === "NewFileUpload" && e.FileUploadEvent.FileId === FileId, "NewFileUpload", 30000);
  const ev = await waitEvent(c, SubAppId, seen, procedureDone(up.FileUploadEvent.ProcedureTaskId), "ProcedureStateChanged FINISH");
  const [snap, sprite] = ev.ProcedureStateChangeEvent.MediaProcessResultSet;
  assert.equal(snap.Type, "SnapshotByTimeOffset");
  assert.equal(snap.SnapshotByTimeOffsetTask.Status, "FAIL");
  assert.match(snap.SnapshotByTimeOffsetTask.ErrCodeExt, /^InvalidInput/);
  assert.ok(snap.SnapshotByTimeOffsetTask.Message.length > 0, "a failed sub-task says why");
  assert.equal(snap.SnapshotByTimeOffsetTask.Output, null);
  assert.equal(sprite.ImageSpriteTask.Status, "SUCCESS", "the failed snapshot does not hide the sprite");

  // The same offset on an existing media is refused at request time.
  await h.expectError(c.ProcessMediaByProcedure({ SubAppId, FileId, ProcedureName: Name }), "InvalidParameterValue");

  const audio = fs.readFileSync(path.join(__dirname, "..", "..", "mp4", "testdata", "aac_only.m4a"));
  const apply = await c.ApplyUpload({ SubAppId, MediaType: "m4a" });
  assert.ok((await h.put(apply.UploadUrl, audio)).ok);
  const { FileId: audioId } = await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey });
  const err = await h.expectError(c.ProcessMedia({ SubAppId, FileId: audioId, MediaProcessTask: { CoverBySnapshotTaskSet: [{ Definition: 10, PositionType: "Time", PositionValue: 0 }] } }),
    "InvalidParameterValue");
  assert.match(err.message, /no video stream/);
});
