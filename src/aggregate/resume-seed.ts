/**
 * What a restarted aggregator is seeded with, read from storage (see src/gateway/resume.ts), and
 * the conversion of stored rows back into exact buckets. Stored decimals are canonical (trailing
 * zeros trimmed), so a row is rebuilt at the smallest scales that hold all its values exactly;
 * the symbol's scales grow to include them (output text does not depend on the scale).
 */
import type { Candle, Snapshot1s } from '../model/aggregates.js';
import { parsed, parseScaled, upscale, type Scaled } from './exact.js';
import { OhlcvAcc, type SymbolScales } from './ohlcv-acc.js';

export interface AggregateSeed {
  readonly venue: string;
  readonly symbol: string;
  /**
   * Stored 1 s snapshots, oldest first, ending with the newest stored second; at least every
   * stored second of the current window of each whole-second time interval.
   */
  readonly seconds: readonly Snapshot1s[];
  /** Newest stored non-empty snapshot (its last trade id is what the time folds cover); may be in `seconds`. */
  readonly lastNonEmpty: Snapshot1s | null;
  /**
   * Oldest stored non-empty snapshot: with no stored tick candle / volume bar yet, their partial
   * holds every trade since it, so they are rebuilt from its first trade.
   */
  readonly firstNonEmpty: Snapshot1s | null;
  /** Stored time candles of those current windows (their revisions only go up). */
  readonly timeCandles: readonly Candle[];
  /** Newest stored candle of each tick/volume interval ("t100", "v10"). */
  readonly tickCandles: readonly Candle[];
}

/** Stored OHLCV fields, as Snapshot1s and Candle both carry them. */
type StoredRow = Pick<Snapshot1s, 'open' | 'high' | 'low' | 'close' | 'volume' | 'notional' | 'buyVolume' | 'sellVolume' | 'tradeCount' | 'firstTradeId' | 'lastTradeId' | 'revision'>;

function scaleOf(text: string): number {
  parseScaled(text);
  return parsed.scale;
}

function at(text: string, scale: number): Scaled {
  const v = parseScaled(text);
  return upscale(v, scale - parsed.scale);
}

/** Rebuild one stored row as a bucket [startTime, endTime); grows `scales` to hold it exactly. */
export function accFromStored(row: StoredRow, startTime: number, endTime: number, scales: SymbolScales): OhlcvAcc {
  let ps = Math.max(scaleOf(row.open), scaleOf(row.high), scaleOf(row.low), scaleOf(row.close));
  const qs = Math.max(scaleOf(row.volume), scaleOf(row.buyVolume), scaleOf(row.sellVolume));
  // The notional is exact at price scale + size scale; trimmed fields can hide part of it.
  const ns = scaleOf(row.notional);
  if (ns > ps + qs) ps = ns - qs;
  if (ps > scales.priceScale) scales.priceScale = ps;
  if (qs > scales.sizeScale) scales.sizeScale = qs;
  const P = scales.priceScale;
  const Q = scales.sizeScale;
  const acc = new OhlcvAcc(startTime, endTime, scales);
  acc.restore({
    open: at(row.open, P), high: at(row.high, P), low: at(row.low, P), close: at(row.close, P),
    count: row.tradeCount, volume: at(row.volume, Q), notional: at(row.notional, P + Q),
    buyVolume: at(row.buyVolume, Q), sellVolume: at(row.sellVolume, Q),
    firstTradeId: row.firstTradeId, lastTradeId: row.lastTradeId, revision: row.revision,
  });
  return acc;
}

/** A numeric trade id (all digits, safe integer), else null. */
export function numericId(id: string | null): number | null {
  if (id === null || !/^[0-9]+$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}
