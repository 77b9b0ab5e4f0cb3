/**
 * ccxt's binanceusdm, unchanged but for its `urls`, pointed at tickgate's USD-M endpoint
 * (`/binance-futures`) against a gateway fed by the simulator's USD-M venue: loadMarkets,
 * watchTrades (ids and contents equal the simulator's), watchOrderBook (ccxt's own futures checks:
 * U <= nonce <= u on the first event, then pu == previous u) with its book equal to the
 * simulator's at the same update id, fetchOHLCV from memory, fetchOrderBook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCompatDemo, StreamClient, waitFor } from './helpers.js';
import { bookThroughResync } from './ccxt-book.js';
import { usdmAt, type ProUsdm } from './ccxt-at.js';

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
      // ticker/price (v1 and v2) from state: the last trade.
      const fromState = c.demo.gateway.compatFutures!.rest.counters.fromState;
      for (const v of ['v1', 'v2']) expect(Object.keys(await (await fetch(`${c.futuresRest}/fapi/${v}/ticker/price?symbol=BTCUSDT`)).json() as object)).toEqual(['symbol', 'price', 'time']);
      expect(c.demo.gateway.compatFutures!.rest.counters.fromState).toBe(fromState + 2);
    } finally {
      await x.close();
    }
  }, 30_000);

  it('aggTrade downstream carries the venue\'s f/l and E (frame and REST row from memory); f/l are the first/last trade ids of the aggregate in the simulator\'s truth', async () => {
    const venue = new StreamClient(`${c.demo.simulator.urls.binanceFuturesStream}?streams=btcusdt@aggTrade`);
    const x = new StreamClient(`${c.futuresWs}/market/stream?streams=btcusdt@aggTrade`);
    try {
      await Promise.all([venue.open(), x.open()]);
      const sent = () => new Map(venue.data().map((d) => [d.a as number, d]));
      const common = () => x.data().filter((d) => sent().has(d.a as number));
      await waitFor(() => common().length >= 10, '10 aggregates seen on the venue and downstream', 15_000);
      const keys = ['e', 'E', 's', 'a', 'p', 'q', 'f', 'l', 'T', 'm'];
      const byA = sent();
      const got = common();
      for (const d of got) {
        const v = byA.get(d.a as number)!;
        expect(d).toEqual(Object.fromEntries(keys.map((k) => [k, v[k]])));
      }
      // Independent of the venue's frame text: f/l are the aggregate's trade id range in the truth.
      const truth = c.demo.simulator.truth.trades('binance-futures', 'BTCUSDT', {});
      for (const d of got) {
        const ids = truth.filter((t) => t.aggId === d.a).map((t) => t.id);
        if (ids.length === 0) continue; // evicted from the truth's window
        expect([d.f, d.l]).toEqual([Math.min(...ids), Math.max(...ids)]);
      }
      // The REST page from memory (the compact ring) keeps them too.
      const fromState = c.demo.gateway.compatFutures!.rest.counters.fromState;
      const first = got[0]!.a as number;
      const rows = await (await fetch(`${c.futuresRest}/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=${first}&limit=5`)).json() as Record<string, unknown>[];
      expect(c.demo.gateway.compatFutures!.rest.counters.fromState).toBe(fromState + 1);
      expect(rows.map((r) => r.a)).toEqual([0, 1, 2, 3, 4].map((i) => first + i));
      for (const r of rows) {
        const v = byA.get(r.a as number) ?? sent().get(r.a as number);
        if (v === undefined) continue;
        expect([r.f, r.l, r.T]).toEqual([v.f, v.l, v.T]);
      }
      expect(rows.some((r) => r.f !== -1)).toBe(true);
    } finally {
      await Promise.all([venue.close(), x.close()]);
    }
  }, 30_000);

  it('<s>@depth (250 ms, merged): pu = previous u on every frame, ~250 ms apart, continuing tickgate\'s /fapi/v1/depth to the simulator\'s book; @depth5 is a depthUpdate of 5 levels', async () => {
    const x = new StreamClient(`${c.futuresWs}/public/stream?streams=btcusdt@depth/btcusdt@depth5`);
    try {
      await x.open();
      const diffs = () => x.frames.filter((f) => f.json.stream === 'btcusdt@depth').map((f) => ({ at: f.at, d: f.json.data as { U: number; u: number; pu: number; b: [string, string][]; a: [string, string][] } }));
      await waitFor(() => diffs().length >= 2, 'first merged diffs', 10_000);
      const snap = await (await fetch(`${c.futuresRest}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`)).json() as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
      await waitFor(() => diffs().length >= 12, '12 merged diffs', 15_000);
      c.demo.simulator.setRate(0);
      c.demo.simulator.publishBooks();
      const truth = c.demo.simulator.truth.book('binance-futures', 'BTCUSDT')!;
      await waitFor(() => diffs().at(-1)!.d.u >= truth.lastUpdateId, 'the diffs reach the simulator\'s last update', 10_000);
      c.demo.simulator.setRate(200);
      const all = diffs();
      for (let i = 1; i < all.length; i++) expect(all[i]!.d.pu, `frame ${i}`).toBe(all[i - 1]!.d.u);
      const gaps = all.slice(1).map((f, i) => f.at - all[i]!.at).sort((a, b) => a - b);
      expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(150); // merged: not every 100 ms delta
      // The client's own book (USD-M's rules: drop u < lastUpdateId, first with U <= id <= u, then pu chain) ends at the truth.
      const bids = new Map(snap.bids);
      const asks = new Map(snap.asks);
      const put = (m: Map<string, string>, levels: [string, string][]) => { for (const [p, q] of levels) if (Number(q) === 0) m.delete(p); else m.set(p, q); };
      let started = false;
      for (const { d } of all) {
        if (d.u < snap.lastUpdateId) continue;
        if (!started) expect(d.U <= snap.lastUpdateId && d.u >= snap.lastUpdateId).toBe(true);
        started = true;
        put(bids, d.b);
        put(asks, d.a);
      }
      expect(started).toBe(true);
      const top = (m: Map<string, string>, desc: boolean) => [...m].map(([p, q]) => [Number(p), Number(q)]).sort((a, b) => (desc ? b[0]! - a[0]! : a[0]! - b[0]!)).slice(0, 20);
      expect(top(bids, true)).toEqual(truth.bids.slice(0, 20).map(([p, q]) => [Number(p), Number(q)]));
      expect(top(asks, false)).toEqual(truth.asks.slice(0, 20).map(([p, q]) => [Number(p), Number(q)]));
      const p5 = x.frames.filter((f) => f.json.stream === 'btcusdt@depth5').at(-1)!.json.data as Record<string, unknown>;
      expect(Object.keys(p5)).toEqual(['e', 'E', 'T', 's', 'U', 'u', 'pu', 'b', 'a']);
      expect([(p5.b as unknown[]).length, (p5.a as unknown[]).length]).toEqual([5, 5]);
    } finally {
      await x.close();
    }
  }, 40_000);

  // Last: it waits for a whole minute in memory (the gateway up before the running minute began),
  // which the tests above spend most of.
  it('fetchOHLCV (1m, from memory, equal to the simulator\'s trades of the minute), fetchOrderBook (maintained book)', async () => {
    const compat = c.demo.gateway.compatFutures!;
    // Served from memory once the trades in memory reach back before the running minute.
    await waitFor(() => {
      const ring = compat.market.get('BTCUSDT')?.trades;
      return ring !== undefined && ring.size > 0 && ring.eventTimeAt(0) < Date.now() - (Date.now() % 60_000);
    }, 'a whole minute in memory', 65_000);
    // Two seconds into the running minute, so it holds trades (a minute that just began may not).
    const into = Date.now() % 60_000;
    if (into < 2_000) await new Promise((r) => setTimeout(r, 2_000 - into));
    c.demo.simulator.setRate(0);
    const last = String(c.demo.simulator.truth.lastTrade('binance-futures', 'BTCUSDT')!.id);
    await waitFor(() => {
      const ring = compat.market.get('BTCUSDT')!.trades;
      return ring.at(ring.size - 1)?.tradeId === last;
    }, 'the last trade in tickgate\'s memory', 10_000);
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
});
