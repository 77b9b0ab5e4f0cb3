/**
 * A takeover longer than the standby ring: B is a hot standby subscribed to every symbol (no
 * subscriptions-follow-leases) with a ring of only 5 events per symbol. A (its own process)
 * holds every shard; kill -9 A: during its lease TTL hundreds of trades per symbol pass, far more
 * than B's ring holds. B resumes each symbol after the stream's last trade: the ring replays what
 * it has and integrity's gap filler REST-fetches the rest. The stream then holds every trade from
 * first to last, once, contiguous, equal to the simulator's truth (before, this was a counted
 * handover gap).
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
import { expectWholeAndTrue, streamTrades } from './stream-check.js';

const TTL_MS = 4_000;
const RING = 5;

describe('takeover beyond the standby ring', () => {
  const ns = uniqueNamespace('ring');
  const tmp = tempDir('ring');
  let sim: Simulator;
  let child: ChildProcess | null = null;
  let b: Gateway | null = null;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await b?.stop().catch(() => undefined);
    await sim?.close();
    tmp.remove();
    await dropNamespace(ns);
  });

  it('the new owner REST-backfills from the stream\'s last trade: no gap, no double', async () => {
    sim = await startSimulator({ port: 0, seed: 13, rate: 150, symbols: FAILOVER_SYMBOLS, marketHours: 'always-open' });
    const a = await startCollectorChild({ simPort: sim.port, namespace: ns, instance: 'A', dir: `${tmp.dir}/A`, leaseTtlMs: TTL_MS });
    child = a.proc;
    const lines = a.lines;

    b = await startGateway(loadConfig({ env: {}, cli: collectorLayer({ simPort: sim.port, namespace: ns, instance: 'B', dir: `${tmp.dir}/B`, leaseTtlMs: TTL_MS, standbyEventsPerSymbol: RING, subscribeOwnedOnly: false }) }).config);
    // A hot standby: subscribed to every symbol while holding nothing.
    await until(() => b!.feeds.get('binance')!.subscribedStreams().length === FAILOVER_SYMBOLS.length, 'B subscribed to every symbol', 10_000);
    expect(b.cluster!.stats().owned).toEqual([]);

    const truthAtKill = new Map(FAILOVER_SYMBOLS.map((s) => [s, sim.truth.trades('binance', s).length]));
    child.kill('SIGKILL');
    await until(() => b!.cluster!.stats().owned.length === 4, 'B owns every shard', 15_000);
    // More trades passed per symbol between the kill and the takeover than the ring holds.
    const passed = Math.min(...FAILOVER_SYMBOLS.map((s) => sim.truth.trades('binance', s).length - truthAtKill.get(s)!));
    expect(passed).toBeGreaterThan(RING * 2);
    const atTakeover = b.cluster!.stats().publisher!.published;
    await until(() => b!.cluster!.stats().publisher!.published > atTakeover + 300, 'B publishes live', 20_000);
    await b.stop();
    const st = b.cluster!.stats();
    b = null;
    expect(st.handoverBackfills).toBe(FAILOVER_SYMBOLS.length);
    expect(st.handoverGaps).toBe(0);
    expect(st.dropped).toBe(0);

    const { trades, messages } = await streamTrades(ns);
    const spans = expectWholeAndTrue(sim, trades, FAILOVER_SYMBOLS);
    console.log(JSON.stringify({ test: 'takeover beyond the ring', ring: RING, tradesPerSymbolDuringLapse: passed, replayed: st.handoverReplayed, backfills: st.handoverBackfills, streamMessages: messages, spans: Object.fromEntries(spans) }));
  }, 90_000);
});
