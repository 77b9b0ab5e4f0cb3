/**
 * A/B redundancy: two collectors hold every shard at once (redundancy 2). Collector A reaches the
 * venue only through a TCP proxy, which refuses for 10 s mid-run; B keeps the stream whole. The
 * stream's duplicate window is 6 s, shorter than the outage: when A is back (reconnect + REST
 * backfill through integrity), the window alone would store B's oldest trades of the outage a
 * second time; A looks the stream's last trade up and skips what is there. The stream has every
 * trade of each symbol once, contiguous, equal to the truth.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import { EventConsumer } from '../../../src/cluster/consumer.js';
import { loadConfig } from '../../../src/config/load.js';
import { startGateway, type Gateway } from '../../../src/gateway/gateway.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import type { Trade } from '../../../src/model/events.js';
import { startSimulator, type Simulator } from '../../../simulator/simulator.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { tempDir } from '../gateway/helpers.js';
import { collectorLayer, FAILOVER_SYMBOLS } from './fixtures/collector-config.js';
import { dropNamespace, natsConnect, uniqueNamespace, until } from './helpers.js';

describe('A/B collectors on the same shards', () => {
  const ns = uniqueNamespace('ab');
  const tmpA = tempDir('ab-a');
  const tmpB = tempDir('ab-b');
  let sim: Simulator;
  let proxy: TcpProxy;
  const gws: Gateway[] = [];

  afterAll(async () => {
    for (const g of gws) await g.stop().catch(() => undefined);
    await proxy?.stop();
    await sim?.close();
    tmpA.remove(); tmpB.remove();
    await dropNamespace(ns);
  });

  it('A loses its venue connection for 10 s: nothing lost, nothing doubled', async () => {
    sim = await startSimulator({ port: 0, seed: 11, rate: 120, symbols: FAILOVER_SYMBOLS, marketHours: 'always-open' });
    proxy = new TcpProxy(sim.port);
    await proxy.start();
    // 6 s = the least the config allows for a 2 s TTL and a 1 s publish timeout.
    const win = { redundancy: 2 as const, duplicateWindowMs: 6_000, publishTimeoutMs: 1_000 };
    const a = await startGateway(loadConfig({ env: {}, cli: collectorLayer({ simPort: proxy.port, namespace: ns, instance: 'A', dir: tmpA.dir, ...win }) }).config);
    gws.push(a);
    const b = await startGateway(loadConfig({ env: {}, cli: collectorLayer({ simPort: sim.port, namespace: ns, instance: 'B', dir: tmpB.dir, ...win }) }).config);
    gws.push(b);
    // Each holds one slot of every shard (on a loaded machine a 2 s lease may flap once at start).
    await until(() => a.cluster!.stats().owned.length === 4 && b.cluster!.stats().owned.length === 4, 'A and B hold every shard', 15_000);
    const pubs = () => a.cluster!.stats().publisher!.published + b.cluster!.stats().publisher!.published;
    await until(() => pubs() > 200, 'both publish', 20_000);

    await proxy.refuse();
    const aBefore = a.cluster!.stats().publisher!;
    await new Promise((r) => setTimeout(r, 10_000));
    await proxy.forward();
    // A is back when it has skipped the backfill B stored and publishes (mostly as duplicates of B's live trades) again.
    await until(() => a.cluster!.stats().skippedStreamTrades > 100, 'A skips the backfilled trades the stream holds', 30_000);
    await until(() => a.cluster!.stats().publisher!.duplicates > aBefore.duplicates + 100, 'A publishes live again', 30_000);
    const total0 = pubs();
    await until(() => pubs() > total0 + 100, 'flowing after A returned', 20_000);
    for (const g of gws.splice(0)) await g.stop();
    const sa = a.cluster!.stats(); const sb = b.cluster!.stats();
    expect(sa.dropped + sb.dropped).toBe(0);

    const nc = await natsConnect();
    try {
      const jsm = await jetstreamManager(nc);
      const total = (await jsm.streams.info(`${ns}-events`)).state.messages;
      // A publish reported as timed out may still have landed (its re-send then comes back as a duplicate).
      expect(total).toBeGreaterThanOrEqual(sa.publisher!.published + sb.publisher!.published);
      const c = await EventConsumer.open(nc, jsm, { namespace: ns, durable: 'check', maxAckPending: 1_000, ackWaitMs: 30_000 });
      const trades: Trade[] = [];
      const seqOf: number[] = [];
      let n = 0;
      for await (const m of c) { if (m.event.type === 'trade') { trades.push(m.event); seqOf.push(m.streamSeq); } m.ack(); if (++n === total) break; }
      const seen = new Map<string, number>();
      for (let i = 0; i < trades.length; i++) {
        const k = `${trades[i]!.symbol}|${trades[i]!.seq}`;
        const j = seen.get(k);
        if (j === undefined) { seen.set(k, i); continue; }
        const detail = [];
        for (const at of [j, i]) {
          const raw = await jsm.streams.getMessage(`${ns}-events`, { seq: seqOf[at]! });
          detail.push({ streamSeq: seqOf[at], msgId: raw?.header?.get('Nats-Msg-Id'), time: raw?.time, event: trades[at] });
        }
        console.log(JSON.stringify({ double: k, detail }));
      }
      await c.close();
      let duplicated = 0;
      for (const s of FAILOVER_SYMBOLS) {
        const all = trades.filter((t) => t.symbol === s).map((t) => t.seq!);
        // A double would be printed above with both copies' msg ids and store times.
        const ids = all.filter((id, i) => all.indexOf(id) === i);
        duplicated += all.length - ids.length;
        const breaks = ids.map((id, i) => (i > 0 && id !== ids[i - 1]! + 1 ? `${ids[i - 1]} -> ${id} at ${i}` : null)).filter((x) => x !== null);
        if (breaks.length > 0) console.log(JSON.stringify({ symbol: s, breaks: breaks.slice(0, 20) }));
        expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1), `${s}: contiguous, in order (first ${ids[0]}, last ${ids.at(-1)}, n ${ids.length})`).toBe(true);
        const truth = new Map(sim.truth.trades('binance', s).map((t) => [t.id, t]));
        for (const t of trades.filter((x) => x.symbol === s)) {
          const want = truth.get(t.seq!);
          expect(want, `${s} ${t.seq} in the truth`).toBeDefined();
          expect([normalizeDecimal(t.price), normalizeDecimal(t.size)]).toEqual([normalizeDecimal(want!.price), normalizeDecimal(want!.qty)]);
        }
      }
      expect(duplicated, 'trades stored twice in the stream').toBe(0);
      console.log(JSON.stringify({ test: 'A/B 10 s venue outage of A', streamMessages: total, duplicatedTrades: duplicated,
        skipped: { aInStream: sa.skippedStreamTrades, aOwn: sa.skippedOwnTrades, aLookups: sa.catchUpLookups, bInStream: sb.skippedStreamTrades }, a: { published: sa.publisher!.published, duplicates: sa.publisher!.duplicates }, b: { published: sb.publisher!.published, duplicates: sb.publisher!.duplicates } }));
    } finally {
      await nc.close();
    }
  }, 90_000);
});
