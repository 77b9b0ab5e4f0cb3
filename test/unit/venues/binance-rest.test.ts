import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BinanceRest, BinanceRestError } from '../../../src/venues/binance/rest.js';
import { WeightLimiter, type LimiterClock } from '../../../src/venues/binance/weight-limiter.js';
import type { TradeRangePage } from '../../../src/venues/binance/trade-pages.js';

type Handler = (req: IncomingMessage, url: URL, res: ServerResponse) => void;

/** Collects a paged range (tests only: the gateway consumes pages as they land). */
async function collect(pages: AsyncIterable<TradeRangePage>): Promise<{ ids: number[]; missing: [number, number][]; pages: number }> {
  const out = { ids: [] as number[], missing: [] as [number, number][], pages: 0 };
  for await (const p of pages) {
    out.pages++;
    if (p.missing) out.missing.push([p.missing.fromId, p.missing.toId]);
    for (const t of p.trades) out.ids.push(t.seq!);
  }
  return out;
}
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => handler(req, new URL(req.url ?? '/', 'http://x'), res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/binance`;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
});

/** A clock whose sleep records the wait and advances time instantly. */
function fakeClock(start = 1_700_000_000_000): LimiterClock & { sleeps: number[]; t: number } {
  const c = { t: start, sleeps: [] as number[], now: () => c.t, sleep: async (ms: number) => { c.sleeps.push(ms); c.t += ms; } };
  return c;
}

const aggRow = (a: number) => ({ a, p: `100.${String(a % 100).padStart(2, '0')}`, q: '1.00000000', f: a, l: a, T: 1_000 + a, m: a % 2 === 0, M: true });

/** Serves aggTrades with ids [first, lastAvailable] like Binance: fromId + limit (max 1000). */
function aggTradesHandler(first: number, lastAvailable: number, log: string[]): Handler {
  return (req, url, res) => {
    log.push(url.search);
    if (url.pathname !== '/binance/api/v3/aggTrades') { res.writeHead(404).end(); return; }
    const from = Number(url.searchParams.get('fromId') ?? first);
    const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 500));
    const rows = [];
    for (let id = Math.max(from, first); id <= lastAvailable && rows.length < limit; id++) rows.push(aggRow(id));
    res.writeHead(200, { 'content-type': 'application/json', 'x-mbx-used-weight-1m': '10' }).end(JSON.stringify(rows));
  };
}

describe('BinanceRest', () => {
  it('streams exactly an aggTrade id range as 1000-row pages', async () => {
    const log: string[] = [];
    const rest = new BinanceRest({ restBaseUrl: await serve(aggTradesHandler(1, 10_000, log)) });
    let first: TradeRangePage | undefined;
    for await (const p of rest.aggTradePages('BTCUSDT', 1_500, 3_700)) { first = p; break; }
    expect(first!.trades[0]).toMatchObject({ price: '100.00', source: 'backfill', symbol: 'BTCUSDT', seq: 1_500 });
    log.length = 0;
    const got = await collect(rest.aggTradePages('BTCUSDT', 1_500, 3_700));
    expect(got).toEqual({ ids: range(1_500, 3_700), missing: [], pages: 3 });
    expect(log).toEqual(['?symbol=BTCUSDT&fromId=1500&limit=1000', '?symbol=BTCUSDT&fromId=2500&limit=1000', '?symbol=BTCUSDT&fromId=3500&limit=201']);
  });

  it('keeps at most backfillPrefetchPages requests in flight and paces backfill pages within their weight share', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    // No used-weight header: the client's own count paces it.
    const url = await serve((req, u, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const from = Number(u.searchParams.get('fromId'));
      const limit = Number(u.searchParams.get('limit'));
      const rows = range(from, Math.min(100_000, from + limit - 1)).map(aggRow);
      setTimeout(() => { inFlight--; res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows)); }, 5);
    });
    const clock = fakeClock(1_700_000_000_000 - (1_700_000_000_000 % 60_000));
    // Budget 100 x share 0.5 = 50 per minute: 12 aggTrades pages (weight 4) per minute window.
    const rest = new BinanceRest({ restBaseUrl: url, backfillPrefetchPages: 3, weightPerMinute: 100, weightSafetyRatio: 1, backfillWeightShare: 0.5, clock });
    const got = await collect(rest.aggTradePages('BTCUSDT', 1, 30_000));
    expect(got.ids).toEqual(range(1, 30_000));
    expect(maxInFlight).toBe(3);
    expect(rest.stats()).toMatchObject({ pages: 30, maxPagesInFlight: 3, pagesInFlight: 0, requests: 30 });
    // 30 pages at 12 per window: two waits for the next minute.
    expect(clock.sleeps.filter((ms) => ms > 0).length).toBe(2);
    // Outside the backfill share, a snapshot-sized request still fits the window.
    await expect(rest.aggTrades({ symbol: 'BTCUSDT', fromId: 1, limit: 1 })).resolves.toHaveLength(1);
  });

  it('history window: a first id greater than asked reports the missing ids and realigns the prefetch', async () => {
    const log: string[] = [];
    const rest = new BinanceRest({ restBaseUrl: await serve(aggTradesHandler(5_000, 7_200, log)), backfillPrefetchPages: 2 });
    const got = await collect(rest.aggTradePages('BTCUSDT', 1_000, null));
    expect(got.missing).toEqual([[1_000, 4_999]]);
    expect(got.ids).toEqual(range(5_000, 7_200));
    // A range older than everything the venue keeps is missing as a whole.
    expect(await collect(rest.aggTradePages('BTCUSDT', 10, 20))).toEqual({ ids: [], missing: [[10, 20]], pages: 1 });
  });

  it('dropping the range mid-way aborts the prefetched requests (no retry, nothing left in flight)', async () => {
    const url = await serve((req, u, res) => { setTimeout(() => aggTradesHandler(1, 100_000, [])(req, u, res), u.searchParams.get('fromId') === '1' ? 0 : 300); });
    const rest = new BinanceRest({ restBaseUrl: url, backfillPrefetchPages: 2 });
    for await (const p of rest.aggTradePages('BTCUSDT', 1, 50_000)) { expect(p.trades.length).toBe(1_000); break; }
    await new Promise((r) => setTimeout(r, 20));
    expect(rest.stats()).toMatchObject({ pagesInFlight: 0, aborted: 1, retries: 0 });
  });

  it('fetchTrades routes aggTrade ids to aggTrades and trade ids to historicalTrades', async () => {
    const paths: string[] = [];
    const url = await serve((req, u, res) => {
      paths.push(u.pathname);
      const from = Number(u.searchParams.get('fromId'));
      const body = u.pathname.endsWith('/aggTrades') ? [aggRow(from)] : [{ id: from, price: '1.0', qty: '2.0', quoteQty: '2', time: 5, isBuyerMaker: true, isBestMatch: true }];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    const rest = new BinanceRest({ restBaseUrl: url });
    expect((await collect(rest.fetchTrades('BTCUSDT', 7, 7, 'aggTrade'))).ids).toEqual([7]);
    expect((await collect(rest.fetchTrades('BTCUSDT', 9, 9, 'trade'))).ids).toEqual([9]);
    expect(paths).toEqual(['/binance/api/v3/aggTrades', '/binance/api/v3/historicalTrades']);
  });

  it('an open-ended range stops at the newest trade the venue has', async () => {
    const rest = new BinanceRest({ restBaseUrl: await serve(aggTradesHandler(1, 2_345, [])) });
    const got = await collect(rest.aggTradePages('BTCUSDT', 100, null));
    expect(got.ids).toEqual(range(100, 2_345));
  });

  it('waits Retry-After on 429 (no request in between) and then succeeds', async () => {
    let calls = 0;
    const times: number[] = [];
    const clock = fakeClock();
    const url = await serve((req, u, res) => {
      calls++;
      times.push(clock.now());
      if (calls === 1) { res.writeHead(429, { 'retry-after': '3' }).end('{"code":-1003,"msg":"Too many requests"}'); return; }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"lastUpdateId":5,"bids":[["1.0","2"]],"asks":[]}');
    });
    const rest = new BinanceRest({ restBaseUrl: url, clock });
    const snap = await rest.depthSnapshot('BTCUSDT', 100);
    expect(snap.lastUpdateId).toBe(5);
    expect(calls).toBe(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(3_000);
    expect(rest.stats()).toMatchObject({ rateLimited: 1, retries: 1 });
  });

  it('gives up after maxRetries of 418 with a typed, retryable error and never hammers', async () => {
    let calls = 0;
    const clock = fakeClock();
    const url = await serve((req, u, res) => { calls++; res.writeHead(418, { 'retry-after': '60' }).end(); });
    const rest = new BinanceRest({ restBaseUrl: url, clock, maxRetries: 2 });
    const err = await rest.depthSnapshot('BTCUSDT').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinanceRestError);
    expect((err as BinanceRestError).code).toBe('E_REST_RATE_LIMITED');
    expect(calls).toBe(3);
    expect(clock.sleeps.filter((s) => s >= 60_000).length).toBe(2);
  });

  it('waits for the next minute window when the used-weight header says the budget is spent', async () => {
    const clock = fakeClock(1_700_000_000_000 - (1_700_000_000_000 % 60_000) + 10_000);
    const url = await serve((req, u, res) => { res.writeHead(200, { 'content-type': 'application/json', 'x-mbx-used-weight-1m': '4799' }).end('[]'); });
    const rest = new BinanceRest({ restBaseUrl: url, clock, weightPerMinute: 6000, weightSafetyRatio: 0.8 });
    await rest.aggTrades({ symbol: 'BTCUSDT', fromId: 1 });
    expect(clock.sleeps).toEqual([]);
    await rest.aggTrades({ symbol: 'BTCUSDT', fromId: 1 });
    expect(clock.sleeps).toEqual([50_000]);
  });

  it('maps a 400 with a venue error to a non-retryable E_REST_HTTP', async () => {
    const url = await serve((req, u, res) => { res.writeHead(400).end('{"code":-1121,"msg":"Invalid symbol."}'); });
    const err = (await new BinanceRest({ restBaseUrl: url }).depthSnapshot('NOPE').catch((e: unknown) => e)) as BinanceRestError;
    expect(err.code).toBe('E_REST_HTTP');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('-1121');
  });

  it('times out a silent server with E_REST_TIMEOUT', async () => {
    const url = await serve(() => { /* never answers */ });
    const err = (await new BinanceRest({ restBaseUrl: url, timeoutMs: 100, maxRetries: 0 }).depthSnapshot('X').catch((e: unknown) => e)) as BinanceRestError;
    expect(err.code).toBe('E_REST_TIMEOUT');
  });

  it('sends the API key only as a header, and errors about listenKey calls never contain the key', async () => {
    const seen: { key: string | undefined; url: string }[] = [];
    const listenKey = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
    const url = await serve((req, u, res) => {
      seen.push({ key: req.headers['x-mbx-apikey'] as string | undefined, url: u.pathname + u.search });
      if (req.method === 'POST') { res.writeHead(200).end(JSON.stringify({ listenKey })); return; }
      res.writeHead(400).end('{"code":-1125,"msg":"This listenKey does not exist."}');
    });
    const rest = new BinanceRest({ restBaseUrl: url, apiKey: 'MY-API-KEY' });
    expect(await rest.createListenKey()).toBe(listenKey);
    const err = (await rest.keepAliveListenKey(listenKey).catch((e: unknown) => e)) as BinanceRestError;
    expect(seen[0]).toEqual({ key: 'MY-API-KEY', url: '/binance/api/v3/userDataStream' });
    expect(seen[1]!.url).toContain(listenKey);
    const text = `${err.message} ${JSON.stringify(err.toJSON())} ${String(err.stack)}`;
    expect(text).not.toContain(listenKey);
    expect(text).not.toContain('MY-API-KEY');
    expect(err.message).toContain('-1125');
  });
});

describe('WeightLimiter', () => {
  it('pauses every request until a 429 Retry-After has passed', async () => {
    const clock = fakeClock(60_000 * 1000);
    const l = new WeightLimiter(100, clock);
    await l.acquire(1);
    l.pause(5_000);
    await l.acquire(1);
    expect(clock.sleeps).toEqual([5_000]);
  });
});
