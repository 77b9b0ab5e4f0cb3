/**
 * ccxt exchanges (the library traders already run), unchanged but for their `urls`, pointed at
 * tickgate's Binance-compatible endpoints: spot (`/binance`) and USD-M (`/binance-futures`).
 * Nothing reaches binance.com: every REST base ccxt knows is pointed at tickgate too (which
 * refuses what it does not serve).
 */
import ccxt from 'ccxt';

export type ProBinance = InstanceType<typeof ccxt.pro.binance>;
export type ProUsdm = InstanceType<typeof ccxt.pro.binanceusdm>;

/** The offline guarantee: REST bases not set explicitly point at tickgate; no currencies call. */
function offline<T extends ProBinance | ProUsdm>(ex: T, rest: string): T {
  const api = ex.urls.api as Record<string, unknown>;
  for (const k of Object.keys(api)) if (typeof api[k] === 'string' && !String(api[k]).startsWith(rest)) api[k] = `${rest}/${k}`;
  ex.has.fetchCurrencies = false;
  return ex;
}

/** A ccxt binance at tickgate's spot endpoint (`rest` = http://…/binance, `ws` = ws://…/binance). */
export function ccxtAt(rest: string, ws: string): ProBinance {
  // The README's snippet: ccxt deep-merges `urls` from its constructor config (freqtrade's ccxt_config too).
  return offline(new ccxt.pro.binance({
    enableRateLimit: false, options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false },
    urls: { api: { public: `${rest}/api/v3`, private: `${rest}/api/v3`, ws: { spot: `${ws}/ws` } } },
  }), rest);
}

/**
 * A ccxt binanceusdm at tickgate's USD-M endpoint. The simulator's USD-M exchangeInfo lacks
 * `contractType`/`marginAsset` (reported to its owner), without which ccxt parses the market as
 * spot; until it sends them, parseMarket here adds the two fields Binance's own USD-M
 * exchangeInfo carries for a USDT perpetual. Nothing else is changed.
 */
export function usdmAt(rest: string, ws: string): ProUsdm {
  class Usdm extends ccxt.pro.binanceusdm {
    override parseMarket(market: Record<string, unknown>) {
      return super.parseMarket({ contractType: 'PERPETUAL', marginAsset: market.quoteAsset, ...market });
    }
  }
  return offline(new Usdm({
    enableRateLimit: false, options: { fetchMarkets: { types: ['linear'] }, fetchCurrencies: false },
    urls: { api: { fapiPublic: `${rest}/fapi/v1`, fapiPublicV2: `${rest}/fapi/v2`, fapiPublicV3: `${rest}/fapi/v3`, ws: { future: `${ws}/ws` } } },
  }) as ProUsdm, rest);
}
