import { afterEach, describe, expect, it } from 'vitest';
import type { DownstreamServer } from '../../../src/server/server.js';
import { closeAll, connect, startServer, type RawClient } from './helpers.js';

let server: DownstreamServer | undefined;
let clients: RawClient[] = [];

afterEach(closeAll);

describe('admission', () => {
  it('closes the connection over the limit with 1013 "connections" and counts it', async () => {
    server = await startServer({ maxConnections: 2 });
    clients.push(await connect(server), await connect(server));
    const third = await connect(server); clients.push(third);
    expect(await third.closed).toEqual({ code: 1013, reason: 'connections' });
    expect(server.stats().admissionRejections.connections).toBe(1);
    expect(server.stats().clients).toBe(2);
    // A slot freed is a slot available.
    clients[0]!.close();
    await clients[0]!.closed;
    await new Promise<void>((r) => { const t = setInterval(() => { if (server!.stats().clients === 1) { clearInterval(t); r(); } }, 10); });
    const fourth = await connect(server); clients.push(fourth);
    await fourth.subscribe(['status']);
  });

  it('refuses with 1013 on event-loop lag, memory and an open breaker of a declared venue, each counted', async () => {
    let lag = 0; let mem = 0; const open = new Set<string>();
    server = await startServer({
      maxEventLoopLagMs: 100, maxMemoryBytes: 1_000,
      admission: { eventLoopLagMs: () => lag, memoryBytes: () => mem, breakerOpen: (v) => open.has(v) },
    });
    lag = 250;
    expect(await (await connect(server)).closed).toEqual({ code: 1013, reason: 'event_loop_lag' });
    lag = 0; mem = 5_000;
    expect(await (await connect(server)).closed).toEqual({ code: 1013, reason: 'memory' });
    mem = 0; open.add('bybit');
    const ok = await connect(server, { query: 'channels=trades.binance.BTCUSDT,status' }); clients.push(ok);
    await ok.subscribe(['trades.binance.BTCUSDT']);
    expect(await (await connect(server, { query: 'channels=status,trades.bybit.BTCUSDT' })).closed).toEqual({ code: 1013, reason: 'breaker_open:bybit' });
    expect(server.stats().admissionRejections).toEqual({ connections: 0, event_loop_lag: 1, memory: 1, breaker_open: 1, setup_failed: 0 });
  });

  it('closes with 1011 when connection setup fails, counted, and keeps serving others', async () => {
    let fail = true;
    server = await startServer({ onConnection: () => { if (fail) throw new Error('registry down'); } });
    expect(await (await connect(server)).closed).toEqual({ code: 1011, reason: 'setup failed' });
    expect(server.stats().admissionRejections.setup_failed).toBe(1);
    expect(server.stats().clients).toBe(0);
    fail = false;
    const c = await connect(server); clients.push(c);
    await c.subscribe(['status']);
  });
});
