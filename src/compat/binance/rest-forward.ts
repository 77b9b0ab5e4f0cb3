/**
 * Cache-through forwarding of the REST requests tickgate cannot answer from its own state:
 * identical requests share one upstream call (in flight and for a short TTL), every call is
 * charged to the forwarding weight budget first, and a venue 429/418 pauses forwarding for its
 * Retry-After instead of letting more requests through to a ban. Bounded: cache entries and
 * body size.
 */
import { CompatError, REST_ERR } from './errors.js';
import { WeightBudget, weightOf as spotWeightOf } from './rest-weight.js';

export interface RestAnswer {
  readonly status: number;
  readonly body: string;
  /** Extra headers to pass on (Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RestForwarderOptions {
  /** Upstream REST base ('https://api.binance.com' or the simulator's '.../binance'). */
  readonly baseUrl: string;
  readonly weightPerMinute: number;
  readonly cacheTtlMs: number;
  readonly exchangeInfoTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  /** Request weight of a path (default Binance spot's). */
  readonly weightOf?: (path: string, q: URLSearchParams) => number;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

interface CacheEntry {
  readonly answer: RestAnswer;
  readonly expiresAt: number;
}

export class RestForwarder {
  readonly budget: WeightBudget;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<RestAnswer>>();
  private readonly now: () => number;
  private readonly fetchFn: typeof fetch;
  private readonly base: string;
  readonly counters = { requests: 0, cacheHits: 0, shared: 0, upstreamCalls: 0, upstreamErrors: 0, upstreamRateLimited: 0 };

  constructor(private readonly opts: RestForwarderOptions) {
    this.now = opts.now ?? Date.now;
    this.fetchFn = opts.fetch ?? fetch;
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.budget = new WeightBudget(opts.weightPerMinute, this.now);
  }

  /** GET `path?query` upstream, or from the cache. Never throws: errors become Binance error answers. */
  async get(path: string, query: URLSearchParams): Promise<RestAnswer> {
    this.counters.requests++;
    const sorted = new URLSearchParams([...query.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const key = `${path}?${sorted.toString()}`;
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.expiresAt > this.now()) {
      this.counters.cacheHits++;
      return hit.answer;
    }
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      this.counters.shared++;
      return pending;
    }
    const take = this.budget.tryTake((this.opts.weightOf ?? spotWeightOf)(path, query));
    if (!take.ok) return errorAnswer(REST_ERR.weight(this.budget.limit), { 'Retry-After': String(take.retryAfterS) });
    const p = this.call(key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    const answer = await p;
    if (answer.status === 200) this.store(key, answer, path.endsWith('/exchangeInfo') ? this.opts.exchangeInfoTtlMs : this.opts.cacheTtlMs);
    return answer;
  }

  private async call(key: string): Promise<RestAnswer> {
    this.counters.upstreamCalls++;
    try {
      const res = await this.fetchFn(`${this.base}${key}`, { signal: AbortSignal.timeout(this.opts.timeoutMs) });
      const body = await res.text();
      if (res.status === 429 || res.status === 418) {
        this.counters.upstreamRateLimited++;
        const retryAfterS = Math.max(1, Number(res.headers.get('retry-after') ?? 60) || 60);
        this.budget.pause(retryAfterS * 1000);
        // The client sees a 429 (never 418: the ban, if any, is tickgate's to wait out).
        return errorAnswer(REST_ERR.weight(this.budget.limit), { 'Retry-After': String(retryAfterS) });
      }
      if (body.length > this.opts.maxBodyBytes) return errorAnswer(REST_ERR.upstream(`answer of ${body.length} bytes over the limit`));
      return { status: res.status, body };
    } catch (err) {
      this.counters.upstreamErrors++;
      return errorAnswer(REST_ERR.upstream((err as Error).message.slice(0, 120)));
    }
  }

  private store(key: string, answer: RestAnswer, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.cache.delete(key);
    while (this.cache.size >= this.opts.cacheMaxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.cache.set(key, { answer, expiresAt: this.now() + ttlMs });
  }

  stats(): typeof this.counters & { cacheEntries: number; usedWeight: number; refused: number; forwardedWeight: number } {
    return { ...this.counters, cacheEntries: this.cache.size, usedWeight: this.budget.usedWeight(), refused: this.budget.counters.refused, forwardedWeight: this.budget.counters.forwardedWeight };
  }
}

export function errorAnswer(e: CompatError, headers?: Record<string, string>): RestAnswer {
  return { status: e.status, body: JSON.stringify(e.restBody()), ...(headers ? { headers } : {}) };
}
