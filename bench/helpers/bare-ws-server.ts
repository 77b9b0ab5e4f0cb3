/**
 * Baseline for the simulator and e2e benches: a bare `ws` server (child process) that sends a
 * fixed cycle of pre-serialized Binance frames (trade, bookTicker, depth) to each client as fast
 * as the client drains (at most ~4 MB buffered). Prints {"port":N} on its first line.
 */
import { WebSocket, WebSocketServer } from 'ws';

const FRAMES = [
  '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}',
  '{"stream":"btcusdt@bookTicker","data":{"u":50093239189,"s":"BTCUSDT","b":"61837.62000000","B":"0.51000000","a":"61837.63000000","A":"0.02000000"}}',
  '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255344,"s":"BTCUSDT","t":3735683260,"p":"61837.62000000","q":"0.11000000","T":1723161255343,"m":false,"M":true}}',
  '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255400,"s":"BTCUSDT","U":50093239190,"u":50093239195,"b":[["61837.62000000","0.40000000"],["61830.01000000","1.20000000"]],"a":[["61837.63000000","0.00000000"],["61837.64000000","2.31000000"]]}}',
].map((f) => Buffer.from(f));

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
wss.on('connection', (sock: WebSocket) => {
  void (async () => {
    let i = 0;
    while (sock.readyState === WebSocket.OPEN) {
      if (sock.bufferedAmount < 4 * 1024 * 1024) for (let k = 0; k < 2000; k++) sock.send(FRAMES[i++ % FRAMES.length] as Buffer, { binary: false });
      await tick();
    }
  })();
});
wss.once('listening', () => {
  const a = wss.address();
  process.stdout.write(`${JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
