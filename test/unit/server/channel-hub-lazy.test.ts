/**
 * Lazy serialization in the hub: a channel nobody watches serializes nothing at publish; a
 * resuming client still gets every missed message, byte-equal to what an eager hub sends, and
 * each message is serialized at most once however many clients replay it.
 */
import { describe, expect, it } from 'vitest';
import { ChannelHub, type Subscriber } from '../../../src/server/channel-hub.js';
import type { ServerMessage } from '../../../src/server/protocol.js';

class Recorder implements Subscriber {
  frames: { seq: number; text: string; notice: boolean }[] = [];
  controls: ServerMessage[] = [];
  deliver(_c: string, seq: number, frame: Buffer, _conf: boolean, notice?: boolean): void { this.frames.push({ seq, text: frame.toString(), notice: notice === true }); }
  sendControl(message: ServerMessage): void { this.controls.push(message); }
}

const T = 'trades.binance.BTCUSDT';

function countingHub(ring = 16): { hub: ChannelHub; calls: () => number } {
  let n = 0;
  const hub = new ChannelHub({ ringCapacityMessages: ring, initialEpoch: 5, serializer: (m) => { n++; return JSON.stringify(m); } });
  return { hub, calls: () => n };
}

describe('ChannelHub lazy serialization', () => {
  it('publishing to a channel without subscribers serializes nothing', () => {
    const { hub, calls } = countingHub();
    for (let i = 0; i < 100; i++) hub.publish(T, { i });
    expect(calls()).toBe(0);
    expect(hub.position(T)).toEqual({ epoch: 5, seq: 100 });
  });

  it('a resuming client gets the missed messages in order, equal to the eager frames, serialized once for all', () => {
    const { hub, calls } = countingHub();
    const early = new Recorder();
    hub.subscribe(T, early);
    for (let i = 1; i <= 3; i++) hub.publish(T, { i }); // eager: a subscriber listens
    hub.unsubscribe(T, early);
    for (let i = 4; i <= 10; i++) hub.publish(T, { i }); // lazy
    hub.publishUpstreamGap(T, { fromId: 1, toId: 2 } as never);
    hub.publish(T, { i: 12 });
    expect(calls()).toBe(3);
    const a = new Recorder();
    const b = new Recorder();
    hub.subscribe(T, a, { epoch: 5, seq: 2 });
    hub.subscribe(T, b, { epoch: 5, seq: 2 });
    expect(calls()).toBe(3 + 8); // seqs 4..10 and 12 once, shared by both replays
    const expected = [3, 4, 5, 6, 7, 8, 9, 10].map((i) => JSON.stringify({ type: 'data', channel: T, seq: i, epoch: 5, data: { i } }));
    for (const r of [a, b]) {
      expect(r.frames.map((f) => f.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(r.frames.slice(0, 8).map((f) => f.text)).toEqual(expected);
      expect(r.frames[8]!.notice).toBe(true);
      expect(JSON.parse(r.frames[8]!.text)).toMatchObject({ type: 'gap', reason: 'upstream', seq: 11, epoch: 5 });
      expect(JSON.parse(r.frames[9]!.text)).toEqual({ type: 'data', channel: T, seq: 12, epoch: 5, data: { i: 12 } });
    }
    // Live from here on: one serialization per message for every subscriber.
    hub.publish(T, { i: 13 });
    expect(calls()).toBe(12);
    expect(a.frames[10]!.text).toBe(b.frames[10]!.text);
  });

  it('a conflatable channel hands a new subscriber the latest message, serialized on demand', () => {
    const { hub, calls } = countingHub();
    for (let i = 1; i <= 5; i++) hub.publish('book.binance.BTCUSDT', { i });
    expect(calls()).toBe(0);
    const r = new Recorder();
    hub.subscribe('book.binance.BTCUSDT', r);
    expect(calls()).toBe(1);
    expect(r.frames.map((f) => [f.seq, JSON.parse(f.text).data])).toEqual([[5, { i: 5 }]]);
  });

  it('an unserializable message kept lazily makes a resuming client resync instead of breaking the replay', () => {
    const { hub } = countingHub();
    hub.publish(T, { i: 1 });
    hub.publish(T, { big: 1n });
    hub.publish(T, { i: 3 });
    const r = new Recorder();
    hub.subscribe(T, r, { epoch: 5, seq: 0 });
    expect(r.frames).toEqual([]);
    expect(r.controls[0]).toMatchObject({ type: 'resync_required', channel: T, epoch: 5, seq: 3 });
    expect(hub.deliveryFailures).toBe(1);
  });
});
