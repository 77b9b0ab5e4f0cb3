import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Candle } from '../../../src/model/aggregates.js';
import type { Trade } from '../../../src/model/events.js';
import { Aggregator, type AggregatorOutput } from '../../../src/aggregate/aggregator.js';
import { toScaled, decimalPlaces } from '../../../src/model/decimal.js';
import { byTimeKey, decimalArb, expectVwapClose, groupBy, refOhlcv, tradesArb, view } from './reference.js';

function compare(actual: Candle, ordered: Trade[]): void {
  const { vwap, ...rest } = view(refOhlcv(ordered));
  const { vwap: av, ...arest } = view(actual);
  expect(arest).toEqual(rest);
  expectVwapClose(av, vwap);
}

const candles = (out: AggregatorOutput[], symbol: string, interval: string) =>
  out.filter((o): o is Candle => o.kind === 'candle' && o.symbol === symbol && o.interval === interval);

describe('tick candles vs naive reference', () => {
  it('every N trades in arrival order make one exact candle keyed by firstTradeId; the remainder stays pending', () => {
    fc.assert(fc.property(tradesArb({ maxStepMs: 900, maxJitterBackMs: 3000, maxLen: 80 }), fc.integer({ min: 1, max: 12 }), (trades, n) => {
      const out: AggregatorOutput[] = [];
      const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: n, timeCandleIntervalsMs: [], candleHistoryItems: 3 });
      for (const t of trades) agg.ingest(t);
      for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
        const got = candles(out, symbol, `t${n}`);
        expect(got).toHaveLength(Math.floor(list.length / n));
        got.forEach((c, i) => {
          const chunk = list.slice(i * n, i * n + n);
          compare(c, chunk); // arrival order: open = first arrival, close = last
          expect(c.candleType).toBe('tick');
          expect(c.firstTradeId).toBe(chunk[0]!.tradeId);
        });
        expect(agg.symbol('v', symbol)!.tickCandles!.pending).toBe(list.length % n);
        // The ring keeps only the newest candleHistoryItems.
        expect(agg.recentCandles('v', symbol, `t${n}`)).toEqual(got.slice(-3));
      }
    }), { numRuns: 200 });
  });
});

describe('time candles vs naive reference', () => {
  it('1 s and 1 m candles equal the reference per window; quiet windows emit nothing; none is lost', () => {
    fc.assert(fc.property(tradesArb({ maxStepMs: 9000, maxJitterBackMs: 0, maxLen: 60 }), (trades) => {
      const out: AggregatorOutput[] = [];
      const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [1000, 60_000], allowedLatenessMs: 0 });
      for (const t of trades) agg.ingest(t);
      agg.flush();
      for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
        for (const [iv, name] of [[1000, '1s'], [60_000, '1m']] as const) {
          const ref = groupBy(list, (t) => Math.floor(t.eventTime / iv) * iv);
          const got = candles(out, symbol, name);
          expect(got.map((c) => c.startTime)).toEqual([...ref.keys()].sort((a, b) => a - b));
          for (const c of got) {
            compare(c, byTimeKey(ref.get(c.startTime)!));
            expect(c.endTime - c.startTime).toBe(iv);
            expect(c.candleType).toBe('time');
          }
        }
      }
    }), { numRuns: 200 });
  });

  it('a 1 m candle closes on the wall clock during a quiet minute', () => {
    const out: AggregatorOutput[] = [];
    const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [60_000], allowedLatenessMs: 500 });
    agg.ingest({ type: 'trade', venue: 'x', symbol: 'S', eventTime: 61_000, receiveTime: 61_000, tradeId: '1', seq: 1, price: '2', size: '3', side: 'sell', source: 't' });
    agg.onClock(120_400);
    expect(candles(out, 'S', '1m')).toHaveLength(0);
    agg.onClock(120_500);
    expect(candles(out, 'S', '1m')).toMatchObject([{ startTime: 60_000, endTime: 120_000, notional: '6', sellVolume: '3' }]);
  });
});

describe('volume bars vs naive reference', () => {
  it('bars close on the trade that reaches the threshold (never split), exact sums, remainder pending', () => {
    fc.assert(fc.property(tradesArb({ maxStepMs: 500, maxJitterBackMs: 0, maxLen: 80 }), decimalArb, (trades, threshold) => {
      const out: AggregatorOutput[] = [];
      const agg = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: null, timeCandleIntervalsMs: [], volumeBarSize: threshold });
      for (const t of trades) agg.ingest(t);
      for (const [symbol, list] of groupBy(trades, (t) => t.symbol)) {
        const qs = Math.max(decimalPlaces(threshold), ...list.map((t) => decimalPlaces(t.size)));
        const thr = toScaled(threshold, qs);
        const bars: Trade[][] = [];
        let cur: Trade[] = [];
        let vol = 0n;
        for (const t of list) {
          cur.push(t);
          vol += toScaled(t.size, qs);
          if (vol >= thr) { bars.push(cur); cur = []; vol = 0n; }
        }
        const got = out.filter((o): o is Candle => o.kind === 'candle' && o.symbol === symbol && o.candleType === 'volume');
        expect(got).toHaveLength(bars.length);
        got.forEach((c, i) => compare(c, bars[i]!));
      }
    }), { numRuns: 200 });
  });
});

describe('raw trades', () => {
  it('stay in memory (bounded ring) and reach the output only with storeRawTrades', () => {
    const trades: Trade[] = Array.from({ length: 30 }, (_, i) => ({ type: 'trade', venue: 'x', symbol: 'S', eventTime: 1000 + i, receiveTime: 1000 + i, tradeId: String(i), seq: i, price: '1', size: '1', side: 'buy', source: 't' }));
    const quiet: AggregatorOutput[] = [];
    const a = new Aggregator({ onOutput: (o) => quiet.push(o), recentTradesItems: 10 });
    trades.forEach((t) => a.ingest(t));
    expect(quiet.some((o) => o.kind === 'trade')).toBe(false);
    expect(a.recentTrades('x', 'S').map((t) => t.tradeId)).toEqual(trades.slice(-10).map((t) => t.tradeId));
    const loud: AggregatorOutput[] = [];
    const b = new Aggregator({ onOutput: (o) => loud.push(o), storeRawTrades: true });
    trades.forEach((t) => b.ingest(t));
    expect(loud.filter((o) => o.kind === 'trade')).toHaveLength(30);
  });

  it('a malformed trade is counted, never thrown, and does not poison the symbol', () => {
    const out: AggregatorOutput[] = [];
    const a = new Aggregator({ onOutput: (o) => out.push(o), tickCandleTicks: 2, timeCandleIntervalsMs: [] });
    const base = { type: 'trade', venue: 'x', symbol: 'S', eventTime: 1000, receiveTime: 1000, seq: null, side: 'buy', source: 't' } as const;
    a.ingest({ ...base, tradeId: '1', price: '1e5', size: '1' });
    a.ingest({ ...base, tradeId: '2', price: '2', size: '1' });
    a.ingest({ ...base, tradeId: '3', price: '3', size: '1' });
    expect(a.stats().invalidTrades).toBe(1);
    expect(out.filter((o) => o.kind === 'candle')).toMatchObject([{ open: '2', close: '3', tradeCount: 2 }]);
  });
});
