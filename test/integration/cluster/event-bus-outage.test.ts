import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventConsumer } from '../../../src/cluster/consumer.js';
import { ensureEventStream } from '../../../src/cluster/event-stream.js';
import { EventPublisher } from '../../../src/cluster/publisher.js';
import type { MarketEvent } from '../../../src/model/events.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { makeEvents } from './events-fixture.js';
import { dropNamespace, natsConnect, uniqueNamespace, until } from './helpers.js';

let ns: string;
let proxy: TcpProxy;
const conns: NatsConnection[] = [];
let jsm: JetStreamManager;

beforeEach(async () => {
  ns = uniqueNamespace('cut');
  proxy = new TcpProxy(4222);
  await proxy.start();
  const nc = await natsConnect();
  conns.push(nc);
  jsm = await ensureEventStream(nc, { namespace: ns, duplicateWindowMs: 60_000, maxAgeMs: 0, maxBytes: 256 * 1024 * 1024 });
});
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close().catch(() => undefined);
  await proxy.stop();
  await dropNamespace(ns);
});

/** A client that reaches NATS only through the proxy (never learns other addresses). */
async function viaProxy(): Promise<NatsConnection> {
  const nc = await connect({
    servers: `nats://127.0.0.1:${proxy.port}`, maxReconnectAttempts: -1, reconnectTimeWait: 100, ignoreClusterUpdates: true,
    pingInterval: 500, maxPingOut: 2,
  });
  conns.push(nc);
  return nc;
}

async function drain(c: EventConsumer, n: number, onEach?: (i: number) => Promise<void> | void): Promise<MarketEvent[]> {
  const got: MarketEvent[] = [];
  for await (const m of c) {
    got.push(m.event);
    m.ack();
    await onEach?.(got.length);
    if (got.length === n) break;
  }
  return got;
}

describe('event bus across a NATS outage (TCP proxy cut mid-run)', () => {
  it.each(['refuse', 'blackhole'] as const)('publisher cut (%s) for 2 s after 4,000 of 12,000 events: the stream has all 12,000 once, in order', async (mode) => {
    const events = makeEvents(12_000);
    const pub = new EventPublisher(await viaProxy(), { namespace: ns, maxInFlight: 128, publishTimeoutMs: 1_000, retryDelayMs: 100 });
    let restored: Promise<void> | null = null;
    for (let i = 0; i < events.length; i++) {
      if (i === 4_000) {
        await proxy.set(mode);
        restored = new Promise<void>((r) => setTimeout(() => { void proxy.forward().then(r); }, 2_000));
      }
      await pub.publish(events[i]!);
    }
    await restored;
    await pub.flush();
    const s = pub.stats();
    console.log(JSON.stringify({ test: `publisher cut ${mode}`, ...s }));
    expect(s.retries).toBeGreaterThan(0);
    expect(s.outOfOrder).toBe(0);
    expect(s.published + s.duplicates).toBeGreaterThanOrEqual(12_000);
    // An event stored whose ack was cut off comes back as a duplicate on re-send: stored once either way.
    expect(s.published).toBeLessThanOrEqual(12_000);
    expect((await jsm.streams.info(`${ns}-events`)).state.messages).toBe(12_000);
    const direct = await natsConnect();
    conns.push(direct);
    const c = await EventConsumer.open(direct, jsm, { namespace: ns, durable: 'check', maxAckPending: 1_000, ackWaitMs: 30_000 });
    const got = await drain(c, 12_000);
    await c.close();
    expect(got).toEqual(events);
  }, 60_000);

  it('consumer cut for 2 s after 3,000 of 10,000 events: it yields all 10,000 once, in stream order', async () => {
    const events = makeEvents(10_000);
    const direct = await natsConnect();
    conns.push(direct);
    const pub = new EventPublisher(direct, { namespace: ns, maxInFlight: 256, publishTimeoutMs: 5_000 });
    for (const e of events) await pub.publish(e);
    await pub.flush();
    const c = await EventConsumer.open(await viaProxy(), jsm, { namespace: ns, durable: 'proc', maxAckPending: 200, ackWaitMs: 30_000 });
    let restored: Promise<void> | null = null;
    const got = await drain(c, 10_000, async (n) => {
      if (n === 3_000) {
        await proxy.refuse();
        restored = new Promise<void>((r) => setTimeout(() => { void proxy.forward().then(r); }, 2_000));
      }
    });
    await restored;
    await c.close();
    expect(got.length).toBe(10_000);
    expect(got).toEqual(events);
    const info = await jsm.consumers.info(`${ns}-events`, 'proc');
    await until(async () => (await jsm.consumers.info(`${ns}-events`, 'proc')).num_ack_pending === 0, 'acks settled', 10_000);
    expect(info.delivered.stream_seq).toBe(10_000);
  }, 60_000);
});
