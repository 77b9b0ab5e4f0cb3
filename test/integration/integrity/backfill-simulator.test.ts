/**
 * Streamed trade backfill through the real parts: the simulator (WebSocket + REST with its weight
 * limit and history window), ConnectionManager, VenueFeed, FeedIntegrity, BinanceRest. A venue
 * outage during which 120k trades happen is backfilled page by page through historicalTrades
 * while the live stream goes on; every trade id of the ground truth arrives exactly once, in
 * order, with its price and size, bracketed by one behind/whole marker pair. Past the venue's
 * history window the lost ids are declared as one TradeGap with the exact range.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../simulator/index.js';
import { ConnectionManager } from '../../../src/connection/index.js';
import { VenueFeed } from '../../../src/gateway/venue-feed.js';
import { binanceProtocol, binanceStream } from '../../../src/venues/binance/rules.js';
import { BinanceDecoder } from '../../../src/venues/binance/decode.js';
import { BinanceRest } from '../../../src/venues/binance/rest.js';
import type { IntegrityAlert } from '../../../src/integrity/feed-integrity.js';
import type { MarketEvent, Trade } from '../../../src/model/events.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import { CHAOS_CONNECTION_OPTIONS, waitFor } from '../../chaos/helpers/rig.js';

const SYMBOL = 'BTCUSDT';
const MAX_BUFFERED = 2_000;

interface Rig {
  readonly sim: Simulator;
  readonly feed: VenueFeed;
  readonly rest: BinanceRest;
  readonly manager: ConnectionManager;
  readonly events: MarketEvent[];
  readonly alerts: IntegrityAlert[];
}

let rig: Rig | null = null;

afterEach(async () => {
  if (!rig) return;
  await rig.feed.stop();
  await rig.manager.shutdown();
  await rig.sim.close();
  rig = null;
});

async function start(historyTradesPerSymbol: number): Promise<Rig> {
  const sim = await startSimulator({ port: 0, seed: 11, rate: 0, symbols: [SYMBOL], venues: ['binance'], randomBursts: false, historyTradesPerSymbol });
  const manager = new ConnectionManager({ options: CHAOS_CONNECTION_OPTIONS });
  // Binance's real weight budget (6000/min, 80% for us, 80% of that for backfill pages).
  const rest = new BinanceRest({ restBaseUrl: sim.urls.binanceRest, maxRetries: 3, rateLimitBackoffMs: 200 });
  const events: MarketEvent[] = [];
  const alerts: IntegrityAlert[] = [];
  const feed = new VenueFeed({
    venue: 'binance', key: 'binance', manager, connectionOptions: CHAOS_CONNECTION_OPTIONS,
    protocol: binanceProtocol({ wsBaseUrl: `ws://127.0.0.1:${sim.port}/binance`, rateLimitBackoffMs: 1_000 }),
    streams: [binanceStream(SYMBOL, 'trade')], decoder: () => new BinanceDecoder(),
    integrity: { fetchTrades: rest.fetchTrades, maxBufferedTrades: MAX_BUFFERED, retryDelayMs: 100, maxFetchAttempts: 20 },
    onEvent: (e) => events.push(e), onAlert: (a) => alerts.push(a), retryBaseDelayMs: 50, retryMaxDelayMs: 400,
  });
  await feed.start();
  rig = { sim, feed, rest, manager, events, alerts };
  return rig;
}

const tradesOf = (events: readonly MarketEvent[]): Trade[] => events.filter((e): e is Trade => e.type === 'trade');
const lastTradeId = (r: Rig): number => r.sim.truth.lastTrade('binance', SYMBOL)?.id ?? -1;
const deliveredUpTo = (r: Rig, id: number): boolean => { const t = tradesOf(r.events); return t.length > 0 && t[t.length - 1]!.seq! >= id; };
const markerLabels = (events: readonly MarketEvent[]): string[] => events.flatMap((e) => (e.type === 'stream_state' ? [`${e.state}:${e.reason}`] : e.type === 'trade_gap' ? [`gap:${e.reason}`] : []));

/**
 * The episode's markers are `episode`; a socket dropped after it (ping timeout on a loaded
 * machine, no trades left to miss at rate 0) may add whole behind/whole pairs, nothing else.
 */
function expectMarkers(events: readonly MarketEvent[], episode: readonly string[]): void {
  const labels = markerLabels(events);
  expect(labels.slice(0, episode.length)).toEqual(episode);
  const rest = labels.slice(episode.length);
  expect(rest).toEqual(rest.map((l, i) => (i % 2 === 1 ? 'whole:caught_up' : l === 'behind:reconnect' ? l : 'behind:disconnected')));
  expect(rest.length % 2).toBe(0);
}

/** Some live trades, then the venue drops the socket and refuses reconnects while `trades` happen. */
async function outage(r: Rig, trades: number): Promise<{ lastBefore: number; firstId: number; lastId: number; generateMs: number }> {
  r.sim.generate(300, { venue: 'binance', symbol: SYMBOL });
  await waitFor(() => deliveredUpTo(r, lastTradeId(r)), 10_000, 'live trades before the outage');
  const lastBefore = lastTradeId(r);
  r.sim.faults.inject({ kind: 'refuse', durationMs: 1_500 });
  r.sim.faults.inject({ kind: 'close', venue: 'binance', code: 1006 });
  await waitFor(() => r.events.some((e) => e.type === 'stream_state'), 10_000, 'the disconnect marker');
  const h = r.sim.generateHistory({ symbol: SYMBOL, trades });
  return { lastBefore, firstId: h.firstId, lastId: h.lastId, generateMs: h.ms };
}

/** Content of delivered trades vs the ground truth, in delivery order (nothing sorted). */
function contents(ts: readonly { id: number; price: string; size: string }[]): string[] {
  return ts.map((t) => `${t.id} ${normalizeDecimal(t.price)} ${normalizeDecimal(t.size)}`);
}

describe('trade backfill against the simulator', () => {
  it('backfills a 120k-trade outage through historicalTrades while live trades go on: every truth id exactly once, in order, same price and size', async () => {
    const r = await start(400_000);
    const o = await outage(r, 120_000);
    expect(o.firstId).toBe(o.lastBefore + 1);
    // After the reconnect the live stream goes on during the backfill (buffered, overflow refetched).
    await waitFor(() => r.feed.integrity.stats().backfillsInProgress > 0, 15_000, 'the reconnect backfill');
    r.sim.setRate(1_500);
    // Ids remaining are unknown (0) between a reconnect and its first live trade: a loaded machine
    // drops the socket on ping timeouts during the backfill, so sample once the end is known.
    await waitFor(() => { const s = r.feed.integrity.stats(); return s.backfillTradesFetched > 60_000 && s.backfillIdsRemaining > 0; }, 30_000, 'half the backfill');
    const mid = r.feed.integrity.stats();
    r.sim.setRate(0);
    const end = lastTradeId(r);
    await waitFor(() => deliveredUpTo(r, end), 40_000, 'every trade up to the newest');
    // A socket dropped at the backfill's tail (ping timeout on a loaded machine) ends the episode
    // behind: 'whole' comes after the reconnect's catch-up, so wait for it, not only for idle().
    await waitFor(() => r.feed.integrity.stats().streamsBehind === 0, 15_000, 'the whole marker');
    await r.feed.integrity.idle();

    const got = tradesOf(r.events);
    const truth = r.sim.truth.trades('binance', SYMBOL, { fromId: got[0]!.seq! });
    expect(truth.at(-1)!.id).toBe(end);
    expect(got.length).toBe(truth.length);
    expect(contents(got.map((t) => ({ id: t.seq!, price: t.price, size: t.size })))).toEqual(contents(truth.map((t) => ({ id: t.id, price: t.price, size: t.qty }))));
    // One behind/whole pair: behind right after the last trade before the outage, whole once caught up.
    expectMarkers(r.events, ['behind:disconnected', 'whole:caught_up']);
    const behindAt = r.events.findIndex((e) => e.type === 'stream_state');
    expect((r.events[behindAt - 1] as Trade).seq).toBe(o.lastBefore);
    const wholeAt = r.events.findIndex((e) => e.type === 'stream_state' && e.state === 'whole');
    expect(tradesOf(r.events.slice(0, wholeAt)).at(-1)!.seq!).toBeGreaterThanOrEqual(o.lastId);
    const s = r.feed.integrity.stats();
    if (process.env.DEBUG_BACKFILL) console.log(JSON.stringify({ s, rest: r.rest.stats(), mid, got: got.length }));
    expect(s).toMatchObject({ tradeGapsDeclared: 0, streamsBehind: 0, backfillsInProgress: 0, bufferedTrades: 0 });
    expect(s.tradesBackfilled).toBeGreaterThanOrEqual(120_000);
    // Memory bounds held: live buffer and pages in flight.
    expect(s.peakBufferedTrades).toBeLessThanOrEqual(MAX_BUFFERED);
    expect(r.rest.stats().maxPagesInFlight).toBeLessThanOrEqual(2);
    expect(mid.backfillIdsRemaining + mid.backfillTradesFetched).toBeGreaterThanOrEqual(120_000);
    expect(r.alerts).toEqual([]);
    expect(r.rest.stats().rateLimited).toBe(0);
  }, 60_000);

  it('past the venue history window the lost ids are declared as one TradeGap with the exact range, before the first trade after it', async () => {
    const r = await start(20_000);
    const o = await outage(r, 50_000);
    await waitFor(() => deliveredUpTo(r, o.lastId), 30_000, 'the backfill');
    await waitFor(() => r.feed.integrity.stats().streamsBehind === 0, 15_000, 'the whole marker');
    await r.feed.integrity.idle();
    const held = r.sim.truth.trades('binance', SYMBOL);
    const firstHeld = held[0]!.id;
    expect(firstHeld).toBeGreaterThan(o.lastBefore + 1);

    expectMarkers(r.events, ['behind:disconnected', 'gap:history_window_exceeded', 'whole:declared_gap']);
    const gapAt = r.events.findIndex((e) => e.type === 'trade_gap');
    expect(r.events[gapAt]).toMatchObject({ type: 'trade_gap', venue: 'binance', symbol: SYMBOL, source: 'trade', fromId: o.lastBefore + 1, toId: firstHeld - 1, reason: 'history_window_exceeded' });
    expect((r.events[gapAt + 1] as Trade).seq).toBe(firstHeld);
    const after = tradesOf(r.events.slice(gapAt));
    expect(contents(after.map((t) => ({ id: t.seq!, price: t.price, size: t.size })))).toEqual(contents(held.map((t) => ({ id: t.id, price: t.price, size: t.qty }))));
    expect(r.alerts).toEqual([expect.objectContaining({ kind: 'trade_gap_unfilled', fromId: o.lastBefore + 1, toId: firstHeld - 1, reason: 'history_window_exceeded' })]);
    expect(r.feed.integrity.stats()).toMatchObject({ tradeGapsDeclared: 1, tradeIdsDeclaredMissing: firstHeld - 1 - o.lastBefore, streamsBehind: 0 });
  }, 60_000);
});
