import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventConsumer, type EventConsumerOptions } from '../../../src/cluster/consumer.js';
import { ensureEventStream } from '../../../src/cluster/event-stream.js';
import { lastEventOf, lastTradeIds } from '../../../src/cluster/last-event.js';
import { EventPublisher } from '../../../src/cluster/publisher.js';
import type { MarketEvent } from '../../../src/model/events.js';
import { makeEvents, perSubject } from './events-fixture.js';
import { dropNamespace, natsConnect, uniqueNamespace } from './helpers.js';

let ns: string;
const conns: NatsConnection[] = [];
let jsm: JetStreamManager;

beforeEach(async () => {
  ns = uniqueNamespace('bus');
  const nc = await conn();
  jsm = await ensureEventStream(nc, { namespace: ns, duplicateWindowMs: 60_000, maxAgeMs: 0, maxBytes: 256 * 1024 * 1024 });
});
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close().catch(() => undefined);
  await dropNamespace(ns);
});

async function conn(): Promise<NatsConnection> {
  const c = await natsConnect();
  conns.push(c);
  return c;
}

const consumerOpts = (durable: string): EventConsumerOptions => ({ namespace: ns, durable, maxAckPending: 500, ackWaitMs: 30_000 });

async function take(c: EventConsumer, n: number, ack = true): Promise<{ event: MarketEvent; streamSeq: number }[]> {
  const got: { event: MarketEvent; streamSeq: number }[] = [];
  if (n === 0) return got;
  for await (const m of c) {
    got.push({ event: m.event, streamSeq: m.streamSeq });
    if (ack) m.ack();
    if (got.length === n) break;
  }
  return got;
}

describe('event bus: publisher -> JetStream -> durable consumer', () => {
  it('one publisher, 5,000 events: the consumer yields every event once, in publish order, equal in content', async () => {
    const events = makeEvents(5_000);
    const pub = new EventPublisher(await conn(), { namespace: ns, maxInFlight: 64, publishTimeoutMs: 5_000 });
    for (const e of events) await pub.publish(e);
    await pub.flush();
    expect(pub.stats()).toMatchObject({ published: 5_000, duplicates: 0, outOfOrder: 0, inFlight: 0 });
    expect(pub.stats().maxInFlightSeen).toBeLessThanOrEqual(64);
    const c = await EventConsumer.open(await conn(), jsm, consumerOpts('p1'));
    const got = await take(c, 5_000);
    await c.close();
    expect(got.map((g) => g.event)).toEqual(events);
    // Stream order = sequence order.
    expect(got.every((g, i) => i === 0 || g.streamSeq > got[i - 1]!.streamSeq)).toBe(true);
    expect((await jsm.streams.info(`${ns}-events`)).state.messages).toBe(5_000);
  });

  it('A/B: two publishers of the same 4,000 events at once: the stream has each once, every subject in order', async () => {
    const events = makeEvents(4_000);
    const a = new EventPublisher(await conn(), { namespace: ns, maxInFlight: 128, publishTimeoutMs: 5_000 });
    const b = new EventPublisher(await conn(), { namespace: ns, maxInFlight: 128, publishTimeoutMs: 5_000 });
    const run = async (p: EventPublisher, list: readonly MarketEvent[]) => { for (const e of list) await p.publish(e); await p.flush(); };
    // B starts late (behind A), then both race.
    await Promise.all([run(a, events), (async () => { await new Promise((r) => setTimeout(r, 30)); await run(b, events); })()]);
    const sa = a.stats(); const sb = b.stats();
    expect(sa.published + sb.published).toBe(4_000);
    expect(sa.duplicates + sb.duplicates).toBe(4_000);
    expect(sa.outOfOrder + sb.outOfOrder).toBe(0);
    const c = await EventConsumer.open(await conn(), jsm, consumerOpts('p1'));
    const got = (await take(c, 4_000)).map((g) => g.event);
    await c.close();
    // Per (venue, symbol, kind) the stream order is the venue order; the global interleaving of A and B is free.
    expect(perSubject(got)).toEqual(perSubject(events));
    expect(got.length).toBe(4_000);
    expect((await jsm.streams.info(`${ns}-events`)).state.messages).toBe(4_000);
  });

  it('last event per subject gives the failover resume point of each symbol', async () => {
    const events = makeEvents(403);
    const pub = new EventPublisher(await conn(), { namespace: ns, maxInFlight: 32, publishTimeoutMs: 5_000 });
    for (const e of events) await pub.publish(e);
    await pub.flush();
    for (const sym of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT']) {
      const lastTrade = [...events].reverse().find((e) => e.symbol === sym && e.type === 'trade');
      const lastDelta = [...events].reverse().find((e) => e.symbol === sym && e.type === 'book_delta');
      expect((await lastEventOf(jsm, ns, 'binance', sym, 'trade'))?.event).toEqual(lastTrade);
      expect((await lastEventOf(jsm, ns, 'binance', sym, 'book_delta'))?.event).toEqual(lastDelta);
    }
    expect(await lastEventOf(jsm, ns, 'binance', 'NOPEUSDT', 'trade')).toBeNull();
    const ids = await lastTradeIds(jsm, ns, 'binance', ['BTCUSDT', 'NOPEUSDT']);
    expect([...ids]).toEqual([['BTCUSDT', (([...events].reverse().find((e) => e.symbol === 'BTCUSDT' && e.type === 'trade')) as { tradeId: string }).tradeId]]);
  });

  it('a processor that restarts continues from its durable: acked ones never again, un-acked ones again in order', async () => {
    const events = makeEvents(1_000);
    const pub = new EventPublisher(await conn(), { namespace: ns, maxInFlight: 64, publishTimeoutMs: 5_000 });
    for (const e of events) await pub.publish(e);
    await pub.flush();
    const c1 = await EventConsumer.open(await conn(), jsm, consumerOpts('proc'));
    const first = await take(c1, 400);
    // 100 more delivered but never acked: the "process" dies before processing them.
    await take(c1, 100, false);
    await c1.close();
    const c2 = await EventConsumer.open(await conn(), jsm, consumerOpts('proc'));
    const rest = await take(c2, 600);
    await c2.close();
    expect([...first, ...rest].map((g) => g.event)).toEqual(events);
    expect(c2.stats().resets).toBe(1);
  });

  it('refuses an existing stream with other subjects or a shorter duplicate window (E_CLUSTER_CONFIG)', async () => {
    const nc = await conn();
    await expect(ensureEventStream(nc, { namespace: ns, duplicateWindowMs: 120_000, maxAgeMs: 0, maxBytes: 1024 * 1024 })).rejects.toMatchObject({ code: 'E_CLUSTER_CONFIG' });
    await expect(ensureEventStream(nc, { namespace: ns, duplicateWindowMs: 60_000, maxAgeMs: 0, maxBytes: 1024 * 1024 })).resolves.toBeDefined();
  });
});
