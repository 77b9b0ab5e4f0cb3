/**
 * Aggregates computed straight from the simulator's ground truth, independently of src/aggregate:
 * BigInt sums through the naive reference (test/unit/aggregate/reference.ts), windows by
 * arithmetic, tick candles by chunking the id-ordered trades from the first one.
 */
import { expect } from 'vitest';
import type { TruthTrade } from '../../../simulator/ground-truth.js';
import type { Candle, Snapshot1s } from '../../../src/model/aggregates.js';
import type { Trade } from '../../../src/model/events.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import { refOhlcv, type RefOhlcv } from '../../unit/aggregate/reference.js';

/** The compared fields: OHLC, volumes, notional, count, first and last id (vwap is a float, left out). */
export type Fields = Omit<RefOhlcv, 'vwap'>;

export function asTrade(t: TruthTrade, symbol: string): Trade {
  return {
    type: 'trade', venue: 'binance', symbol, tradeId: String(t.id), seq: t.id, price: t.price, size: t.qty,
    side: t.buyerMaker === null ? 'unknown' : t.buyerMaker ? 'sell' : 'buy', source: 'trade', eventTime: t.timeMs, receiveTime: t.timeMs,
  };
}

function fields(trades: readonly Trade[]): Fields {
  const { vwap: _v, ...rest } = refOhlcv([...trades].sort((a, b) => a.eventTime - b.eventTime || a.seq! - b.seq!));
  return rest;
}

/** Per window start: the fields of its trades. */
export function byWindow(trades: readonly Trade[], ms: number): Map<number, Fields> {
  const groups = new Map<number, Trade[]>();
  for (const t of trades) {
    const start = t.eventTime - (t.eventTime % ms);
    const g = groups.get(start);
    if (g) g.push(t); else groups.set(start, [t]);
  }
  return new Map([...groups].map(([k, g]) => [k, fields(g)]));
}

/** Complete N-tick candles keyed by first trade id (trades in id order from the stream's first). */
export function tickCandles(trades: readonly Trade[], n: number): Map<string, Fields> {
  const sorted = [...trades].sort((a, b) => a.seq! - b.seq!);
  const out = new Map<string, Fields>();
  for (let i = 0; i + n <= sorted.length; i += n) {
    const chunk = sorted.slice(i, i + n);
    const { vwap: _v, ...rest } = refOhlcv(chunk);
    out.set(chunk[0]!.tradeId, rest);
  }
  return out;
}

/** The compared fields of a stored row (canonical decimals). */
export function storedFields(r: {
  open: string; high: string; low: string; close: string; volume: string; notional: string; tradeCount: number;
  buyVolume: string; sellVolume: string; firstTradeId: string | null; lastTradeId: string | null;
}): Fields {
  return {
    open: normalizeDecimal(r.open), high: normalizeDecimal(r.high), low: normalizeDecimal(r.low), close: normalizeDecimal(r.close),
    volume: normalizeDecimal(r.volume), notional: normalizeDecimal(r.notional), tradeCount: r.tradeCount,
    buyVolume: normalizeDecimal(r.buyVolume), sellVolume: normalizeDecimal(r.sellVolume), firstTradeId: r.firstTradeId, lastTradeId: r.lastTradeId,
  };
}

export type Row = Snapshot1s | Candle;

/**
 * Every stored row of one symbol (latest revision per key) against the truth: one 1 s snapshot
 * per second from the first trade's second on (none missing; quiet ones empty carrying the last
 * close), 1 s and 1 m candles exactly for the windows with trades, t100 exactly the complete
 * chunks of 100 in id order from the first trade. Counts what it compared into `n`.
 */
export function expectRowsEqualTruth(
  name: string, symbol: string, rows: ReadonlyMap<string, Row>, truthTrades: readonly TruthTrade[],
  n: { seconds: number; empty: number; minutes: number; ticks: number },
): void {
  const truth = truthTrades.map((t) => asTrade(t, symbol));
  const seconds = byWindow(truth, 1000);
  const minutes = byWindow(truth, 60_000);
  const ticks = tickCandles(truth, 100);
  const of = (pred: (r: Row) => boolean): Row[] => [...rows.values()].filter((r) => r.symbol === symbol && pred(r)).sort((a, b) => a.startTime - b.startTime);
  const snaps = of((r) => r.kind === 'snapshot') as Snapshot1s[];
  const first = Math.min(...seconds.keys());
  const lastTrade = Math.max(...seconds.keys());
  expect(snaps[0]?.startTime, `${name} ${symbol} first second`).toBe(first);
  expect(snaps.at(-1)!.startTime, `${name} ${symbol} stored through the last trade`).toBeGreaterThanOrEqual(lastTrade);
  const wrong: string[] = [];
  let lastClose: string | null = null;
  snaps.forEach((row, i) => {
    if (row.startTime !== first + i * 1000) wrong.push(`second ${first + i * 1000} missing (next stored ${row.startTime})`);
    const want = seconds.get(row.startTime);
    if (want) {
      const got = storedFields(row);
      if (row.empty || JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`second ${row.startTime}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
      lastClose = want.close;
    } else {
      if (!row.empty || row.tradeCount !== 0 || row.close !== lastClose || row.open !== lastClose) wrong.push(`quiet second ${row.startTime}: ${JSON.stringify(row)} (last close ${lastClose})`);
      n.empty++;
    }
  });
  expect(wrong.slice(0, 10), `${name} ${symbol} seconds`).toEqual([]);
  n.seconds += snaps.length;
  const mins = of((r) => r.kind === 'candle' && r.interval === '1m');
  expect(mins.map((r) => r.startTime), `${name} ${symbol} minutes`).toEqual([...minutes.keys()].sort((a, b) => a - b));
  for (const r of mins) expect(storedFields(r), `${name} ${symbol} minute ${r.startTime}`).toEqual(minutes.get(r.startTime));
  n.minutes += mins.length;
  const ones = of((r) => r.kind === 'candle' && r.interval === '1s');
  expect(ones.map((r) => r.startTime), `${name} ${symbol} 1s candles`).toEqual([...seconds.keys()].sort((a, b) => a - b));
  for (const r of ones) expect(storedFields(r), `${name} ${symbol} 1s candle ${r.startTime}`).toEqual(seconds.get(r.startTime));
  const t100 = of((r) => r.kind === 'candle' && r.interval === 't100');
  expect(t100.map((r) => r.firstTradeId).sort(), `${name} ${symbol} t100 keys`).toEqual([...ticks.keys()].sort());
  for (const r of t100) expect(storedFields(r), `${name} ${symbol} t100 ${r.firstTradeId}`).toEqual(ticks.get(r.firstTradeId!));
  n.ticks += t100.length;
}
