/**
 * The Binance-compatible REST endpoint of a gateway pointed at the simulator: ping/time, depth from
 * the maintained book, trades/historicalTrades from memory equal to the simulator's, klines folded
 * from those trades equal to a fold of the simulator's trades, ticker/price and bookTicker;
 * exchangeInfo and uncovered requests forwarded (equal to the simulator's own answer) and cached,
 * signed endpoints refused, and a client over the forwarding budget gets 429 + Retry-After while
 * the venue never sees an over-limit request.
 */
import { describe, expect, it } from 'vitest';
import { useCompatDemo, waitFor } from './helpers.js';
import { foldTrades } from './truth-fold.js';

describe('Binance-compatible REST', () => {
  const c = useCompatDemo({ compat: { binance: { forwardWeightPerMinute: 200 } } }, 200);
  const get = async (path: string): Promise<{ status: number; body: unknown; headers: Headers }> => {
    const r = await fetch(`${c.rest}${path}`);
    return { status: r.status, body: await r.json(), headers: r.headers };
  };

  it('ping and time; every answer carries X-MBX-USED-WEIGHT-1M', async () => {
    const p = await get('/api/v3/ping');
    expect(p).toMatchObject({ status: 200, body: {} });
    expect(p.headers.get('x-mbx-used-weight-1m')).toMatch(/^\d+$/);
    const t = await get('/api/v3/time');
    expect(Math.abs((t.body as { serverTime: number }).serverTime - Date.now())).toBeLessThan(5_000);
  });

  it('exchangeInfo is forwarded with the venue\'s filters and served from the cache the second time', async () => {
    const sim = await (await fetch(`http://127.0.0.1:${c.demo.simulator.port}/binance/api/v3/exchangeInfo`)).json() as { symbols: unknown[] };
    const a = await get('/api/v3/exchangeInfo');
    expect(a.status).toBe(200);
    expect((a.body as { symbols: unknown[] }).symbols).toEqual(sim.symbols);
    const calls = c.demo.gateway.compat!.forwarder.stats().upstreamCalls;
    await get('/api/v3/exchangeInfo');
    expect(c.demo.gateway.compat!.forwarder.stats().upstreamCalls).toBe(calls);
  });

  it('trades and historicalTrades from memory equal the simulator\'s trades (exact quoteQty)', async () => {
    await waitFor(() => (c.demo.gateway.compat!.market.get('BTCUSDT')?.trades.size ?? 0) >= 60, '60 trades in memory');
    const forwarded = c.demo.gateway.compat!.rest.counters.forwarded;
    const r = await get('/api/v3/trades?symbol=BTCUSDT&limit=50');
    const rows = r.body as { id: number; price: string; qty: string; quoteQty: string; time: number; isBuyerMaker: boolean; isBestMatch: boolean }[];
    expect(rows).toHaveLength(50);
    const truth = c.demo.simulator.truth.trades('binance', 'BTCUSDT', { fromId: rows[0]!.id, limit: 50 });
    expect(rows).toEqual(truth.map((t) => ({
      id: t.id, price: t.price, qty: t.qty, quoteQty: foldTrades([t]).q, time: t.timeMs, isBuyerMaker: t.buyerMaker, isBestMatch: true,
    })));
    const h = await get(`/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${rows[10]!.id}&limit=5`);
    expect((h.body as { id: number }[]).map((x) => x.id)).toEqual(rows.slice(10, 15).map((x) => x.id));
    expect(c.demo.gateway.compat!.rest.counters.forwarded).toBe(forwarded);
  });

  it('depth from the maintained book: Binance shape, best first, ahead of nothing the stream sent', async () => {
    const r = await get('/api/v3/depth?symbol=BTCUSDT&limit=10');
    const b = r.body as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
    expect(Object.keys(b)).toEqual(['lastUpdateId', 'bids', 'asks']);
    expect(b.bids).toHaveLength(10);
    for (let i = 1; i < 10; i++) expect(Number(b.bids[i]![0])).toBeLessThan(Number(b.bids[i - 1]![0]));
    for (let i = 1; i < 10; i++) expect(Number(b.asks[i]![0])).toBeGreaterThan(Number(b.asks[i - 1]![0]));
    expect(b.lastUpdateId).toBeLessThanOrEqual(c.demo.simulator.truth.book('binance', 'BTCUSDT')!.lastUpdateId);
    expect((await get('/api/v3/depth?symbol=BTCUSDT&limit=6000')).body).toEqual({ code: -1100, msg: "Illegal characters found in parameter 'limit'; legal range is '1-5000'." });
    expect((await get('/api/v3/depth')).body).toMatchObject({ code: -1102 });
  });

  it('klines (1s) folded from memory equal a fold of the simulator\'s trades of each second', async () => {
    // Covered once the trades in memory reach back before the first second asked (else forwarded).
    const r = await waitFor(async () => { const x = await get('/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=4'); return Array.isArray(x.body) ? x : null; }, 'klines covered', 15_000);
    const rows = r.body as [number, string, string, string, string, string, number, string, number, string, string, string][];
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows.slice(0, -1)) {
      const [open, o, h, l, cl, v, close, q, n, tv] = row;
      expect(close).toBe(open + 999);
      const ts = c.demo.simulator.truth.trades('binance', 'BTCUSDT').filter((t) => t.timeMs >= open && t.timeMs <= close);
      expect(n).toBe(ts.length);
      if (ts.length === 0) continue;
      const f = foldTrades(ts);
      expect({ o, h, l, cl, v, q, tv }).toEqual({ o: f.o, h: f.h, l: f.l, cl: f.c, v: f.v, q: f.q, tv: f.V });
    }
    expect((await get('/api/v3/klines?symbol=BTCUSDT&interval=7m')).body).toEqual({ code: -1120, msg: 'Invalid interval.' });
  });

  it('ticker/price is the last trade, bookTicker the last book ticker', async () => {
    const p = (await get('/api/v3/ticker/price?symbol=BTCUSDT')).body as { symbol: string; price: string };
    expect(p.symbol).toBe('BTCUSDT');
    expect(p.price).toMatch(/^\d+\.\d{8}$/);
    const b = (await get('/api/v3/ticker/bookTicker?symbol=BTCUSDT')).body as Record<string, string>;
    expect(Object.keys(b)).toEqual(['symbol', 'bidPrice', 'bidQty', 'askPrice', 'askQty']);
    expect(Number(b.bidPrice)).toBeLessThan(Number(b.askPrice));
  });

  it('uncovered requests are forwarded (aggTrades not carried: the simulator\'s own answer); signed endpoints are refused', async () => {
    const since = c.demo.simulator.truth.trades('binance', 'BTCUSDT')[0]!;
    const path = `/api/v3/aggTrades?symbol=BTCUSDT&fromId=${since.aggId ?? 0}&limit=20`;
    const mine = await get(path);
    const sim = await (await fetch(`http://127.0.0.1:${c.demo.simulator.port}/binance${path}`)).json();
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(sim);
    const s = await get('/api/v3/account?timestamp=1&signature=abc');
    expect(s.status).toBe(401);
    expect(s.body).toMatchObject({ code: -1002 });
    expect((await get('/api/v3/order?symbol=BTCUSDT')).status).toBe(401);
  });

  it('over the forwarding weight budget a client gets 429 + Retry-After; the venue never sees an over-limit request', async () => {
    let r: { status: number; body: unknown; headers: Headers } | null = null;
    for (let i = 0; i < 80; i++) {
      r = await get(`/api/v3/aggTrades?symbol=BTCUSDT&fromId=${i}&limit=1`);
      if (r.status === 429) break;
    }
    expect(r!.status).toBe(429);
    expect(r!.body).toEqual({ code: -1003, msg: 'Too much request weight used; current limit is 200 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.' });
    expect(Number(r!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(r!.headers.get('x-mbx-used-weight-1m'))).toBeLessThanOrEqual(200);
    const rest = (c.demo.simulator.stats() as { rest?: { rejected429?: number; rejected418?: number }[] | Record<string, unknown> }).rest;
    expect(JSON.stringify(rest ?? {})).not.toMatch(/"rejected4(29|18)":[1-9]/);
  });
});
