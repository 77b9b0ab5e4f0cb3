/**
 * Failover without a gap: collector A (its own process) owns every shard and publishes; collector
 * B runs as a hot standby against the same simulator. kill -9 A: its leases expire, B takes the
 * shards, re-publishes its standby ring and goes live. The stream then holds every trade of each
 * symbol from the first published to the last, contiguous, once, equal to the simulator's truth.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { startGateway, type Gateway } from '../../../src/gateway/gateway.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { tempDir } from '../gateway/helpers.js';
import { collectorLayer, FAILOVER_SYMBOLS } from './fixtures/collector-config.js';
import { dropNamespace, uniqueNamespace, until } from './helpers.js';
import { expectWholeAndTrue, streamTrades } from './stream-check.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Long enough that a loaded machine (2 cores, parallel test files) does not make A miss its renewals. */
const TTL_MS = 4_000;

describe('collector failover (kill -9 of the lease holder)', () => {
  const ns = uniqueNamespace('fo');
  const tmpA = tempDir('fo-a');
  const tmpB = tempDir('fo-b');
  let sim: Simulator;
  let child: ChildProcess | null = null;
  let b: Gateway | null = null;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await b?.stop();
    await sim?.close();
    tmpA.remove(); tmpB.remove();
    await dropNamespace(ns);
  });

  it('B takes every shard over; the stream has every trade once, contiguous, equal to the truth', async () => {
    sim = await startSimulator({ port: 0, seed: 7, rate: 150, symbols: FAILOVER_SYMBOLS, marketHours: 'always-open' });
    const lines: { event: string; published?: number; owned?: number[] }[] = [];
    let err = '';
    child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'collector-gateway.ts'), JSON.stringify({ simPort: sim.port, namespace: ns, instance: 'A', dir: tmpA.dir, leaseTtlMs: TTL_MS })], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: child.stdout! }).on('line', (l) => { try { lines.push(JSON.parse(l)); } catch { /* a log line */ } });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    await until(() => lines.some((l) => l.event === 'started'), `A started (${err.slice(-1500)})`, 40_000);
    expect(lines.find((l) => l.event === 'started')!.owned!.sort()).toEqual([0, 1, 2, 3]);
    await until(() => (lines.at(-1)?.published ?? 0) > 200, 'A publishes', 20_000);

    b = await startGateway(loadConfig({ env: {}, cli: collectorLayer({ simPort: sim.port, namespace: ns, instance: 'B', dir: tmpB.dir, leaseTtlMs: TTL_MS }) }).config);
    expect(b.cluster!.stats().owned).toEqual([]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(b.cluster!.stats().publisher!.published).toBe(0);

    const killedAt = Date.now();
    child.kill('SIGKILL');
    await until(() => b!.cluster!.stats().owned.length === 4, 'B owns every shard', 15_000);
    const takeoverMs = Date.now() - killedAt;
    const publishedAtTakeover = b.cluster!.stats().publisher!.published;
    await until(() => b!.cluster!.stats().publisher!.published > publishedAtTakeover + 200, 'B publishes live', 20_000);
    await b.stop();
    const st = b.cluster!.stats();
    b = null;
    expect(st.handoverGaps).toBe(0);
    expect(st.dropped).toBe(0);

    // Read the whole stream and check each symbol against the simulator.
    const { trades, messages: total } = await streamTrades(ns);
    expectWholeAndTrue(sim, trades, FAILOVER_SYMBOLS);
    console.log(JSON.stringify({ test: 'collector failover', takeoverMs, replayed: st.handoverReplayed, streamMessages: total, duplicatesAtB: st.publisher?.duplicates, publishedByB: st.publisher?.published }));
  }, 90_000);
});
