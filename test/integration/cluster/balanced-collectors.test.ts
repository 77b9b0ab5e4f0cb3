/**
 * Two collector gateways with cluster.balanceShards against the simulator and the real NATS:
 * the second one started gets half of the shards released to it, each subscribes on the venue
 * only to its own symbols (no stream on both), then a graceful stop hands everything back; the
 * stream holds every trade once, contiguous and equal to the simulator's across both hand-overs.
 */
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/gateway/gateway.js';
import { shardOf } from '../../../src/cluster/shards.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { useCollectorRig } from './fixtures/collector-rig.js';
import { until } from './helpers.js';
import { expectWholeAndTrue, streamTrades, venueSubscriptions } from './stream-check.js';

// Spread over the 4 shards of the test layer (0: BTC ETH DOGE, 1: SOL BNB XRP, 3: ADA AVAX).
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'AVAXUSDT'];
const streamOf = (s: string): string => `${s.toLowerCase()}@trade`;
const ALL_STREAMS = SYMBOLS.map(streamOf).sort();
const TTL_MS = 4_000;

describe('balanced collectors (cluster.balanceShards)', () => {
  const rig = useCollectorRig('bal', { leaseTtlMs: TTL_MS, symbols: SYMBOLS, balanceShards: true });
  const collector = (instance: string): Promise<Gateway> => rig.collector(instance);
  let sim: Simulator;
  const published = (g: Gateway): number => g.cluster!.stats().publisher?.published ?? 0;
  const streamsOf = (g: Gateway): string[] => [...g.feeds.get('binance')!.subscribedStreams()].sort();
  const wantStreams = (g: Gateway): string[] => SYMBOLS.filter((s) => g.cluster!.stats().owned.includes(shardOf('binance', s, 4))).map(streamOf).sort();

  it('a second collector gets its share and only its symbols on the venue; a graceful stop hands them back; every trade once, true', async () => {
    sim = rig.sim = await startSimulator({ port: 0, seed: 21, rate: 200, symbols: SYMBOLS, marketHours: 'always-open' });
    const a = await collector('A');
    await until(() => a.cluster!.stats().owned.length === 4, 'A alone owns every shard', 15_000);
    await until(() => published(a) > 300, 'A publishes', 20_000);

    const b = await collector('B');
    await until(() => a.cluster!.stats().owned.length === 2 && b.cluster!.stats().owned.length === 2, 'A and B own 2 shards each', 20_000);
    expect([...a.cluster!.stats().owned, ...b.cluster!.stats().owned].sort()).toEqual([0, 1, 2, 3]);
    await until(async () => {
      await a.cluster!.subscriptionsSettled();
      await b.cluster!.subscriptionsSettled();
      return streamsOf(a).join() === wantStreams(a).join() && streamsOf(b).join() === wantStreams(b).join();
    }, 'each collector subscribed to its own symbols only', 15_000);
    expect(streamsOf(a).length).toBeGreaterThan(0);
    expect(streamsOf(b).length).toBeGreaterThan(0);
    // The venue sees each stream on exactly one client.
    expect(venueSubscriptions(sim).flat().sort()).toEqual(ALL_STREAMS);
    const atSplit = published(b);
    await until(() => published(b) > atSplit + 300, 'B publishes its share live', 20_000);

    await rig.stop(b);
    await until(() => a.cluster!.stats().owned.length === 4, 'A owns every shard again', 15_000);
    await until(async () => { await a.cluster!.subscriptionsSettled(); return streamsOf(a).join() === ALL_STREAMS.join(); }, 'A subscribed to every symbol again', 15_000);
    const atBack = published(a);
    await until(() => published(a) > atBack + 300, 'A publishes everything live', 20_000);
    await rig.stop(a);
    expect(a.cluster!.stats().handoverGaps).toBe(0);
    expect(b.cluster!.stats().handoverGaps).toBe(0);

    const { trades, messages } = await streamTrades(rig.ns);
    const spans = expectWholeAndTrue(sim, trades, SYMBOLS);
    console.log(JSON.stringify({ test: 'balanced collectors', streamMessages: messages, spans: Object.fromEntries(spans), backfills: { a: a.cluster!.stats().handoverBackfills, b: b.cluster!.stats().handoverBackfills } }));
  }, 120_000);
});
