"use strict";
// Shared helpers of the Node.js SDK conformance tests. The tests talk to a
// running openvod through the official Tencent Cloud SDK packages, configured
// exactly as tencent-vod-reference.md §5.7 says a user would.
//
// Environment (all required; a missing one fails every test):
//   OPENVOD_ENDPOINT     host:port of the server, no scheme
//   OPENVOD_SECRET_ID    an API key pair the server accepts
//   OPENVOD_SECRET_KEY
//   OPENVOD_FIXTURE_MP4  path of an H.264+AAC MP4 file to upload

const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const { vod } = require("tencentcloud-sdk-nodejs-vod");
const { CommonClient } = require("tencentcloud-sdk-nodejs-common");

const DEFAULT_SUB_APP_ID = 1500000001;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FILE_ID_RE = /^[1-9][0-9]{18}$/;
const TIME_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const ENV_NAMES = ["OPENVOD_ENDPOINT", "OPENVOD_SECRET_ID", "OPENVOD_SECRET_KEY", "OPENVOD_FIXTURE_MP4"];

// env returns the test settings, throwing (so the calling test fails) when
// any is missing.
function env() {
  const missing = ENV_NAMES.filter((n) => !process.env[n]);
  if (missing.length > 0) {
    throw new Error(
      `missing environment variable(s) ${missing.join(", ")}: run these tests with ` +
        "`go test ./sdktest/ -run TestNodeSDK`, or set OPENVOD_ENDPOINT (host:port, no scheme), " +
        "OPENVOD_SECRET_ID, OPENVOD_SECRET_KEY and OPENVOD_FIXTURE_MP4 for a running openvod",
    );
  }
  const e = {
    endpoint: process.env.OPENVOD_ENDPOINT,
    secretId: process.env.OPENVOD_SECRET_ID,
    secretKey: process.env.OPENVOD_SECRET_KEY,
    fixture: process.env.OPENVOD_FIXTURE_MP4,
  };
  assert.doesNotMatch(e.endpoint, /^[a-z]+:\/\//, "OPENVOD_ENDPOINT must be host:port without a scheme");
  assert.ok(fs.existsSync(e.fixture), `OPENVOD_FIXTURE_MP4 ${e.fixture} does not exist`);
  return e;
}

// profile is the client profile of §5.7, with the SDK's default sign
// method (TC3-HMAC-SHA256) unless signMethod is given.
function profile(endpoint, { reqMethod = "POST", signMethod } = {}) {
  const p = { httpProfile: { endpoint, protocol: "http://", reqMethod, reqTimeout: 60 } };
  if (signMethod) {
    p.signMethod = signMethod;
  }
  return p;
}

// client returns the typed VOD client; over may replace secretId/secretKey
// and set the profile's reqMethod and signMethod.
function client(over = {}) {
  const e = env();
  return new vod.v20180717.Client({
    credential: { secretId: over.secretId ?? e.secretId, secretKey: over.secretKey ?? e.secretKey },
    region: "",
    profile: profile(e.endpoint, over),
  });
}

// commonClient returns the generic client, for requests the typed one cannot make.
function commonClient() {
  const e = env();
  return new CommonClient("vod.tencentcloudapi.com", "2018-07-17", {
    credential: { secretId: e.secretId, secretKey: e.secretKey },
    region: "",
    profile: profile(e.endpoint),
  });
}

// expectError awaits p, which must fail with the API error code; it checks
// the SDK exception's message and requestId and returns it.
async function expectError(p, code) {
  let err;
  let result;
  try {
    result = await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected the error ${code}, but the call succeeded with ${JSON.stringify(result)}`);
  assert.equal(err.code, code, `error code (message: ${err.message}, requestId: ${err.requestId})`);
  assert.equal(typeof err.message, "string");
  assert.ok(err.message.length > 0, "the error message is empty");
  assert.match(err.requestId, UUID_RE, "requestId is not a UUID v4");
  return err;
}

// fixture returns the fixture's bytes.
function fixtureBytes() {
  return fs.readFileSync(env().fixture);
}

// probe runs ffprobe on path and returns its JSON (streams and format).
function probe(path) {
  let out;
  try {
    out = execFileSync("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-of", "json", path], {
      encoding: "utf8",
    });
  } catch (e) {
    throw new Error(`ffprobe failed (install ffmpeg: apt-get install -y ffmpeg): ${e.message}`);
  }
  return JSON.parse(out);
}

// put sends body to an UploadUrl and returns the fetch Response.
async function put(url, body) {
  return fetch(url, { method: "PUT", body, headers: { "Content-Type": "application/octet-stream" } });
}

// upload runs ApplyUpload, the PUT and CommitUpload with the typed client.
async function upload(c, applyParams = {}) {
  const apply = await c.ApplyUpload({ MediaType: "mp4", ...applyParams });
  const res = await put(apply.UploadUrl, fixtureBytes());
  assert.ok(res.ok, `PUT ${apply.UploadUrl}: HTTP ${res.status} ${await res.text()}`);
  const commit = await c.CommitUpload({ VodSessionKey: apply.VodSessionKey });
  return { apply, commit };
}

// describeOne returns the MediaInfo of fileId, failing when it does not exist.
async function describeOne(c, fileId, extra = {}) {
  const r = await c.DescribeMediaInfos({ FileIds: [fileId], ...extra });
  assert.deepEqual(r.NotExistFileIdSet, [], "NotExistFileIdSet");
  assert.equal(r.MediaInfoSet.length, 1, "MediaInfoSet length");
  assert.equal(r.MediaInfoSet[0].FileId, fileId);
  return r.MediaInfoSet[0];
}

// waitTask polls DescribeTaskDetail until the task is FINISH (or ABORTED).
async function waitTask(c, taskId, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await c.DescribeTaskDetail({ TaskId: taskId });
    if (last.Status === "FINISH" || last.Status === "ABORTED") {
      return last;
    }
    assert.ok(["WAITING", "PROCESSING"].includes(last.Status), `unexpected task Status ${last.Status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`task ${taskId} not finished after ${timeoutMs} ms; last answer ${JSON.stringify(last)}`);
}

// serveFixture starts an HTTP server on 127.0.0.1 that answers
// GET /fixture.mp4 with the fixture and 404 for anything else. It returns
// {url, close, requests}.
async function serveFixture() {
  const body = fixtureBytes();
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === "GET" && req.url === "/fixture.mp4") {
      res.writeHead(200, { "Content-Type": "video/mp4", "Content-Length": body.length });
      res.end(body);
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("not found");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

module.exports = {
  DEFAULT_SUB_APP_ID,
  FILE_ID_RE,
  TIME_RE,
  UUID_RE,
  client,
  commonClient,
  describeOne,
  env,
  expectError,
  fixtureBytes,
  probe,
  put,
  serveFixture,
  upload,
  waitTask,
};
