/**
 * ccxt's binanceusdm, unchanged but for its `urls`, pointed at tickgate's USD-M endpoint
 * (`/binance-futures`) against a gateway fed by the simulator's USD-M venue: loadMarkets,
 * watchTrades (ids and contents equal the simulator's), watchOrderBook (ccxt's own futures checks:
 * U <= nonce <= u on the first event, then pu == previous u) with its book equal to the
 * simulator's at the same update id, fetchOHLCV from memory, fetchOrderBook.
 */
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCompatDemo, StreamClient, waitFor } from './helpers.js';
import { bookThroughResync } from './ccxt-book.js';

type ProUsdm = InstanceType<typeof ccxt.pro.binanceusdm>;

/**
 * A ccxt binanceusdm whose every public URL points at tickgate. The simulator's USD-M
 * exchangeInfo lacks `contractType`/`marginAsset` (reported to its owner), without which ccxt
 * parses the market as spot; until it sends them, parseMarket here adds the two fields Binance's
 * own USD-M exchangeInfo carries for a USDT perpetual. Nothing else is changed.
 */
function usdmAt(rest: string, ws: string): ProUsdm {
  class Usdm extends ccxt.pro.binanceusdm {
    override parseMarket(market: Record<string, unknown>) {
      return super.parseMarket({ contractType: 'PERPETUAL', marginAsset: market.quoteAsset, ...market });
    }
  }
  const ex = new Usdm({
    enableRateLimit: false, options: { fetchMarkets: { types: ['linear'] }, fetchCurrencies: false },
    urls: { api: { fapiPublic: `${rest}/fapi/v1`, fapiPublicV2: `${rest}/fapi/v2`, fapiPublicV3: `${rest}/fapi/v3`, ws: { future: `${ws}/ws` } } },
  });
  const api = ex.urls.api as Record<string, unknown>;
  for (const k of Object.keys(api)) if (typeof api[k] === 'string' && !String(api[k]).startsWith(rest)) api[k] = `${rest}/${k}`;
  ex.has.fetchCurrencies = false;
  return ex as ProUsdm;
}

describe('ccxt binanceusdm through tickgate\'s USD-M endpoint', () => {
  const c = useCompatDemo({}, 200, { futuresStreams: ['trade', 'aggTrade', 'bookTicker', 'depth', 'markPrice'] });
  let ex: ProUsdm;
  const SYMBOL = 'BTC/USDT:USDT';

  beforeAll(async () => {
    ex = usdmAt(c.futuresRest, c.futuresWs);
    await ex.loadHttpProxyAgent();
  }, 40_000);

  afterAll(async () => { await ex?.close(); });

  it('loadMarkets: the USDT perpetual with the venue\'s precision', async () => {
    const markets = await ex.loadMarkets();
    const m = markets[SYMBOL]!;
    expect(m.id).toBe('BTCUSDT');
    expect(m.swap && m.linear).toBe(true);
    expect(m.precision.price).toBeGreaterThan(0);
  });

  it('watchTrades: consecutive trade ids whose price, amount, time and side equal the simulator\'s', async () => {
    const seen = new Map<string, { price: number; amount: number; timestamp: number; side: string }>();
    while (seen.size < 40) for (const t of await ex.watchTrades(SYMBOL)) seen.set(t.id!, { price: t.price!, amount: t.amount!, timestamp: t.timestamp!, side: t.side! });
    const ids = [...seen.keys()].map(Number).sort((a, b) => a - b);
    const truth = c.demo.simulator.truth.trades('binance-futures', 'BTCUSDT', { fromId: ids[0]!, toId: ids.at(-1)! });
    expect(truth.map((t) => t.id)).toEqual(ids);
    for (const t of truth) expect(Object.values(seen.get(String(t.id))!)).toEqual([Number(t.price), Number(t.qty), t.timeMs, t.buyerMaker ? 'sell' : 'buy']);
  }, 30_000);

  it('watchOrderBook through a tickgate book resync: ccxt\'s book (pu/U/u checks) equals the simulator\'s at the same update id', async () => {
    await bookThroughResync(c, 'binance-futures', () => ex.watchOrderBook(SYMBOL));
    c.demo.simulator.setRate(200);
  }, 40_000);

  it('fetchOHLCV (1m, from memory, equal to the simulator\'s trades of the minute), fetchOrderBook (maintained book)', async () => {
    const compat = c.demo.gateway.compatFutures!;
    // Served from memory once the trades in memory reach back before the running minute.
    await waitFor(() => {
      const ring = compat.market.get('BTCUSDT')?.trades;
      return ring !== undefined && ring.size > 0 && ring.eventTimeAt(0) < Date.now() - (Date.now() % 60_000);
    }, 'a whole minute in memory', 65_000);
    c.demo.simulator.setRate(0);
    await new Promise((r) => setTimeout(r, 500)); // the last trades reach tickgate
    const fromState = compat.rest.counters.fromState;
    const rows = await ex.fetchOHLCV(SYMBOL, '1m', undefined, 1) as [number, number, number, number, number, number][];
    const [t, o, h, l, cl, v] = rows[0]!;
    c.demo.simulator.setRate(200);
    expect(compat.rest.counters.fromState).toBe(fromState + 1);
    const truth = c.demo.simulator.truth.trades('binance-futures', 'BTCUSDT', {}).filter((x) => x.timeMs >= t && x.timeMs < t + 60_000);
    const prices = truth.map((x) => Number(x.price));
    expect(prices.length).toBeGreaterThan(0);
    expect([o, h, l, cl]).toEqual([prices[0], Math.max(...prices), Math.min(...prices), prices.at(-1)]);
    expect(v).toBeCloseTo(truth.reduce((a, x) => a + Number(x.qty), 0), 6);
    const ob = await ex.fetchOrderBook(SYMBOL, 10);
    expect(ob.bids).toHaveLength(10);
    expect(ob.bids[0]![0]!).toBeLessThan(ob.asks[0]![0]!);
    expect(ob.nonce).toBeGreaterThan(0);
  }, 80_000);

  it('raw USD-M frames on /market/stream: aggTrade, bookTicker (e, T, E), markPrice@1s; REST premiumIndex is the last mark price', async () => {
    const x = new StreamClient(`${c.futuresWs}/market/stream?streams=btcusdt@aggTrade/btcusdt@bookTicker/btcusdt@markPrice@1s`);
    try {
      await x.open();
      const of = (name: string) => x.frames.filter((f) => f.json.stream === name).map((f) => f.json.data as Record<string, unknown>);
      await waitFor(() => of('btcusdt@markPrice@1s').length >= 2 && of('btcusdt@aggTrade').length >= 5 && of('btcusdt@bookTicker').length >= 1, 'frames of the three streams', 15_000);
      const agg = of('btcusdt@aggTrade');
      expect(Object.keys(agg[0]!)).toEqual(['e', 'E', 's', 'a', 'p', 'q', 'f', 'l', 'T', 'm']);
      expect(agg.map((a) => a.a as number)).toEqual(agg.map((_, i) => (agg[0]!.a as number) + i)); // consecutive aggregate ids
      expect(Object.keys(of('btcusdt@bookTicker')[0]!)).toEqual(['e', 'u', 's', 'b', 'B', 'a', 'A', 'T', 'E']);
      const mark = of('btcusdt@markPrice@1s').at(-1)!;
      expect(mark).toMatchObject({ e: 'markPriceUpdate', s: 'BTCUSDT' });
      const pi = await (await fetch(`${c.futuresRest}/fapi/v1/premiumIndex?symbol=BTCUSDT`)).json() as Record<string, unknown>;
      expect(pi.symbol).toBe('BTCUSDT');
      expect(Number(pi.time)).toBeGreaterThanOrEqual(Number(mark.E));
      expect([typeof pi.markPrice, pi.lastFundingRate, pi.nextFundingTime]).toEqual(['string', mark.r, mark.T]);
    } finally {
      await x.close();
    }
  }, 30_000);
});
