import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Candle, Snapshot1s } from '../../../src/model/aggregates.js';
import type { Trade } from '../../../src/model/events.js';
import { Aggregator, type AggregatorOptions, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import { byTimeKey, expectVwapClose, groupBy, lateFlags, refOhlcv, tradesArb, view } from './reference.js';

function run(trades: readonly Trade[], opts: Partial<AggregatorOptions> = {}): AggregatorOutput[] {
  const out: AggregatorOutput[] = [];
  const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [], ...opts });
  for (const t of trades) agg.ingest(t);
  agg.flush();
  return out;
}

/** Highest revision per (symbol, startTime). */
function finalSnapshots(out: readonly AggregatorOutput[]): Map<string, Snapshot1s> {
  const m = new Map<string, Snapshot1s>();
  for (const o of out) {
    if (o.kind !== 'snapshot') continue;
    const k = `${o.symbol}@${o.startTime}`;
    const prev = m.get(k);
    if (!prev || o.revision > prev.revision) m.set(k, o);
  }
  return m;
}

function compare(actual: Snapshot1s | Candle, ordered: Trade[]): void {
  const ref = refOhlcv(ordered);
  const { vwap, ...rest } = view(ref);
  const { vwap: av, ...arest } = view(actual);
  expect(arest).toEqual(rest);
  expectVwapClose(av, vwap);
}

const sec = (t: Trade) => Math.floor(t.eventTime / 1000) * 1000;

describe('1 s snapshots vs naive reference', () => {
  it('in-order streams: every second exact, quiet seconds carry the last close flagged empty, no gaps', () => {
    fc.assert(fc.property(tradesArb({ maxStepMs: 2500, maxJitterBackMs: 0, maxLen: 60 }), (trades) => {
      const out = run(trades, { allowedLatenessMs: 0 });
      for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
        const snaps = out.filter((o): o is Snapshot1s => o.kind === 'snapshot' && o.symbol === symbol);
        const bySec = groupBy(list, sec);
        const first = Math.min(...bySec.keys());
        const last = Math.max(...bySec.keys());
        expect(snaps.map((s) => s.startTime)).toEqual(Array.from({ length: (last - first) / 1000 + 1 }, (_, i) => first + i * 1000));
        let lastClose = '';
        for (const s of snaps) {
          expect(s.revision).toBe(0);
          const inSec = bySec.get(s.startTime);
          if (inSec) {
            expect(s.empty).toBe(false);
            compare(s, byTimeKey(inSec));
            lastClose = s.close;
          } else {
            expect(s).toMatchObject({ empty: true, open: lastClose, high: lastClose, low: lastClose, close: lastClose, volume: '0', notional: '0', tradeCount: 0, vwap: null, firstTradeId: null });
          }
        }
      }
    }), { numRuns: 300 });
  });

  it('arrival order within a second does not change its snapshot (open/close by venue time then seq)', () => {
    fc.assert(fc.property(tradesArb({ maxStepMs: 400, maxJitterBackMs: 0, maxLen: 50 }), fc.integer(), (trades, seed) => {
      // Shuffle within each second only; seconds stay in order, so nothing is late.
      const shuffled: Trade[] = [];
      const bySec = groupBy(trades, sec);
      let r = seed;
      for (const k of [...bySec.keys()].sort((a, b) => a - b)) {
        const list = [...bySec.get(k)!];
        for (let i = list.length - 1; i > 0; i--) {
          r = (r * 1103515245 + 12345) & 0x7fffffff;
          const j = r % (i + 1);
          [list[i], list[j]] = [list[j]!, list[i]!];
        }
        shuffled.push(...list);
      }
      // Output order across symbols follows arrival; per symbol it must be identical.
      const key = (o: AggregatorOutput) => (o.kind === 'snapshot' ? `${o.symbol}@${o.startTime}` : '');
      const sorted = (xs: AggregatorOutput[]) => xs.filter((o) => o.kind === 'snapshot').sort((x, y) => key(x).localeCompare(key(y)));
      const a = sorted(run(trades, { allowedLatenessMs: 0 }));
      const b = sorted(run(shuffled, { allowedLatenessMs: 0 }));
      expect(b).toEqual(a);
      expect(a.every((s) => s.kind === 'snapshot' && s.revision === 0)).toBe(true);
    }), { numRuns: 200 });
  });

  it('without a venue seq, trades at the same venue time resolve by arrival (first = open, last = close)', () => {
    fc.assert(fc.property(tradesArb({ maxStepMs: 2, maxJitterBackMs: 0, maxLen: 40 }), (raw) => {
      const trades = raw.map((t) => ({ ...t, seq: null }));
      const out = run(trades, { allowedLatenessMs: 0 });
      const finals = finalSnapshots(out);
      for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
        for (const [s, inSec] of groupBy(list, sec)) compare(finals.get(`${symbol}@${s}`)!, byTimeKey(inSec));
      }
    }), { numRuns: 200 });
  });

  it('late events under amend: counted, and the final revision of every second equals the reference of all its trades', () => {
    fc.assert(fc.property(tradesArb({ maxStepMs: 700, maxJitterBackMs: 4000, maxLen: 60 }), fc.integer({ min: 0, max: 1500 }), (trades, lateness) => {
      const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [], allowedLatenessMs: lateness, latePolicy: 'amend', amendHistoryMs: 1e9 });
      const out: AggregatorOutput[] = [];
      for (const t of trades) agg.ingest(t);
      agg.flush();
      const finals = finalSnapshots(out);
      let expectedLate = 0;
      let expectedTooOld = 0;
      for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
        const late = lateFlags(list, 1000, lateness);
        expectedLate += late.filter(Boolean).length;
        const firstEmitted = Math.min(...list.filter((_, i) => !late[i]).map(sec));
        const kept = list.filter((t, i) => !late[i] || sec(t) >= firstEmitted);
        expectedTooOld += list.length - kept.length;
        for (const [s, inSec] of groupBy(kept, sec)) compare(finals.get(`${symbol}@${s}`)!, byTimeKey(inSec));
        // An amended second is re-emitted once per batch (here: before the next newer second's
        // first emission, or at flush), not once per late trade: revisions 0, 1, 2, ... in order.
        const revs = out.filter((o): o is Snapshot1s => o.kind === 'snapshot' && o.symbol === symbol);
        const perSec = groupBy(list.filter((t, i) => late[i] && sec(t) >= firstEmitted), sec);
        for (const [s, amended] of perSec) {
          const r = finals.get(`${symbol}@${s}`)!.revision;
          expect(r).toBeGreaterThanOrEqual(1);
          expect(r).toBeLessThanOrEqual(amended.length);
        }
        const emitted = new Map<number, number[]>();
        for (const x of revs) emitted.set(x.startTime, [...(emitted.get(x.startTime) ?? []), x.revision]);
        for (const r of emitted.values()) expect(r).toEqual(r.map((_, i) => i));
      }
      const st = agg.stats().snapshots;
      expect(st.late).toBe(expectedLate);
      expect(st.lateAmended).toBe(expectedLate - expectedTooOld);
      expect(st.lateTooOld).toBe(expectedTooOld);
    }), { numRuns: 300 });
  });

  it('late events under drop: counted exactly and excluded; no second is ever re-emitted', () => {
    fc.assert(fc.property(tradesArb({ maxStepMs: 700, maxJitterBackMs: 4000, maxLen: 60 }), fc.integer({ min: 0, max: 1500 }), (trades, lateness) => {
      const out: AggregatorOutput[] = [];
      const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [], allowedLatenessMs: lateness, latePolicy: 'drop' });
      for (const t of trades) agg.ingest(t);
      agg.flush();
      let expectedLate = 0;
      const finals = finalSnapshots(out);
      for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
        const late = lateFlags(list, 1000, lateness);
        expectedLate += late.filter(Boolean).length;
        for (const [s, inSec] of groupBy(list.filter((_, i) => !late[i]), sec)) compare(finals.get(`${symbol}@${s}`)!, byTimeKey(inSec));
      }
      expect(out.every((o) => o.kind !== 'snapshot' || o.revision === 0)).toBe(true);
      expect(agg.stats().snapshots.late).toBe(expectedLate);
      expect(agg.stats().snapshots.lateDropped).toBe(expectedLate);
    }), { numRuns: 300 });
  });
});

describe('1 s snapshots on the clock', () => {
  const trade = (eventTime: number, price: string, id: number, receiveTime = eventTime + 100): Trade => ({
    type: 'trade', venue: 'x', symbol: 'S', eventTime, receiveTime, tradeId: String(id), seq: id, price, size: '1', side: 'buy', source: 'trade',
  });

  it('a quiet second is emitted by the wall clock without waiting for the next trade', () => {
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), allowedLatenessMs: 200, tickCandleTicks: null, timeCandleIntervalsMs: [] });
    agg.ingest(trade(10_500, '5.5', 1));
    agg.onClock(10_600 + 100); // venue now 10_600: second 10 not closed yet (lateness 200)
    expect(out).toHaveLength(0);
    agg.onClock(11_200 + 100); // venue now 11_200 -> cut 11_000: second 10 closes
    expect(out.map((o) => o.kind === 'snapshot' && [o.startTime, o.empty])).toEqual([[10_000, false]]);
    agg.onClock(13_250 + 100); // seconds 11 and 12 are quiet
    expect(out.slice(1).map((o) => o.kind === 'snapshot' && [o.startTime, o.empty, o.close])).toEqual([[11_000, true, '5.5'], [12_000, true, '5.5']]);
  });

  it('no empty snapshot before a symbol has had its first trade, and none while its market is closed', () => {
    const out: AggregatorOutput[] = [];
    const closedBetween = { isOpen: (t: number) => t < 12_000 || t >= 15_000, nextOpen: (t: number) => (t < 12_000 || t >= 15_000 ? t : 15_000), nextClose: () => Infinity };
    const agg = new Aggregator({ onOutput: (o) => out.push(o), allowedLatenessMs: 0, tickCandleTicks: null, timeCandleIntervalsMs: [], calendars: { x: closedBetween } });
    agg.onClock(100_000);
    expect(out).toHaveLength(0);
    agg.ingest(trade(10_100, '1', 1, 10_100));
    agg.onClock(17_000);
    expect(out.map((o) => o.kind === 'snapshot' && o.startTime)).toEqual([10_000, 11_000, 15_000, 16_000]);
    const skipped: AggregatorOutput[] = [];
    const agg2 = new Aggregator({ onOutput: (o) => skipped.push(o), allowedLatenessMs: 0, tickCandleTicks: null, timeCandleIntervalsMs: [], calendars: { x: closedBetween }, skipMarketHours: true });
    agg2.ingest(trade(10_100, '1', 1, 10_100));
    agg2.onClock(17_000);
    expect(skipped).toHaveLength(7);
  });

  it('a trade stamped far in the future is refused and counted; it cannot push the watermark ahead', () => {
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), allowedLatenessMs: 0, tickCandleTicks: null, timeCandleIntervalsMs: [] });
    agg.ingest(trade(10_100, '1', 1, 10_100));
    agg.ingest(trade(10_100 + 365 * 86_400_000, '2', 2, 10_200));
    agg.ingest(trade(11_100, '3', 3, 11_100));
    agg.flush();
    expect(agg.stats()).toMatchObject({ trades: 2, futureTrades: 1, snapshots: { late: 0 } });
    expect(out.map((o) => o.kind === 'snapshot' && [o.startTime, o.close])).toEqual([[10_000, '1'], [11_000, '3']]);
  });

  it('amend history is pruned: a trade older than amendHistoryMs is counted too old, not amended', async () => {
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), allowedLatenessMs: 0, amendHistoryMs: 5_000, tickCandleTicks: null, timeCandleIntervalsMs: [] });
    for (let i = 0; i < 20; i++) agg.ingest(trade(1_000 * i + 10, '1', i));
    expect(agg.symbol('x', 'S')!.snapshots.historySize).toBeLessThanOrEqual(6);
    agg.ingest(trade(2_500, '9', 100)); // second 2 was emitted long ago and pruned
    agg.ingest(trade(16_500, '9', 101)); // still in history: amended
    await new Promise((r) => setImmediate(r)); // re-emitted once the synchronous run ends
    const st = agg.stats().snapshots;
    expect(st).toMatchObject({ late: 2, lateTooOld: 1, lateAmended: 1, lateDropped: 1 });
    const amended = out.filter((o) => o.kind === 'snapshot' && o.revision === 1);
    expect(amended).toMatchObject([{ startTime: 16_000, high: '9', tradeCount: 2 }]);
  });

  it('amend history stays bounded over thousands of seconds: old ones too old, recent ones still amended', async () => {
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), allowedLatenessMs: 0, amendHistoryMs: 5_000, tickCandleTicks: null, timeCandleIntervalsMs: [] });
    for (let i = 0; i < 5_000; i++) agg.ingest(trade(1_000 * i + 10, '1', i));
    expect(agg.symbol('x', 'S')!.snapshots.historySize).toBeLessThanOrEqual(6);
    agg.ingest(trade(4_993_500, '7', 10_001)); // 6 s back: pruned
    agg.ingest(trade(4_994_500, '8', 10_002)); // 5 s back: kept
    agg.ingest(trade(3_000_500, '9', 10_003)); // long gone
    await new Promise((r) => setImmediate(r));
    expect(agg.stats().snapshots).toMatchObject({ late: 3, lateTooOld: 2, lateAmended: 1 });
    expect(out.filter((o) => o.kind === 'snapshot' && o.revision === 1)).toMatchObject([{ startTime: 4_994_000, high: '8' }]);
  });
});
