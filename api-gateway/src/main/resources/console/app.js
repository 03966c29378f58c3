// The virtflow ops console: plain JavaScript, no build step, no library (api-gateway/README.md, "Ops console").
//
// What it holds to:
// - The token comes from the sign-in form or from a link /#token=... (a fragment never reaches a server); it is
//   kept in sessionStorage (this tab only) and sent only as "Authorization: Bearer" to this gateway's /v1.
//   It never goes into a URL: the live stream is read with fetch() and a streaming body, not EventSource
//   (which cannot send headers), and the SSE frames are parsed here.
// - Everything is asked of the same /v1 API that curl uses, with the same roles and projects; the page never
//   decides for the API: every action is offered, and a refusal shows what the API said (the problem's
//   detail, or the command's code and message when its host refused it).
// - Data never becomes markup: text goes in with textContent, elements are built with createElement.
'use strict';

(function () {
  const TOKEN_KEY = 'virtflow.token';
  const HOSTS_EVERY_MS = 5000;
  const TASKS_EVERY_MS = 3000;
  const DOMAINS_EVERY_MS = 15000;
  const SNAPSHOTS_EVERY_MS = 5000;
  const BUS_EVERY_MS = 5000;
  const TASKS_SHOWN = 50;
  const NOTICES_KEPT = 6;
  const ACTIONS = [
    { op: 'start', label: 'Start' },
    { op: 'shutdown', label: 'Shut down' },
    { op: 'suspend', label: 'Suspend' },
    { op: 'resume', label: 'Resume' },
    { op: 'destroy', label: 'Destroy', confirm: (d) => 'Destroy domain "' + d.name + '"? It is powered off at once; '
        + 'its guest is not asked to shut down.' },
  ];

  const state = {
    token: null,
    claims: null,
    signedIn: false,
    view: 'overview',
    hosts: [],
    hostsFetchedAt: 0,
    domains: new Map(),
    commands: [],
    clockOffsetMs: 0,
    selected: null,
    tree: null,
    domainTasks: [],
    bus: null,
    lastEventId: null,
    stream: null,
    timers: [],
    busy: new Set(),
    due: new Map(),
  };

  // ------------------------------------------------------------------------------------------ DOM helpers

  function $(id) {
    return document.getElementById(id);
  }

  /** h('td', {class: 'x', dataset: {id: 1}, onclick: f}, 'text', child, ...): text is always text. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) {
        continue;
      }
      if (k === 'class') {
        el.className = v;
      } else if (k === 'dataset') {
        Object.assign(el.dataset, v);
      } else if (k.startsWith('on')) {
        el.addEventListener(k.slice(2), v);
      } else if (v === true) {
        el.setAttribute(k, '');
      } else {
        el.setAttribute(k, String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) {
        continue;
      }
      el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) {
      el.removeChild(el.firstChild);
    }
    return el;
  }

  function show(el, visible) {
    el.hidden = !visible;
  }

  function setError(id, message) {
    const el = $(id);
    el.textContent = message || '';
    show(el, !!message);
  }

  function badge(text, cls) {
    return h('span', { class: 'badge ' + (cls || '') }, text);
  }

  function shortId(id) {
    return id ? id.slice(0, 8) : '';
  }

  function fmtAge(ms) {
    if (ms === null || ms === undefined || isNaN(ms)) {
      return '';
    }
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) {
      return s + 's';
    }
    const m = Math.floor(s / 60);
    if (m < 60) {
      return m + 'm ' + (s % 60) + 's';
    }
    const hrs = Math.floor(m / 60);
    if (hrs < 48) {
      return hrs + 'h ' + (m % 60) + 'm';
    }
    return Math.floor(hrs / 24) + 'd ' + (hrs % 24) + 'h';
  }

  function fmtTime(iso) {
    if (!iso) {
      return '';
    }
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  /** The gateway's clock now, from the last `now` it sent (ages are the gateway's, not this browser's). */
  function serverNow() {
    return Date.now() + state.clockOffsetMs;
  }

  /** An element whose text is the age of a gateway time, kept current by the ticker. */
  function ageOf(iso) {
    return h('span', { class: 'age', dataset: { since: iso || '' } }, iso ? fmtAge(serverNow() - Date.parse(iso)) : '');
  }

  function tick() {
    for (const el of document.querySelectorAll('[data-since]')) {
      if (el.dataset.since) {
        el.textContent = fmtAge(serverNow() - Date.parse(el.dataset.since));
      }
    }
    for (const el of document.querySelectorAll('[data-seen]')) {
      el.textContent = fmtAge(Date.now() - Number(el.dataset.seen)) + ' ago';
    }
  }

  // ------------------------------------------------------------------------------------------ the token

  /** A token given as /#token=...: taken, and wiped from the address bar and the history entry. */
  function tokenFromFragment() {
    const m = /^#token=(.+)$/.exec(location.hash);
    if (!m) {
      return null;
    }
    history.replaceState(null, '', location.pathname + location.search);
    try {
      return decodeURIComponent(m[1]);
    } catch (e) {
      return m[1];
    }
  }

  /** What the token says of itself, for display only: the gateway verifies it, this page does not. */
  function claimsOf(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const bin = atob(part + '='.repeat((4 - part.length % 4) % 4));
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
    } catch (e) {
      return null;
    }
  }

  // ------------------------------------------------------------------------------------------ the API

  class Problem extends Error {
    constructor(status, body, fallback) {
      super((body && (body.detail || body.title)) || fallback || ('HTTP ' + status));
      this.status = status;
      this.code = body && body.code;
      this.field = body && body.field;
    }
  }

  /** One /v1 call with the signed-in token; a refusal throws a Problem carrying the problem document's detail. */
  async function api(method, path, body) {
    const headers = { 'Authorization': 'Bearer ' + state.token, 'Accept': 'application/json' };
    const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new Problem(0, null, 'the gateway did not answer (' + e.message + ')');
    }
    const text = await res.text();
    let json = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch (e) {
        json = null;
      }
    }
    if (!res.ok) {
      const p = new Problem(res.status, json, text);
      if (res.status === 401 && state.signedIn) {
        signOut('The gateway no longer accepts the token: ' + p.message);
      }
      throw p;
    }
    return json;
  }

  function enc(s) {
    return encodeURIComponent(s);
  }

  // ------------------------------------------------------------------------------------------ notices

  function notice(kind, what, message) {
    const box = $('notices');
    const n = h('div', { class: 'notice ' + kind },
      h('span', { class: 'what' }, what), h('span', { class: 'msg' }, message),
      h('button', { type: 'button', class: 'close', title: 'dismiss', onclick: () => n.remove() }, '\u00d7'));
    box.prepend(n);
    while (box.children.length > NOTICES_KEPT) {
      box.lastElementChild.remove();
    }
    return n;
  }

  /** A success goes by itself after 10 s, anything else after a minute (or when dismissed). */
  function updateNotice(n, kind, message) {
    n.className = 'notice ' + kind;
    n.querySelector('.msg').textContent = message;
    if (kind !== 'pending') {
      setTimeout(() => n.remove(), kind === 'ok' ? 10000 : 60000);
    }
  }

  function describeProblem(p) {
    return (p.code ? p.code + ': ' : '') + p.message;
  }

  /**
   * One action: the call, then its command followed to its end. Shows "accepted", then the end: SUCCEEDED,
   * or the status with the code and message its host (or the snapshot service) gave. A refusal of the call
   * itself shows the problem's detail.
   */
  async function act(what, method, path, body) {
    const n = notice('pending', what, 'sending\u2026');
    try {
      const accepted = await api(method, path, body);
      updateNotice(n, 'pending', 'accepted (command ' + shortId(accepted.commandId) + '), waiting for it to end\u2026');
      schedule('tasks', 0);
      const end = await follow(accepted.commandId);
      if (end.status === 'SUCCEEDED') {
        updateNotice(n, 'ok', 'SUCCEEDED');
      } else if (end.status === 'CANCELLED') {
        updateNotice(n, 'info', 'CANCELLED' + (end.message ? ': ' + end.message : ''));
      } else if (!end.terminal) {
        updateNotice(n, 'pending', 'still ' + end.status + '; the Tasks panel follows it');
      } else {
        updateNotice(n, 'error', end.status + (end.code ? ' ' + end.code : '') + (end.message ? ': ' + end.message : ''));
      }
    } catch (p) {
      updateNotice(n, 'error', 'refused: ' + describeProblem(p));
    }
    schedule('tasks', 0);
    if (state.selected) {
      schedule('snapshots', 0);
    }
  }

  async function follow(commandId) {
    let last = null;
    for (let i = 0; i < 6 && state.signedIn; i++) {
      last = await api('GET', '/v1/commands/' + enc(commandId) + '?waitMs=10000');
      if (last.terminal) {
        break;
      }
    }
    return last;
  }

  // ------------------------------------------------------------------------------------------ the confirmation

  /** Resolves with true when the user confirms; {@code extra} are elements to show (options) in the dialog. */
  function confirmWith(text, extra) {
    const dialog = $('confirm');
    $('confirm-text').textContent = text;
    const box = clear($('confirm-extra'));
    (extra || []).forEach((e) => box.appendChild(e));
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
    });
  }

  // ------------------------------------------------------------------------------------------ loading

  /** Runs load(name) in {@code ms}, once however often asked meanwhile, never twice at a time. */
  function schedule(name, ms) {
    if (state.due.has(name)) {
      return;
    }
    state.due.set(name, setTimeout(() => {
      state.due.delete(name);
      load(name);
    }, ms));
  }

  async function load(name) {
    if (!state.signedIn || state.busy.has(name)) {
      return;
    }
    state.busy.add(name);
    try {
      await LOADERS[name]();
    } catch (p) {
      if (state.signedIn) {
        setError(name + '-error', describeProblem(p));
      }
    } finally {
      state.busy.delete(name);
    }
  }

  const LOADERS = {
    async hosts() {
      const body = await api('GET', '/v1/hosts');
      state.hosts = body.hosts;
      state.hostsFetchedAt = Date.now();
      setError('hosts-error', null);
      renderHosts();
      renderFilters();
    },

    async domains() {
      const body = await api('GET', '/v1/domains');
      const next = new Map();
      for (const d of body.domains) {
        const seen = state.domains.get(d.domainId);
        // An event read after this list was made is newer than the list: keep what it said.
        if (seen && seen.eventAt && (!d.updatedAt || Date.parse(d.updatedAt) < Date.parse(seen.eventAt))) {
          d.state = seen.state;
          d.reason = seen.reason;
          d.eventAt = seen.eventAt;
        }
        next.set(d.domainId, d);
      }
      state.domains = next;
      setError('domains-error', null);
      renderDomains();
      renderFilters();
      if (state.selected && !next.has(state.selected)) {
        renderDomainPanel();
      }
    },

    async tasks() {
      const q = '?limit=' + TASKS_SHOWN + ($('tasks-running').checked ? '&status=ACCEPTED,RUNNING' : '');
      const body = await api('GET', '/v1/commands' + q);
      state.clockOffsetMs = Date.parse(body.now) - Date.now();
      state.commands = body.commands;
      setError('tasks-error', null);
      renderTasks();
    },

    async snapshots() {
      const id = state.selected;
      if (!id) {
        return;
      }
      const [tree, tasks] = await Promise.all([
        api('GET', '/v1/domains/' + enc(id) + '/snapshots'),
        api('GET', '/v1/commands?limit=20&domain=' + enc(id)),
      ]);
      if (state.selected !== id) {
        return;
      }
      state.tree = tree;
      state.domainTasks = tasks.commands;
      setError('snapshots-error', null);
      const d = state.domains.get(id);
      if (d && d.snapshotCount !== tree.snapshots.length) {
        d.snapshotCount = tree.snapshots.length;
        renderDomains();
      }
      renderDomainPanel();
    },

    async bus() {
      if (state.view !== 'bus') {
        return;
      }
      state.bus = await api('GET', '/v1/bus');
      setError('bus-error', null);
      renderBus();
    },
  };

  function every(name, ms) {
    state.timers.push(setInterval(() => load(name), ms));
  }

  // ------------------------------------------------------------------------------------------ the live stream

  /**
   * Follows GET /v1/events for as long as the user is signed in: fetch() with the token in a header and the
   * body read as a stream, SSE frames parsed here. Reconnects with backoff, resuming with Last-Event-ID from
   * the last event seen (the gateway then sends exactly the events after it).
   */
  async function runStream() {
    const ctl = new AbortController();
    state.stream = ctl;
    let backoff = 1000;
    while (!ctl.signal.aborted) {
      try {
        const headers = { 'Authorization': 'Bearer ' + state.token, 'Accept': 'text/event-stream' };
        if (state.lastEventId) {
          headers['Last-Event-ID'] = state.lastEventId;
        }
        const res = await fetch('/v1/events', { headers, signal: ctl.signal, cache: 'no-store', credentials: 'omit' });
        if (res.status === 401) {
          signOut('The gateway no longer accepts the token.');
          return;
        }
        if (!res.ok || !res.body) {
          throw new Error('HTTP ' + res.status);
        }
        setStream('live', 'live');
        backoff = 1000;
        // What changed before the stream (or while it was away, if the ring no longer covers it) comes in lists.
        schedule('domains', 0);
        schedule('tasks', 0);
        await readFrames(res.body.getReader(), onFrame);
      } catch (e) {
        if (ctl.signal.aborted) {
          return;
        }
      }
      setStream('retry', 'reconnecting\u2026');
      await sleep(backoff, ctl.signal);
      backoff = Math.min(backoff * 2, 15000);
    }
  }

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }

  /** SSE framing (the WHATWG rules this stream uses): lines of "field: value", a blank line ends an event. */
  async function readFrames(reader, onFrame) {
    const decoder = new TextDecoder();
    let buffer = '';
    let frame = { id: null, event: null, data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        let line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.endsWith('\r')) {
          line = line.slice(0, -1);
        }
        if (line === '') {
          if (frame.data.length || frame.event) {
            onFrame(frame);
          }
          frame = { id: null, event: null, data: [] };
          continue;
        }
        if (line.startsWith(':')) {
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? '' : line.slice(colon + 1);
        if (v.startsWith(' ')) {
          v = v.slice(1);
        }
        if (field === 'data') {
          frame.data.push(v);
        } else if (field === 'id') {
          frame.id = v;
          state.lastEventId = v;
        } else if (field === 'event') {
          frame.event = v;
        }
      }
    }
  }

  function onFrame(frame) {
    let data = null;
    try {
      data = JSON.parse(frame.data.join('\n'));
    } catch (e) {
      return;
    }
    if (frame.event === 'overflow') {
      // Too slow for the gateway: it ends the stream; the reconnect resumes from the position it gave.
      if (data && data.lastEventId) {
        state.lastEventId = data.lastEventId;
      }
      return;
    }
    onEvent(data);
  }

  /** A domain event: its domain's row changes now, without reloading anything. */
  function onEvent(e) {
    if (e.commandId) {
      schedule('tasks', 150);
    }
    const d = state.domains.get(e.domainId);
    if (!d || e.type === 'DEFINED' || e.type === 'UNDEFINED') {
      schedule('domains', 200);
    }
    if (d) {
      d.state = e.state;
      d.reason = e.reason;
      if (e.hostId) {
        d.host = e.hostId;
      }
      d.eventAt = e.at;
      d.flashUntil = Date.now() + 1600;
      renderDomains();
      renderFilters();
      if (state.selected === d.domainId) {
        renderDomainPanel();
      }
    }
  }

  function setStream(cls, text) {
    const el = $('stream');
    el.className = 'stream ' + cls;
    el.textContent = text;
  }

  // ------------------------------------------------------------------------------------------ rendering

  function renderHosts() {
    const tbody = clear($('hosts').tBodies[0]);
    $('hosts-count').textContent = state.hosts.length ? '(' + state.hosts.length + ')' : '';
    if (!state.hosts.length) {
      tbody.appendChild(h('tr', null, h('td', { class: 'empty', colspan: 9 }, 'no host has sent a heartbeat yet')));
    }
    for (const x of state.hosts) {
      const cap = x.capacity || {};
      const used = (x.memoryMiBUsed || 0) + (x.memoryMiBReserved || 0);
      // A DOWN host's driver state is what its last heartbeat said.
      const driver = h('td', { class: 'driver' + (x.status === 'DOWN' ? ' stale' : ''),
        title: x.status === 'DOWN' ? 'as its last heartbeat said' : null }, x.driver || '', ' ',
        x.driverConnected ? badge('connected', 'ok') : badge('disconnected', 'bad'),
        x.driverMessage ? h('div', { class: 'reason' }, x.driverMessage) : null);
      tbody.appendChild(h('tr', { dataset: { host: x.hostId } },
        h('td', { class: 'mono' }, x.hostId),
        h('td', { class: 'status' }, badge(x.status, 's-' + x.status)),
        h('td', null, h('span', { dataset: { seen: String(state.hostsFetchedAt - x.heartbeatAgeMs) } },
          fmtAge(x.heartbeatAgeMs) + ' ago')),
        driver,
        h('td', null, badge(x.driverBreaker || '?', 's-' + x.driverBreaker)),
        h('td', null, String(x.queuedCommands)),
        h('td', { class: 'memory' }, h('meter', { min: 0, max: cap.memoryMiB || 1, value: used,
          high: 0.85 * (cap.memoryMiB || 1) }), used + ' / ' + (cap.memoryMiB || 0) + ' MiB',
          x.memoryMiBReserved ? h('span', { class: 'reason' }, ' (' + x.memoryMiBReserved + ' placed, not yet reported)')
            : null),
        h('td', null, String(cap.vcpus || 0)),
        h('td', null, String(x.domainCount))));
    }
  }

  function domainMatches(d) {
    const host = $('filter-host').value;
    const st = $('filter-state').value;
    const project = $('filter-project').value;
    const name = $('filter-name').value.trim().toLowerCase();
    return (!host || d.host === host) && (!st || stateOf(d) === st) && (!project || (d.project || '') === project)
      && (!name || d.name.toLowerCase().includes(name));
  }

  /** libvirt's reason for the state, when it has one worth showing. */
  function reasonOf(d) {
    return d.reason && d.reason !== 'UNKNOWN' && !d.pending ? h('span', { class: 'reason' }, d.reason) : null;
  }

  function stateOf(d) {
    return d.pending ? 'PENDING' : (d.state || 'NOSTATE');
  }

  function renderFilters() {
    const hosts = new Set(state.hosts.map((x) => x.hostId));
    const states = new Set();
    const projects = new Set();
    for (const d of state.domains.values()) {
      if (d.host) {
        hosts.add(d.host);
      }
      states.add(stateOf(d));
      projects.add(d.project || '');
    }
    fillSelect($('filter-host'), hosts);
    fillSelect($('filter-state'), states);
    fillSelect($('filter-project'), projects);
  }

  function fillSelect(select, values) {
    const chosen = select.value;
    const wanted = ['', ...[...values].filter((v) => v !== '').sort()];
    if (chosen && !wanted.includes(chosen)) {
      wanted.push(chosen);
    }
    const have = [...select.options].map((o) => o.value);
    if (have.join('\u0000') === wanted.join('\u0000')) {
      return;
    }
    clear(select);
    for (const v of wanted) {
      select.appendChild(h('option', { value: v }, v === '' ? 'all' : v));
    }
    select.value = chosen;
  }

  function renderDomains() {
    const tbody = clear($('domains').tBodies[0]);
    const all = [...state.domains.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const shown = all.filter(domainMatches);
    $('domains-count').textContent = '(' + (shown.length === all.length ? all.length : shown.length + ' of ' + all.length)
      + ')';
    if (!shown.length) {
      tbody.appendChild(h('tr', null, h('td', { class: 'empty', colspan: 8 },
        all.length ? 'no domain matches the filters' : 'no domain in your projects')));
    }
    const operator = mayOperate();
    const now = Date.now();
    for (const d of shown) {
      const st = stateOf(d);
      const row = h('tr', {
        class: (state.selected === d.domainId ? 'selected ' : '') + (d.flashUntil > now ? 'flash' : ''),
        dataset: { domain: d.name, id: d.domainId, state: st },
      },
      h('td', null, h('button', { type: 'button', class: 'link', title: 'details and snapshots',
        onclick: () => select(d.domainId) }, d.name)),
      h('td', { class: 'state' }, badge(d.pending ? 'defining\u2026' : st, 's-' + (d.pending ? 'pending' : st)),
        reasonOf(d)),
      h('td', { class: 'mono' }, d.host || ''),
      h('td', null, d.project || ''),
      h('td', null, d.vcpus === undefined || d.vcpus === null ? '' : String(d.vcpus)),
      h('td', null, d.memoryMiB ? d.memoryMiB + ' MiB' : ''),
      h('td', null, String(d.snapshotCount || 0)),
      h('td', { class: 'actions' }, ACTIONS.map((a) => h('button', {
        type: 'button', dataset: { op: a.op }, disabled: !operator || d.pending,
        title: operator ? 'POST /v1/domains/' + d.name + '/' + a.op : 'your role may not send commands',
        class: a.confirm ? 'danger' : null,
        onclick: () => lifecycle(d, a),
      }, a.label))));
      tbody.appendChild(row);
    }
  }

  /** Whether the token says it may send commands: only to grey out buttons; the gateway decides. */
  function mayOperate() {
    const role = state.claims && state.claims.role;
    return role === 'operator' || role === 'admin';
  }

  async function lifecycle(d, action) {
    if (action.confirm && !(await confirmWith(action.confirm(d)))) {
      return;
    }
    act(action.op + ' ' + d.name, 'POST', '/v1/domains/' + enc(d.domainId) + '/' + action.op);
  }

  function commandStatus(c) {
    return badge(c.status, 'c-' + c.status);
  }

  function commandMessage(c) {
    if (!c.code && !c.message) {
      return '';
    }
    return (c.code ? c.code + (c.message ? ': ' : '') : '') + (c.message || '');
  }

  function renderTasks() {
    const tbody = clear($('tasks').tBodies[0]);
    if (!state.commands.length) {
      tbody.appendChild(h('tr', null, h('td', { class: 'empty', colspan: 8 }, 'no commands')));
    }
    const operator = mayOperate();
    for (const c of state.commands) {
      tbody.appendChild(h('tr', { dataset: { command: c.commandId, status: c.status } },
        h('td', { title: c.commandId }, c.operation || '?'),
        h('td', null, c.domain || shortId(c.domainId)),
        h('td', { class: 'mono' }, c.hostId || ''),
        h('td', { class: 'status' }, commandStatus(c)),
        h('td', null, ageOf(c.since)),
        h('td', { class: 'muted' }, fmtTime(c.updatedAt)),
        h('td', { class: 'message' + (c.code ? ' error' : '') }, commandMessage(c)),
        h('td', null, c.cancellable ? h('button', { type: 'button', class: 'cancel', disabled: !operator,
          title: 'POST /v1/commands/' + c.commandId + '/cancel',
          onclick: () => act('cancel ' + c.operation + ' ' + (c.domain || shortId(c.domainId)), 'POST',
            '/v1/commands/' + enc(c.commandId) + '/cancel') }, 'Cancel') : null)));
    }
  }

  function select(domainId) {
    state.selected = domainId;
    state.tree = null;
    state.domainTasks = [];
    renderDomains();
    renderDomainPanel();
    load('snapshots');
    $('domain-panel').scrollIntoView({ block: 'nearest' });
  }

  function renderDomainPanel() {
    const panel = $('domain-panel');
    const d = state.selected && state.domains.get(state.selected);
    show(panel, !!state.selected);
    if (!state.selected) {
      return;
    }
    $('domain-title').textContent = d ? d.name : shortId(state.selected) + ' (no longer listed)';
    const facts = clear($('domain-facts'));
    if (d) {
      const dl = h('dl', { class: 'facts' });
      const fact = (k, v) => {
        dl.appendChild(h('dt', null, k));
        dl.appendChild(h('dd', null, v));
      };
      fact('id', h('span', { class: 'mono' }, d.domainId));
      fact('state', [badge(stateOf(d), 's-' + stateOf(d)), reasonOf(d)]);
      fact('host', d.host || '');
      fact('project', d.project || '');
      fact('size', (d.vcpus || '?') + ' vCPUs, ' + (d.memoryMiB || '?') + ' MiB');
      fact('disks', (d.disks || []).map((k) => h('div', { class: 'mono' }, k.target + ' ' + (k.path || '') + ' ('
        + (k.format || '') + (k.image ? ', on ' + k.image : '') + ')')));
      if (d.interfaces && d.interfaces.length) {
        fact('interfaces', d.interfaces.map((n) => h('div', { class: 'mono' }, (n.mac || '?') + ' '
          + (n.network ? 'network ' + n.network : 'user-mode'))));
      }
      if (d.boot) {
        fact('boot', h('span', { class: 'mono' }, d.boot.kernel + (d.boot.initrd ? ' + ' + d.boot.initrd : '')
          + (d.boot.cmdline ? ' "' + d.boot.cmdline + '"' : '')));
      }
      fact('guest agent', d.guestAgent ? (d.guestAgentConnected ? 'connected' : 'defined, not connected') : 'none');
      fact('updated', fmtTime(d.eventAt || d.updatedAt));
      facts.appendChild(dl);
    }
    renderTree();
    const tbody = clear($('domain-tasks').tBodies[0]);
    for (const c of state.domainTasks) {
      tbody.appendChild(h('tr', { dataset: { command: c.commandId } },
        h('td', null, c.operation || '?'), h('td', null, commandStatus(c)), h('td', null, ageOf(c.since)),
        h('td', { class: c.code ? 'error' : '' }, commandMessage(c))));
    }
    if (!state.domainTasks.length) {
      tbody.appendChild(h('tr', null, h('td', { class: 'empty', colspan: 4 }, 'none known')));
    }
  }

  function renderTree() {
    const box = clear($('snapshot-tree'));
    const progress = clear($('snapshot-progress'));
    const tree = state.tree;
    if (!tree) {
      box.appendChild(h('p', { class: 'muted' }, 'loading\u2026'));
      return;
    }
    if (tree.inProgress) {
      const ip = tree.inProgress;
      progress.appendChild(h('p', null, badge(ip.phase, 'warn'), ' ', ip.snapshot || '', ' ',
        h('span', { class: 'muted' }, 'command ' + shortId(ip.commandId) + ', for '), ageOf(ip.since)));
    }
    if (!tree.snapshots.length) {
      box.appendChild(h('p', { class: 'muted' }, 'no snapshots'));
      return;
    }
    const byName = new Map(tree.snapshots.map((s) => [s.name, s]));
    const operator = mayOperate();
    const node = (s) => {
      const ind = s.indications || {};
      const li = h('li', { class: 'snapshot' + (s.current ? ' current' : ''), dataset: { snapshot: s.name } },
        h('div', { class: 'node' },
          h('span', { class: 'snap-name' }, s.name),
          s.current ? badge('current', 'current') : null,
          badge(s.kind),
          badge(ind.online ? 'online' : 'offline'),
          ind.quiesced ? badge('quiesced') : null,
          ind.paused ? badge('paused') : null,
          h('span', { class: 'muted small' }, 'taken ' + fmtTime(s.createdAt) + ', domain ' + (s.state || '?')),
          s.description ? h('span', { class: 'small' }, '\u201c' + s.description + '\u201d') : null,
          h('button', { type: 'button', dataset: { op: 'revert' }, disabled: !operator, onclick: () => revert(s) },
            'Revert'),
          h('button', { type: 'button', class: 'danger', dataset: { op: 'delete' }, disabled: !operator,
            onclick: () => removeSnapshot(s) }, 'Delete')));
      const kids = (s.children || []).filter((c) => byName.has(c));
      if (kids.length) {
        li.appendChild(h('ul', null, kids.map((c) => node(byName.get(c)))));
      }
      return li;
    };
    const roots = tree.snapshots.filter((s) => !s.parent || !byName.has(s.parent));
    box.appendChild(h('ul', { class: 'tree' }, roots.map(node)));
  }

  async function revert(s) {
    const domain = state.tree.domain;
    const start = h('select', { id: 'revert-start' },
      h('option', { value: 'KEEP' }, 'as the snapshot was taken'),
      h('option', { value: 'RUNNING' }, 'running'),
      h('option', { value: 'PAUSED' }, 'paused'));
    const ok = await confirmWith('Revert domain "' + domain + '" to snapshot "' + s.name + '"? What it has now that '
      + 'the snapshot has not is lost.', [h('label', null, 'and leave it ', start)]);
    if (ok) {
      act('revert ' + domain + ' to ' + s.name, 'POST', '/v1/domains/' + enc(state.tree.domainId) + '/snapshots/'
        + enc(s.name) + '/revert', { start: start.value });
    }
  }

  async function removeSnapshot(s) {
    const domain = state.tree.domain;
    const children = h('input', { type: 'checkbox', id: 'delete-children' });
    const extra = s.children && s.children.length
      ? [h('label', null, children, ' and its descendants (' + s.children.join(', ') + ', ...)')] : [];
    const ok = await confirmWith('Delete snapshot "' + s.name + '" of domain "' + domain + '"?'
      + (extra.length ? ' Without its descendants, they become children of its parent.' : ''), extra);
    if (ok) {
      act('delete snapshot ' + s.name + ' of ' + domain, 'DELETE', '/v1/domains/' + enc(state.tree.domainId)
        + '/snapshots/' + enc(s.name) + (children.checked ? '?children=true' : ''));
    }
  }

  function takeSnapshot(ev) {
    ev.preventDefault();
    const d = state.domains.get(state.selected);
    if (!d) {
      return;
    }
    const body = { name: $('snap-name').value.trim(), kind: $('snap-kind').value };
    const description = $('snap-description').value.trim();
    if (description) {
      body.description = description;
    }
    act('snapshot ' + body.name + ' of ' + d.name, 'POST', '/v1/domains/' + enc(d.domainId) + '/snapshots', body);
  }

  function renderBus() {
    const b = state.bus;
    if (!b) {
      return;
    }
    $('bus-at').textContent = 'namespace ' + b.namespace + ', read ' + fmtTime(b.at);
    const dlq = b.deadLetters;
    $('dlq-count').textContent = '(' + dlq.count + ' on ' + dlq.topic + ')';
    setError('dlq-error', dlq.error);
    const dt = clear($('bus-dlq').tBodies[0]);
    for (const r of dlq.latest) {
      const hd = r.headers || {};
      dt.appendChild(h('tr', { dataset: { offset: r.partition + '-' + r.offset } },
        h('td', null, fmtTime(r.timestamp)),
        h('td', { class: 'mono' }, (hd['virtflow.dlq.source.topic'] || '?') + ' p' + (hd['virtflow.dlq.source.partition'] || '?')
          + ' @' + (hd['virtflow.dlq.source.offset'] || '?')),
        h('td', { class: 'mono' }, hd['virtflow.dlq.consumer'] || ''),
        h('td', { class: 'error' }, hd['virtflow.dlq.error'] || ''),
        h('td', { class: 'mono' }, r.key === null ? '' : r.key),
        h('td', null, String(r.valueBytes))));
    }
    if (!dlq.latest.length) {
      dt.appendChild(h('tr', null, h('td', { class: 'empty', colspan: 6 }, dlq.count ? 'not readable' : 'none parked')));
    }
    setError('groups-error', b.groupsError);
    const gt = clear($('bus-groups').tBodies[0]);
    for (const g of b.groups) {
      const behind = g.partitions.filter((p) => p.lag > 0);
      gt.appendChild(h('tr', { dataset: { group: g.group } },
        h('td', { class: 'mono' }, g.group),
        h('td', null, g.state || ''),
        h('td', null, g.members === null ? '' : String(g.members)),
        h('td', null, g.lag ? badge(String(g.lag), 'warn') : badge('0', 'ok')),
        h('td', { class: 'mono small' }, behind.length ? behind.map((p) => p.topic + ' p' + p.partition + ': '
          + p.lag).join(', ') : 'caught up')));
    }
    if (!b.groups.length) {
      gt.appendChild(h('tr', null, h('td', { class: 'empty', colspan: 5 }, 'no group committed on these topics')));
    }
    const tt = clear($('bus-topics').tBodies[0]);
    for (const t of b.topics) {
      tt.appendChild(h('tr', { dataset: { topic: t.topic } },
        h('td', { class: 'mono' }, t.topic),
        h('td', null, String(t.records)),
        h('td', { class: 'mono small' }, t.partitions.map((p) => 'p' + p.partition + ': ' + p.endOffset).join('  '))));
    }
  }

  function showView(view) {
    state.view = view;
    for (const tab of document.querySelectorAll('.tab')) {
      tab.classList.toggle('active', tab.dataset.view === view);
    }
    show($('overview'), view === 'overview');
    show($('bus'), view === 'bus');
    if (view === 'bus') {
      load('bus');
    }
  }

  // ------------------------------------------------------------------------------------------ signing in and out

  async function signIn(token) {
    stopAll();
    token = (token || '').trim();
    if (!token) {
      showSignIn('Paste a token first.');
      return;
    }
    state.token = token;
    state.claims = claimsOf(token);
    try {
      await api('GET', '/v1/domains?limit=1');
    } catch (p) {
      state.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn((p.status === 401 ? 'The gateway refused this token: ' : 'Could not sign in: ') + describeProblem(p));
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    state.signedIn = true;
    showConsole();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    stopAll();
    showSignIn(message);
  }

  function stopAll() {
    state.signedIn = false;
    if (state.stream) {
      state.stream.abort();
      state.stream = null;
    }
    state.timers.forEach(clearInterval);
    state.timers = [];
    state.due.forEach(clearTimeout);
    state.due.clear();
    Object.assign(state, { token: null, claims: null, hosts: [], domains: new Map(), commands: [], selected: null,
      tree: null, domainTasks: [], bus: null, lastEventId: null });
  }

  function showSignIn(message) {
    show($('sign-in'), true);
    show($('overview'), false);
    show($('bus'), false);
    show($('tasks-panel'), false);
    show($('tabs'), false);
    show($('sign-out'), false);
    $('who').textContent = '';
    setStream('off', 'offline');
    setError('sign-in-error', message);
    $('token').value = '';
  }

  function showConsole() {
    const c = state.claims || {};
    const projects = Array.isArray(c.projects) && c.projects.length ? c.projects.join(', ') : 'none';
    $('who').textContent = (c.sub || '?') + ' \u00b7 ' + (c.role || '?') + ' \u00b7 projects: ' + projects;
    if (c.exp) {
      $('who').title = 'token expires ' + new Date(c.exp * 1000).toLocaleString();
    }
    show($('sign-in'), false);
    show($('tabs'), true);
    show($('tab-bus'), c.role === 'admin');
    show($('sign-out'), true);
    show($('tasks-panel'), true);
    setError('sign-in-error', null);
    showView('overview');
    renderHosts();
    renderDomains();
    renderTasks();
    renderDomainPanel();
    runStream();
    load('hosts');
    every('hosts', HOSTS_EVERY_MS);
    every('tasks', TASKS_EVERY_MS);
    every('domains', DOMAINS_EVERY_MS);
    every('snapshots', SNAPSHOTS_EVERY_MS);
    every('bus', BUS_EVERY_MS);
    state.timers.push(setInterval(tick, 1000));
  }

  function start() {
    $('sign-in-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      signIn($('token').value);
    });
    $('sign-out').addEventListener('click', () => signOut('Signed out.'));
    for (const tab of document.querySelectorAll('.tab')) {
      tab.addEventListener('click', () => showView(tab.dataset.view));
    }
    for (const id of ['filter-host', 'filter-state', 'filter-project', 'filter-name']) {
      $(id).addEventListener('input', renderDomains);
    }
    $('tasks-running').addEventListener('change', () => load('tasks'));
    $('domain-close').addEventListener('click', () => {
      state.selected = null;
      renderDomains();
      renderDomainPanel();
    });
    $('snapshot-form').addEventListener('submit', takeSnapshot);
    window.addEventListener('hashchange', () => {
      const t = tokenFromFragment();
      if (t) {
        signIn(t);
      }
    });
    const token = tokenFromFragment() || sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      signIn(token);
    } else {
      showSignIn(null);
    }
  }

  start();
})();
