/**
 * Issue 11, first test bullet, through the whole gateway: simulator (WebSocket + REST history with
 * its weight limit and history window) -> Binance feed + integrity backfill -> pipeline ->
 * aggregator -> SQLite sink, and -> DownstreamServer -> the typed client on trades.binance.<SYM>.
 *
 * 1. A venue outage during which >= 100k trades happen is backfilled by REST: every trade of the
 *    ground truth reaches the subscriber exactly once, in id order, with its price and size, and
 *    the stored 1 s snapshots equal snapshots computed here from the ground truth (OHLC, volumes,
 *    notional, count, first/last id; quiet seconds carry the last close). One row per key: the
 *    upsert keeps the latest revision, so the comparison is revision-independent.
 * 2. The outage exceeds the venue's history window: the hole is declared: one trade_gap row with
 *    the exact range, the upstream gap notice in the subscriber's order right before the first
 *    trade after the hole, an error log line, the metric; everything outside the hole arrives once
 *    and the stored seconds equal the truth without the hole.
 * 3. A restart after more trades than maxResumeTrades: the declared hole starts right after the
 *    last stored id (not at the aggregator's rebuild point), announced before the first live trade.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import type { TruthTrade } from '../../simulator/ground-truth.js';
import { loadConfig } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { TickgateClient } from '../../src/server/client.js';
import type { Trade } from '../../src/model/events.js';
import { normalizeDecimal } from '../../src/model/decimal.js';
import { createLogger } from '../../src/observability/logger.js';
import { snapshotFromRow } from '../../src/sinks/rows.js';
import { refOhlcv } from '../unit/aggregate/reference.js';
import { FAST_CONNECTION, metric, parseMetrics, readSqlite, tempDir, waitFor } from '../integration/gateway/helpers.js';

const SYMBOL = 'BTCUSDT';
const CHANNEL = `trades.binance.${SYMBOL}`;

interface Rig { sim: Simulator; gw: Gateway; client: TickgateClient<Trade>; view: string[]; logs: Record<string, unknown>[]; db: string; lastId(): number }

let rig: Rig | null = null;
const tmp = tempDir('e2e-backfill');

afterEach(async () => {
  if (!rig) return;
  await rig.client.close().catch(() => undefined);
  await rig.gw.stop().catch(() => undefined);
  await rig.sim.close();
  rig = null;
});

interface StartOptions { readonly sim?: Simulator; readonly integrity?: Record<string, unknown> }

/** A gateway (and, unless given, a simulator) with a SQLite sink `name`.db and a subscriber on the trades channel. */
async function start(historyTradesPerSymbol: number, name: string, o: StartOptions = {}): Promise<Rig> {
  const sim = o.sim ?? await startSimulator({ port: 0, seed: 23, rate: 0, symbols: [SYMBOL], venues: ['binance'], randomBursts: false, historyTradesPerSymbol });
  const base = `127.0.0.1:${sim.port}`;
  const db = `${tmp.dir}/${name}.db`;
  const config = loadConfig({
    env: {},
    cli: {
      ...FAST_CONNECTION,
      log: { level: 'info' },
      marketHours: { skip: true },
      venues: { binance: { enabled: true, wsBaseUrl: `ws://${base}/binance`, restBaseUrl: `http://${base}/binance`, symbols: [SYMBOL], streams: ['trade'] } },
      integrity: { retryDelayMs: 100, maxFetchAttempts: 20, ...o.integrity },
      storage: { spoolDir: `${tmp.dir}/spool-${name}`, spoolFsync: 'never' },
      sinks: [`sqlite:${db}`],
      // A reading client's queue budget covers a whole 100k backfill burst on a loaded machine
      // (the default 16,384 messages / 4 MiB announces slow_consumer gaps past that instead).
      server: { port: 0, heartbeatIntervalMs: 300_000, maxQueueMessages: 250_000, maxQueueBytes: 128 * 1024 * 1024 },
    },
  }).config;
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info' }, { write: (s: string) => { logs.push(JSON.parse(s) as Record<string, unknown>); } });
  const gw = await startGateway(config, { logger });
  await waitFor(() => gw.readiness().ready, 'gateway ready', 20_000, () => gw.readiness());

  // The channel as it arrived, nothing sorted: "id price size" per trade, "gap:<from>-<to>:<code>" per notice.
  const view: string[] = [];
  const client = new TickgateClient<Trade>({ url: `${gw.url!.replace(/^http/, 'ws')}/ws`, channels: [CHANNEL] });
  let subscribed = false;
  client.on('subscribed', () => { subscribed = true; });
  client.on('data', (m) => { if (m.channel === CHANNEL) view.push(line(Number(m.data.tradeId), m.data.price, m.data.size)); });
  client.on('gap', (g) => {
    view.push(g.reason === 'upstream' ? `gap:${g.fromTradeId}-${g.toTradeId}:${g.code}` : `dropped:${g.from}-${g.to}:${g.reason}`);
  });
  // Anything else the channel says (a resync, a reconnect) shows in the view too, so it cannot hide a loss.
  client.on('resync', (m) => { view.push(`resync:${JSON.stringify(m)}`); });
  client.on('state', (st) => { if (subscribed && st.state !== 'open') view.push(`state:${st.state}:${st.code ?? ''}:${st.reason ?? ''}`); });
  client.connect();
  await waitFor(() => subscribed, 'subscribed', 10_000);
  const lastId = (): number => sim.truth.lastTrade('binance', SYMBOL)?.id ?? -1;
  rig = { sim, gw, client, view, logs, db, lastId };
  return rig;
}

const line = (id: number, price: string, size: string): string => `${id} ${normalizeDecimal(price)} ${normalizeDecimal(size)}`;
const truthLine = (t: TruthTrade): string => line(t.id, t.price, t.qty);
const lastViewId = (r: Rig): number => { const l = r.view.at(-1); return l === undefined || l.startsWith('gap') ? -1 : Number(l.split(' ')[0]); };

/** Live trades reach the subscriber, then the venue drops the socket and refuses reconnects for refuseMs. */
async function liveThenDrop(r: Rig, refuseMs: number): Promise<number> {
  r.sim.generate(300, { venue: 'binance', symbol: SYMBOL });
  await waitFor(() => lastViewId(r) === r.lastId(), 'live trades before the outage', 15_000);
  const lastBefore = r.lastId();
  r.sim.faults.inject({ kind: 'refuse', durationMs: refuseMs });
  r.sim.faults.inject({ kind: 'close', venue: 'binance', code: 1006 });
  await waitFor(() => r.gw.feeds.get('binance')!.integrity.stats().streamsBehind > 0, 'the stream marked behind', 10_000);
  return lastBefore;
}

/** The 1 s snapshot fields compared (vwap is a float, left out). */
type Second = { open: string; high: string; low: string; close: string; volume: string; notional: string; tradeCount: number; buyVolume: string; sellVolume: string; firstTradeId: string | null; lastTradeId: string | null; empty: boolean };

function storedSeconds(r: Rig): Map<number, Second> {
  const rows = readSqlite<Record<string, unknown>>(r.db, 'SELECT * FROM snapshots WHERE venue = ? AND symbol = ? ORDER BY start_time', 'binance', SYMBOL);
  const out = new Map<number, Second>();
  for (const row of rows) {
    const s = snapshotFromRow(row);
    expect(out.has(s.startTime)).toBe(false); // one row per key: the latest revision
    out.set(s.startTime, {
      open: normalizeDecimal(s.open), high: normalizeDecimal(s.high), low: normalizeDecimal(s.low), close: normalizeDecimal(s.close),
      volume: normalizeDecimal(s.volume), notional: normalizeDecimal(s.notional), tradeCount: s.tradeCount,
      buyVolume: normalizeDecimal(s.buyVolume), sellVolume: normalizeDecimal(s.sellVolume), firstTradeId: s.firstTradeId, lastTradeId: s.lastTradeId, empty: s.empty,
    });
  }
  return out;
}

/**
 * Snapshots from the ground truth, independently of src/aggregate: trades grouped by second of
 * their time (id order within), BigInt sums (reference.ts); every second from the first trade's to
 * `toSec` present, quiet ones carrying the previous close with zero volume and no ids.
 */
function truthSeconds(trades: readonly TruthTrade[], toSec: number): Map<number, Second> {
  const groups = new Map<number, Trade[]>();
  for (const t of trades) {
    const sec = t.timeMs - (t.timeMs % 1000);
    const trade: Trade = {
      type: 'trade', venue: 'binance', symbol: SYMBOL, tradeId: String(t.id), seq: t.id, price: t.price, size: t.qty,
      side: t.buyerMaker === null ? 'unknown' : t.buyerMaker ? 'sell' : 'buy', source: 'trade', eventTime: t.timeMs, receiveTime: t.timeMs,
    };
    const g = groups.get(sec);
    if (g) g.push(trade); else groups.set(sec, [trade]);
  }
  const out = new Map<number, Second>();
  const first = Math.min(...groups.keys());
  let carry = '0';
  for (let sec = first; sec <= toSec; sec += 1000) {
    const g = groups.get(sec);
    if (g) {
      const { vwap: _v, ...f } = refOhlcv(g.sort((a, b) => a.seq! - b.seq!));
      out.set(sec, { ...f, empty: false });
      carry = f.close;
    } else {
      out.set(sec, { open: carry, high: carry, low: carry, close: carry, volume: '0', notional: '0', tradeCount: 0, buyVolume: '0', sellVolume: '0', firstTradeId: null, lastTradeId: null, empty: true });
    }
  }
  return out;
}

/** Stops the gateway (closes every open window, drains the sink) and compares every stored second. */
async function expectStoredSecondsEqual(r: Rig, truth: readonly TruthTrade[]): Promise<number> {
  await r.gw.stop();
  const stored = storedSeconds(r);
  const want = truthSeconds(truth, Math.max(...stored.keys()));
  expect([...stored.keys()]).toEqual([...want.keys()]);
  for (const [sec, w] of want) expect({ sec, ...stored.get(sec) }).toEqual({ sec, ...w });
  return stored.size;
}

describe('gateway end to end: REST backfill of a long venue outage', () => {
  it('a 110k-trade outage: every trade reaches the subscriber once, in id order, same price and size; stored 1 s snapshots equal the ground truth', async () => {
    const r = await start(400_000, 'backfill');
    const lastBefore = await liveThenDrop(r, 10_000);
    // The outage: 60k trades spread over the seconds since the drop, a quiet stretch of whole
    // seconds, then 50k more within the last 500 ms; all only in the venue's REST history.
    await new Promise((res) => setTimeout(res, 2_500));
    const h1 = r.sim.generateHistory({ symbol: SYMBOL, trades: 60_000 });
    expect(h1.firstId).toBe(lastBefore + 1);
    await new Promise((res) => setTimeout(res, 2_600));
    const h2 = r.sim.generateHistory({ symbol: SYMBOL, trades: 50_000, fromMs: Date.now() - 500 });
    expect(h2.lastId - lastBefore).toBeGreaterThanOrEqual(110_000);
    // Still refused: all 110k are only in the REST history.
    expect(r.gw.feeds.get('binance')!.integrity.stats().streamsBehind).toBe(1);
    await waitFor(() => r.gw.feeds.get('binance')!.integrity.stats().backfillsInProgress > 0, 'the reconnect backfill', 20_000);
    // Live trades go on during the backfill (merged in id order behind it).
    r.sim.generate(500, { venue: 'binance', symbol: SYMBOL });
    await waitFor(() => lastViewId(r) === r.lastId(), 'every trade up to the newest', 50_000,
      () => ({ last: lastViewId(r), want: r.lastId(), integrity: r.gw.feeds.get('binance')!.integrity.stats() }));
    await waitFor(() => r.gw.feeds.get('binance')!.integrity.stats().streamsBehind === 0, 'the stream whole again', 10_000);

    // Every trade the simulator ever made (the ring holds them all): ids are contiguous.
    const truth = r.sim.truth.trades('binance', SYMBOL);
    expect(truth.at(-1)!.id - truth[0]!.id + 1).toBe(truth.length);
    expect(truth.length).toBeGreaterThan(110_000);
    if (process.env.DEBUG_E2E_BACKFILL || r.view.length !== truth.length) {
      const want = truth.map(truthLine);
      const i = want.findIndex((w, k) => r.view[k] !== w);
      console.log(JSON.stringify({ i, want: want.slice(Math.max(0, i - 2), i + 3), got: r.view.slice(Math.max(0, i - 2), i + 3), odd: r.view.filter((v) => !/^\d/.test(v)).slice(0, 5),
        lastBefore, h1, h2, server: r.gw.server!.stats(), consumers: r.gw.pipeline.stats().consumers, integrity: r.gw.feeds.get('binance')!.integrity.stats() }));
    }
    expect(r.view.length).toBe(truth.length);
    expect(r.view).toEqual(truth.map(truthLine));

    const samples = parseMetrics(await r.gw.metrics.text());
    expect(metric(samples, 'tickgate_trade_gaps_declared_total', { venue: 'binance' })).toBe(0);
    expect(metric(samples, 'tickgate_backfills_in_progress', { venue: 'binance' })).toBe(0);
    expect(metric(samples, 'tickgate_backfill_trades_total', { venue: 'binance' })).toBeGreaterThanOrEqual(110_000);
    expect(metric(samples, 'tickgate_consumer_healthy', { consumer: 'aggregate' })).toBe(1);
    expect(metric(samples, 'tickgate_handler_abandoned_in_flight', { consumer: 'downstream-trades' })).toBe(0);
    for (const c of ['aggregate', 'downstream-trades', 'trade-gaps']) expect(r.gw.pipeline.stats().consumers[c]!.dropped.total).toBe(0);
    expect(r.gw.server!.stats().drops).toBe(0);
    expect(r.gw.aggregator.stats().trades).toBe(truth.length);

    const seconds = await expectStoredSecondsEqual(r, truth);
    expect(seconds).toBeGreaterThanOrEqual(5);
    // The quiet stretch inside the outage is stored as empty seconds carrying the last close.
    const quietInOutage = [...storedSeconds(r)].filter(([sec, v]) => v.empty && sec > h1.toMs && sec + 1000 <= h2.fromMs);
    expect(quietInOutage.length).toBeGreaterThanOrEqual(1);
    expect(readSqlite(r.db, 'SELECT * FROM trade_gaps')).toEqual([]);
  }, 90_000);

  it('an outage past the venue history window: the hole is declared (stored trade_gap row, gap notice in order, error line, metric); everything else arrives once', async () => {
    const r = await start(20_000, 'window');
    const lastBefore = await liveThenDrop(r, 1_500);
    // Every trade so far: the 20k ring still holds them all; the outage's trades will push them out.
    const before = r.sim.truth.trades('binance', SYMBOL);
    expect(before.at(-1)!.id).toBe(lastBefore);
    const h = r.sim.generateHistory({ symbol: SYMBOL, trades: 50_000 });
    r.sim.generate(200, { venue: 'binance', symbol: SYMBOL });
    await waitFor(() => lastViewId(r) === r.lastId(), 'the trades after the hole', 40_000,
      () => ({ last: lastViewId(r), want: r.lastId(), integrity: r.gw.feeds.get('binance')!.integrity.stats() }));
    const held = r.sim.truth.trades('binance', SYMBOL);
    const firstHeld = held[0]!.id;
    expect(firstHeld).toBeGreaterThan(lastBefore + 1);
    expect(firstHeld).toBeLessThan(h.lastId);
    const code = 'history_window_exceeded';

    // The subscriber: the trades before, the notice, then every held trade, each once, in order.
    expect(r.view).toEqual([...before.map(truthLine), `gap:${lastBefore + 1}-${firstHeld - 1}:${code}`, ...held.map(truthLine)]);
    // The error line, with venue, symbol, range and reason.
    const errors = r.logs.filter((l) => l['level'] === 50 && String(l['msg']).startsWith('trade gap declared'));
    expect(errors).toEqual([expect.objectContaining({ venue: 'binance', symbol: SYMBOL, source: 'trade', fromId: lastBefore + 1, toId: firstHeld - 1, missing: firstHeld - 1 - lastBefore, reason: code })]);
    const samples = parseMetrics(await r.gw.metrics.text());
    expect(metric(samples, 'tickgate_trade_gaps_declared_total', { venue: 'binance' })).toBe(1);

    // Storage: the gap record with the exact range, and every second equal to the truth without the hole.
    await expectStoredSecondsEqual(r, [...before, ...held]);
    const gaps = readSqlite<Record<string, unknown>>(r.db, 'SELECT venue, symbol, source, from_id, to_id, reason FROM trade_gaps');
    expect(gaps).toEqual([{ venue: 'binance', symbol: SYMBOL, source: 'trade', from_id: lastBefore + 1, to_id: firstHeld - 1, reason: code }]);
  }, 60_000);

  it('a restart after more than maxResumeTrades: the hole since the last stored trade is declared (row, notice before the first live trade, error line, metric)', async () => {
    const MAX_RESUME = 5_000;
    const r1 = await start(400_000, 'resume', { integrity: { maxResumeTrades: MAX_RESUME } });
    r1.sim.generate(300, { venue: 'binance', symbol: SYMBOL });
    await waitFor(() => lastViewId(r1) === r1.lastId(), 'live trades before the stop', 15_000);
    const lastBefore = r1.lastId();
    const view1 = r1.view.slice();
    await r1.client.close();
    await r1.gw.stop();
    // While stopped: more trades than maxResumeTrades.
    const h = r1.sim.generateHistory({ symbol: SYMBOL, trades: 3 * MAX_RESUME });
    const r2 = await start(400_000, 'resume', { sim: r1.sim, integrity: { maxResumeTrades: MAX_RESUME } });
    r2.sim.generate(200, { venue: 'binance', symbol: SYMBOL });
    await waitFor(() => lastViewId(r2) === r2.lastId(), 'live trades after the restart', 20_000,
      () => ({ last: lastViewId(r2), want: r2.lastId(), integrity: r2.gw.feeds.get('binance')!.integrity.stats() }));
    const truth = r2.sim.truth.trades('binance', SYMBOL);
    const code = 'max_resume_exceeded';

    expect(view1).toEqual(truth.filter((t) => t.id <= lastBefore).map(truthLine));
    expect(r2.view).toEqual([`gap:${lastBefore + 1}-${h.lastId}:${code}`, ...truth.filter((t) => t.id > h.lastId).map(truthLine)]);
    const errors = r2.logs.filter((l) => l['level'] === 50 && String(l['msg']).startsWith('trade gap declared'));
    expect(errors).toEqual([expect.objectContaining({ venue: 'binance', symbol: SYMBOL, fromId: lastBefore + 1, toId: h.lastId, missing: h.lastId - lastBefore, reason: code })]);
    expect(metric(parseMetrics(await r2.gw.metrics.text()), 'tickgate_trade_gaps_declared_total', { venue: 'binance' })).toBe(1);
    await r2.gw.stop();
    const gaps = readSqlite<Record<string, unknown>>(r2.db, 'SELECT venue, symbol, source, from_id, to_id, reason FROM trade_gaps');
    expect(gaps).toEqual([{ venue: 'binance', symbol: SYMBOL, source: 'trade', from_id: lastBefore + 1, to_id: h.lastId, reason: code }]);
  }, 60_000);
});
