/**
 * Batched frames (`?batch=1`, src/server/frame-batch.ts) through the real server to real loopback
 * clients. Ground truth: a client that did not opt in, subscribed beside it, receives one message
 * per frame; the batching client's frames, unwrapped, must be exactly those messages in the same
 * order (data, upstream gap notices, control messages alike; the test helper opens batches). A stalled batching client still
 * gets every seq as data or inside exactly one announced gap. TickgateClient asks for batches
 * and hands every message on one by one.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TickgateClient } from '../../../src/server/client.js';
import type { DataMessage } from '../../../src/server/protocol.js';
import { closeAll, connect, startServer, type Msg, type RawClient } from './helpers.js';

const T = 'trades.binance.BTCUSDT';
const E = 'trades.binance.ETHUSDT';

afterEach(closeAll);

const rawSocket = (c: RawClient): Socket => (c.ws as unknown as { _socket: Socket })._socket;

const trade = (i: number): Record<string, unknown> => ({ type: 'trade', symbol: 'BTCUSDT', tradeId: String(i), price: (61_000 + i / 100).toFixed(2) });

describe('batched frames (?batch=1)', () => {
  it('carry exactly the messages a single-frame client gets, in the same order, in fewer frames', async () => {
    const server = await startServer({ maxQueueMessages: 100_000, maxQueueBytes: 64 * 1024 * 1024 });
    const single = await connect(server);
    const batched = await connect(server, { query: 'batch=1' });
    for (const c of [single, batched]) await c.subscribe([T, E]);
    // Several turns of 2,000 messages on two channels, with an in-stream upstream gap notice.
    let n = 0;
    for (let turn = 0; turn < 5; turn++) {
      for (let i = 0; i < 1_000; i++) { n++; server.publish(T, trade(n)); server.publish(E, { i: n }); }
      if (turn === 2) server.publishUpstreamGap(T, { source: 'trade', fromTradeId: 10, toTradeId: 12, code: 'backfill_failed', detail: 'test' });
      await new Promise((r) => setImmediate(r));
    }
    batched.send({ op: 'ping' }); single.send({ op: 'ping' });
    const total = 2 + 2 * 5_000 + 1 + 1; // subscribed ×2, data, the notice, pong
    await single.waitFor((ms) => ms.length >= total, 30_000, 'every message (single)');
    await batched.waitFor((ms) => ms.length >= total, 30_000, 'every message (batched)');

    expect(single.messages.length).toBe(total);
    expect(single.batchFrames).toBe(0);
    expect(single.frames).toBe(total);
    expect(batched.messages).toEqual(single.messages);
    // Many messages per frame, not one.
    expect(batched.batchFrames).toBeGreaterThan(0);
    expect(batched.frames).toBeLessThan(total / 10);
    expect(server.stats().batchFrames).toBe(batched.batchFrames);
    expect(server.stats().batchedMessages).toBe(total - (batched.frames - batched.batchFrames));
    // Per channel: seq 1..N contiguous, the notice at its own seq.
    const seqs = batched.messages.filter((m) => m.channel === T && m.seq !== undefined && m.type !== 'subscribed').map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 5_001 }, (_, i) => i + 1));
  }, 60_000);

  it('a stalled batching client gets every seq as data or inside exactly one gap; the reader beside it gets everything', async () => {
    const server = await startServer({ maxQueueMessages: 2_000, slowConsumerCloseMs: 60_000, backlogTickMs: 20 });
    const reader = await connect(server, { query: 'batch=1' });
    const stalled = await connect(server, { query: 'batch=1' });
    await reader.subscribe([T]);
    await stalled.subscribe([T]);
    rawSocket(stalled).pause();
    const N = 40_000;
    for (let id = 1; id <= N;) {
      for (const end = Math.min(N, id + 499); id <= end; id++) server.publish(T, trade(id));
      // The reader is kept within its budget (its own messages pace the publisher).
      await reader.waitFor(() => reader.messages.length - 1 >= id - 1 - 1_000, 30_000, 'the reader within its budget');
    }
    await reader.waitFor(() => reader.messages.length >= N + 1, 30_000, 'every trade for the reader');
    expect(server.stats().drops).toBeGreaterThan(0);
    rawSocket(stalled).resume();
    await stalled.waitFor(() => stalled.messages.some((m) => (m.type === 'data' && m.seq === N) || (m.type === 'gap' && (m as { to: number }).to === N)), 20_000, 'the stalled client caught up');

    let expected = 1; let gapped = 0;
    for (const m of stalled.messages) {
      if (m.type === 'data') {
        expect(m.seq).toBe(expected);
        expect(Number((m.data as { tradeId: string }).tradeId)).toBe(expected);
        expected++;
      } else if (m.type === 'gap') {
        const g = m as unknown as { from: number; to: number; reason: string };
        expect(g.reason).toBe('slow_consumer');
        expect(g.from).toBe(expected);
        gapped += g.to - g.from + 1; expected = g.to + 1;
      }
    }
    expect(expected - 1).toBe(N);
    expect(gapped).toBe(server.stats().drops);
    expect(reader.messages.filter((m) => m.type === 'data').map((m) => m.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(reader.messages.filter((m) => m.type === 'gap')).toEqual([]);
  }, 60_000);

  it('TickgateClient asks for batches and emits every message once, in order', async () => {
    const server = await startServer();
    const client = new TickgateClient<{ i: number }>({ url: `ws://127.0.0.1:${server.port}/ws`, channels: [T] });
    const got: DataMessage<{ i: number }>[] = [];
    client.on('data', (m) => got.push(m));
    client.connect();
    try {
      const t0 = Date.now();
      while (server.stats().subscriptions < 1 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
      for (let i = 1; i <= 3_000; i++) server.publish(T, { i });
      const t1 = Date.now();
      while (got.length < 3_000 && Date.now() - t1 < 20_000) await new Promise((r) => setTimeout(r, 10));
      expect(got.map((m) => m.data.i)).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 1));
      expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 1));
      expect(client.position(T)?.seq).toBe(3_000);
      expect(server.clients()[0]!.messagesSent).toBe(3_001);
      expect(server.stats().batchFrames).toBeGreaterThan(0);
      expect(server.stats().batchFrames).toBeLessThan(3_000 / 10);
    } finally {
      await client.close();
    }
  }, 60_000);
});
