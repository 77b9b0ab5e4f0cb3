/**
 * Binance's 24 h ticker texts from the rolling window (rolling24h.ts): the `<s>@miniTicker` and
 * `<s>@ticker` stream payloads and the REST /api/v3/ticker/24hr object, decimals as 8-digit
 * strings, the change percent with 3 digits, as Binance prints them.
 */
import type { BookTicker } from '../../model/events.js';
import { fmt8, print8 } from './decimal8.js';
import type { RollingStats } from './rolling24h.js';

const SCALE = 100_000_000n;

/** The figures derived from the window, printed. */
export interface TickerFigures {
  readonly o: string;
  readonly h: string;
  readonly l: string;
  readonly c: string;
  readonly v: string;
  readonly q: string;
  readonly p: string;
  readonly P: string;
  readonly w: string;
  readonly x: string;
  readonly Q: string;
}

/** (c - o) / o in percent with 3 decimals, rounded half away from zero; "0.000" when o is 0. */
export function percentText(change: bigint, open: bigint): string {
  if (open === 0n) return '0.000';
  const num = change * 100_000n; // percent (x100) at 3 decimals (x1000)
  const neg = num < 0n !== open < 0n;
  const a = num < 0n ? -num : num;
  const b = open < 0n ? -open : open;
  const r = (a * 2n + b) / (2n * b);
  const int = r / 1000n;
  const frac = (r % 1000n).toString().padStart(3, '0');
  return `${neg && r !== 0n ? '-' : ''}${int}.${frac}`;
}

export function tickerFigures(s: RollingStats): TickerFigures {
  // An empty window (no trade in 24 h) keeps the last price as close, as Binance's does.
  const c = s.n > 0 ? s.c : (s.lastPrice ?? 0n);
  const change = s.n > 0 ? s.c - s.o : 0n;
  return {
    o: print8(s.o), h: print8(s.h), l: print8(s.l), c: print8(c), v: print8(s.v), q: print8(s.q),
    p: print8(change), P: percentText(change, s.o), w: print8(s.v === 0n ? 0n : (s.q * SCALE) / s.v),
    x: print8(s.prevClose ?? 0n), Q: print8(s.lastQty ?? 0n),
  };
}

/** Best bid/ask of the ticker (zeros until a book ticker arrived). */
const book = (b: BookTicker | null): [string, string, string, string] =>
  b === null ? ['0.00000000', '0.00000000', '0.00000000', '0.00000000'] : [fmt8(b.bidPrice), fmt8(b.bidSize), fmt8(b.askPrice), fmt8(b.askSize)];

export function miniTickerFrame(symbol: string, s: RollingStats, nowMs: number): string {
  const f = tickerFigures(s);
  return `{"e":"24hrMiniTicker","E":${nowMs},"s":"${symbol}","c":"${f.c}","o":"${f.o}","h":"${f.h}","l":"${f.l}","v":"${f.v}","q":"${f.q}"}`;
}

export function tickerFrame(symbol: string, s: RollingStats, bt: BookTicker | null, nowMs: number): string {
  const f = tickerFigures(s);
  const [b, B, a, A] = book(bt);
  return `{"e":"24hrTicker","E":${nowMs},"s":"${symbol}","p":"${f.p}","P":"${f.P}","w":"${f.w}","x":"${f.x}","c":"${f.c}","Q":"${f.Q}","b":"${b}","B":"${B}","a":"${a}","A":"${A}","o":"${f.o}","h":"${f.h}","l":"${f.l}","v":"${f.v}","q":"${f.q}","O":${s.openTime},"C":${s.closeTime},"F":${s.first},"L":${s.last},"n":${s.n}}`;
}

/** REST /api/v3/ticker/24hr (FULL) for one symbol. */
export function ticker24hrRest(symbol: string, s: RollingStats, bt: BookTicker | null): string {
  const f = tickerFigures(s);
  const [b, B, a, A] = book(bt);
  return `{"symbol":"${symbol}","priceChange":"${f.p}","priceChangePercent":"${f.P}","weightedAvgPrice":"${f.w}","prevClosePrice":"${f.x}","lastPrice":"${f.c}","lastQty":"${f.Q}","bidPrice":"${b}","bidQty":"${B}","askPrice":"${a}","askQty":"${A}","openPrice":"${f.o}","highPrice":"${f.h}","lowPrice":"${f.l}","volume":"${f.v}","quoteVolume":"${f.q}","openTime":${s.openTime},"closeTime":${s.closeTime},"firstId":${s.first},"lastId":${s.last},"count":${s.n}}`;
}
