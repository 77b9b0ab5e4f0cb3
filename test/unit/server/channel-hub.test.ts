import { describe, expect, it } from 'vitest';
import { ChannelHub, type Subscriber } from '../../../src/server/channel-hub.js';
import type { DataMessage, ServerMessage } from '../../../src/server/protocol.js';

class Recorder implements Subscriber {
  frames: { channel: string; seq: number; frame: Buffer; conflatable: boolean }[] = [];
  controls: ServerMessage[] = [];
  deliver(channel: string, seq: number, frame: Buffer, conflatable: boolean): void { this.frames.push({ channel, seq, frame, conflatable }); }
  sendControl(message: ServerMessage): void { this.controls.push(message); }
  seqs(): number[] { return this.frames.map((f) => f.seq); }
}

const T = 'trades.binance.BTCUSDT';

describe('ChannelHub', () => {
  it('serializes each message once and hands the same Buffer to every subscriber', () => {
    let calls = 0;
    const hub = new ChannelHub({ ringCapacityMessages: 8, initialEpoch: 7, serializer: (m) => { calls++; return JSON.stringify(m); } });
    const subs = Array.from({ length: 50 }, () => new Recorder());
    for (const s of subs) hub.subscribe(T, s);
    for (let i = 0; i < 10; i++) hub.publish(T, { i });
    expect(calls).toBe(10);
    for (let i = 0; i < 10; i++) {
      const first = subs[0]!.frames[i]!.frame;
      for (const s of subs) expect(s.frames[i]!.frame).toBe(first);
    }
    const msg = JSON.parse(subs[0]!.frames[3]!.frame.toString()) as DataMessage;
    expect(msg).toEqual({ type: 'data', channel: T, seq: 4, epoch: 7, data: { i: 3 } });
  });

  it('assigns contiguous seqs per channel, independent across channels', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 8, initialEpoch: 1 });
    expect([hub.publish(T, 1), hub.publish('status', 1), hub.publish(T, 2), hub.publish(T, 3)]).toEqual([1, 1, 2, 3]);
    expect(hub.position(T)).toEqual({ epoch: 1, seq: 3 });
  });

  it('resume within the ring replays exactly the missed messages after a subscribed at the client seq', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 8, initialEpoch: 1 });
    for (let i = 1; i <= 6; i++) hub.publish(T, i);
    const r = new Recorder();
    hub.subscribe(T, r, { epoch: 1, seq: 3 });
    expect(r.controls).toEqual([{ type: 'subscribed', channel: T, epoch: 1, seq: 3 }]);
    expect(r.seqs()).toEqual([4, 5, 6]);
    hub.publish(T, 7);
    expect(r.seqs()).toEqual([4, 5, 6, 7]);
  });

  it('resume older than the ring gets resync_required(too_far_behind), never a silent gap', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 4, initialEpoch: 1 });
    for (let i = 1; i <= 10; i++) hub.publish(T, i);
    const r = new Recorder();
    hub.subscribe(T, r, { epoch: 1, seq: 5 });
    expect(r.controls[0]).toEqual({ type: 'resync_required', channel: T, reason: 'too_far_behind', epoch: 1, seq: 10 });
    expect(r.controls[1]).toEqual({ type: 'subscribed', channel: T, epoch: 1, seq: 10 });
    expect(r.frames).toEqual([]);
  });

  it('resume from another epoch, or ahead of the channel, gets resync_required(epoch_changed)', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 4, initialEpoch: 2 });
    hub.publish(T, 1);
    const a = new Recorder();
    hub.subscribe(T, a, { epoch: 1, seq: 1 });
    expect(a.controls[0]).toMatchObject({ type: 'resync_required', reason: 'epoch_changed', epoch: 2, seq: 1 });
    const b = new Recorder();
    hub.subscribe(T, b, { epoch: 2, seq: 99 });
    expect(b.controls[0]).toMatchObject({ type: 'resync_required', reason: 'epoch_changed' });
  });

  it('setEpoch tells live subscribers to resync and restarts seq at 1 with an empty ring', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 4, initialEpoch: 1 });
    const r = new Recorder();
    hub.subscribe(T, r);
    hub.publish(T, 'a');
    const e = hub.setEpoch(T);
    expect(e).toBeGreaterThan(1);
    expect(r.controls.at(-1)).toEqual({ type: 'resync_required', channel: T, reason: 'epoch_changed', epoch: e, seq: 0 });
    expect(hub.publish(T, 'b')).toBe(1);
    const late = new Recorder();
    hub.subscribe(T, late, { epoch: 1, seq: 1 });
    expect(late.controls[0]).toMatchObject({ type: 'resync_required', reason: 'epoch_changed', epoch: e });
  });

  it('a fresh subscribe to a conflatable channel gets the latest state at once; trades start live', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 4, initialEpoch: 1 });
    hub.publish('status', { up: 1 });
    hub.publish('status', { up: 2 });
    hub.publish(T, 'x');
    const r = new Recorder();
    hub.subscribe('status', r);
    hub.subscribe(T, r);
    expect(r.controls).toEqual([
      { type: 'subscribed', channel: 'status', epoch: 1, seq: 1 },
      { type: 'subscribed', channel: T, epoch: 1, seq: 1 },
    ]);
    expect(r.frames.map((f) => [f.channel, f.seq, f.conflatable])).toEqual([['status', 2, true]]);
  });

  it('stops delivering after unsubscribe and counts subscriptions per channel', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 4 });
    const a = new Recorder(); const b = new Recorder();
    hub.subscribe(T, a); hub.subscribe(T, b); hub.subscribe('status', a);
    expect(hub.subscriptionsByChannel()).toEqual({ [T]: 2, status: 1 });
    hub.unsubscribe(T, a);
    hub.publish(T, 1);
    expect(a.frames).toEqual([]);
    expect(b.seqs()).toEqual([1]);
  });

  it('a subscriber that throws does not cost the others their message', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 4 });
    const a = new Recorder(); const c = new Recorder();
    const broken: Subscriber = { deliver: () => { throw new Error('boom'); }, sendControl: () => undefined };
    hub.subscribe(T, a); hub.subscribe(T, broken); hub.subscribe(T, c);
    hub.publish(T, 1);
    expect(a.seqs()).toEqual([1]);
    expect(c.seqs()).toEqual([1]);
    expect(hub.deliveryFailures).toBe(1);
  });

  it('a serializer failure leaves seq and ring untouched', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 4, initialEpoch: 1 });
    // A watched channel serializes at publish (an unwatched one lazily: channel-hub-lazy.test.ts).
    hub.subscribe(T, new Recorder());
    hub.publish(T, 1);
    expect(() => hub.publish(T, { big: 1n })).toThrow(TypeError);
    expect(hub.position(T)).toEqual({ epoch: 1, seq: 1 });
    expect(hub.publish(T, 2)).toBe(2);
  });
});
