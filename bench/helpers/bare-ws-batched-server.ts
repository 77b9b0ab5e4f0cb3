/**
 * Baseline for the simulator bench: a bare `ws` server (child process) that does what the
 * simulator does on its hot path and nothing else: the same cycle of pre-serialized Binance
 * frames as bare-ws-server.ts, framed once into one block of 2,000 frames, written to the raw
 * socket one block per write while under ~4 MB buffered (then on 'drain'). Its rate is the
 * client's ceiling: no per-frame cost on the server side at all. Prints {"port":N}.
 */
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const FRAMES = [
  '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}',
  '{"stream":"btcusdt@bookTicker","data":{"u":50093239189,"s":"BTCUSDT","b":"61837.62000000","B":"0.51000000","a":"61837.63000000","A":"0.02000000"}}',
  '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255344,"s":"BTCUSDT","t":3735683260,"p":"61837.62000000","q":"0.11000000","T":1723161255343,"m":false,"M":true}}',
  '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255400,"s":"BTCUSDT","U":50093239190,"u":50093239195,"b":[["61837.62000000","0.40000000"],["61830.01000000","1.20000000"]],"a":[["61837.63000000","0.00000000"],["61837.64000000","2.31000000"]]}}',
];
const FRAMES_PER_BLOCK = 2000;
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

function frame(text: string): Buffer {
  const p = Buffer.from(text);
  const head = p.length < 126 ? Buffer.from([0x81, p.length]) : Buffer.from([0x81, 126, p.length >> 8, p.length & 255]);
  return Buffer.concat([head, p]);
}
const BLOCK = Buffer.concat(Array.from({ length: FRAMES_PER_BLOCK }, (_, i) => frame(FRAMES[i % FRAMES.length] as string)));

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws: WebSocket) => {
  // ws keeps the socket for its own frames; this server never sends through ws after open.
  const sock = (ws as unknown as { _socket: Socket })._socket;
  const pump = (): void => {
    // Keep up to ~4 MB queued; a write past the high-water mark returns false, so 'drain' comes.
    while (!sock.destroyed && sock.writableLength < MAX_BUFFERED_BYTES) sock.write(BLOCK);
  };
  sock.on('drain', pump);
  pump();
});
wss.once('listening', () => {
  const a = wss.address();
  process.stdout.write(`${JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
