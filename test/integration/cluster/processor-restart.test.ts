/**
 * A processor killed (kill -9) and restarted is exact. A collector (this process) publishes the
 * simulator's trades to the bus; the processor is a real gateway child process (role processor,
 * SQLite sink). It is killed mid-run (open windows and the partial 100-tick candle lost with it)
 * while the collector keeps publishing, then restarted: it seeds its aggregates from storage and
 * re-reads the stream from the first trade storage lacks (not from its consumer's ack floor), so
 * every stored 1 s snapshot, 1 s / 1 m candle and t100 candle equals one computed from the
 * simulator's ground truth: none missing, none counted twice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { startGateway, type Gateway } from '../../../src/gateway/gateway.js';
import { naturalKey } from '../../../src/sinks/record-key.js';
import { candleFromRow, snapshotFromRow } from '../../../src/sinks/rows.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { chaosConfigInput } from '../../chaos/e2e-helpers/chaos-gateway.js';
import { GatewayChild } from '../../chaos/e2e-helpers/gateway-process.js';
import { expectRowsEqualTruth, type Row } from '../../chaos/e2e-helpers/truth-aggregates.js';
import { readSqlite, tempDir } from '../gateway/helpers.js';
import { collectorLayer, FAILOVER_SYMBOLS } from './fixtures/collector-config.js';
import { dropNamespace, uniqueNamespace, until } from './helpers.js';

const RATE = 300;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('processor kill -9 and restart', () => {
  const ns = uniqueNamespace('pr');
  const tmpC = tempDir('pr-col');
  const tmpP = tempDir('pr-proc');
  let sim: Simulator;
  let collector: Gateway | null = null;
  const children: GatewayChild[] = [];

  afterAll(async () => {
    for (const c of children) if (c.running()) c.proc.kill('SIGKILL');
    await collector?.stop().catch(() => undefined);
    await sim?.close();
    tmpC.remove(); tmpP.remove();
    await dropNamespace(ns);
  });

  it('every stored 1 s snapshot, 1 s / 1 m candle and t100 candle equals the ground truth', async () => {
    const startedAt = Date.now();
    sim = await startSimulator({ port: 0, seed: 23, rate: 0, symbols: FAILOVER_SYMBOLS, marketHours: 'always-open' });
    collector = await startGateway(loadConfig({ env: {}, cli: collectorLayer({ simPort: sim.port, namespace: ns, instance: 'C', dir: tmpC.dir, leaseTtlMs: 4_000 }) }).config);
    await until(() => collector!.cluster!.stats().owned.length === 4, 'the collector holds every shard', 15_000);
    // Subscribed before the first trade (the feed starts in the background; on a loaded machine
    // its subscribe can be acked after the simulator started trading, and the first trades are
    // then before the stream's start, not a gap in it).
    await until(() => collector!.feeds.get('binance')!.live && collector!.feeds.get('binance')!.subscribedStreams().length === FAILOVER_SYMBOLS.length, 'the collector is subscribed', 15_000);

    const configFile = join(tmpP.dir, 'processor.json');
    const base = chaosConfigInput({ simPort: sim.port, dataDir: tmpP.dir, symbols: FAILOVER_SYMBOLS, spoolFsync: 'always' });
    writeFileSync(configFile, JSON.stringify({
      ...base,
      // A loaded machine (2 cores, parallel test files) can take seconds to open SQLite: not a failure here.
      storage: { ...(base.storage as object), writeTimeoutMs: 10_000 },
      cluster: { role: 'processor', namespace: ns, instance: 'P', shards: 4, leaseTtlMs: 4_000, leaseRenewIntervalMs: 1_000 },
    }));
    const start = async (): Promise<GatewayChild> => { const g = new GatewayChild(configFile); children.push(g); await g.ready(); return g; };
    const truthCount = (): number => FAILOVER_SYMBOLS.reduce((n, s) => n + sim.truth.trades('binance', s).length, 0);
    const trade = async (ms: number): Promise<void> => { const before = truthCount(); await sleep(ms); await until(() => truthCount() > before + RATE * ms / 4000, 'the simulator traded'); };

    const written = async (g: GatewayChild): Promise<number> => {
      const m = await (await fetch(`${g.url}/metrics`)).text();
      return Number(/^tickgate_sink_written_total\{sink="sqlite"\} (\d+)$/m.exec(m)?.[1] ?? 0);
    };
    let p = await start();
    sim.setRate(RATE); // from the very first trade (tick candles count from it)
    await trade(4_000);
    // Killed once it has stored some seconds (so the restart resumes from storage, not from nothing).
    // ... of every symbol: a symbol with no stored second yet is rightly re-read from the stream's
    // start, which would hide whether the restart was positioned from storage.
    const storedSymbols = (): Set<string> => {
      try { return new Set(readSqlite<{ symbol: string }>(join(tmpP.dir, 'tickgate.db'), 'SELECT DISTINCT symbol FROM snapshots').map((r) => r.symbol)); } catch { return new Set(); }
    };
    await until(async () => (await written(p)) >= 20 && FAILOVER_SYMBOLS.every((s) => storedSymbols().has(s)), 'the first processor stored rows of every symbol', 30_000);
    expect(await p.kill9()).toBe('SIGKILL');
    const killedAt = Date.now() - startedAt;
    await trade(1_500); // the collector keeps publishing while no processor runs
    p = await start();
    await trade(4_000);
    // A loaded machine paces the simulator slower than RATE: trade on until every symbol has enough.
    await until(() => FAILOVER_SYMBOLS.every((s) => sim.truth.trades('binance', s).length > 300), 'every symbol traded 300 times', 30_000);
    sim.setRate(0);
    await sleep(2_500); // lateness + a quiet second, closed by the clock
    // The restarted processor re-read trades storage already held (dropped by id), so it started before its ack floor.
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    const reRead = Number(/^tickgate_cluster_consumed_skipped_total\{reason="stored"\} (\d+)$/m.exec(metrics)?.[1] ?? -1);
    const doubles = Number(/^tickgate_cluster_consumed_skipped_total\{reason="double"\} (\d+)$/m.exec(metrics)?.[1] ?? -1);
    const startSeq = Number(/^tickgate_cluster_consumer_start_seq (\d+)$/m.exec(metrics)?.[1] ?? -1);
    expect(startSeq, 'the restarted processor was positioned from storage').toBeGreaterThan(1);
    expect(await p.stop(), p.stderr.slice(-2000)).toBe(0);
    const col = collector.cluster!.stats();
    await collector.stop();
    collector = null;
    expect(col.dropped).toBe(0);

    const db = join(tmpP.dir, 'tickgate.db');
    const rows = new Map<string, Row>();
    for (const r of readSqlite<Record<string, unknown>>(db, 'SELECT * FROM snapshots')) { const x = snapshotFromRow(r); rows.set(naturalKey(x), x); }
    for (const r of readSqlite<Record<string, unknown>>(db, 'SELECT * FROM time_candles')) { const x = candleFromRow(r); rows.set(naturalKey(x), x); }
    for (const r of readSqlite<Record<string, unknown>>(db, 'SELECT * FROM tick_candles')) { const x = candleFromRow(r); rows.set(naturalKey(x), x); }
    const compared = { trades: 0, seconds: 0, empty: 0, minutes: 0, ticks: 0 };
    for (const s of FAILOVER_SYMBOLS) {
      const truth = sim.truth.trades('binance', s);
      expect(truth.length).toBeGreaterThan(300);
      compared.trades += truth.length;
      expectRowsEqualTruth('sqlite', s, rows, truth, compared);
    }
    console.log(JSON.stringify({ test: 'processor kill -9 + restart', ratePerS: RATE, killedAtMs: killedAt, restartSeq: startSeq, reReadStored: reRead, doublesDropped: doubles, ...compared, published: col.publisher?.published, ms: Date.now() - startedAt }));
  }, 90_000);
});
