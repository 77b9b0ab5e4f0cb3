// Dashboard entry: one GatewayLink to /ws, the `status` channel for everything operational and
// two market channels for the chosen symbol. Rendering runs on a timer so ages keep ticking.
import { ClientsPoller } from './clients.js';
import { renderCompat } from './compat.js';
import { renderCluster } from './cluster.js';
import { clock, dur, esc, h, num } from './format.js';
import { GatewayLink } from './link.js';
import { MARKET_STALE_AFTER_MS, MarketView } from './market.js';
import { History, problems, renderClients, renderConnections, renderFlow, renderSinks } from './panels.js';

/** No status for this long (page clock) while connected: the page says its figures are stale. */
export const STATUS_STALE_AFTER_MS = 5_000;
/** Before the first successful connection, "connecting" turns into "cannot reach" after this. */
export const FIRST_CONNECT_GRACE_MS = 1_500;
export const RENDER_INTERVAL_MS = 250;
/** Messages of recent history asked from the server's resume ring on first subscribe. */
export const STATUS_HISTORY_MESSAGES = 300;
export const MARKET_HISTORY_MESSAGES = 900;

const $ = (sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
const params = new URLSearchParams(location.search);
const token = params.get('token');
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
const pageStartedAt = Date.now();

const hist = new History();
const market = new MarketView($('[data-testid="market-chart"]'));
/** @type {any} */ let latest = null;
let receivedAt = 0;
/** @type {string | null} "venue.symbol" */
let selected = null;
let pickerKey = '';
/** @type {ClientsPoller | null} */ let clientsPoller = null;

const snapCh = (sel) => `snapshots.1s.${sel}`;
const candleCh = (sel) => `candles.t100.${sel}`;

const link = new GatewayLink({
  url: wsUrl,
  onData(channel, data) {
    if (channel === 'status') {
      latest = data;
      receivedAt = Date.now();
      hist.record(data);
      updatePicker(data.symbols ?? []);
    } else if (selected && channel === snapCh(selected)) {
      market.addSnapshot(data);
    } else if (selected && channel === candleCh(selected)) {
      market.addCandle(data);
    }
  },
  onReset(channel, reason) {
    // Status objects are full states: history stays meaningful. Market bars of a new epoch may not line up.
    if (!selected || reason !== 'epoch_changed') return;
    if (channel === snapCh(selected)) market.reset('snap');
    if (channel === candleCh(selected)) market.reset('tick');
  },
  onState: () => {
    if (link.state === 'open') clientsPoller?.kick();
    render();
  },
});
link.subscribe(['status'], STATUS_HISTORY_MESSAGES);

// ---------------------------------------------------------------- symbol picker

const picker = /** @type {HTMLSelectElement} */ ($('[data-testid="symbol-picker"]'));

function updatePicker(symbols) {
  const keys = symbols.map((s) => `${s.venue}.${s.symbol}`);
  const key = keys.join(',');
  if (key !== pickerKey) {
    pickerKey = key;
    picker.replaceChildren(...symbols.map((s) => h('option', { value: `${s.venue}.${s.symbol}` }, `${s.symbol} · ${s.venue}`)));
    if (keys.length === 0) picker.append(h('option', { value: '' }, 'no symbols'));
  }
  if (selected === null && keys.length > 0) {
    const wanted = params.get('symbol');
    select(wanted && keys.includes(wanted) ? wanted : keys[0]);
  }
  if (selected !== null) picker.value = selected;
}

function select(sel) {
  if (!sel || sel === selected) return;
  if (selected) link.unsubscribe([snapCh(selected), candleCh(selected)]);
  selected = sel;
  market.reset('both');
  link.subscribe([snapCh(sel), candleCh(sel)], MARKET_HISTORY_MESSAGES);
  picker.value = sel;
  const u = new URL(location.href);
  u.searchParams.set('symbol', sel);
  history.replaceState(null, '', u);
}

picker.addEventListener('change', () => select(picker.value));
for (const b of document.querySelectorAll('.modes button')) {
  b.addEventListener('click', () => {
    const mode = /** @type {'snap'|'tick'} */ (/** @type {HTMLElement} */ (b).dataset.mode);
    market.setMode(mode);
    for (const o of document.querySelectorAll('.modes button')) o.classList.toggle('on', o === b);
  });
}

// ---------------------------------------------------------------- rendering

function closeText(c) {
  if (!c) return '';
  if (c.code === 1013) return `refused by the gateway: try again later (${c.reason || 'admission'})`;
  if (c.code === 0) return c.reason;
  return `close ${c.code}${c.reason ? ` ${c.reason}` : ''}`;
}

function renderBanner(now) {
  const banner = $('[data-testid="banner"]');
  let kind = '';
  let text = '';
  if (link.state !== 'open') {
    const retry = `Retrying in ${dur(Math.max(0, link.nextRetryAt - now))} (attempt ${link.attempt})`;
    if (!link.everOpened) {
      kind = now - pageStartedAt < FIRST_CONNECT_GRACE_MS ? 'connecting' : 'lost';
      text = kind === 'connecting' ? 'Connecting to the gateway…' : `Cannot reach the gateway at ${location.host}. ${retry}. ${closeText(link.lastClose)}`;
    } else {
      kind = 'lost';
      const frozen = receivedAt ? ` Everything below is frozen as of ${clock(receivedAt)}.` : '';
      text = `Lost the gateway at ${clock(link.lostAt)} (${dur(now - link.lostAt)} ago${link.lastClose ? `, ${closeText(link.lastClose)}` : ''}). ${retry}.${frozen}`;
    }
  } else if (latest && now - receivedAt > STATUS_STALE_AFTER_MS) {
    kind = 'stale';
    text = `Connected, but no status from the gateway for ${dur(now - receivedAt)}: the figures below are stale (last update ${clock(receivedAt)}).`;
  } else if (!latest && now - link.openedAt > STATUS_STALE_AFTER_MS) {
    kind = 'stale';
    text = 'Connected, but the gateway has published no status yet.';
  }
  banner.hidden = kind === '';
  banner.dataset.kind = kind;
  banner.textContent = text;
  document.body.classList.toggle('frozen', kind === 'lost' && link.everOpened);
}

function renderHeader(now) {
  const ls = $('[data-testid="link-state"]');
  ls.dataset.state = link.state;
  ls.querySelector('.link-text').textContent = link.state === 'open' ? `live · ${location.host}` : link.state === 'connecting' ? 'connecting…' : 'gateway lost';
  const meta = $('[data-testid="gateway-meta"]');
  const ready = $('[data-testid="ready"]');
  if (!latest) { meta.textContent = ''; ready.textContent = ''; ready.dataset.ready = ''; return; }
  const age = now - receivedAt;
  meta.innerHTML = `up ${esc(dur(latest.time - latest.startedAt + (link.state === 'open' ? age : 0)))} · status <span class="${age > STATUS_STALE_AFTER_MS ? 'bad' : ''}" data-testid="status-age">${esc(dur(age))}</span> ago · ${esc(num(latest.symbols.length))} symbols · ${esc(num(latest.aggregates.snapshots))} snapshots · ${esc(num(latest.aggregates.candles))} candles`;
  ready.dataset.ready = String(latest.ready);
  ready.textContent = latest.ready ? 'READY' : 'NOT READY';
  ready.title = latest.notReadyReasons.join('\n');
}

function renderAlerts() {
  const ul = $('[data-testid="alerts"]');
  const list = latest ? problems(latest, hist) : [];
  ul.hidden = list.length === 0;
  ul.replaceChildren(...list.slice(0, 12).map((p) => h('li', { class: p.bad ? 'bad' : '', 'data-testid': 'alert' }, p.text)));
  // The tab title carries the verdict too, for a page left open in the background.
  document.title = link.state !== 'open' && link.everOpened ? 'tickgate · gateway lost' : list.length > 0 ? `(${list.length}) tickgate` : 'tickgate';
}

function renderMarket(now) {
  const info = $('[data-testid="market-info"]');
  const staleEl = $('[data-testid="market-stale"]');
  if (!selected) { info.textContent = 'waiting for symbols…'; staleEl.hidden = true; return; }
  const bar = market.lastBar();
  const chart = $('[data-testid="market-chart"]');
  info.textContent = bar ? `last ${bar.close} · ${chart.dataset.bars} bars` : 'no bars yet';
  const imb = market.lastImbalance();
  $('[data-testid="market-imbalance"]').textContent = imb === null ? '' : `imbalance now ${imb >= 0 ? '+' : ''}${imb.toFixed(2)}`;
  const age = market.snapshotAgeMs(now);
  const sinceSubscribe = now - Math.max(link.openedAt, pageStartedAt);
  const stale = age !== null ? age > MARKET_STALE_AFTER_MS : sinceSubscribe > MARKET_STALE_AFTER_MS;
  staleEl.hidden = !stale || link.state !== 'open';
  staleEl.textContent = age === null ? 'no snapshot received yet' : `stale: no snapshot for ${dur(age)}`;
}

function render() {
  const now = Date.now();
  renderBanner(now);
  renderHeader(now);
  if (latest) {
    const fresh = link.state === 'open' && now - receivedAt <= STATUS_STALE_AFTER_MS;
    const extra = fresh ? now - receivedAt : 0;
    const connRows = $('[data-testid="conn-rows"]');
    renderConnections(connRows, latest, extra);
    const healthy = latest.connections.filter((c) => c.healthy).length;
    $('[data-testid="conn-summary"]').textContent = `${latest.connections.length} connections · ${healthy} healthy`;
    renderFlow($('.flow'), latest, hist, latest.time + (now - receivedAt));
    renderSinks($('[data-testid="sinks"] tbody'), latest);
    renderClients($('.clients'), latest, hist);
    renderCompat($('[data-testid="compat"]'), latest);
    renderCluster($('[data-testid="cluster"]'), latest);
  }
  renderAlerts();
  renderMarket(now);
  $('[data-testid="page-link-stats"]').textContent = `page reconnects ${link.reconnects}${link.gaps ? ` · gaps ${link.gaps}` : ''}`;
}

clientsPoller = new ClientsPoller(token, $('[data-testid="client-rows"]'), () => link.state === 'open');
setInterval(render, RENDER_INTERVAL_MS);
link.connect();
render();
/** For people poking at the page from devtools. */
Object.assign(window, { tickgate: { link, market, hist, get status() { return latest; } } });
