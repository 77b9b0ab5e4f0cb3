/**
 * Aggregates computed straight from the simulator's ground truth, independently of src/aggregate:
 * BigInt sums through the naive reference (test/unit/aggregate/reference.ts), windows by
 * arithmetic, tick candles by chunking the id-ordered trades from the first one.
 */
import type { TruthTrade } from '../../../simulator/ground-truth.js';
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
