/**
 * Time candles at whole-second intervals are folded from the closed 1 s buckets (plus the trades
 * late for the 1 s fold), not from every trade. These tests hold that derivation to (a) a fold of
 * every trade into its own TimeWindowFold, output for output (order, revisions, stats), and
 * (b) the naive BigInt reference, under late events with 'amend' and 'drop' and wall-clock ticks.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Candle } from '../../../src/model/aggregates.js';
import type { Trade } from '../../../src/model/events.js';
import { Aggregator, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import { newParsedTrade, parseTrade, type SymbolScales } from '../../../src/aggregate/ohlcv-acc.js';
import { TimeWindowFold, type LatePolicy, type TimeWindowStats } from '../../../src/aggregate/time-window-fold.js';
import { byTimeKey, expectVwapClose, groupBy, lateFlags, refOhlcv, tradesArb, view } from './reference.js';

interface Case {
  trades: Trade[];
  /** Wall-clock ticks: after trade `at`, onClock(that trade's receiveTime + ahead). */
  ticks: { at: number; ahead: number }[];
  /** flush() after these trades (then trades keep coming, maybe into windows flush closed). */
  flushes: number[];
  /** A market calendar on the venue (gates empty snapshots and moves the 1 s cursor). */
  sessions: boolean;
  lateness: number;
  policy: LatePolicy;
  historyMs: number;
}

const caseArb = (maxStepMs: number, maxJitterBackMs: number): fc.Arbitrary<Case> =>
  tradesArb({ maxStepMs, maxJitterBackMs, maxLen: 80 }).chain((trades) => fc.record({
    trades: fc.constant(trades),
    ticks: fc.array(fc.record({ at: fc.nat({ max: trades.length - 1 }), ahead: fc.integer({ min: 0, max: 150_000 }) }), { maxLength: 6 }),
    flushes: fc.array(fc.nat({ max: trades.length - 1 }), { maxLength: 3 }),
    sessions: fc.boolean(),
    lateness: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 120_000 })),
    policy: fc.constantFrom<LatePolicy>('amend', 'drop'),
    historyMs: fc.constantFrom(1e12, 120_000, 5_000),
  }));

/** Every trade folded into an independent per-trade TimeWindowFold per symbol (the old way). */
class PerTradeFolds {
  private readonly folds = new Map<string, { fold: TimeWindowFold; scales: SymbolScales; offset: number }>();

  /** `out` may be shared: then it holds every interval's candles in emission order. */
  constructor(private readonly c: Case, private readonly ms: number, private readonly name: string, readonly out: Candle[] = []) {}

  add(t: Trade): void {
    let s = this.folds.get(t.symbol);
    if (!s) {
      const scales = { priceScale: 0, sizeScale: 0 };
      const fold = new TimeWindowFold({ intervalMs: this.ms, allowedLatenessMs: this.c.lateness, latePolicy: this.c.policy, historyMs: this.c.historyMs, emitEmpty: false, session: null }, scales, (acc) => {
        this.out.push({ kind: 'candle', interval: this.name, candleType: 'time', startTime: acc.startTime, endTime: acc.endTime, ...acc.fields(t.venue, t.symbol) });
      }, () => {}); // amendments wait for the clock or a flush, like the aggregator's in a synchronous run
      s = { fold, scales, offset: 0 };
      this.folds.set(t.symbol, s);
    }
    s.offset = t.receiveTime - t.eventTime;
    s.fold.add(parseTrade(t, s.scales, newParsedTrade(t)));
  }

  onClock(now: number): void {
    for (const s of this.folds.values()) {
      s.fold.emitAmended();
      s.fold.advanceTo(Math.max(now - s.offset - this.c.lateness, s.fold.watermark));
    }
  }

  flush(): void {
    for (const s of this.folds.values()) s.fold.flush();
  }

  stats(): TimeWindowStats {
    const z: TimeWindowStats = { emitted: 0, emptyEmitted: 0, late: 0, lateAmended: 0, lateDropped: 0, lateTooOld: 0, amendEmissions: 0 };
    for (const { fold } of this.folds.values()) for (const k of Object.keys(z) as (keyof TimeWindowStats)[]) z[k] += fold.stats[k];
    return z;
  }
}

/** Closed for the first 7 s of every 20 s. */
const closedSevenOfTwenty = {
  isOpen: (t: number) => ((t % 20_000) + 20_000) % 20_000 >= 7_000,
  nextOpen: (t: number) => { const r = ((t % 20_000) + 20_000) % 20_000; return r >= 7_000 ? t : t - r + 7_000; },
  nextClose: (t: number) => { const r = ((t % 20_000) + 20_000) % 20_000; return t - r + 20_000; },
};

function drive(c: Case, sinks: { ingest(t: Trade): void; onClock(now: number): void; flush(): void }[]): void {
  c.trades.forEach((t, i) => {
    for (const s of sinks) s.ingest(t);
    for (const tick of c.ticks) if (tick.at === i) for (const s of sinks) s.onClock(t.receiveTime + tick.ahead);
    if (c.flushes.includes(i)) for (const s of sinks) s.flush();
  });
  for (const s of sinks) s.flush();
}

describe('time candles derived from closed 1 s buckets', () => {
  it('equal a per-trade fold output for output (order, revisions, late counts) under amend/drop, lateness, clock ticks, flushes and market sessions', () => {
    fc.assert(fc.property(caseArb(9000, 150_000), (c) => {
      const out: AggregatorOutput[] = [];
      const intervals = [1000, 1500, 5000, 60_000]; // 1500 ms is not whole seconds: folds every trade
      const calendars = c.sessions ? { v: closedSevenOfTwenty } : undefined;
      const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: intervals, allowedLatenessMs: c.lateness, latePolicy: c.policy, amendHistoryMs: c.historyMs, calendars });
      // One shared output in configured order, like the per-trade folds of every interval used to emit.
      const all: Candle[] = [];
      const ref1500 = new PerTradeFolds(c, 1500, '1500ms', all);
      const ref5 = new PerTradeFolds(c, 5000, '5s', all);
      const ref60 = new PerTradeFolds(c, 60_000, '1m', all);
      const refs = [ref1500, ref5, ref60].map((r) => ({ ingest: (t: Trade) => r.add(t), onClock: (n: number) => r.onClock(n), flush: () => r.flush() }));
      drive(c, [{ ingest: (t) => agg.ingest(t), onClock: (n) => agg.onClock(n), flush: () => agg.flush() }, ...refs]);
      // Per symbol (flush and the clock visit symbols in their own order).
      for (const symbol of ['AAA', 'BBB']) {
        expect(out.filter((o): o is Candle => o.kind === 'candle' && o.interval !== '1s' && o.symbol === symbol)).toEqual(all.filter((x) => x.symbol === symbol));
      }
      const st = agg.stats().timeCandles;
      const sum: TimeWindowStats = { emitted: 0, emptyEmitted: 0, late: 0, lateAmended: 0, lateDropped: 0, lateTooOld: 0, amendEmissions: 0 };
      for (const r of [ref1500, ref5, ref60]) for (const [k, v] of Object.entries(r.stats()) as [keyof TimeWindowStats, number][]) sum[k] += v;
      expect(st).toEqual(sum);
    }), { numRuns: 400 });
  });

  for (const policy of ['amend', 'drop'] as const) {
    it(`1 m candles under late events with '${policy}': the final revision of every minute equals the naive reference of its kept trades`, () => {
      fc.assert(fc.property(tradesArb({ maxStepMs: 12_000, maxJitterBackMs: 150_000, maxLen: 70 }), fc.integer({ min: 0, max: 3000 }), (trades, lateness) => {
        const out: AggregatorOutput[] = [];
        const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [1000, 60_000], allowedLatenessMs: lateness, latePolicy: policy, amendHistoryMs: 1e12 });
        for (const t of trades) agg.ingest(t);
        agg.flush();
        const minute = (t: Trade) => Math.floor(t.eventTime / 60_000) * 60_000;
        let expectedLate = 0;
        let expectedTooOld = 0;
        for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
          const got = out.filter((o): o is Candle => o.kind === 'candle' && o.symbol === symbol && o.interval === '1m');
          const finals = new Map<number, Candle>();
          for (const c of got) if ((finals.get(c.startTime)?.revision ?? -1) < c.revision) finals.set(c.startTime, c);
          const late = lateFlags(list, 60_000, lateness);
          expectedLate += late.filter(Boolean).length;
          // Only minutes that had an on-time trade were emitted; a late trade for any other has
          // nothing to amend (too old).
          const emitted = new Set(list.filter((_, i) => !late[i]).map(minute));
          const kept = list.filter((t, i) => !late[i] || (policy === 'amend' && emitted.has(minute(t))));
          if (policy === 'amend') expectedTooOld += list.filter((t, i) => late[i] && !emitted.has(minute(t))).length;
          const ref = groupBy(kept, minute);
          expect([...finals.keys()].sort((x, y) => x - y)).toEqual([...ref.keys()].sort((x, y) => x - y));
          for (const [m, inMin] of ref) {
            const c = finals.get(m)!;
            const { vwap, ...rest } = view(refOhlcv(byTimeKey(inMin)));
            const { vwap: av, ...arest } = view(c);
            expect(arest).toEqual(rest);
            expectVwapClose(av, vwap);
            // An amended minute is re-emitted once per batch: here before the fold's next newer
            // window, or at flush(); never more often than its late trades.
            const amended = list.filter((t, i) => late[i] && minute(t) === m).length;
            if (policy === 'drop' || amended === 0) expect(c.revision).toBe(0);
            else {
              expect(c.revision).toBeGreaterThanOrEqual(1);
              expect(c.revision).toBeLessThanOrEqual(amended);
            }
          }
        }
        const st = agg.stats().timeCandles;
        expect(st.late).toBe(expectedLate);
        expect(st.lateTooOld).toBe(expectedTooOld);
        expect(st.lateAmended).toBe(policy === 'amend' ? expectedLate - expectedTooOld : 0);
      }), { numRuns: 300 });
    });
  }

  it('a trade late for its second but on time for its minute lands in that minute at revision 0, even under drop', () => {
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [60_000], allowedLatenessMs: 0, latePolicy: 'drop' });
    const t = (eventTime: number, id: number, price: string): Trade => ({ type: 'trade', venue: 'x', symbol: 'S', eventTime, receiveTime: eventTime, tradeId: String(id), seq: id, price, size: '1', side: 'buy', source: 't' });
    agg.ingest(t(60_100, 1, '10'));
    agg.ingest(t(62_100, 2, '11'));
    agg.ingest(t(61_500, 3, '9')); // second 61 is closed (dropped there), minute 1 is open
    agg.ingest(t(120_000, 4, '12'));
    expect(agg.stats().snapshots.lateDropped).toBe(1);
    expect(out.filter((o) => o.kind === 'candle')).toMatchObject([{ interval: '1m', startTime: 60_000, tradeCount: 3, low: '9', open: '10', close: '11', revision: 0 }]);
  });
});
