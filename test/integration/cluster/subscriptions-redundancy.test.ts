/**
 * Subscriptions follow leases with redundancy 2: both holders of a shard subscribe on the venue.
 * A and B (in-process, attached feeds) each hold one slot of every shard, so the simulator sees
 * every stream on two clients. A stops gracefully: B keeps its subscriptions, C takes A's slots
 * and subscribes; the stream holds every trade once, contiguous, equal to the truth.
 */
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/gateway/gateway.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { FAILOVER_SYMBOLS } from './fixtures/collector-config.js';
import { useCollectorRig } from './fixtures/collector-rig.js';
import { until } from './helpers.js';
import { expectWholeAndTrue, streamTrades, venueSubscriptions } from './stream-check.js';

const TTL_MS = 4_000;
const ALL_STREAMS = FAILOVER_SYMBOLS.map((s) => `${s.toLowerCase()}@trade`).sort();
const twice = [...ALL_STREAMS, ...ALL_STREAMS].sort();

describe('venue subscriptions with redundancy 2', () => {
  // A 30 s window: the A/B copies of each trade land within it (the stream keeps one).
  const rig = useCollectorRig('subr', { leaseTtlMs: TTL_MS, redundancy: 2, duplicateWindowMs: 30_000 });
  const collector = (instance: string): Promise<Gateway> => rig.collector(instance);
  let sim: Simulator;
  const streamsOnVenue = (): string[] => venueSubscriptions(sim).flat().sort();

  it('both holders subscribe; a graceful stop moves one holder\'s subscriptions to the newcomer', async () => {
    sim = rig.sim = await startSimulator({ port: 0, seed: 17, rate: 150, symbols: FAILOVER_SYMBOLS, marketHours: 'always-open' });
    const a = await collector('A');
    const b = await collector('B');
    await until(() => a.cluster!.stats().owned.length === 4 && b.cluster!.stats().owned.length === 4, 'A and B hold a slot of every shard', 15_000);
    await until(() => streamsOnVenue().length === 6, 'both subscribed', 10_000);
    expect(streamsOnVenue()).toEqual(twice);
    await until(() => b.cluster!.stats().publisher!.published + a.cluster!.stats().publisher!.published > 300, 'A and B publish', 20_000);

    await rig.stop(a);
    await until(() => streamsOnVenue().length === 3, 'A\'s subscriptions gone', 10_000);
    expect(streamsOnVenue()).toEqual(ALL_STREAMS);
    const c = await collector('C');
    await until(() => c.cluster!.stats().owned.length === 4, 'C takes A\'s slots', 15_000);
    await until(() => streamsOnVenue().length === 6, 'C subscribed', 10_000);
    expect(streamsOnVenue()).toEqual(twice);
    const atC = c.cluster!.stats().publisher!.published + c.cluster!.stats().publisher!.duplicates;
    await until(() => c.cluster!.stats().publisher!.published + c.cluster!.stats().publisher!.duplicates > atC + 200, 'C publishes', 20_000);
    for (const g of [b, c]) await rig.stop(g);

    const { trades, messages } = await streamTrades(rig.ns);
    expectWholeAndTrue(sim, trades, FAILOVER_SYMBOLS);
    console.log(JSON.stringify({ test: 'subscriptions with redundancy 2', streamMessages: messages, cDuplicates: c.cluster!.stats().publisher?.duplicates, cSkippedInStream: c.cluster!.stats().skippedStreamTrades }));
  }, 90_000);
});
