// Drives openvod's web console in Debian's Chromium with Playwright, as a
// person would: node console.mjs. The Go test (e2e/console_browser_test.go)
// starts the server and a webhook receiver and passes, in the environment:
// CONSOLE_URL (http://host:port/console/), SECRET_ID and SECRET_KEY (a key
// pair of the server), FIXTURE (an MP4 file, 30 fps), RECEIVER (the
// receiver's base URL: POST RECEIVER/hook answers the status last set with
// POST RECEIVER/status?code=N), ARTIFACTS (a directory for screenshots) and
// CHROMIUM. Each step checks what the page shows; every page is
// screenshotted at 1280 px (light theme) and 375 px (dark theme) and
// scanned with axe-core in both. It prints one JSON line of what it saw and
// exits 0 when every check passed, 1 with the failed step otherwise.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { check, dropUpload, env, heading, playPast, probeCSP, runCheck, signIn } from './consolekit.mjs';

const consoleURL = env('CONSOLE_URL');
const secretId = env('SECRET_ID');
const secretKey = env('SECRET_KEY');
const fixture = env('FIXTURE');
const receiver = env('RECEIVER');
const artifacts = env('ARTIFACTS');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

await runCheck('console browser check', async ({ context, seen, begin, watch }) => {
  Object.assign(seen, { screenshots: [], axe: {}, violations: [], keyLeaks: [], overflows: [] });

  // Every request after the sign-in is checked for the SecretKey: URL,
  // headers and body.
  let signedIn = false;
  context.on('request', async (req) => {
    if (!signedIn) return;
    const headers = await req.allHeaders().catch(() => ({}));
    const where = [req.url(), JSON.stringify(headers), req.postData() || ''];
    if (where.some((s) => s.includes(secretKey))) seen.keyLeaks.push(req.method() + ' ' + req.url());
  });
  context.on('response', (resp) => {
    const req = resp.request();
    if (req.method() === 'POST' && new URL(req.url()).pathname.endsWith('/console/api/session') && resp.status() === 200) signedIn = true;
  });
  const page = context.pages()[0] || await context.newPage();
  watch(page);

  // shoot saves the page at both widths and runs axe-core on each.
  const shoot = async (p, name) => {
    for (const [width, scheme] of [[1280, 'light'], [375, 'dark']]) {
      await p.setViewportSize({ width, height: width === 375 ? 812 : 900 });
      await p.emulateMedia({ colorScheme: scheme });
      const file = join(artifacts, `${name}-${width}-${scheme}.png`);
      await p.screenshot({ path: file, fullPage: true });
      seen.screenshots.push(file);
      // Readable at this width: nothing wider than the window (a table
      // scrolls in its own box).
      const wide = await p.evaluate(() => document.documentElement.scrollWidth);
      if (wide > width) seen.overflows.push(`${name} at ${width} px is ${wide} px wide`);
      // Evaluated through the DevTools protocol: the page's CSP allows no
      // script tag of ours, rightly.
      await p.evaluate(axeSource + '\n;true');
      const r = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      seen.axe[`${name}-${width}`] = r.violations.map((v) => v.id + ':' + v.impact);
      for (const v of bad) {
        seen.violations.push(`${name} at ${width} px (${scheme}): ${v.id} (${v.impact}) ${v.help}: ` +
          v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
      }
    }
    await p.setViewportSize({ width: 1280, height: 900 });
    await p.emulateMedia({ colorScheme: 'light' });
  };
  const go = async (p, hash, title) => {
    await p.evaluate((h) => { location.hash = h; }, hash);
    await heading(p, title);
  };

  begin('sign-in page');
  await page.goto(consoleURL);
  await heading(page, 'Sign in to openvod');
  await probeCSP(page, seen);
  // Keyboard: the page opens in SecretId, and Tab goes on to SecretKey.
  check(await page.evaluate(() => document.activeElement.id) === 'secret-id', 'the sign-in page does not focus SecretId');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.id) === 'secret-key', 'Tab from SecretId does not reach SecretKey');
  await shoot(page, 'signin');

  begin('a wrong key is refused');
  await page.getByLabel('SecretId').fill(secretId);
  await page.getByLabel('SecretKey').fill(secretKey + 'x');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#signin-message', { hasText: 'Wrong SecretId or SecretKey' }).waitFor();
  check(!signedIn, 'a wrong key signed in');

  begin('sign in');
  await signIn(page, secretId, secretKey);
  check(signedIn, 'no 200 answer to POST /console/api/session');
  const kept = await page.evaluate((k) => ({
    local: localStorage.length, session: sessionStorage.length, cookie: document.cookie, inPage: document.documentElement.outerHTML.includes(k),
  }), secretKey);
  check(kept.local === 0 && kept.session === 0 && kept.cookie === '' && !kept.inPage,
    `the page keeps something after sign-in: ${JSON.stringify(kept)}`);
  for (const c of await context.cookies()) {
    check(!c.value.includes(secretKey), `cookie ${c.name} holds the SecretKey`);
    check(c.httpOnly, `cookie ${c.name} is not HttpOnly`);
  }
  await page.locator('.empty', { hasText: 'No media in this app yet' }).waitFor();
  await shoot(page, 'media-empty');

  begin('upload by drag and drop');
  // A Chinese name, as a Tencent user's media have: search, headings and
  // the screenshots must carry it.
  seen.uploadProgress = await dropUpload(page, fixture, 'console 发布会 fixture.mp4');
  await page.locator('#media-results a', { hasText: 'console 发布会 fixture' }).waitFor();
  await shoot(page, 'media');

  begin('search, sort and open the media');
  await page.getByLabel('Name contains').fill('no such name');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('.empty', { hasText: 'No media has a name containing' }).waitFor();
  await page.getByLabel('Name contains').fill('发布会');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByLabel('Sort by creation time').selectOption('Asc');
  await page.locator('#media-results a', { hasText: 'console 发布会 fixture' }).click();
  await heading(page, 'console 发布会 fixture');

  begin('the player plays');
  await page.locator('#player-source', { hasText: 'Playing' }).waitFor();
  seen.playerSource = await page.locator('#player-source').textContent();
  seen.playedTo = await playPast(page, 1);
  await shoot(page, 'media-detail');

  begin('clip with the editor');
  // A second tab on the Events page, to see the ClipComplete arrive live.
  const events = await context.newPage();
  watch(events);
  await events.goto(consoleURL + '#/events');
  await heading(events, 'Events');
  await events.evaluate(() => { window.notReloaded = true; });
  // A third on the Tasks page, to see the clip's task arrive and finish
  // live, and when the page asks for the tasks (by the browser's clock).
  const tasksTab = await context.newPage();
  watch(tasksTab);
  seen.taskFetches = [];
  let taskStreams = 0;
  tasksTab.on('request', (req) => {
    if (req.resourceType() === 'eventsource' && new URL(req.url()).pathname.endsWith('/api/stream')) taskStreams++;
  });
  tasksTab.on('requestfinished', (req) => {
    if (new URL(req.url()).pathname.endsWith('/api/call/DescribeTasks')) seen.taskFetches.push(req.timing().startTime);
  });
  await tasksTab.goto(consoleURL + '#/tasks');
  await heading(tasksTab, 'Tasks');
  await tasksTab.evaluate(() => { window.notReloaded = true; });
  begin('set In and Out with the editor');
  const scrub = page.getByLabel('Position (frame)');
  // Scrub near, step to the frame with the keyboard and the buttons (each
  // step is a seek of the player, a second or so in a loaded headless
  // Chromium: a few of each).
  await scrub.fill('27');
  for (let i = 0; i < 2; i++) await scrub.press('ArrowRight');
  await page.getByRole('button', { name: 'Next frame ▶' }).click();
  await page.locator('#clip-position', { hasText: 'Frame 30 of 179' }).waitFor();
  await page.getByRole('button', { name: 'Set In at this frame' }).click();
  await scrub.fill('91');
  await page.getByRole('button', { name: '◀ Previous frame' }).click();
  await page.keyboard.press(',');
  await page.locator('#clip-position', { hasText: 'Frame 89 of 179' }).waitFor();
  await page.keyboard.press('o');
  const range = await page.locator('#clip-range').textContent();
  seen.clipRange = range;
  check(range.includes('frame 30, from 1.000000 s') && range.includes('frame 89 (the last frame kept), to 3.000000 s') &&
    range.includes('StartTimeOffset 1.000000, EndTimeOffset 3.000000'), `the editor shows ${range}`);
  await page.getByLabel('Exact: ffmpeg re-encodes the range').check();
  begin('the ClipComplete of the clip arrives');
  await page.getByRole('button', { name: 'Create the clip' }).click();
  const taskId = await page.locator('#clip-task').textContent();
  seen.clipTask = taskId;
  await page.locator('#clip-complete').waitFor({ timeout: 90000 });
  const complete = await page.locator('#clip-complete').textContent();
  seen.clipComplete = complete;
  check(complete.includes('done') && complete.includes('Exact') && complete.includes('1.000000 s to 3.000000 s'),
    `the ClipComplete shown: ${complete}`);
  await events.locator('tr[data-type="ClipComplete"]').first().waitFor({ timeout: 30000 });
  check(await events.evaluate(() => window.notReloaded === true), 'the events page was reloaded');
  await events.close();

  begin('the clip task finishes on the Tasks page live');
  await tasksTab.locator(`tr[data-task="${taskId}"][data-status="FINISH"]`).waitFor({ timeout: 30000 });
  check(await tasksTab.evaluate(() => window.notReloaded === true), 'the tasks page was reloaded');
  check(taskStreams >= 1, 'the tasks page opened no event stream (api/stream)');
  // The page asks again on the stream's messages, at most once a second,
  // and not at all while nothing changes: no polling.
  await tasksTab.waitForTimeout(1500);
  const settled = seen.taskFetches.length;
  await tasksTab.waitForTimeout(3000);
  check(seen.taskFetches.length === settled, `the tasks page asked ${seen.taskFetches.length - settled} times in 3 s with no task changing`);
  seen.taskFetchGapsMs = seen.taskFetches.slice(1).map((t, i) => Math.round(t - seen.taskFetches[i]));
  check(seen.taskFetchGapsMs.length >= 1 && Math.min(...seen.taskFetchGapsMs) >= 900,
    `DescribeTasks asked ${seen.taskFetches.length} times, gaps ${seen.taskFetchGapsMs} ms: want a refresh, at most one a second`);
  await tasksTab.close();

  begin('tasks, with the keyboard');
  await go(page, '#/tasks', 'Tasks');
  const focused = () => page.evaluate(() => document.activeElement.id || document.activeElement.className);
  check(await focused() === 'main', `focus is on ${await focused()} after the page changed, want main`);
  const taskRow = page.locator(`tr[data-task="${taskId}"]`);
  await taskRow.waitFor();
  const taskText = await taskRow.textContent();
  check(taskText.includes('FINISH') && taskText.includes('100 %'), `the clip's task row: ${taskText}`);
  // Opened afresh, the skip link is the first stop and moves focus to the
  // page, which stays the Tasks page; the next stop is its first control.
  await page.reload();
  await taskRow.waitFor();
  await page.keyboard.press('Tab');
  check(await focused() === 'skip', `the first Tab stop is ${await focused()}, want the skip link`);
  await page.keyboard.press('Enter');
  check(await focused() === 'main' && /#\/tasks/.test(page.url()), `the skip link led to ${await focused()} at ${page.url()}`);
  await page.keyboard.press('Tab');
  check(await focused() === 'tasks-status', `Tab after the skip link reaches ${await focused()}, want the Status filter`);
  await taskRow.getByRole('button', { name: 'Details' }).focus();
  await page.keyboard.press('Enter');
  await page.locator(`#task-${taskId}-detail`, { hasText: 'EffectiveStartTime' }).waitFor();
  // The list is drawn again: focus stays on the button, now Close.
  check(await focused() === `task-${taskId}-toggle` && await page.evaluate(() => document.activeElement.textContent) === 'Close',
    `after Details, focus is on ${await focused()}, want the task's Close button`);
  // Times are the browser's (Asia/Shanghai here). A time is a Tab stop:
  // Shift+Tab from the result link reaches Finished, which then shows its UTC.
  const timeShown = () => page.evaluate(() => {
    const t = document.activeElement;
    return { tag: t.tagName, text: t.textContent, utc: getComputedStyle(t, '::after').content.replace(/^"|"$/g, ''),
      local: new Date(t.dateTime).toLocaleString(), utcHour: new Date(t.dateTime).getUTCHours() };
  });
  await page.locator(`#task-${taskId}-result`).focus();
  check((await timeShown()).utc === 'none', 'the result link shows a UTC time');
  await page.keyboard.press('Shift+Tab');
  const shown = await timeShown();
  seen.taskTime = shown;
  check(shown.tag === 'TIME' && shown.text === shown.local &&
    new RegExp(`^\\d{4}-\\d\\d-\\d\\d ${String(shown.utcHour).padStart(2, '0')}:\\d\\d:\\d\\d UTC$`).test(shown.utc) &&
    !shown.text.includes(shown.utc.slice(11, 16)), `Shift+Tab from the result reaches ${JSON.stringify(shown)}: want a time in the browser's zone showing its UTC`);
  await shoot(page, 'tasks');

  begin('push to a receiver answering 500');
  await fetch(receiver + '/status?code=500', { method: 'POST' });
  await go(page, '#/config', 'Event configuration');
  await page.getByLabel('PUSH: openvod POSTs each event').check();
  await page.getByLabel('NotificationUrl', { exact: true }).fill(receiver + '/hook');
  await page.getByLabel('SignKey', { exact: true }).fill('consolekey1');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#cfg-message', { hasText: 'Saved: mode PUSH, new SignKey set' }).waitFor();
  check(await page.getByLabel('SignKey', { exact: true }).inputValue() === '', 'the SignKey field is not cleared');
  await page.getByRole('button', { name: 'Send test event' }).click();
  await page.locator('#test-event-result', { hasText: 'receiver says 500' }).waitFor();
  seen.testEvent = await page.locator('#test-event-result').textContent();
  check(seen.testEvent.includes('500'), `Send test event shows ${seen.testEvent}`);
  await shoot(page, 'config');

  begin('open the failed delivery');
  await go(page, '#/events', 'Events');
  // The ClipComplete, emitted in PULL mode, moved to push with the mode.
  const failed = page.locator('tr[data-type="ClipComplete"]').first();
  await failed.waitFor();
  const eventId = await failed.getAttribute('data-event');
  seen.resentEvent = eventId;
  await failed.getByRole('button', { name: 'Open' }).click();
  const detail = page.locator(`#event-${eventId}-detail`);
  await detail.locator('tr.delivery[data-status-code="500"]').waitFor({ timeout: 30000 });
  const attempt = await detail.locator('tr.delivery[data-status-code="500"]').first().textContent();
  check(attempt.includes('receiver says 500') && attempt.includes(receiver + '/hook'), `the failed attempt: ${attempt}`);
  await detail.getByText('"EventType": "ClipComplete"').waitFor();
  await shoot(page, 'events');

  begin('fix the receiver and resend');
  await fetch(receiver + '/status?code=200', { method: 'POST' });
  await detail.getByRole('button', { name: 'Resend' }).click();
  await page.locator(`tr[data-event="${eventId}"][data-status="delivered"]`).waitFor({ timeout: 30000 });
  await detail.locator('tr.delivery[data-status-code="200"]').waitFor();

  begin('filter events');
  await page.getByLabel('Status').selectOption('delivered');
  await page.locator(`tr[data-event="${eventId}"]`).waitFor();
  check(await page.locator('#events-list tr[data-status]:not([data-status="delivered"])').count() === 0, 'the status filter shows other statuses');
  await page.getByLabel('Type').selectOption('ClipComplete');
  await page.locator('#events-list tr[data-type="ClipComplete"]').first().waitFor();

  begin('change the event mode');
  await go(page, '#/config', 'Event configuration');
  await page.getByLabel('PULL: the app fetches events').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#cfg-message', { hasText: 'Saved: mode PULL' }).waitFor();
  await page.reload();
  await heading(page, 'Event configuration');
  check(await page.getByLabel('PULL: the app fetches events').isChecked(), 'PULL is not checked after a reload');

  begin('apps and API keys');
  await go(page, '#/apps', 'Apps and API keys');
  await page.getByRole('button', { name: 'Create API key' }).click();
  await page.locator('#new-secret-key').waitFor();
  const newId = await page.locator('#new-secret-id').textContent();
  const newKey = await page.locator('#new-secret-key').textContent();
  check(newKey.length >= 16, `the new SecretKey shown: ${newKey}`);
  const row = page.locator(`tr[data-secret-id="${newId}"]`);
  await row.waitFor();
  await shoot(page, 'apps');
  await row.getByRole('button', { name: 'Disable key ' + newId }).click();
  await row.getByRole('cell', { name: 'Disabled' }).waitFor();
  await page.reload();
  await heading(page, 'Apps and API keys');
  check(!(await page.content()).includes(newKey), 'the new SecretKey is shown again after a reload');

  begin('sign out');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await heading(page, 'Sign in to openvod');
  await page.goto(consoleURL + '#/events');
  await heading(page, 'Sign in to openvod');
  const after = await page.evaluate(async () => (await fetch('api/call/DescribeEvents', { method: 'POST', body: '{}' })).status);
  check(after === 401, `an action after sign-out answers ${after}, want 401`);
  const sessionAfter = await page.evaluate(async () => (await fetch('api/session')).status);
  check(sessionAfter === 401, `GET api/session after sign-out answers ${sessionAfter}, want 401`);

  begin('no key leak or accessibility violation');
  check(seen.keyLeaks.length === 0, 'requests after sign-in carry the SecretKey: ' + seen.keyLeaks.join(', '));
  check(seen.violations.length === 0, 'serious or critical accessibility violations:\n' + seen.violations.join('\n'));
  check(seen.overflows.length === 0, 'pages wider than the window: ' + seen.overflows.join(', '));
});
