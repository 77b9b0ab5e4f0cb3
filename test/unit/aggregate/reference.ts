/**
 * Naive reference aggregation for tests: BigInt everywhere via model/decimal.ts, sorting instead
 * of folding. Slow and obviously right.
 */
import fc from 'fast-check';
import type { Trade } from '../../../src/model/events.js';
import { compareDecimal, decimalPlaces, fromScaled, normalizeDecimal, toScaled } from '../../../src/model/decimal.js';

export interface RefOhlcv {
  open: string; high: string; low: string; close: string;
  volume: string; notional: string; tradeCount: number;
  buyVolume: string; sellVolume: string;
  firstTradeId: string | null; lastTradeId: string | null;
  vwap: number | null;
}

/** `ordered` trades: open = first, close = last of that order. */
export function refOhlcv(ordered: readonly Trade[]): RefOhlcv {
  const ps = Math.max(0, ...ordered.map((t) => decimalPlaces(t.price)));
  const qs = Math.max(0, ...ordered.map((t) => decimalPlaces(t.size)));
  let vol = 0n; let notional = 0n; let buy = 0n; let sell = 0n;
  let high = ordered[0]!.price; let low = ordered[0]!.price;
  for (const t of ordered) {
    const p = toScaled(t.price, ps);
    const q = toScaled(t.size, qs);
    vol += q; notional += p * q;
    if (t.side === 'buy') buy += q; else if (t.side === 'sell') sell += q;
    if (compareDecimal(t.price, high) > 0) high = t.price;
    if (compareDecimal(t.price, low) < 0) low = t.price;
  }
  return {
    open: normalizeDecimal(ordered[0]!.price), high: normalizeDecimal(high), low: normalizeDecimal(low),
    close: normalizeDecimal(ordered[ordered.length - 1]!.price),
    volume: fromScaled(vol, qs), notional: fromScaled(notional, ps + qs), tradeCount: ordered.length,
    buyVolume: fromScaled(buy, qs), sellVolume: fromScaled(sell, qs),
    firstTradeId: ordered[0]!.tradeId, lastTradeId: ordered[ordered.length - 1]!.tradeId,
    vwap: vol === 0n ? null : Number(fromScaled(notional, ps + qs)) / Number(fromScaled(vol, qs)),
  };
}

/** Time-window order: event time, then seq, then arrival. */
export function byTimeKey(trades: readonly Trade[]): Trade[] {
  return trades.map((t, i) => ({ t, i }))
    .sort((a, b) => a.t.eventTime - b.t.eventTime || (a.t.seq ?? 0) - (b.t.seq ?? 0) || a.i - b.i)
    .map((x) => x.t);
}

export function groupBy<K>(trades: readonly Trade[], key: (t: Trade) => K): Map<K, Trade[]> {
  const m = new Map<K, Trade[]>();
  for (const t of trades) {
    const k = key(t);
    const list = m.get(k);
    if (list) list.push(t); else m.set(k, [t]);
  }
  return m;
}

/** Which trades arrive for an already closed window: end <= max event time seen before - lateness. */
export function lateFlags(trades: readonly Trade[], intervalMs: number, latenessMs: number): boolean[] {
  let max = -Infinity;
  return trades.map((t) => {
    const start = Math.floor(t.eventTime / intervalMs) * intervalMs;
    const late = start + intervalMs <= max - latenessMs;
    if (t.eventTime > max) max = t.eventTime;
    return late;
  });
}

/** A compact comparison view of an aggregate (what the reference computes). */
export function view(a: RefOhlcv): RefOhlcv {
  return {
    open: a.open, high: a.high, low: a.low, close: a.close, volume: a.volume, notional: a.notional,
    tradeCount: a.tradeCount, buyVolume: a.buyVolume, sellVolume: a.sellVolume,
    firstTradeId: a.firstTradeId, lastTradeId: a.lastTradeId, vwap: a.vwap,
  };
}

export function expectVwapClose(actual: number | null, expected: number | null): void {
  if (expected === null || actual === null) {
    if (actual !== expected) throw new Error(`vwap ${actual} != ${expected}`);
    return;
  }
  const rel = Math.abs(actual - expected) / Math.max(1e-300, Math.abs(expected));
  if (rel > 1e-9) throw new Error(`vwap ${actual} != ${expected} (rel ${rel})`);
}

// ---- generators ----

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));

/** Positive decimal strings: mostly realistic, sometimes with trailing zeros or 20+ digits. */
export const decimalArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 99_999 }), digits(0, 8)).map(([i, f]) => (f ? `${i}.${f}` : `${i}`)) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 70_000 }), digits(1, 4)).map(([i, f]) => `${i}.${f}00000000`) },
  { weight: 1, arbitrary: fc.tuple(digits(12, 22), digits(0, 14)).map(([i, f]) => `${i.replace(/^0+/, '') || '0'}${f ? `.${f}` : ''}`) },
).filter((s) => /[1-9]/.test(s));

export interface GenOptions { maxStepMs: number; maxJitterBackMs: number; maxLen: number }

/** A trade stream with unique ids/seqs, venue times moving forward with optional backwards jitter. */
export function tradesArb(o: GenOptions): fc.Arbitrary<Trade[]> {
  return fc.array(
    fc.record({
      price: decimalArb, size: decimalArb,
      side: fc.constantFrom<'buy' | 'sell' | 'unknown'>('buy', 'sell', 'sell', 'buy', 'unknown'),
      step: fc.integer({ min: 0, max: o.maxStepMs }),
      back: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: o.maxJitterBackMs }) }),
      symbol: fc.constantFrom('AAA', 'BBB'),
    }),
    { minLength: 1, maxLength: o.maxLen },
  ).map((rows) => {
    let t = 1_700_000_000_000 + 123;
    return rows.map((r, i): Trade => {
      t += r.step;
      const eventTime = t - r.back;
      return {
        type: 'trade', venue: 'v', symbol: r.symbol, eventTime, receiveTime: eventTime + 5,
        tradeId: String(1000 + i), seq: 1000 + i, price: r.price, size: r.size, side: r.side, source: 'trade',
      };
    });
  });
}
