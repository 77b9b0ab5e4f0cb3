/**
 * A NATS outage longer than the collector's memory queue: the overflow goes to the disk spool
 * and is replayed in order once NATS is back. The collector reaches NATS through a TCP proxy;
 * with a 100-event memory queue and 32 publishes in flight, a cut of a few seconds at 150 trades/s
 * spools hundreds of events (the leases, 20 s TTL, normally outlive the cut; on a machine so
 * loaded that they lapse, the re-take backfills and the stream must still be whole). Afterwards the stream holds
 * every trade once, contiguous, in order, equal to the simulator's truth; nothing was dropped.
 * Then a restart with events left in the spool (as a kill -9 mid-outage leaves it): they are
 * discarded, not published (the memory queue before them died), and the takeover backfill makes
 * the stream whole across the restart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BusSpool } from '../../../src/cluster/bus-spool.js';
import { deepMerge } from '../../../src/config/layers.js';
import { loadConfig } from '../../../src/config/load.js';
import type { Gateway } from '../../../src/gateway/gateway.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { tempDir } from '../gateway/helpers.js';
import { startGateway } from '../../../src/gateway/gateway.js';
import { collectorLayer, FAILOVER_SYMBOLS } from './fixtures/collector-config.js';
import { dropNamespace, uniqueNamespace, until } from './helpers.js';
import { expectWholeAndTrue, streamTrades } from './stream-check.js';

const MEMORY_QUEUE = 100;

describe('collector disk spool across a NATS outage longer than the memory queue', () => {
  const ns = uniqueNamespace('spool');
  const tmp = tempDir('spool');
  let sim: Simulator;
  let proxy: TcpProxy | null = null;
  let gw: Gateway | null = null;

  afterAll(async () => {
    await proxy?.forward().catch(() => undefined);
    await gw?.stop().catch(() => undefined);
    await proxy?.stop();
    await sim?.close();
    tmp.remove();
    await dropNamespace(ns);
  });

  it('nothing lost, in order: the spooled overflow is published after the memory queue', async () => {
    proxy = new TcpProxy(4222);
    await proxy.start();
    sim = await startSimulator({ port: 0, seed: 19, rate: 150, symbols: FAILOVER_SYMBOLS, marketHours: 'always-open' });
    const layer = deepMerge(collectorLayer({ simPort: sim.port, namespace: ns, instance: 'S', dir: tmp.dir, leaseTtlMs: 20_000, duplicateWindowMs: 60_000 }), {
      cluster: { nats: `nats://127.0.0.1:${proxy.port}`, maxQueuedPublishes: MEMORY_QUEUE, maxInFlightPublishes: 32, publishTimeoutMs: 2_000 },
    });
    gw = await startGateway(loadConfig({ env: {}, cli: layer }).config);
    const stats = () => gw!.cluster!.stats();
    await until(() => stats().owned.length === 4 && (stats().publisher?.published ?? 0) > 200, 'the collector publishes', 20_000);

    await proxy.refuse();
    // Event-driven: the cut lasts until the overflow is well past the memory queue.
    await until(() => (stats().spool?.depth ?? 0) > 2 * MEMORY_QUEUE, 'overflow spooled to disk', 30_000);
    const inOutage = { queued: stats().queued, spooled: stats().spool!.spooled, depth: stats().spool!.depth };
    await proxy.forward();
    await until(() => stats().spool!.depth === 0, 'the spool replayed', 30_000);
    const back = stats().publisher!.published;
    await until(() => stats().publisher!.published > back + 200, 'publishing live after the replay', 30_000);
    await gw.stop();
    const st = stats();
    gw = null;
    expect(st.dropped).toBe(0);
    expect(st.spool!.replayed).toBe(st.spool!.spooled);
    expect(st.spool!.spooled).toBeGreaterThan(2 * MEMORY_QUEUE);
    expect(st.publisher!.outOfOrder).toBe(0);

    const { trades, messages } = await streamTrades(ns);
    expectWholeAndTrue(sim, trades, FAILOVER_SYMBOLS);
    console.log(JSON.stringify({ test: 'collector spool', memoryQueue: MEMORY_QUEUE, inOutage, spooled: st.spool!.spooled, replayed: st.spool!.replayed, maxQueued: st.maxQueued, streamMessages: messages, retries: st.publisher!.retries, leasesLost: st.leases!.lost }));
  }, 90_000);
  it('a restart discards what a previous run left in the spool; the takeover backfill keeps the stream whole', async () => {
    const left = new BusSpool({ dir: `${tmp.dir}/cluster-spool/S`, maxBytes: 1024 * 1024 });
    for (let i = 1; i <= 50; i++) left.add({ type: 'trade', venue: 'binance', symbol: 'FAKEUSDT', eventTime: i, receiveTime: i, tradeId: String(i), seq: i, price: '1', size: '1', side: 'buy', source: 'trade' });
    await left.close();
    // Same bucket TTL and window as the first run (they are the stream's and bucket's settings).
    const layer = collectorLayer({ simPort: sim.port, namespace: ns, instance: 'S', dir: tmp.dir, leaseTtlMs: 20_000, duplicateWindowMs: 60_000 });
    gw = await startGateway(loadConfig({ env: {}, cli: layer }).config);
    const stats = () => gw!.cluster!.stats();
    await until(() => stats().owned.length === 4 && (stats().publisher?.published ?? 0) > 200, 'the restarted collector publishes', 30_000);
    await gw.stop();
    const st = stats();
    gw = null;
    expect(st.handoverBackfills).toBeGreaterThan(0); // the trades of the restart gap came by REST
    const { trades } = await streamTrades(ns);
    expect(trades.filter((t) => t.symbol === 'FAKEUSDT')).toEqual([]);
    expectWholeAndTrue(sim, trades, FAILOVER_SYMBOLS);
  }, 60_000);
});
