"use strict";
// Every sign method (TC3-HMAC-SHA256, and API v1's HmacSHA1 and HmacSHA256)
// with every request method (POST: JSON for TC3, a form body for v1; GET: a
// query string), as the typed client sends them when its profile's
// signMethod and reqMethod are set: uploads, arrays and nested parameters,
// events, and the signing errors.
//
// Environment: as helpers.js, plus OPENVOD_SIGNING_SUB_APP_ID, an app of
// its own (its events are pulled here).

const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");

const SIGN_METHODS = ["TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256"];
const REQ_METHODS = ["POST", "GET"];
const UNKNOWN_FILE_ID = "5285890799999999999";

function subAppId() {
  const id = Number(process.env.OPENVOD_SIGNING_SUB_APP_ID);
  assert.ok(id > 0, "missing environment variable OPENVOD_SIGNING_SUB_APP_ID");
  return id;
}

// withClockOffset runs fn with Date (new Date() and Date.now(), which the
// SDK reads for its timestamps) shifted by ms.
async function withClockOffset(ms, fn) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) {
        super(RealDate.now() + ms);
      } else {
        super(...args);
      }
    }
    static now() {
      return RealDate.now() + ms;
    }
  }
  global.Date = ShiftedDate;
  try {
    return await fn();
  } finally {
    global.Date = RealDate;
  }
}

test("sign methods and request methods", async (t) => {
  const SubAppId = subAppId();
  await h.client().ModifyEventConfig({ SubAppId, Mode: "PULL", UploadMediaCompleteEventSwitch: "ON" });

  for (const signMethod of SIGN_METHODS) {
    for (const reqMethod of REQ_METHODS) {
      await t.test(`${signMethod} ${reqMethod}`, async () => {
        const c = h.client({ signMethod, reqMethod });
        const apply = await c.ApplyUpload({ SubAppId, MediaType: "mp4", MediaName: `${signMethod} ${reqMethod}` });
        assert.equal(apply.UploadUrl, `http://${h.env().endpoint}/upload/${apply.VodSessionKey}`);
        const res = await h.put(apply.UploadUrl, h.fixtureBytes());
        assert.ok(res.ok, `PUT ${apply.UploadUrl}: HTTP ${res.status}`);
        const commit = await c.CommitUpload({ SubAppId, VodSessionKey: apply.VodSessionKey });
        assert.match(commit.FileId, h.FILE_ID_RE);

        const r = await c.DescribeMediaInfos({ SubAppId, FileIds: [commit.FileId, UNKNOWN_FILE_ID], Filters: ["basicInfo"] });
        assert.deepEqual(r.NotExistFileIdSet, [UNKNOWN_FILE_ID]);
        assert.equal(r.MediaInfoSet.length, 1);
        assert.equal(r.MediaInfoSet[0].BasicInfo.Name, `${signMethod} ${reqMethod}`);
        assert.equal(r.MediaInfoSet[0].MetaData, null, "Filters basicInfo leaves MetaData out");

        const pulled = await c.PullEvents({ SubAppId });
        const ev = pulled.EventSet.find((e) => e.FileUploadEvent && e.FileUploadEvent.FileId === commit.FileId);
        assert.ok(ev, `no FileUploadEvent for ${commit.FileId} in ${JSON.stringify(pulled.EventSet)}`);
        await c.ConfirmEvents({ SubAppId, EventHandles: [ev.EventHandle] });

        // Nested parameters: DeleteParts.0.Type and DeleteParts.0.Definition.
        await c.DeleteMedia({ SubAppId, FileId: commit.FileId, DeleteParts: [{ Type: "TranscodeFiles", Definition: 0 }] });
        await h.describeOne(c, commit.FileId, { SubAppId });
        await c.DeleteMedia({ SubAppId, FileId: commit.FileId, DeleteParts: [{ Type: "OriginalFiles", Definition: 0 }] });
        const gone = await c.DescribeMediaInfos({ SubAppId, FileIds: [commit.FileId] });
        assert.deepEqual(gone.NotExistFileIdSet, [commit.FileId]);

        await h.expectError(
          c.DescribeMediaInfos({ SubAppId, FileIds: [UNKNOWN_FILE_ID], Filters: ["nope"] }),
          "InvalidParameterValue",
        );
      });

      await t.test(`${signMethod} ${reqMethod}: wrong key, unknown key, expired timestamp`, async () => {
        const call = (c) => c.DescribeMediaInfos({ SubAppId, FileIds: [UNKNOWN_FILE_ID] });
        await h.expectError(call(h.client({ signMethod, reqMethod, secretKey: h.env().secretKey + "x" })), "AuthFailure.SignatureFailure");
        await h.expectError(call(h.client({ signMethod, reqMethod, secretId: "AKIDnosuchkey00000000000000000000" })), "AuthFailure.SecretIdNotFound");
        const c = h.client({ signMethod, reqMethod });
        await withClockOffset(-310000, () => h.expectError(call(c), "AuthFailure.SignatureExpire"));
        await withClockOffset(+310000, () => h.expectError(call(c), "AuthFailure.SignatureExpire"));
        await withClockOffset(-290000, () => call(c));
      });
    }
  }
});
