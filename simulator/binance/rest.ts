/**
 * Binance REST: /api/v3/depth, /api/v3/aggTrades, /api/v3/exchangeInfo, /api/v3/userDataStream
 * (spot) and /fapi/v1/depth (futures). Request weight per minute with X-MBX-USED-WEIGHT-1M,
 * 429 + Retry-After over the limit, 418 (ban) after repeated 429s, and rest-error faults.
 * Trade history is the venue's ground-truth ring (bounded: `historyTradesPerSymbol`); asking for
 * ids older than it holds answers from the oldest held id, as Binance does past its window.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultController } from '../faults.js';
import { sendJson, sendJsonText } from '../server.js';
import { formatUnits } from '../symbols.js';
import { C_AGG, C_ID, C_PRICE, C_QTY, C_TIME, type TradeRing } from '../trade-ring.js';
import { aggTradeRestText, depthSnapshotBody, tradeRestText } from './frames.js';
import type { UserDataStreams } from './user-data.js';
import type { BinanceVenue } from './venue.js';

export interface BinanceRestOptions {
  readonly weightLimitPerMin: number;
  readonly violationsBeforeBan: number;
  readonly banS: number;
}

export interface RestStats {
  requests: number;
  rejected429: number;
  rejected418: number;
  faultErrors: number;
}

export class BinanceRest {
  private windowStartMs = 0;
  private usedWeight = 0;
  private violations = 0;
  private bannedUntilMs = 0;
  readonly counters: RestStats = { requests: 0, rejected429: 0, rejected418: 0, faultErrors: 0 };

  constructor(
    private readonly venue: BinanceVenue,
    private readonly faults: FaultController,
    private readonly users: UserDataStreams | null,
    private readonly opts: BinanceRestOptions,
    private readonly now: () => number,
    private readonly prefix: string,
  ) {}

  handle = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    this.counters.requests++;
    const path = url.pathname.slice(this.prefix.length);
    const now = this.now();
    const fault = this.faults.match('rest-error', { venue: this.venue.venue, path });
    if (fault && fault.status !== undefined) {
      this.faults.consume(fault, `${req.method ?? 'GET'} ${path} -> ${fault.status}`);
      this.counters.faultErrors++;
      this.error(res, fault.status, fault.retryAfterS ?? (fault.status === 418 ? this.opts.banS : 1));
      return;
    }
    if (now < this.bannedUntilMs) {
      this.counters.rejected418++;
      this.error(res, 418, Math.ceil((this.bannedUntilMs - now) / 1000));
      return;
    }
    const weight = this.weightOf(req.method ?? 'GET', path, url);
    const minute = Math.floor(now / 60_000) * 60_000;
    if (minute !== this.windowStartMs) {
      this.windowStartMs = minute;
      this.usedWeight = 0;
    }
    if (this.usedWeight + weight > this.opts.weightLimitPerMin) {
      this.violations++;
      if (this.violations > this.opts.violationsBeforeBan) {
        this.bannedUntilMs = now + this.opts.banS * 1000;
        this.counters.rejected418++;
        this.error(res, 418, this.opts.banS);
      } else {
        this.counters.rejected429++;
        this.error(res, 429, Math.max(1, Math.ceil((minute + 60_000 - now) / 1000)));
      }
      return;
    }
    this.usedWeight += weight;
    const headers = { 'X-MBX-USED-WEIGHT-1M': String(this.usedWeight), 'x-mbx-used-weight': String(this.usedWeight) };
    // USD-M serves the same market-data shapes under /fapi/v1/.
    this.route(req.method ?? 'GET', this.venue.futures ? path.replace(/^\/fapi\/v1\//, '/api/v3/') : path, url, res, headers);
  };

  private weightOf(method: string, path: string, url: URL): number {
    if (path.endsWith('/depth')) {
      const limit = Number(url.searchParams.get('limit') ?? 100);
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    }
    if (path === '/api/v3/aggTrades') return 4;
    if (path === '/api/v3/trades' || path === '/api/v3/historicalTrades') return 25;
    if (path === '/api/v3/exchangeInfo') return 20;
    if (path === '/api/v3/userDataStream') return method === 'POST' ? 2 : 2;
    return 1;
  }

  private error(res: ServerResponse, status: number, retryAfterS: number): void {
    const headers = { 'Retry-After': String(retryAfterS), 'X-MBX-USED-WEIGHT-1M': String(this.usedWeight) };
    if (status === 429) sendJson(res, 429, { code: -1003, msg: `Too much request weight used; current limit is ${this.opts.weightLimitPerMin} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.` }, headers);
    else if (status === 418) sendJson(res, 418, { code: -1003, msg: `Way too much request weight used; IP banned until ${this.now() + retryAfterS * 1000}. Please use WebSocket Streams for live updates to avoid bans.` }, headers);
    else if (status >= 500) sendJson(res, status, { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }, headers);
    else sendJson(res, status, { code: -1000, msg: 'An unknown error occurred while processing the request.' }, headers);
  }

  private bad(res: ServerResponse, code: number, msg: string, headers: Record<string, string>): void {
    sendJson(res, 400, { code, msg }, headers);
  }

  private route(method: string, path: string, url: URL, res: ServerResponse, headers: Record<string, string>): void {
    const q = url.searchParams;
    if ((path === '/api/v3/depth' || path === '/fapi/v1/depth') && method === 'GET') {
      const m = this.venue.market(q.get('symbol') ?? '');
      if (!m) return this.bad(res, -1121, 'Invalid symbol.', headers);
      const limit = Number(q.get('limit') ?? 100);
      if (!Number.isInteger(limit) || limit < 1 || limit > 5000) return this.bad(res, -1100, "Illegal characters found in parameter 'limit'; legal range is '1-5000'.", headers);
      if (this.venue.futures) {
        m.anchorPending();
        const now = this.now();
        return sendJson(res, 200, { lastUpdateId: m.updateId, E: now, T: now, ...withoutId(depthSnapshotBody(m, limit)) }, headers);
      }
      return sendJson(res, 200, depthSnapshotBody(m, limit), headers);
    }
    if (path === '/api/v3/aggTrades' && method === 'GET') return this.aggTrades(q, res, headers);
    if ((path === '/api/v3/trades' || path === '/api/v3/historicalTrades') && method === 'GET') return this.trades(path, q, res, headers);
    if (path === '/api/v3/exchangeInfo' && method === 'GET') return sendJson(res, 200, this.exchangeInfo(), headers);
    if (path === '/api/v3/time' && method === 'GET') return sendJson(res, 200, { serverTime: this.now() }, headers);
    if (path === '/api/v3/ping' && method === 'GET') return sendJson(res, 200, {}, headers);
    if (path === '/api/v3/userDataStream' && this.users) {
      if (method === 'POST') return sendJson(res, 200, { listenKey: this.users.create() }, headers);
      const key = q.get('listenKey') ?? '';
      if (method === 'PUT') return this.users.keepAlive(key) ? sendJson(res, 200, {}, headers) : this.bad(res, -1125, 'This listenKey does not exist.', headers);
      if (method === 'DELETE') return this.users.delete(key) ? sendJson(res, 200, {}, headers) : this.bad(res, -1125, 'This listenKey does not exist.', headers);
    }
    sendJson(res, 404, { code: -1, msg: `unknown endpoint ${method} ${path}` }, headers);
  }

  private aggTrades(q: URLSearchParams, res: ServerResponse, headers: Record<string, string>): void {
    const m = this.venue.market(q.get('symbol') ?? '');
    if (!m) return this.bad(res, -1121, 'Invalid symbol.', headers);
    const limit = Number(q.get('limit') ?? 500);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return this.bad(res, -1100, "Illegal characters found in parameter 'limit'; legal range is '1-1000'.", headers);
    const ring = this.venue.ring(m.spec.symbol);
    const fromIdText = q.get('fromId');
    const start = q.get('startTime');
    const end = q.get('endTime');
    const out: string[] = [];
    // An aggregate whose first trades were evicted is not served (its f would be wrong).
    const whole = (i: number): number => (i === 0 && ring.size > 0 && ring.col(C_AGG, 0) === ring.evictedAggId ? this.skipAgg(ring, 0) : i);
    if (fromIdText !== null) {
      const fromId = Number(fromIdText);
      if (!Number.isInteger(fromId) || fromId < 0) return this.bad(res, -1100, "Illegal characters found in parameter 'fromId'.", headers);
      const s = start === null ? -Infinity : Number(start);
      const e = end === null ? Infinity : Number(end);
      for (let i = whole(ring.indexOfAgg(fromId)), n = 0; i < ring.size && n < limit; n++) {
        const t = ring.col(C_TIME, i);
        const next = this.skipAgg(ring, i);
        if (t >= s && t <= e) out.push(this.aggText(m, ring, i, next));
        i = next;
      }
    } else if (start !== null || end !== null) {
      const s = start === null ? Number(end) - 3_600_000 : Number(start);
      const e = end === null ? s + 3_600_000 : Number(end);
      if (e - s > 3_600_000) return this.bad(res, -1127, 'More than 1 hours between startTime and endTime.', headers);
      for (let i = whole(ring.indexOfTime(s)); i < ring.size && out.length < limit && ring.col(C_TIME, i) <= e;) {
        const next = this.skipAgg(ring, i);
        out.push(this.aggText(m, ring, i, next));
        i = next;
      }
    } else {
      // The newest `limit` aggregates, oldest first.
      let i = ring.size;
      const starts: number[] = [];
      while (i > 0 && starts.length < limit) {
        const a = ring.col(C_AGG, i - 1);
        while (i > 0 && ring.col(C_AGG, i - 1) === a) i--;
        if (i === 0 && a === ring.evictedAggId) break;
        starts.push(i);
      }
      for (let k = starts.length - 1; k >= 0; k--) {
        const at = starts[k] as number;
        out.push(this.aggText(m, ring, at, this.skipAgg(ring, at)));
      }
    }
    sendJsonText(res, 200, `[${out.join(',')}]`, headers);
  }

  /** Logical index after the aggregate starting at i. */
  private skipAgg(ring: TradeRing, i: number): number {
    const a = ring.col(C_AGG, i);
    let j = i + 1;
    while (j < ring.size && ring.col(C_AGG, j) === a) j++;
    return j;
  }

  private aggText(m: NonNullable<ReturnType<BinanceVenue['market']>>, ring: TradeRing, from: number, to: number): string {
    let qtyUnits = 0;
    for (let i = from; i < to; i++) qtyUnits += ring.col(C_QTY, i);
    return aggTradeRestText(m, ring.col(C_AGG, from), ring.col(C_PRICE, from), qtyUnits, ring.col(C_ID, from), ring.col(C_ID, to - 1), ring.col(C_TIME, from), ring.buyerMakerAt(from) === true);
  }

  /** Recent trades, or from a trade id (historicalTrades): exact trade-id backfill. */
  private trades(path: string, q: URLSearchParams, res: ServerResponse, headers: Record<string, string>): void {
    const m = this.venue.market(q.get('symbol') ?? '');
    if (!m) return this.bad(res, -1121, 'Invalid symbol.', headers);
    const limit = Number(q.get('limit') ?? 500);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return this.bad(res, -1100, "Illegal characters found in parameter 'limit'; legal range is '1-1000'.", headers);
    const ring = this.venue.ring(m.spec.symbol);
    const fromIdText = path === '/api/v3/historicalTrades' ? q.get('fromId') : null;
    let from: number;
    if (fromIdText !== null) {
      const fromId = Number(fromIdText);
      if (!Number.isInteger(fromId) || fromId < 0) return this.bad(res, -1100, "Illegal characters found in parameter 'fromId'.", headers);
      from = ring.indexOfId(fromId);
    } else from = Math.max(0, ring.size - limit);
    const to = Math.min(ring.size, from + limit);
    const out: string[] = [];
    for (let i = from; i < to; i++) out.push(tradeRestText(m, ring.col(C_ID, i), ring.col(C_PRICE, i), ring.col(C_QTY, i), ring.col(C_TIME, i), ring.buyerMakerAt(i) === true));
    sendJsonText(res, 200, `[${out.join(',')}]`, headers);
  }

  private exchangeInfo(): unknown {
    const symbols = [...this.venue.markets.values()].map((m) => {
      const s = m.spec;
      return {
        symbol: s.symbol, status: 'TRADING', baseAsset: s.baseAsset, baseAssetPrecision: 8, quoteAsset: s.quoteAsset,
        quotePrecision: 8, quoteAssetPrecision: 8, orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
        isSpotTradingAllowed: true, isMarginTradingAllowed: false,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: formatUnits(s.tickUnits, s.priceScale, 8), maxPrice: '1000000.00000000', tickSize: formatUnits(s.tickUnits, s.priceScale, 8) },
          { filterType: 'LOT_SIZE', minQty: formatUnits(s.stepUnits, s.qtyScale, 8), maxQty: '9000.00000000', stepSize: formatUnits(s.stepUnits, s.qtyScale, 8) },
        ],
      };
    });
    return {
      timezone: 'UTC', serverTime: this.now(),
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: this.opts.weightLimitPerMin },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
        { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
      ],
      exchangeFilters: [], symbols,
    };
  }

  stats(): RestStats & { usedWeight: number } {
    return { ...this.counters, usedWeight: this.usedWeight };
  }
}

function withoutId(b: { lastUpdateId: number; bids: string[][]; asks: string[][] }): { bids: string[][]; asks: string[][] } {
  return { bids: b.bids, asks: b.asks };
}
