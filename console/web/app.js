// openvod console: one ES module, hash routing (#/media, #/media/<FileId>,
// #/tasks, #/events, #/config, #/apps, #/signin). Every action goes through
// POST api/call/<Action> with the session cookie and the CSRF token; the
// SecretKey is sent once, to api/session, and is never kept: no
// localStorage, sessionStorage or cookie is written here. Live pages listen
// to api/stream (Server-Sent Events) and re-fetch at most once a second.

const main = document.getElementById('main');
const statusBox = document.getElementById('status');
const header = document.getElementById('top');
const picker = document.getElementById('app-picker');

// The signed-in session ({SecretId, CsrfToken, ExpiresAt, Apps}), the app
// shown, the event stream and the page's live handlers.
const state = { session: null, app: null, stream: null, page: null, signInNote: '' };

// The event types openvod emits (the Events page's filter).
const eventTypes = ['NewFileUpload', 'FileDeleted', 'ClipComplete', 'ProcedureStateChanged', 'PullComplete',
  'PersistenceComplete', 'EditMediaComplete', 'ComposeMediaComplete', 'TestEvent'];
const eventStatuses = ['pending', 'leased', 'delivered', 'confirmed', 'expired'];
const taskStatuses = ['WAITING', 'PROCESSING', 'FINISH'];

// ---- DOM ----

// h builds an element: props are attributes, except on* (listeners) and the
// properties value, checked, disabled, hidden, muted; children are nodes or text.
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (['value', 'checked', 'disabled', 'hidden', 'muted'].includes(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// replace sets el's children. When focus was inside el on an element with
// an id, it goes to the new element of that id: a live re-render keeps a
// keyboard user's place.
function replace(el, ...children) {
  const active = document.activeElement;
  const id = active && active !== el && el.contains(active) ? active.id : '';
  el.replaceChildren();
  append(el, children);
  const again = id && document.getElementById(id);
  if (again && el.contains(again)) again.focus();
  return el;
}

// field is a labelled control in a .field block.
function field(label, control, hint) {
  const hintEl = hint ? h('p', { class: 'hint', id: control.id + '-hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

// scroller wraps a wide table so that it scrolls alone on a narrow screen
// (and can be scrolled with the keyboard).
function scroller(label, table) {
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': label + ' table' }, table);
}

// table is a table whose cells are labelled with their column's head, so
// that on a narrow screen each row stacks as label: value lines.
function table(caption, heads, rows) {
  for (const tr of rows.flat()) {
    if (tr.classList.contains('detail')) continue;
    [...tr.children].forEach((td, i) => { if (heads[i]) td.dataset.label = heads[i]; });
  }
  return h('table', { class: 'stack' },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows));
}

function empty(...what) {
  return h('div', { class: 'empty' }, ...what);
}

function say(msg, isError) {
  replace(statusBox, isError ? h('span', { class: 'error' }, msg) : msg);
  clearTimeout(say.timer);
  say.timer = setTimeout(() => replace(statusBox), 8000);
}

// when shows a time in the browser's zone; hovered or reached with the
// keyboard (it is a Tab stop), it shows the UTC time from data-utc beside it.
function when(s) {
  if (!s) return h('span', { class: 'muted' }, '—');
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  const utc = d.toISOString().replace('T', ' ').replace(/(\.000)?Z$/, ' UTC');
  return h('time', { datetime: d.toISOString(), 'data-utc': utc, tabindex: '0' }, d.toLocaleString());
}

function bytes(n) {
  if (!n) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + ' ' + units[i];
}

function seconds(s, digits = 3) {
  return typeof s === 'number' ? s.toFixed(digits) + ' s' : '—';
}

function json(v) {
  return h('pre', { tabindex: 0 }, JSON.stringify(v, null, 2));
}

// kv is a definition list of [label, value] pairs.
function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === '' || v === undefined ? '—' : v)]));
}

// link is a hash link that keeps the app shown.
function href(path, params) {
  const q = new URLSearchParams(params || {});
  if (state.app !== null) q.set('app', state.app);
  return '#/' + path + '?' + q;
}

// local points a URL of this openvod server (/upload/, /vod/, /hls/) at the
// page's own origin when the server's public URL names another one, since
// the console's CSP allows connections to its own origin only.
function local(u) {
  try {
    const url = new URL(u, location.href);
    if (url.origin !== location.origin && /^\/(upload|vod|hls)\//.test(url.pathname)) {
      return location.origin + url.pathname + url.search;
    }
    return url.href;
  } catch {
    return u;
  }
}

// ---- server ----

class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// session asks api/session; body is sent as JSON.
async function session(method, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method === 'DELETE' && state.session) headers['X-CSRF-Token'] = state.session.CsrfToken;
  return fetch('api/session', { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
}

async function errorOf(resp) {
  try {
    const j = await resp.json();
    const e = j.Error || (j.Response && j.Response.Error);
    if (e) return new ApiError(e.Code, e.Message);
  } catch { /* not JSON */ }
  return new ApiError('HTTP' + resp.status, 'The server answered HTTP ' + resp.status + '.');
}

// call runs an API action in the app shown and returns its Response; an
// answer with Error throws an ApiError with Tencent's code and message.
async function call(action, params) {
  if (!state.session) throw new ApiError('AuthFailure', 'Sign in first.');
  const body = { ...params };
  if (state.app !== null && body.SubAppId === undefined) body.SubAppId = state.app;
  const resp = await fetch('api/call/' + action, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': state.session.CsrfToken },
    body: JSON.stringify(body),
    cache: 'no-store',
  });
  if (resp.status === 401) {
    const err = await errorOf(resp);
    sessionEnded('Your session ended (' + err.message + '). Sign in again.');
    throw err;
  }
  if (!resp.ok) throw await errorOf(resp);
  const r = (await resp.json()).Response || {};
  if (r.Error) throw new ApiError(r.Error.Code, r.Error.Message);
  return r;
}

function problem(err) {
  return err.code ? err.code + ': ' + err.message : err.message;
}

// live returns a trigger that runs fn (which returns a promise) at most
// once a second and never twice at once; a trigger while fn runs or waits
// runs it once more afterwards, so that the last change is never missed.
// The second counts from when live is called: a page makes its trigger as
// it loads.
function live(fn) {
  let last = Date.now();
  let timer = null;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    if (running) { again = true; return; }
    running = true;
    last = Date.now();
    try {
      await fn();
    } finally {
      running = false;
      if (again) { again = false; trigger(); }
    }
  };
  const trigger = () => {
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + 1000 - Date.now()));
  };
  return trigger;
}

// listen opens the app's event stream; each message re-runs the page's
// handler of its kind (events or tasks).
function listen() {
  if (state.stream) state.stream.close();
  state.stream = null;
  if (!state.session || state.app === null) return;
  const app = state.app;
  const es = new EventSource('api/stream?SubAppId=' + encodeURIComponent(app));
  for (const kind of ['events', 'tasks']) {
    es.addEventListener(kind, (e) => {
      let data = {};
      try { data = JSON.parse(e.data); } catch { /* a message without data still means: re-fetch */ }
      if (data.SubAppId !== undefined && String(data.SubAppId) !== String(state.app)) return;
      const fn = state.page && state.page[kind];
      if (fn) fn();
    });
  }
  es.addEventListener('error', () => {
    // EventSource reconnects by itself; a closed one means the session is gone.
    if (es.readyState === EventSource.CLOSED && state.stream === es) checkSession();
  });
  state.stream = es;
}

async function checkSession() {
  const resp = await session('GET');
  if (resp.status === 401) sessionEnded('Your session ended. Sign in again.');
}

function sessionEnded(note) {
  if (!state.session) return;
  state.session = null;
  state.signInNote = note;
  if (state.stream) state.stream.close();
  state.stream = null;
  route();
}

// ---- frame ----

function setSession(s) {
  state.session = s;
  const apps = s.Apps || [];
  const want = new URLSearchParams(location.hash.split('?')[1] || '').get('app');
  const known = apps.find((a) => String(a.SubAppId) === want) || apps[0];
  state.app = known ? known.SubAppId : null;
  fillPicker();
  replace(document.getElementById('who'), 'Signed in as ', h('span', { class: 'mono' }, s.SecretId));
  listen();
}

function fillPicker() {
  const apps = (state.session && state.session.Apps) || [];
  replace(picker, apps.map((a) => h('option', { value: String(a.SubAppId), selected: a.SubAppId === state.app },
    (a.Name || 'App') + ' (' + a.SubAppId + ')')));
  if (state.app !== null) picker.value = String(state.app);
}

picker.addEventListener('change', () => {
  const app = (state.session.Apps || []).find((a) => String(a.SubAppId) === picker.value);
  if (!app) return;
  state.app = app.SubAppId;
  listen();
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const q = new URLSearchParams(query || '');
  q.set('app', state.app);
  // Another app's media or event is not this one's: go to the list.
  const page = path.split('/')[0] || 'media';
  location.hash = '#/' + page + '?' + q;
  say('Showing app ' + picker.selectedOptions[0].textContent + '.');
});

document.getElementById('sign-out').addEventListener('click', async () => {
  const resp = await session('DELETE');
  if (resp.status !== 204 && resp.status !== 401) {
    say('Sign-out failed: ' + problem(await errorOf(resp)), true);
    return;
  }
  state.session = null;
  state.signInNote = 'You signed out.';
  if (state.stream) state.stream.close();
  state.stream = null;
  location.hash = '#/signin';
  route();
});

const pages = { signin: signInPage, media: mediaPage, tasks: tasksPage, events: eventsPage, config: configPage, apps: appsPage };

let routeRun = 0;
async function route() {
  const run = ++routeRun;
  if (state.page && state.page.dispose) state.page.dispose();
  state.page = null;
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(query || '');
  let name = parts[0] || 'media';
  if (!state.session) name = 'signin';
  else if (name === 'signin' || !pages[name]) name = 'media';
  header.hidden = !state.session;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
    if (state.session) a.href = href(a.dataset.page);
  }
  if (state.session && q.get('app') !== null && q.get('app') !== String(state.app)) {
    const app = (state.session.Apps || []).find((a) => String(a.SubAppId) === q.get('app'));
    if (app) { state.app = app.SubAppId; fillPicker(); listen(); }
  }
  const view = h('div', {});
  replace(main, view);
  const page = { ok: () => run === routeRun };
  state.page = page;
  try {
    if (name === 'media' && parts[1]) await detailPage(view, parts[1], page);
    else await pages[name](view, q, page);
  } catch (err) {
    if (page.ok()) append(view, h('p', { class: 'error', role: 'alert' }, 'This page could not load: ' + problem(err)));
  }
  const h1 = view.querySelector('h1');
  if (h1) document.title = h1.textContent + ' · openvod console';
}

// The skip link moves focus to the page; followed, its #main would be
// taken for a page by the router.
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});

// Focus moves to the page when another page opens (not when a filter of
// the same page changes the hash).
let lastPage = '';
window.addEventListener('hashchange', () => {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0];
  route();
  if (name !== lastPage) main.focus();
  lastPage = name;
});

// ---- sign-in ----

async function signInPage(view) {
  const id = h('input', { id: 'secret-id', name: 'SecretId', type: 'text', autocomplete: 'off', spellcheck: 'false', required: true });
  const key = h('input', { id: 'secret-key', name: 'SecretKey', type: 'password', autocomplete: 'off', required: true });
  const msg = h('p', { id: 'signin-message', role: 'alert' });
  if (state.signInNote) append(msg, state.signInNote);
  state.signInNote = '';
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'panel signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to openvod'),
    h('p', { class: 'hint' }, 'Use an API key pair of this server. The SecretKey is checked by the server and not kept by this page.'),
    field('SecretId', id), field('SecretKey', key), msg, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    msg.className = '';
    replace(msg, 'Signing in…');
    try {
      const resp = await session('POST', { SecretId: id.value.trim(), SecretKey: key.value });
      if (!resp.ok) {
        const err = await errorOf(resp);
        msg.className = 'error';
        replace(msg, resp.status === 401
          ? 'Wrong SecretId or SecretKey: the server refused this key pair (' + err.message + '). Check both values and try again.'
          : 'Sign-in failed: ' + problem(err));
        key.value = '';
        key.focus();
        return;
      }
      const s = await resp.json();
      key.value = '';
      id.value = '';
      setSession(s);
      const path = location.hash.replace(/^#\/?/, '').split('?')[0];
      location.hash = href(!path || path === 'signin' ? 'media' : path);
      route();
    } catch (err) {
      msg.className = 'error';
      replace(msg, 'Sign-in failed: ' + err.message);
    } finally {
      submit.disabled = false;
    }
  });
  append(view, form);
  id.focus();
}

// ---- media ----

async function mediaPage(view, q, page) {
  const text = q.get('q') || '';
  const order = q.get('order') === 'Asc' ? 'Asc' : 'Desc';
  const offset = Math.max(0, Number(q.get('offset')) || 0);
  const limit = 20;
  const results = h('div', { id: 'media-results' });
  const search = h('input', { id: 'media-search', type: 'search', value: text, placeholder: 'part of a name' });
  const sort = h('select', { id: 'media-sort' },
    h('option', { value: 'Desc', selected: order === 'Desc' }, 'Newest first'),
    h('option', { value: 'Asc', selected: order === 'Asc' }, 'Oldest first'));
  const form = h('form', { class: 'row', role: 'search', 'aria-label': 'Search media' },
    field('Name contains', search), field('Sort by creation time', sort),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Search')));
  const go = (params) => { location.hash = href('media', params); };
  form.addEventListener('submit', (e) => { e.preventDefault(); go({ q: search.value.trim(), order: sort.value }); });
  sort.addEventListener('change', () => go({ q: search.value.trim(), order: sort.value }));
  append(view, h('h1', {}, 'Media'), uploader(() => load()), form, results);

  async function load() {
    const r = await call('SearchMedia', { Text: text || undefined, Sort: { Field: 'CreateTime', Order: order }, Offset: offset, Limit: limit });
    if (!page.ok()) return;
    const set = r.MediaInfoSet || [];
    const total = r.TotalCount || 0;
    if (!set.length) {
      replace(results, empty(text
        ? ['No media has a name containing “' + text + '”. ', h('a', { href: href('media') }, 'Clear the search'), ' or upload a file above.']
        : offset ? ['No media on this page. ', h('a', { href: href('media', { order }) }, 'Go to the first page'), '.']
          : 'No media in this app yet. Drop a video file on the upload area above, or choose one, to add the first.'));
      return;
    }
    const rows = set.map((m) => {
      const b = m.BasicInfo || {};
      const md = m.MetaData || {};
      return h('tr', {},
        h('td', {}, h('a', { href: href('media/' + encodeURIComponent(m.FileId)), id: 'media-' + m.FileId + '-link' }, b.Name || '(no name)')),
        h('td', { class: 'mono' }, m.FileId), h('td', {}, b.Type || '—'),
        h('td', { class: 'num' }, seconds(md.Duration, 1)), h('td', { class: 'num' }, bytes(md.Size)),
        h('td', {}, when(b.CreateTime)));
    });
    const pager = h('nav', { class: 'row', 'aria-label': 'Pages of media' },
      h('button', { type: 'button', id: 'media-previous', disabled: offset === 0, onclick: () => go({ q: text, order, offset: Math.max(0, offset - limit) }) }, 'Previous page'),
      h('span', {}, `${offset + 1}–${offset + set.length} of ${total}`),
      h('button', { type: 'button', id: 'media-next', disabled: offset + set.length >= total, onclick: () => go({ q: text, order, offset: offset + limit }) }, 'Next page'));
    replace(results, scroller('Media list', table('Media', ['Name', 'FileId', 'Type', 'Duration', 'Size', 'Created'], rows)), pager);
  }
  // New media (uploads, clips) emit events.
  page.events = live(() => load().catch((err) => say('Media list: ' + problem(err), true)));
  await load();
}

// uploader is the drop zone: ApplyUpload, a PUT of the file's bytes to
// UploadUrl with a progress bar, then CommitUpload.
function uploader(done) {
  const input = h('input', { id: 'upload-file', type: 'file', accept: 'video/*,audio/*,image/*' });
  const bar = h('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-label': 'Upload progress', hidden: true });
  const pct = h('span', { id: 'upload-percent', 'aria-live': 'polite' });
  const msg = h('p', { id: 'upload-message' });
  const zone = h('section', { class: 'drop', 'aria-labelledby': 'upload-title' },
    h('h2', { id: 'upload-title' }, 'Upload'),
    h('p', {}, 'Drop a file here, or choose one. Its name becomes the media name; its extension the MediaType.'),
    field('File to upload', input), bar, pct, msg);
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files.length) send(e.dataTransfer.files[0]);
  });
  input.addEventListener('change', () => { if (input.files.length) send(input.files[0]); });

  const show = (p) => {
    bar.value = p;
    replace(pct, Math.floor(p) + ' %');
  };
  async function send(file) {
    const dot = file.name.lastIndexOf('.');
    msg.className = '';
    if (dot <= 0) {
      msg.className = 'error';
      replace(msg, 'The file name needs an extension (.mp4, .mov, .mp3, …): it gives the MediaType.');
      return;
    }
    bar.hidden = false;
    show(0);
    input.disabled = true;
    try {
      replace(msg, 'Uploading ' + file.name + '…');
      const applied = await call('ApplyUpload', { MediaType: file.name.slice(dot + 1).toLowerCase(), MediaName: file.name.slice(0, dot) });
      await put(local(applied.UploadUrl), file, show);
      replace(msg, 'Committing ' + file.name + '…');
      const c = await call('CommitUpload', { VodSessionKey: applied.VodSessionKey });
      msg.className = 'okmsg';
      replace(msg, 'Uploaded ' + file.name + ' as ', h('a', { href: href('media/' + encodeURIComponent(c.FileId)) }, c.FileId), '.');
      done();
    } catch (err) {
      msg.className = 'error';
      replace(msg, 'Upload of ' + file.name + ' failed: ' + problem(err));
    } finally {
      input.disabled = false;
      input.value = '';
    }
  }
  return zone;
}

function put(url, file, progress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('PUT', url);
    x.upload.addEventListener('progress', (e) => { if (e.lengthComputable) progress(e.loaded / e.total * 100); });
    x.addEventListener('load', () => {
      if (x.status >= 200 && x.status < 300) { progress(100); resolve(); } else {
        reject(new Error('the upload URL answered HTTP ' + x.status + ': ' + x.responseText.slice(0, 300)));
      }
    });
    x.addEventListener('error', () => reject(new Error('the PUT to the upload URL failed (network error)')));
    x.send(file);
  });
}

// ---- media detail ----

// The members of MediaInfo that list processing's outputs, with their set.
const outputSets = [['TranscodeInfo', 'TranscodeSet', 'Transcodes'], ['AdaptiveDynamicStreamingInfo', 'AdaptiveDynamicStreamingSet', 'Adaptive streams'],
  ['SnapshotByTimeOffsetInfo', 'SnapshotByTimeOffsetSet', 'Snapshots'], ['SampleSnapshotInfo', 'SampleSnapshotSet', 'Sample snapshots'],
  ['ImageSpriteInfo', 'ImageSpriteSet', 'Image sprites'], ['AnimatedGraphicsInfo', 'AnimatedGraphicsSet', 'Animated graphics']];

async function detailPage(view, fileId, page) {
  const back = h('p', {}, h('a', { href: href('media') }, '← All media'));
  const r = await call('DescribeMediaInfos', { FileIds: [fileId] });
  if (!page.ok()) return;
  const info = (r.MediaInfoSet || [])[0];
  if (!info) {
    append(view, back, h('h1', {}, 'Media ' + fileId),
      empty('No media has FileId ' + fileId + ' in this app. It may have been deleted or belong to another app: pick the app above, or go back to the list.'));
    return;
  }
  const b = info.BasicInfo || {};
  const m = info.MetaData || {};
  const video = h('video', { id: 'player', controls: true, muted: true, playsinline: true, preload: 'auto', 'aria-label': 'Player: ' + (b.Name || fileId) });
  const source = h('p', { class: 'hint', id: 'player-source' });
  const hlsItem = ((info.AdaptiveDynamicStreamingInfo || {}).AdaptiveDynamicStreamingSet || [])
    .find((i) => i.Definition === 0 && i.Package === 'HLS');
  let hls = null;
  const stop = () => {
    if (hls) hls.destroy();
    hls = null;
    video.removeAttribute('src');
    video.load();
  };
  const playMP4 = (why) => {
    stop();
    if (!b.MediaUrl) { replace(source, why + ' This media has no MediaUrl to play.'); return; }
    video.src = local(b.MediaUrl);
    replace(source, why + 'Playing the file itself: ', h('span', { class: 'mono' }, b.MediaUrl));
  };
  const playHLS = () => {
    stop();
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({ enableWorker: false });
      hls.on(window.Hls.Events.ERROR, (_, d) => {
        if (!d.fatal) return;
        playMP4('HLS failed (' + d.details + '). ');
        const file = document.getElementById('player-file');
        if (file) file.checked = true;
      });
      hls.loadSource(local(hlsItem.Url));
      hls.attachMedia(video);
      replace(source, 'Playing HLS with hls.js: ', h('span', { class: 'mono' }, hlsItem.Url));
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = local(hlsItem.Url);
      replace(source, 'Playing HLS: ', h('span', { class: 'mono' }, hlsItem.Url));
    } else {
      playMP4('This browser cannot play HLS. ');
    }
  };
  // With both an HLS stream and the file, the viewer picks; HLS first.
  let choice = null;
  if (hlsItem && b.MediaUrl) {
    const radio = (value, label, checked, play) => h('div', { class: 'field inline' },
      h('input', { type: 'radio', name: 'player-source', id: 'player-' + value, value, checked, onchange: play }),
      h('label', { for: 'player-' + value }, label));
    choice = h('fieldset', { class: 'row' }, h('legend', {}, 'Play'),
      radio('hls', 'HLS (Definition 0)', true, playHLS), radio('file', 'The file itself (MediaUrl)', false, () => playMP4('')));
  }
  if (hlsItem) playHLS(); else playMP4('');
  page.dispose = stop;

  const del = h('button', { type: 'button', class: 'danger', id: 'delete-media' }, 'Delete this media');
  del.addEventListener('click', async () => {
    if (!window.confirm('Delete ' + (b.Name || fileId) + ' (' + fileId + ') with all its outputs? This cannot be undone.')) return;
    del.disabled = true;
    try {
      await call('DeleteMedia', { FileId: fileId });
      say('Deleted ' + fileId + '.');
      location.hash = href('media');
    } catch (err) {
      say('Delete failed: ' + problem(err), true);
      del.disabled = false;
    }
  });

  const video0 = (m.VideoStreamSet || [])[0] || {};
  const audio0 = (m.AudioStreamSet || [])[0] || {};
  append(view, back, h('h1', {}, b.Name || fileId),
    h('section', { class: 'panel player', 'aria-labelledby': 'player-title' }, h('h2', { id: 'player-title' }, 'Player'), video, choice, source),
    clipEditor(video, fileId, b, m, page),
    h('section', { class: 'panel', 'aria-labelledby': 'basic-title' }, h('h2', { id: 'basic-title' }, 'BasicInfo'), kv([
      ['FileId', h('span', { class: 'mono' }, fileId)], ['Name', b.Name], ['Description', b.Description], ['Type', b.Type],
      ['Category', b.Category], ['Created', when(b.CreateTime)], ['Updated', when(b.UpdateTime)],
      ['Expires', b.ExpireTime && !b.ExpireTime.startsWith('9999') ? when(b.ExpireTime) : 'never'],
      ['Class', (b.ClassName || '') + ' (' + (b.ClassId || 0) + ')'], ['Source', (b.SourceInfo || {}).SourceType],
      ['MediaUrl', b.MediaUrl ? h('a', { href: local(b.MediaUrl) }, b.MediaUrl) : ''], ['Storage', (b.StorageRegion || '') + ' ' + (b.StoragePath || '')],
    ])),
    h('section', { class: 'panel', 'aria-labelledby': 'meta-title' }, h('h2', { id: 'meta-title' }, 'MetaData'),
      info.MetaDataError ? h('p', { class: 'error' }, 'The metadata could not be read: ' + info.MetaDataError) : null,
      kv([['Container', m.Container], ['Duration', seconds(m.Duration)], ['Size', bytes(m.Size)],
        ['Bitrate', m.Bitrate ? Math.round(m.Bitrate / 1000) + ' kb/s' : ''], ['Resolution', m.Width ? m.Width + ' × ' + m.Height : ''],
        ['Rotate', m.Rotate ? m.Rotate + '°' : ''],
        ['Video', video0.Codec ? `${video0.Codec} ${video0.Width}×${video0.Height}, ${video0.Fps} fps, ${Math.round((video0.Bitrate || 0) / 1000)} kb/s` : ''],
        ['Audio', audio0.Codec ? `${audio0.Codec} ${audio0.SamplingRate} Hz, ${Math.round((audio0.Bitrate || 0) / 1000)} kb/s` : '']]),
      h('details', {}, h('summary', {}, 'MetaData as JSON'), json(m))),
    outputs(info, b),
    h('section', { class: 'panel', 'aria-labelledby': 'delete-title' }, h('h2', { id: 'delete-title' }, 'Delete'),
      h('p', {}, 'Deleting removes the media, its outputs and all their bytes, and emits FileDeleted when that switch is on.'), del));
}

function outputs(info, b) {
  const parts = [];
  if (b.CoverUrl) parts.push(h('h3', {}, 'Cover'), h('div', { class: 'thumbs' }, h('img', { src: local(b.CoverUrl), alt: 'Cover of ' + (b.Name || info.FileId) })));
  for (const [member, set, title] of outputSets) {
    let items = ((info[member] || {})[set] || []);
    if (member === 'TranscodeInfo') items = items.filter((i) => i.Definition !== 0);
    if (member === 'AdaptiveDynamicStreamingInfo') items = items.filter((i) => i.Definition !== 0);
    if (!items.length) continue;
    parts.push(h('h3', {}, title));
    const rows = items.map((i) => {
      const urls = [i.Url, ...(i.ImageUrlSet || []), ...(i.PicInfoSet || []).map((p) => p.Url), i.WebVttUrl].filter(Boolean);
      const images = urls.filter((u) => /\.(jpe?g|png|webp|gif)(\?|$)/i.test(u));
      return h('tr', {},
        h('td', { class: 'num' }, String(i.Definition)),
        h('td', {}, [i.Container, i.Width ? i.Width + '×' + i.Height : '', i.Duration ? seconds(i.Duration, 1) : '', i.Size ? bytes(i.Size) : '', i.Package || '']
          .filter(Boolean).join(' · ') || '—'),
        h('td', {}, images.length
          ? h('div', { class: 'thumbs' }, images.slice(0, 8).map((u, n) => h('a', { href: local(u) }, h('img', { src: local(u), alt: title + ' ' + i.Definition + ' image ' + (n + 1), loading: 'lazy' }))))
          : urls.map((u) => h('div', {}, h('a', { href: local(u), class: 'mono' }, u)))));
    });
    parts.push(scroller(title, table(title, ['Definition', 'Details', 'Files'], rows)));
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'outputs-title' }, h('h2', { id: 'outputs-title' }, 'Processing outputs'),
    parts.length ? parts : empty('No outputs yet. ProcessMedia or a task flow (Procedure) on upload makes transcodes, covers, sprites and snapshots; they show here when done.'));
}

// ---- clip editor ----

// clipEditor steps the player frame by frame on the grid of MetaData's frame
// rate: frame i is shown from i/fps to (i+1)/fps. In is the first frame kept
// and Out the last, so the cut is [In/fps, (Out+1)/fps). StartTimeOffset is
// In's start rounded up to the microsecond (the cutter snaps a start inside
// a frame back to that frame's start) and EndTimeOffset Out's end rounded
// down (the cutter keeps the frames shown before the end).
function clipEditor(video, fileId, b, m, page) {
  const fps = ((m.VideoStreamSet || [])[0] || {}).Fps || 0;
  const duration = m.Duration || 0;
  const section = h('section', { class: 'panel clip', id: 'clip-editor', 'aria-labelledby': 'clip-title' }, h('h2', { id: 'clip-title' }, 'Clip'));
  if (!fps || !duration) {
    return append(section, empty('The clip editor needs the video frame rate and the duration from MetaData, and this media has '
      + (fps ? 'no duration.' : 'no video frame rate.')));
  }
  const frames = Math.max(1, Math.floor(duration * fps + 1e-6));
  const up6 = (x) => Math.ceil(x * 1e6 - 1e-6) / 1e6;
  const down6 = (x) => Math.floor(x * 1e6 + 1e-6) / 1e6;
  const s6 = (x) => x.toFixed(6) + ' s';
  let cur = 0;
  let inF = 0;
  let outF = frames - 1;

  const scrub = h('input', { id: 'clip-scrub', type: 'range', min: 0, max: frames - 1, step: 1, value: 0 });
  const pos = h('output', { id: 'clip-position', for: 'clip-scrub', class: 'times' });
  const inOut = h('div', { id: 'clip-range', class: 'times', 'aria-live': 'polite' });
  const start = () => up6(inF / fps);
  const end = () => down6((outF + 1) / fps);
  const draw = () => {
    scrub.value = cur;
    replace(pos, `Frame ${cur} of ${frames - 1} · shown from ${s6(cur / fps)}`);
    const bad = outF < inF;
    replace(inOut, kv([
      ['In', `frame ${inF}, from ${s6(inF / fps)}`],
      ['Out', `frame ${outF} (the last frame kept), to ${s6((outF + 1) / fps)}`],
      ['Clip', bad ? h('span', { class: 'error' }, 'Out is before In: set Out at or after In.') : `${outF - inF + 1} frames, ${s6((outF + 1 - inF) / fps)}`],
      ['Sent', `StartTimeOffset ${start().toFixed(6)}, EndTimeOffset ${end().toFixed(6)}`],
    ]));
    submit.disabled = bad;
  };
  const seek = (f) => {
    cur = Math.min(frames - 1, Math.max(0, f));
    // The middle of the frame, so that the player shows that frame.
    video.currentTime = Math.min(duration, (cur + 0.5) / fps);
    draw();
  };
  video.addEventListener('timeupdate', () => {
    const f = Math.min(frames - 1, Math.max(0, Math.floor(video.currentTime * fps + 1e-6)));
    if (f !== cur) { cur = f; draw(); }
  });
  scrub.addEventListener('input', () => seek(Number(scrub.value)));
  const btn = (id, label, key, fn) => h('button', { type: 'button', id, 'aria-keyshortcuts': key, onclick: fn }, label);
  const setIn = () => { inF = cur; draw(); };
  const setOut = () => { outF = cur; draw(); };
  const buttons = h('div', { class: 'row' },
    btn('clip-prev', '◀ Previous frame', ',', () => { video.pause(); seek(cur - 1); }),
    btn('clip-next', 'Next frame ▶', '.', () => { video.pause(); seek(cur + 1); }),
    btn('clip-set-in', 'Set In at this frame', 'I', setIn),
    btn('clip-set-out', 'Set Out at this frame', 'O', setOut));
  section.addEventListener('keydown', (e) => {
    if (e.target.matches('input[type=text]') || e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key.toLowerCase();
    if (k === ',') { video.pause(); seek(cur - 1); } else if (k === '.') { video.pause(); seek(cur + 1); } else if (k === 'i') setIn();
    else if (k === 'o') setOut();
    else return;
    e.preventDefault();
  });
  const radio = (value, label, checked) => h('div', { class: 'field inline' },
    h('input', { type: 'radio', name: 'clip-precision', id: 'clip-' + value.toLowerCase(), value, checked }),
    h('label', { for: 'clip-' + value.toLowerCase() }, label));
  const precision = h('fieldset', {}, h('legend', {}, 'Precision'),
    radio('Fast', 'Fast: no re-encoding; decoding starts at the keyframe before In and an edit list hides the lead-in', true),
    radio('Exact', 'Exact: ffmpeg re-encodes the range'));
  const name = h('input', { id: 'clip-name', type: 'text', value: (b.Name || 'clip') + ' clip' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'clip-submit' }, 'Create the clip');
  const result = h('div', { id: 'clip-result', 'aria-live': 'polite' });
  const form = h('form', {}, precision, field('Name of the clip', name), submit, result);
  let wanted = null;
  let after = 0;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const chosen = form.querySelector('input[name=clip-precision]:checked').value;
    try {
      const r = await call('ClipVideo', { FileId: fileId, StartTimeOffset: start(), EndTimeOffset: end(), Precision: chosen, MediaName: name.value });
      wanted = r.TaskId;
      replace(result, h('p', {}, 'Clip task ', h('span', { class: 'mono', id: 'clip-task' }, r.TaskId),
        ' queued. Waiting for its ClipComplete event…'));
      findClipComplete();
    } catch (err) {
      replace(result, h('p', { class: 'error' }, 'ClipVideo refused the clip: ' + problem(err)));
    } finally {
      submit.disabled = false;
    }
  });
  // findClipComplete looks through the app's ClipComplete events not seen
  // yet (oldest first, after Seq after) for the one of the task asked.
  const findClipComplete = async () => {
    for (;;) {
      if (!wanted || !page.ok()) return;
      const set = eventList(await call('DescribeEvents', { EventType: 'ClipComplete', AfterSeq: after, Limit: 100 }));
      for (const ev of set) {
        if (!wanted || !page.ok()) return;
        const body = await eventBody(ev);
        after = Math.max(after, ev.Seq);
        const c = body && body.ClipCompleteEvent;
        if (c && c.TaskId === wanted) return showClipComplete(ev, body, c);
      }
      if (set.length < 100) return;
    }
  };
  const showClipComplete = async (ev, body, c) => {
    const taskId = wanted;
    wanted = null;
    const detail = await call('DescribeTaskDetail', { TaskId: taskId }).catch(() => null);
    const ct = (detail && detail.ClipTask) || {};
    const fi = c.FileInfo || {};
    replace(result, h('div', { id: 'clip-complete' },
      h('h3', {}, 'ClipComplete arrived'),
      kv([['Event', h('a', { href: href('events', { open: ev.EventId }) }, ev.EventId)], ['Task', taskId],
        ['Result', fi.ErrCode ? h('span', { class: 'error' }, 'failed: ' + fi.ErrCode + ' ' + (fi.Message || '')) : h('span', { class: 'okmsg' }, 'done')],
        ['New media', fi.FileId ? h('a', { href: href('media/' + encodeURIComponent(fi.FileId)) }, fi.FileId) : ''],
        ['Precision used', ct.Precision], ['Cut made', typeof ct.EffectiveStartTime === 'number' ? `${s6(ct.EffectiveStartTime)} to ${s6(ct.EffectiveEndTime)}` : '']]),
      h('details', {}, h('summary', {}, 'The event body'), json(body))));
  };
  const look = live(() => findClipComplete().catch((err) => say('ClipComplete: ' + problem(err), true)));
  page.events = look;
  page.tasks = look;
  append(section, h('p', { class: 'hint' }, `Steps are frames at ${fps} frames per second (MetaData); keys: , and . step a frame, I sets In, O sets Out.`),
    field('Position (frame)', scrub), pos, buttons, inOut, form);
  draw();
  return section;
}

// ---- events ----

// eventList is the EventSet of a DescribeEvents answer.
function eventList(r) {
  return r.EventSet || r.Events || [];
}

function eventStatus(ev) {
  return ev.Status || ev.State || '';
}

// eventBody returns the event's body as the app receives it, parsed.
async function eventBody(ev) {
  let body = ev.Body;
  if (body === undefined) {
    const r = await call('DescribeEvents', { EventId: ev.EventId });
    const one = eventList(r)[0] || r;
    body = one.Body;
  }
  if (typeof body === 'string') {
    try { return JSON.parse(body); } catch { return body; }
  }
  return body;
}

async function eventsPage(view, q, page) {
  const type = q.get('type') || '';
  const status = q.get('status') || '';
  const open = new Set(q.get('open') ? [q.get('open')] : []);
  const typeSel = h('select', { id: 'events-type' }, h('option', { value: '' }, 'All types'),
    eventTypes.map((t) => h('option', { value: t, selected: t === type }, t)));
  const statusSel = h('select', { id: 'events-status' }, h('option', { value: '' }, 'All statuses'),
    eventStatuses.map((s) => h('option', { value: s, selected: s === status }, s)));
  const go = () => { location.hash = href('events', { type: typeSel.value, status: statusSel.value }); };
  typeSel.addEventListener('change', go);
  statusSel.addEventListener('change', go);
  const list = h('div', { id: 'events-list' });
  append(view, h('h1', {}, 'Events'),
    h('p', { class: 'hint' }, 'The newest 100 events of this app, newest first, and how each was delivered: pushed to the NotificationUrl or pulled with PullEvents. The list follows new events as they happen.'),
    h('form', { class: 'row', 'aria-label': 'Filter events' }, field('Type', typeSel), field('Status', statusSel)), list);

  const details = new Map();
  // DescribeEvents lists oldest first after a Seq: the page walks the log
  // once to its end, then re-reads only from the start of the newest 100.
  let from = 0;
  async function newest() {
    let all = [];
    for (let after = from; ;) {
      const set = eventList(await call('DescribeEvents', { EventType: type || undefined, Status: status || undefined, AfterSeq: after, Limit: 100 }));
      all = all.concat(set).slice(-100);
      if (set.length < 100) break;
      after = set[set.length - 1].Seq;
    }
    if (all.length) from = all[0].Seq - 1;
    return all.reverse();
  }
  async function load() {
    const set = await newest();
    if (!page.ok()) return;
    if (!set.length) {
      replace(list, empty(type || status
        ? ['No event matches these filters. ', h('a', { href: href('events') }, 'Show all events'), '.']
        : ['No events in this app yet. Upload a file on the ', h('a', { href: href('media') }, 'Media'), ' page, or send a test event from ',
          h('a', { href: href('config') }, 'Event configuration'), '.']));
      return;
    }
    const rows = [];
    for (const ev of set) {
      const id = 'event-' + ev.EventId;
      const isOpen = open.has(ev.EventId);
      const toggle = h('button', { type: 'button', id: id + '-toggle', 'aria-expanded': String(isOpen), 'aria-controls': id + '-detail', class: 'event-open', 'data-event': ev.EventId },
        isOpen ? 'Close' : 'Open');
      toggle.addEventListener('click', () => {
        if (open.has(ev.EventId)) open.delete(ev.EventId); else open.add(ev.EventId);
        load().catch((err) => say('Events: ' + problem(err), true));
      });
      const st = eventStatus(ev);
      rows.push(h('tr', { id, 'data-event': ev.EventId, 'data-type': ev.EventType, 'data-status': st },
        h('td', { class: 'num' }, String(ev.Seq)), h('td', {}, ev.EventType), h('td', { class: 'mono' }, ev.EventId),
        h('td', {}, when(ev.CreateTime)), h('td', { class: 'state state-' + st }, st),
        h('td', { class: 'num' }, String(ev.Attempts ?? 0)), h('td', { class: 'num' }, String(ev.Pulls ?? 0)), h('td', {}, toggle)));
      if (isOpen) {
        let cell = details.get(ev.EventId);
        if (!cell) { cell = h('td', { colspan: 8 }); details.set(ev.EventId, cell); }
        rows.push(h('tr', { class: 'detail', id: id + '-detail' }, cell));
        eventDetail(cell, ev).catch((err) => replace(cell, h('p', { class: 'error' }, problem(err))));
      }
    }
    replace(list, scroller('Events', table('Events', ['Seq', 'Type', 'EventId', 'Created', 'Status', 'Attempts', 'Pulls', 'Details'], rows)));
  }

  async function eventDetail(cell, ev) {
    const [body, deliveries] = await Promise.all([eventBody(ev), call('DescribeEventDeliveries', { EventId: ev.EventId, Limit: 100 })]);
    if (!page.ok()) return;
    const set = deliveries.DeliverySet || [];
    const resend = h('button', { type: 'button', class: 'primary', id: 'resend-' + ev.EventId }, 'Resend');
    const note = h('span', { 'aria-live': 'polite' });
    resend.addEventListener('click', async () => {
      resend.disabled = true;
      try {
        const r = await call('ResendEvents', { EventIds: [ev.EventId] });
        replace(note, (r.NotExistEventIdSet || []).length ? 'This event no longer exists.' : ' Queued again: it is delivered by the current mode.');
        load().catch(() => {});
      } catch (err) {
        replace(note, h('span', { class: 'error' }, ' Resend failed: ' + problem(err)));
      } finally {
        resend.disabled = false;
      }
    });
    const attempts = set.length
      ? scroller('Delivery attempts', table('Delivery attempts of ' + ev.EventId, ['Time', 'URL', 'Status code', 'Latency', 'Error', 'Response excerpt'],
        set.map((d) => h('tr', { class: 'delivery', 'data-status-code': String(d.StatusCode) },
          h('td', {}, when(d.Time)), h('td', { class: 'mono' }, d.Url || '—'),
          h('td', { class: 'num ' + (d.Error ? 'state-failed' : 'state-ok') }, d.StatusCode ? String(d.StatusCode) : 'no answer'),
          h('td', { class: 'num' }, typeof d.LatencyMs === 'number' ? d.LatencyMs.toFixed(1) + ' ms' : '—'),
          h('td', {}, d.Error || h('span', { class: 'okmsg' }, 'delivered')),
          h('td', {}, d.ResponseExcerpt ? h('code', {}, d.ResponseExcerpt) : '—')))))
      : empty('No push attempt yet. In PULL mode the app pulls the event with PullEvents; in PUSH mode openvod POSTs it to the NotificationUrl, and each attempt shows here.');
    replace(cell, h('h2', {}, 'Body (as the app receives it)'), json(body), h('h2', {}, 'Delivery attempts'), attempts, h('div', { class: 'row' }, resend, note));
  }

  page.events = live(() => load().catch((err) => say('Events: ' + problem(err), true)));
  await load();
}

// ---- tasks ----

// taskPart returns the task's own member of DescribeTaskDetail (ClipTask,
// PullUploadTask, ProcedureTask, …).
function taskPart(d) {
  for (const [k, v] of Object.entries(d || {})) {
    if (/Task$/.test(k) && v && typeof v === 'object' && !Array.isArray(v)) return v;
  }
  return {};
}

async function tasksPage(view, q, page) {
  const status = q.get('status') || '';
  const sel = h('select', { id: 'tasks-status' }, h('option', { value: '' }, 'All statuses'),
    taskStatuses.map((s) => h('option', { value: s, selected: s === status }, s)));
  sel.addEventListener('change', () => { location.hash = href('tasks', { status: sel.value }); });
  const list = h('div', { id: 'tasks-list' });
  append(view, h('h1', {}, 'Tasks'),
    h('p', { class: 'hint' }, 'Uploads from URLs, clips and task flows of this app, newest first; status and progress follow as they run.'),
    h('form', { class: 'row', 'aria-label': 'Filter tasks' }, field('Status', sel)), list);
  const open = new Set();
  const finished = new Map();
  let limit = 20;
  async function load() {
    const r = await call('DescribeTasks', { Status: status || undefined, Limit: limit });
    if (!page.ok()) return;
    const set = r.TaskSet || [];
    if (!set.length) {
      replace(list, empty(status ? ['No task is ' + status + '. ', h('a', { href: href('tasks') }, 'Show all tasks'), '.']
        : ['No tasks yet. Clip a video on its page in ', h('a', { href: href('media') }, 'Media'), ', or start a PullUpload or ProcessMedia with the API.']));
      return;
    }
    // A finished task's detail does not change: it is asked once.
    const details = await Promise.all(set.map((t) => finished.get(t.TaskId) || call('DescribeTaskDetail', { TaskId: t.TaskId })
      .then((d) => { if (d.Status === 'FINISH') finished.set(t.TaskId, d); return d; })
      .catch((err) => ({ failed: problem(err) }))));
    if (!page.ok()) return;
    const rows = [];
    set.forEach((t, i) => {
      const d = details[i];
      const part = taskPart(d);
      const fi = part.FileInfo || {};
      const errCode = part.ErrCode || fi.ErrCode || 0;
      const message = part.Message || fi.Message || part.ErrCodeExt || '';
      const fileId = part.FileId || fi.FileId || '';
      const st = d.Status || t.Status;
      const progress = st === 'FINISH' ? 100 : Number(t.Progress ?? part.Progress ?? 0);
      const isOpen = open.has(t.TaskId);
      const toggle = h('button', { type: 'button', id: 'task-' + t.TaskId + '-toggle', 'aria-expanded': String(isOpen), 'aria-controls': 'task-' + t.TaskId + '-detail' },
        isOpen ? 'Close' : 'Details');
      toggle.addEventListener('click', () => {
        if (open.has(t.TaskId)) open.delete(t.TaskId); else open.add(t.TaskId);
        load().catch((err) => say('Tasks: ' + problem(err), true));
      });
      rows.push(h('tr', { 'data-task': t.TaskId, 'data-status': st },
        h('td', { class: 'mono' }, t.TaskId), h('td', {}, d.TaskType || t.TaskType), h('td', { class: 'state state-' + st }, st),
        h('td', {}, h('progress', { max: 100, value: progress, 'aria-label': 'Progress of ' + t.TaskId }), ' ' + progress + ' %'),
        h('td', {}, when(d.CreateTime || t.CreateTime)), h('td', {}, when(d.BeginProcessTime || t.BeginProcessTime)), h('td', {}, when(d.FinishTime || t.FinishTime)),
        h('td', {}, d.failed ? h('span', { class: 'error' }, d.failed) : errCode ? h('span', { class: 'error' }, errCode + ' ' + message) : '—'),
        h('td', {}, fileId ? h('a', { href: href('media/' + encodeURIComponent(fileId)), id: 'task-' + t.TaskId + '-result' }, fileId) : '—'),
        h('td', {}, toggle)));
      if (isOpen) rows.push(h('tr', { class: 'detail', id: 'task-' + t.TaskId + '-detail' }, h('td', { colspan: 10 }, h('h2', {}, 'DescribeTaskDetail'), json(d))));
    });
    const more = r.ScrollToken || set.length >= limit
      ? h('button', { type: 'button', id: 'tasks-more', onclick: () => { limit = Math.min(100, limit + 20); load(); }, disabled: limit >= 100 }, 'Show more tasks') : null;
    replace(list, scroller('Tasks', table('Tasks', ['TaskId', 'Type', 'Status', 'Progress', 'Created', 'Began', 'Finished', 'Error', 'Result', 'Details'], rows)), more);
  }
  page.tasks = live(() => load().catch((err) => say('Tasks: ' + problem(err), true)));
  await load();
}

// ---- event configuration ----

const switches = [['UploadMediaCompleteEventSwitch', 'NewFileUpload when an upload completes'],
  ['DeleteMediaCompleteEventSwitch', 'FileDeleted when media is deleted'],
  ['PersistenceCompleteEventSwitch', 'PersistenceComplete events']];

// webhookSecret returns a new Standard Webhooks secret: whsec_ and 32
// random bytes in base64.
function webhookSecret() {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return 'whsec_' + btoa(String.fromCharCode(...b));
}

async function configPage(view, q, page) {
  append(view, h('h1', {}, 'Event configuration'));
  const cfg = await call('DescribeEventConfig', {});
  if (!page.ok()) return;
  const mode = (value, label) => h('div', { class: 'field inline' },
    h('input', { type: 'radio', name: 'cfg-mode', id: 'cfg-mode-' + value.toLowerCase(), value, checked: cfg.Mode === value }),
    h('label', { for: 'cfg-mode-' + value.toLowerCase() }, label));
  const url = h('input', { id: 'cfg-url', type: 'url', value: cfg.NotificationUrl || '', placeholder: 'https://app.example/vod-events', size: 40 });
  const boxes = switches.map(([k, label]) => h('div', { class: 'field inline' },
    h('input', { type: 'checkbox', id: 'cfg-' + k, checked: cfg[k] === 'ON' }), h('label', { for: 'cfg-' + k }, label)));
  const signKey = h('input', { id: 'cfg-signkey', type: 'password', autocomplete: 'off', maxlength: 32 });
  const removeKey = h('input', { type: 'checkbox', id: 'cfg-signkey-remove' });
  const msg = h('p', { id: 'cfg-message', 'aria-live': 'polite' });
  const form = h('form', { class: 'panel', 'aria-labelledby': 'cfg-title' },
    h('h2', { id: 'cfg-title' }, 'Delivery'),
    h('fieldset', {}, h('legend', {}, 'Mode'),
      mode('PUSH', 'PUSH: openvod POSTs each event to the NotificationUrl, retrying failures'),
      mode('PULL', 'PULL: the app fetches events with PullEvents and confirms them')),
    field('NotificationUrl', url, 'Where PUSH mode sends events (http or https).'),
    h('fieldset', {}, h('legend', {}, 'Switches'), boxes),
    field('SignKey', signKey, 'Signs pushed events (Sign = MD5(SignKey + t)). Never shown back; leave empty to keep the current one. Up to 32 letters and digits.'),
    h('div', { class: 'field inline' }, removeKey, h('label', { for: 'cfg-signkey-remove' }, 'Remove the SignKey')),
    h('button', { type: 'submit', class: 'primary', id: 'cfg-save' }, 'Save'), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const p = { Mode: form.querySelector('input[name=cfg-mode]:checked')?.value, NotificationUrl: url.value.trim() };
    for (const [k] of switches) p[k] = document.getElementById('cfg-' + k).checked ? 'ON' : 'OFF';
    if (removeKey.checked) p.SignKey = '';
    else if (signKey.value) p.SignKey = signKey.value;
    try {
      await call('ModifyEventConfig', p);
      signKey.value = '';
      removeKey.checked = false;
      msg.className = 'okmsg';
      replace(msg, 'Saved: mode ' + p.Mode + (p.SignKey !== undefined ? (p.SignKey ? ', new SignKey set' : ', SignKey removed') : '') + '.');
    } catch (err) {
      msg.className = 'error';
      replace(msg, 'Not saved: ' + problem(err));
    }
  });

  const secretOut = h('div', { id: 'whsec-out', 'aria-live': 'polite' });
  const rotate = h('button', { type: 'button', id: 'whsec-rotate' }, 'Rotate the webhook secret');
  const off = h('button', { type: 'button', id: 'whsec-off' }, 'Turn webhook signing off');
  rotate.addEventListener('click', async () => {
    const secret = webhookSecret();
    try {
      await call('ModifyEventConfig', { WebhookSecret: secret });
      replace(secretOut, h('p', {}, 'New webhook secret, shown this once: give it to the receiver now.'), h('p', { class: 'secret' }, secret));
    } catch (err) {
      replace(secretOut, h('p', { class: 'error' }, 'Not rotated: ' + problem(err)));
    }
  });
  off.addEventListener('click', async () => {
    try {
      await call('ModifyEventConfig', { WebhookSecret: '' });
      replace(secretOut, h('p', {}, 'Webhook signing is off.'));
    } catch (err) {
      replace(secretOut, h('p', { class: 'error' }, problem(err)));
    }
  });

  const testOut = h('div', { id: 'test-event-result', 'aria-live': 'polite' });
  const test = h('button', { type: 'button', id: 'test-event' }, 'Send test event');
  test.addEventListener('click', async () => {
    test.disabled = true;
    replace(testOut, 'Sending…');
    try {
      const r = await call('SendTestEvent', {});
      replace(testOut, kv([['Status code', r.StatusCode ? String(r.StatusCode) : 'no answer'],
        ['Latency', typeof r.LatencyMs === 'number' ? r.LatencyMs.toFixed(1) + ' ms' : '—'],
        ['Error', r.ErrorMessage ? h('span', { class: 'error' }, r.ErrorMessage) : h('span', { class: 'okmsg' }, 'none: the receiver accepted it')],
        ['Response excerpt', r.ResponseExcerpt ? h('code', {}, r.ResponseExcerpt) : '—']]));
    } catch (err) {
      replace(testOut, h('p', { class: 'error' }, 'Not sent: ' + problem(err)));
    } finally {
      test.disabled = false;
    }
  });

  append(view, form,
    h('section', { class: 'panel', 'aria-labelledby': 'whsec-title' }, h('h2', { id: 'whsec-title' }, 'Webhook secret (Standard Webhooks)'),
      h('p', { class: 'hint' }, 'A webhook secret adds webhook-id, webhook-timestamp and webhook-signature headers to pushed events. It is never shown back: rotating shows the new one once.'),
      h('div', { class: 'row' }, rotate, off), secretOut),
    h('section', { class: 'panel', 'aria-labelledby': 'test-title' }, h('h2', { id: 'test-title' }, 'Test the receiver'),
      h('p', { class: 'hint' }, 'POSTs a test event to the saved NotificationUrl now and shows what the receiver answered.'), test, testOut));
}

// ---- apps and API keys ----

async function refreshApps() {
  const resp = await session('GET');
  if (!resp.ok) return;
  const s = await resp.json();
  state.session.Apps = s.Apps || [];
  fillPicker();
}

async function appsPage(view, q, page) {
  append(view, h('h1', {}, 'Apps and API keys'));
  const [apps, keys] = await Promise.all([call('DescribeSubAppIds', {}), call('DescribeApiKeys', {})]);
  if (!page.ok()) return;
  const appSet = apps.SubAppIdInfoSet || [];
  const keySet = keys.ApiKeySet || [];
  const appName = h('input', { id: 'app-name', type: 'text', required: true, maxlength: 40 });
  const appMsg = h('p', { 'aria-live': 'polite', id: 'app-message' });
  const appForm = h('form', { class: 'row', 'aria-label': 'Create an app' }, field('Name of the new app', appName),
    h('div', { class: 'field' }, h('button', { type: 'submit', class: 'primary' }, 'Create app')));
  appForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await call('CreateSubAppId', { Name: appName.value.trim() });
      await refreshApps();
      say('Created app ' + r.SubAppId + '.');
      route();
    } catch (err) {
      appMsg.className = 'error';
      replace(appMsg, 'Not created: ' + problem(err));
    }
  });

  const keyOut = h('div', { id: 'key-out', 'aria-live': 'polite' });
  const keyForm = h('form', { class: 'row', 'aria-label': 'Create an API key' },
    h('p', { class: 'hint' }, 'A key pair signs requests to every app of this server, and signs in here.'),
    h('div', { class: 'field' }, h('button', { type: 'submit', class: 'primary', id: 'key-create' }, 'Create API key')));
  keyForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await call('CreateApiKey', {});
      await renderKeys();
      replace(keyOut, h('p', {}, 'New key created. The SecretKey is shown this once: copy it now.'),
        kv([['SecretId', h('span', { class: 'secret', id: 'new-secret-id' }, r.SecretId)], ['SecretKey', h('span', { class: 'secret', id: 'new-secret-key' }, r.SecretKey)]]));
    } catch (err) {
      replace(keyOut, h('p', { class: 'error' }, 'Not created: ' + problem(err)));
    }
  });
  const keyList = h('div', { id: 'keys-list' });
  async function renderKeys(set) {
    if (!set) {
      const r = await call('DescribeApiKeys', {});
      set = r.ApiKeySet || [];
    }
    if (!page.ok()) return;
    if (!set.length) { replace(keyList, empty('No API keys. Create one below.')); return; }
    replace(keyList, scroller('API keys', table('API keys', ['SecretId', 'Status', 'Created', 'Disabled', 'Action'], set.map((k) => {
      const enabled = (k.Status || 'Enabled').toLowerCase() !== 'disabled';
      const dis = h('button', { type: 'button', class: 'danger', id: 'key-' + k.SecretId + '-disable', disabled: !enabled || k.SecretId === state.session.SecretId },
        k.SecretId === state.session.SecretId ? 'In use by you' : 'Disable');
      if (k.SecretId !== state.session.SecretId) dis.setAttribute('aria-label', 'Disable key ' + k.SecretId);
      dis.addEventListener('click', async () => {
        if (!window.confirm('Disable the key ' + k.SecretId + '? Requests signed with it will be refused.')) return;
        try {
          await call('DisableApiKey', { SecretId: k.SecretId });
          say('Disabled ' + k.SecretId + '.');
          await renderKeys();
        } catch (err) {
          say('Not disabled: ' + problem(err), true);
        }
      });
      return h('tr', { 'data-secret-id': k.SecretId }, h('td', { class: 'mono' }, k.SecretId),
        h('td', {}, k.Status || 'Enabled'), h('td', {}, when(k.CreateTime)), h('td', {}, when(k.DisableTime)), h('td', {}, dis));
    }))));
  }
  await renderKeys(keySet);
  append(view,
    h('section', { class: 'panel', 'aria-labelledby': 'apps-title' }, h('h2', { id: 'apps-title' }, 'Apps'),
      appSet.length ? scroller('Apps', table('Apps', ['SubAppId', 'Name', 'Status', 'Created'], appSet.map((a) => h('tr', {},
        h('td', { class: 'num' }, String(a.SubAppId)), h('td', {}, a.Name || a.SubAppIdName || '—'), h('td', {}, a.Status || '—'), h('td', {}, when(a.CreateTime))))))
        : empty('No apps. Create one below.'),
      h('h3', {}, 'Create an app'), appForm, appMsg),
    h('section', { class: 'panel', 'aria-labelledby': 'keys-title' }, h('h2', { id: 'keys-title' }, 'API keys'), keyList,
      h('h3', {}, 'Create an API key'), keyForm, keyOut));
}

// ---- start ----

(async () => {
  try {
    const resp = await session('GET');
    if (resp.ok) setSession(await resp.json());
  } catch (err) {
    state.signInNote = 'The server could not be reached: ' + err.message;
  }
  route();
})();
