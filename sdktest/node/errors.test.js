"use strict";
// API errors as the Node.js SDK surfaces them: e.code, e.message, e.requestId.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");

test("wrong SecretKey: AuthFailure.SignatureFailure", async () => {
  const c = h.client({ secretKey: h.env().secretKey + "x" });
  await h.expectError(c.ApplyUpload({ MediaType: "mp4" }), "AuthFailure.SignatureFailure");
});

test("unknown SecretId: AuthFailure.SecretIdNotFound", async () => {
  const c = h.client({ secretId: "AKIDnosuchkey00000000000000000000" });
  await h.expectError(c.ApplyUpload({ MediaType: "mp4" }), "AuthFailure.SecretIdNotFound");
});

test("unknown SubAppId: InvalidParameterValue.SubAppId", async () => {
  const c = h.client();
  await h.expectError(c.ApplyUpload({ MediaType: "mp4", SubAppId: 1999999999 }), "InvalidParameterValue.SubAppId");
  await h.expectError(c.DescribeMediaInfos({ FileIds: ["5285890799999999999"], SubAppId: 1999999999 }), "InvalidParameterValue.SubAppId");
});

test("missing required field: MissingParameter", async () => {
  const c = h.client();
  await h.expectError(c.ApplyUpload({}), "MissingParameter");
  await h.expectError(h.commonClient().request("ApplyUpload", {}), "MissingParameter");
  await h.expectError(h.commonClient().request("ApplyUpload", { MediaName: "no type" }), "MissingParameter");
  await h.expectError(c.CommitUpload({}), "MissingParameter");
  await h.expectError(c.PullUpload({}), "MissingParameter");
  await h.expectError(c.DeleteMedia({}), "MissingParameter");
  await h.expectError(c.DescribeTaskDetail({}), "MissingParameter");
  await h.expectError(c.DescribeMediaInfos({}), "MissingParameter");
});

test("wrong JSON type: InvalidParameter", async () => {
  const c = h.client();
  await h.expectError(c.DescribeMediaInfos({ FileIds: "x" }), "InvalidParameter");
  await h.expectError(c.ApplyUpload({ MediaType: 4 }), "InvalidParameter");
  await h.expectError(c.ApplyUpload({ MediaType: "mp4", ClassId: "0" }), "InvalidParameter");
  await h.expectError(c.ApplyUpload({ MediaType: "mp4", SubAppId: "1500000001" }), "InvalidParameter");
});

test("unknown field: UnknownParameter", async () => {
  const c = h.client();
  await h.expectError(c.ApplyUpload({ MediaType: "mp4", NoSuchField: 1 }), "UnknownParameter");
  await h.expectError(h.commonClient().request("DescribeMediaInfos", { FileIds: ["1"], Bogus: true }), "UnknownParameter");
});

test("CommitUpload twice: InvalidParameterValue.VodSessionKey", async () => {
  const c = h.client();
  const { apply, commit } = await h.upload(c);
  await h.expectError(c.CommitUpload({ VodSessionKey: apply.VodSessionKey }), "InvalidParameterValue.VodSessionKey");
  await c.DeleteMedia({ FileId: commit.FileId });
});

test("CommitUpload before the PUT: InvalidParameterValue.VodSessionKey", async () => {
  const c = h.client();
  const apply = await c.ApplyUpload({ MediaType: "mp4" });
  await h.expectError(c.CommitUpload({ VodSessionKey: apply.VodSessionKey }), "InvalidParameterValue.VodSessionKey");
});

test("CommitUpload of an unknown key: InvalidParameterValue.VodSessionKey", async () => {
  const c = h.client();
  await h.expectError(c.CommitUpload({ VodSessionKey: "nosuchsessionkey0000000000000000" }), "InvalidParameterValue.VodSessionKey");
});

test("DescribeTaskDetail of an unknown task: InvalidParameterValue.TaskId", async () => {
  const c = h.client();
  await h.expectError(
    c.DescribeTaskDetail({ TaskId: `${h.DEFAULT_SUB_APP_ID}-Pull-00000000000000000000000000000000` }),
    "InvalidParameterValue.TaskId",
  );
});

test("unknown action: InvalidAction", async () => {
  await h.expectError(h.commonClient().request("NoSuchAction", {}), "InvalidAction");
});

test("FileIds over 20: InvalidParameterValue.FileIdsOverLimit", async () => {
  const c = h.client();
  const ids = Array.from({ length: 21 }, (_, i) => String(5285890700000000000n + BigInt(i)));
  await h.expectError(c.DescribeMediaInfos({ FileIds: ids }), "InvalidParameterValue.FileIdsOverLimit");
  const r = await c.DescribeMediaInfos({ FileIds: ids.slice(0, 20) });
  assert.equal(r.NotExistFileIdSet.length, 20);
  assert.deepEqual(r.MediaInfoSet, []);
});

test("FileIds empty: InvalidParameterValue.FileIdsEmpty", async () => {
  const c = h.client();
  await h.expectError(c.DescribeMediaInfos({ FileIds: [] }), "InvalidParameterValue.FileIdsEmpty");
});

test("SessionContext over 1000 characters: InvalidParameterValue.SessionContextTooLong", async () => {
  const c = h.client();
  await h.expectError(c.ApplyUpload({ MediaType: "mp4", SessionContext: "x".repeat(1001) }), "InvalidParameterValue.SessionContextTooLong");
  await h.expectError(
    c.PullUpload({ MediaUrl: "http://127.0.0.1:9/a.mp4", SessionContext: "x".repeat(1001) }),
    "InvalidParameterValue.SessionContextTooLong",
  );
  const ok = await c.ApplyUpload({ MediaType: "mp4", SessionContext: "x".repeat(1000) });
  assert.ok(ok.VodSessionKey);
});

test("DeleteMedia of an unknown FileId: ResourceNotFound.FileNotExist", async () => {
  const c = h.client();
  await h.expectError(c.DeleteMedia({ FileId: "5285890799999999999" }), "ResourceNotFound.FileNotExist");
});

test("every error answer has its own RequestId", async () => {
  const c = h.client();
  const ids = new Set();
  for (let i = 0; i < 5; i++) {
    const e = await h.expectError(c.DescribeMediaInfos({ FileIds: [] }), "InvalidParameterValue.FileIdsEmpty");
    ids.add(e.requestId);
  }
  assert.equal(ids.size, 5);
});
