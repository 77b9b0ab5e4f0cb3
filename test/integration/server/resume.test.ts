import { afterEach, describe, expect, it } from 'vitest';
import type { DownstreamServer } from '../../../src/server/server.js';
import { closeAll, connect, contiguous, startServer, type RawClient } from './helpers.js';

const T = 'trades.binance.BTCUSDT';
let server: DownstreamServer | undefined;
let clients: RawClient[] = [];

afterEach(closeAll);

async function consumeThenDisconnect(n: number): Promise<{ epoch: number; seq: number }> {
  const a = await connect(server!); clients.push(a);
  await a.subscribe([T]);
  for (let i = 1; i <= n; i++) server!.publish(T, { i });
  await a.waitFor((ms) => ms.filter((m) => m.type === 'data').length >= n);
  const last = a.data(T).at(-1)! as unknown as { epoch: number; seq: number };
  a.close();
  await a.closed;
  return { epoch: last.epoch, seq: last.seq };
}

describe('resume', () => {
  it('a reconnecting client gets exactly the messages published while it was away, then live: no dup, no gap', async () => {
    server = await startServer({ ringCapacityMessages: 100 });
    const pos = await consumeThenDisconnect(10);
    expect(pos.seq).toBe(10);
    for (let i = 11; i <= 40; i++) server.publish(T, { i });
    const b = await connect(server); clients.push(b);
    await b.subscribe([T], { [T]: pos });
    server.publish(T, { i: 41 });
    await b.waitFor((ms) => ms.filter((m) => m.type === 'data').length >= 31);
    const sub = b.messages.find((m) => m.type === 'subscribed')!;
    expect(sub).toMatchObject({ channel: T, epoch: pos.epoch, seq: 10 });
    const seqs = b.data(T).map((m) => m.seq!);
    expect(seqs).toHaveLength(31);
    expect(contiguous(seqs, 11)).toBe(true);
    expect(b.data(T).map((m) => (m.data as { i: number }).i)).toEqual(seqs);
    expect(b.messages.some((m) => m.type === 'resync_required' || m.type === 'gap')).toBe(false);
  });

  it('a client further behind than the ring is told resync_required(too_far_behind), then continues live', async () => {
    server = await startServer({ ringCapacityMessages: 16 });
    const pos = await consumeThenDisconnect(5);
    for (let i = 6; i <= 100; i++) server.publish(T, { i });
    const b = await connect(server); clients.push(b);
    await b.subscribe([T], { [T]: pos });
    server.publish(T, { i: 101 });
    await b.waitFor((ms) => ms.some((m) => m.type === 'data'));
    expect(b.messages[0]).toEqual({ type: 'resync_required', channel: T, reason: 'too_far_behind', epoch: pos.epoch, seq: 100 });
    expect(b.data(T).map((m) => m.seq)).toEqual([101]);
  });

  it('after an epoch change a resuming client is told resync_required(epoch_changed); a live one is told at once', async () => {
    server = await startServer({ ringCapacityMessages: 100 });
    const pos = await consumeThenDisconnect(3);
    const live = await connect(server); clients.push(live);
    await live.subscribe([T]);
    const epoch = server.setEpoch(T);
    await live.waitFor((ms) => ms.some((m) => m.type === 'resync_required'));
    expect(live.messages.find((m) => m.type === 'resync_required')).toEqual({ type: 'resync_required', channel: T, reason: 'epoch_changed', epoch, seq: 0 });
    server.publish(T, { i: 1 });
    const b = await connect(server); clients.push(b);
    await b.subscribe([T], { [T]: pos });
    expect(b.messages[0]).toMatchObject({ type: 'resync_required', reason: 'epoch_changed', epoch, seq: 1 });
    await live.waitFor((ms) => ms.some((m) => m.type === 'data' && m.seq === 1 && (m as { epoch: number }).epoch === epoch));
  });
});
