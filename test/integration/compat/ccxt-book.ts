/**
 * The order-book scenario both ccxt tests (spot and USD-M) run: ccxt's watchOrderBook through a
 * tickgate book resync (depth updates skipped upstream), then the simulator stopped and its books
 * published; ccxt's book must reach the simulator's update id and equal its book there.
 */
import { expect } from 'vitest';
import type { CompatDemo } from './helpers.js';

/** What the scenario needs of a ccxt order book. */
export interface CcxtBook {
  readonly nonce?: number;
  readonly bids: readonly (readonly (number | undefined)[])[];
  readonly asks: readonly (readonly (number | undefined)[])[];
}

export async function bookThroughResync(c: CompatDemo, venue: 'binance' | 'binance-futures', watch: () => Promise<CcxtBook>, levels = 50): Promise<void> {
  // A watch may throw when ccxt sees the jump (U/u on spot, pu on USD-M), depending on timing;
  // as its users' loops do, the scenario watches again, which refetches tickgate's snapshot.
  let book = await watch();
  const again = async (): Promise<void> => { try { book = await watch(); } catch { /* ccxt resyncs itself */ } };
  for (let i = 0; i < 10; i++) book = await watch();
  const integrity = c.demo.gateway.feeds.get(venue)!.integrity;
  const resyncs = integrity.stats().bookResyncs;
  c.demo.simulator.faults.inject({ kind: 'skip', venue, stream: 'btcusdt@depth@100ms', count: 3 });
  while (integrity.stats().bookResyncs === resyncs) await again();
  for (let i = 0; i < 10; i++) await again();
  c.demo.simulator.setRate(0);
  c.demo.simulator.publishBooks();
  const truth = c.demo.simulator.truth.book(venue, 'BTCUSDT')!;
  const deadline = Date.now() + 15_000;
  while ((book.nonce ?? 0) < truth.lastUpdateId && Date.now() < deadline) {
    try {
      book = await Promise.race([watch(), new Promise<CcxtBook>((r) => setTimeout(() => r(book), 500))]);
    } catch { /* as above */ }
  }
  expect(book.nonce).toBe(truth.lastUpdateId);
  expect(book.bids.slice(0, levels).map(([p, q]) => [p, q])).toEqual(truth.bids.slice(0, levels).map(([p, q]) => [Number(p), Number(q)]));
  expect(book.asks.slice(0, levels).map(([p, q]) => [p, q])).toEqual(truth.asks.slice(0, levels).map(([p, q]) => [Number(p), Number(q)]));
}
