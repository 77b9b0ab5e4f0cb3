import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BybitRest, BybitRestError } from '../../../src/venues/bybit/rest.js';
import { BybitRestDecodeError, decodeRecentTrades } from '../../../src/venues/bybit/rest-decode.js';

type Handler = (req: IncomingMessage, url: URL, res: ServerResponse) => void;
const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => handler(req, new URL(req.url ?? '/', 'http://x'), res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/bybit`;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
});

/** The documented example body of GET /v5/market/recent-trade. */
const row = (execId: string, time: number, price = '16618.49') => ({
  execId, symbol: 'BTCUSDT', price, size: '0.00012', side: 'Buy', time: String(time), isBlockTrade: false, isRPITrade: true, seq: '123456',
});
const body = (list: unknown[]) => ({ retCode: 0, retMsg: 'OK', result: { category: 'spot', list }, retExtInfo: {}, time: 1672053054358 });
const json = (res: ServerResponse, status: number, b: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(b));
};

describe('decodeRecentTrades', () => {
  it('decodes the documented body into exact trades keyed by execId (the publicTrade i)', () => {
    const t = decodeRecentTrades(body([row('2100000000007764263', 1672052955758), row('2100000000007764262', 1672052955001, '16618.5')]), 5);
    expect(t).toEqual([
      { type: 'trade', venue: 'bybit', symbol: 'BTCUSDT', eventTime: 1672052955758, receiveTime: 5, tradeId: '2100000000007764263', seq: null, price: '16618.49', size: '0.00012', side: 'buy', source: 'backfill' },
      expect.objectContaining({ tradeId: '2100000000007764262', eventTime: 1672052955001, price: '16618.5' }),
    ]);
  });

  it('rejects a retCode != 0, a missing list, a float price and a non-numeric time', () => {
    expect(() => decodeRecentTrades({ retCode: 10001, retMsg: 'params error', result: {} }, 0)).toThrow(/retCode 10001/);
    expect(() => decodeRecentTrades({ retCode: 0, retMsg: 'OK', result: {} }, 0)).toThrow(BybitRestDecodeError);
    expect(() => decodeRecentTrades(body([{ ...row('a', 1), price: 16618.49 }]), 0)).toThrow(/price/);
    expect(() => decodeRecentTrades(body([{ ...row('a', 1), time: 'soon' }]), 0)).toThrow(/time/);
    expect(() => decodeRecentTrades('nope', 0)).toThrow(BybitRestDecodeError);
  });
});

describe('BybitRest', () => {
  it('asks category, symbol and the configured limit (spot default 60) and reports the page size', async () => {
    const urls: string[] = [];
    const base = await serve((_req, url, res) => { urls.push(url.pathname + url.search); json(res, 200, body([row('2', 20), row('1', 10)])); });
    const page = await new BybitRest({ restBaseUrl: base }).fetchRecentTrades('BTCUSDT');
    expect(urls).toEqual(['/bybit/v5/market/recent-trade?category=spot&symbol=BTCUSDT&limit=60']);
    expect(page.limit).toBe(60);
    expect(page.trades.map((t) => t.tradeId)).toEqual(['2', '1']);
    await new BybitRest({ restBaseUrl: base, category: 'linear' }).recentTrades('BTCUSDT');
    expect(urls[1]).toContain('category=linear&symbol=BTCUSDT&limit=1000');
  });

  it('waits out HTTP 429 (Retry-After) and retCode 10006 before retrying', async () => {
    let n = 0;
    const base = await serve((_req, _url, res) => {
      n++;
      if (n === 1) json(res, 429, { retCode: 10006, retMsg: 'Too many visits!' }, { 'Retry-After': '2' });
      else if (n === 2) json(res, 200, { retCode: 10006, retMsg: 'Too many visits!', result: {} });
      else json(res, 200, body([row('1', 10)]));
    });
    const sleeps: number[] = [];
    const rest = new BybitRest({ restBaseUrl: base, rateLimitBackoffMs: 700, sleep: async (ms) => { sleeps.push(ms); } });
    expect((await rest.recentTrades('BTCUSDT')).length).toBe(1);
    expect(sleeps).toEqual([2_000, 700]);
    expect(rest.stats()).toMatchObject({ rateLimited: 2, retries: 2, failures: 0 });
  });

  it('retries 5xx, then fails with E_REST_HTTP naming the path; a 4xx is not retried', async () => {
    const base = await serve((_req, url, res) => json(res, url.searchParams.get('symbol') === 'BAD' ? 400 : 503, { retCode: 10016, retMsg: 'Server error' }));
    const rest = new BybitRest({ restBaseUrl: base, maxRetries: 2, sleep: async () => undefined });
    const err = await rest.recentTrades('BTCUSDT').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BybitRestError);
    expect(err).toMatchObject({ code: 'E_REST_HTTP', status: 503, retryable: true });
    expect((err as Error).message).toMatch(/\/v5\/market\/recent-trade answered 503/);
    expect(rest.stats().requests).toBe(3);
    await expect(rest.recentTrades('BAD')).rejects.toMatchObject({ code: 'E_REST_HTTP', status: 400, retryable: false });
    expect(rest.stats().requests).toBe(4);
  });

  it('times out a request that never answers', async () => {
    const base = await serve(() => undefined);
    const rest = new BybitRest({ restBaseUrl: base, timeoutMs: 100, maxRetries: 0 });
    await expect(rest.recentTrades('BTCUSDT')).rejects.toMatchObject({ code: 'E_REST_TIMEOUT' });
  });
});

describe('BybitRest against the simulator (/bybit/v5/market/recent-trade)', () => {
  it('serves every generated trade (published or not) newest first, caps spot at 60, honours rest-error', async () => {
    const { startSimulator } = await import('../../../simulator/index.js');
    const sim = await startSimulator({ rate: 0, seed: 3, symbols: ['BTCUSDT'] });
    try {
      const base = `http://127.0.0.1:${sim.port}/bybit`;
      sim.faults.inject({ kind: 'skip', venue: 'bybit', stream: 'publicTrade', count: 2 });
      sim.generate(100, { venue: 'bybit', symbol: 'BTCUSDT' });
      const truth = sim.truth.trades('bybit', 'BTCUSDT');
      expect(truth.length).toBeGreaterThan(60);
      const spot = await new BybitRest({ restBaseUrl: base }).recentTrades('BTCUSDT');
      expect(spot.map((t) => Number(t.tradeId))).toEqual(truth.slice(-60).map((t) => t.id).reverse());
      expect(spot[0]).toMatchObject({ price: truth.at(-1)!.price, size: truth.at(-1)!.qty, eventTime: truth.at(-1)!.timeMs, symbol: 'BTCUSDT', source: 'backfill' });
      const linear = await new BybitRest({ restBaseUrl: base, category: 'linear', recentTradesLimit: 80 }).recentTrades('BTCUSDT');
      expect(linear.length).toBe(80);
      await expect(new BybitRest({ restBaseUrl: base }).recentTrades('NOPE')).rejects.toMatchObject({ code: 'E_REST_VENUE' });
      sim.faults.inject({ kind: 'rest-error', venue: 'bybit', status: 429, retryAfterS: 1, path: '/v5/market/recent-trade', count: 1 });
      const sleeps: number[] = [];
      const rest = new BybitRest({ restBaseUrl: base, sleep: async (ms) => { sleeps.push(ms); } });
      expect((await rest.recentTrades('BTCUSDT')).length).toBe(60);
      expect(sleeps).toEqual([1_000]);
    } finally {
      await sim.close();
    }
  });
});
