/**
 * Binance market stream names as a client writes them ("btcusdt@depth10@100ms") parsed into what
 * tickgate must serve, and the upstream stream that feeds each one. Pure; no state.
 */

import type { Dialect } from './dialect.js';

export type StreamKind = 'trade' | 'aggTrade' | 'bookTicker' | 'depth' | 'partialDepth' | 'kline' | 'miniTicker' | 'ticker' | 'miniTickerArr' | 'tickerArr' | 'markPrice';

/** Symbol of the all-market `!…@arr` streams (no single symbol). */
export const ALL_SYMBOLS = '*';

export interface StreamSpec {
  /** The name exactly as the client wrote it (the key of its subscription and of combined frames). */
  readonly name: string;
  /** Upper-case symbol ("BTCUSDT"). */
  readonly symbol: string;
  readonly kind: StreamKind;
  /** Update speed of depth streams (spot 1000 or 100 ms; USD-M 250, 500 or 100) and of markPrice (3000 or 1000). */
  readonly speedMs: number;
  /** Levels of a partial depth stream (5, 10, 20). */
  readonly levels: number;
  /** Kline interval ("1m"). */
  readonly interval: string;
}

/** Kline intervals Binance spot documents, with their length in ms (months are calendar-based). */
export const KLINE_INTERVALS_MS: Readonly<Record<string, number>> = {
  '1s': 1_000, '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000,
  '1h': 3_600_000, '2h': 7_200_000, '4h': 14_400_000, '6h': 21_600_000, '8h': 28_800_000, '12h': 43_200_000,
  '1d': 86_400_000, '3d': 259_200_000, '1w': 604_800_000,
};

const SYMBOL_RE = /^[a-z0-9]{2,20}$/;
const PARTIAL_RE = /^depth(5|10|20)(?:@(\d+)ms)?$/;
const DIFF_RE = /^depth(?:@(\d+)ms)?$/;

/** What a dialect changes in stream names: depth speeds, kline intervals, mark price streams. */
export type StreamRules = Pick<Dialect, 'depthSpeedsMs' | 'defaultDepthSpeedMs' | 'klineIntervalsMs' | 'markPrice'>;

/** Binance spot's stream names. */
export const SPOT_STREAM_RULES: StreamRules = { depthSpeedsMs: [100, 1000], defaultDepthSpeedMs: 1000, klineIntervalsMs: KLINE_INTERVALS_MS, markPrice: false };

/** Parses a stream name; null when tickgate does not serve it (unknown form or kind). */
export function parseStream(name: string, rules: StreamRules = SPOT_STREAM_RULES): StreamSpec | null {
  // All-market tickers: every symbol tickgate carries, only those that changed in the second.
  if (name === '!miniTicker@arr' || name === '!ticker@arr') {
    return { name, symbol: ALL_SYMBOLS, kind: name === '!ticker@arr' ? 'tickerArr' : 'miniTickerArr', speedMs: 1000, levels: 0, interval: '' };
  }
  const at = name.indexOf('@');
  if (at <= 0) return null;
  const sym = name.slice(0, at);
  // Binance stream names are lower case; an upper-case symbol is not a valid stream there.
  if (!SYMBOL_RE.test(sym)) return null;
  const rest = name.slice(at + 1);
  const base = { name, symbol: sym.toUpperCase(), speedMs: 1000, levels: 0, interval: '' };
  if (rest === 'trade' || rest === 'aggTrade' || rest === 'bookTicker' || rest === 'miniTicker' || rest === 'ticker') return { ...base, kind: rest };
  const speed = (text: string | undefined): number | null => {
    const ms = text === undefined ? rules.defaultDepthSpeedMs : Number(text);
    return rules.depthSpeedsMs.includes(ms) ? ms : null;
  };
  let m = DIFF_RE.exec(rest);
  if (m) {
    const ms = speed(m[1]);
    return ms === null ? null : { ...base, kind: 'depth', speedMs: ms };
  }
  m = PARTIAL_RE.exec(rest);
  if (m) {
    const ms = speed(m[2]);
    return ms === null ? null : { ...base, kind: 'partialDepth', levels: Number(m[1]), speedMs: ms };
  }
  if (rest.startsWith('kline_')) {
    const interval = rest.slice(6);
    if (rules.klineIntervalsMs[interval] !== undefined) return { ...base, kind: 'kline', interval };
  }
  // USD-M mark price: every 3 s, or every second with @1s.
  if (rules.markPrice && (rest === 'markPrice' || rest === 'markPrice@1s')) return { ...base, kind: 'markPrice', speedMs: rest === 'markPrice' ? 3000 : 1000 };
  return null;
}

/**
 * The upstream stream (tickgate's subscription at the venue) a downstream stream needs. Every
 * depth form is served from the one maintained book (diff at 100 ms); klines and tickers from the
 * trades. The `!…@arr` forms need none: they serve only what tickgate already carries (null).
 */
export function upstreamStreamOf(s: StreamSpec, tradeSource: 'trade' | 'aggTrade' = 'trade'): string | null {
  const sym = s.symbol.toLowerCase();
  switch (s.kind) {
    case 'trade':
    case 'aggTrade':
    case 'bookTicker':
      return `${sym}@${s.kind}`;
    case 'depth':
    case 'partialDepth':
      return `${sym}@depth@100ms`;
    case 'kline':
    case 'miniTicker':
    case 'ticker':
      return `${sym}@${tradeSource}`;
    case 'markPrice':
      return `${sym}@markPrice@1s`;
    case 'miniTickerArr':
    case 'tickerArr':
      return null;
  }
}
