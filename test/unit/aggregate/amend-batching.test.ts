/**
 * Amended windows are re-emitted once per batch, not once per late trade. The case behind it: a
 * lagging consumer queue whose trades belong to seconds the wall clock already closed, so nearly
 * every trade is late; storage got one row revision per trade and fell behind. Here the stored
 * rows (an upsert keeping the highest revision, as the sinks do) must still equal the naive
 * reference of every trade, with one re-emission per amended window per batch.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Candle, Snapshot1s } from '../../../src/model/aggregates.js';
import type { Trade } from '../../../src/model/events.js';
import { Aggregator, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import { Dispatcher } from '../../../src/pipeline/dispatcher.js';
import { byTimeKey, expectVwapClose, groupBy, refOhlcv, view } from './reference.js';

const T0 = 1_700_000_000_000;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function trade(symbol: string, eventTime: number, id: number, price: string, size = '0.5', side: 'buy' | 'sell' = 'buy'): Trade {
  return { type: 'trade', venue: 'v', symbol, eventTime, receiveTime: eventTime + 5, tradeId: String(id), seq: id, price, size, side, source: 'trade' };
}

/**
 * Rows as a sink keeps them: per key the highest revision; a revision never goes back. Also checks
 * the batching bound: between two flush points (a turn, a clock tick, a flush) a window is
 * re-emitted at most once, plus once per newer window its fold emitted meanwhile (a fold sends
 * its queued amendments before a newer window, to keep its output in window order).
 */
class UpsertStore {
  readonly rows = new Map<string, Snapshot1s | Candle>();
  writes = 0;
  /** What broke a rule (collected: onOutput errors are caught and counted by the aggregator). */
  readonly broken: string[] = [];
  /** Per fold ("1s": snapshots and 1 s candles; else the interval), since the last flush point: new windows, re-emissions per key. */
  private readonly since = new Map<string, { fresh: number; again: Map<string, number> }>();
  put(o: AggregatorOutput): void {
    if (o.kind === 'trade') return;
    const fold = `${o.symbol}|${o.kind === 'snapshot' ? '1s' : o.interval}`;
    const key = o.kind === 'snapshot' ? `${o.symbol}|snap|${o.startTime}` : `${o.symbol}|${o.interval}|${o.startTime}`;
    const prev = this.rows.get(key);
    // A key's first row is revision 0, except the 1 s candle of a second first emitted empty
    // (snapshot only) and then amended: its first candle carries the snapshot's revision.
    if (prev !== undefined ? o.revision !== prev.revision + 1 : o.revision !== 0 && !(o.kind === 'candle' && o.interval === '1s')) {
      this.broken.push(`${key}: revision ${o.revision} after ${prev?.revision ?? 'none'}`);
    }
    let f = this.since.get(fold);
    if (f === undefined) this.since.set(fold, (f = { fresh: 0, again: new Map() }));
    if (o.revision === 0 && !(o.kind === 'candle' && o.interval === '1s')) f.fresh++;
    else if (prev !== undefined && o.revision > 0) {
      f.again.set(key, (f.again.get(key) ?? 0) + 1);
    }
    this.rows.set(key, o);
    this.writes++;
  }
  /** A turn ends, the clock ticks or the aggregator is flushed (and once at the end): checks the stretch before it. */
  flushPoint(): void {
    for (const f of this.since.values()) {
      for (const [key, n] of f.again) if (n > 1 + f.fresh) this.broken.push(`${key}: re-emitted ${n} times between flush points with ${f.fresh} new windows`);
    }
    this.since.clear();
  }
}

/** The latest revision per key only (no batching check: the dispatcher's turns are not visible here). */
class LatestRows {
  readonly rows = new Map<string, Snapshot1s | Candle>();
  put(o: AggregatorOutput): void {
    if (o.kind === 'trade') return;
    const key = o.kind === 'snapshot' ? `${o.symbol}|snap|${o.startTime}` : `${o.symbol}|${o.interval}|${o.startTime}`;
    const prev = this.rows.get(key);
    expect(o.revision).toBe(prev === undefined ? 0 : prev.revision + 1);
    this.rows.set(key, o);
  }
}

function expectEqualsReference(row: Snapshot1s | Candle | undefined, trades: readonly Trade[]): void {
  expect(row).toBeDefined();
  const { vwap, ...rest } = view(refOhlcv(byTimeKey(trades)));
  const { vwap: av, ...arest } = view(row!);
  expect(arest).toEqual(rest);
  expectVwapClose(av, vwap);
}

describe('amended windows: one re-emission per batch', () => {
  it('a lagging queue: 2,000 trades late for seconds the clock closed give one new revision per second, contents whole', async () => {
    const store = new UpsertStore();
    const agg = new Aggregator({ onOutput: (o) => store.put(o), tickCandleTicks: null, timeCandleIntervalsMs: [1000, 60_000], allowedLatenessMs: 1000 });
    const all: Trade[] = [];
    let id = 1;
    // Seconds 0..9 each get a first trade in time (emitted), then the clock runs ahead (the queue lags).
    for (let s = 0; s < 10; s++) {
      const t = trade('AAA', T0 + s * 1000 + 10, id++, String(100 + s));
      all.push(t);
      agg.ingest(t);
    }
    agg.onClock(T0 + 30_000);
    const before = store.writes;
    // The queue drains in one synchronous run: 200 more trades per closed second, all late.
    for (let s = 0; s < 10; s++) {
      for (let k = 0; k < 200; k++) {
        const t = trade('AAA', T0 + s * 1000 + 20 + k, id++, `${100 + s}.${k % 10}`, '0.25', k % 2 === 0 ? 'buy' : 'sell');
        all.push(t);
        agg.ingest(t);
      }
    }
    expect(store.writes).toBe(before); // nothing yet: the batch is still being folded
    await turn();
    // One re-emission per amended second (snapshot + its 1 s candle); the minute was still open.
    expect(store.writes - before).toBe(10 * 2);
    expect(agg.stats().snapshots).toMatchObject({ late: 2000, lateAmended: 2000, amendEmissions: 10 });
    expect(store.broken).toEqual([]);
    expect(agg.stats().outputErrors).toBe(0);
    agg.flush();
    for (const [s, ofSec] of groupBy(all, (t) => Math.floor((t.eventTime - T0) / 1000))) {
      const snap = store.rows.get(`AAA|snap|${T0 + s * 1000}`) as Snapshot1s;
      expect(snap.revision).toBe(1);
      expectEqualsReference(snap, ofSec);
      expectEqualsReference(store.rows.get(`AAA|1s|${T0 + s * 1000}`), ofSec);
    }
    const minute = T0 - (T0 % 60_000);
    expectEqualsReference(store.rows.get(`AAA|1m|${minute}`), all.filter((t) => t.eventTime < minute + 60_000));
  });

  it('random batches (a microtask turn between them): stored rows equal the reference, each window re-emitted at most once per batch', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ sym: fc.constantFrom('AAA', 'BBB'), dt: fc.integer({ min: -6000, max: 1500 }), px: fc.integer({ min: 1, max: 999 }), sell: fc.boolean() }), { minLength: 1, maxLength: 120 }),
      fc.array(fc.nat({ max: 119 }), { maxLength: 8 }),
      fc.array(fc.record({ at: fc.nat({ max: 119 }), ahead: fc.integer({ min: 0, max: 20_000 }) }), { maxLength: 4 }),
      async (steps, cuts, ticks) => {
        const store = new UpsertStore();
        const agg = new Aggregator({ onOutput: (o) => store.put(o), tickCandleTicks: null, timeCandleIntervalsMs: [1000, 5000], allowedLatenessMs: 500, amendHistoryMs: 1e12 });
        const trades: Trade[] = [];
        let now = T0 + 10_000;
        for (let i = 0; i < steps.length; i++) {
          const st = steps[i]!;
          now += Math.max(0, st.dt);
          const t = trade(st.sym, st.dt < 0 ? now + st.dt : now, i + 1, `${st.px}.${i % 7}`, '1.5', st.sell ? 'sell' : 'buy');
          trades.push(t);
          agg.ingest(t);
          for (const k of ticks) if (k.at === i) { store.flushPoint(); agg.onClock(t.receiveTime + k.ahead); }
          // Marked before each flush point: what it re-emits starts the next stretch.
          if (cuts.includes(i)) { store.flushPoint(); await turn(); }
        }
        store.flushPoint();
        await turn();
        store.flushPoint();
        agg.flush();
        store.flushPoint();
        const s = agg.stats();
        expect(store.broken).toEqual([]);
        expect(s.outputErrors).toBe(0);
        // Every late trade was either amended or too old (history is unbounded here: never too old
        // unless its window was never emitted at all).
        expect(s.snapshots.lateAmended + s.snapshots.lateTooOld).toBe(s.snapshots.late);
        expect(s.snapshots.amendEmissions).toBeLessThanOrEqual(s.snapshots.lateAmended);
        for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
          const kept = (key: string, startOf: (t: Trade) => number): void => {
            for (const [start, inWin] of groupBy(list, startOf)) {
              const row = store.rows.get(`${symbol}|${key}|${start}`);
              if (row === undefined) continue; // a window never emitted on time has nothing to amend
              // Rows hold every trade of their window except those late for a window not emitted.
              expectEqualsReference(row, inWin);
            }
          };
          kept('snap', (t) => t.eventTime - (t.eventTime % 1000));
          kept('5s', (t) => t.eventTime - (t.eventTime % 5000));
        }
      },
    ), { numRuns: Number(process.env.AMEND_RUNS ?? 150) });
  });

  it('through the real dispatcher (the gateway\'s aggregate consumer): a queue of late trades drained in slices gives one re-emission per slice, not per trade', async () => {
    const store = new LatestRows();
    const agg = new Aggregator({ onOutput: (o) => store.put(o), tickCandleTicks: null, timeCandleIntervalsMs: [1000], allowedLatenessMs: 1000 });
    const dispatcher = new Dispatcher<Trade>({ defaultMaxQueueItems: 100_000 });
    dispatcher.addConsumer({ name: 'aggregate', policy: 'spill', handler: (e) => agg.ingest(e), spill: (e) => agg.ingest(e) });
    const all: Trade[] = [];
    let id = 1;
    const publish = (t: Trade): void => { all.push(t); dispatcher.publish(t); };
    publish(trade('AAA', T0 + 10, id++, '100'));
    await turn();
    agg.onClock(T0 + 60_000); // the clock ran ahead while the queue lagged: second 0 is closed
    for (let k = 0; k < 20_000; k++) publish(trade('AAA', T0 + 20 + (k % 900), id++, `${100 + (k % 7)}.5`, '0.125', k % 3 === 0 ? 'sell' : 'buy'));
    while (dispatcher.stats().consumers.aggregate!.processed < all.length) await turn();
    await turn();
    dispatcher.close();
    expect(agg.stats().outputErrors).toBe(0); // the store's checks ran inside onOutput
    const st = agg.stats().snapshots;
    expect(st.lateAmended).toBe(20_000);
    // The drain yields every few ms: a handful of slices, each ending with one re-emission.
    expect(st.amendEmissions).toBeGreaterThanOrEqual(1);
    expect(st.amendEmissions).toBeLessThan(200);
    const snap = store.rows.get(`AAA|snap|${T0}`) as Snapshot1s;
    expect(snap.revision).toBe(st.amendEmissions);
    expectEqualsReference(snap, all);
    expectEqualsReference(store.rows.get(`AAA|1s|${T0}`), all);
  });

  it('an injected scheduler decides when amendments go out; onClock and flush emit them first', () => {
    const out: AggregatorOutput[] = [];
    const queued: (() => void)[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [], allowedLatenessMs: 0, scheduleAmendFlush: (f) => queued.push(f) });
    agg.ingest(trade('AAA', T0 + 100, 1, '1'));
    agg.ingest(trade('AAA', T0 + 1100, 2, '2')); // closes second 0
    agg.ingest(trade('AAA', T0 + 200, 3, '3')); // late: queued
    agg.ingest(trade('AAA', T0 + 300, 4, '4')); // late, same window: still one queued re-emission
    expect(queued).toHaveLength(1);
    expect(out.filter((o) => o.kind === 'snapshot' && o.revision > 0)).toHaveLength(0);
    queued[0]!();
    expect(out.filter((o) => o.kind === 'snapshot' && o.revision > 0)).toMatchObject([{ startTime: T0, revision: 1, tradeCount: 3, high: '4', close: '4' }]);
    agg.ingest(trade('AAA', T0 + 400, 5, '0.5'));
    agg.onClock(T0 + 1105); // emits the queued amendment before anything the clock closes
    expect(out.filter((o) => o.kind === 'snapshot' && o.revision > 0).map((o) => o.kind === 'snapshot' && [o.revision, o.low])).toEqual([[1, '1'], [2, '0.5']]);
  });
});
