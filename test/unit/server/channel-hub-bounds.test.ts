/** Bounded channel state in the hub: allow-list, cap, freeing, and a new epoch for a re-created channel. */
import { describe, expect, it } from 'vitest';
import { ChannelHub, type Subscriber } from '../../../src/server/channel-hub.js';
import type { ServerMessage } from '../../../src/server/protocol.js';

class Recorder implements Subscriber {
  seqs: number[] = [];
  controls: ServerMessage[] = [];
  deliver(_c: string, seq: number): void { this.seqs.push(seq); }
  sendControl(message: ServerMessage): void { this.controls.push(message); }
}

const T = 'trades.binance.BTCUSDT';

describe('ChannelHub bounds', () => {
  it('refuses to create channels the allow-list does not serve, but any published channel is subscribable', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 4, allowChannel: (c) => (c.kind !== 'status' && c.venue === 'binance' ? null : 'not configured') });
    expect(hub.refusal(T)).toBeNull();
    expect(hub.refusal('trades.evil.X')).toEqual({ code: 'channel_not_served', message: 'channel "trades.evil.X" is not served: not configured' });
    hub.publish('status', { up: 1 });
    expect(hub.refusal('status')).toBeNull();
    expect(hub.counters.refusedNotServed).toBe(1);
    expect(hub.size).toBe(1);
  });

  it('caps channels a subscriber may create; existing ones stay open', () => {
    const hub = new ChannelHub({ ringCapacityMessages: 4, maxChannels: 2 });
    const r = new Recorder();
    hub.subscribe('trades.a.A', r); hub.subscribe('trades.a.B', r);
    expect(hub.refusal('trades.a.C')?.code).toBe('channel_limit');
    expect(hub.refusal('trades.a.A')).toBeNull();
    expect(hub.counters.refusedLimit).toBe(1);
  });

  it('frees a never-published channel at its last unsubscribe, and a published one only once idle', () => {
    let now = 0;
    const hub = new ChannelHub({ ringCapacityMessages: 4, channelIdleMs: 1_000, now: () => now, initialEpoch: 5 });
    const a = new Recorder(); const b = new Recorder();
    hub.subscribe('trades.x.Y', a); hub.subscribe('trades.x.Y', b);
    hub.unsubscribe('trades.x.Y', a);
    expect(hub.size).toBe(1);
    hub.unsubscribe('trades.x.Y', b);
    expect(hub.size).toBe(0);

    hub.subscribe(T, a);
    hub.publish(T, 1);
    hub.unsubscribe(T, a);
    now = 999;
    expect(hub.sweep()).toBe(0);
    hub.subscribe('trades.x.Z', b); // held: never freed while subscribed
    hub.publish('trades.x.Z', 1);
    now = 5_000;
    expect(hub.sweep()).toBe(1);
    expect(hub.channelInfo().map((c) => c.channel)).toEqual(['trades.x.Z']);
    expect(hub.counters).toMatchObject({ channelsCreated: 3, channelsFreed: 2 });
    // position() does not create state; new channels start above every freed epoch (5, then 6).
    expect(hub.position('trades.never.SEEN')).toEqual({ epoch: 7, seq: 0 });
    expect(hub.size).toBe(1);
  });

  it('a channel created again after being freed is in a new epoch: an old position is told to resync, never continued', () => {
    let now = 0;
    const hub = new ChannelHub({ ringCapacityMessages: 8, channelIdleMs: 1_000, now: () => now, initialEpoch: 5 });
    for (let i = 1; i <= 3; i++) hub.publish(T, i);
    now = 2_000;
    expect(hub.sweep()).toBe(1);
    for (let i = 1; i <= 5; i++) hub.publish(T, i);
    expect(hub.position(T)).toEqual({ epoch: 6, seq: 5 });
    const r = new Recorder();
    hub.subscribe(T, r, { epoch: 5, seq: 2 });
    expect(r.controls[0]).toEqual({ type: 'resync_required', channel: T, reason: 'epoch_changed', epoch: 6, seq: 5 });
    expect(r.seqs).toEqual([]);
  });
});
