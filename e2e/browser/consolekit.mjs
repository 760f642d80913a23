// What the console's browser checks (console.mjs, console-s3.mjs) share:
// Chromium launched through Playwright, the watch for Content Security
// Policy violations and script errors on every page, the steps of signing
// in and of an upload by drag and drop, and the one JSON line of report.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// env returns the environment variable k, or exits 2 when it is not set.
export const env = (k) => {
  if (!process.env[k]) {
    console.error(`${process.argv[1]}: ${k} is not set (run it from go test ./e2e -run TestConsoleBrowser)`);
    process.exit(2);
  }
  return process.env[k];
};

// check fails the step with msg unless ok.
export const check = (ok, msg) => { if (!ok) throw new Error(msg); };

const stepTimeout = 20000;

// runCheck launches Chromium and runs main({ context, seen, begin, watch }):
// begin(name) starts a step, watch(page) records the page's console errors,
// script errors and CSP violations (every page of the context reports its
// securitypolicyviolation events) in seen. After main, no CSP violation and
// no script error must have happened. It prints seen (with ok and failure)
// as one JSON line and exits 1 when a step failed.
export async function runCheck(what, main) {
  const seen = { steps: [], stepSeconds: {}, cspErrors: [], pageErrors: [], console: [] };
  let failure = '';
  let step = '';
  let stepStart = Date.now();
  const begin = (name) => {
    if (step) seen.stepSeconds[step] = (Date.now() - stepStart) / 1000;
    step = name;
    stepStart = Date.now();
    seen.steps.push(name);
  };
  const userDataDir = mkdtempSync(join(tmpdir(), 'openvod-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
      // Not UTC, so that times shown in the browser's zone differ from UTC.
      timezoneId: 'Asia/Shanghai',
      locale: 'en-US',
      timeout: 30000,
    });
    context.setDefaultTimeout(stepTimeout);
    // Through the DevTools protocol: the pages' CSP does not apply to it.
    await context.exposeBinding('openvodCSPViolation', (_, v) => seen.cspErrors.push(v));
    await context.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => window.openvodCSPViolation(
      `${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile || 'the page'}:${e.lineNumber})`)));
    const watch = (page) => {
      page.on('console', (m) => {
        if (m.type() !== 'error') return;
        if (/Content Security Policy/i.test(m.text())) seen.cspErrors.push(m.text());
        else seen.console.push(m.text());
      });
      page.on('pageerror', (e) => seen.pageErrors.push(e.message));
      page.on('dialog', (d) => d.accept());
    };
    await main({ context, seen, begin, watch });
    begin('no page error or CSP violation');
    check(seen.cspErrors.length === 0, 'Content Security Policy violations: ' + seen.cspErrors.join(' | '));
    check(seen.pageErrors.length === 0, 'page errors: ' + seen.pageErrors.join(' | '));
  } catch (e) {
    failure = `${step}: ${e.message}`;
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  if (step) seen.stepSeconds[step] = (Date.now() - stepStart) / 1000;
  seen.ok = failure === '';
  seen.failure = failure;
  console.log(JSON.stringify(seen));
  if (failure) {
    console.error(`${what} FAILED at ${failure}`);
    process.exit(1);
  }
  console.error(`${what} passed: ${seen.steps.length} steps`);
}

// probeCSP checks that a CSP violation on page is seen: a fetch of another
// origin must be refused and reported both by the securitypolicyviolation
// event and on the console; the reports are then dropped.
export async function probeCSP(page, seen) {
  const probe = 'csp-probe.invalid';
  const reports = () => seen.cspErrors.filter((e) => e.includes(probe));
  await page.evaluate((u) => fetch(u).catch(() => {}), `http://${probe}/`);
  const both = () => reports().some((e) => e.startsWith('connect-src blocked')) && reports().some((e) => /Content Security Policy/i.test(e));
  for (let i = 0; i < 50 && !both(); i++) await new Promise((r) => setTimeout(r, 100));
  // Late console copies of the report come within a moment.
  await new Promise((r) => setTimeout(r, 200));
  check(both(),
    `a fetch of another origin was not reported as a CSP violation by both the event and the console: ${JSON.stringify(seen.cspErrors)}`);
  seen.cspErrors = seen.cspErrors.filter((e) => !e.includes(probe));
}

// heading waits for the page's h1 to read text.
export const heading = async (p, text) => {
  await p.getByRole('heading', { level: 1, name: text }).waitFor();
};

// signIn signs in on the sign-in page with the key pair and waits for the
// Media page.
export async function signIn(page, secretId, secretKey) {
  await page.getByLabel('SecretId').fill(secretId);
  await page.getByLabel('SecretKey').fill(secretKey);
  await page.getByLabel('SecretKey').press('Enter');
  await heading(page, 'Media');
}

// dropUpload drops the file at path on the Media page's upload area as
// name, waits for the upload to be committed and returns the progress bar
// seen: its value and text at the end, and every text it showed.
export async function dropUpload(page, path, name) {
  const drop = await page.evaluateHandle(([data, fileName]) => {
    const bin = atob(data);
    const buf = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([buf], fileName, { type: 'video/mp4' }));
    return dt;
  }, [readFileSync(path).toString('base64'), name]);
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => window.progressSeen.push(document.getElementById('upload-percent').textContent))
      .observe(document.getElementById('upload-percent'), { childList: true, characterData: true, subtree: true });
  });
  await page.dispatchEvent('.drop', 'drop', { dataTransfer: drop });
  await page.locator('#upload-message', { hasText: 'Uploaded ' + name + ' as' }).waitFor();
  const progress = await page.evaluate(() => ({
    value: document.getElementById('upload-progress').value, text: document.getElementById('upload-percent').textContent, seen: window.progressSeen,
  }));
  check(progress.value === 100 && progress.text === '100 %', `the progress bar ends at ${progress.value} (${progress.text}), want 100 %`);
  return progress;
}

// playPast plays the detail page's player until its currentTime passes t
// seconds, pauses it and returns the time reached.
export async function playPast(page, t) {
  await page.evaluate(() => document.getElementById('player').play());
  await page.waitForFunction((s) => document.getElementById('player').currentTime > s, t, { polling: 100 });
  return page.evaluate(() => { const v = document.getElementById('player'); v.pause(); return v.currentTime; });
}
