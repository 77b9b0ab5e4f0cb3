import { describe, expect, it } from 'vitest';
import { ClientSession, type SessionTransport } from '../../../src/server/client-session.js';
import { CLOSE_SLOW_CONSUMER } from '../../../src/server/protocol.js';

/** A socket whose kernel side we control: `buffered` grows on send and shrinks when we say so. */
class FakeTransport implements SessionTransport {
  buffered = 0;
  sent: string[] = [];
  closed: { code: number; reason: string } | null = null;
  send(frame: Buffer | string): void { const t = frame.toString(); this.sent.push(t); this.buffered += Buffer.byteLength(t); }
  bufferedAmount(): number { return this.buffered; }
  close(code: number, reason: string): void { this.closed = { code, reason }; }
  terminate(): void { /* not used */ }
  /** Kernel takes everything: buffer empties. */
  flush(): void { this.buffered = 0; }
  parsed(): { type?: string; channel?: string; seq?: number; from?: number; to?: number }[] { return this.sent.map((s) => JSON.parse(s)); }
}

const frame = (channel: string, seq: number, pad = 0): Buffer => Buffer.from(JSON.stringify({ type: 'data', channel, seq, epoch: 1, data: 'x'.repeat(pad) }));
const T = 'trades.binance.BTCUSDT';
const B = 'book.binance.BTCUSDT';

function setup(limits: Partial<{ maxSocketBufferedBytes: number; maxQueueMessages: number; maxQueueBytes: number; slowConsumerCloseMs: number }> = {}) {
  const t = new FakeTransport();
  let now = 1000;
  let slowCloses = 0;
  const s = new ClientSession(1, '127.0.0.1', t, {
    maxSocketBufferedBytes: 200, maxQueueMessages: 3, maxQueueBytes: 10_000, slowConsumerCloseMs: 5_000, ...limits,
  }, () => now, () => { slowCloses++; });
  return { t, s, advance: (ms: number) => { now += ms; }, slowCloses: () => slowCloses };
}

describe('ClientSession send path', () => {
  it('writes straight through while the socket buffer has room', () => {
    const { t, s } = setup({ maxSocketBufferedBytes: 10_000 });
    for (let i = 1; i <= 5; i++) s.deliver(T, i, frame(T, i), false);
    expect(t.parsed().map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(s.backlogged).toBe(false);
    expect(s.counters.messagesSent).toBe(5);
  });

  it('when the socket buffer is full, queues in order and drains in order once the kernel takes data', () => {
    const { t, s } = setup({ maxSocketBufferedBytes: 150, maxQueueMessages: 100 });
    for (let i = 1; i <= 10; i++) s.deliver(T, i, frame(T, i), false);
    const direct = t.sent.length;
    expect(direct).toBeLessThan(10);
    expect(s.backlogged).toBe(true);
    while (!s.drain()) t.flush();
    expect(t.parsed().map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.backlogged).toBe(false);
    expect(s.counters.drops).toBe(0);
  });

  it('conflates a conflatable channel to its latest frame while backlogged (counted), without touching others', () => {
    const { t, s } = setup({ maxSocketBufferedBytes: 100, maxQueueMessages: 100 });
    s.deliver(B, 1, frame(B, 1), true); // fills the socket buffer
    for (let i = 2; i <= 6; i++) s.deliver(B, i, frame(B, i), true);
    s.deliver(T, 1, frame(T, 1), false);
    expect(s.counters.conflations).toBe(4);
    t.flush();
    while (!s.drain()) t.flush();
    expect(t.parsed().map((m) => [m.channel, m.seq])).toEqual([[B, 1], [T, 1], [B, 6]]);
  });

  it('drops non-conflatable frames when the queue is full and announces each run of drops as one gap, in order', () => {
    const { t, s } = setup({ maxSocketBufferedBytes: 100, maxQueueMessages: 2 });
    for (let i = 1; i <= 8; i++) s.deliver(T, i, frame(T, i), false);
    // 1 went to the socket, 2..3 queued, 4..8 dropped.
    expect(s.counters.drops).toBe(5);
    t.flush();
    while (!s.drain()) t.flush();
    t.flush();
    s.deliver(T, 9, frame(T, 9), false);
    const seen = t.parsed().map((m) => (m.type === 'gap' ? `gap ${m.from}-${m.to}` : `${m.seq}`));
    expect(seen).toEqual(['1', '2', '3', 'gap 4-8', '9']);
    expect(s.counters.gapNotices).toBe(1);
  });

  it('puts the gap notice before the next frame of that channel when drops end while still backlogged', () => {
    const { t, s } = setup({ maxSocketBufferedBytes: 100, maxQueueMessages: 2 });
    for (let i = 1; i <= 5; i++) s.deliver(T, i, frame(T, i), false); // 1 sent, 2,3 queued, 4,5 dropped
    t.flush();
    s.drain(); // the socket takes more, queue gets room
    s.deliver(T, 6, frame(T, 6), false);
    t.flush();
    while (!s.drain()) t.flush();
    const seen = t.parsed().map((m) => (m.type === 'gap' ? `gap ${m.from}-${m.to}` : `${m.seq}`));
    expect(seen.indexOf('gap 4-5')).toBeGreaterThan(seen.indexOf('3'));
    expect(seen.indexOf('gap 4-5')).toBeLessThan(seen.indexOf('6'));
    expect(seen.filter((x) => x.startsWith('gap'))).toEqual(['gap 4-5']);
  });

  it('closes a client that stays backlogged past slowConsumerCloseMs with 4008, once, and stops sending', () => {
    const { t, s, advance, slowCloses } = setup({ maxSocketBufferedBytes: 100, slowConsumerCloseMs: 5_000 });
    s.deliver(T, 1, frame(T, 1), false);
    s.deliver(T, 2, frame(T, 2), false);
    advance(4_999);
    s.deliver(T, 3, frame(T, 3), false);
    expect(t.closed).toBeNull();
    advance(1);
    s.drain();
    expect(t.closed).toEqual({ code: CLOSE_SLOW_CONSUMER, reason: 'slow consumer' });
    expect(slowCloses()).toBe(1);
    const before = t.sent.length;
    s.deliver(T, 4, frame(T, 4), false);
    s.checkSlow();
    expect(t.sent.length).toBe(before);
    expect(slowCloses()).toBe(1);
  });

  it('a client that catches up fully is not closed later for an old backlog', () => {
    const { t, s, advance } = setup({ maxSocketBufferedBytes: 100, slowConsumerCloseMs: 5_000 });
    s.deliver(T, 1, frame(T, 1), false);
    s.deliver(T, 2, frame(T, 2), false);
    advance(4_000);
    t.flush();
    while (!s.drain()) t.flush();
    t.flush();
    advance(4_000);
    s.deliver(T, 3, frame(T, 3), false);
    s.checkSlow();
    expect(t.closed).toBeNull();
  });

  it('an epoch change discards the pending conflated frame and gap of that channel', () => {
    const { t, s } = setup({ maxSocketBufferedBytes: 100, maxQueueMessages: 0 });
    s.deliver(T, 1, frame(T, 1), false);
    s.deliver(B, 1, frame(B, 1), true);
    s.deliver(T, 2, frame(T, 2), false); // dropped: queue size 0
    s.onEpochChanged(B);
    s.onEpochChanged(T);
    t.flush();
    while (!s.drain()) t.flush();
    expect(t.parsed().map((m) => [m.type, m.channel, m.seq])).toEqual([['data', T, 1]]);
  });
});
