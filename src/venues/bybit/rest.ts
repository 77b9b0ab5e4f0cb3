/**
 * Bybit v5 public REST client: GET /v5/market/recent-trade, the only trade history Bybit serves
 * publicly (newest `limit` trades; spot caps limit at 60, linear/inverse at 1000), used to
 * backfill a publicTrade stream after a reconnect. Waits out rate limits (HTTP 429, HTTP 403
 * "access too frequent", retCode 10006) before retrying, retries 5xx/timeouts with backoff.
 */
import type { Trade } from '../../model/events.js';
import { TickgateError } from '../../model/errors.js';
import { venuesDefaults } from '../../config/defaults/venues.js';
import { redactUrl, silentLogger, type Logger } from '../../observability/logger.js';
import { retryAfterMs } from '../close-policy.js';
import { bybitRetOf, decodeRecentTrades } from './rest-decode.js';

export class BybitRestError extends TickgateError {
  readonly status: number;
  constructor(code: string, message: string, opts: { status?: number; url: string; venue: string; retryable: boolean; cause?: unknown; retCode?: number }) {
    super(code, message, { context: { venue: opts.venue, url: redactUrl(opts.url), status: opts.status ?? null, retCode: opts.retCode ?? null }, retryable: opts.retryable, cause: opts.cause });
    this.status = opts.status ?? 0;
  }
}

export interface BybitRestOptions {
  /** 'https://api.bybit.com' or the simulator's 'http://127.0.0.1:P/bybit'. */
  readonly restBaseUrl?: string;
  readonly venue?: string;
  /** 'spot' | 'linear' | 'inverse': must match the public stream's category. */
  readonly category?: string;
  /** Rows per recent-trade request (venue caps and defaults here: spot 60, linear/inverse 1000). */
  readonly recentTradesLimit?: number;
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
  /** Wait after a rate limit that names no reset time. */
  readonly rateLimitBackoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
}

/** Bybit's "Too many visits" retCode (API rate limit, answered with HTTP 200). */
const RET_RATE_LIMITED = 10006;

export class BybitRest {
  readonly venue: string;
  readonly category: string;
  readonly recentTradesLimit: number;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly fetchFn: typeof fetch;
  private readonly log: Logger;
  private readonly counters = { requests: 0, rateLimited: 0, retries: 0, failures: 0, rowsFetched: 0 };

  constructor(opts: BybitRestOptions = {}) {
    const d = venuesDefaults.bybit;
    this.venue = opts.venue ?? 'bybit';
    this.category = opts.category ?? d.restCategory;
    this.recentTradesLimit = opts.recentTradesLimit ?? (this.category === 'spot' ? d.recentTradesLimit : d.recentTradesLimitDerivatives);
    this.base = (opts.restBaseUrl ?? d.restBaseUrl).replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? d.restTimeoutMs;
    this.maxRetries = opts.maxRetries ?? d.restMaxRetries;
    this.backoffMs = opts.rateLimitBackoffMs ?? d.rateLimitBackoffMs;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? Date.now;
    this.fetchFn = opts.fetch ?? fetch;
    this.log = opts.logger ?? silentLogger();
  }

  /** The newest `limit` trades of a symbol, newest first (the venue's order). */
  async recentTrades(symbol: string, limit = this.recentTradesLimit): Promise<Trade[]> {
    const url = `${this.base}/v5/market/recent-trade?category=${encodeURIComponent(this.category)}&symbol=${encodeURIComponent(symbol)}&limit=${limit}`;
    const body = await this.get(url, '/v5/market/recent-trade');
    const rows = decodeRecentTrades(body, this.now(), this.venue);
    this.counters.rowsFetched += rows.length;
    return rows;
  }

  /** Recent-trades fetcher for FeedIntegrity: the newest trades, newest first, and the page size asked for. */
  readonly fetchRecentTrades = async (symbol: string): Promise<{ readonly trades: readonly Trade[]; readonly limit: number }> => ({ trades: await this.recentTrades(symbol), limit: this.recentTradesLimit });

  stats(): typeof this.counters {
    return { ...this.counters };
  }

  private async get(url: string, path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      this.counters.requests++;
      const again = attempt < this.maxRetries;
      let res: Response;
      try {
        res = await this.fetchFn(url, { method: 'GET', signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (err) {
        const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        if (again) { this.counters.retries++; await this.sleep(retryDelayMs(attempt)); continue; }
        this.counters.failures++;
        throw new BybitRestError(timeout ? 'E_REST_TIMEOUT' : 'E_REST_NETWORK', `${this.venue}: GET ${path} ${timeout ? `timed out after ${this.timeoutMs} ms` : 'failed'}`, { url, venue: this.venue, retryable: true, cause: err });
      }
      const text = await res.text();
      let body: unknown = undefined;
      try { body = JSON.parse(text); } catch { /* checked below */ }
      const ret = bybitRetOf(body);
      if (res.status === 429 || res.status === 403 || ret?.retCode === RET_RATE_LIMITED) {
        const wait = this.rateLimitWaitMs(res.headers);
        this.counters.rateLimited++;
        this.log.warn({ venue: this.venue, path, status: res.status, retCode: ret?.retCode ?? null, retryAfterMs: wait }, 'rest_rate_limited');
        if (again) { this.counters.retries++; await this.sleep(wait); continue; }
        this.counters.failures++;
        throw new BybitRestError('E_REST_RATE_LIMITED', `${this.venue}: GET ${path} rate limited (HTTP ${res.status}${ret ? `, retCode ${ret.retCode}` : ''}); retry after ${wait} ms`, { status: res.status, url, venue: this.venue, retryable: true, retCode: ret?.retCode });
      }
      if (!res.ok) {
        const retryable = res.status >= 500;
        if (retryable && again) { this.counters.retries++; await this.sleep(retryDelayMs(attempt)); continue; }
        this.counters.failures++;
        throw new BybitRestError('E_REST_HTTP', `${this.venue}: GET ${path} answered ${res.status}${ret ? ` (retCode ${ret.retCode}: ${ret.retMsg})` : ''}`, { status: res.status, url, venue: this.venue, retryable, retCode: ret?.retCode });
      }
      if (body === undefined) {
        this.counters.failures++;
        throw new BybitRestError('E_REST_RESPONSE', `${this.venue}: GET ${path} returned invalid JSON`, { status: res.status, url, venue: this.venue, retryable: true });
      }
      if (ret !== null && ret.retCode !== 0) {
        this.counters.failures++;
        throw new BybitRestError('E_REST_VENUE', `${this.venue}: GET ${path} refused: retCode ${ret.retCode}: ${ret.retMsg}`, { status: res.status, url, venue: this.venue, retryable: false, retCode: ret.retCode });
      }
      return body;
    }
  }

  /** Retry-After, else X-Bapi-Limit-Reset-Timestamp (ms epoch), else the configured backoff. */
  private rateLimitWaitMs(headers: Headers): number {
    if (headers.get('retry-after') !== null) return retryAfterMs({ 'retry-after': headers.get('retry-after')! }, this.backoffMs, this.now());
    const reset = Number(headers.get('x-bapi-limit-reset-timestamp'));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.min(this.backoffMs, reset - this.now()));
    return this.backoffMs;
  }
}

/** Pause before retrying a 5xx or network failure: 0.5 s, 1 s, 2 s... capped at 8 s. */
function retryDelayMs(attempt: number): number {
  return Math.min(8_000, 500 * 2 ** attempt);
}
