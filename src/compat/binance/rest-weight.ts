/**
 * Request weights of Binance spot REST endpoints (as documented for /api/v3) and the endpoint's
 * forwarding budget: a fixed one-minute window that refuses (never waits) a request that would
 * not fit, so a client gets 429 + Retry-After from tickgate instead of tickgate being banned.
 */

export function weightOf(path: string, q: URLSearchParams): number {
  const hasSymbol = q.has('symbol');
  const hasSymbols = q.has('symbols');
  switch (path) {
    case '/api/v3/depth': {
      const limit = Number(q.get('limit') ?? 100);
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    }
    case '/api/v3/trades':
    case '/api/v3/historicalTrades':
      return 25;
    case '/api/v3/aggTrades':
      return 4;
    case '/api/v3/klines':
    case '/api/v3/uiKlines':
    case '/api/v3/avgPrice':
      return 2;
    case '/api/v3/ticker/24hr':
      return hasSymbol ? 2 : hasSymbols ? 40 : 80;
    case '/api/v3/ticker/price':
    case '/api/v3/ticker/bookTicker':
      return hasSymbol ? 2 : 4;
    case '/api/v3/exchangeInfo':
      return 20;
    case '/api/v3/ping':
    case '/api/v3/time':
      return 1;
    default:
      return 2;
  }
}

const WINDOW_MS = 60_000;

export class WeightBudget {
  private windowStart = 0;
  private used = 0;
  private pausedUntil = 0;
  /** Weight forwarded in total, and requests refused for lack of weight. */
  readonly counters = { forwardedWeight: 0, refused: 0 };

  constructor(private readonly perMinute: number, private readonly now: () => number) {}

  /** Takes `weight` when it fits this window; else returns the seconds until it may. */
  tryTake(weight: number): { ok: true } | { ok: false; retryAfterS: number } {
    const now = this.now();
    if (now < this.pausedUntil) {
      this.counters.refused++;
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((this.pausedUntil - now) / 1000)) };
    }
    this.roll(now);
    if (this.used + weight > this.perMinute) {
      this.counters.refused++;
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - now) / 1000)) };
    }
    this.used += weight;
    this.counters.forwardedWeight += weight;
    return { ok: true };
  }

  /** The venue said stop (429/418 Retry-After): nothing is forwarded until then. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  usedWeight(): number {
    this.roll(this.now());
    return this.used;
  }

  get limit(): number {
    return this.perMinute;
  }

  private roll(now: number): void {
    const start = now - (now % WINDOW_MS);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
  }
}
