import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DownstreamServer } from '../../../src/server/server.js';
import { closeAll, connect, startServer, type Msg, type RawClient } from './helpers.js';

const T = 'trades.binance.BTCUSDT';
const B = 'book.binance.BTCUSDT';
const PAD = 'x'.repeat(1024);

let server: DownstreamServer | undefined;
let clients: RawClient[] = [];

afterEach(closeAll);

const rawSocket = (c: RawClient): Socket => (c.ws as unknown as { _socket: Socket })._socket;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Publishes trades and book updates in batches until cond() holds (yielding so sockets flow). */
async function publishUntil(cond: () => boolean, counters: { t: number; b: number }, maxMessages = 80_000): Promise<void> {
  while (!cond()) {
    if (counters.t > maxMessages) throw new Error(`condition not reached after ${counters.t} messages: ${JSON.stringify(server!.stats())}`);
    for (let i = 0; i < 100; i++) {
      server!.publish(T, { i: ++counters.t, pad: PAD });
      if (i % 10 === 0) server!.publish(B, { b: ++counters.b });
    }
    await tick();
  }
}

/** Every trade seq 1..n is either delivered or inside exactly one announced gap, in order. */
function accountedFor(msgs: Msg[], n: number): { delivered: number; gapped: number } {
  let expected = 1; let delivered = 0; let gapped = 0;
  for (const m of msgs) {
    if (m.channel !== T) continue;
    if (m.type === 'data') { expect(m.seq).toBe(expected); expected++; delivered++; }
    if (m.type === 'gap') { const g = m as { from: number; to: number }; expect(g.from).toBe(expected); gapped += g.to - g.from + 1; expected = g.to + 1; }
  }
  expect(expected - 1).toBe(n);
  return { delivered, gapped };
}

describe('slow consumers', () => {
  it('a client that stops reading gets conflated frames and announced gaps, never silent loss, while a fast client gets everything', async () => {
    server = await startServer({ maxSocketBufferedBytes: 64 * 1024, maxQueueMessages: 200, maxQueueBytes: 1024 * 1024, slowConsumerCloseMs: 120_000, backlogTickMs: 20 });
    const fast = await connect(server); clients.push(fast);
    const slow = await connect(server); clients.push(slow);
    await fast.subscribe([T, B]);
    await slow.subscribe([T, B]);
    const counters = { t: 0, b: 0 };

    // Stop reading until the server has to conflate and drop for the slow client.
    rawSocket(slow).pause();
    await publishUntil(() => { const s = server!.stats(); return s.drops > 0 && s.conflations > 0; }, counters);
    const n1 = counters.t;
    await fast.waitFor((ms) => ms.filter((m) => m.type === 'data' && m.channel === T).length >= n1, 20_000, 'fast client has every trade');
    expect(server.clients().find((c) => c.drops > 0)!.backlogged).toBe(true);
    const fastInfo = server.clients().find((c) => c.drops === 0)!;
    expect(fastInfo.conflations).toBe(0);
    expect(accountedFor(fast.messages, n1)).toEqual({ delivered: n1, gapped: 0 });

    // The slow client reads again: what it got is in order, every missing trade is in a gap notice.
    rawSocket(slow).resume();
    server.publish(T, { i: ++counters.t, pad: PAD });
    server.publish(B, { b: ++counters.b });
    // The last trade may itself have been dropped: then the final gap notice covers it.
    const covers = (m: Msg): boolean => m.channel === T && ((m.type === 'data' && m.seq === counters.t) || (m.type === 'gap' && (m as { to: number }).to === counters.t));
    await slow.waitFor((ms) => ms.some(covers) && ms.some((m) => m.type === 'data' && m.channel === B && m.seq === counters.b), 20_000, 'slow client caught up');
    const acc = accountedFor(slow.messages, counters.t);
    expect(acc.gapped).toBeGreaterThan(0);
    expect(acc.gapped).toBe(server.stats().drops);
    expect(server.stats().gapNotices).toBe(slow.messages.filter((m) => m.type === 'gap').length);
    const bookSeqs = slow.data(B).map((m) => m.seq!);
    expect(bookSeqs.at(-1)).toBe(counters.b);
    expect(bookSeqs.every((s, i) => i === 0 || s > bookSeqs[i - 1]!)).toBe(true);
    expect(bookSeqs.length).toBeLessThan(counters.b);
    expect(server.stats().backloggedClients).toBe(0);
  });

  it('a client that stays backlogged past slowConsumerCloseMs is closed with 4008 and counted; the fast client never notices', async () => {
    server = await startServer({
      maxSocketBufferedBytes: 64 * 1024, maxQueueMessages: 200, maxQueueBytes: 1024 * 1024, slowConsumerCloseMs: 500, closeGraceMs: 10_000, backlogTickMs: 20,
    });
    const fast = await connect(server); clients.push(fast);
    const slow = await connect(server); clients.push(slow);
    await fast.subscribe([T]);
    await slow.subscribe([T]);
    const counters = { t: 0, b: 0 };
    rawSocket(slow).pause();
    await publishUntil(() => server!.stats().slowConsumerCloses > 0, counters, 400_000);
    expect(server.stats().slowConsumerCloses).toBe(1);
    rawSocket(slow).resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'slow consumer' });
    await fast.waitFor((ms) => ms.filter((m) => m.type === 'data').length >= counters.t, 20_000, 'fast client complete');
    expect(fast.messages.some((m) => m.type === 'gap')).toBe(false);
    expect(server.stats().clients).toBe(1);
  });
});
