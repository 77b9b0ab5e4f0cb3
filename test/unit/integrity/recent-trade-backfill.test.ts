import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Trade } from '../../../src/model/events.js';
import { RecentTradeBackfill, type RecentTradesPage } from '../../../src/integrity/recent-trade-backfill.js';
import { FeedIntegrity } from '../../../src/integrity/feed-integrity.js';
import type { IntegrityTimers } from '../../../src/integrity/timers.js';

/** Venue trade n: a UUID-like id (no sequence), 3 trades per ms so time ties occur. */
const trade = (n: number, source = 'publicTrade'): Trade => ({
  type: 'trade', venue: 'bybit', symbol: 'BTCUSDT', eventTime: 1_000 + Math.floor(n / 3), receiveTime: 0,
  tradeId: `e${(n * 2654435761 % 4294967296).toString(16)}-${n}`, seq: null, price: `${100 + (n % 7)}.5`, size: '1', side: 'buy', source,
});
const numOf = (t: Trade): number => Number(t.tradeId.slice(t.tradeId.indexOf('-') + 1));

/** A venue with trades 0..head-1 and a recent-trades page of `limit`, answered when the test says. */
class FakeVenue {
  head = 0;
  readonly pending: Array<() => void> = [];
  constructor(readonly limit: number) {}
  fetch = (): Promise<RecentTradesPage> => new Promise((resolve) => {
    // The page is taken when the answer leaves the venue, newest first.
    this.pending.push(() => {
      const trades: Trade[] = [];
      for (let n = this.head - 1; n >= Math.max(0, this.head - this.limit); n--) trades.push(trade(n, 'backfill'));
      resolve({ trades, limit: this.limit });
    });
  });
  async answerAll(): Promise<void> {
    while (this.pending.length > 0) {
      this.pending.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  }
}

const manualTimers = (): IntegrityTimers & { fire(): void } => {
  let fns: (() => void)[] = [];
  return {
    setTimeout: (fn) => { fns.push(fn); return fns.length; },
    clearTimeout: () => { fns = []; },
    fire: () => { const f = fns; fns = []; for (const fn of f) fn(); },
  };
};

describe('RecentTradeBackfill', () => {
  it('trades missed while the socket was down are emitted on reconnect, before the live trades that arrive meanwhile', async () => {
    const v = new FakeVenue(60);
    const out: Trade[] = [];
    const b = new RecentTradeBackfill({ symbol: 'BTCUSDT', source: 'publicTrade', fetchRecent: v.fetch, emit: (t) => out.push(t) });
    for (; v.head < 5; v.head++) b.push(trade(v.head));
    v.head += 10; // socket down: trades 5..14 never arrive
    b.check('reconnect');
    b.push(trade(v.head++)); // live trade 15 arrives while the page is in flight
    expect(out.length).toBe(5);
    await v.answerAll();
    b.push(trade(15)); // a repeat is dropped
    expect(out.map(numOf)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(out[5]!.source).toBe('backfill');
    expect(out[15]!.source).toBe('publicTrade');
    expect(b.stats()).toMatchObject({ tradesBackfilled: 10, late: 0, reconnectBackfills: 1, duplicatesDropped: 1, buffered: 0 });
  });

  it('a frame skipped inside the live stream is found by the next check and counted late', async () => {
    const v = new FakeVenue(60);
    const out: Trade[] = [];
    const b = new RecentTradeBackfill({ symbol: 'BTCUSDT', source: 'publicTrade', fetchRecent: v.fetch, emit: (t) => out.push(t) });
    for (; v.head < 10; v.head++) if (v.head !== 4) b.push(trade(v.head));
    b.check('reconcile');
    await v.answerAll();
    expect(out.map(numOf)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9, 4]);
    expect(b.stats()).toMatchObject({ tradesBackfilled: 1, late: 1, reconciliations: 1 });
  });

  it('the periodic check does not hold live trades back; a reconnect during it supersedes it and does', async () => {
    const v = new FakeVenue(60);
    const out: Trade[] = [];
    const b = new RecentTradeBackfill({ symbol: 'BTCUSDT', source: 'publicTrade', fetchRecent: v.fetch, emit: (t) => out.push(t) });
    b.push(trade(v.head++));
    b.check('reconcile');
    b.push(trade(v.head++));
    expect(out.map(numOf)).toEqual([0, 1]); // no latency added by the reconciliation
    v.head += 3; // 2..4 lost while the socket is down
    b.check('reconnect');
    b.push(trade(v.head++)); // 5, held until the page lands
    expect(out.map(numOf)).toEqual([0, 1]);
    await v.answerAll(); // the stale reconcile answer is ignored, the reconnect one merged
    expect(out.map(numOf)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(b.stats()).toMatchObject({ fetches: 2, reconnectBackfills: 1, reconciliations: 0, late: 0, tradesBackfilled: 3 });
  });

  it('a page that does not reach back to the last delivered trade reports the possible loss', async () => {
    const v = new FakeVenue(10);
    const seen: unknown[] = [];
    const b = new RecentTradeBackfill({ symbol: 'BTCUSDT', source: 'publicTrade', fetchRecent: v.fetch, emit: () => undefined, onWindowExceeded: (i) => seen.push(i) });
    b.push(trade(v.head++));
    v.head += 30;
    b.check('reconnect');
    await v.answerAll();
    expect(seen).toEqual([expect.objectContaining({ recovered: 10 })]);
    expect(b.stats().windowExceeded).toBe(1);
  });

  it('a failing fetcher is retried, then the buffered live trades are released and the failure reported', async () => {
    const timers = manualTimers();
    const failures: unknown[] = [];
    const out: Trade[] = [];
    const b = new RecentTradeBackfill({
      symbol: 'BTCUSDT', source: 'publicTrade', emit: (t) => out.push(t), maxAttempts: 2, timers, onFailed: (e) => failures.push(e),
      fetchRecent: () => Promise.reject(new Error('HTTP 503')),
    });
    b.push(trade(0));
    b.check('reconnect');
    b.push(trade(5));
    await new Promise((r) => setImmediate(r));
    expect(out.length).toBe(1);
    timers.fire();
    await new Promise((r) => setImmediate(r));
    expect(out.map(numOf)).toEqual([0, 5]);
    expect(failures.length).toBe(1);
    expect(b.stats()).toMatchObject({ fetchFailures: 2, checksFailed: 1, buffered: 0 });
  });

  it('property: any interleaving of drops, repeats and reconnects ends with every trade delivered exactly once (page covers the gap)', async () => {
    type Op = { kind: 'gen'; drops: boolean[] } | { kind: 'disconnect' } | { kind: 'reconnect' } | { kind: 'answer' } | { kind: 'reconcile' } | { kind: 'repeat'; back: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }).map((d) => ({ kind: 'gen' as const, drops: d })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'disconnect' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
      { weight: 2, arbitrary: fc.constant({ kind: 'answer' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'reconcile' as const }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }).map((back) => ({ kind: 'repeat' as const, back })) },
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.boolean(), async (ops, liveDrops) => {
      const v = new FakeVenue(1_000);
      const out: Trade[] = [];
      const b = new RecentTradeBackfill({ symbol: 'BTCUSDT', source: 'publicTrade', fetchRecent: v.fetch, emit: (t) => out.push(t), windowItems: 50 });
      let connected = true;
      const pushed: Trade[] = [trade(v.head++)]; // the subscription's first trade
      b.push(pushed[0]!);
      for (const o of ops) {
        if (o.kind === 'gen') {
          for (const drop of o.drops) {
            const t = trade(v.head++);
            if (connected && !(liveDrops && drop)) {
              b.push(t);
              pushed.push(t);
            }
          }
        } else if (o.kind === 'repeat') {
          if (connected) b.push(pushed[Math.max(0, pushed.length - o.back)]!); // a repeated frame (rotation overlap, A/B)
        } else if (o.kind === 'disconnect') connected = false;
        else if (o.kind === 'reconnect') {
          connected = true;
          b.check('reconnect');
        } else if (o.kind === 'reconcile') b.check('reconcile');
        else await v.answerAll();
      }
      await v.answerAll();
      b.check('reconcile');
      await v.answerAll();
      await b.idle();
      const ids = out.map(numOf);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((x, y) => x - y)).toEqual(Array.from({ length: v.head }, (_, i) => i));
      // Losses only while disconnected (no live drops): everything arrives in venue order.
      if (!liveDrops) expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(b.stats().late).toBe(ids.filter((n, i) => ids.slice(0, i).some((m) => m > n)).length);
    }), { numRuns: 300 });
  });
});

describe('FeedIntegrity with a recent-trades fetcher', () => {
  it('reconnect backfills the unsequenced stream of the reconnected symbols; the periodic check runs on its timer', async () => {
    const v = new FakeVenue(60);
    const timers = manualTimers();
    const out: Trade[] = [];
    const fi = new FeedIntegrity({ venue: 'bybit', fetchRecentTrades: v.fetch, recentTradesReconcileMs: 1_000, timers, onEvent: (e) => { if (e.type === 'trade') out.push(e); } });
    for (; v.head < 3; v.head++) fi.push(trade(v.head));
    v.head += 4;
    fi.onReconnect(['publicTrade.ETHUSDT']); // another symbol's connection: nothing to do
    expect(v.pending.length).toBe(0);
    fi.onReconnect(['publicTrade.BTCUSDT', 'orderbook.50.BTCUSDT']);
    await v.answerAll();
    expect(out.map(numOf)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    v.head++; // trade 7 skipped on the wire
    fi.push(trade(v.head++));
    timers.fire();
    await v.answerAll();
    expect(out.map(numOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 7]);
    expect(fi.stats()).toMatchObject({ tradesBackfilled: 5, tradesLate: 1, reconnectBackfills: 1, reconciliations: 1 });
    fi.close();
  });
});
