/**
 * Venue subscriptions follow the leases. Collector A (its own process) holds every shard and is
 * the only venue client subscribed; standby B holds no subscription at all. kill -9 A: B takes
 * the shards, subscribes, and REST-backfills each symbol from the stream's last trade (nobody
 * received the trades while A's leases lapsed). Then C joins as a standby and B stops gracefully:
 * the subscriptions move to C the same way. The simulator's own view of each client's streams is
 * checked at every step; the stream holds every trade from first to last, once, contiguous, equal
 * to the simulator's truth.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { Gateway } from '../../../src/gateway/gateway.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { tempDir } from '../gateway/helpers.js';
import { startGateway } from '../../../src/gateway/gateway.js';
import { collectorLayer, FAILOVER_SYMBOLS } from './fixtures/collector-config.js';
import { startCollectorChild } from './fixtures/collector-child.js';
import { dropNamespace, uniqueNamespace, until } from './helpers.js';
import { expectWholeAndTrue, streamTrades, venueSubscriptions } from './stream-check.js';

const TTL_MS = 4_000;
const ALL_STREAMS = FAILOVER_SYMBOLS.map((s) => `${s.toLowerCase()}@trade`).sort();

/** Venue clients with at least one stream, and the streams over all clients (sorted, with repeats). */
function subscribed(sim: Simulator): { holders: number; streams: string[] } {
  const subs = venueSubscriptions(sim).filter((s) => s.length > 0);
  return { holders: subs.length, streams: subs.flat().sort() };
}

describe('venue subscriptions follow shard leases', () => {
  const ns = uniqueNamespace('sub');
  const tmp = tempDir('sub');
  let sim: Simulator;
  let child: ChildProcess | null = null;
  const gws: Gateway[] = [];

  afterAll(async () => {
    child?.kill('SIGKILL');
    for (const g of gws) await g.stop().catch(() => undefined);
    await sim?.close();
    tmp.remove();
    await dropNamespace(ns);
  });

  const collector = async (instance: string): Promise<Gateway> => {
    const g = await startGateway(loadConfig({ env: {}, cli: collectorLayer({ simPort: sim.port, namespace: ns, instance, dir: `${tmp.dir}/${instance}`, leaseTtlMs: TTL_MS }) }).config);
    gws.push(g);
    return g;
  };

  it('kill -9 and graceful stop of the holder move the subscriptions; every trade once, contiguous, true', async () => {
    sim = await startSimulator({ port: 0, seed: 11, rate: 150, symbols: FAILOVER_SYMBOLS, marketHours: 'always-open' });
    const a = await startCollectorChild({ simPort: sim.port, namespace: ns, instance: 'A', dir: `${tmp.dir}/A`, leaseTtlMs: TTL_MS });
    child = a.proc;
    const lines = a.lines;
    expect(lines.at(-1)!.owned!.sort()).toEqual([0, 1, 2, 3]);
    expect([...lines.at(-1)!.streams!].sort()).toEqual(ALL_STREAMS);

    // B: a standby with no shard holds no venue subscription (its idle socket carries nothing).
    const b = await collector('B');
    await b.cluster!.subscriptionsSettled();
    expect(b.cluster!.stats().owned).toEqual([]);
    expect(b.feeds.get('binance')!.subscribedStreams()).toEqual([]);
    expect(subscribed(sim)).toEqual({ holders: 1, streams: ALL_STREAMS });
    expect(b.status().cluster!.venueStreams).toBe(0);

    const killedAt = Date.now();
    child.kill('SIGKILL');
    await until(() => b.cluster!.stats().owned.length === 4, 'B owns every shard', 15_000);
    await until(() => subscribed(sim).holders === 1 && b.feeds.get('binance')!.subscribedStreams().length === 3, 'the venue subscriptions moved to B', 10_000);
    expect(subscribed(sim).streams).toEqual(ALL_STREAMS);
    const takeoverMs = Date.now() - killedAt;
    expect(b.status().cluster!.venueStreams).toBe(3);
    expect(await b.metrics.text()).toMatch(/^tickgate_cluster_venue_subscription_changes_total\{change="subscribed"\} 3$/m);
    const atTakeover = b.cluster!.stats().publisher!.published;
    await until(() => b.cluster!.stats().publisher!.published > atTakeover + 300, 'B publishes live', 20_000);
    const bStats = b.cluster!.stats();
    // Nobody received the trades between A's death and B's subscribe: all came by REST.
    expect(bStats.handoverBackfills).toBeGreaterThanOrEqual(1);
    expect(bStats.handoverGaps).toBe(0);

    // C joins as a standby, then B stops gracefully (its leases are released at once).
    const c = await collector('C');
    await c.cluster!.subscriptionsSettled();
    expect(c.feeds.get('binance')!.subscribedStreams()).toEqual([]);
    expect(subscribed(sim)).toEqual({ holders: 1, streams: ALL_STREAMS });
    await b.stop();
    gws.splice(gws.indexOf(b), 1);
    await until(() => c.cluster!.stats().owned.length === 4, 'C owns every shard', 15_000);
    await until(() => c.feeds.get('binance')!.subscribedStreams().length === 3 && subscribed(sim).holders === 1, 'the venue subscriptions moved to C', 10_000);
    expect(subscribed(sim).streams).toEqual(ALL_STREAMS);
    const atC = c.cluster!.stats().publisher!.published;
    await until(() => c.cluster!.stats().publisher!.published > atC + 300, 'C publishes live', 20_000);
    await c.stop();
    gws.splice(gws.indexOf(c), 1);
    const cStats = c.cluster!.stats();
    expect(cStats.dropped).toBe(0);
    expect(cStats.handoverGaps).toBe(0);

    const { trades, messages } = await streamTrades(ns);
    const spans = expectWholeAndTrue(sim, trades, FAILOVER_SYMBOLS);
    console.log(JSON.stringify({
      test: 'subscriptions follow leases', takeoverMs, streamMessages: messages, spans: Object.fromEntries(spans),
      b: { backfills: bStats.handoverBackfills, published: bStats.publisher?.published, skippedInStream: bStats.skippedStreamTrades },
      c: { backfills: cStats.handoverBackfills, published: cStats.publisher?.published, skippedInStream: cStats.skippedStreamTrades },
    }));
  }, 120_000);
});
