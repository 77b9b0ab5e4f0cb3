/**
 * The venue breaker is checked on every subscribe, not only at the upgrade: a client connected
 * while the breaker was closed is refused a new channel of that venue once it opens (a clear
 * error naming the venue), keeps its existing subscriptions, can still subscribe to other
 * venues, and can subscribe again once the breaker closes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DownstreamServer } from '../../../src/server/server.js';
import { closeAll, connect, startServer, type Msg, type RawClient } from './helpers.js';

let server: DownstreamServer | undefined;
let clients: RawClient[] = [];

afterEach(closeAll);

const errors = (c: RawClient): Msg[] => c.messages.filter((m) => m.type === 'error');

describe('breaker checked on every subscribe', () => {
  it('refuses a subscribe to a venue whose breaker opened after the upgrade, naming the venue; other venues and existing subscriptions are unaffected', async () => {
    const open = new Set<string>();
    server = await startServer({ admission: { breakerOpen: (v) => open.has(v) } });
    const c = await connect(server, { query: 'channels=trades.binance.BTCUSDT' }); clients.push(c);
    await c.subscribe(['trades.binance.BTCUSDT']);

    open.add('binance');
    c.send({ op: 'subscribe', channels: ['book.binance.BTCUSDT', 'trades.bybit.BTCUSDT'] });
    await c.waitFor((ms) => ms.some((m) => m.type === 'subscribed' && m.channel === 'trades.bybit.BTCUSDT') && errors(c).length === 1, 5_000, 'one refusal, one subscription');
    expect(errors(c)).toEqual([{
      type: 'error', code: 'breaker_open', channel: 'book.binance.BTCUSDT',
      message: 'venue "binance" is unavailable: its upstream circuit breaker is open; subscribe to "book.binance.BTCUSDT" again later',
    }]);
    expect(server.stats().channelRefusals.breakerOpen).toBe(1);
    expect(server.stats().subscriptionsByChannel).toEqual({ 'trades.binance.BTCUSDT': 1, 'trades.bybit.BTCUSDT': 1 });

    // The existing subscription still flows; the refused one does not.
    server.publish('trades.binance.BTCUSDT', { i: 1 });
    server.publish('book.binance.BTCUSDT', { b: 1 });
    await c.waitFor((ms) => ms.some((m) => m.type === 'data'), 5_000, 'data');
    await new Promise((r) => setTimeout(r, 50));
    expect(c.data().map((m) => m.channel)).toEqual(['trades.binance.BTCUSDT']);

    // New connections declaring the venue are refused at the upgrade as before.
    const late = await connect(server, { query: 'channels=trades.binance.BTCUSDT' }); clients.push(late);
    expect(await late.closed).toEqual({ code: 1013, reason: 'breaker_open:binance' });

    open.delete('binance');
    await c.subscribe(['book.binance.BTCUSDT']);
    expect(errors(c)).toHaveLength(1);
  });
});
