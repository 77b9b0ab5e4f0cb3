/**
 * Aggregate collector throughput, 1 collector vs 2, in one run on the same simulator (child
 * process, same symbols, same stage rates, trade streams only): the example's collector files
 * (examples/cluster/) started with the CLI, overriding namespace, venue URL, symbols, streams and
 * port; with two collectors `maxShardsPerInstance` = half the shards, so each leases half.
 * A stage sets the simulator's trade rate, lets it settle, then counts what the events stream
 * stored per second against what the simulator generated. Stages stop at the first one the
 * collectors do not keep up with: its stored rate is their throughput when saturated.
 * Whether each collector subscribes only to its shards' symbols or to all of them (filtering at
 * publish, so that each of two decodes every frame) shows in the venue streams it reports.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { cpuSecondsOf, ExampleProcess, type ExampleRole } from './cluster-process.js';
import { manySymbols, setRate, simStats, sleep, startSimChild } from './sim-child.js';

export interface ScalingStage {
  readonly collectors: 1 | 2;
  readonly targetTradesPerS: number;
  readonly generatedPerS: number;
  readonly storedPerS: number;
  readonly keptUp: boolean;
  /** Events waiting for the bus publisher at the end of the stage, summed over collectors. */
  readonly queuedAtEnd: number;
  readonly dropped: number;
  /** Cores the collectors used during the measured window, summed (1 = one core busy all along). */
  readonly collectorCores: number;
  /** Collector CPU per stored event, summed over collectors (µs). */
  readonly collectorCpuUsPerEvent: number;
  /** Cores the NATS server (found by its process name, read only) and the simulator child used meanwhile. */
  readonly natsCores: number | null;
  readonly simulatorCores: number;
  /** Mean publish -> JetStream ack latency in the window, over every collector's publishes (ms). */
  readonly meanAckMs: number;
}

/** The local nats-server's pid, to read its CPU time (null when not found). */
function natsServerPid(): number | null {
  try {
    const pid = execFileSync('pgrep', ['-x', 'nats-server'], { encoding: 'utf8' }).split('\n')[0];
    return pid ? Number(pid) : null;
  } catch {
    return null;
  }
}

export interface ScalingOptions {
  readonly stages: readonly number[];
  readonly symbols: number;
  readonly settleMs: number;
  readonly measureMs: number;
  readonly tmpDir: string;
  /** cluster.maxInFlightPublishes of the collectors (default: the example's, i.e. the default 256). */
  readonly maxInFlightPublishes?: number;
}

const SHARDS = 16;
/** Stored within this share of generated counts as kept up (a stage's edges cut events in flight). */
const KEPT_UP_SHARE = 0.97;

async function streamMessages(jsm: JetStreamManager, ns: string): Promise<number> {
  return (await jsm.streams.info(`${ns}-events`)).state.messages;
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 40_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface ScalingPhase {
  readonly stages: ScalingStage[];
  /** tickgate_cluster_venue_streams of each collector once ready (0 or null: its subscriptions do not follow its leases). */
  readonly venueStreams: (number | null)[];
}

async function phase(collectors: 1 | 2, o: ScalingOptions, simPort: number, simPid: number | undefined, nc: NatsConnection): Promise<ScalingPhase> {
  const natsPid = natsServerPid();
  const ns = `benchsc${collectors}${Date.now().toString(36)}`;
  const jsm = await jetstreamManager(nc);
  const procs: ExampleProcess[] = [];
  const start = (role: ExampleRole): Promise<ExampleProcess> => {
    const p = new ExampleProcess({
      role, from: 'file',
      env: {
        TICKGATE__cluster__namespace: ns, TICKGATE__server__port: '0', TICKGATE__log__level: 'warn',
        TICKGATE__storage__spoolDir: join(o.tmpDir, `${ns}-${role}`, 'spool'),
        TICKGATE__cluster__spoolDir: join(o.tmpDir, `${ns}-bus-spool`),
        TICKGATE__venues__binance__wsBaseUrl: `ws://127.0.0.1:${simPort}/binance`,
        TICKGATE__venues__binance__restBaseUrl: `http://127.0.0.1:${simPort}/binance`,
        TICKGATE__venues__binance__symbols: JSON.stringify(manySymbols(o.symbols)),
        TICKGATE__venues__binance__streams: '["trade"]',
        TICKGATE__cluster__maxShardsPerInstance: String(collectors === 2 ? SHARDS / 2 : 0),
        ...(o.maxInFlightPublishes !== undefined ? { TICKGATE__cluster__maxInFlightPublishes: String(o.maxInFlightPublishes) } : {}),
      },
    });
    procs.push(p);
    return p.started();
  };
  const out: ScalingStage[] = [];
  const venueStreams: (number | null)[] = [];
  try {
    // One after the other, so each leases its cap (greedy leases: the first would race the second).
    await start('collector-a');
    if (collectors === 2) await start('collector-b');
    for (const p of procs) {
      await until(async () => (await fetch(`${p.url}/readyz`)).status === 200, `${p.name} connected`);
      const owned = await p.metric('tickgate_cluster_shards_owned');
      if (owned !== SHARDS / collectors) throw new Error(`${p.name} owns ${owned} shards, expected ${SHARDS / collectors}`);
      const streams = await p.metric('tickgate_cluster_venue_streams');
      venueStreams.push(Number.isNaN(streams) ? null : streams);
    }
    const sum = async (name: string): Promise<number> => (await Promise.all(procs.map((p) => p.metric(name)))).reduce((a, b) => a + b, 0);
    for (const rate of o.stages) {
      await setRate(simPort, rate);
      await sleep(o.settleMs);
      const cpu = (): number => procs.reduce((a, p) => a + p.cpuSeconds(), 0);
      const others = (): [number, number] => [natsPid === null ? Number.NaN : cpuSecondsOf(natsPid), cpuSecondsOf(simPid)];
      const acks = async (): Promise<[number, number]> => [await sum('tickgate_cluster_publish_ack_seconds_sum'), await sum('tickgate_cluster_publish_ack_seconds_count')];
      const [m0, g0, c0, o0, a0, t0] = [await streamMessages(jsm, ns), (await simStats(simPort)).generator.events, cpu(), others(), await acks(), performance.now()];
      await sleep(o.measureMs);
      const [m1, g1, c1, o1, a1, t1] = [await streamMessages(jsm, ns), (await simStats(simPort)).generator.events, cpu(), others(), await acks(), performance.now()];
      const s = (t1 - t0) / 1_000;
      const stage: ScalingStage = {
        collectors, targetTradesPerS: rate, generatedPerS: Math.round((g1 - g0) / s), storedPerS: Math.round((m1 - m0) / s),
        keptUp: false, queuedAtEnd: await sum('tickgate_cluster_publish_queue'), dropped: await sum('tickgate_cluster_publish_dropped_total'),
        collectorCores: Number(((c1 - c0) / s).toFixed(2)), collectorCpuUsPerEvent: Number((((c1 - c0) * 1e6) / Math.max(1, m1 - m0)).toFixed(1)),
        natsCores: Number.isNaN(o0[0]) ? null : Number(((o1[0] - o0[0]) / s).toFixed(2)), simulatorCores: Number(((o1[1] - o0[1]) / s).toFixed(2)),
        meanAckMs: Number((((a1[0] - a0[0]) * 1_000) / Math.max(1, a1[1] - a0[1])).toFixed(1)),
      };
      const keptUp = stage.storedPerS >= KEPT_UP_SHARE * stage.generatedPerS && stage.dropped === 0;
      out.push({ ...stage, keptUp });
      await setRate(simPort, 0);
      if (!keptUp) break;
      // Drained before the next stage: the stream stops growing.
      let last = -1;
      await until(async () => { const n = await streamMessages(jsm, ns); const still = n === last; last = n; await sleep(300); return still; }, 'the collectors drained', 30_000);
    }
  } finally {
    for (const p of procs) if (p.running()) await p.stop();
    for (const s of [`${ns}-events`, `KV_${ns}-leases`]) await jsm.streams.delete(s).catch(() => false);
  }
  return { stages: out, venueStreams };
}

/** Both phases on one simulator: 1 collector, then 2. */
export async function measureScaling(o: ScalingOptions): Promise<{ one: ScalingPhase; two: ScalingPhase }> {
  const sim = await startSimChild({ symbols: manySymbols(o.symbols), maxStreams: 1024 });
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  try {
    const one = await phase(1, o, sim.port, sim.proc.pid, nc);
    const two = await phase(2, o, sim.port, sim.proc.pid, nc);
    return { one, two };
  } finally {
    await nc.close();
    await sim.stop();
  }
}
