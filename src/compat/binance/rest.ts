/**
 * The REST side of the Binance endpoint: /api/v3/ping, time, depth (the maintained book),
 * trades, historicalTrades, aggTrades and klines (from the trades in memory when they cover the
 * request), ticker/price, ticker/bookTicker, avgPrice; exchangeInfo and everything else is
 * forwarded (rest-forward.ts). Signed/account endpoints are refused. Answers carry
 * X-MBX-USED-WEIGHT-1M: the weight of the forwarding budget used this minute.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Trade } from '../../model/events.js';
import { print8, to8, mul8, fmt8 } from './decimal8.js';
import { CompatError, REST_ERR } from './errors.js';
import { aggTradeRestItem, partialDepthFrame, tradeRestItem } from './frames.js';
import { KlineState } from './kline.js';
import { lowerBoundSeq, lowerBoundTime, type MarketState, type SymbolState } from './market-state.js';
import { errorAnswer, type RestAnswer, type RestForwarder } from './rest-forward.js';
import { KLINE_INTERVALS_MS } from './streams.js';
import { ticker24hrRest } from './ticker-frames.js';
import type { TickerState } from './ticker-state.js';

/** Account, order and user-stream endpoints: tickgate serves market data only. */
const SIGNED_RE = /^\/(?:api\/v3\/(?:order|orderList|oco|sor|account|myTrades|myPreventedMatches|myAllocations|openOrders|allOrders|allOrderList|openOrderList|rateLimit|userDataStream|commission)|sapi\/|wapi\/)/;
/** avgPrice is Binance's 5-minute average. */
const AVG_PRICE_MS = 5 * 60_000;

export interface RestCounters {
  requests: number;
  fromState: number;
  forwarded: number;
  refused: number;
}

export class BinanceRestRoutes {
  readonly counters: RestCounters = { requests: 0, fromState: 0, forwarded: 0, refused: 0 };

  constructor(
    private readonly market: MarketState,
    private readonly forwarder: RestForwarder,
    private readonly now: () => number = Date.now,
    private readonly tickers: TickerState | null = null,
  ) {}

  /** Handles `GET <prefix><path>`; `path` is the part after the prefix. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    this.counters.requests++;
    const answer = await this.answer(req.method ?? 'GET', path, query, req);
    const used = String(this.forwarder.budget.usedWeight());
    res.writeHead(answer.status, {
      'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(answer.body),
      'X-MBX-USED-WEIGHT-1M': used, 'X-MBX-USED-WEIGHT': used, ...answer.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  }

  async answer(method: string, path: string, q: URLSearchParams, req?: IncomingMessage): Promise<RestAnswer> {
    if (SIGNED_RE.test(path) || q.has('signature') || req?.headers['x-mbx-apikey'] !== undefined) {
      this.counters.refused++;
      return errorAnswer(REST_ERR.signed());
    }
    if (method !== 'GET' && method !== 'HEAD') return errorAnswer(new CompatError('E_COMPAT_METHOD', `${method} is not served: tickgate serves market data (GET) only.`, -1000, 405));
    try {
      const local = this.fromState(path, q);
      if (local !== null) {
        this.counters.fromState++;
        return local;
      }
    } catch (err) {
      if (err instanceof CompatError) return errorAnswer(err);
      throw err;
    }
    if (!path.startsWith('/api/')) return errorAnswer(new CompatError('E_COMPAT_NOT_FOUND', `unknown endpoint ${path}`, -1000, 404));
    this.counters.forwarded++;
    return this.forwarder.get(path, q);
  }

  /** The answer from tickgate's own state, or null when it does not cover the request. */
  private fromState(path: string, q: URLSearchParams): RestAnswer | null {
    switch (path) {
      case '/api/v3/ping':
        return ok('{}');
      case '/api/v3/time':
        return ok(`{"serverTime":${this.now()}}`);
      case '/api/v3/depth':
        return this.depth(q);
      case '/api/v3/trades':
        return this.trades(q, false);
      case '/api/v3/historicalTrades':
        return this.trades(q, true);
      case '/api/v3/aggTrades':
        return this.aggTrades(q);
      case '/api/v3/klines':
      case '/api/v3/uiKlines':
        return this.klines(q);
      case '/api/v3/ticker/price': {
        const s = this.symbol(q, false);
        const last = s?.trades.at(s.trades.size - 1) ?? s?.aggTrades.at(s.aggTrades.size - 1);
        return s && last ? ok(`{"symbol":"${s.symbol}","price":"${fmt8(last.price)}"}`) : null;
      }
      case '/api/v3/ticker/bookTicker': {
        const s = this.symbol(q, false);
        if (!s) return null;
        if (s.ticker) {
          const t = s.ticker;
          return ok(`{"symbol":"${s.symbol}","bidPrice":"${t.bidPrice}","bidQty":"${t.bidSize}","askPrice":"${t.askPrice}","askQty":"${t.askSize}"}`);
        }
        const b = s.book.bestBid();
        const a = s.book.bestAsk();
        return s.bookSynced && b && a ? ok(`{"symbol":"${s.symbol}","bidPrice":"${b[0]}","bidQty":"${b[1]}","askPrice":"${a[0]}","askQty":"${a[1]}"}`) : null;
      }
      case '/api/v3/avgPrice':
        return this.avgPrice(q);
      case '/api/v3/ticker/24hr':
        return this.ticker24hr(q);
      default:
        return null;
    }
  }

  /** The symbol's state when tickgate tracks it; a missing symbol parameter is Binance's -1102. */
  private symbol(q: URLSearchParams, required = true): SymbolState | undefined {
    const sym = q.get('symbol');
    if (sym === null || sym === '') {
      if (required) throw REST_ERR.mandatory('symbol');
      return undefined;
    }
    return this.market.get(sym.toUpperCase());
  }

  private depth(q: URLSearchParams): RestAnswer | null {
    const s = this.symbol(q);
    const limit = intParam(q, 'limit', 100, 1, 5000, '1-5000');
    if (!s || !s.bookSynced) return null;
    return ok(partialDepthFrame(s.book.lastUpdateId, s.book.bids(limit), s.book.asks(limit)));
  }

  private trades(q: URLSearchParams, historical: boolean): RestAnswer | null {
    const s = this.symbol(q);
    const limit = intParam(q, 'limit', 500, 1, 1000, '1-1000');
    if (!s) return null;
    const ring = s.trades;
    const fromId = historical ? optInt(q, 'fromId') : null;
    let from: number;
    if (fromId !== null) {
      const oldest = ring.at(0)?.seq ?? Infinity;
      const newest = ring.at(ring.size - 1)?.seq ?? -1;
      if (fromId < oldest || fromId > newest) return null;
      from = lowerBoundSeq(ring, fromId);
    } else {
      if (ring.size < limit) return null;
      from = ring.size - limit;
    }
    const out: string[] = [];
    for (let i = from; i < ring.size && out.length < limit; i++) {
      const t = ring.at(i)!;
      out.push(tradeRestItem(t, print8(mul8(t.price, t.size))));
    }
    return ok(`[${out.join(',')}]`);
  }

  private aggTrades(q: URLSearchParams): RestAnswer | null {
    const s = this.symbol(q);
    const limit = intParam(q, 'limit', 500, 1, 1000, '1-1000');
    if (!s) return null;
    const ring = s.aggTrades;
    if (ring.size === 0) return null;
    const fromId = optInt(q, 'fromId');
    const start = optInt(q, 'startTime');
    const end = optInt(q, 'endTime');
    const oldest = ring.at(0)!;
    const newest = ring.at(ring.size - 1)!;
    let from: number;
    if (fromId !== null) {
      if (fromId < oldest.seq! || fromId > newest.seq!) return null;
      from = lowerBoundSeq(ring, fromId);
    } else if (start !== null || end !== null) {
      const s0 = start ?? end! - 3_600_000;
      // Covered only when the ring reaches back before the start (else older rows are missing).
      if (s0 <= oldest.eventTime) return null;
      from = lowerBoundTime(ring, s0);
    } else {
      if (ring.size < limit) return null;
      from = ring.size - limit;
    }
    const out: string[] = [];
    for (let i = from; i < ring.size && out.length < limit; i++) {
      const t = ring.at(i)!;
      if (end !== null && t.eventTime > end) break;
      if (start !== null && t.eventTime < start) continue;
      out.push(aggTradeRestItem(t));
    }
    return ok(`[${out.join(',')}]`);
  }

  /**
   * Klines folded from the trades in memory, exact: served when the trades reach back before the
   * first kline asked (the kline holding the oldest trade in memory may be partial: never served).
   */
  private klines(q: URLSearchParams): RestAnswer | null {
    const s = this.symbol(q);
    const interval = q.get('interval');
    if (interval === null || interval === '') throw REST_ERR.mandatory('interval');
    const lengthMs = KLINE_INTERVALS_MS[interval];
    if (lengthMs === undefined) throw REST_ERR.badInterval();
    const limit = intParam(q, 'limit', 500, 1, 1000, '1-1000');
    const ring = s === undefined ? undefined : s.trades.size > 0 ? s.trades : s.aggTrades;
    if (!s || !ring || ring.size === 0) return null;
    const start = optInt(q, 'startTime');
    const end = optInt(q, 'endTime');
    const firstWhole = ring.at(0)!.eventTime - (ring.at(0)!.eventTime % lengthMs) + lengthMs;
    const now = this.now();
    const current = now - (now % lengthMs);
    let fromOpen: number;
    if (start !== null) fromOpen = start - (start % lengthMs) + (start % lengthMs === 0 ? 0 : lengthMs);
    else if (end !== null) fromOpen = end - (end % lengthMs) - (limit - 1) * lengthMs;
    else fromOpen = current - (limit - 1) * lengthMs;
    if (fromOpen < firstWhole) return null;
    const lastOpen = Math.min(current, end === null ? current : end - (end % lengthMs), fromOpen + (limit - 1) * lengthMs);
    const rows: string[] = [];
    let k = new KlineState(s.symbol, interval, lengthMs);
    let i = lowerBoundTime(ring, fromOpen);
    let prevClose: string | null = i > 0 ? ring.at(i - 1)!.price : null;
    for (let open = fromOpen; open <= lastOpen; open += lengthMs) {
      k = new KlineState(s.symbol, interval, lengthMs);
      let t: Trade | undefined;
      while ((t = ring.at(i)) !== undefined && t.eventTime < open + lengthMs) {
        k.add(t, now);
        i++;
      }
      if (k.started) {
        rows.push(k.restRow());
        prevClose = ring.at(i - 1)!.price;
      } else if (prevClose !== null) {
        // A quiet interval: Binance shows it at the previous close with no trades.
        const p = print8(to8(prevClose));
        rows.push(`[${open},"${p}","${p}","${p}","${p}","0.00000000",${open + lengthMs - 1},"0.00000000",0,"0.00000000","0.00000000","0"]`);
      }
    }
    return ok(`[${rows.join(',')}]`);
  }

  /**
   * One symbol's FULL 24 h ticker from the rolling window, only when tickgate saw every trade of
   * the window (else, and for the all-symbols/symbols/MINI forms, forwarded).
   */
  private ticker24hr(q: URLSearchParams): RestAnswer | null {
    const sym = q.get('symbol');
    if (sym === null || sym === '' || [...q.keys()].some((k) => k !== 'symbol' && k !== 'type') || (q.get('type') ?? 'FULL') !== 'FULL') return null;
    const symbol = sym.toUpperCase();
    const w = this.tickers?.get(symbol);
    const now = this.now();
    if (w === undefined || !w.covers(now)) return null;
    return ok(ticker24hrRest(symbol, w.stats(now), this.market.get(symbol)?.ticker ?? null));
  }

  private avgPrice(q: URLSearchParams): RestAnswer | null {
    const s = this.symbol(q);
    const ring = s === undefined ? undefined : s.trades.size > 0 ? s.trades : s.aggTrades;
    if (!s || !ring || ring.size === 0) return null;
    const now = this.now();
    const from = now - AVG_PRICE_MS;
    if (ring.at(0)!.eventTime > from) return null;
    let qty = 0n;
    let quote = 0n;
    let last = 0;
    for (let i = lowerBoundTime(ring, from); i < ring.size; i++) {
      const t = ring.at(i)!;
      qty += to8(t.size);
      quote += mul8(t.price, t.size);
      last = t.eventTime;
    }
    if (qty === 0n) return null;
    return ok(`{"mins":5,"price":"${print8((quote * 10n ** 8n) / qty)}","closeTime":${last}}`);
  }
}

const ok = (body: string): RestAnswer => ({ status: 200, body });

function optInt(q: URLSearchParams, name: string): number | null {
  const v = q.get(name);
  if (v === null || v === '') return null;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw REST_ERR.badParam(name);
  return n;
}

function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number, range: string): number {
  const v = optInt(q, name) ?? dflt;
  if (v < min || v > max) throw REST_ERR.badLimit(range);
  return v;
}
