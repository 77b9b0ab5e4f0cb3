/**
 * Protocol edge cases of the Binance-compatible endpoint over real sockets: repeated SUBSCRIBE,
 * UNSUBSCRIBE and LIST_SUBSCRIPTIONS, unknown method, bad JSON, unknown stream and unlisted
 * symbol, too many streams per connection, too many messages per second (close 1008), a huge
 * frame (close 1009), bad URL stream names (HTTP 400) and unknown paths (404).
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StreamClient, useCompatDemo, waitFor } from './helpers.js';

describe('Binance-compatible endpoint: protocol edge cases', () => {
  const c = useCompatDemo({ compat: { binance: { maxStreamsPerConnection: 4, maxIncomingPayloadBytes: 4096 } } }, 150);
  const client = (path: string): StreamClient => c.client(path);

  it('repeated SUBSCRIBE acks each time, lists the stream once and delivers each trade once', async () => {
    const x = client('/ws');
    expect(await x.request('SUBSCRIBE', ['btcusdt@trade'])).toEqual({ result: null, id: 1 });
    await new Promise((r) => setTimeout(r, 250)); // stay under 5 messages/s
    expect(await x.request('SUBSCRIBE', ['btcusdt@trade', 'btcusdt@trade'])).toEqual({ result: null, id: 2 });
    await new Promise((r) => setTimeout(r, 250));
    expect(await x.request('LIST_SUBSCRIPTIONS')).toEqual({ result: ['btcusdt@trade'], id: 3 });
    await waitFor(() => x.data().length >= 30, '30 trades', 15_000, () => ({ frames: x.frames.length, close: x.closeCode, stats: c.demo.gateway.compat!.stats() }));
    const ids = x.data().map((d) => d.t as number);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe(ids[i - 1]! + 1);
    await new Promise((r) => setTimeout(r, 250));
    expect(await x.request('UNSUBSCRIBE', ['btcusdt@trade'])).toEqual({ result: null, id: 4 });
    await new Promise((r) => setTimeout(r, 250));
    expect(await x.request('LIST_SUBSCRIPTIONS')).toEqual({ result: [], id: 5 });
  });

  it('unknown method, bad JSON, unknown stream and unlisted symbol get Binance error frames', async () => {
    const x = client('/ws');
    await x.open();
    const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 250));
    const a = await x.request('SUBSCRIBEX', ['btcusdt@trade']);
    expect(a).toMatchObject({ error: { code: 2, msg: expect.stringMatching(/^Invalid request: unknown variant `SUBSCRIBEX`/) }, id: 1 });
    await pause();
    x.sendText('{"method":"SUBSCRIBE",');
    expect(await x.answer(null)).toEqual({ error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null });
    await pause();
    expect(await x.request('SUBSCRIBE', ['btcusdt@ticks'])).toMatchObject({ error: { code: 2, msg: 'Invalid request: invalid stream name btcusdt@ticks' } });
    await pause();
    expect(await x.request('SUBSCRIBE', ['nosuchusdt@trade'])).toMatchObject({ error: { code: 2, msg: 'Invalid request: invalid symbol NOSUCHUSDT' } });
    await pause();
    expect(await x.request('LIST_SUBSCRIPTIONS')).toEqual({ result: [], id: 4 });
    expect(x.closeCode).toBeNull();
  });

  it('more streams than the per-connection limit is refused whole; the URL form answers HTTP 400; a non-stream URL name is ignored', async () => {
    const x = client('/ws');
    const r = await x.request('SUBSCRIBE', ['btcusdt@trade', 'btcusdt@depth', 'btcusdt@depth5', 'btcusdt@bookTicker', 'btcusdt@kline_1m']);
    expect(r).toEqual({ error: { code: 2, msg: 'Invalid request: too many streams: at most 4 per connection' }, id: 1 });
    await new Promise((res) => setTimeout(res, 250));
    expect(await x.request('LIST_SUBSCRIPTIONS')).toEqual({ result: [], id: 2 });
    const y = new StreamClient(`${c.ws}/stream?streams=btcusdt@trade/btcusdt@depth/btcusdt@depth5/btcusdt@bookTicker/btcusdt@kline_1m`);
    await expect(y.open()).rejects.toThrow('HTTP 400');
    // A URL name that is no stream (ccxt's /ws/<n>) opens a connection carrying nothing, as on Binance.
    const z = client('/ws/1');
    expect(await z.request('LIST_SUBSCRIPTIONS')).toEqual({ result: [], id: 1 });
    const w = new StreamClient(`${c.ws}/wss`);
    await expect(w.open()).rejects.toThrow('HTTP 404');
  });

  it('more than 5 incoming messages in a second closes the connection with 1008', async () => {
    const x = client('/ws');
    await x.open();
    for (let i = 0; i < 8; i++) x.sendText(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: i }));
    await waitFor(() => x.closeCode !== null, 'close');
    expect(x.closeCode).toBe(1008);
  });

  it('a frame over the payload limit closes the connection with 1009', async () => {
    const x = client('/ws');
    await x.open();
    x.sendText(JSON.stringify({ method: 'SUBSCRIBE', params: ['x'.repeat(10_000)], id: 1 }));
    await waitFor(() => x.closeCode !== null, 'close');
    expect(x.closeCode).toBe(1009);
  });

  it('answers the client\'s pings with pongs (and counts them as incoming messages)', async () => {
    const x = client('/ws');
    await x.open();
    const pong = new Promise<string>((resolve) => x.socket.once('pong', (d) => resolve(d.toString())));
    x.socket.ping('hello');
    expect(await pong).toBe('hello');
    expect(x.socket.readyState).toBe(WebSocket.OPEN);
  });
});
