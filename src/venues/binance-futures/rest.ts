/**
 * Binance USD-M futures REST (/fapi/v1/depth, /fapi/v1/aggTrades, /fapi/v1/historicalTrades,
 * /fapi/v1/exchangeInfo) through the spot client's request loop, paging and weight limiter: the
 * two APIs share shapes, status codes and the X-MBX-USED-WEIGHT-1M header, and differ in host,
 * path prefix and weights. Requests are rewritten /api/v3/ -> /fapi/v1/ at the fetch edge, and the
 * budget is USD-M's (2400/min). The limiter pre-counts spot weights but corrects itself from the
 * header after every answer (USD-M aggTrades costs 20, not 4): prefetch stays within budget
 * because backfill pages use only `backfillWeightShare` of it.
 */
import type { BookSnapshot } from '../../model/events.js';
import { venuesDefaults } from '../../config/defaults/venues.js';
import { BinanceRest, type BinanceRestOptions } from '../binance/rest.js';
import { BINANCE_FUTURES_VENUE } from './rules.js';

const SPOT_PREFIX = '/api/v3/';
const FUTURES_PREFIX = '/fapi/v1/';

/** A fetch that sends spot paths to their USD-M twins. */
export function futuresFetch(inner: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.pathname.includes(SPOT_PREFIX)) url.pathname = url.pathname.replace(SPOT_PREFIX, FUTURES_PREFIX);
    return inner(url, init);
  };
}

export class BinanceFuturesRest extends BinanceRest {
  constructor(opts: BinanceRestOptions = {}) {
    const d = venuesDefaults.binanceFutures;
    super({
      venue: BINANCE_FUTURES_VENUE,
      weightPerMinute: d.restWeightPerMinute,
      restBaseUrl: d.restBaseUrl,
      ...opts,
      fetch: futuresFetch(opts.fetch),
    });
  }

  /** USD-M depth limits are 5..1000. */
  override depthSnapshot(symbol: string, limit: number = venuesDefaults.binanceFutures.depthSnapshotLimit): Promise<BookSnapshot> {
    return super.depthSnapshot(symbol, Math.min(limit, 1000));
  }
}
