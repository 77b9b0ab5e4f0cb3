/**
 * VenueFeed's symbol filter against the simulator (its own view of each client's streams): the
 * first subscribe holds only the wanted symbols; widening the filter subscribes the rest at
 * runtime, on a new connection once the existing ones are full (2 streams per connection here);
 * narrowing it to nothing unsubscribes everything and the idle connections stay open and healthy
 * (not reconnected as stale); trades flow again after re-widening.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../simulator/index.js';
import { ConnectionManager } from '../../../src/connection/index.js';
import { VenueFeed } from '../../../src/gateway/venue-feed.js';
import { binanceProtocol, binanceStream } from '../../../src/venues/binance/rules.js';
import { BinanceDecoder } from '../../../src/venues/binance/decode.js';
import type { MarketEvent } from '../../../src/model/events.js';
import { CHAOS_CONNECTION_OPTIONS, waitFor } from '../../chaos/helpers/rig.js';
import { venueSubscriptions } from './stream-check.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
let sim: Simulator | null = null;
let manager: ConnectionManager | null = null;
let feed: VenueFeed | null = null;
afterEach(async () => {
  await feed?.stop();
  await manager?.shutdown();
  await sim?.close();
  feed = null; manager = null; sim = null;
});

describe('VenueFeed subscriptions follow a symbol filter', () => {
  it('narrow first subscribe, runtime widen onto a new connection, unsubscribe to idle and back', async () => {
    sim = await startSimulator({ port: 0, seed: 5, rate: 120, symbols: SYMBOLS, marketHours: 'always-open' });
    manager = new ConnectionManager({ options: { ...CHAOS_CONNECTION_OPTIONS, staleAfterMs: 1_500 } });
    const events: MarketEvent[] = [];
    let wanted = new Set(['BTCUSDT']);
    feed = new VenueFeed({
      venue: 'binance', key: 'binance', manager, connectionOptions: { ...CHAOS_CONNECTION_OPTIONS, staleAfterMs: 1_500 },
      protocol: binanceProtocol({ wsBaseUrl: `ws://127.0.0.1:${sim.port}/binance`, maxStreamsPerConnection: 2 }),
      streams: SYMBOLS.map((s) => binanceStream(s, 'trade')), decoder: () => new BinanceDecoder(),
      integrity: {}, onEvent: (e) => events.push(e), retryBaseDelayMs: 50, retryMaxDelayMs: 400,
    });
    const f = feed;
    void f.setSymbolFilter((s) => wanted.has(s));
    await f.start();
    const onVenue = (): string[] => venueSubscriptions(sim!).flat().sort();
    expect(onVenue()).toEqual(['btcusdt@trade']);
    expect(f.connectionList().length).toBe(1);

    wanted = new Set(SYMBOLS);
    await f.refreshSubscriptions();
    expect(onVenue()).toEqual(['btcusdt@trade', 'ethusdt@trade', 'solusdt@trade']);
    expect(f.connectionList().length).toBe(2); // 2 streams per connection: the third opened one more
    expect(f.subscriptionStats()).toMatchObject({ subscribed: 2, connectionsAdded: 1, failures: 0 });
    const traded = (s: string, after: number): boolean => events.some((e, i) => i >= after && e.type === 'trade' && e.symbol === s);
    await waitFor(() => SYMBOLS.every((s) => traded(s, 0)), 10_000, 'trades of every symbol');

    wanted = new Set();
    await f.refreshSubscriptions();
    expect(onVenue()).toEqual([]);
    expect(f.subscribedStreams()).toEqual([]);
    // Idle past the stale threshold: the connections are neither reconnected nor unhealthy.
    const episodes = (): number[] => f.connectionList().flatMap((c) => [c.stats().reconnects, c.stats().staleEpisodes]);
    const before = episodes();
    await new Promise((r) => setTimeout(r, 2_500)); // the point is time passing idle: nothing to await
    expect(manager.stats().healthy).toBe(2);
    expect(episodes()).toEqual(before);

    const mark = events.length;
    wanted = new Set(['SOLUSDT']);
    await f.refreshSubscriptions();
    expect(onVenue()).toEqual(['solusdt@trade']);
    await waitFor(() => traded('SOLUSDT', mark), 10_000, 'SOLUSDT trades again');
    expect(f.connectionList().length).toBe(2);
  }, 30_000);
});
