/**
 * Request weights of Binance spot and USD-M REST endpoints (as documented for /api/v3, /fapi/v1) and the endpoint's
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

/** Request weights of /fapi/v1 market endpoints as USD-M documents them. */
export function usdmWeightOf(path: string, q: URLSearchParams): number {
  const one = q.has('symbol');
  switch (path) {
    case '/fapi/v1/depth': {
      const limit = Number(q.get('limit') ?? 500);
      return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
    }
    case '/fapi/v1/trades':
      return 5;
    case '/fapi/v1/historicalTrades':
    case '/fapi/v1/aggTrades':
      return 20;
    case '/fapi/v1/klines':
    case '/fapi/v1/continuousKlines':
    case '/fapi/v1/indexPriceKlines':
    case '/fapi/v1/markPriceKlines':
    case '/fapi/v1/premiumIndexKlines': {
      const limit = Number(q.get('limit') ?? 500);
      return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
    }
    case '/fapi/v1/ticker/24hr':
      return one ? 1 : 40;
    case '/fapi/v1/ticker/price':
    case '/fapi/v2/ticker/price':
      return one ? 1 : 2;
    case '/fapi/v1/ticker/bookTicker':
      return one ? 2 : 5;
    case '/fapi/v1/premiumIndex':
      return one ? 1 : 10;
    default:
      return 1;
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
