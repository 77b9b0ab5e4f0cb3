/**
 * The fault classes of the chaos suite, per venue. Each names how it is injected, when it is
 * over, and what proves it bit (so a fault that silently did nothing fails the test).
 */
import { expect } from 'vitest';
import type { ChaosRig, ChaosVenue } from './rig.js';
import { waitFor } from './rig.js';
import { failedAttempts, holdReconnects, holdUntil, oneShot, refuse, untilConsumed, untilReconnect } from './faults.js';
import type { Scenario } from './scenario.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface VenueStreams {
  readonly trade: string;
  readonly depth: string;
  readonly oneStream: string;
  /** Streams malformed frames replace (Bybit: books, so the book-rebuild timing is measured). */
  readonly malformed: string | undefined;
}

const STREAMS: Record<'binance' | 'bybit', VenueStreams> = {
  binance: { trade: '@trade', depth: '@depth@100ms', oneStream: 'btcusdt@trade', malformed: undefined },
  bybit: { trade: 'publicTrade', depth: 'orderbook', oneStream: 'publicTrade.BTCUSDT', malformed: 'orderbook' },
};

/**
 * Runs a book-breaking fault, then requires every resync it caused to be rebuilt, while data
 * flows, by the resync itself: no reconnect or stream-stale resubscription (which could rebuild
 * the book by accident) happened before the rebuild. That is what is asserted, not a wall-clock
 * bound standing for it (1 s: stream-stale handling waits 1.5 s), which a loaded machine missed.
 */
async function booksRebuiltQuickly(rig: ChaosRig, venue: ChaosVenue, fault: () => Promise<void>): Promise<void> {
  const before = rig.feed(venue).integrity.stats();
  const repairsBefore = rig.repairs(venue);
  await fault();
  let repairsAtRebuild = -1;
  await waitFor(() => {
    const s = rig.feed(venue).integrity.stats();
    const rebuilt = s.bookResyncs > before.bookResyncs && s.bookSnapshots - before.bookSnapshots >= s.bookResyncs - before.bookResyncs;
    if (rebuilt) repairsAtRebuild = rig.repairs(venue);
    return rebuilt;
  }, 10_000, 'every resynced book rebuilt');
  expect(repairsAtRebuild - repairsBefore, 'reconnects and stream-stale resubscriptions before the books were rebuilt').toBe(0);
}

const reconnected = (venue: ChaosVenue) => (rig: ChaosRig): void => {
  expect(rig.reconnects(venue), 'the fault forced a reconnect').toBeGreaterThan(0);
};

/**
 * Fault classes that apply to every venue. `dropsTrades`: trade frames are lost on the wire
 * (socket down, skipped or stopped); only a venue with a trade backfill can recover them.
 */
export function commonScenarios(venue: 'binance' | 'bybit'): (Scenario & { readonly dropsTrades: boolean })[] {
  const st = STREAMS[venue];
  const close = (code: number): Scenario & { dropsTrades: boolean } => ({
    name: `close ${code}`, venue, dropsTrades: true,
    fault: (rig) => oneShot(rig, venue, { kind: 'close', code, reason: `chaos ${code}` }),
    bit: reconnected(venue),
  });
  return [
    { name: 'half-open (silent)', venue, dropsTrades: true, fault: (rig) => untilReconnect(rig, venue, { kind: 'silent' }), bit: reconnected(venue) },
    { name: 'no-pong', venue, dropsTrades: true, fault: (rig) => untilReconnect(rig, venue, { kind: 'no-pong' }), bit: reconnected(venue) },
    { name: 'refuse 1.5 s', venue, dropsTrades: true, fault: (rig) => refuse(rig, venue, 1_500), bit: reconnected(venue) },
    { name: 'reset x2', venue, dropsTrades: true, fault: (rig) => holdReconnects(rig, venue, { kind: 'reset' }, 2), bit: reconnected(venue) },
    close(1000), close(1006), close(1013), close(1008),
    { name: 'stall-upgrade', venue, dropsTrades: true, fault: (rig) => holdReconnects(rig, venue, { kind: 'stall-upgrade' }, 1), bit: reconnected(venue) },
    {
      name: 'delay-upgrade 1.2 s', venue, dropsTrades: true,
      fault: async (rig) => {
        const gen = rig.generation(venue);
        rig.sim.faults.inject({ kind: 'delay-upgrade', delayMs: 1_200, count: 1, venue });
        rig.sim.faults.inject({ kind: 'close', code: 1001, reason: 'going away', venue });
        rig.markCleared([venue], gen);
        await waitFor(() => rig.reconnects(venue) > 0, 10_000, 'reconnect through the delayed upgrade');
      },
      bit: (rig) => {
        reconnected(venue)(rig);
        expect(failedAttempts(rig, venue), 'a 1.2 s upgrade is within connectTimeoutMs').toBe(0);
      },
    },
    {
      name: 'malformed garbage x3', venue, dropsTrades: false,
      fault: (rig) => (venue === 'bybit'
        ? booksRebuiltQuickly(rig, venue, () => untilConsumed(rig, venue, { kind: 'malformed', mode: 'garbage', count: 3, stream: st.malformed }))
        : untilConsumed(rig, venue, { kind: 'malformed', mode: 'garbage', count: 3, stream: st.malformed })),
      bit: (rig) => expect(rig.feed(venue).stats().malformed).toBeGreaterThanOrEqual(3),
    },
    {
      name: 'malformed truncated-json x3', venue, dropsTrades: false,
      fault: (rig) => (venue === 'bybit'
        ? booksRebuiltQuickly(rig, venue, () => untilConsumed(rig, venue, { kind: 'malformed', mode: 'truncated-json', count: 3, stream: st.malformed }))
        : untilConsumed(rig, venue, { kind: 'malformed', mode: 'truncated-json', count: 3, stream: st.malformed })),
      bit: (rig) => expect(rig.feed(venue).stats().malformed).toBeGreaterThanOrEqual(3),
    },
    {
      name: 'truncated ws frame', venue, dropsTrades: true,
      fault: (rig) => untilConsumed(rig, venue, { kind: 'malformed', mode: 'truncated-frame', count: 1 }, true),
      bit: reconnected(venue),
    },
    {
      name: 'skip 5 trade ids', venue, dropsTrades: true,
      fault: (rig) => untilConsumed(rig, venue, { kind: 'skip', stream: st.trade, count: 5 }),
      bit: (rig) => expect(rig.sim.truth.trades(venue, 'BTCUSDT').concat(rig.sim.truth.trades(venue, 'ETHUSDT'), rig.sim.truth.trades(venue, 'SOLUSDT')).filter((t) => t.published === 0).length).toBe(5),
    },
    {
      name: 'repeat 5 trade ids', venue, dropsTrades: false,
      fault: (rig) => untilConsumed(rig, venue, { kind: 'repeat', stream: st.trade, count: 5 }),
      bit: (rig) => expect(rig.feed(venue).integrity.stats().duplicatesDropped).toBeGreaterThanOrEqual(5),
    },
    {
      name: 'skip 2 depth updates', venue, dropsTrades: false,
      fault: (rig) => booksRebuiltQuickly(rig, venue, () => untilConsumed(rig, venue, { kind: 'skip', stream: st.depth, count: 2 })),
      bit: (rig) => expect(rig.feed(venue).integrity.stats().bookResyncs).toBeGreaterThanOrEqual(1),
    },
    {
      name: 'stop one stream', venue, dropsTrades: true,
      fault: (rig) => holdUntil(rig, venue, { kind: 'stop-stream', stream: st.oneStream },
        () => rig.feed(venue).connectionList().some((c) => c.stats().streamStaleEpisodes > 0), 'the stopped stream reported stale'),
      bit: (rig) => expect(rig.sim.truth.trades(venue, 'BTCUSDT').some((t) => t.published === 0), 'trades were held back').toBe(true),
    },
    {
      // The slow socket itself must deliver everything: Bybit's periodic REST check would deliver first and hide it.
      name: 'throttle 3 kB/s', venue, dropsTrades: false, ...(venue === 'bybit' ? { rig: { bybitReconcileMs: 0 } } : {}),
      fault: (rig) => holdUntil(rig, venue, { kind: 'throttle', bytesPerSec: 3_000 }, () => rig.maxLagMs(venue) > 700, 'trades arrive late'),
      bit: (rig) => expect(rig.maxLagMs(venue)).toBeGreaterThan(700),
    },
    {
      name: 'restart 0.5 s', venue, dropsTrades: true,
      fault: async (rig) => {
        const gen = rig.generation(venue);
        rig.sim.faults.inject({ kind: 'restart', downMs: 500 });
        await sleep(500); // the fault's own duration: the port listens again after it
        rig.markCleared([venue], gen);
      },
      bit: reconnected(venue),
    },
  ];
}

/** REST failures while a backfill or a snapshot runs (Binance: the venue with REST repair). */
export function restScenarios(): Scenario[] {
  const venue = 'binance' as const;
  return [
    {
      name: 'REST 429 in trade backfill', venue,
      fault: async (rig) => {
        rig.sim.faults.inject({ kind: 'rest-error', venue, status: 429, retryAfterS: 1, path: '/api/v3/historicalTrades', count: 2 });
        await untilConsumed(rig, venue, { kind: 'skip', stream: '@trade', count: 5 });
      },
      bit: (rig) => {
        expect(rig.rest.stats().rateLimited).toBeGreaterThanOrEqual(2);
        expect(rig.feed(venue).integrity.stats().tradesBackfilled).toBe(5);
      },
    },
    {
      name: 'REST 503 in trade backfill', venue,
      fault: async (rig) => {
        rig.sim.faults.inject({ kind: 'rest-error', venue, status: 503, path: '/api/v3/historicalTrades', count: 2 });
        await untilConsumed(rig, venue, { kind: 'skip', stream: '@trade', count: 5 });
      },
      bit: (rig) => {
        expect(rig.rest.stats().retries).toBeGreaterThanOrEqual(2);
        expect(rig.feed(venue).integrity.stats().tradesBackfilled).toBe(5);
      },
    },
    {
      name: 'REST 429/503 in reconnect backfill', venue,
      fault: async (rig) => {
        rig.sim.faults.inject({ kind: 'rest-error', venue, status: 429, retryAfterS: 1, path: '/api/v3/historicalTrades', count: 1 });
        rig.sim.faults.inject({ kind: 'rest-error', venue, status: 503, path: '/api/v3/depth', count: 3 });
        await holdReconnects(rig, venue, { kind: 'reset' }, 1);
      },
      bit: (rig) => {
        expect(rig.rest.stats().rateLimited).toBeGreaterThanOrEqual(1);
        expect(rig.feed(venue).integrity.stats().reconnectBackfills).toBeGreaterThanOrEqual(1);
      },
    },
  ];
}

/** REST failures while Bybit's recent-trades backfill runs. */
export function bybitRestScenarios(): Scenario[] {
  const venue = 'bybit' as const;
  const path = '/v5/market/recent-trade';
  return [
    {
      name: 'REST 429 in recent-trade check', venue,
      fault: async (rig) => {
        rig.sim.faults.inject({ kind: 'rest-error', venue, status: 429, retryAfterS: 1, path, count: 2 });
        await untilConsumed(rig, venue, { kind: 'skip', stream: 'publicTrade', count: 5 });
      },
      bit: (rig) => {
        expect(rig.bybitRest.stats().rateLimited).toBeGreaterThanOrEqual(2);
        expect(rig.feed(venue).integrity.stats().tradesBackfilled).toBe(5);
      },
    },
    {
      name: 'REST 503 in reconnect backfill', venue,
      fault: async (rig) => {
        rig.sim.faults.inject({ kind: 'rest-error', venue, status: 503, path, count: 2 });
        await holdReconnects(rig, venue, { kind: 'reset' }, 1);
      },
      bit: (rig) => {
        expect(rig.bybitRest.stats().retries).toBeGreaterThanOrEqual(2);
        expect(rig.feed(venue).integrity.stats().reconnectBackfills).toBeGreaterThanOrEqual(1);
      },
    },
  ];
}

/**
 * US equities (no books, no trade ids: trades are matched to the truth by time, price, size).
 * No repeat/skip classes: without ids a repeated frame is indistinguishable from two identical
 * back-to-back trades (the decoder keeps both by design) and a skipped one leaves no trace.
 */
export function equitiesScenarios(): (Scenario & { readonly dropsTrades: boolean })[] {
  const venue = 'equities' as const;
  return [
    {
      name: 'no fault (2 s of trades)', venue, dropsTrades: false,
      fault: async (rig) => {
        const before = rig.delivered(venue, 'AAPL').length;
        await waitFor(() => rig.delivered(venue, 'AAPL').length >= before + 40, 10_000, '40 more AAPL trades');
        rig.markCleared([venue]);
      },
      bit: () => undefined,
    },
    { name: 'close 1006', venue, dropsTrades: true, fault: (rig) => oneShot(rig, venue, { kind: 'close', code: 1006 }), bit: reconnected(venue) },
    { name: 'no-pong', venue, dropsTrades: true, fault: (rig) => untilReconnect(rig, venue, { kind: 'no-pong' }), bit: reconnected(venue) },
    {
      name: 'restart 0.5 s', venue, dropsTrades: true,
      fault: async (rig) => {
        const gen = rig.generation(venue);
        rig.sim.faults.inject({ kind: 'restart', downMs: 500 });
        await sleep(500);
        rig.markCleared([venue], gen);
      },
      bit: reconnected(venue),
    },
  ];
}
