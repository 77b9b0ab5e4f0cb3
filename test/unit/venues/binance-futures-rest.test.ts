/**
 * The USD-M REST client sends /fapi/v1/ paths on its own host with the spot client's request
 * loop and paging, and its rows carry the venue id binance-futures.
 */
import { describe, expect, it } from 'vitest';
import { BinanceFuturesRest, futuresFetch } from '../../../src/venues/binance-futures/rest.js';

function fakeFetch(seen: string[]): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const u = new URL(String(input instanceof Request ? input.url : input));
    seen.push(`${u.pathname}?${u.searchParams.toString()}`);
    if (u.pathname.endsWith('/depth')) return new Response(JSON.stringify({ lastUpdateId: 77, E: 5, T: 4, bids: [['1.0', '2']], asks: [['1.1', '3']] }), { headers: { 'x-mbx-used-weight-1m': '20' } });
    const from = Number(u.searchParams.get('fromId'));
    const limit = Number(u.searchParams.get('limit'));
    const rows = Array.from({ length: Math.min(limit, 1005 - from) }, (_, i) => ({ a: from + i, p: '1.5', q: '2', f: from + i, l: from + i, T: 1000 + from + i, m: i % 2 === 0 }));
    return new Response(JSON.stringify(rows), { headers: { 'x-mbx-used-weight-1m': '20' } });
  }) as typeof fetch;
}

describe('BinanceFuturesRest', () => {
  it('pages aggTrades from /fapi/v1/aggTrades in id order with venue binance-futures', async () => {
    const seen: string[] = [];
    const rest = new BinanceFuturesRest({ restBaseUrl: 'http://fapi.test', fetch: fakeFetch(seen), pageLimit: 2 });
    const ids: number[] = [];
    for await (const page of rest.fetchTrades('BTCUSDT', 1000, 1004, 'aggTrade')) for (const t of page.trades) { ids.push(t.seq!); expect(t.venue).toBe('binance-futures'); }
    expect(ids).toEqual([1000, 1001, 1002, 1003, 1004]);
    expect(seen.every((s) => s.startsWith('/fapi/v1/aggTrades?'))).toBe(true);
  });

  it('takes the depth snapshot from /fapi/v1/depth (limit capped at 1000)', async () => {
    const seen: string[] = [];
    const rest = new BinanceFuturesRest({ restBaseUrl: 'http://fapi.test', fetch: fakeFetch(seen) });
    const snap = await rest.depthSnapshot('BTCUSDT', 5000);
    expect(snap).toMatchObject({ type: 'book_snapshot', venue: 'binance-futures', lastUpdateId: 77, eventTime: 5 });
    expect(seen).toEqual(['/fapi/v1/depth?symbol=BTCUSDT&limit=1000']);
  });

  it('futuresFetch leaves non-spot paths alone and keeps a base path prefix', async () => {
    const seen: string[] = [];
    const f = futuresFetch(fakeFetch(seen));
    await f('http://h/binance-futures/api/v3/depth?symbol=X');
    await f('http://h/other/path');
    expect(seen).toEqual(['/binance-futures/fapi/v1/depth?symbol=X', '/other/path?']);
  });
});
