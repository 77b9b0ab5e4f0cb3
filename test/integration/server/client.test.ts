import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TickgateClient, type ClientGap, type ClientStateChange } from '../../../src/server/client.js';
import type { DataMessage, ResyncRequiredMessage } from '../../../src/server/protocol.js';
import { DownstreamServer } from '../../../src/server/server.js';

const T = 'trades.binance.BTCUSDT';
let servers: DownstreamServer[] = [];
let client: TickgateClient<{ i: number }> | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
  for (const s of servers) await s.stop();
  servers = [];
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function serverOn(port: number, epoch?: number): Promise<DownstreamServer> {
  const s = new DownstreamServer({ host: '127.0.0.1', port, initialEpoch: epoch, ringCapacityMessages: 1_000 });
  await s.start();
  servers.push(s);
  return s;
}

function until(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const t = setInterval(() => {
      if (pred()) { clearInterval(t); resolve(); } else if (Date.now() - started > timeoutMs) { clearInterval(t); reject(new Error(`timed out: ${what}`)); }
    }, 10);
  });
}

function record(c: TickgateClient<{ i: number }>): { data: DataMessage<{ i: number }>[]; resyncs: ResyncRequiredMessage[]; gaps: ClientGap[]; states: ClientStateChange[] } {
  const r = { data: [] as DataMessage<{ i: number }>[], resyncs: [] as ResyncRequiredMessage[], gaps: [] as ClientGap[], states: [] as ClientStateChange[] };
  c.on('data', (m) => r.data.push(m));
  c.on('resync', (m) => r.resyncs.push(m));
  c.on('gap', (g) => r.gaps.push(g));
  c.on('state', (s) => r.states.push(s));
  return r;
}

describe('TickgateClient', () => {
  it('reconnects after the server port restarts and resumes gap-free: every seq once, in order', async () => {
    const port = await freePort();
    const server = await serverOn(port, 1);
    client = new TickgateClient({ url: `ws://127.0.0.1:${port}/ws`, channels: [T], reconnectInitialMs: 50, reconnectMaxMs: 200 });
    const rec = record(client);
    client.connect();
    await until(() => client!.state === 'open' && server.stats().subscriptions === 1, 10_000, 'subscribed');
    for (let i = 1; i <= 20; i++) server.publish(T, { i });
    await until(() => rec.data.length === 20);
    await server.stop();
    await until(() => rec.states.some((s) => s.state === 'reconnecting'));
    for (let i = 21; i <= 40; i++) server.publish(T, { i });
    await server.start();
    await until(() => rec.data.length === 40, 10_000, 'missed messages replayed');
    for (let i = 41; i <= 50; i++) server.publish(T, { i });
    await until(() => rec.data.length === 50);
    expect(rec.data.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(rec.data.map((m) => m.data.i)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(rec.resyncs).toEqual([]);
    expect(rec.gaps).toEqual([]);
    expect(client.position(T)).toEqual({ epoch: 1, seq: 50 });
  });

  it('surfaces resync_required when a new server process (new epoch) takes over the port', async () => {
    const port = await freePort();
    const first = await serverOn(port, 1);
    client = new TickgateClient({ url: `ws://127.0.0.1:${port}/ws`, channels: [T], reconnectInitialMs: 50, reconnectMaxMs: 200 });
    const rec = record(client);
    client.connect();
    await until(() => first.stats().subscriptions === 1);
    for (let i = 1; i <= 5; i++) first.publish(T, { i });
    await until(() => rec.data.length === 5);
    await first.stop();
    const second = await serverOn(port, 2);
    second.publish(T, { i: 100 });
    await until(() => rec.resyncs.length === 1, 10_000, 'resync surfaced');
    expect(rec.resyncs[0]).toEqual({ type: 'resync_required', channel: T, reason: 'epoch_changed', epoch: 2, seq: 1 });
    second.publish(T, { i: 101 });
    await until(() => rec.data.length === 6);
    expect(rec.data.at(-1)).toMatchObject({ epoch: 2, seq: 2, data: { i: 101 } });
  });

  it('backs off on admission refusals (1013) with the close code in its state, and delivers through the async iterator', async () => {
    const port = await freePort();
    let full = true;
    const server = new DownstreamServer({ host: '127.0.0.1', port, admission: { breakerOpen: (v) => full && v === 'binance' } });
    await server.start();
    servers.push(server);
    client = new TickgateClient({ url: `ws://127.0.0.1:${port}/ws`, channels: [T], reconnectInitialMs: 20, reconnectMaxMs: 100, reconnectJitter: 0 });
    const rec = record(client);
    const it = client.events();
    client.connect();
    await until(() => rec.states.filter((s) => s.code === 1013).length >= 2, 10_000, 'two refusals');
    const refused = rec.states.filter((s) => s.code === 1013);
    expect(refused[0]!.reason).toBe('breaker_open:binance');
    expect(refused[1]!.delayMs).toBeGreaterThan(refused[0]!.delayMs!);
    full = false;
    await until(() => server.stats().subscriptions === 1, 10_000, 'admitted');
    server.publish(T, { i: 1 });
    for (;;) {
      const n = await it.next();
      if (n.done) throw new Error('iterator ended');
      if (n.value.kind === 'data') { expect(n.value.event.data).toEqual({ i: 1 }); break; }
    }
    await it.return?.();
  });
});
