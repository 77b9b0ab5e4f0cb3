import { describe, expect, it } from 'vitest';
import { applyLevels, parseAll, simulatorFixture, sortedLevels } from './helpers.js';

describe('simulator: Bybit v5 public spot', () => {
  const fx = simulatorFixture();

  it('acks subscribe and ping in the real reply format, rejects an unknown topic', async () => {
    const sim = await fx.start({ rate: 0, symbols: ['BTCUSDT'] });
    const c = await fx.open(sim.urls.bybitPublic);
    c.send({ req_id: 'r1', op: 'subscribe', args: ['publicTrade.BTCUSDT'] });
    c.send({ req_id: 'p1', op: 'ping' });
    c.send({ req_id: 'r2', op: 'subscribe', args: ['nope.BTCUSDT'] });
    await c.until((t) => t.length >= 3);
    const [ack, pong, nack] = parseAll(c.texts);
    expect(Object.keys(ack ?? {})).toEqual(['success', 'ret_msg', 'conn_id', 'req_id', 'op']);
    expect(ack).toMatchObject({ success: true, ret_msg: '', req_id: 'r1', op: 'subscribe' });
    expect(pong).toMatchObject({ success: true, ret_msg: 'pong', req_id: 'p1', op: 'ping' });
    expect(nack).toMatchObject({ success: false, req_id: 'r2', op: 'subscribe' });
  });

  it('publicTrade frames carry T,s,S,v,p,L,i,BT with string prices and contiguous ids', async () => {
    const sim = await fx.start({ rate: 0, symbols: ['BTCUSDT'] });
    const c = await fx.open(sim.urls.bybitPublic);
    c.send({ req_id: '1', op: 'subscribe', args: ['publicTrade.BTCUSDT'] });
    await c.until((t) => t.length >= 1);
    sim.generate(300, { venue: 'bybit' });
    const n = sim.truth.trades('bybit', 'BTCUSDT').length;
    await c.until((t) => t.length >= n + 1);
    const frames = parseAll<{ topic: string; type: string; ts: number; data: Array<Record<string, unknown>> }>(c.texts.slice(1));
    const d = frames[0]?.data[0] ?? {};
    expect(frames[0]).toMatchObject({ topic: 'publicTrade.BTCUSDT', type: 'snapshot' });
    expect(Object.keys(d).sort()).toEqual(['BT', 'L', 'S', 'T', 'i', 'p', 's', 'v']);
    expect(d.p).toMatch(/^\d+\.\d{2}$/);
    expect(['Buy', 'Sell']).toContain(d.S);
    const ids = frames.map((f) => Number(f.data[0]?.i));
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe((ids[i - 1] ?? 0) + 1);
  });

  it('orderbook.50 snapshot then deltas with contiguous u rebuild the simulator book', async () => {
    const sim = await fx.start({ rate: 0, symbols: ['BTCUSDT'] });
    const c = await fx.open(sim.urls.bybitPublic);
    sim.generate(100, { venue: 'bybit' });
    c.send({ req_id: 'b', op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    await c.until((t) => t.some((x) => x.includes('"snapshot"')));
    sim.generate(300, { venue: 'bybit' });
    sim.publishBooks();
    const final = sim.truth.book('bybit', 'BTCUSDT');
    await c.until((t) => t.some((x) => x.includes(`"u":${final?.lastUpdateId ?? -1},`)));
    const msgs = parseAll<{ type: string; data: { u: number; seq: number; b: [string, string][]; a: [string, string][] } }>(c.texts.filter((x) => x.includes('orderbook')));
    expect(msgs[0]?.type).toBe('snapshot');
    const bids = new Map<string, string>();
    const asks = new Map<string, string>();
    let u = -1;
    let seq = -1;
    for (const m of msgs) {
      if (m.type === 'delta') {
        expect(m.data.u).toBe(u + 1);
        expect(m.data.seq).toBeGreaterThan(seq);
      }
      u = m.data.u;
      seq = m.data.seq;
      applyLevels(bids, m.data.b);
      applyLevels(asks, m.data.a);
    }
    expect(sortedLevels(bids, true)).toEqual(final?.bids);
    expect(sortedLevels(asks, false)).toEqual(final?.asks);
  });

  it('tickers and allLiquidation topics carry their real fields', async () => {
    const sim = await fx.start({ rate: 0, symbols: ['BTCUSDT'], bybit: { tickersIntervalMs: 30 } });
    const c = await fx.open(sim.urls.bybitPublic);
    c.send({ req_id: 't', op: 'subscribe', args: ['tickers.BTCUSDT', 'allLiquidation.BTCUSDT'] });
    await c.until((t) => t.length >= 1);
    sim.generate(3000, { venue: 'bybit' });
    await c.until((t) => t.some((x) => x.includes('"tickers.BTCUSDT"')) && t.some((x) => x.includes('"allLiquidation.BTCUSDT"')));
    const tick = parseAll<{ topic: string; data: Record<string, unknown> }>(c.texts.slice(1)).find((f) => f.topic === 'tickers.BTCUSDT');
    expect(Object.keys(tick?.data ?? {})).toEqual(['symbol', 'lastPrice', 'highPrice24h', 'lowPrice24h', 'prevPrice24h', 'volume24h', 'turnover24h', 'price24hPcnt', 'usdIndexPrice']);
    const liq = parseAll<{ topic: string; data: Array<Record<string, unknown>> }>(c.texts.slice(1)).find((f) => f.topic === 'allLiquidation.BTCUSDT');
    expect(Object.keys(liq?.data[0] ?? {})).toEqual(['T', 's', 'S', 'v', 'p']);
  });

  it('disconnects a client that sends no {"op":"ping"} within pingTimeoutMs, keeps one that pings', async () => {
    const sim = await fx.start({ rate: 0, bybit: { pingTimeoutMs: 400 } });
    const quiet = await fx.open(sim.urls.bybitPublic);
    const pinger = await fx.open(sim.urls.bybitPublic);
    const timer = setInterval(() => pinger.send({ op: 'ping' }), 100);
    try {
      await quiet.closed(5000);
      expect(pinger.closeCode).toBeNull();
    } finally {
      clearInterval(timer);
    }
  });
});

describe('simulator: equities (EODHD-style)', () => {
  const fx = simulatorFixture();

  it('a wrong api_token gets an Unauthorized message and a 4001 close', async () => {
    const sim = await fx.start({ rate: 0 });
    const c = await fx.open(`${sim.urls.equitiesWs}?api_token=wrong`);
    expect(await c.closed()).toBe(4001);
    expect(JSON.parse(c.texts[0] ?? '{}')).toEqual({ status_code: 401, message: 'Unauthorized' });
  });

  it('subscribed symbols get trades with exact numeric price text while the market is open', async () => {
    const sim = await fx.start({ rate: 0, symbols: ['BTCUSDT', 'AAPL', 'MSFT'], marketHours: 'always-open' });
    const c = await fx.open(`${sim.urls.equitiesWs}?api_token=demo`);
    await c.until((t) => t.length >= 1);
    expect(JSON.parse(c.texts[0] ?? '{}')).toEqual({ status_code: 200, message: 'Authorized' });
    c.send({ action: 'subscribe', symbols: 'AAPL' });
    await new Promise((r) => setTimeout(r, 50));
    sim.generate(100, { venue: 'equities' });
    const aapl = sim.truth.trades('equities', 'AAPL');
    await c.until((t) => t.length >= aapl.length + 1);
    const trades = c.texts.slice(1);
    expect(trades.length).toBe(aapl.length);
    for (const [i, text] of trades.entries()) {
      const f = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(f)).toEqual(['s', 'p', 'v', 'c', 'dp', 'ms', 't']);
      expect(f.s).toBe('AAPL');
      // The number's text in the frame is exactly the truth's decimal string.
      expect(text).toContain(`"p":${aapl[i]?.price ?? 'x'},`);
    }
  });

  it('sends no trades while the market is closed, and resumes when reopened', async () => {
    const sim = await fx.start({ rate: 0, symbols: ['AAPL'], marketHours: 'always-closed' });
    const c = await fx.open(`${sim.urls.equitiesWs}?api_token=demo`);
    c.send({ action: 'subscribe', symbols: 'AAPL' });
    await new Promise((r) => setTimeout(r, 50));
    sim.generate(100, { venue: 'equities' });
    expect(sim.truth.trades('equities', 'AAPL')).toHaveLength(0);
    const res = await fetch(`${sim.urls.admin}/market-hours`, { method: 'POST', body: JSON.stringify({ mode: 'always-open' }) });
    expect(await res.json()).toEqual({ mode: 'always-open', open: true });
    sim.generate(20, { venue: 'equities' });
    await c.until((t) => t.length >= 21);
  });
});
