/**
 * What differs between the Binance APIs the endpoint speaks (spot `/api/v3`, USD-M futures
 * `/fapi/v1`): REST prefix, stream speeds and kline intervals, WebSocket path categories, signed
 * paths, request weights, and the frame and REST texts (USD-M adds `T`, `pu`, `X`, `time` and
 * drops `M`, `isBestMatch`, ...). The hub, the sessions and the REST routes are shared; only this
 * object is chosen per endpoint. Spot's texts live in frames.ts, USD-M's in usdm-frames.ts.
 */
import type { BookDelta, BookTicker, Level, MarkPrice, Trade } from '../../model/events.js';
import type { RollingStats } from './rolling24h.js';

export type DialectName = 'spot' | 'usdm';

export interface Dialect {
  readonly name: DialectName;
  /** REST prefix of the market-data endpoints ('/api/v3', '/fapi/v1'). */
  readonly restPrefix: string;
  /** Paths forwarded upstream when the state cannot answer (everything else is a 404). */
  readonly forwardable: RegExp;
  /** Account, order and user-stream paths: refused, never forwarded. */
  readonly signed: RegExp;
  /** Diff and partial depth speeds a client may ask, and the speed of a name without one. */
  readonly depthSpeedsMs: readonly number[];
  readonly defaultDepthSpeedMs: number;
  /** Kline intervals served, with their length in ms. */
  readonly klineIntervalsMs: Readonly<Record<string, number>>;
  /** Path segments allowed before /ws and /stream ('' always; USD-M also '/public', '/market'). */
  readonly wsCategories: readonly string[];
  /** Whether `<s>@markPrice[@1s]` streams and REST premiumIndex exist. */
  readonly markPrice: boolean;
  /** Whether REST avgPrice exists (spot only). */
  readonly avgPrice: boolean;
  /** Request weight of a forwarded REST request, as the venue documents it. */
  weightOf(path: string, q: URLSearchParams): number;

  // Stream frames.
  trade(t: Trade): string;
  aggTrade(t: Trade): string;
  bookTicker(b: BookTicker): string;
  depthUpdate(d: BookDelta): string;
  /** `<s>@depth<N>`: spot sends the REST body, USD-M a depthUpdate with the top N levels. */
  partialDepth(symbol: string, lastUpdateId: number, prevUpdateId: number, bids: readonly Level[], asks: readonly Level[], nowMs: number): string;
  ticker(symbol: string, s: RollingStats, bt: BookTicker | null, nowMs: number): string;
  markPriceFrame(m: MarkPrice): string;

  // REST bodies.
  restDepth(lastUpdateId: number, bids: readonly Level[], asks: readonly Level[], nowMs: number): string;
  restTrade(t: Trade, quoteQty: string): string;
  restAggTrade(t: Trade): string;
  restTickerPrice(symbol: string, price: string, timeMs: number): string;
  restBookTicker(symbol: string, bidPrice: string, bidQty: string, askPrice: string, askQty: string, timeMs: number): string;
  restTicker24hr(symbol: string, s: RollingStats, bt: BookTicker | null): string;
  restPremiumIndex(m: MarkPrice): string;
}

export const levelsText = (levels: readonly Level[]): string => {
  let out = '[';
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    out += `${i > 0 ? ',' : ''}["${l[0]}","${l[1]}"]`;
  }
  return `${out}]`;
};
