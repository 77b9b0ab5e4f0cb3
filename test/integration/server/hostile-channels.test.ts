/**
 * A hostile client creating channels: 10k+ well-formed, made-up channel names. With the
 * gateway's allow-list every one is refused with a clear error and no state is created; without
 * one (library default) channels are capped in total and freed as soon as nobody holds them.
 * Either way channel count and heap stay bounded and a legitimate client misses nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { servedChannels } from '../../../src/server/channels.js';
import type { DownstreamServer } from '../../../src/server/server.js';
import { closeAll, connect, startServer, type Msg, type RawClient } from './helpers.js';

const T = 'trades.binance.BTCUSDT';
const HOSTILE_CHANNELS = 10_240;
const PER_MESSAGE = 256;

let server: DownstreamServer | undefined;
let clients: RawClient[] = [];

afterEach(closeAll);

/** Well-formed names nobody serves, of every kind. */
function madeUp(i: number): string {
  switch (i % 4) {
    case 0: return `trades.binance.FAKE${i}`;
    case 1: return `book.venue${i}.BTCUSDT`;
    case 2: return `candles.1m.binance.X${i}`;
    default: return `snapshots.1s.evil.S${i}`;
  }
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const count = (c: RawClient, pred: (m: Msg) => boolean): number => c.messages.reduce((n, m) => n + (pred(m) ? 1 : 0), 0);

/** Publishes trades 1..n in the background while the attack runs; resolves to n. */
async function tradesDuring(s: DownstreamServer, attack: () => Promise<void>): Promise<number> {
  let n = 0; let done = false;
  const pub = (async () => { while (!done) { for (let k = 0; k < 20; k++) s.publish(T, { tradeId: String(++n) }); await new Promise((r) => setTimeout(r, 2)); } })();
  try { await attack(); } finally { done = true; await pub; }
  return n;
}

async function expectAllTrades(c: RawClient, n: number): Promise<void> {
  await c.waitFor((ms) => count(c, (m) => m.type === 'data') >= n, 20_000, 'every trade for the legitimate client');
  expect(c.data(T).map((m) => Number((m.data as { tradeId: string }).tradeId))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(c.data(T).map((m) => m.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(c.messages.filter((m) => m.type === 'gap' || m.type === 'error')).toEqual([]);
}

describe('hostile channel creation', () => {
  it('with the allow-list: 10k made-up channels are each refused (channel_not_served), none is created, the legitimate client gets every trade', async () => {
    server = await startServer({
      maxIncomingMessagesPerSec: 1_000,
      allowChannel: servedChannels(() => [{ venue: 'binance', symbols: ['BTCUSDT', 'ETHUSDT'] }]),
    });
    const legit = await connect(server); clients.push(legit);
    await legit.subscribe([T, 'status']);
    const hostile = await connect(server); clients.push(hostile);
    const heapBefore = heapMb();

    const n = await tradesDuring(server, async () => {
      for (let i = 0; i < HOSTILE_CHANNELS; i += PER_MESSAGE) {
        const names = Array.from({ length: PER_MESSAGE }, (_, k) => madeUp(i + k));
        hostile.send({ op: 'subscribe', channels: names });
        hostile.send({ op: 'unsubscribe', channels: names });
        await hostile.waitFor((ms) => ms.filter((m) => m.type === 'error').length >= i + PER_MESSAGE, 10_000, 'refusals');
      }
    });

    const refusals = hostile.messages.filter((m) => m.type === 'error') as unknown as { code: string; channel: string; message: string }[];
    expect(refusals).toHaveLength(HOSTILE_CHANNELS);
    expect(refusals.every((e) => e.code === 'channel_not_served')).toBe(true);
    expect(refusals.map((e) => e.channel)).toEqual(Array.from({ length: HOSTILE_CHANNELS }, (_, i) => madeUp(i)));
    expect(refusals[0]!.message).toBe('channel "trades.binance.FAKE0" is not served: symbol "FAKE0" is not configured for venue "binance"');
    expect(refusals[1]!.message).toBe('channel "book.venue1.BTCUSDT" is not served: venue "venue1" is not configured (served: binance)');
    expect(count(hostile, (m) => m.type === 'subscribed')).toBe(0);
    const st = server.stats();
    expect(st.channels).toBe(2); // the legitimate trades and status channels
    expect(st.channelRefusals.notServed).toBe(HOSTILE_CHANNELS);
    expect(heapMb() - heapBefore).toBeLessThan(40);
    await expectAllTrades(legit, n);
  });

  it('without an allow-list: channels are capped in total (channel_limit) and freed when nobody holds them; heap stays bounded', async () => {
    const CAP = 300;
    server = await startServer({ maxIncomingMessagesPerSec: 1_000, maxChannels: CAP });
    const legit = await connect(server); clients.push(legit);
    await legit.subscribe([T]);
    const hostile = await connect(server); clients.push(hostile);
    const heapBefore = heapMb();
    let maxChannels = 0;

    const n = await tradesDuring(server, async () => {
      // The original repro: subscribe and unsubscribe 10k made-up names, 256 at a time.
      for (let i = 0; i < HOSTILE_CHANNELS; i += PER_MESSAGE) {
        const names = Array.from({ length: PER_MESSAGE }, (_, k) => madeUp(i + k));
        hostile.send({ op: 'subscribe', channels: names });
        await hostile.waitFor((ms) => count(hostile, (m) => m.type === 'subscribed') >= i + PER_MESSAGE, 10_000, 'subscribed');
        maxChannels = Math.max(maxChannels, server!.stats().channels);
        hostile.send({ op: 'unsubscribe', channels: names });
        await hostile.waitFor((ms) => count(hostile, (m) => m.type === 'unsubscribed') >= i + PER_MESSAGE, 10_000, 'unsubscribed');
      }
    });
    // Never-published channels are freed at their last unsubscribe: back to the legitimate one.
    expect(maxChannels).toBe(1 + PER_MESSAGE);
    expect(server.stats().channels).toBe(1);
    expect(server.stats().channelsFreed).toBe(HOSTILE_CHANNELS);
    expect(heapMb() - heapBefore).toBeLessThan(40);

    // Holding channels hits the cap: the rest are refused with a clear error; existing channels stay subscribable.
    const second = await connect(server); clients.push(second);
    const holdA = Array.from({ length: PER_MESSAGE }, (_, k) => `trades.hold.A${k}`);
    const holdB = Array.from({ length: PER_MESSAGE }, (_, k) => `trades.hold.B${k}`);
    hostile.send({ op: 'subscribe', channels: holdA });
    second.send({ op: 'subscribe', channels: holdB });
    const capRefused = 1 + 2 * PER_MESSAGE - CAP;
    await second.waitFor(() => count(second, (m) => m.type === 'error') + count(hostile, (m) => m.type === 'error') >= capRefused, 10_000, 'cap refusals');
    expect(server.stats().channels).toBe(CAP);
    const refusal = [...hostile.messages, ...second.messages].find((m) => m.type === 'error') as unknown as { code: string; message: string };
    expect(refusal.code).toBe('channel_limit');
    expect(refusal.message).toMatch(/already holds its limit of 300 channels/);
    expect(server.stats().channelRefusals.limit).toBe(capRefused);
    const late = await connect(server); clients.push(late);
    await late.subscribe([T]);

    // The holders leave: their channels are freed.
    hostile.close(); second.close();
    await legit.waitFor(() => server!.stats().channels === 1, 10_000, 'channels freed after the holders left');
    await expectAllTrades(legit, n);
  });
});
