import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DownstreamServer } from '../../../src/server/server.js';
import { closeAll, connect, startServer, type RawClient } from './helpers.js';

let server: DownstreamServer | undefined;
let clients: RawClient[] = [];

afterEach(closeAll);

describe('heartbeat and idle sweep', () => {
  it('terminates a client that stops answering protocol pings, keeps one that answers', async () => {
    server = await startServer({ heartbeatIntervalMs: 100 });
    const alive = await connect(server); clients.push(alive);
    const dead = await connect(server); clients.push(dead);
    await alive.subscribe(['status']);
    await dead.subscribe(['status']);
    (dead.ws as unknown as { _socket: Socket })._socket.pause(); // reads nothing, so never pongs
    const started = Date.now();
    while (server.stats().heartbeatTerminations === 0) {
      if (Date.now() - started > 10_000) throw new Error('dead client was never terminated');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(server.stats().heartbeatTerminations).toBe(1);
    await new Promise((r) => setTimeout(r, 350));
    expect(server.stats().clients).toBe(1);
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
  });

  it('closes a client with no subscription and no message for the idle timeout with 4000; a subscribed one stays', async () => {
    server = await startServer({ idleTimeoutMs: 200, cleanupIntervalMs: 50 });
    const idle = await connect(server); clients.push(idle);
    const busy = await connect(server); clients.push(busy);
    await busy.subscribe(['status']);
    expect(await idle.closed).toEqual({ code: 4000, reason: 'idle' });
    expect(server.stats().idleCloses).toBe(1);
    expect(busy.ws.readyState).toBe(busy.ws.OPEN);
  });
});
