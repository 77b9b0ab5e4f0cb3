/**
 * Chaos: Binance USD-M futures as the gateway builds it from config (feedsFromConfig:
 * venues.binanceFutures -> fstream rules, pu book rules, /fapi/v1 backfill and snapshots) against
 * the simulator's USD-M venue while faults are injected: a gap in the pu chain (a depth frame
 * skipped), reconnects (close 1006, a refused port), skipped trade frames. Afterwards every trade
 * the simulator generated is delivered exactly once and in id order per symbol, and every book
 * equals the simulator's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import type { FaultSpec } from '../../simulator/faults.js';
import { configSchema } from '../../src/config/schema.js';
import { feedsFromConfig } from '../../src/gateway/feeds-from-config.js';
import { VenueFeed } from '../../src/gateway/venue-feed.js';
import { ConnectionManager } from '../../src/connection/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { MarketEvent } from '../../src/model/events.js';
import { CHAOS_CONNECTION_OPTIONS, waitFor, withTimeout } from './helpers/rig.js';
import { accountTrades, compareBook, type DeliveredTrade } from './helpers/accounting.js';

const VENUE = 'binance-futures';
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const SCENARIO_TIMEOUT_MS = 45_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Rig {
  readonly sim: Simulator;
  readonly feed: VenueFeed;
  readonly manager: ConnectionManager;
  readonly delivered: Map<string, DeliveredTrade[]>;
  readonly extraEvents: Map<string, number>;
}

async function startRig(): Promise<Rig> {
  const sim = await startSimulator({ port: 0, seed: 21, rate: 900, symbols: SYMBOLS, marketHours: 'always-open' });
  const host = `127.0.0.1:${sim.port}`;
  const config = configSchema.parse({
    venues: { binanceFutures: { enabled: true, wsBaseUrl: `ws://${host}/binance-futures`, restBaseUrl: `http://${host}/binance-futures`, symbols: SYMBOLS, streams: ['trade', 'bookTicker', 'depth'] } },
    integrity: { retryDelayMs: 100, maxFetchAttempts: 20, maxSnapshotAttempts: 20 },
  });
  const [def] = feedsFromConfig(config, silentLogger());
  if (def?.venue !== VENUE) throw new Error('no binance-futures feed from the config');
  const delivered = new Map<string, DeliveredTrade[]>();
  const extraEvents = new Map<string, number>();
  const manager = new ConnectionManager({ options: CHAOS_CONNECTION_OPTIONS });
  const feed = new VenueFeed({
    venue: def.venue, key: def.venue, protocol: def.protocol, streams: def.streams, decoder: def.decoder, integrity: def.integrity,
    manager, connectionOptions: CHAOS_CONNECTION_OPTIONS, retryBaseDelayMs: 50, retryMaxDelayMs: 400,
    onEvent: (e: MarketEvent) => {
      extraEvents.set(e.type, (extraEvents.get(e.type) ?? 0) + 1);
      if (e.type !== 'trade') return;
      expect(e.venue).toBe(VENUE);
      let list = delivered.get(e.symbol);
      if (list === undefined) delivered.set(e.symbol, (list = []));
      list.push({ id: e.seq!, price: e.price, size: e.size, timeMs: e.eventTime, backfill: e.source === 'backfill' });
    },
  });
  await feed.start();
  const rig = { sim, feed, manager, delivered, extraEvents };
  // Trades on every symbol and books built from /fapi/v1/depth.
  await waitFor(() => SYMBOLS.every((s) => (delivered.get(s)?.length ?? 0) > 5 && (feed.integrity.book(s)?.lastUpdateId ?? -1) > 0), 15_000, 'trades and books on every symbol');
  return rig;
}

const reconnects = (r: Rig): number => r.feed.connectionList().reduce((n, c) => n + c.stats().reconnects, 0);

/** Stops generation, flushes the books, waits until every trade and book caught up and integrity is idle. */
async function settle(r: Rig): Promise<void> {
  r.sim.setRate(0);
  r.sim.publishBooks();
  const caughtUp = (): boolean => SYMBOLS.every((s) => {
    const last = r.sim.truth.lastTrade(VENUE, s);
    const got = r.delivered.get(s) ?? [];
    const top = got.reduce((m, d) => Math.max(m, d.id), -1);
    const truthBook = r.sim.truth.book(VENUE, s);
    return (last === undefined || top >= last.id) && (truthBook === null || compareBook(s, truthBook, r.feed.integrity.book(s)).equal);
  });
  await waitFor(caughtUp, 15_000, 'caught up').catch(() => undefined);
  await withTimeout(r.feed.integrity.idle(), 10_000).catch(() => undefined);
  await sleep(150); // anything still on the socket arrives; duplicates would show
}

function account(r: Rig): void {
  for (const s of SYMBOLS) {
    const got = r.delivered.get(s) ?? [];
    const fromId = got.reduce((m, d) => Math.min(m, d.id), Infinity);
    const t = accountTrades(s, r.sim.truth.trades(VENUE, s).filter((x) => x.id >= fromId), got);
    expect.soft(t, `${s}: trades vs ground truth`).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0, mismatched: 0, unknown: 0 });
    expect.soft(t.delivered, `${s}: delivered`).toBeGreaterThan(0);
    const truth = r.sim.truth.book(VENUE, s);
    expect(truth, `${s}: simulator book`).not.toBeNull();
    expect.soft(compareBook(s, truth!, r.feed.integrity.book(s)), `${s}: book vs simulator`).toMatchObject({ equal: true, firstDiff: null });
  }
}

interface Scenario {
  readonly name: string;
  readonly fault: (r: Rig) => Promise<void>;
  /** Proof the fault bit. */
  readonly bit: (r: Rig, before: ReturnType<VenueFeed['integrity']['stats']>) => void;
}

const inject = (r: Rig, spec: FaultSpec): string => r.sim.faults.inject({ ...spec, venue: VENUE }).id;
const consumed = (r: Rig, id: string): Promise<void> => waitFor(() => !r.sim.faults.list().some((a) => a.id === id), 10_000, `fault ${id} applied`);

const SCENARIOS: Scenario[] = [
  {
    name: 'gap in pu (one depth frame skipped per symbol)',
    fault: async (r) => { for (const s of SYMBOLS) await consumed(r, inject(r, { kind: 'skip', stream: `${s.toLowerCase()}@depth@100ms`, count: 1 })); },
    bit: (r, before) => {
      const st = r.feed.integrity.stats();
      expect(st.bookResyncs - before.bookResyncs, 'a pu gap resyncs the book').toBeGreaterThanOrEqual(SYMBOLS.length);
      expect(st.bookSnapshots - before.bookSnapshots, 'each resync took a /fapi/v1/depth snapshot').toBeGreaterThanOrEqual(st.bookResyncs - before.bookResyncs);
    },
  },
  {
    name: 'reconnect (close 1006)',
    fault: async (r) => { const n = reconnects(r); inject(r, { kind: 'close', code: 1006, reason: 'chaos 1006' }); await waitFor(() => reconnects(r) > n, 10_000, 'reconnect'); await sleep(500); },
    bit: (r) => expect(reconnects(r), 'the fault forced a reconnect').toBeGreaterThan(0),
  },
  {
    name: 'resync after a refused port (1.5 s down, trades backfilled from /fapi/v1)',
    fault: async (r) => { inject(r, { kind: 'refuse', durationMs: 1_500 }); inject(r, { kind: 'close', code: 1001, reason: 'going away' }); await sleep(1_500); await waitFor(() => r.feed.live && reconnects(r) > 0, 10_000, 'back'); },
    bit: (r, before) => {
      expect(reconnects(r)).toBeGreaterThan(0);
      expect(r.feed.integrity.stats().tradesBackfilled - before.tradesBackfilled, 'trades missed while down were backfilled').toBeGreaterThan(0);
    },
  },
  {
    name: 'skipped trade frames (sequence gap backfilled)',
    fault: async (r) => consumed(r, inject(r, { kind: 'skip', stream: 'btcusdt@trade', count: 5 })),
    bit: (r, before) => expect(r.feed.integrity.stats().tradesBackfilled - before.tradesBackfilled, 'the skipped trades were backfilled').toBeGreaterThanOrEqual(5),
  },
];

const rows: Record<string, unknown>[] = [];
afterAll(() => console.table(rows));

describe('chaos: binance USD-M futures from config against the misbehaving simulator', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: no trade lost or duplicated, books equal the simulator's`, async () => {
      const r = await startRig();
      try {
        await sleep(300);
        const before = r.feed.integrity.stats();
        await s.fault(r);
        await sleep(1_500); // data flows after the fault
        await settle(r);
        s.bit(r, before);
        // Backfill and snapshots went to the USD-M REST (/fapi/v1 on the futures host), never to spot's.
        const rest = r.sim.stats().rest as Record<string, { requests: number } | undefined>;
        expect(rest['binance-futures']?.requests, 'USD-M REST requests').toBeGreaterThan(0);
        expect(rest.binance?.requests ?? 0, 'spot REST requests').toBe(0);
        account(r);
        const st = r.feed.integrity.stats();
        rows.push({ fault: s.name, delivered: SYMBOLS.reduce((n, x) => n + (r.delivered.get(x)?.length ?? 0), 0), reconnects: reconnects(r), backfilled: st.tradesBackfilled, resyncs: st.bookResyncs, snapshots: st.bookSnapshots, tickers: r.extraEvents.get('book_ticker') ?? 0 });
      } finally {
        await r.feed.stop();
        await r.manager.shutdown();
        await r.sim.close();
      }
    }, SCENARIO_TIMEOUT_MS);
  }
});
