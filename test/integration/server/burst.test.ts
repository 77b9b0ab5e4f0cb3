/**
 * A 100k-trade burst (a large backfill arriving page by page) through the real server to real
 * loopback clients: a client that reads gets every trade in id order; a client that stops
 * reading gets the trades it could hold plus `gap` notices naming exactly the seqs it lost, and
 * nothing else is missing. Ground truth: trade id i is published as the i-th message (seq i).
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DownstreamServer } from '../../../src/server/server.js';
import { closeAll, connect, startServer, type Msg, type RawClient } from './helpers.js';

const T = 'trades.binance.BTCUSDT';
const BURST = 100_000;
/** Trades per synchronous publish turn, like one REST backfill page handed on in one go. */
const PAGE = 1_000;

let server: DownstreamServer | undefined;
let clients: RawClient[] = [];

afterEach(closeAll);

const rawSocket = (c: RawClient): Socket => (c.ws as unknown as { _socket: Socket })._socket;

/** A trade shaped like the model's (same fields and sizes as the gateway publishes). */
function trade(id: number): Record<string, unknown> {
  return {
    type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1_764_000_000_000 + id, receiveTime: 1_764_000_000_005 + id,
    tradeId: String(id), seq: id, price: (61_000 + (id % 997) / 100).toFixed(2), size: '0.00150000', side: id % 2 ? 'buy' : 'sell', source: 'backfill',
  };
}

/**
 * Publishes trade ids 1..n, PAGE per turn, yielding between pages as a paged backfill does. With
 * `pace`, a page waits (for the reader's messages, not a timer) while that client is more than
 * `maxLag` trades behind: the publisher never outruns the reader's queue budget, however loaded
 * the machine is, so what the reader gets does not depend on the scheduler.
 */
async function burst(s: DownstreamServer, n: number, pace?: { client: RawClient; maxLag: number }): Promise<void> {
  for (let id = 1; id <= n;) {
    const end = Math.min(n, id + PAGE - 1);
    for (; id <= end; id++) s.publish(T, trade(id));
    if (pace && id - 1 - (pace.client.messages.length - 1) > pace.maxLag) {
      const published = id - 1;
      // `subscribed` is the first message; then data only (a gap here would fail the test below).
      await pace.client.waitFor((ms) => ms.length - 1 >= published - pace.maxLag / 2, 30_000, 'the reader within its budget');
    } else await new Promise((r) => setImmediate(r));
  }
}

const idOf = (m: Msg): number => Number((m.data as { tradeId: string }).tradeId);

describe('a 100k-trade burst to downstream clients', () => {
  it('a client that reads receives every trade, in id order, with contiguous seqs and no gap', async () => {
    // The guarantee is "complete while the client's queue budget covers its lag": on a loaded
    // 2-core machine the reader (same process) can lag by most of the burst, so the budget holds it.
    server = await startServer({ maxQueueMessages: 2 * BURST, maxQueueBytes: 128 * 1024 * 1024 });
    const reader = await connect(server); clients.push(reader);
    await reader.subscribe([T]);
    await burst(server, BURST);
    await reader.waitFor((ms) => ms.length >= BURST + 1, 55_000, 'every trade');
    const data = reader.data(T);
    expect(data.map(idOf)).toEqual(Array.from({ length: BURST }, (_, i) => i + 1));
    expect(data.map((m) => m.seq)).toEqual(Array.from({ length: BURST }, (_, i) => i + 1));
    expect(reader.messages.filter((m) => m.type === 'gap')).toEqual([]);
    expect(server.stats().drops).toBe(0);
  }, 60_000);

  it('a client that stops reading gets what it could hold plus gaps with exact seq ranges; a reading client beside it gets everything', async () => {
    // Explicit budget: 20k queued messages per client (the byte bound, 16 MiB, does not bind for
    // ~250 B trades). The reader is kept within 10k of the publisher (paced by its own messages),
    // so it never needs more than its budget; the stalled client holds the budget plus what the
    // socket buffers take, far less than the 100k burst, so it must drop and announce the rest.
    const budget = 20_000;
    server = await startServer({ slowConsumerCloseMs: 60_000, backlogTickMs: 20, maxQueueMessages: budget, maxQueueBytes: 16 * 1024 * 1024 });
    const reader = await connect(server); clients.push(reader);
    const stalled = await connect(server); clients.push(stalled);
    await reader.subscribe([T]);
    await stalled.subscribe([T]);
    rawSocket(stalled).pause();
    await burst(server, BURST, { client: reader, maxLag: budget / 2 });
    await reader.waitFor((ms) => ms.length >= BURST + 1, 30_000, 'every trade for the reader');
    expect(server.stats().drops).toBeGreaterThan(0);

    rawSocket(stalled).resume();
    // Done when the last seq arrived as data or as the end of a gap.
    await stalled.waitFor((ms) => ms.some((m) => (m.type === 'data' && m.seq === BURST) || (m.type === 'gap' && (m as { to: number }).to === BURST)), 20_000, 'the stalled client caught up');

    // Walk the stalled client's stream: each seq is delivered (with its own trade) or inside exactly one gap.
    let expected = 1; let delivered = 0; let gapped = 0; const gaps: [number, number][] = [];
    for (const m of stalled.messages) {
      if (m.type === 'data') {
        expect(m.seq).toBe(expected);
        expect(idOf(m)).toBe(expected);
        expected++; delivered++;
      } else if (m.type === 'gap') {
        const g = m as unknown as { from: number; to: number; reason: string };
        expect(g.reason).toBe('slow_consumer');
        expect(g.from).toBe(expected);
        expect(g.to).toBeGreaterThanOrEqual(g.from);
        gaps.push([g.from, g.to]);
        gapped += g.to - g.from + 1; expected = g.to + 1;
      }
    }
    expect(expected - 1).toBe(BURST);
    expect(delivered + gapped).toBe(BURST);
    expect(gaps.length).toBeGreaterThan(0);
    expect(delivered).toBeGreaterThan(0);
    // The server's own count of drops is what the notices announced.
    expect(server.stats().drops).toBe(gapped);

    expect(reader.data(T).map(idOf)).toEqual(Array.from({ length: BURST }, (_, i) => i + 1));
    expect(reader.messages.filter((m) => m.type === 'gap')).toEqual([]);
  }, 60_000);
});
