/**
 * Binance spot REST client: depth snapshot, aggTrades / historicalTrades (an id range streamed as
 * pages with a bounded prefetch, see trade-pages.ts), exchangeInfo, listenKey. Obeys the weight budget (WeightLimiter) and waits out
 * 429/418 Retry-After instead of retrying at once. The API key travels only in a header; URLs in
 * errors and logs go through redactUrl (a listenKey query parameter becomes ***).
 */
import type { BookSnapshot, Trade } from '../../model/events.js';
import { TickgateError } from '../../model/errors.js';
import { venuesDefaults } from '../../config/defaults/venues.js';
import { integrityDefaults } from '../../config/defaults/integrity.js';
import { redactUrl, silentLogger, type Logger } from '../../observability/logger.js';
import { retryAfterMs } from '../close-policy.js';
import { WeightLimiter, realClock, type LimiterClock } from './weight-limiter.js';
import { tradeRangePages, type TradeRangePage } from './trade-pages.js';
import { decodeAggTradeRows, decodeDepthSnapshot, decodeExchangeInfo, decodeHistoricalTradeRows, type SymbolRules } from './rest-decode.js';

export class BinanceRestError extends TickgateError {
  readonly status: number;
  constructor(code: string, message: string, opts: { status?: number; url: string; venue: string; retryable: boolean; cause?: unknown; venueCode?: number }) {
    super(code, message, { context: { venue: opts.venue, url: redactUrl(opts.url), status: opts.status ?? null, venueCode: opts.venueCode ?? null }, retryable: opts.retryable, cause: opts.cause });
    this.status = opts.status ?? 0;
  }
}

export interface BinanceRestOptions {
  /** 'https://api.binance.com' or the simulator's 'http://127.0.0.1:P/binance'. */
  readonly restBaseUrl?: string;
  readonly venue?: string;
  /** Sent as X-MBX-APIKEY (listenKey endpoints only). Never logged. */
  readonly apiKey?: string;
  readonly timeoutMs?: number;
  readonly weightPerMinute?: number;
  readonly weightSafetyRatio?: number;
  readonly pageLimit?: number;
  /** Retries of a request answered 429/418 (after waiting Retry-After) or 5xx/timeout. */
  readonly maxRetries?: number;
  readonly rateLimitBackoffMs?: number;
  /** Backfill pages requested ahead of the one being merged (requests in flight per range). */
  readonly backfillPrefetchPages?: number;
  /** Share of the weight budget backfill pages may use (the rest stays free for snapshots). */
  readonly backfillWeightShare?: number;
  readonly clock?: LimiterClock;
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
}

interface Call {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly query: Record<string, string | number | undefined>;
  readonly weight: number;
  readonly signed?: boolean;
  /** Ends the request (a dropped prefetch page); not retried. */
  readonly signal?: AbortSignal;
  /** Part of the weight budget this request may use (WeightLimiter.acquire). */
  readonly weightShare?: number;
}

export class BinanceRest {
  readonly venue: string;
  private readonly base: string;
  private readonly limiter: WeightLimiter;
  private readonly timeoutMs: number;
  private readonly pageLimit: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly log: Logger;
  private readonly clock: LimiterClock;
  private readonly prefetchPages: number;
  private readonly backfillShare: number;
  private readonly counters = { requests: 0, weightUsed: 0, rateLimited: 0, retries: 0, failures: 0, rowsFetched: 0, pages: 0, pagesInFlight: 0, maxPagesInFlight: 0, aborted: 0 };

  constructor(private readonly opts: BinanceRestOptions = {}) {
    const d = venuesDefaults.binance;
    this.venue = opts.venue ?? 'binance';
    this.base = (opts.restBaseUrl ?? d.restBaseUrl).replace(/\/+$/, '');
    const budget = Math.floor((opts.weightPerMinute ?? d.restWeightPerMinute) * (opts.weightSafetyRatio ?? d.restWeightSafetyRatio));
    this.clock = opts.clock ?? realClock;
    this.limiter = new WeightLimiter(budget, this.clock);
    this.timeoutMs = opts.timeoutMs ?? d.restTimeoutMs;
    this.pageLimit = opts.pageLimit ?? d.restPageLimit;
    this.maxRetries = opts.maxRetries ?? 3;
    this.backoffMs = opts.rateLimitBackoffMs ?? d.rateLimitBackoffMs;
    this.fetchFn = opts.fetch ?? fetch;
    this.prefetchPages = Math.max(1, opts.backfillPrefetchPages ?? integrityDefaults.backfillPrefetchPages);
    this.backfillShare = opts.backfillWeightShare ?? integrityDefaults.backfillWeightShare;
    this.log = opts.logger ?? silentLogger();
  }

  async depthSnapshot(symbol: string, limit: number = venuesDefaults.binance.depthSnapshotLimit): Promise<BookSnapshot> {
    const weight = limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    const body = await this.call({ method: 'GET', path: '/api/v3/depth', query: { symbol, limit }, weight });
    return decodeDepthSnapshot(body, symbol, Date.now(), this.venue);
  }

  /** One page of aggTrades (max pageLimit rows). */
  async aggTrades(q: { symbol: string; fromId?: number; startTime?: number; endTime?: number; limit?: number; signal?: AbortSignal; weightShare?: number }): Promise<Trade[]> {
    const body = await this.call({ method: 'GET', path: '/api/v3/aggTrades', query: { symbol: q.symbol, fromId: q.fromId, startTime: q.startTime, endTime: q.endTime, limit: q.limit ?? this.pageLimit }, weight: 4, signal: q.signal, weightShare: q.weightShare });
    const rows = decodeAggTradeRows(body, q.symbol, Date.now(), this.venue);
    this.counters.rowsFetched += rows.length;
    return rows;
  }

  async historicalTrades(q: { symbol: string; fromId?: number; limit?: number; signal?: AbortSignal; weightShare?: number }): Promise<Trade[]> {
    // Sends X-MBX-APIKEY when configured (older API versions required it here).
    const body = await this.call({ method: 'GET', path: '/api/v3/historicalTrades', query: { symbol: q.symbol, fromId: q.fromId, limit: q.limit ?? this.pageLimit }, weight: 25, signed: true, signal: q.signal, weightShare: q.weightShare });
    const rows = decodeHistoricalTradeRows(body, q.symbol, Date.now(), this.venue);
    this.counters.rowsFetched += rows.length;
    return rows;
  }

  /**
   * aggTrades with ids fromId..toId (toId null: up to the newest) as pages in id order, at most
   * backfillPrefetchPages requests in flight, paced by the weight budget (4 per page).
   */
  aggTradePages(symbol: string, fromId: number, toId: number | null): AsyncGenerator<TradeRangePage, void, undefined> {
    return this.pages(fromId, toId, (id, limit, signal) => this.aggTrades({ symbol, fromId: id, limit, signal, weightShare: this.backfillShare }));
  }

  /** Trades (the @trade stream's ids) fromId..toId via historicalTrades (25 per page). */
  tradePages(symbol: string, fromId: number, toId: number | null): AsyncGenerator<TradeRangePage, void, undefined> {
    return this.pages(fromId, toId, (id, limit, signal) => this.historicalTrades({ symbol, fromId: id, limit, signal, weightShare: this.backfillShare }));
  }

  /**
   * Backfill fetcher for FeedIntegrity (its FetchTrades shape): the @trade stream's ids come
   * from historicalTrades, aggTrade ids from aggTrades.
   */
  readonly fetchTrades = (symbol: string, fromId: number, toId: number | null, source: string): AsyncIterable<TradeRangePage> =>
    source === 'trade' ? this.tradePages(symbol, fromId, toId) : this.aggTradePages(symbol, fromId, toId);

  /** Snapshot fetcher for FeedIntegrity. */
  readonly fetchBookSnapshot = (symbol: string): Promise<BookSnapshot> => this.depthSnapshot(symbol);

  async exchangeInfo(symbols?: readonly string[]): Promise<SymbolRules[]> {
    const query = symbols && symbols.length > 0 ? { symbols: JSON.stringify(symbols) } : {};
    return decodeExchangeInfo(await this.call({ method: 'GET', path: '/api/v3/exchangeInfo', query, weight: 20 }));
  }

  async createListenKey(): Promise<string> {
    const body = await this.call({ method: 'POST', path: '/api/v3/userDataStream', query: {}, weight: 2, signed: true });
    const key = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).listenKey : undefined;
    if (typeof key !== 'string' || key === '') {
      throw new BinanceRestError('E_REST_RESPONSE', `${this.venue}: userDataStream answered without a listenKey`, { url: `${this.base}/api/v3/userDataStream`, venue: this.venue, retryable: true });
    }
    return key;
  }

  async keepAliveListenKey(listenKey: string): Promise<void> {
    await this.call({ method: 'PUT', path: '/api/v3/userDataStream', query: { listenKey }, weight: 2, signed: true });
  }

  async deleteListenKey(listenKey: string): Promise<void> {
    await this.call({ method: 'DELETE', path: '/api/v3/userDataStream', query: { listenKey }, weight: 2, signed: true });
  }

  stats(): typeof this.counters & { usedWeight: number; limiterWaits: number; limiterWaitedMs: number } {
    return { ...this.counters, usedWeight: this.limiter.usedWeight(), limiterWaits: this.limiter.waits, limiterWaitedMs: this.limiter.waitedMs };
  }

  private pages(fromId: number, toId: number | null, fetchPage: (id: number, limit: number, signal: AbortSignal) => Promise<Trade[]>): AsyncGenerator<TradeRangePage, void, undefined> {
    const c = this.counters;
    return tradeRangePages({
      fromId, toId, pageLimit: this.pageLimit, prefetchPages: this.prefetchPages,
      fetchPage: (id, limit, signal) => fetchPage(id, limit, signal).then((rows) => { c.pages++; return rows; }),
      onInFlight: (d) => {
        c.pagesInFlight += d;
        if (c.pagesInFlight > c.maxPagesInFlight) c.maxPagesInFlight = c.pagesInFlight;
      },
    });
  }

  private async call(c: Call): Promise<unknown> {
    const qs = Object.entries(c.query)
      .filter((e): e is [string, string | number] => e[1] !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const url = `${this.base}${c.path}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = {};
    if (c.signed && this.opts.apiKey) headers['X-MBX-APIKEY'] = this.opts.apiKey;
    const abortedError = (): BinanceRestError => {
      this.counters.aborted++;
      return new BinanceRestError('E_REST_ABORTED', `${this.venue}: ${c.method} ${c.path} dropped`, { url, venue: this.venue, retryable: false });
    };
    for (let attempt = 0; ; attempt++) {
      if (c.signal?.aborted) throw abortedError();
      await this.limiter.acquire(c.weight, c.weightShare);
      if (c.signal?.aborted) throw abortedError();
      this.counters.requests++;
      this.counters.weightUsed += c.weight;
      let res: Response;
      try {
        const timeout = AbortSignal.timeout(this.timeoutMs);
        res = await this.fetchFn(url, { method: c.method, headers, signal: c.signal ? AbortSignal.any([timeout, c.signal]) : timeout });
      } catch (err) {
        if (c.signal?.aborted) throw abortedError();
        const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        const e = new BinanceRestError(timeout ? 'E_REST_TIMEOUT' : 'E_REST_NETWORK', `${this.venue}: ${c.method} ${c.path} ${timeout ? `timed out after ${this.timeoutMs} ms` : 'failed'}`, { url, venue: this.venue, retryable: true, cause: err });
        if (attempt < this.maxRetries) { this.counters.retries++; await this.clock.sleep(retryDelayMs(attempt)); continue; }
        this.counters.failures++;
        throw e;
      }
      const usedHeader = res.headers.get('x-mbx-used-weight-1m');
      if (usedHeader !== null) this.limiter.observeUsed(Number(usedHeader));
      if (res.status === 429 || res.status === 418) {
        const wait = retryAfterMs(Object.fromEntries(res.headers.entries()), this.backoffMs);
        this.counters.rateLimited++;
        this.limiter.pause(wait);
        await res.body?.cancel();
        this.log.warn({ venue: this.venue, path: c.path, status: res.status, retryAfterMs: wait }, 'rest_rate_limited');
        if (attempt < this.maxRetries) { this.counters.retries++; continue; }
        this.counters.failures++;
        throw new BinanceRestError('E_REST_RATE_LIMITED', `${this.venue}: ${c.method} ${c.path} answered ${res.status}; retry after ${wait} ms`, { status: res.status, url, venue: this.venue, retryable: true });
      }
      const text = await res.text();
      if (!res.ok) {
        const venueErr = parseVenueError(text);
        const retryable = res.status >= 500;
        if (retryable && attempt < this.maxRetries) { this.counters.retries++; await this.clock.sleep(retryDelayMs(attempt)); continue; }
        this.counters.failures++;
        throw new BinanceRestError('E_REST_HTTP', `${this.venue}: ${c.method} ${c.path} answered ${res.status}${venueErr ? ` (${venueErr.code}: ${venueErr.msg})` : ''}`, { status: res.status, url, venue: this.venue, retryable, venueCode: venueErr?.code });
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        this.counters.failures++;
        throw new BinanceRestError('E_REST_RESPONSE', `${this.venue}: ${c.method} ${c.path} returned invalid JSON`, { status: res.status, url, venue: this.venue, retryable: true, cause: err });
      }
    }
  }
}

/** Pause before retrying a 5xx or network failure: 0.5 s, 1 s, 2 s... capped at 8 s. */
function retryDelayMs(attempt: number): number {
  return Math.min(8_000, 500 * 2 ** attempt);
}

function parseVenueError(text: string): { code: number; msg: string } | null {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v.code === 'number' && typeof v.msg === 'string') return { code: v.code, msg: v.msg.slice(0, 160) };
  } catch {
    /* not JSON */
  }
  return null;
}
