/**
 * An outage's worth of venue history at once: steps one Binance market until it has made N
 * trades, without waiting real time. Trades land in ground truth and the REST history (the same
 * ring) like any other and are published to whoever is subscribed (a disconnected gateway gets
 * none); their times spread evenly from `fromMs` (default the symbol's last trade) to now, so a
 * symbol's times never go backwards.
 */
import type { BinanceVenue } from './binance/venue.js';
import type { GroundTruth } from './ground-truth.js';

/** Steps between hub flushes: a subscriber still connected must not get one 300 MB write. */
const HISTORY_FLUSH_STEPS = 5_000;

export interface HistoryOptions {
  readonly venue?: 'binance' | 'binance-futures';
  readonly symbol: string;
  /** At least this many trades (the last taker order may add up to 3 more). */
  readonly trades: number;
  readonly fromMs?: number;
}

export interface HistoryResult {
  readonly venue: string;
  readonly symbol: string;
  readonly trades: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly fromMs: number;
  readonly toMs: number;
  /** Wall time the generation took. */
  readonly ms: number;
}

export class HistoryError extends Error {
  readonly code = 'E_SIM_HISTORY';
  constructor(message: string) {
    super(message);
    this.name = 'HistoryError';
  }
}

export function generateHistory(v: BinanceVenue, truth: GroundTruth, now: number, flush: () => void, opts: HistoryOptions): HistoryResult {
  const venue = v.venue;
  const symbol = opts.symbol.toUpperCase();
  if (!v.markets.has(symbol)) throw new HistoryError(`no ${venue} market ${symbol} to generate history on`);
  if (!Number.isInteger(opts.trades) || opts.trades < 1) throw new HistoryError(`trades must be a positive integer, got ${opts.trades}`);
  const t0 = performance.now();
  const last = truth.lastTrade(venue, symbol);
  const fromMs = Math.min(now, Math.max(opts.fromMs ?? last?.timeMs ?? now, last?.timeMs ?? -Infinity));
  let made = 0;
  let steps = 0;
  while (made < opts.trades) {
    made += v.step(symbol, fromMs + Math.floor(((now - fromMs) * made) / opts.trades));
    if (++steps % HISTORY_FLUSH_STEPS === 0) flush();
  }
  flush();
  const lastId = truth.lastTrade(venue, symbol)?.id ?? -1;
  return { venue, symbol, trades: made, firstId: lastId - made + 1, lastId, fromMs, toMs: now, ms: performance.now() - t0 };
}
