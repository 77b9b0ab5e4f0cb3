/**
 * Binance market stream names as a client writes them ("btcusdt@depth10@100ms") parsed into what
 * tickgate must serve, and the upstream stream that feeds each one. Pure; no state.
 */

export type StreamKind = 'trade' | 'aggTrade' | 'bookTicker' | 'depth' | 'partialDepth' | 'kline' | 'miniTicker' | 'ticker' | 'miniTickerArr' | 'tickerArr';

/** Symbol of the all-market `!…@arr` streams (no single symbol). */
export const ALL_SYMBOLS = '*';

export interface StreamSpec {
  /** The name exactly as the client wrote it (the key of its subscription and of combined frames). */
  readonly name: string;
  /** Upper-case symbol ("BTCUSDT"). */
  readonly symbol: string;
  readonly kind: StreamKind;
  /** Update speed of depth streams (1000 or 100 ms). */
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
const PARTIAL_RE = /^depth(5|10|20)(?:@(100|1000)ms)?$/;
const DIFF_RE = /^depth(?:@(100|1000)ms)?$/;

/** Parses a stream name; null when tickgate does not serve it (unknown form or kind). */
export function parseStream(name: string): StreamSpec | null {
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
  let m = DIFF_RE.exec(rest);
  if (m) return { ...base, kind: 'depth', speedMs: Number(m[1] ?? 1000) };
  m = PARTIAL_RE.exec(rest);
  if (m) return { ...base, kind: 'partialDepth', levels: Number(m[1]), speedMs: Number(m[2] ?? 1000) };
  if (rest.startsWith('kline_')) {
    const interval = rest.slice(6);
    if (KLINE_INTERVALS_MS[interval] !== undefined) return { ...base, kind: 'kline', interval };
  }
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
    case 'miniTickerArr':
    case 'tickerArr':
      return null;
  }
}
