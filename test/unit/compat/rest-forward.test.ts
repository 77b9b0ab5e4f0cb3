import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RestForwarder } from '../../../src/compat/binance/rest-forward.js';

/** A loopback upstream that counts calls and answers what `answer` says. */
async function upstream(answer: (path: string) => { status: number; body: string; headers?: Record<string, string> }): Promise<{ server: Server; base: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(req.url ?? '');
    const a = answer(req.url ?? '');
    res.writeHead(a.status, { 'Content-Type': 'application/json', ...a.headers });
    res.end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, calls };
}

const opts = { weightPerMinute: 100, cacheTtlMs: 1_000, exchangeInfoTtlMs: 60_000, cacheMaxEntries: 3, maxBodyBytes: 1_000_000, timeoutMs: 2_000 };

describe('RestForwarder', () => {
  let server: Server | null = null;
  afterEach(() => { server?.close(); server = null; });

  it('shares one upstream call among identical requests (in flight and cached), in any parameter order', async () => {
    const u = await upstream(() => ({ status: 200, body: '[1]' }));
    server = u.server;
    let now = 1_000_000;
    const f = new RestForwarder({ ...opts, baseUrl: u.base, now: () => now });
    const q = (s: string): URLSearchParams => new URLSearchParams(s);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => f.get('/api/v3/ticker/24hr', q(i % 2 ? 'symbol=BTCUSDT&type=FULL' : 'type=FULL&symbol=BTCUSDT'))));
    expect(answers.every((a) => a.status === 200 && a.body === '[1]')).toBe(true);
    expect(u.calls).toHaveLength(1);
    expect(f.stats()).toMatchObject({ requests: 10, upstreamCalls: 1, forwardedWeight: 2 });
    now += 1_001;
    await f.get('/api/v3/ticker/24hr', q('symbol=BTCUSDT&type=FULL'));
    expect(u.calls).toHaveLength(2);
  });

  it('refuses with 429 + Retry-After before the budget is crossed, and pauses on an upstream 429', async () => {
    let status = 200;
    const u = await upstream(() => (status === 429 ? { status: 429, body: '{"code":-1003}', headers: { 'Retry-After': '7' } } : { status: 200, body: '[]' }));
    server = u.server;
    let now = 60_000 * 1_000 + 50_000; // 10 s before the window ends
    const f = new RestForwarder({ ...opts, baseUrl: u.base, now: () => now });
    for (let i = 0; i < 4; i++) expect((await f.get('/api/v3/trades', new URLSearchParams(`symbol=A&limit=${i + 1}`))).status).toBe(200);
    const refused = await f.get('/api/v3/trades', new URLSearchParams('symbol=A&limit=9'));
    expect(refused.status).toBe(429);
    expect(refused.headers).toEqual({ 'Retry-After': '10' });
    expect(JSON.parse(refused.body)).toMatchObject({ code: -1003 });
    expect(u.calls).toHaveLength(4);
    now += 10_000; // next window
    status = 429;
    const limited = await f.get('/api/v3/trades', new URLSearchParams('symbol=B'));
    expect(limited).toMatchObject({ status: 429, headers: { 'Retry-After': '7' } });
    status = 200;
    expect((await f.get('/api/v3/trades', new URLSearchParams('symbol=C'))).status).toBe(429); // paused, not sent
    expect(u.calls).toHaveLength(5);
    now += 7_000;
    expect((await f.get('/api/v3/trades', new URLSearchParams('symbol=C'))).status).toBe(200);
  });

  it('keeps at most cacheMaxEntries answers and never caches errors', async () => {
    const u = await upstream((p) => (p.includes('bad') ? { status: 400, body: '{"code":-1121,"msg":"Invalid symbol."}' } : { status: 200, body: '[]' }));
    server = u.server;
    const f = new RestForwarder({ ...opts, weightPerMinute: 10_000, baseUrl: u.base });
    for (const s of ['a', 'b', 'c', 'd', 'e']) await f.get('/api/v3/ping', new URLSearchParams(`x=${s}`));
    expect(f.stats().cacheEntries).toBe(3);
    const bad = await f.get('/api/v3/depth', new URLSearchParams('symbol=bad'));
    expect(bad).toMatchObject({ status: 400 });
    await f.get('/api/v3/depth', new URLSearchParams('symbol=bad'));
    expect(u.calls.filter((c) => c.includes('bad'))).toHaveLength(2);
  });
});
