/**
 * Two gateways over the bus: a collector (simulator -> feeds -> integrity -> JetStream) and a
 * processor (JetStream -> pipeline -> downstream server), each with its own config. The
 * processor's downstream trades equal the simulator's ground truth: contiguous ids, same price
 * and size, each once, in id order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlainObject } from '../../../src/config/layers.js';
import { deepMerge } from '../../../src/config/layers.js';
import { loadConfig } from '../../../src/config/load.js';
import { startDemo, type Demo } from '../../../src/gateway/demo.js';
import { startGateway, type Gateway } from '../../../src/gateway/gateway.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import type { Trade } from '../../../src/model/events.js';
import { TickgateClient } from '../../../src/server/client.js';
import type { DataMessage } from '../../../src/server/protocol.js';
import { FAST_CONNECTION, tempDir, waitFor } from '../gateway/helpers.js';
import { dropNamespace, uniqueNamespace } from './helpers.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

describe('gateway roles: collector -> JetStream -> processor', () => {
  const ns = uniqueNamespace('gw');
  const tmpA = tempDir('cluster-col');
  const tmpB = tempDir('cluster-proc');
  // 4 s: on a loaded machine (2 cores, parallel test files) a 2 s lease can lapse between renewals.
  const cluster = { namespace: ns, shards: 4, leaseTtlMs: 4_000, leaseRenewIntervalMs: 1_000 };
  let demo: Demo;
  let processor: Gateway;
  let client: TickgateClient | null = null;

  beforeAll(async () => {
    demo = await startDemo({
      port: 0, dataDir: tmpA.dir, rate: 200, cryptoSymbols: SYMBOLS, equitySymbols: [],
      overrides: { ...FAST_CONNECTION, venues: { bybit: { enabled: false } }, cluster: { ...cluster, role: 'collector', instance: 'col-a' } },
    });
    const base = `127.0.0.1:${demo.simulator.port}`;
    const layer: PlainObject = {
      marketHours: { skip: true },
      venues: {
        binance: { enabled: true, wsBaseUrl: `ws://${base}/binance`, restBaseUrl: `http://${base}/binance`, symbols: SYMBOLS, streams: ['trade', 'bookTicker', 'depth'] },
        bybit: { enabled: false }, equities: { enabled: false },
      },
      sinks: [`sqlite:${tmpB.dir}/tickgate.db`], storage: { spoolDir: `${tmpB.dir}/spool` }, server: { port: 0 },
      cluster: { ...cluster, role: 'processor', instance: 'proc-1' },
    };
    processor = await startGateway(loadConfig({ env: {}, cli: deepMerge(FAST_CONNECTION, layer) }).config);
  }, 40_000);

  afterAll(async () => {
    await client?.close();
    await processor?.stop();
    await demo?.stop();
    tmpA.remove();
    tmpB.remove();
    await dropNamespace(ns);
  });

  it('the collector holds every shard and publishes; the processor opens no venue connection', async () => {
    await waitFor(() => (demo.gateway.cluster?.stats().publisher?.published ?? 0) > 50, 'collector publishes', 20_000, () => demo.gateway.cluster?.stats());
    await waitFor(() => demo.gateway.cluster!.stats().owned.length === 4, 'collector holds every shard', 15_000, () => demo.gateway.cluster?.stats().leases);
    expect(processor.manager.details()).toEqual([]);
    await waitFor(() => (processor.cluster?.stats().consumed ?? 0) > 50, 'processor consumes', 20_000, () => processor.cluster?.stats());
    const col = await demo.gateway.metrics.text();
    expect(col).toMatch(/^tickgate_cluster_shards_owned 4$/m);
    expect(col).toMatch(/^tickgate_cluster_published_total\{result="stored"\} [1-9]\d*$/m);
    expect(col).toMatch(/^tickgate_cluster_lease_changes_total\{change="acquired"\} [1-9]\d*$/m);
    expect(col).toMatch(/^tickgate_cluster_publish_ack_seconds_count [1-9]\d*$/m);
    expect(col).toMatch(/^tickgate_cluster_publish_ack_recent_max_seconds (0\.\d+|[1-9][\d.e-]*)$/m);
    const proc = await processor.metrics.text();
    expect(proc).toMatch(/^tickgate_cluster_consumed_total [1-9]\d*$/m);
    expect(proc).toMatch(/^tickgate_cluster_consumer_lag_messages \d+$/m);
    // The status (dashboard cluster panel) carries each instance's part.
    const cs = demo.gateway.status().cluster!;
    expect([cs.role, cs.instance, cs.owned.length, cs.consumer]).toEqual(['collector', 'col-a', 4, null]);
    expect(cs.publish!.stored).toBeGreaterThan(0);
    const ps = processor.status().cluster!;
    expect([ps.role, ps.publish, ps.owned]).toEqual(['processor', null, []]);
    expect(ps.consumer!.consumed).toBeGreaterThan(0);
  }, 30_000);

  it('downstream trades of the processor equal the simulator\'s ground truth, each once, in id order', async () => {
    const got = new Map<string, Trade[]>();
    client = new TickgateClient({ url: `${processor.url!.replace(/^http/, 'ws')}/ws`, channels: SYMBOLS.map((s) => `trades.binance.${s}`) });
    client.on('data', (m: DataMessage) => { let l = got.get(m.channel); if (!l) got.set(m.channel, (l = [])); l.push(m.data as Trade); });
    client.connect();
    await waitFor(() => SYMBOLS.every((s) => (got.get(`trades.binance.${s}`)?.length ?? 0) >= 100), '100 trades per symbol at the processor', 30_000,
      () => SYMBOLS.map((s) => got.get(`trades.binance.${s}`)?.length ?? 0));
    for (const s of SYMBOLS) {
      const trades = got.get(`trades.binance.${s}`)!;
      const ids = trades.map((t) => Number(t.tradeId));
      expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1), `${s}: contiguous ids, no double`).toBe(true);
      const truth = new Map(demo.simulator.truth.trades('binance', s).map((t) => [t.id, t]));
      for (const t of trades) {
        const want = truth.get(Number(t.tradeId));
        expect(want, `${s} trade ${t.tradeId} in the truth`).toBeDefined();
        expect([normalizeDecimal(t.price), normalizeDecimal(t.size)]).toEqual([normalizeDecimal(want!.price), normalizeDecimal(want!.qty)]);
      }
    }
    expect(demo.gateway.cluster!.stats().dropped).toBe(0);
    expect(demo.gateway.cluster!.stats().publisher!.outOfOrder).toBe(0);
  }, 40_000);
});
