// Plays an HLS master playlist with hls.js in Debian's Chromium, driven by
// Playwright: node play.mjs PAGE_URL [PLAY_PAST]. The page (served by the Go test,
// e2e/hls_browser_test.go) loads hls.js and plays the playlist in a muted
// <video>, recording hls.js errors in window.report. This script checks
// that playback time passes 5 s, that a seek to the middle lands near its
// target and plays on (for 1 s, and past PLAY_PAST seconds when given),
// and that hls.js raised no fatal error. It prints
// one JSON line of what it saw and exits 0 when every check passed, 1 with
// a message saying which did not.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const pageURL = process.argv[2];
const playPast = Number(process.argv[3] || 0);
if (!pageURL || !(playPast >= 0)) {
  console.error('usage: node play.mjs PAGE_URL [PLAY_PAST]');
  process.exit(2);
}

// How long each step may take, and how near the seek must land.
const stepTimeout = 15000;
const seekTolerance = 0.5;

const seen = { console: [], failedRequests: [] };
let failure = '';
const userDataDir = mkdtempSync(join(tmpdir(), 'openvod-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') seen.console.push(m.text()); });
  page.on('requestfailed', (r) => seen.failedRequests.push(r.url() + ': ' + r.failure()?.errorText));
  page.on('pageerror', (e) => seen.console.push('page error: ' + e.message));
  await page.goto(pageURL);

  // Waits until cond (run in the page) holds or hls.js reports a fatal
  // error; returns the page's report.
  const waitFor = async (what, cond, arg) => {
    try {
      await page.waitForFunction(([src, a]) => window.report.fatal || new Function('a', src)(a),
        [cond, arg], { timeout: stepTimeout, polling: 50 });
    } catch (e) {
      const r = await page.evaluate(() => window.snapshot());
      throw new Error(`${what}: not within ${stepTimeout / 1000} s: ${JSON.stringify(r)}`);
    }
    const r = await page.evaluate(() => window.snapshot());
    if (r.fatal) throw new Error(`${what}: fatal hls.js error ${r.fatal}`);
    return r;
  };

  const played = await waitFor('playback past 5 s', 'return document.getElementById("v").currentTime > 5');
  seen.playedTo = played.now;
  seen.duration = await page.evaluate(() => document.getElementById('v').duration);
  if (!(seen.duration > 10)) throw new Error(`duration ${seen.duration}: want the source's (> 10 s)`);
  seen.seekTarget = Math.round(seen.duration / 2 * 1000) / 1000;
  await page.evaluate((target) => {
    const v = document.getElementById('v');
    window.report.seekedAt = null;
    v.addEventListener('seeked', () => { window.report.seekedAt = v.currentTime; }, { once: true });
    v.currentTime = target;
  }, seen.seekTarget);
  const seeked = await waitFor('seek to the middle', 'return window.report.seekedAt !== null');
  seen.seekedAt = seeked.seekedAt;
  if (Math.abs(seeked.seekedAt - seen.seekTarget) > seekTolerance) {
    throw new Error(`seek to ${seen.seekTarget} s landed at ${seeked.seekedAt} s (tolerance ${seekTolerance} s)`);
  }
  const after = await waitFor('playback after the seek', 'return document.getElementById("v").currentTime > a',
    Math.max(seeked.seekedAt + 1, playPast));
  seen.playedAfterSeekTo = after.now;
  seen.errors = after.errors;
  seen.fragmentsLoaded = after.fragments;
  seen.level = after.level;
  seen.levelFragments = after.levelFragments;
} catch (e) {
  failure = e.message;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
seen.ok = failure === '';
seen.failure = failure;
console.log(JSON.stringify(seen));
if (failure) {
  console.error('HLS browser check FAILED: ' + failure);
  process.exit(1);
}
console.error(`HLS browser check passed: played to ${seen.playedTo.toFixed(2)} s, seek to ${seen.seekTarget} s landed at ${seen.seekedAt.toFixed(3)} s and played to ${seen.playedAfterSeekTo.toFixed(2)} s, no fatal hls.js error`);
