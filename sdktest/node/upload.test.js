"use strict";
// Upload flow through the typed client: ApplyUpload, PUT, CommitUpload,
// DescribeMediaInfos, GET (whole and Range), DeleteMedia.

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const h = require("./helpers");

test("ApplyUpload answers every field", async () => {
  const e = h.env();
  const c = h.client();
  const r = await c.ApplyUpload({ MediaType: "mp4", MediaName: "apply-fields" });
  assert.equal(r.StorageBucket, "openvod");
  assert.equal(r.StorageRegion, "local");
  assert.equal(typeof r.VodSessionKey, "string");
  assert.ok(r.VodSessionKey.length >= 22, `VodSessionKey ${r.VodSessionKey} is too short to hold 128 random bits`);
  assert.match(r.VodSessionKey, /^[A-Za-z0-9_-]+$/, "VodSessionKey must be URL-safe");
  assert.match(r.MediaStoragePath, /^\/.+\.mp4$/, "MediaStoragePath");
  assert.equal(typeof r.CoverStoragePath, "string");
  assert.equal(typeof r.TempCertificate, "object");
  assert.notEqual(r.TempCertificate, null);
  const now = Math.floor(Date.now() / 1000);
  assert.equal(typeof r.TempCertificate.ExpiredTime, "number");
  assert.ok(r.TempCertificate.ExpiredTime > now, `TempCertificate.ExpiredTime ${r.TempCertificate.ExpiredTime} is not in the future`);
  // Extension: the presigned URL the bytes go to.
  assert.equal(typeof r.UploadUrl, "string");
  const u = new URL(r.UploadUrl);
  assert.equal(u.protocol, "http:");
  assert.equal(u.host, e.endpoint, "UploadUrl host");
  assert.ok(u.pathname.includes(r.VodSessionKey), `UploadUrl ${r.UploadUrl} does not name the session`);
  assert.match(r.RequestId, h.UUID_RE);

  const r2 = await c.ApplyUpload({ MediaType: "mp4" });
  assert.notEqual(r2.VodSessionKey, r.VodSessionKey, "two sessions got the same VodSessionKey");
  assert.notEqual(r2.MediaStoragePath, r.MediaStoragePath);
  assert.notEqual(r2.RequestId, r.RequestId);
});

test("upload, describe, download, range, delete", async (t) => {
  const e = h.env();
  const c = h.client();
  const bytes = h.fixtureBytes();
  const size = fs.statSync(e.fixture).size;
  const name = "sdk-upload-" + path.basename(e.fixture, ".mp4");

  const apply = await c.ApplyUpload({ MediaType: "mp4", MediaName: name, SourceContext: "node-sdk" });
  const putRes = await h.put(apply.UploadUrl, bytes);
  assert.ok(putRes.status >= 200 && putRes.status < 300, `PUT: HTTP ${putRes.status} ${await putRes.text()}`);
  const commit = await c.CommitUpload({ VodSessionKey: apply.VodSessionKey });
  assert.match(commit.FileId, h.FILE_ID_RE, "FileId must be 19 digits");
  assert.equal(typeof commit.MediaUrl, "string");
  assert.ok(commit.MediaUrl.startsWith(`http://${e.endpoint}/`), `MediaUrl ${commit.MediaUrl}`);
  assert.ok(commit.MediaUrl.endsWith(apply.MediaStoragePath), `MediaUrl ${commit.MediaUrl} does not end with MediaStoragePath ${apply.MediaStoragePath}`);
  assert.match(commit.RequestId, h.UUID_RE);
  const fileId = commit.FileId;

  await t.test("DescribeMediaInfos: BasicInfo and MetaData", async () => {
    const info = await h.describeOne(c, fileId);
    const b = info.BasicInfo;
    assert.ok(b, "BasicInfo is null");
    assert.equal(b.Name, name);
    assert.equal(b.Type, "mp4");
    assert.equal(b.MediaUrl, commit.MediaUrl);
    assert.equal(b.ClassId, 0);
    assert.equal(b.ClassName, "其他");
    assert.ok(b.SourceInfo, "SourceInfo is null");
    assert.equal(b.SourceInfo.SourceType, "Upload");
    assert.equal(b.SourceInfo.SourceContext, "node-sdk");
    assert.equal(b.StorageRegion, "local");
    assert.equal(b.StoragePath, apply.MediaStoragePath);
    assert.deepEqual(b.TagSet, []);
    assert.equal(b.Category, "Video");
    assert.equal(b.Status, "Normal");
    assert.match(b.CreateTime, h.TIME_RE);
    assert.match(b.UpdateTime, h.TIME_RE);
    assert.equal(b.ExpireTime, "9999-12-31T23:59:59Z");

    const m = info.MetaData;
    assert.ok(m, "MetaData is null");
    const p = h.probe(e.fixture);
    const v = p.streams.find((s) => s.codec_type === "video");
    const a = p.streams.find((s) => s.codec_type === "audio");
    assert.equal(m.Size, size, "MetaData.Size must equal the file size");
    assert.ok(m.Duration > 0, `Duration ${m.Duration}`);
    assert.ok(Math.abs(m.Duration - Number(p.format.duration)) < 0.1, `Duration ${m.Duration}, ffprobe ${p.format.duration}`);
    assert.equal(m.Container, p.format.format_name, "Container must be ffprobe's demuxer name, as Tencent reports it");
    assert.equal(m.Container, "mov,mp4,m4a,3gp,3g2,mj2");
    assert.ok(m.Bitrate > 0, `Bitrate ${m.Bitrate}`);
    assert.equal(m.Width, v.width);
    assert.equal(m.Height, v.height);
    assert.equal(m.Rotate, 0);
    assert.equal(m.VideoStreamSet.length, 1, "VideoStreamSet length");
    assert.equal(m.VideoStreamSet[0].Codec, v.codec_name);
    assert.equal(m.VideoStreamSet[0].Width, v.width);
    assert.equal(m.VideoStreamSet[0].Height, v.height);
    const [num, den] = v.avg_frame_rate.split("/").map(Number);
    assert.equal(m.VideoStreamSet[0].Fps, Math.round(num / den), "Fps");
    assert.equal(m.AudioStreamSet.length, 1, "AudioStreamSet length");
    assert.equal(m.AudioStreamSet[0].Codec, a.codec_name);
    assert.equal(m.AudioStreamSet[0].SamplingRate, Number(a.sample_rate));
    assert.ok(m.VideoDuration > 0, `VideoDuration ${m.VideoDuration}`);
    assert.ok(m.AudioDuration > 0, `AudioDuration ${m.AudioDuration}`);
  });

  await t.test("DescribeMediaInfos: Filters basicInfo leaves MetaData null", async () => {
    const info = await h.describeOne(c, fileId, { Filters: ["basicInfo"] });
    assert.ok(info.BasicInfo, "BasicInfo is null");
    assert.equal(info.MetaData, null);
    assert.equal(info.TranscodeInfo, null);
  });

  await t.test("DescribeMediaInfos: Filters metaData leaves BasicInfo null", async () => {
    const info = await h.describeOne(c, fileId, { Filters: ["metaData"] });
    assert.equal(info.BasicInfo, null);
    assert.ok(info.MetaData, "MetaData is null");
    assert.equal(info.MetaData.Size, size);
  });

  await t.test("DescribeMediaInfos: unknown and known FileIds together", async () => {
    const unknown = "5285890799999999999";
    const r = await c.DescribeMediaInfos({ FileIds: [unknown, fileId] });
    assert.deepEqual(r.NotExistFileIdSet, [unknown]);
    assert.equal(r.MediaInfoSet.length, 1);
    assert.equal(r.MediaInfoSet[0].FileId, fileId);
  });

  await t.test("DescribeMediaInfos: CommonClient gives the same answer", async () => {
    const r = await h.commonClient().request("DescribeMediaInfos", { FileIds: [fileId], Filters: ["basicInfo"] });
    assert.equal(r.MediaInfoSet.length, 1);
    assert.equal(r.MediaInfoSet[0].BasicInfo.MediaUrl, commit.MediaUrl);
  });

  await t.test("GET MediaUrl returns the uploaded bytes", async () => {
    const res = await fetch(commit.MediaUrl);
    assert.equal(res.status, 200);
    const got = Buffer.from(await res.arrayBuffer());
    assert.equal(got.length, bytes.length);
    assert.ok(got.equals(bytes), "downloaded bytes differ from the uploaded ones");
  });

  await t.test("GET MediaUrl with Range returns 206 and the slice", async () => {
    const start = 100;
    const end = Math.min(bytes.length - 1, 4195);
    const res = await fetch(commit.MediaUrl, { headers: { Range: `bytes=${start}-${end}` } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/${bytes.length}`);
    const got = Buffer.from(await res.arrayBuffer());
    assert.ok(got.equals(bytes.subarray(start, end + 1)), "range bytes differ");

    const tail = await fetch(commit.MediaUrl, { headers: { Range: "bytes=-10" } });
    assert.equal(tail.status, 206);
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10)));

    const bad = await fetch(commit.MediaUrl, { headers: { Range: `bytes=${bytes.length + 10}-` } });
    assert.equal(bad.status, 416);
    await bad.arrayBuffer();
  });

  await t.test("the upload URL cannot be used twice", async () => {
    const res = await h.put(apply.UploadUrl, bytes);
    assert.equal(res.status, 403);
    await res.arrayBuffer();
  });

  await t.test("DeleteMedia removes the media and its bytes", async () => {
    const del = await c.DeleteMedia({ FileId: fileId });
    assert.match(del.RequestId, h.UUID_RE);
    const r = await c.DescribeMediaInfos({ FileIds: [fileId] });
    assert.deepEqual(r.MediaInfoSet, []);
    assert.deepEqual(r.NotExistFileIdSet, [fileId]);
    const res = await fetch(commit.MediaUrl);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    await h.expectError(c.DeleteMedia({ FileId: fileId }), "ResourceNotFound.FileNotExist");
  });
});

test("ApplyUpload accepts and ignores Tencent fields openvod does not implement", async () => {
  const c = h.client();
  const r = await c.ApplyUpload({
    MediaType: "mp4",
    StorageRegion: "ap-guangzhou",
    ExtInfo: "",
    CoverType: "jpg",
  });
  assert.equal(r.StorageRegion, "local");
  assert.ok(r.VodSessionKey);
});

test("SubAppId of the default app works explicitly", async () => {
  const c = h.client();
  const { commit } = await h.upload(c, { SubAppId: h.DEFAULT_SUB_APP_ID });
  const info = await h.describeOne(c, commit.FileId, { SubAppId: h.DEFAULT_SUB_APP_ID });
  assert.equal(info.BasicInfo.MediaUrl, commit.MediaUrl);
  await c.DeleteMedia({ FileId: commit.FileId, SubAppId: h.DEFAULT_SUB_APP_ID });
});
