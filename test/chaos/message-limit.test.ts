/**
 * Regression found by the chaos suite: a resubscribe burst plus heartbeat pings exceeded
 * Binance's 5 incoming messages/s (ping and pong frames count) and the venue closed 1008. Pings
 * now take a token from the same per-connection message bucket as requests.
 */
import { afterEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { Connection } from '../../src/connection/index.js';
import type { TickgateError } from '../../src/model/errors.js';
import { binanceProtocol, binanceStream } from '../../src/venues/binance/rules.js';
import { waitFor } from './helpers/rig.js';

let sim: Simulator | null = null;
let conn: Connection | null = null;
afterEach(async () => {
  await conn?.close();
  await sim?.close();
  conn = null;
  sim = null;
});

it('subscribe requests and heartbeat pings together stay within the venue limit of 5 messages/s (no close 1008)', async () => {
  sim = await startSimulator({ port: 0, seed: 3, rate: 50, symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT'] });
  // One stream per SUBSCRIBE: 12 requests paced at 5/s, while a ping is due every 150 ms.
  conn = new Connection({
    key: 'binance#limit',
    protocol: binanceProtocol({ wsBaseUrl: `ws://127.0.0.1:${sim.port}/binance`, streamsPerRequest: 1 }),
    streams: [binanceStream('BTCUSDT', 'trade')],
    options: { networkCheck: 'off', heartbeatIntervalMs: 150, pingTimeoutMs: 2_000, handshakeTimeoutMs: 5_000, reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 100 },
  });
  const errors: TickgateError[] = [];
  conn.on('error', (e) => errors.push(e));
  await conn.connect();
  const more = ['ETHUSDT', 'SOLUSDT', 'BNBUSDT'].flatMap((s) => [binanceStream(s, 'trade'), binanceStream(s, 'bookTicker'), binanceStream(s, 'depth@100ms')])
    .concat([binanceStream('BTCUSDT', 'bookTicker'), binanceStream('BTCUSDT', 'depth@100ms')]);
  await conn.addStreams(more);
  // Keep pinging a little longer than the burst took: the limit holds on every sliding second.
  const pongs = (): number => conn!.details().metadata.pongsReceived;
  const before = pongs();
  await waitFor(() => pongs() >= before + 8 || errors.length > 0, 10_000, 'eight more ping/pong rounds');
  expect(errors.map((e) => `${e.code}: ${e.message}`)).toEqual([]);
  expect(conn.stats()).toMatchObject({ reconnects: 0, streams: 12 });
});
