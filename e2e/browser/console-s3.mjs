// Drives openvod's web console in Debian's Chromium with media on S3 and
// media delivered by redirect: node console-s3.mjs. The Go test
// (TestConsoleBrowserS3 in e2e/console_browser_test.go) starts versitygw,
// sets the bucket's CORS rule for the console's origin and starts the
// server, and passes in the environment CONSOLE_URL, SECRET_ID,
// SECRET_KEY, FIXTURE (an MP4 file), STORE_ORIGIN (the S3 endpoint's
// origin) and CHROMIUM. The upload PUTs the file to a presigned URL of the
// store with the progress bar reaching 100 %, and the player plays the
// file from the store after openvod's redirect, with no CSP violation. It
// prints one JSON line of what it saw and exits 1 when a check failed.
import { check, dropUpload, env, heading, playPast, probeCSP, runCheck, signIn } from './consolekit.mjs';

const consoleURL = env('CONSOLE_URL');
const secretId = env('SECRET_ID');
const secretKey = env('SECRET_KEY');
const fixture = env('FIXTURE');
const storeOrigin = env('STORE_ORIGIN');

await runCheck('console S3 browser check', async ({ context, seen, begin, watch }) => {
  // Every answer from the store: its method, status and path.
  seen.store = [];
  context.on('response', (resp) => {
    const u = new URL(resp.url());
    if (u.origin === storeOrigin) seen.store.push(`${resp.request().method()} ${resp.status()} ${u.pathname}`);
  });
  const page = context.pages()[0] || await context.newPage();
  watch(page);

  begin('sign in');
  await page.goto(consoleURL);
  await heading(page, 'Sign in to openvod');
  await probeCSP(page, seen);
  await signIn(page, secretId, secretKey);

  begin('upload to the store');
  seen.uploadProgress = await dropUpload(page, fixture, 's3 fixture.mp4');
  const put = seen.store.find((s) => s.startsWith('PUT '));
  check(put && put.startsWith('PUT 200 '), `the PUT to the store: ${put}, want 200 (answers from the store: ${seen.store.join(', ')})`);

  begin('play the file from the store');
  await page.locator('#media-results a', { hasText: 's3 fixture' }).click();
  await heading(page, 's3 fixture');
  await page.getByLabel('The file itself (MediaUrl)').check();
  await page.locator('#player-source', { hasText: 'Playing the file itself' }).waitFor();
  seen.playerSource = await page.locator('#player-source').textContent();
  seen.playedTo = await playPast(page, 1);
  seen.playerURL = await page.evaluate(() => document.getElementById('player').currentSrc);
  const get = seen.store.filter((s) => s.startsWith('GET '));
  check(get.some((s) => /^GET 20[06] /.test(s)), `no media read from the store: ${seen.store.join(', ')}`);
});
