/**
 * ccxt (the library traders already run), unchanged, pointed at tickgate's Binance-compatible
 * endpoint by its `urls` override, against a gateway fed by the simulator: loadMarkets,
 * watchTrades (trades equal the simulator's), watchOrderBook (ccxt's own U/u checks on top of
 * tickgate's snapshot; its book equal to the simulator's at the same update id), fetchOHLCV,
 * fetchOrderBook and fetchTrades.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCompatDemo, waitFor } from './helpers.js';
import { bookThroughResync } from './ccxt-book.js';
import { ccxtAt, type ProBinance } from './ccxt-at.js';

describe('ccxt through tickgate\'s Binance-compatible endpoint', () => {
  const c = useCompatDemo({}, 200);
  let ex: ProBinance;

  beforeAll(async () => {
    ex = ccxtAt(c.rest, c.ws);
    await ex.loadHttpProxyAgent(); // ccxt needs a plain-http agent for ws:// (loopback, no TLS)
  }, 40_000);

  afterAll(async () => { await ex?.close(); });

  it('loadMarkets: BTC/USDT with the venue\'s precision and limits', async () => {
    const markets = await ex.loadMarkets();
    const m = markets['BTC/USDT']!;
    expect(m.id).toBe('BTCUSDT');
    expect(m.spot).toBe(true);
    expect(m.precision.price).toBeGreaterThan(0);
    expect(m.limits.amount?.min).toBeGreaterThan(0);
  });

  it('watchTrades through an upstream trade gap: consecutive ids (backfilled) whose price and amount equal the simulator\'s', async () => {
    const seen = new Map<string, { price: number; amount: number; timestamp: number; side: string }>();
    const integrity = c.demo.gateway.feeds.get('binance')!.integrity;
    const filled = integrity.stats().gapsFilled;
    let injected = false;
    while (seen.size < 60 || integrity.stats().gapsFilled === filled) {
      for (const t of await ex.watchTrades('BTC/USDT')) seen.set(t.id!, { price: t.price!, amount: t.amount!, timestamp: t.timestamp!, side: t.side! });
      // Mid-session, trades are lost upstream: tickgate backfills them into the client's stream.
      if (!injected && seen.size >= 20) {
        injected = true;
        c.demo.simulator.faults.inject({ kind: 'skip', venue: 'binance', stream: 'btcusdt@trade', count: 15 });
      }
    }
    const ids = [...seen.keys()].map(Number).sort((a, b) => a - b);
    const truth = c.demo.simulator.truth.trades('binance', 'BTCUSDT', { fromId: ids[0]!, toId: ids.at(-1)! });
    expect(truth.map((t) => t.id)).toEqual(ids); // none missing in between
    for (const t of truth) {
      const s = seen.get(String(t.id))!;
      expect([s.price, s.amount, s.timestamp, s.side]).toEqual([Number(t.price), Number(t.qty), t.timeMs, t.buyerMaker ? 'sell' : 'buy']);
    }
  }, 30_000);

  it('watchOrderBook through a tickgate book resync: ccxt\'s book (its own snapshot + U/u checks) equals the simulator\'s at the same update id', async () => {
    await bookThroughResync(c, 'binance', () => ex.watchOrderBook('BTC/USDT'));
    c.demo.simulator.setRate(200);
  }, 40_000);

  it('fetchOHLCV (1s, from memory), fetchOrderBook (maintained book) and fetchTrades (forwarded aggTrades)', async () => {
    const ohlcv = await waitFor(async () => { try { return await ex.fetchOHLCV('BTC/USDT', '1s', undefined, 3); } catch { return null; } }, 'klines covered', 15_000);
    expect(ohlcv.length).toBeGreaterThanOrEqual(2);
    for (const [t, o, h, l, cl, v] of ohlcv) {
      expect(t! % 1000).toBe(0);
      expect(h!).toBeGreaterThanOrEqual(Math.max(o!, cl!));
      expect(l!).toBeLessThanOrEqual(Math.min(o!, cl!));
      expect(v!).toBeGreaterThanOrEqual(0);
    }
    const ob = await ex.fetchOrderBook('BTC/USDT', 10);
    expect(ob.bids).toHaveLength(10);
    expect(ob.bids[0]![0]!).toBeLessThan(ob.asks[0]![0]!);
    const trades = await ex.fetchTrades('BTC/USDT', undefined, 10);
    expect(trades.length).toBe(10);
    expect(trades.every((t) => t.symbol === 'BTC/USDT' && (t.price ?? 0) > 0)).toBe(true);
  }, 30_000);
});
