import { beforeEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../../simulator/index.js';
import { applyLevels, getJson, parseAll, record, type Recorder, simulatorFixture, sortedLevels } from './helpers.js';

const DEC8 = /^\d+\.\d{8}$/;

describe('simulator: Binance spot', () => {
  const fx = simulatorFixture();
  const open = (url: string): Promise<Recorder> => fx.open(url);
  let sim: Simulator;

  beforeEach(async () => {
    sim = await fx.start({ rate: 0, seed: 42, symbols: ['BTCUSDT', 'ETHUSDT'] });
  });

  it('trade frames on /ws/<stream> have exactly the real fields and types', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    sim.generate(200, { venue: 'binance', symbol: 'BTCUSDT' });
    await c.until((t) => t.length >= 5);
    const t = JSON.parse(c.texts[0] ?? '{}') as Record<string, unknown>;
    expect(Object.keys(t)).toEqual(['e', 'E', 's', 't', 'p', 'q', 'T', 'm', 'M']);
    expect(t.e).toBe('trade');
    expect(t.s).toBe('BTCUSDT');
    expect(typeof t.t).toBe('number');
    expect(t.p).toMatch(DEC8);
    expect(t.q).toMatch(DEC8);
    expect(typeof t.m).toBe('boolean');
    expect(t.M).toBe(true);
  });

  it('combined stream wraps each frame in {"stream","data"} and carries every requested stream', async () => {
    const c = await open(`${sim.urls.binanceStream}?streams=btcusdt@trade/btcusdt@aggTrade/btcusdt@bookTicker`);
    sim.generate(300, { venue: 'binance', symbol: 'BTCUSDT' });
    await c.until((t) => new Set(parseAll<{ stream: string }>(t).map((f) => f.stream)).size === 3);
    for (const f of parseAll<{ stream: string; data: Record<string, unknown> }>(c.texts)) {
      expect(Object.keys(f)).toEqual(['stream', 'data']);
      if (f.stream === 'btcusdt@bookTicker') expect(Object.keys(f.data)).toEqual(['u', 's', 'b', 'B', 'a', 'A']);
      if (f.stream === 'btcusdt@aggTrade') expect(Object.keys(f.data)).toEqual(['e', 'E', 's', 'a', 'p', 'q', 'f', 'l', 'T', 'm', 'M']);
    }
  });

  it('SUBSCRIBE / LIST_SUBSCRIPTIONS / UNSUBSCRIBE are acked and bad requests get {"error":{code,msg},id}', async () => {
    const c = await open(sim.urls.binanceWs);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@trade', 'ethusdt@aggTrade'], id: 1 });
    await c.until((t) => t.includes('{"result":null,"id":1}'));
    c.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    await c.until((t) => t.some((x) => x.includes('"id":2')));
    expect(JSON.parse(c.texts.find((x) => x.includes('"id":2')) ?? '{}')).toEqual({ result: ['btcusdt@trade', 'ethusdt@aggTrade'], id: 2 });
    c.send({ method: 'FROB', params: [], id: 3 });
    c.send('not json');
    await c.until((t) => t.some((x) => x.includes('"id":3')) && t.some((x) => x.includes('"code":3')));
    const err = JSON.parse(c.texts.find((x) => x.includes('"id":3')) ?? '{}') as { error: { code: number; msg: string } };
    expect(err.error.code).toBe(2);
    expect(err.error.msg).toMatch(/unknown variant/);
    c.send({ method: 'UNSUBSCRIBE', params: ['btcusdt@trade'], id: 4 });
    await c.until((t) => t.includes('{"result":null,"id":4}'));
    const before = c.texts.length;
    sim.generate(100, { venue: 'binance', symbol: 'BTCUSDT' });
    sim.generate(100, { venue: 'binance', symbol: 'ETHUSDT' });
    await c.until((t) => t.length > before);
    // Only the remaining subscription delivers data.
    for (const x of c.texts.slice(before)) expect(JSON.parse(x)).toMatchObject({ e: 'aggTrade', s: 'ETHUSDT' });
  });

  it('trade and aggTrade streams agree: contiguous ids, each aggTrade is a run f..l of trades', async () => {
    const c = await open(`${sim.urls.binanceStream}?streams=btcusdt@trade/btcusdt@aggTrade`);
    sim.generate(500, { venue: 'binance', symbol: 'BTCUSDT' });
    const truthCount = sim.truth.trades('binance', 'BTCUSDT').length;
    await c.until((t) => t.filter((x) => x.includes('@trade"')).length >= truthCount);
    const frames = parseAll<{ stream: string; data: { t: number; a: number; f: number; l: number; p: string; q: string } }>(c.texts);
    const trades = frames.filter((f) => f.stream.endsWith('@trade')).map((f) => f.data);
    const aggs = frames.filter((f) => f.stream.endsWith('@aggTrade')).map((f) => f.data);
    for (let i = 1; i < trades.length; i++) expect(trades[i]?.t).toBe((trades[i - 1]?.t ?? 0) + 1);
    for (let i = 1; i < aggs.length; i++) {
      expect(aggs[i]?.a).toBe((aggs[i - 1]?.a ?? 0) + 1);
      expect(aggs[i]?.f).toBe((aggs[i - 1]?.l ?? 0) + 1);
    }
    const byId = new Map(trades.map((t) => [t.t, t]));
    for (const a of aggs) {
      for (let id = a.f; id <= a.l; id++) expect(byId.get(id)?.p).toBe(a.p);
    }
  });

  it('REST depth snapshot + @depth@100ms deltas by Binance rules reproduce the simulator book exactly', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@depth@100ms`);
    sim.generate(200, { venue: 'binance', symbol: 'BTCUSDT' });
    sim.publishBooks();
    const snap = await getJson<{ lastUpdateId: number; bids: [string, string][]; asks: [string, string][] }>(`${sim.urls.binanceRest}/api/v3/depth?symbol=BTCUSDT&limit=1000`);
    expect(snap.status).toBe(200);
    expect(snap.headers.get('x-mbx-used-weight-1m')).toBe('50');
    sim.generate(300, { venue: 'binance', symbol: 'BTCUSDT' });
    sim.publishBooks();
    const final = sim.truth.book('binance', 'BTCUSDT');
    await c.until((t) => t.some((x) => (JSON.parse(x) as { u: number }).u >= (final?.lastUpdateId ?? Infinity)));
    const bids = new Map<string, string>();
    const asks = new Map<string, string>();
    applyLevels(bids, snap.body.bids);
    applyLevels(asks, snap.body.asks);
    let prevU = snap.body.lastUpdateId;
    let first = true;
    for (const e of parseAll<{ U: number; u: number; b: [string, string][]; a: [string, string][] }>(c.texts)) {
      if (e.u <= snap.body.lastUpdateId) continue;
      if (first) {
        expect(e.U).toBeLessThanOrEqual(snap.body.lastUpdateId + 1);
        expect(e.u).toBeGreaterThanOrEqual(snap.body.lastUpdateId + 1);
        first = false;
      } else expect(e.U).toBe(prevU + 1);
      applyLevels(bids, e.b);
      applyLevels(asks, e.a);
      prevU = e.u;
    }
    expect(first).toBe(false);
    expect(sortedLevels(bids, true)).toEqual(final?.bids);
    expect(sortedLevels(asks, false)).toEqual(final?.asks);
  });

  it('a skipped aggTrade range is returned exactly by REST aggTrades?fromId', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@aggTrade`);
    sim.generate(50, { venue: 'binance', symbol: 'BTCUSDT' });
    sim.faults.inject({ kind: 'skip', venue: 'binance', stream: 'btcusdt@aggTrade', count: 7 });
    sim.generate(100, { venue: 'binance', symbol: 'BTCUSDT' });
    const lastAgg = sim.truth.lastTrade('binance', 'BTCUSDT')?.aggId ?? 0;
    await c.until((t) => t.some((x) => (JSON.parse(x) as { a: number }).a === lastAgg));
    const ids = parseAll<{ a: number }>(c.texts).map((x) => x.a);
    const gapAt = ids.findIndex((id, i) => i > 0 && id !== (ids[i - 1] ?? 0) + 1);
    expect(gapAt).toBeGreaterThan(0);
    const from = (ids[gapAt - 1] ?? 0) + 1;
    const missing = (ids[gapAt] ?? 0) - from;
    expect(missing).toBe(7);
    const r = await getJson<Array<{ a: number; f: number; l: number }>>(`${sim.urls.binanceRest}/api/v3/aggTrades?symbol=BTCUSDT&fromId=${from}&limit=${missing}`);
    expect(r.body.map((x) => x.a)).toEqual(Array.from({ length: missing }, (_, i) => from + i));
    // The trades behind them are exactly the truth's trades with those agg ids.
    const truthIds = sim.truth.trades('binance', 'BTCUSDT').filter((t) => t.aggId !== null && t.aggId >= from && t.aggId < from + missing).map((t) => t.id);
    const restIds = r.body.flatMap((x) => Array.from({ length: x.l - x.f + 1 }, (_, i) => x.f + i));
    expect(restIds).toEqual(truthIds);
  });

  it('a skipped @trade range is returned exactly by historicalTrades?fromId and covered by aggTrades f..l', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    sim.generate(40, { venue: 'binance', symbol: 'BTCUSDT' });
    sim.faults.inject({ kind: 'skip', venue: 'binance', stream: 'btcusdt@trade', count: 5 });
    sim.generate(60, { venue: 'binance', symbol: 'BTCUSDT' });
    const last = sim.truth.lastTrade('binance', 'BTCUSDT');
    await c.until((t) => t.some((x) => (JSON.parse(x) as { t: number }).t === last?.id));
    const seen = parseAll<{ t: number; T: number }>(c.texts);
    const gapAt = seen.findIndex((x, i) => i > 0 && x.t !== (seen[i - 1]?.t ?? 0) + 1);
    const from = (seen[gapAt - 1]?.t ?? 0) + 1;
    const missing = (seen[gapAt]?.t ?? 0) - from;
    expect(missing).toBe(5);
    const truth = sim.truth.trades('binance', 'BTCUSDT', { fromId: from, toId: from + missing - 1 });
    expect(truth.every((t) => t.published === 0)).toBe(true);
    const h = await getJson<Array<{ id: number; price: string; qty: string; time: number; isBuyerMaker: boolean }>>(`${sim.urls.binanceRest}/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${from}&limit=${missing}`);
    expect(h.body.map((t) => [t.id, t.price, t.qty, t.time, t.isBuyerMaker])).toEqual(truth.map((t) => [t.id, t.price, t.qty, t.timeMs, t.buyerMaker]));
    const startTime = seen[gapAt - 1]?.T ?? 0;
    const endTime = seen[gapAt]?.T ?? 0;
    const aggs = await getJson<Array<{ f: number; l: number }>>(`${sim.urls.binanceRest}/api/v3/aggTrades?symbol=BTCUSDT&startTime=${startTime}&endTime=${endTime}&limit=1000`);
    const covered = new Set(aggs.body.flatMap((x) => Array.from({ length: x.l - x.f + 1 }, (_, i) => x.f + i)));
    for (let id = from; id < from + missing; id++) expect(covered.has(id)).toBe(true);
  });

  it('backfills a 10,000+ trade history through aggTrades pages of 1000 with no hole', async () => {
    sim.generate(16_000, { venue: 'binance', symbol: 'BTCUSDT' });
    const truth = sim.truth.trades('binance', 'BTCUSDT');
    expect(truth.length).toBeGreaterThan(10_000);
    const firstAgg = truth[0]?.aggId ?? 0;
    const got: Array<{ a: number; f: number; l: number }> = [];
    let from = firstAgg;
    for (;;) {
      const r = await getJson<Array<{ a: number; f: number; l: number }>>(`${sim.urls.binanceRest}/api/v3/aggTrades?symbol=BTCUSDT&fromId=${from}&limit=1000`);
      expect(r.status).toBe(200);
      got.push(...r.body);
      if (r.body.length < 1000) break;
      from = (r.body[r.body.length - 1]?.a ?? 0) + 1;
    }
    const tradeIds = got.flatMap((x) => Array.from({ length: x.l - x.f + 1 }, (_, i) => x.f + i));
    expect(tradeIds).toEqual(truth.map((t) => t.id));
  });

  it('exchangeInfo lists tickSize and stepSize filters for each symbol', async () => {
    const r = await getJson<{ symbols: Array<{ symbol: string; filters: Array<Record<string, string>> }> }>(`${sim.urls.binanceRest}/api/v3/exchangeInfo`);
    const btc = r.body.symbols.find((s) => s.symbol === 'BTCUSDT');
    expect(btc?.filters.find((f) => f.filterType === 'PRICE_FILTER')?.tickSize).toBe('0.01000000');
    expect(btc?.filters.find((f) => f.filterType === 'LOT_SIZE')?.stepSize).toBe('0.00001000');
  });
});

describe('simulator: Binance limits', () => {
  const fx = simulatorFixture();

  it('closes with 1008 a connection that sends more than 5 messages in a second', async () => {
    const sim = await fx.start({ rate: 0 });
    const c = await fx.open(sim.urls.binanceWs);
    for (let i = 1; i <= 7; i++) c.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    expect(await c.closed()).toBe(1008);
  });

  it('closes a connection at the end of its lifetime', async () => {
    const sim = await fx.start({ rate: 0, binance: { lifetimeMs: 300 } });
    const c = await fx.open(`${sim.urls.binanceWs}/btcusdt@trade`);
    expect(await c.closed(5000)).toBe(1000);
  });

  it('refuses more than maxStreams per connection on the URL and by SUBSCRIBE', async () => {
    const sim = await fx.start({ rate: 0, binance: { maxStreams: 2 } });
    await expect(record(`${sim.urls.binanceStream}?streams=btcusdt@trade/btcusdt@aggTrade/btcusdt@bookTicker`)).rejects.toThrow(/400/);
    const c = await fx.open(`${sim.urls.binanceStream}?streams=btcusdt@trade/btcusdt@aggTrade`);
    c.send({ method: 'SUBSCRIBE', params: ['ethusdt@trade'], id: 9 });
    await c.until((t) => t.some((x) => x.includes('"id":9')));
    expect(JSON.parse(c.texts[0] ?? '{}')).toMatchObject({ error: { code: 2 }, id: 9 });
  });

  it('pings every pingIntervalMs and drops a client that never pongs within pongTimeoutMs', async () => {
    const sim = await fx.start({ rate: 0, binance: { pingIntervalMs: 100, pongTimeoutMs: 500, maxIncomingPerS: 100 } });
    const good = await fx.open(`${sim.urls.binanceWs}/btcusdt@trade`);
    const mute = await fx.open(`${sim.urls.binanceWs}/btcusdt@trade`, { autoPong: false });
    expect(await mute.closed(5000)).toBe(1006);
    expect(mute.pings.length).toBeGreaterThanOrEqual(2);
    expect(good.closeCode).toBeNull();
    expect(good.pings.length).toBeGreaterThanOrEqual(2);
  });

  it('answers 429 with Retry-After over the weight limit, then 418 after repeated violations', async () => {
    const sim = await fx.start({ rate: 0, binance: { weightLimitPerMin: 20, violationsBeforeBan: 2, banS: 30 } });
    const url = `${sim.urls.binanceRest}/api/v3/depth?symbol=BTCUSDT&limit=10`;
    const statuses: number[] = [];
    let retry429: string | null = null;
    let retry418: string | null = null;
    for (let i = 0; i < 8; i++) {
      const r = await fetch(url);
      await r.text();
      statuses.push(r.status);
      if (r.status === 429) retry429 = r.headers.get('retry-after');
      if (r.status === 418) retry418 = r.headers.get('retry-after');
    }
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
    expect(statuses[4]).toBe(429);
    expect(statuses).toContain(418);
    expect(Number(retry429)).toBeGreaterThan(0);
    expect(retry418).toBe('30');
  });

  it('userDataStream: listenKey lifecycle, private events from admin, listenKeyExpired after the TTL', async () => {
    const sim = await fx.start({ rate: 0, binance: { listenKeyTtlMs: 600, klineIntervalMs: 50 } });
    const post = await getJson<{ listenKey: string }>(`${sim.urls.binanceRest}/api/v3/userDataStream`, { method: 'POST' });
    const key = post.body.listenKey;
    expect(key).toMatch(/^[A-Za-z0-9]{60}$/);
    const c = await fx.open(`${sim.urls.binanceWs}/${key}`);
    const ev = await getJson<{ delivered: number }>(`${sim.urls.admin}/binance/user-event`, { method: 'POST', body: JSON.stringify({ event: 'executionReport' }) });
    expect(ev.body.delivered).toBe(1);
    sim.binanceUserEvent('outboundAccountPosition', key);
    await c.until((t) => t.some((x) => x.includes('"outboundAccountPosition"')));
    expect(JSON.parse(c.texts[0] ?? '{}')).toMatchObject({ e: 'executionReport', x: 'NEW' });
    const put = await fetch(`${sim.urls.binanceRest}/api/v3/userDataStream?listenKey=${key}`, { method: 'PUT' });
    expect(put.status).toBe(200);
    await c.until((t) => t.some((x) => x.includes('listenKeyExpired')), 5000);
    expect(JSON.parse(c.texts.find((x) => x.includes('listenKeyExpired')) ?? '{}')).toMatchObject({ e: 'listenKeyExpired', listenKey: key });
  });

  it('USD-M futures depth carries the pu chain and a snapshot + deltas reproduce the book', async () => {
    const sim = await fx.start({ rate: 0, symbols: ['BTCUSDT'] });
    const c = await fx.open(`${sim.urls.binanceFuturesWs}/btcusdt@depth@100ms`);
    sim.generate(100, { venue: 'binance-futures' });
    sim.publishBooks();
    const snap = await getJson<{ lastUpdateId: number; E: number; T: number; bids: [string, string][]; asks: [string, string][] }>(`${sim.urls.binanceFuturesRest}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`);
    expect(typeof snap.body.T).toBe('number');
    sim.generate(200, { venue: 'binance-futures' });
    sim.publishBooks();
    const final = sim.truth.book('binance-futures', 'BTCUSDT');
    await c.until((t) => t.some((x) => (JSON.parse(x) as { u: number }).u >= (final?.lastUpdateId ?? Infinity)));
    const events = parseAll<{ U: number; u: number; pu: number; b: [string, string][]; a: [string, string][] }>(c.texts);
    for (let i = 1; i < events.length; i++) expect(events[i]?.pu).toBe(events[i - 1]?.u);
    const bids = new Map<string, string>();
    const asks = new Map<string, string>();
    applyLevels(bids, snap.body.bids);
    applyLevels(asks, snap.body.asks);
    let started = false;
    for (const e of events) {
      if (e.u < snap.body.lastUpdateId) continue;
      if (!started) {
        expect(e.U).toBeLessThanOrEqual(snap.body.lastUpdateId);
        started = true;
      }
      applyLevels(bids, e.b);
      applyLevels(asks, e.a);
    }
    expect(started).toBe(true);
    expect(sortedLevels(bids, true)).toEqual(final?.bids);
    expect(sortedLevels(asks, false)).toEqual(final?.asks);
  });

  it('kline_1m and !forceOrder@arr frames have the real shapes', async () => {
    const sim = await fx.start({ rate: 0, symbols: ['BTCUSDT'], binance: { klineIntervalMs: 50 } });
    const c = await fx.open(`${sim.urls.binanceStream}?streams=btcusdt@kline_1m/!forceOrder@arr`);
    sim.generate(3000, { venue: 'binance' });
    await c.until((t) => t.some((x) => x.includes('"kline"')) && t.some((x) => x.includes('"forceOrder"')));
    const k = parseAll<{ stream: string; data: { k: Record<string, unknown> } }>(c.texts).find((f) => f.stream === 'btcusdt@kline_1m');
    expect(Object.keys(k?.data.k ?? {})).toEqual(['t', 'T', 's', 'i', 'f', 'L', 'o', 'c', 'h', 'l', 'v', 'n', 'x', 'q', 'V', 'Q', 'B']);
    expect(k?.data.k.q).toMatch(DEC8);
    const fo = parseAll<{ stream: string; data: { o: Record<string, unknown> } }>(c.texts).find((f) => f.stream === '!forceOrder@arr');
    expect(Object.keys(fo?.data.o ?? {})).toEqual(['s', 'S', 'o', 'f', 'q', 'p', 'ap', 'X', 'l', 'z', 'T']);
  });
});
