// Renders the status-driven panels: connections, flow, consumers, storage, clients. Rows are keyed
// (data-key) and reused, so sparkline canvases survive updates and tests find stable elements.
import { bytes, dur, esc, h, num } from './format.js';
import { drawSparkline, TimeSeries } from './sparkline.js';

/** Streams listed inline per connection before "+N more" (stale ones always shown). */
export const MAX_STREAM_PILLS = 8;
/** Counters show their increase over this window and turn amber while it is non-zero. */
export const COUNTER_DELTA_WINDOW_MS = 60_000;

const VENUE_COUNTERS = [
  ['gapsDetected', 'gaps detected', 'gaps-detected'],
  ['gapsFilled', 'gaps filled', 'gaps-filled'],
  ['tradesBackfilled', 'backfilled', 'backfilled'],
  ['bookResyncs', 'book resyncs', 'book-resyncs'],
  ['malformedFrames', 'malformed', 'malformed'],
  ['duplicatesDropped', 'duplicates', 'duplicates'],
];

/** Keeps one TimeSeries per metric key. */
export class History {
  constructor() { /** @type {Map<string, TimeSeries>} */ this.map = new Map(); }
  get(key) {
    let s = this.map.get(key);
    if (!s) { s = new TimeSeries(); this.map.set(key, s); }
    return s;
  }
  clear() { this.map.clear(); }

  /** Records one status object (t = the gateway's clock). */
  record(st) {
    const t = st.time;
    for (const v of st.venues) {
      this.get(`frames:${v.venue}`).push(t, v.framesPerSec);
      this.get(`events:${v.venue}`).push(t, v.eventsPerSec);
      for (const [f] of VENUE_COUNTERS) this.get(`${f}:${v.venue}`).push(t, v[f]);
    }
    for (const c of st.consumers) {
      this.get(`depth:${c.consumer}`).push(t, c.queueDepth);
      // `dropped` counts losses only; conflated items (superseded values) are reported apart.
      this.get(`dropped:${c.consumer}`).push(t, c.dropped);
      this.get(`ctimeouts:${c.consumer}`).push(t, c.timeouts);
    }
    this.get('lag').push(t, st.eventLoopLagP99Ms);
    this.get('handlerTimeouts').push(t, st.handlerTimeouts);
    this.get('drops').push(t, st.clients.drops);
    this.get('rejections').push(t, rejections1013(st.clients));
    for (const r of reconnectsByKey(st)) this.get(`reconnects:${r.key}`).push(t, r.reconnects);
  }
}

function reconnectsByKey(st) { return st.connections.map((c) => ({ key: c.key, reconnects: c.reconnects })); }

/** Connections refused with 1013 (everything but setup failures, which close with 1011). */
export function rejections1013(clients) {
  let n = 0;
  for (const [reason, count] of Object.entries(clients.admissionRejections ?? {})) if (reason !== 'setup_failed') n += count;
  return n;
}

/** Reuses the child with data-key=key or creates it; removes children whose key is not in `keep`. */
function keyed(parent, key, create) {
  for (const el of parent.children) if (el.dataset.key === key) return el;
  const el = create();
  el.dataset.key = key;
  parent.append(el);
  return el;
}
function prune(parent, keep) {
  for (const el of [...parent.children]) if (!keep.has(el.dataset.key)) el.remove();
}

// ---------------------------------------------------------------- connections

/**
 * @param {HTMLElement} tbody
 * @param {any} st GatewayStatus
 * @param {number} extraMs time since the status was taken, added to ages while the status is fresh
 */
export function renderConnections(tbody, st, extraMs) {
  tbody.querySelector('tr.empty')?.remove();
  const keep = new Set();
  if (st.connections.length === 0 && st.venues.length === 0) {
    tbody.replaceChildren(h('tr', { class: 'empty' }, h('td', { colspan: 10 }, 'no upstream connections configured')));
    return;
  }
  const rows = [...st.connections].sort((a, b) => a.venue.localeCompare(b.venue) || a.key.localeCompare(b.key));
  for (const c of rows) {
    keep.add(c.key);
    const tr = keyed(tbody, c.key, () => h('tr', { 'data-testid': 'conn-row' }));
    tr.dataset.venue = c.venue;
    tr.dataset.state = c.state;
    tr.dataset.healthy = String(c.healthy);
    tr.dataset.reconnects = String(c.reconnects);
    const ageMs = c.stateAgeMs + extraMs;
    // As of the status: extrapolating would make a busy feed look a second stale before each update.
    const lastFrame = c.lastFrameAgeMs;
    const stale = new Set(c.staleStreams);
    const staleFirst = [...c.staleStreams, ...c.streams.filter((s) => !stale.has(s))];
    const shown = staleFirst.slice(0, Math.max(MAX_STREAM_PILLS, c.staleStreams.length));
    const moreCount = staleFirst.length - shown.length;
    tr.innerHTML = `
      <td>${esc(c.venue)}</td>
      <td><code>${esc(c.key)}</code></td>
      <td class="state s-${esc(c.state)}" data-testid="conn-state" data-state="${esc(c.state)}">${esc(c.state)}<span class="age">${esc(dur(ageMs))}</span></td>
      <td class="health ${c.healthy ? 'ok' : 'bad'}" data-testid="conn-health" data-healthy="${c.healthy}">${c.healthy ? '✓ healthy' : `✗ ${esc(c.unhealthyReason ?? 'unhealthy')}`}</td>
      <td class="r ${lastFrame !== null && lastFrame > 5000 ? 'hot' : ''}" data-testid="conn-last-frame">${lastFrame === null ? '–' : esc(dur(lastFrame))}</td>
      <td class="r" data-testid="conn-rtt">${c.pingRttMs === null ? '–' : esc(dur(c.pingRttMs))}</td>
      <td class="r ${c.reconnects > 0 ? 'hot' : ''}" data-testid="conn-reconnects" data-value="${c.reconnects}">${esc(num(c.reconnects))}</td>
      <td class="r" data-testid="conn-backoff">${c.backoffMs === null ? '–' : esc(dur(c.backoffMs))}</td>
      <td class="breaker" data-testid="conn-breaker" data-breaker="${esc(c.breaker?.state ?? 'none')}">${c.breaker ? `${esc(c.breaker.host)} <b>${esc(c.breaker.state)}</b>${c.breaker.failures ? ` · ${esc(c.breaker.failures)} fail` : ''}` : '–'}</td>
      <td class="streams" data-testid="conn-streams" data-count="${c.streams.length}" data-stale="${c.staleStreams.length}">${shown.map((s) => `<span class="pill${stale.has(s) ? ' stale' : ''}" ${stale.has(s) ? 'data-testid="stale-stream" title="stale: no message within the stream timeout"' : ''}>${esc(s)}</span>`).join('')}${moreCount > 0 ? `<span class="more" title="${esc(c.streams.join(' '))}">+${moreCount} more</span>` : ''}</td>`;
  }
  // A venue that is configured but has no connection at all (never opened, or gave up) gets a row too.
  for (const v of st.venues) {
    if (st.connections.some((c) => c.venue === v.venue)) continue;
    const key = `missing:${v.venue}`;
    keep.add(key);
    const tr = keyed(tbody, key, () => h('tr', { 'data-testid': 'conn-row-missing' }));
    tr.dataset.venue = v.venue;
    tr.dataset.healthy = 'false';
    const why = st.notReadyReasons.find((r) => r.startsWith(`feed:${v.venue}:`));
    tr.innerHTML = `<td>${esc(v.venue)}</td><td class="dim">–</td><td class="state s-disconnected">no connection</td>
      <td class="health bad" colspan="7">✗ ${esc(why ? why.slice(`feed:${v.venue}:`.length).trim() : 'the venue has no open connection')}</td>`;
  }
  prune(tbody, keep);
}

// ---------------------------------------------------------------- flow

function metricEl(testid, label) {
  return h('div', { class: 'metric', 'data-testid': testid }, h('span', { class: 'label' }, label), h('canvas'), h('span', { class: 'value' }, '–'));
}
function counterEl(testid, label) {
  return h('div', { class: 'counter', 'data-testid': testid }, h('span', { class: 'label' }, label), h('span', { class: 'value' }, '–'), h('span', { class: 'delta' }));
}
function setMetric(el, series, text, now, color) {
  el.querySelector('.value').textContent = text;
  drawSparkline(el.querySelector('canvas'), series, { now, color });
}
function setCounter(el, value, series) {
  const inc = series.increaseOver(COUNTER_DELTA_WINDOW_MS);
  el.querySelector('.value').textContent = num(value);
  el.querySelector('.delta').textContent = inc > 0 ? `+${num(inc)}/min` : '';
  el.dataset.value = String(value);
  el.dataset.rising = String(inc > 0);
}

/** @param {HTMLElement} root the Flow card @param {any} st @param {History} hist @param {number} now gateway-clock now */
export function renderFlow(root, st, hist, now) {
  const venuesEl = root.querySelector('[data-testid="flow-venues"]');
  const keep = new Set();
  for (const v of st.venues) {
    keep.add(v.venue);
    const box = keyed(venuesEl, v.venue, () => h('div', { class: 'venue-flow', 'data-testid': 'flow-venue' },
      h('div', { class: 'name' }, v.venue),
      metricEl('flow-frames', 'frames/s'),
      metricEl('flow-events', 'events/s'),
      h('div', { class: 'counters-row' }, ...VENUE_COUNTERS.map(([, label, id]) => counterEl(`counter-${id}`, label))),
      h('div', { class: 'dim', 'data-testid': 'flow-backfill' })));
    box.dataset.venue = v.venue;
    box.querySelector('[data-testid="flow-backfill"]').textContent = v.backfillsInProgress > 0
      ? `backfilling ${num(v.backfillsInProgress)} stream(s): ${num(v.backfillIdsRemaining)} ids left, ${num(v.backfillTradesPerSec)} trades/s`
      : `backfill idle · holes declared ${num(v.tradeGapsDeclared ?? 0)}`;
    setMetric(box.querySelector('[data-testid="flow-frames"]'), hist.get(`frames:${v.venue}`), num(v.framesPerSec), now, '#4aa3ff');
    setMetric(box.querySelector('[data-testid="flow-events"]'), hist.get(`events:${v.venue}`), num(v.eventsPerSec), now, '#9b7bff');
    for (const [field, , id] of VENUE_COUNTERS) setCounter(box.querySelector(`[data-testid="counter-${id}"]`), v[field], hist.get(`${field}:${v.venue}`));
  }
  prune(venuesEl, keep);
  const lag = root.querySelector('[data-testid="flow-lag"]');
  setMetric(lag, hist.get('lag'), `${num(st.eventLoopLagP99Ms)} ms`, now, st.eventLoopLagP99Ms > 100 ? '#f0b429' : '#3ecf8e');
  setCounter(root.querySelector('[data-testid="counter-handler-timeouts"]'), st.handlerTimeouts, hist.get('handlerTimeouts'));

  const tbody = root.querySelector('[data-testid="consumers"] tbody');
  const ckeep = new Set();
  for (const c of st.consumers) {
    ckeep.add(c.consumer);
    const tr = keyed(tbody, c.consumer, () => h('tr', { 'data-testid': 'consumer-row' },
      h('td', {}, c.consumer), h('td', {}, h('canvas', { class: 'consumer-spark' })),
      h('td', { class: 'r', 'data-testid': 'consumer-depth' }), h('td', { class: 'r', 'data-testid': 'consumer-dropped' }),
      h('td', { class: 'r dim', 'data-testid': 'consumer-conflated', title: 'superseded by a newer value for the same key: by design, not a loss' }),
      h('td', { class: 'r', 'data-testid': 'consumer-timeouts' })));
    const full = c.capacity > 0 ? c.queueDepth / c.capacity : 0;
    drawSparkline(tr.querySelector('canvas'), hist.get(`depth:${c.consumer}`), { now, max: Math.max(1, c.capacity / 10), color: full > 0.5 ? '#f0b429' : '#4aa3ff' });
    const depth = tr.querySelector('[data-testid="consumer-depth"]');
    depth.textContent = `${num(c.queueDepth)} / ${num(c.capacity)}`;
    depth.className = `r ${full > 0.8 ? 'bad' : full > 0.5 ? 'warn' : ''}`;
    const dropped = tr.querySelector('[data-testid="consumer-dropped"]');
    dropped.textContent = num(c.dropped);
    dropped.dataset.value = String(c.dropped);
    dropped.className = `r ${hist.get(`dropped:${c.consumer}`).increaseOver(COUNTER_DELTA_WINDOW_MS) > 0 ? 'bad' : ''}`;
    const conflated = tr.querySelector('[data-testid="consumer-conflated"]');
    conflated.textContent = typeof c.conflated === 'number' ? num(c.conflated) : '–';
    const to = tr.querySelector('[data-testid="consumer-timeouts"]');
    to.textContent = num(c.timeouts);
    to.className = `r ${hist.get(`ctimeouts:${c.consumer}`).increaseOver(COUNTER_DELTA_WINDOW_MS) > 0 ? 'warn' : ''}`;
  }
  prune(tbody, ckeep);
}

// ---------------------------------------------------------------- storage and clients

/** @param {HTMLElement} tbody @param {any} st */
export function renderSinks(tbody, st) {
  if (st.sinks.length === 0) {
    tbody.replaceChildren(h('tr', { class: 'empty' }, h('td', { colspan: 5 }, 'no sinks configured')));
    return;
  }
  tbody.querySelector('tr.empty')?.remove();
  const keep = new Set();
  for (const s of st.sinks) {
    keep.add(s.name);
    const tr = keyed(tbody, s.name, () => h('tr', { 'data-testid': 'sink-row' }));
    tr.dataset.sink = s.name;
    tr.dataset.state = s.state;
    tr.dataset.healthy = String(s.state === 'ok');
    tr.innerHTML = `
      <td><code>${esc(s.name)}</code></td>
      <td><span class="sink-state" data-testid="sink-state" data-state="${esc(s.state)}">${esc(s.state)}</span></td>
      <td class="r ${s.spoolRows > 0 ? 'warn' : ''}" data-testid="sink-spool" data-rows="${s.spoolRows}">${s.spoolRows > 0 ? `${esc(num(s.spoolRows))} rows · ${esc(bytes(s.spoolBytes))}` : '0'}</td>
      <td class="r" data-testid="sink-written">${esc(num(s.written))}</td>
      <td class="err" data-testid="sink-error">${s.lastError && s.state !== 'ok' ? esc(s.lastError) : ''}</td>`;
  }
  prune(tbody, keep);
}

const CLIENT_COUNTERS = [
  ['clients', 'connected'],
  ['backlogged', 'backlogged'],
  ['drops', 'messages dropped'],
  ['conflations', 'conflated'],
  ['gapNotices', 'gap notices'],
  ['slowConsumerCloses', 'slow-consumer closes'],
];

/** @param {HTMLElement} root the clients card @param {any} st @param {History} hist */
export function renderClients(root, st, hist) {
  const box = root.querySelector('[data-testid="clients"]');
  for (const [field, label] of CLIENT_COUNTERS) {
    const el = keyed(box, field, () => counterEl(`client-${field}`, label));
    const v = st.clients[field];
    el.querySelector('.value').textContent = num(v);
    el.dataset.value = String(v);
  }
  const el = keyed(box, 'rejected', () => counterEl('client-rejections', 'refused (1013)'));
  setCounter(el, rejections1013(st.clients), hist.get('rejections'));
  const reasons = Object.entries(st.clients.admissionRejections ?? {}).filter(([, n]) => n > 0);
  root.querySelector('[data-testid="rejections"]').innerHTML = reasons.length === 0
    ? 'no admission rejections'
    : `admission rejections by reason: ${reasons.map(([r, n]) => `${esc(r)} <b>${esc(num(n))}</b>`).join(' · ')}`;
}

/** Problems worth a line at the top of the page, most severe first. @returns {{ text: string, bad: boolean }[]} */
export function problems(st, hist) {
  const out = [];
  for (const c of st.connections) {
    if (!c.healthy) out.push({ bad: true, text: `${c.key}: ${c.unhealthyReason ?? 'unhealthy'} (${c.state})` });
    else if (c.staleStreams.length > 0) out.push({ bad: false, text: `${c.key}: ${c.staleStreams.length} stale stream(s): ${c.staleStreams.slice(0, 3).join(', ')}` });
    if (c.breaker && c.breaker.state !== 'closed') out.push({ bad: c.breaker.state === 'open', text: `breaker ${c.breaker.state} for ${c.breaker.host}` });
  }
  for (const s of st.sinks) if (s.state !== 'ok') out.push({ bad: s.state === 'failed', text: `sink ${s.name} ${s.state}${s.spoolRows ? ` (${num(s.spoolRows)} rows spooled)` : ''}${s.lastError ? `: ${s.lastError}` : ''}` });
  for (const c of st.consumers) {
    const d = hist.get(`dropped:${c.consumer}`).increaseOver(COUNTER_DELTA_WINDOW_MS);
    if (d > 0) out.push({ bad: true, text: `consumer ${c.consumer} lost ${num(d)} events in the last minute (queue full)` });
  }
  if (!st.ready) out.push({ bad: true, text: `not ready: ${st.notReadyReasons.join('; ') || 'no reason given'}` });
  return out.sort((a, b) => Number(b.bad) - Number(a.bad));
}
