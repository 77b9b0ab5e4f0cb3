/**
 * Failover time of the cluster example (examples/cluster/, its 6 s lease TTL and 1.5 s renew):
 * the processor and collectors A and B as real CLI processes from the example files, the
 * simulator in a child process. Each round kills the lease holder with SIGKILL and measures
 *   published  kill -> first event the new owner publishes (a core NATS subscription on the
 *              stream's subjects sees every publish, the standby-ring replay included)
 *   consumed   kill -> first trade the processor delivers downstream after the kill
 * Both are the first arrival after the silence that follows the kill (events flow every few ms
 * at the rate used; the silence lasts about a TTL). The killed collector is then started again
 * from the same file and becomes the standby of the next round.
 */
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { TickgateClient } from '../../src/server/client.js';
import { ExampleProcess, type ExampleRole } from './cluster-process.js';
import { setRate, sleep, startSimChild } from './sim-child.js';

export interface FailoverRound {
  /** kill -> the new owner's first publish (ms). */
  readonly publishedMs: number;
  /** kill -> the first trade the processor delivers downstream after the kill (ms). */
  readonly consumedMs: number;
  /** kill -> the new owner's lease metric shows every shard (ms, polled every 20 ms). */
  readonly ownedMs: number;
}

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
/** A silence this long after the kill separates the old owner's last events from the new owner's first. */
const SILENCE_MS = 1_000;
const RATE = 300;

async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 40_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The first arrival after `from` that follows a silence of SILENCE_MS (or comes SILENCE_MS after `from`). */
function afterSilence(arrivals: readonly number[], from: number): number | null {
  let prev = from;
  for (const t of arrivals) {
    if (t <= from) continue;
    if (t - prev >= SILENCE_MS) return t;
    prev = t;
  }
  return null;
}

export async function measureFailover(rounds: number, tmpDir: string): Promise<FailoverRound[]> {
  const sim = await startSimChild({ symbols: SYMBOLS });
  const ns = `benchfo${Date.now().toString(36)}`;
  const venue = `127.0.0.1:${sim.port}`;
  const procs: ExampleProcess[] = [];
  const start = (role: ExampleRole): ExampleProcess => {
    const p = new ExampleProcess({
      role, from: 'file',
      env: {
        TICKGATE__cluster__namespace: ns, TICKGATE__server__port: '0', TICKGATE__log__level: 'warn',
        TICKGATE__storage__spoolDir: join(tmpDir, `${role}-${procs.length}`, 'spool'),
        ...(role === 'processor'
          ? { TICKGATE__sinks: JSON.stringify([`sqlite:${join(tmpDir, 'processor.db')}`]) }
          : {
            TICKGATE__venues__binance__wsBaseUrl: `ws://${venue}/binance`, TICKGATE__venues__binance__restBaseUrl: `http://${venue}/binance`,
            TICKGATE__cluster__spoolDir: join(tmpDir, 'bus-spool'),
          }),
      },
    });
    procs.push(p);
    return p;
  };
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  const published: number[] = [];
  const consumed: number[] = [];
  let client: TickgateClient | null = null;
  const out: FailoverRound[] = [];
  try {
    const processor = start('processor');
    let holder = start('collector-a');
    await Promise.all([processor.started(), holder.started()]);
    let standby = await start('collector-b').started();
    // Arrival times only while a round is measured (bounded by the round's length).
    let recording = false;
    const sub = nc.subscribe(`${ns}.events.>`, { callback: () => { if (recording) published.push(Date.now()); } });
    client = new TickgateClient({ url: `${processor.url.replace(/^http/, 'ws')}/ws`, channels: SYMBOLS.map((s) => `trades.binance.${s}`) });
    client.on('data', () => { if (recording) consumed.push(Date.now()); });
    client.connect();
    await setRate(sim.port, RATE);
    for (let r = 0; r < rounds; r++) {
      await until(async () => (await fetch(`${standby.url}/readyz`)).status === 200, 'the standby connected');
      await until(async () => (await holder.metric('tickgate_cluster_published_total', 'result="stored"')) > 100, 'the holder publishes');
      await sleep(1_000);
      published.length = 0;
      consumed.length = 0;
      recording = true;
      const killedAt = Date.now();
      await holder.kill9();
      await until(async () => (await standby.metric('tickgate_cluster_shards_owned')) === 16, 'the standby owns every shard');
      const ownedMs = Date.now() - killedAt;
      await until(() => afterSilence(published, killedAt) !== null && afterSilence(consumed, killedAt) !== null, 'events flow again', 20_000);
      recording = false;
      out.push({ publishedMs: afterSilence(published, killedAt)! - killedAt, consumedMs: afterSilence(consumed, killedAt)! - killedAt, ownedMs });
      // The killed collector comes back from its own file as the next round's standby.
      const role = holder.opts.role;
      holder = standby;
      if (r + 1 < rounds) standby = await start(role).started();
    }
    sub.unsubscribe();
  } finally {
    await client?.close();
    for (const p of procs) if (p.running()) await p.kill9();
    await sim.stop();
    const jsm = await jetstreamManager(nc);
    for (const s of [`${ns}-events`, `KV_${ns}-leases`]) await jsm.streams.delete(s).catch(() => false);
    await nc.close();
  }
  return out;
}
