/**
 * The NATS server restarted mid-run: nothing lost, nothing doubled. The test runs its own
 * nats-server (loopback, a free port, its own -sd store dir; the machine's shared server on 4222
 * is never touched) and a collector against the simulator; it stops the server (SIGTERM) for
 * 3 s while the venue keeps trading, then starts it again on the same port and store. The
 * collector bridges the outage in memory (bounded queue, drops counted) and re-sends in order;
 * its leases may lapse and be re-taken (standby ring, stream floor). Afterwards the stream holds
 * every trade of each symbol once, contiguous, equal to the simulator's truth.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { deepMerge } from '../../../src/config/layers.js';
import { loadConfig } from '../../../src/config/load.js';
import { startGateway, type Gateway } from '../../../src/gateway/gateway.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { tempDir } from '../gateway/helpers.js';
import { collectorLayer, FAILOVER_SYMBOLS } from './fixtures/collector-config.js';
import { uniqueNamespace, until } from './helpers.js';
import { expectWholeAndTrue, streamTrades } from './stream-check.js';

const NATS_SERVER = '/usr/sbin/nats-server';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
  });
}

class OwnNats {
  proc: ChildProcess | null = null;
  log = '';
  constructor(readonly port: number, readonly storeDir: string) {}
  async start(): Promise<void> {
    this.proc = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => { this.log = (this.log + d.toString()).slice(-4000); });
    await until(() => /Server is ready/.test(this.log) || this.proc!.exitCode !== null, 'own nats-server ready', 15_000);
    if (this.proc.exitCode !== null) throw new Error(`nats-server exited: ${this.log}`);
  }
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }
}

describe('NATS server restarted mid-run', () => {
  const ns = uniqueNamespace('nr');
  const tmp = tempDir('nats-restart');
  let sim: Simulator;
  let nats: OwnNats;
  let gw: Gateway | null = null;

  afterAll(async () => {
    await gw?.stop().catch(() => undefined);
    await nats?.stop();
    await sim?.close();
    tmp.remove();
  });

  it('the stream has every trade once, contiguous, equal to the truth', async () => {
    nats = new OwnNats(await freePort(), `${tmp.dir}/nats`);
    await nats.start();
    const url = `nats://127.0.0.1:${nats.port}`;
    sim = await startSimulator({ port: 0, seed: 31, rate: 150, symbols: FAILOVER_SYMBOLS, marketHours: 'always-open' });
    const layer = deepMerge(collectorLayer({ simPort: sim.port, namespace: ns, instance: 'C', dir: `${tmp.dir}/c`, leaseTtlMs: 4_000 }), { cluster: { nats: url } });
    gw = await startGateway(loadConfig({ env: {}, cli: layer }).config);
    const stats = () => gw!.cluster!.stats();
    await until(() => (stats().publisher?.published ?? 0) > 200, 'the collector publishes', 20_000);

    await nats.stop();
    await new Promise((r) => setTimeout(r, 3_000)); // the venue keeps trading; publishes fail
    const queuedInOutage = stats().queued;
    await nats.start();
    const back = stats().publisher!.published;
    await until(() => stats().publisher!.published > back + 300, 'publishing after the restart', 30_000);
    await gw.stop();
    const st = stats();
    gw = null;
    expect(st.dropped).toBe(0);

    const { trades, messages: total } = await streamTrades(ns, url);
    expectWholeAndTrue(sim, trades, FAILOVER_SYMBOLS, 50);
    console.log(JSON.stringify({
      test: 'NATS restarted mid-run', streamMessages: total, queuedInOutage, maxQueued: st.maxQueued, retries: st.publisher?.retries,
      duplicates: st.publisher?.duplicates, leases: st.leases, handoverReplayed: st.handoverReplayed, handoverGaps: st.handoverGaps,
    }));
  }, 90_000);
});
