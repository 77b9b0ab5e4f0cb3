/**
 * The REST side of the Binance endpoint, under the dialect's prefix (/api/v3 spot, /fapi/v1
 * USD-M): ping, time, depth (the maintained book), trades, historicalTrades, aggTrades and klines
 * (from the trades in memory when they cover the request), ticker/price, ticker/bookTicker,
 * ticker/24hr (the rolling window), avgPrice (spot), premiumIndex (USD-M, the last mark price);
 * exchangeInfo and everything else is forwarded (rest-forward.ts). Signed/account endpoints are
 * refused. Answers carry X-MBX-USED-WEIGHT-1M: the weight of the forwarding budget used this minute.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Trade } from '../../model/events.js';
import type { CompactTradeRing } from '../../aggregate/compact-trade-ring.js';
import { print8, to8, mul8, fmt8 } from './decimal8.js';
import type { Dialect } from './dialect.js';
import { CompatError, REST_ERR } from './errors.js';
import { SPOT_DIALECT } from './frames.js';
import { inCandles } from './hub.js';
import { KlineState } from './kline.js';
import { lowerBoundSeq, lowerBoundTime, type MarketState, type SymbolState } from './market-state.js';
import { errorAnswer, type RestAnswer, type RestForwarder } from './rest-forward.js';
import type { TickerState } from './ticker-state.js';

/** avgPrice is Binance's 5-minute average. */
const AVG_PRICE_MS = 5 * 60_000;

export interface RestCounters {
  requests: number;
  fromState: number;
  forwarded: number;
  refused: number;
}

/** A route answered from state: the answer, or null when the state does not cover the request. */
type StateRoute = (q: URLSearchParams) => RestAnswer | null;

export class BinanceRestRoutes {
  readonly counters: RestCounters = { requests: 0, fromState: 0, forwarded: 0, refused: 0 };
  /** Path after the dialect's REST prefix -> its answer from state. */
  private readonly routes: ReadonlyMap<string, StateRoute>;

  constructor(
    private readonly market: MarketState,
    private readonly forwarder: RestForwarder,
    private readonly now: () => number = Date.now,
    private readonly tickers: TickerState | null = null,
    private readonly dialect: Dialect = SPOT_DIALECT,
  ) {
    const routes: [string, StateRoute][] = [
      ['/ping', () => ok('{}')],
      ['/time', () => ok(`{"serverTime":${this.now()}}`)],
      ['/depth', (q) => this.depth(q)],
      ['/trades', (q) => this.trades(q, false)],
      ['/historicalTrades', (q) => this.trades(q, true)],
      ['/aggTrades', (q) => this.aggTrades(q)],
      ['/klines', (q) => this.klines(q)],
      ['/ticker/price', (q) => this.tickerPrice(q)],
      ['/ticker/bookTicker', (q) => this.bookTicker(q)],
      ['/ticker/24hr', (q) => this.ticker24hr(q)],
    ];
    if (dialect.name === 'spot') routes.push(['/uiKlines', (q) => this.klines(q)]);
    if (dialect.avgPrice) routes.push(['/avgPrice', (q) => this.avgPrice(q)]);
    if (dialect.markPrice) routes.push(['/premiumIndex', (q) => this.premiumIndex(q)]);
    const map = new Map(routes.map(([suffix, route]): [string, StateRoute] => [`${dialect.restPrefix}${suffix}`, route]));
    // USD-M's v2 ticker/price (what ccxt calls) has v1's shape.
    if (dialect.name === 'usdm') map.set('/fapi/v2/ticker/price', (q) => this.tickerPrice(q));
    this.routes = map;
  }

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
    if (this.dialect.signed.test(path) || q.has('signature') || req?.headers['x-mbx-apikey'] !== undefined) {
      this.counters.refused++;
      return errorAnswer(REST_ERR.signed());
    }
    if (method !== 'GET' && method !== 'HEAD') return errorAnswer(new CompatError('E_COMPAT_METHOD', `${method} is not served: tickgate serves market data (GET) only.`, -1000, 405));
    try {
      const local = this.routes.get(path)?.(q) ?? null;
      if (local !== null) {
        this.counters.fromState++;
        return local;
      }
    } catch (err) {
      if (err instanceof CompatError) return errorAnswer(err);
      throw err;
    }
    if (!this.dialect.forwardable.test(path)) return errorAnswer(new CompatError('E_COMPAT_NOT_FOUND', `unknown endpoint ${path}`, -1000, 404));
    this.counters.forwarded++;
    return this.forwarder.get(path, q);
  }

  private tickerPrice(q: URLSearchParams): RestAnswer | null {
    const s = this.symbol(q, false);
    const last = s?.trades.at(s.trades.size - 1) ?? s?.aggTrades.at(s.aggTrades.size - 1);
    return s && last ? ok(this.dialect.restTickerPrice(s.symbol, fmt8(last.price), last.eventTime)) : null;
  }

  private bookTicker(q: URLSearchParams): RestAnswer | null {
    const s = this.symbol(q, false);
    if (!s) return null;
    if (s.ticker) {
      const t = s.ticker;
      return ok(this.dialect.restBookTicker(s.symbol, t.bidPrice, t.bidSize, t.askPrice, t.askSize, t.eventTime));
    }
    const b = s.book.bestBid();
    const a = s.book.bestAsk();
    return s.bookSynced && b && a ? ok(this.dialect.restBookTicker(s.symbol, b[0], b[1], a[0], a[1], this.now())) : null;
  }

  /** USD-M premiumIndex of one symbol from the last mark price update (all symbols: forwarded). */
  private premiumIndex(q: URLSearchParams): RestAnswer | null {
    const m = this.symbol(q, false)?.mark;
    return m ? ok(this.dialect.restPremiumIndex(m)) : null;
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
    const limit = intParam(q, 'limit', this.dialect.name === 'usdm' ? 500 : 100, 1, this.dialect.name === 'usdm' ? 1000 : 5000);
    if (!s || !s.bookSynced) return null;
    return ok(this.dialect.restDepth(s.book.lastUpdateId, s.book.bids(limit), s.book.asks(limit), this.now()));
  }

  private trades(q: URLSearchParams, historical: boolean): RestAnswer | null {
    const s = this.symbol(q);
    const limit = intParam(q, 'limit', 500, 1, 1000);
    if (!s) return null;
    const from = pageStart(s.trades, limit, historical ? optInt(q, 'fromId') : null, null, null);
    return from === null ? null : page(s.trades, from, limit, null, null, (t) => this.dialect.restTrade(t, print8(mul8(t.price, t.size))));
  }

  private aggTrades(q: URLSearchParams): RestAnswer | null {
    const s = this.symbol(q);
    const limit = intParam(q, 'limit', 500, 1, 1000);
    if (!s || s.aggTrades.size === 0) return null;
    const start = optInt(q, 'startTime');
    const end = optInt(q, 'endTime');
    const from = pageStart(s.aggTrades, limit, optInt(q, 'fromId'), start, end);
    return from === null ? null : page(s.aggTrades, from, limit, start, end, (t) => this.dialect.restAggTrade(t));
  }

  /**
   * Klines folded from the trades in memory, exact: served when the trades reach back before the
   * first kline asked (the kline holding the oldest trade in memory may be partial: never served).
   */
  private klines(q: URLSearchParams): RestAnswer | null {
    const s = this.symbol(q);
    const interval = q.get('interval');
    if (interval === null || interval === '') throw REST_ERR.mandatory('interval');
    const lengthMs = this.dialect.klineIntervalsMs[interval];
    if (lengthMs === undefined) throw REST_ERR.badInterval();
    const limit = intParam(q, 'limit', 500, 1, this.dialect.name === 'usdm' ? 1500 : 1000);
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
        if (inCandles(t)) k.add(t, now);
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
    return ok(this.dialect.restTicker24hr(symbol, w.stats(now), this.market.get(symbol)?.ticker ?? null));
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

function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const v = optInt(q, name) ?? dflt;
  if (v < min || v > max) throw REST_ERR.badLimit(`${min}-${max}`);
  return v;
}

/**
 * Index of the first row of a trades page in an id-ordered ring, or null when the ring does not
 * cover it: from an id (inside the ring), from a start time (the ring reaches back before it), or
 * the newest `limit` rows (the ring holds at least that many).
 */
function pageStart(ring: CompactTradeRing, limit: number, fromId: number | null, start: number | null, end: number | null): number | null {
  if (fromId !== null) {
    const oldest = ring.seqAt(0) ?? Infinity;
    const newest = ring.seqAt(ring.size - 1) ?? -1;
    return fromId < oldest || fromId > newest ? null : lowerBoundSeq(ring, fromId);
  }
  if (start !== null || end !== null) {
    const s0 = start ?? end! - 3_600_000;
    // Covered only when the ring reaches back before the start (else older rows are missing).
    return ring.size === 0 || s0 <= ring.eventTimeAt(0) ? null : lowerBoundTime(ring, s0);
  }
  return ring.size < limit ? null : ring.size - limit;
}

/** Up to `limit` rows from index `from`, within [start, end] when given, as a JSON array. */
function page(ring: CompactTradeRing, from: number, limit: number, start: number | null, end: number | null, row: (t: Trade) => string): RestAnswer {
  const out: string[] = [];
  for (let i = from; i < ring.size && out.length < limit; i++) {
    const t = ring.at(i)!;
    if (end !== null && t.eventTime > end) break;
    if (start !== null && t.eventTime < start) continue;
    out.push(row(t));
  }
  return ok(`[${out.join(',')}]`);
}
