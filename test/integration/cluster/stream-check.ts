/**
 * Ground-truth checks shared by the cluster tests: the whole events stream read back per symbol
 * (every trade once, contiguous, equal to the simulator's), and the simulator's own view of which
 * streams each venue client subscribed to.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { expect } from 'vitest';
import { EventConsumer } from '../../../src/cluster/consumer.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import type { Trade } from '../../../src/model/events.js';
import type { Simulator } from '../../../simulator/simulator.js';
import { natsConnect } from './helpers.js';

/** Every trade in the namespace's stream, in stream order. */
export async function streamTrades(ns: string, url?: string): Promise<{ trades: Trade[]; messages: number }> {
  const nc = await natsConnect(url);
  try {
    const jsm = await jetstreamManager(nc);
    const total = (await jsm.streams.info(`${ns}-events`)).state.messages;
    const c = await EventConsumer.open(nc, jsm, { namespace: ns, durable: `check${Date.now().toString(36)}`, maxAckPending: 1_000, ackWaitMs: 30_000 });
    const trades: Trade[] = [];
    let n = 0;
    if (total > 0) for await (const m of c) { if (m.event.type === 'trade') trades.push(m.event); m.ack(); if (++n === total) break; }
    await c.close();
    return { trades, messages: total };
  } finally {
    await nc.close();
  }
}

/** Each symbol's trades: once, contiguous, in order, equal to the truth; returns [first, last] ids per symbol. */
export function expectWholeAndTrue(sim: Simulator, trades: readonly Trade[], symbols: readonly string[], minPerSymbol = 10): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>();
  for (const s of symbols) {
    const mine = trades.filter((t) => t.symbol === s);
    const ids = mine.map((t) => t.seq!);
    expect(ids.length, `${s} has trades`).toBeGreaterThan(minPerSymbol);
    const breaks = ids.flatMap((id, i) => (i > 0 && id !== ids[i - 1]! + 1 ? [`${ids[i - 1]}->${id}`] : [])).slice(0, 5);
    expect(breaks, `${s}: contiguous, once, in order (first ${ids[0]}, last ${ids.at(-1)}, n ${ids.length})`).toEqual([]);
    const truth = new Map(sim.truth.trades('binance', s).map((t) => [t.id, t]));
    for (const t of mine) {
      const want = truth.get(t.seq!);
      expect(want, `${s} ${t.seq} in the truth`).toBeDefined();
      expect([normalizeDecimal(t.price), normalizeDecimal(t.size)]).toEqual([normalizeDecimal(want!.price), normalizeDecimal(want!.qty)]);
    }
    spans.set(s, [ids[0]!, ids.at(-1)!]);
  }
  return spans;
}

/**
 * The simulator's Binance spot clients and the streams each subscribed to (sorted). Read from the
 * simulator's hub in-process (its admin stats count clients, not their streams).
 */
export function venueSubscriptions(sim: Simulator): string[][] {
  // eslint-disable-next-line @typescript-eslint/dot-notation -- the hub is private to the simulator
  const hub = sim['binance'].hub;
  return [...hub.clients].map((c) => [...c.streams].sort());
}
