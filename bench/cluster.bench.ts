/**
 * Event bus throughput, each against bare JetStream in the same run on the same payloads:
 *   publish  EventPublisher (Nats-Msg-Id from identity, acked, window 256, in-order re-send
 *            machinery) vs bare js.publish with the same msgID and the same window of 256
 *   consume  EventConsumer (durable, explicit ack, order/once checks) vs a bare durable pull
 *            consumer acking each message
 *   lease    renew round latency for 16 shards
 * Skipped (with a note) when NATS is not up on 127.0.0.1:4222.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { report, withRatio } from './report.js';
import { EventConsumer } from '../src/cluster/consumer.js';
import { eventMsgId } from '../src/cluster/event-identity.js';
import { ensureEventStream } from '../src/cluster/event-stream.js';
import { ShardLeases } from '../src/cluster/leases.js';
import { EventPublisher } from '../src/cluster/publisher.js';
import { makeEvents } from '../test/integration/cluster/events-fixture.js';

const N = 50_000;
const WINDOW = 256;
const now = (): number => performance.now();
const stamp = Date.now().toString(36);

async function main(): Promise<void> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: 'nats://127.0.0.1:4222', timeout: 2_000 });
  } catch {
    report({ bench: 'cluster', metric: 'skipped', value: 0, unit: 'none', note: 'NATS not reachable on 127.0.0.1:4222' });
    return;
  }
  const jsm = await jetstreamManager(nc);
  const events = makeEvents(N);
  const enc = new TextEncoder();
  const ns = `bench${stamp}`;
  const bareStream = `bench-bare-${stamp}`;
  try {
    // Bare: same payloads, same ids, same window.
    await jsm.streams.add({ name: bareStream, subjects: [`benchbare${stamp}.>`], duplicate_window: 60_000_000_000 });
    const js = jetstream(nc);
    // Serializing is part of both sides' cost: the bare loop encodes inside the timer too.
    let t = now();
    const payloads = events.map((e) => ({ subject: `benchbare${stamp}.events.${e.venue}.${e.symbol}.${e.type}`, data: enc.encode(JSON.stringify(e)), id: eventMsgId(e) }));
    for (let i = 0; i < N; i += WINDOW) await Promise.all(payloads.slice(i, i + WINDOW).map((p) => js.publish(p.subject, p.data, { msgID: p.id })));
    const barePub = N / ((now() - t) / 1_000);

    await ensureEventStream(nc, { namespace: ns, duplicateWindowMs: 60_000, maxAgeMs: 0, maxBytes: 1024 * 1024 * 1024 });
    const pub = new EventPublisher(nc, { namespace: ns, maxInFlight: WINDOW, publishTimeoutMs: 10_000 });
    t = now();
    for (const e of events) await pub.publish(e);
    await pub.flush();
    const ours = N / ((now() - t) / 1_000);
    report(withRatio({ bench: 'cluster.publish', metric: 'events_per_s', value: Math.round(ours), unit: 'events/s', baseline: Math.round(barePub), baselineName: 'bare js.publish, same msgID and window', events: N }));

    await jsm.consumers.add(bareStream, { durable_name: 'bare', ack_policy: AckPolicy.Explicit, max_ack_pending: 1_000 });
    t = now();
    const msgs = await (await js.consumers.get(bareStream, 'bare')).consume({ max_messages: 1_000 });
    let n = 0;
    for await (const m of msgs) { JSON.parse(new TextDecoder().decode(m.data)); m.ack(); if (++n === N) break; }
    const bareCons = N / ((now() - t) / 1_000);

    const c = await EventConsumer.open(nc, jsm, { namespace: ns, durable: 'bench', maxAckPending: 1_000, ackWaitMs: 30_000 });
    t = now();
    n = 0;
    for await (const m of c) { m.ack(); if (++n === N) break; }
    const oursCons = N / ((now() - t) / 1_000);
    await c.close();
    report(withRatio({ bench: 'cluster.consume', metric: 'events_per_s', value: Math.round(oursCons), unit: 'events/s', baseline: Math.round(bareCons), baselineName: 'bare durable pull consumer, ack each', events: N }));

    const leases = await ShardLeases.open(nc, { namespace: ns, instance: 'bench', shards: 16, leaseTtlMs: 10_000, renewIntervalMs: 3_000, redundancy: 1 });
    await leases.tick();
    const rounds: number[] = [];
    for (let i = 0; i < 20; i++) { t = now(); await leases.tick(); rounds.push(now() - t); }
    rounds.sort((a, b) => a - b);
    report({ bench: 'cluster.lease_round', metric: 'renew_round_ms_p50', value: Number(rounds[10]!.toFixed(2)), unit: 'ms', p95: Number(rounds[18]!.toFixed(2)), shards: 16 });
    await leases.stop();
  } finally {
    for (const s of [bareStream, `${ns}-events`, `KV_${ns}-leases`]) await jsm.streams.delete(s).catch(() => false);
    await nc.close();
  }
}

await main();
