/**
 * Event bus throughput, each against bare JetStream in the same run on the same payloads:
 *   publish  EventPublisher (Nats-Msg-Id from identity, acked, window 256, in-order re-send
 *            machinery) vs bare js.publish with the same msgID and the same window of 256
 *   consume  EventConsumer (durable, explicit ack, order/once checks) vs a bare durable pull
 *            consumer acking each message
 *   lease    renew round latency for 16 shards
 *   failover kill -9 of the lease holder -> first event published by the new owner, and -> first
 *            trade the processor delivers (the example's three processes, bench/helpers/cluster-failover.ts)
 *   collectors  aggregate throughput of 2 collectors vs 1, same simulator, same stages, same run
 *            (bench/helpers/cluster-scaling.ts)
 * Every process (simulator, NATS, collectors, processor, this one) shares the machine's 2 cores.
 * CLUSTER_BENCH=bus,failover,collectors picks parts (default all). Skipped (with a note) when
 * NATS is not up on 127.0.0.1:4222.
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
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureFailover } from './helpers/cluster-failover.js';
import { measureScaling, type ScalingStage } from './helpers/cluster-scaling.js';

const N = 50_000;
const WINDOW = 256;
const now = (): number => performance.now();
const stamp = Date.now().toString(36);

const PARTS = new Set((process.env.CLUSTER_BENCH ?? 'bus,failover,collectors').split(',').map((x) => x.trim()));
const CORES = 'simulator, NATS server, collectors, processor and this process share the same 2 cores';
const load = (): number => Number(loadavg()[0]!.toFixed(2));

async function main(): Promise<void> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: 'nats://127.0.0.1:4222', timeout: 2_000 });
  } catch {
    report({ bench: 'cluster', metric: 'skipped', value: 0, unit: 'none', note: 'NATS not reachable on 127.0.0.1:4222' });
    return;
  }
  if (PARTS.has('bus')) await bus(nc);
  await nc.close();
  const tmp = mkdtempSync(join(tmpdir(), 'tickgate-cluster-bench-'));
  try {
    if (PARTS.has('failover')) await failover(tmp);
    if (PARTS.has('collectors')) await collectors(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function failover(tmp: string): Promise<void> {
  const rounds = await measureFailover(Number(process.env.CLUSTER_BENCH_FAILOVERS ?? 3), join(tmp, 'failover'));
  // The reference: a lease lapses one TTL after its last renewal, so 4.5-6 s after a kill with the
  // example's 6 s TTL renewed every 1.5 s; the standby's next round (<= 1.5 s later) takes it.
  const ttl = 6_000;
  const common = {
    unit: 'ms', rounds: rounds.length, baseline: ttl, baselineName: 'leaseTtlMs of examples/cluster (configured, not measured: a killed holder\'s lease lapses TTL - up to one renew interval after the kill)',
    leaseRenewIntervalMs: 1_500, ratePerS: 300, symbols: 3, setup: 'examples/cluster: processor + collector-a + collector-b, CLI processes from the files', cores: CORES, load: load(),
  };
  report(withRatio({ bench: 'cluster.failover', metric: 'kill_to_first_publish_ms_p50', value: median(rounds.map((r) => r.publishedMs)), ...common,
    each: rounds.map((r) => r.publishedMs), leaseOwnedMs: rounds.map((r) => r.ownedMs), note: 'first publish of the new owner seen on the stream subjects (core NATS subscription), standby-ring replay included' }));
  report(withRatio({ bench: 'cluster.failover', metric: 'kill_to_first_consumed_ms_p50', value: median(rounds.map((r) => r.consumedMs)), ...common,
    each: rounds.map((r) => r.consumedMs), note: 'first trade the processor delivers downstream after the silence that follows the kill' }));
}

async function collectors(tmp: string): Promise<void> {
  const stages = (process.env.CLUSTER_BENCH_STAGES ?? '1000,2000,3000,4000,6000,8000,12000').split(',').map(Number);
  // A collector's publish rate is bounded by its in-flight window over the ack latency: CLUSTER_BENCH_MAX_IN_FLIGHT tries another window.
  const inFlight = process.env.CLUSTER_BENCH_MAX_IN_FLIGHT ? Number(process.env.CLUSTER_BENCH_MAX_IN_FLIGHT) : undefined;
  const o = { stages, symbols: 64, settleMs: 2_000, measureMs: 6_000, tmpDir: join(tmp, 'collectors'), ...(inFlight !== undefined ? { maxInFlightPublishes: inFlight } : {}) };
  const loadBefore = load();
  const phases = await measureScaling(o);
  const [one, two] = [phases.one.stages, phases.two.stages];
  for (const st of [...one, ...two]) report({ bench: 'cluster.collectors.stage', metric: 'stored_events_per_s', value: st.storedPerS, unit: 'events/s', ...st, load: load() });
  // Throughput = the highest stored rate of a phase (the saturated stage's when one did not keep up).
  const best = (xs: readonly ScalingStage[]): number => Math.max(0, ...xs.map((x) => x.storedPerS));
  const keptUp = (xs: readonly ScalingStage[]): number => Math.max(0, ...xs.filter((x) => x.keptUp).map((x) => x.targetTradesPerS));
  const cpuPerEvent = (xs: readonly ScalingStage[]): number | null => xs.filter((x) => x.keptUp).at(-1)?.collectorCpuUsPerEvent ?? null;
  const limit = (xs: readonly ScalingStage[]): string => (xs.some((x) => !x.keptUp) ? 'saturated' : 'kept up at every stage (the limit is elsewhere)');
  report(withRatio({
    bench: 'cluster.collectors', metric: 'stored_events_per_s', value: best(two), unit: 'events/s', baseline: best(one),
    baselineName: '1 collector holding every shard, same simulator and stages, same run', collectors: 2, two: limit(two), one: limit(one),
    keptUpTradesPerS: { one: keptUp(one), two: keptUp(two) },
    // CPU per stored event at the highest kept-up stage: less sensitive to the machine's load than the rates.
    collectorCpuUsPerEvent: { one: cpuPerEvent(one), two: cpuPerEvent(two) },
    symbols: o.symbols, streams: 'trade', stageMs: o.settleMs + o.measureMs, shards: 16, split: 'maxShardsPerInstance 8 each', maxInFlightPublishes: inFlight ?? 256,
    venueStreams: { one: phases.one.venueStreams, two: phases.two.venueStreams },
    note: 'venueStreams 0 or null: no subscription follows the leases (the gateway does not attach its feeds), so a collector subscribes to every configured symbol, filters at publish, and each of two decodes every frame', cores: CORES, load: [loadBefore, load()],
  }));
}

async function bus(nc: NatsConnection): Promise<void> {
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
  }
}

await main();
