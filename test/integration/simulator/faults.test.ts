import { beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Simulator } from '../../../simulator/index.js';
import { getJson, parseAll, type Recorder, simulatorFixture, sleep } from './helpers.js';

function pingOnce(ws: WebSocket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      ws.off('pong', onPong);
      resolve(false);
    }, timeoutMs);
    const onPong = (): void => {
      clearTimeout(t);
      resolve(true);
    };
    ws.once('pong', onPong);
    ws.ping();
  });
}

function connectError(url: string, opts: { handshakeTimeout?: number } = {}): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => {
      ws.terminate();
      resolve(null);
    });
    ws.once('error', (err) => resolve(err as NodeJS.ErrnoException));
  });
}

describe('simulator faults', () => {
  const fx = simulatorFixture();
  const open = (url: string): Promise<Recorder> => fx.open(url);
  let sim: Simulator;
  beforeEach(async () => {
    sim = await fx.start({ rate: 0, symbols: ['BTCUSDT'], binance: { maxIncomingPerS: 1000 } });
  });

  it('half-open (silent): the socket stays open but carries no frames and no pongs', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    sim.generate(20, { venue: 'binance' });
    await c.until((t) => t.length > 0);
    expect(await pingOnce(c.ws, 1000)).toBe(true);
    sim.faults.inject({ kind: 'silent', venue: 'binance' });
    const before = c.texts.length;
    sim.generate(200, { venue: 'binance' });
    expect(await pingOnce(c.ws, 300)).toBe(false);
    expect(c.texts.length).toBe(before);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('half-open survives the pong deadline: a silent socket is never hung up by the simulator', async () => {
    await sim.close();
    sim = await fx.start({ rate: 0, symbols: ['BTCUSDT'], binance: { pingIntervalMs: 50, pongTimeoutMs: 200 } });
    sim.faults.inject({ kind: 'silent', venue: 'binance' });
    const c = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    await sleep(600);
    expect(c.closeCode).toBeNull();
    expect(c.pings).toHaveLength(0);
  });

  it('no-pong: frames keep flowing but pings go unanswered', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    sim.faults.inject({ kind: 'no-pong', venue: 'binance' });
    sim.generate(100, { venue: 'binance' });
    await c.until((t) => t.length > 10);
    expect(await pingOnce(c.ws, 300)).toBe(false);
  });

  it('refuse: new connections get ECONNREFUSED, then the port comes back', async () => {
    sim.faults.inject({ kind: 'refuse', durationMs: 300 });
    await sleep(20);
    const err = await connectError(sim.urls.binanceWs);
    expect(err?.code).toBe('ECONNREFUSED');
    await sleep(600);
    expect(await connectError(sim.urls.binanceWs)).toBeNull();
  });

  it('reset: a venue-scoped fault destroys the upgrade while other venues connect', async () => {
    sim.faults.inject({ kind: 'reset', venue: 'bybit', count: 1 });
    expect(await connectError(sim.urls.bybitPublic)).not.toBeNull();
    expect(await connectError(sim.urls.binanceWs)).toBeNull();
    expect(await connectError(sim.urls.bybitPublic)).toBeNull();
  });

  it('delay-upgrade holds the handshake; stall-upgrade never completes it', async () => {
    sim.faults.inject({ kind: 'delay-upgrade', venue: 'binance', delayMs: 300, count: 1 });
    const t0 = Date.now();
    expect(await connectError(sim.urls.binanceWs)).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    sim.faults.inject({ kind: 'stall-upgrade', venue: 'binance', count: 1 });
    const err = await connectError(sim.urls.binanceWs, { handshakeTimeout: 300 });
    expect(err?.message).toMatch(/timed out/i);
  });

  it('close with any code: 4000 arrives as 4000, 1006 as an abrupt drop', async () => {
    const a = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    const b = await open(sim.urls.bybitPublic);
    sim.faults.inject({ kind: 'close', venue: 'binance', code: 4000, reason: 'test' });
    expect(await a.closed()).toBe(4000);
    expect(b.closeCode).toBeNull();
    sim.faults.inject({ kind: 'close', venue: 'bybit', code: 1006 });
    expect(await b.closed()).toBe(1006);
  });

  it('malformed: one garbage frame among valid ones; truncated-frame breaks the connection', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    sim.faults.inject({ kind: 'malformed', venue: 'binance', stream: '@trade', count: 1 });
    sim.generate(100, { venue: 'binance' });
    const n = sim.truth.trades('binance', 'BTCUSDT').length;
    await c.until((t) => t.length >= n);
    const bad = c.texts.filter((t) => {
      try {
        JSON.parse(t);
        return false;
      } catch {
        return true;
      }
    });
    expect(bad).toHaveLength(1);
    sim.faults.inject({ kind: 'malformed', venue: 'binance', mode: 'truncated-frame', count: 1 });
    sim.generate(100, { venue: 'binance' });
    await c.closed();
  });

  it('skip and repeat: trade ids jump or repeat on the wire and the truth counts each publication', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    sim.generate(30, { venue: 'binance' });
    sim.faults.inject({ kind: 'skip', venue: 'binance', stream: '@trade', count: 4 });
    sim.generate(30, { venue: 'binance' });
    sim.faults.inject({ kind: 'repeat', venue: 'binance', stream: 'btcusdt@trade', count: 3 });
    sim.generate(30, { venue: 'binance' });
    const truth = sim.truth.trades('binance', 'BTCUSDT');
    const expected = truth.reduce((n, t) => n + t.published, 0);
    await c.until((t) => t.length >= expected);
    const ids = parseAll<{ t: number }>(c.texts).map((x) => x.t);
    expect(truth.filter((t) => t.published === 0)).toHaveLength(4);
    expect(truth.filter((t) => t.published === 2)).toHaveLength(3);
    expect(ids.length - new Set(ids).size).toBe(3);
    expect(new Set(ids).size).toBe(truth.length - 4);
  });

  it('stop-stream stops one stream while the others keep flowing', async () => {
    const c = await open(`${sim.urls.binanceStream}?streams=btcusdt@trade/btcusdt@aggTrade`);
    sim.faults.inject({ kind: 'stop-stream', venue: 'binance', stream: 'btcusdt@trade' });
    sim.generate(200, { venue: 'binance' });
    await c.until((t) => t.length >= 20);
    const streams = new Set(parseAll<{ stream: string }>(c.texts).map((f) => f.stream));
    expect([...streams]).toEqual(['btcusdt@aggTrade']);
  });

  it('rest-error answers the given status with Retry-After, then recovers', async () => {
    sim.faults.inject({ kind: 'rest-error', venue: 'binance', status: 429, retryAfterS: 7, path: '/api/v3/aggTrades', count: 1 });
    sim.faults.inject({ kind: 'rest-error', venue: 'binance', status: 503, path: '/api/v3/depth', count: 1 });
    const a = await fetch(`${sim.urls.binanceRest}/api/v3/aggTrades?symbol=BTCUSDT`);
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('7');
    await a.text();
    const d1 = await fetch(`${sim.urls.binanceRest}/api/v3/depth?symbol=BTCUSDT`);
    await d1.text();
    const d2 = await fetch(`${sim.urls.binanceRest}/api/v3/depth?symbol=BTCUSDT`);
    await d2.text();
    expect([d1.status, d2.status]).toEqual([503, 200]);
  });

  it('throttle caps the bytes per second a client receives', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    sim.faults.inject({ kind: 'throttle', venue: 'binance', bytesPerSec: 4000 });
    sim.generate(3000, { venue: 'binance' });
    const t0 = Date.now();
    await sleep(600);
    const bytes = c.texts.reduce((n, t) => n + t.length, 0);
    const elapsed = (Date.now() - t0) / 1000;
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(4000 * (elapsed + 0.5));
    expect(sim.truth.trades('binance', 'BTCUSDT').length * 100).toBeGreaterThan(bytes * 5);
  });

  it('restart drops every socket, refuses briefly, and trade ids continue afterwards', async () => {
    const c = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    sim.generate(50, { venue: 'binance' });
    const lastBefore = sim.truth.lastTrade('binance', 'BTCUSDT')?.id ?? 0;
    const port = sim.port;
    const done = sim.restart({ downMs: 300 });
    await c.closed();
    await sleep(50);
    expect((await connectError(sim.urls.binanceWs))?.code).toBe('ECONNREFUSED');
    await done;
    expect(sim.port).toBe(port);
    const c2 = await open(`${sim.urls.binanceWs}/btcusdt@trade`);
    sim.generate(50, { venue: 'binance' });
    await c2.until((t) => t.length > 0);
    expect((JSON.parse(c2.texts[0] ?? '{}') as { t: number }).t).toBeGreaterThan(lastBefore);
  });

  it('admin API injects, lists, logs with times, and clears faults', async () => {
    const post = await getJson<{ faults: Array<{ id: string }> }>(`${sim.urls.admin}/faults`, {
      method: 'POST', body: JSON.stringify([{ kind: 'no-pong', venue: 'bybit' }, { kind: 'skip', venue: 'binance', stream: '@trade', count: 2 }]),
    });
    expect(post.status).toBe(201);
    expect(post.body.faults).toHaveLength(2);
    const bad = await getJson<{ error: string }>(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'explode' }) });
    expect(bad.status).toBe(400);
    const list = await getJson<Array<{ kind: string }>>(`${sim.urls.admin}/faults`);
    expect(list.body.map((f) => f.kind)).toEqual(['no-pong', 'skip']);
    const del = await getJson<{ cleared: number }>(`${sim.urls.admin}/faults/${post.body.faults[0]?.id ?? ''}`, { method: 'DELETE' });
    expect(del.body.cleared).toBe(1);
    await getJson(`${sim.urls.admin}/faults`, { method: 'DELETE' });
    expect((await getJson<unknown[]>(`${sim.urls.admin}/faults`)).body).toEqual([]);
    const log = await getJson<Array<{ at: string; atMs: number; event: string; kind: string }>>(`${sim.urls.admin}/faults/log`);
    expect(log.body.map((e) => `${e.kind}:${e.event}`)).toEqual(['no-pong:injected', 'skip:injected', 'no-pong:cleared', 'skip:cleared']);
    for (const e of log.body) expect(new Date(e.at).getTime()).toBe(e.atMs);
  });

  it('admin truth endpoints return the recorded trades and the exact book', async () => {
    sim.generate(100, { venue: 'binance' });
    const trades = await getJson<Array<{ id: number }>>(`${sim.urls.admin}/truth/binance/BTCUSDT/trades`);
    expect(trades.body.map((t) => t.id)).toEqual(sim.truth.trades('binance', 'BTCUSDT').map((t) => t.id));
    const book = await getJson(`${sim.urls.admin}/truth/binance/BTCUSDT/book`);
    expect(book.body).toEqual(sim.truth.book('binance', 'BTCUSDT'));
  });
});
