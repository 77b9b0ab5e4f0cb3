/**
 * A collector that gets back shards it once held resumes from the bus stream's last trade, not
 * from its own old last id. Collector A reaches NATS through a TCP proxy and holds every shard;
 * B is a standby. The proxy refuses: A's leases lapse, B takes the shards over, A unsubscribes
 * on the venue and its feed integrity forgets those symbols (ClusterWiring.forgetShard). B
 * publishes for a while, then stops gracefully: A takes the shards back. A's integrity sees no
 * gap against the ids it delivered before the loss (without forgetSymbol it would REST-backfill
 * from them, trades the stream holds from B); the takeover backfill fills from B's last trade.
 * The stream holds every trade once, contiguous, equal to the simulator's truth.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { deepMerge } from '../../../src/config/layers.js';
import { loadConfig } from '../../../src/config/load.js';
import type { Gateway } from '../../../src/gateway/gateway.js';
import { startGateway } from '../../../src/gateway/gateway.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { tempDir } from '../gateway/helpers.js';
import { collectorLayer, FAILOVER_SYMBOLS } from './fixtures/collector-config.js';
import { dropNamespace, uniqueNamespace, until } from './helpers.js';
import { expectWholeAndTrue, streamTrades } from './stream-check.js';

const TTL_MS = 2_000;

describe('a collector regaining shards it once held', () => {
  const ns = uniqueNamespace('regain');
  const tmp = tempDir('regain');
  let sim: Simulator;
  let proxy: TcpProxy | null = null;
  const gws: Gateway[] = [];

  afterAll(async () => {
    await proxy?.forward().catch(() => undefined);
    for (const g of gws) await g.stop().catch(() => undefined);
    await proxy?.stop();
    await sim?.close();
    tmp.remove();
    await dropNamespace(ns);
  });

  it('resumes from the stream\'s last trade (takeover backfill), its integrity sees no gap against its old ids', async () => {
    proxy = new TcpProxy(4222);
    await proxy.start();
    sim = await startSimulator({ port: 0, seed: 23, rate: 150, symbols: FAILOVER_SYMBOLS, marketHours: 'always-open' });
    const layer = (instance: string, nats?: string) => loadConfig({ env: {}, cli: deepMerge(collectorLayer({ simPort: sim.port, namespace: ns, instance, dir: `${tmp.dir}/${instance}`, leaseTtlMs: TTL_MS }), nats ? { cluster: { nats } } : {}) }).config;
    const a = await startGateway(layer('A', `nats://127.0.0.1:${proxy.port}`));
    gws.push(a);
    const aFeed = a.feeds.get('binance')!;
    await until(() => a.cluster!.stats().owned.length === 4 && (a.cluster!.stats().publisher?.published ?? 0) > 200, 'A publishes every shard', 20_000);
    const b = await startGateway(layer('B'));
    gws.push(b);
    await b.cluster!.subscriptionsSettled();
    expect(b.cluster!.stats().owned).toEqual([]);

    await proxy.refuse();
    await until(() => a.cluster!.stats().owned.length === 0 && b.cluster!.stats().owned.length === 4, 'A lost its leases, B holds every shard', 30_000);
    await until(() => aFeed.subscribedStreams().length === 0, 'A unsubscribed on the venue', 10_000);
    await a.cluster!.subscriptionsSettled();
    const aBefore = aFeed.integrity.stats();
    await proxy.forward();
    const atB = b.cluster!.stats().publisher!.published;
    await until(() => b.cluster!.stats().publisher!.published > atB + 300, 'B publishes live', 20_000);

    const aBackfillsBefore = a.cluster!.stats().handoverBackfills;
    await b.stop();
    gws.splice(gws.indexOf(b), 1);
    await until(() => a.cluster!.stats().owned.length === 4 && aFeed.subscribedStreams().length === 3, 'A holds and subscribes every shard again', 20_000);
    const atA = a.cluster!.stats().publisher!.published;
    await until(() => a.cluster!.stats().publisher!.published > atA + 300, 'A publishes live again', 20_000);
    const aAfter = aFeed.integrity.stats();
    const aStats = a.cluster!.stats();
    await a.stop();
    gws.splice(gws.indexOf(a), 1);

    const { trades, messages } = await streamTrades(ns);
    console.log(JSON.stringify({
      test: 'regain shards', streamMessages: messages,
      a: { backfills: aStats.handoverBackfills, backfillsBefore: aBackfillsBefore, lookupFailures: aStats.handoverLookupFailures, replayed: aStats.handoverReplayed, catchUpLookups: aStats.catchUpLookups, skippedInStream: aStats.skippedStreamTrades, integrityGaps: aAfter.gapsDetected },
    }));
    const spans = expectWholeAndTrue(sim, trades, FAILOVER_SYMBOLS);
    // The ids B published in between came neither by A's integrity backfill nor as a gap it saw:
    // A's streams started anew, and the takeover filled from B's last trade.
    expect(aAfter.gapsDetected - aBefore.gapsDetected).toBe(0);
    expect(aAfter.tradesBackfilled - aBefore.tradesBackfilled).toBe(0);
    expect(aStats.handoverBackfills - aBackfillsBefore).toBeGreaterThanOrEqual(1);
    expect(aStats.handoverGaps).toBe(0);
    expect(aStats.dropped).toBe(0);
    expect(spans.size).toBe(FAILOVER_SYMBOLS.length);
  }, 120_000);
});
