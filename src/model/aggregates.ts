/**
 * Aggregates produced by aggregate/ and written by sinks/. Prices, sizes and notionals are
 * exact decimal strings; only ratios (vwap) are floats, computed from exact sums.
 */
import type { DecimalString } from './events.js';

/** Order-flow enrichment attached to a snapshot when fresh, else null. */
export interface Enrichment {
  /** Window end, epoch ms. */
  readonly time: number;
  readonly windowMs: number;
  readonly buyVolume: DecimalString;
  readonly sellVolume: DecimalString;
  /** (buy - sell) / (buy + sell), in [-1, 1]; 0 when no volume. */
  readonly imbalance: number;
  /** Trades per second over the window. */
  readonly intensity: number;
}

interface OhlcvBase {
  readonly venue: string;
  readonly symbol: string;
  readonly open: DecimalString;
  readonly high: DecimalString;
  readonly low: DecimalString;
  readonly close: DecimalString;
  readonly volume: DecimalString;
  /** Sum of price * size, exact. */
  readonly notional: DecimalString;
  /** notional / volume as a float; null when volume is zero. */
  readonly vwap: number | null;
  readonly tradeCount: number;
  readonly buyVolume: DecimalString;
  readonly sellVolume: DecimalString;
  readonly firstTradeId: string | null;
  readonly lastTradeId: string | null;
  /** 0 for the first emission; incremented each time a late event amends it. */
  readonly revision: number;
}

/** One second of trades for one symbol, keyed by (venue, symbol, startTime). */
export interface Snapshot1s extends OhlcvBase {
  readonly kind: 'snapshot';
  /** Second start, epoch ms (venue time). */
  readonly startTime: number;
  /** True when no trade fell in the second: OHLC carry the last close, volume is 0. */
  readonly empty: boolean;
  readonly enrichment: Enrichment | null;
}

/**
 * A candle. `interval` names it: "t100" (100 ticks), "1s", "1m" (time), "v10" (volume bar of 10).
 * Keyed by (venue, symbol, interval, startTime) for time candles and by
 * (venue, symbol, interval, firstTradeId) for tick and volume candles.
 */
export interface Candle extends OhlcvBase {
  readonly kind: 'candle';
  readonly interval: string;
  readonly candleType: 'tick' | 'time' | 'volume';
  readonly startTime: number;
  readonly endTime: number;
}

export type Aggregate = Snapshot1s | Candle;
