import { afterEach, describe, expect, it } from 'vitest';
import type { DownstreamServer } from '../../../src/server/server.js';
import { closeAll, connect, contiguous, startServer, type RawClient } from './helpers.js';

const T = 'trades.binance.BTCUSDT';
let server: DownstreamServer | undefined;
let clients: RawClient[] = [];

afterEach(closeAll);

describe('fan-out', () => {
  it('delivers every message to 50 clients in order with contiguous seqs, serializing each message once', async () => {
    let serializations = 0;
    server = await startServer({ serializer: (m) => { serializations++; return JSON.stringify(m); } });
    clients = await Promise.all(Array.from({ length: 50 }, () => connect(server!)));
    await Promise.all(clients.map((c) => c.subscribe([T, 'status'])));
    const N = 300;
    for (let i = 0; i < N; i++) {
      server.publish(T, { i, price: `${100 + i}.5` });
      if (i % 50 === 0) server.publish('status', { tick: i });
    }
    await Promise.all(clients.map((c) => c.waitFor((ms) => ms.filter((m) => m.type === 'data' && m.channel === T).length >= N, 15_000, 'all trades')));
    for (const c of clients) {
      const d = c.data(T);
      expect(d).toHaveLength(N);
      expect(contiguous(d.map((m) => m.seq!), 1)).toBe(true);
      expect(d.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(c.binaryFrames).toBe(0);
    }
    expect(serializations).toBe(N + 6);
    const st = server.stats();
    expect(st.clients).toBe(50);
    expect(st.subscriptionsByChannel).toEqual({ [T]: 50, status: 50 });
    expect(st.messagesPublished).toBe(N + 6);
    expect(st.drops).toBe(0);
  });

  it('answers ping, refuses invalid channels and too many channels without closing', async () => {
    server = await startServer({ maxChannelsPerClient: 2 });
    const c = await connect(server); clients.push(c);
    c.send({ op: 'ping' });
    c.send({ op: 'subscribe', channels: ['trades.binance', 'status', 'book.binance.BTCUSDT', 'trades.binance.ETHUSDT'] });
    c.send({ op: 'bogus' });
    await c.waitFor((ms) => ms.filter((m) => m.type === 'error').length >= 3 && ms.some((m) => m.type === 'pong'));
    const errors = c.messages.filter((m) => m.type === 'error').map((m) => (m as { code: string }).code);
    expect(errors).toEqual(['invalid_channel', 'too_many_channels', 'unknown_op']);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.send({ op: 'unsubscribe', channels: ['status'] });
    await c.waitFor((ms) => ms.some((m) => m.type === 'unsubscribed'));
    server.publish('status', { x: 1 });
    server.publish('book.binance.BTCUSDT', { bid: '1' });
    await c.waitFor((ms) => ms.some((m) => m.type === 'data' && m.channel === 'book.binance.BTCUSDT'));
    expect(c.data('status')).toEqual([]);
  });

  it('closes a client that floods requests above twice the rate limit with 1008', async () => {
    server = await startServer({ maxIncomingMessagesPerSec: 5 });
    const c = await connect(server); clients.push(c);
    for (let i = 0; i < 20; i++) c.send({ op: 'ping' });
    const closed = await c.closed;
    expect(closed.code).toBe(1008);
    expect(c.messages.filter((m) => m.type === 'pong')).toHaveLength(5);
    expect(c.messages.some((m) => m.type === 'error' && (m as { code: string }).code === 'rate_limited')).toBe(true);
    expect(server.stats().rateLimitCloses).toBe(1);
  });
});
