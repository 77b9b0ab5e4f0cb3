import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { TradeGapFiller, type FetchTrades } from '../../../src/integrity/trade-gap-filler.js';
import { FeedIntegrity } from '../../../src/integrity/feed-integrity.js';
import type { IntegrityTimers } from '../../../src/integrity/timers.js';
import type { MarketEvent, Trade } from '../../../src/model/events.js';

const trade = (id: number, source = 'aggTrade'): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1_000 + id, receiveTime: 2_000 + id, tradeId: String(id), seq: id,
  price: `${100 + (id % 13)}.${id % 10}0`, size: `0.${id % 97}`, side: id % 2 === 0 ? 'buy' : 'sell', source,
});

/** Retries run on the next macrotask instead of after a real delay. */
const immediateTimers: IntegrityTimers = { setTimeout: (fn) => setImmediate(fn), clearTimeout: (h) => clearImmediate(h as NodeJS.Immediate) };
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

type Op = { kind: 'advance'; n: number; drop: boolean; dup: boolean; late: boolean } | { kind: 'reconnect' } | { kind: 'yield' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), n: fc.integer({ min: 1, max: 40 }), drop: fc.boolean(), dup: fc.boolean(), late: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'yield' as const }) },
);

describe('trade backfill (property)', () => {
  it('any interleaving of gaps, duplicates, late re-deliveries, reconnects, partial and failing fetches ends in the same trade sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 500 }), async (ops, faults, pageCap) => {
        let published = 0; // newest id the venue has
        let fetchNo = 0;
        let failuresInARow = 0;
        const fetchTrades: FetchTrades = async (symbol, from, to) => {
          const fault = faults[fetchNo++ % faults.length]!;
          await tick();
          // Transient failures (never more than 3 in a row: the venue comes back).
          if (fault === 0 && failuresInARow < 3) {
            failuresInARow++;
            throw new Error('HTTP 503');
          }
          failuresInARow = 0;
          const end = Math.min(to ?? published, published, from + pageCap - 1);
          const rows: Trade[] = [];
          for (let id = end; id >= from; id--) rows.push({ ...trade(id), source: 'backfill' }); // any order
          return rows;
        };
        const out: Trade[] = [];
        const fi = new FeedIntegrity({ venue: 'binance', fetchTrades, onEvent: (e: MarketEvent) => { if (e.type === 'trade') out.push(e); }, timers: immediateTimers, maxFetchAttempts: 1_000 });
        const live = (id: number): void => fi.push(trade(id));
        published = 1;
        live(1);
        const lateQueue: number[] = [];
        for (const op of ops) {
          if (op.kind === 'reconnect') fi.onReconnect('BTCUSDT');
          else if (op.kind === 'yield') await tick();
          else {
            for (let k = 0; k < op.n; k++) {
              const id = ++published;
              if (op.drop && k % 3 === 0) {
                if (op.late) lateQueue.push(id);
                continue;
              }
              live(id);
              if (op.dup) live(id);
            }
            // Late deliveries of dropped ids arrive after later ones (out of order).
            for (const id of lateQueue.splice(0)) live(id);
          }
        }
        live(++published); // the tail: the final live trade reveals any trailing gap
        await fi.idle();
        expect(out.map((t) => t.seq)).toEqual(Array.from({ length: published }, (_, i) => i + 1));
        const s = fi.stats();
        expect(s.gapsUnfilled).toBe(0);
        expect(s.bufferedTrades).toBe(0);
        // What came from REST is exactly what the live stream never delivered in time.
        expect(out.filter((t) => t.source === 'backfill').length).toBe(s.tradesBackfilled);
        fi.close();
      }),
      { numRuns: 150 },
    );
  });
});

describe('TradeGapFiller', () => {
  it('fetches exactly the missing ids of a gap and releases buffered live trades in order', async () => {
    const calls: [number, number | null][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const out: number[] = [];
    const f = new TradeGapFiller({
      symbol: 'BTCUSDT', source: 'aggTrade', emit: (t) => out.push(t.seq!),
      fetchTrades: async (_s, from, to) => { calls.push([from, to]); await gate; return [trade(4), trade(3)]; },
    });
    for (const id of [1, 2, 5, 6, 6, 7]) f.push(trade(id));
    expect(out).toEqual([1, 2]);
    expect(f.stats().buffered).toBe(3);
    release();
    await f.idle();
    expect(calls).toEqual([[3, 4]]);
    expect(out).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(f.stats()).toMatchObject({ gapsDetected: 1, gapsFilled: 1, tradesBackfilled: 2, duplicatesDropped: 1, buffered: 0 });
  });

  it('after a reconnect fetches from the last delivered id with an open end', async () => {
    const calls: [number, number | null][] = [];
    const out: number[] = [];
    const f = new TradeGapFiller({ symbol: 'X', source: 'aggTrade', emit: (t) => out.push(t.seq!), fetchTrades: async (_s, from, to) => { calls.push([from, to]); return [trade(11), trade(12)]; } });
    f.push(trade(10));
    f.onReconnect();
    f.push(trade(12));
    f.push(trade(13));
    await f.idle();
    expect(calls).toEqual([[11, null]]);
    expect(out).toEqual([10, 11, 12, 13]);
  });

  it('bounds the live buffer during a backfill; overflowed trades are refetched, not lost', async () => {
    const out: number[] = [];
    const calls: [number, number | null][] = [];
    let gate!: () => void;
    const first = new Promise<void>((r) => (gate = r));
    const f = new TradeGapFiller({
      symbol: 'X', source: 'aggTrade', maxBuffered: 3, emit: (t) => out.push(t.seq!), timers: immediateTimers,
      fetchTrades: async (_s, from, to) => { calls.push([from, to]); if (calls.length === 1) await first; const r: Trade[] = []; for (let i = from; i <= (to ?? 20); i++) r.push(trade(i)); return r; },
    });
    f.push(trade(1));
    for (const id of [5, 6, 7, 8, 9, 10]) f.push(trade(id));
    expect(f.stats()).toMatchObject({ buffered: 3, overflowDropped: 3 });
    gate();
    await f.idle();
    f.push(trade(11)); // reveals the hole left by the overflow
    await f.idle();
    expect(out).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(calls).toEqual([[2, 4], [8, 10]]);
  });

  it('gives up after maxAttempts, reports the hole and keeps the stream flowing', async () => {
    vi.useFakeTimers();
    try {
      const out: number[] = [];
      const unfilled: [number, number | null][] = [];
      const f = new TradeGapFiller({ symbol: 'X', source: 'aggTrade', retryDelayMs: 1_000, maxAttempts: 3, emit: (t) => out.push(t.seq!), onUnfilled: (a, b) => unfilled.push([a, b]), fetchTrades: async () => { throw new Error('down'); } });
      f.push(trade(1));
      f.push(trade(5));
      f.push(trade(6));
      await vi.advanceTimersByTimeAsync(999);
      expect(f.stats().fetches).toBe(1);
      await vi.advanceTimersByTimeAsync(1_001);
      expect(f.stats()).toMatchObject({ fetches: 3, gapsUnfilled: 1, buffered: 0 });
      expect(unfilled).toEqual([[2, 4]]);
      expect(out).toEqual([1, 5, 6]);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('resume after a restart', () => {
  const fetchRange: FetchTrades = async (_symbol, from, to) => {
    await tick();
    const out: Trade[] = [];
    for (let id = from; id <= (to ?? from + 999); id++) out.push(trade(id, 'trade'));
    return out;
  };

  it('backfills the trades missed while stopped, from the stored id, before the first live one', async () => {
    const got: number[] = [];
    const f = new TradeGapFiller({ symbol: 'BTCUSDT', source: 'trade', fetchTrades: fetchRange, emit: (t) => got.push(t.seq!), timers: immediateTimers, resumeAfterId: 100 });
    f.push(trade(106, 'trade'));
    f.push(trade(107, 'trade'));
    await f.idle();
    expect(got).toEqual([101, 102, 103, 104, 105, 106, 107]);
  });

  it('reports a hole larger than maxResumeTrades as unfilled instead of fetching it, and goes on live', async () => {
    const got: number[] = [];
    const unfilled: [number, number | null][] = [];
    const fetchTrades = vi.fn(fetchRange);
    const f = new TradeGapFiller({
      symbol: 'BTCUSDT', source: 'trade', fetchTrades, emit: (t) => got.push(t.seq!), timers: immediateTimers,
      resumeAfterId: 100, maxResumeTrades: 3, onUnfilled: (a, b) => unfilled.push([a, b]),
    });
    f.push(trade(110, 'trade'));
    f.push(trade(111, 'trade'));
    await f.idle();
    expect(got).toEqual([110, 111]);
    expect(unfilled).toEqual([[101, 109]]);
    expect(fetchTrades).not.toHaveBeenCalled();
  });
});
