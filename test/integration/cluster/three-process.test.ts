/**
 * The three-process cluster of examples/cluster/ exactly as written: collector-a.yaml,
 * collector-b.yaml and processor.yaml started with the real CLI (`tsx src/cli/main.ts run
 * --config ...`), overriding through TICKGATE__* variables only what a test must (a unique
 * namespace, the venue URL of this test's simulator, data dirs in a temp dir, port 0).
 *
 * A starts first and leases every shard; B starts as a standby. Mid-stream A is killed with
 * SIGKILL: B takes its shards over after the lease TTL. Then collector-a is started again, this
 * time from examples/cluster/env-only.sh (no config file), and B is stopped gracefully: its
 * released leases go to the env-only A, which publishes the rest. Afterwards:
 * - the stream holds every trade of the simulator once, in id order, equal to its ground truth;
 * - a downstream client of the processor got the same trades, in order, no gap notice;
 * - every stored 1 s snapshot, 1 s / 1 m candle and t100 candle equals one computed
 *   independently from the ground truth (test/chaos/e2e-helpers/truth-aggregates.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EventConsumer } from '../../../src/cluster/consumer.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import type { Trade } from '../../../src/model/events.js';
import { TickgateClient } from '../../../src/server/client.js';
import type { DataMessage } from '../../../src/server/protocol.js';
import { naturalKey } from '../../../src/sinks/record-key.js';
import { candleFromRow, snapshotFromRow } from '../../../src/sinks/rows.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { ExampleProcess, REPO_ROOT, type ExampleProcessOptions } from '../../../bench/helpers/cluster-process.js';
import { expectRowsEqualTruth, type Row } from '../../chaos/e2e-helpers/truth-aggregates.js';
import { readSqlite, tempDir } from '../gateway/helpers.js';
import { dropNamespace, natsConnect, uniqueNamespace, until } from './helpers.js';

/** The example's own symbols: the test follows the files, not a copy of them. */
const example = parseYaml(readFileSync(join(REPO_ROOT, 'examples/cluster/processor.yaml'), 'utf8')) as { venues: { binance: { symbols: string[] } }; cluster: { shards: number } };
const SYMBOLS = example.venues.binance.symbols;
const SHARDS = example.cluster.shards;
/** Binance trades per second across the symbols: t100 candles within seconds, light on 2 shared cores. */
const RATE = 150;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('three-process cluster from examples/cluster (kill -9 of the lease holder)', () => {
  const ns = uniqueNamespace('tp');
  const tmp = tempDir('three-process');
  let sim: Simulator;
  const procs: ExampleProcess[] = [];
  let client: TickgateClient | null = null;

  afterAll(async () => {
    await client?.close();
    for (const p of procs) if (p.running()) await p.kill9();
    await sim?.close();
    tmp.remove();
    await dropNamespace(ns);
  });

  it('every trade once and in order in the stream and downstream; every stored aggregate equals the truth', async () => {
    const startedAt = Date.now();
    /** Elapsed ms at each step, printed at the end (where a slow run spent its time). */
    const marks: Record<string, number> = {};
    const mark = (name: string): void => { marks[name] = Date.now() - startedAt; };
    // Rate 0 until every process is up: t100 candles count from the very first trade.
    sim = await startSimulator({ port: 0, seed: 41, rate: 0, symbols: SYMBOLS, venues: ['binance'], randomBursts: false, marketHours: 'always-open' });
    const venue = `127.0.0.1:${sim.port}`;
    const start = (role: ExampleProcessOptions['role'], from: ExampleProcessOptions['from'] = 'file'): ExampleProcess => {
      const p = new ExampleProcess({
        role, from,
        env: {
          TICKGATE__cluster__namespace: ns,
          TICKGATE__server__port: '0',
          TICKGATE__storage__spoolDir: join(tmp.dir, `${role}-${procs.length}`, 'spool'),
          ...(role === 'processor'
            ? { TICKGATE__sinks: JSON.stringify([`sqlite:${join(tmp.dir, 'processor.db')}`]) }
            : {
              TICKGATE__venues__binance__wsBaseUrl: `ws://${venue}/binance`, TICKGATE__venues__binance__restBaseUrl: `http://${venue}/binance`,
              TICKGATE__cluster__spoolDir: join(tmp.dir, 'bus-spool'),
            }),
        },
      });
      procs.push(p);
      return p;
    };
    const owned = (p: ExampleProcess): Promise<number> => p.metric('tickgate_cluster_shards_owned');
    const stored = (p: ExampleProcess): Promise<number> => p.metric('tickgate_cluster_published_total', 'result="stored"');
    const truthCount = (): number => SYMBOLS.reduce((n, s) => n + sim.truth.trades('binance', s).length, 0);
    /** Lets the simulator trade for about `ms` (awaits the trades, not only the time). */
    const trade = async (ms: number): Promise<void> => {
      const before = truthCount();
      await sleep(ms);
      await until(() => truthCount() > before + (RATE * ms) / 4_000, 'the simulator traded');
    };

    const a = start('collector-a');
    const processor = start('processor');
    await Promise.all([a.started(), processor.started()]);
    // The CLI prints its URL after the cluster started: A's leases are taken by then.
    expect(await owned(a), 'A leases every shard').toBe(SHARDS);
    const b = await start('collector-b').started();
    expect(await owned(b), 'B starts as a standby').toBe(0);
    mark('bStarted');
    // B is up before trading starts (while it holds no lease it keeps a standby ring of what it receives).
    await until(async () => (await fetch(`${b.url}/readyz`)).status === 200, 'B connected to the venue', 30_000);

    const got = new Map<string, Trade[]>(SYMBOLS.map((s) => [s, []]));
    const notices: string[] = [];
    const subscribed = new Set<string>();
    client = new TickgateClient({ url: `${processor.url.replace(/^http/, 'ws')}/ws`, channels: SYMBOLS.map((s) => `trades.binance.${s}`) });
    client.on('data', (m: DataMessage) => got.get(m.channel.split('.').at(-1)!)?.push(m.data as Trade));
    client.on('subscribed', (m: { channel: string }) => subscribed.add(m.channel));
    client.on('gap', (g) => notices.push(`gap ${JSON.stringify(g)}`));
    client.on('resync', (r) => notices.push(`resync ${JSON.stringify(r)}`));
    client.connect();
    await until(() => subscribed.size === SYMBOLS.length, 'the downstream client subscribed', 15_000);

    sim.setRate(RATE);
    mark('trading');
    await trade(4_000);
    await until(async () => (await stored(a)) > 200, 'A publishes', 20_000);
    expect(await stored(b), 'B published nothing while standby').toBe(0);

    const killedAt = Date.now();
    expect(await a.kill9()).toBe('SIGKILL');
    await until(async () => (await owned(b)) === SHARDS, `B owns every shard (${b.tail()})`, 30_000);
    const takeoverMs = Date.now() - killedAt;
    mark('takeover');
    const atTakeover = await stored(b);
    await until(async () => (await stored(b)) > atTakeover + 100, 'B publishes live', 20_000);

    // collector-a again, from the env-only variant (no config file): a standby, then the owner.
    const a2 = await start('collector-a', 'env-only').started();
    mark('envOnlyStarted');
    expect(await owned(a2), 'the env-only A starts as a standby').toBe(0);
    await until(async () => (await fetch(`${a2.url}/readyz`)).status === 200, 'env-only A connected to the venue', 30_000);
    await trade(1_000);
    const bMetrics = await b.metricsText();
    expect(await b.stop(), `B stops cleanly: ${b.tail()}`).toBe(0); // releases its leases
    await until(async () => (await owned(a2)) === SHARDS, 'the env-only A owns every shard', 20_000);
    mark('envOnlyOwns');
    const a2AtTakeover = await stored(a2);
    await until(async () => (await stored(a2)) > a2AtTakeover + 100, 'the env-only A publishes live', 20_000);
    await trade(2_000);
    sim.setRate(0);
    mark('quiet');

    // Downstream complete = the processor consumed every trade; then the last second is stored.
    const want = new Map(SYMBOLS.map((s) => [s, sim.truth.trades('binance', s)]));
    await until(() => SYMBOLS.every((s) => got.get(s)!.length >= want.get(s)!.length), 'the downstream client got every trade', 30_000);
    const db = join(tmp.dir, 'processor.db');
    const lastSecond = Math.max(...SYMBOLS.map((s) => { const t = want.get(s)!.at(-1)!.timeMs; return t - (t % 1000); }));
    const storedThrough = (): boolean => {
      try {
        return readSqlite<{ n: number }>(db, 'SELECT COUNT(DISTINCT symbol) AS n FROM snapshots WHERE start_time >= ?', lastSecond)[0]!.n === SYMBOLS.length;
      } catch { return false; } // not created yet, or busy
    };
    await until(storedThrough, 'the last second stored', 20_000);
    mark('stored');
    const a2Metrics = await a2.metricsText();
    expect(await a2.stop(), `env-only A stops cleanly: ${a2.tail()}`).toBe(0);
    expect(await processor.stop(), `the processor stops cleanly: ${processor.tail()}`).toBe(0); // flushes open candles

    for (const [who, m] of [['B', bMetrics], ['env-only A', a2Metrics]] as const) {
      expect(m, `${who}: no handover gap`).toMatch(/^tickgate_cluster_handover_gaps_total 0$/m);
      expect(m, `${who}: no event dropped`).toMatch(/^tickgate_cluster_publish_dropped_total 0$/m);
    }
    const same = (t: Trade, w: { id: number; price: string; qty: string }): boolean =>
      t.seq === w.id && normalizeDecimal(t.price) === normalizeDecimal(w.price) && normalizeDecimal(t.size) === normalizeDecimal(w.qty);

    // The stream: every trade of the truth, once, in id order.
    const nc = await natsConnect();
    const streamTrades = new Map<string, Trade[]>(SYMBOLS.map((s) => [s, []]));
    try {
      const jsm = await jetstreamManager(nc);
      const total = (await jsm.streams.info(`${ns}-events`)).state.messages;
      const c = await EventConsumer.open(nc, jsm, { namespace: ns, durable: 'check', maxAckPending: 1_000, ackWaitMs: 30_000 });
      let n = 0;
      for await (const m of c) { if (m.event.type === 'trade') streamTrades.get(m.event.symbol)?.push(m.event); m.ack(); if (++n === total) break; }
      await c.close();
    } finally {
      await nc.close();
    }
    for (const s of SYMBOLS) {
      const truth = want.get(s)!;
      expect(truth.length, `${s} traded`).toBeGreaterThan(250); // two or more t100 candles each
      for (const [where, list] of [['stream', streamTrades.get(s)!], ['downstream', got.get(s)!]] as const) {
        const bad = list.findIndex((t, i) => !truth[i] || !same(t, truth[i]!));
        expect(bad === -1 && list.length === truth.length,
          `${where} ${s}: every trade once, in order, equal to the truth (n ${list.length} of ${truth.length}, first wrong at ${bad}: ${JSON.stringify(list[bad])} vs ${JSON.stringify(truth[bad])})`).toBe(true);
      }
    }
    expect(notices, 'no gap or resync downstream').toEqual([]);

    // Storage: every 1 s snapshot, 1 s / 1 m candle and t100 candle against the truth.
    const rows = new Map<string, Row>();
    for (const r of readSqlite<Record<string, unknown>>(db, 'SELECT * FROM snapshots')) { const x = snapshotFromRow(r); rows.set(naturalKey(x), x); }
    for (const r of readSqlite<Record<string, unknown>>(db, 'SELECT * FROM time_candles')) { const x = candleFromRow(r); rows.set(naturalKey(x), x); }
    for (const r of readSqlite<Record<string, unknown>>(db, 'SELECT * FROM tick_candles')) { const x = candleFromRow(r); rows.set(naturalKey(x), x); }
    const compared = { trades: 0, seconds: 0, empty: 0, minutes: 0, ticks: 0 };
    for (const s of SYMBOLS) {
      compared.trades += want.get(s)!.length;
      expectRowsEqualTruth('sqlite', s, rows, want.get(s)!, compared);
    }
    expect(compared.ticks).toBeGreaterThan(0);
    console.log(JSON.stringify({ test: 'three-process example', ratePerS: RATE, takeoverMs, ...compared, marks, ms: Date.now() - startedAt }));
  }, 120_000);
});
