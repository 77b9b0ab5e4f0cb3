/**
 * The Binance-compatible endpoint: deliveries/s and added latency (event receive time to client
 * receive, p50/p99) to 200 loopback clients on btcusdt@trade, vs a bare `ws` server broadcasting
 * the same Binance frame (built once per trade, what the simulator/Binance does) to the same
 * clients in the same run; and REST requests/s served from state (klines 1m x100 folded from
 * memory, depth limit=100 from the maintained book) vs a bare HTTP server answering a fixed body
 * of the same size. Clients live in a child process so they do not share the server's loop.
 * Run: node --import tsx bench/compat.bench.ts
 */
import { fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import WebSocket, { WebSocketServer } from 'ws';
import { BinanceCompat } from '../src/compat/binance/service.js';
import { compatDefaults } from '../src/config/defaults/compat.js';
import type { MarketEvent, Trade } from '../src/model/events.js';
import { tradeFrame } from '../src/compat/binance/frames.js';
import { report, withRatio } from './report.js';

const CLIENTS = Number(process.env.COMPAT_CLIENTS ?? 200);
const RATE_PER_S = Number(process.env.COMPAT_RATE ?? 100);
const MEASURE_MS = Number(process.env.COMPAT_MS ?? 4000);
const REST_MS = Number(process.env.COMPAT_REST_MS ?? 2000);
const REST_CONCURRENCY = 16;
const nowMs = (): number => performance.timeOrigin + performance.now();

type ToChild = { cmd: 'connect'; url: string } | { cmd: 'collect' } | { cmd: 'disconnect' };
type FromChild = { ready: number } | { received: number; p50Us: number; p99Us: number } | { closed: true };

async function clientMain(): Promise<void> {
  let sockets: WebSocket[] = [];
  let received = 0;
  let hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  process.on('message', async (m: ToChild) => {
    if (m.cmd === 'connect') {
      received = 0;
      hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
      for (let i = 0; i < CLIENTS; i++) {
        const ws = new WebSocket(m.url, { perMessageDeflate: false });
        await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
        const sample = i % 10 === 0;
        ws.on('message', (data) => {
          received++;
          if (!sample) return;
          const e = /"E":(\d+)/.exec(data.toString());
          if (e) hist.recordValue(Math.max(1, Math.round((nowMs() - Number(e[1])) * 1000)));
        });
        sockets.push(ws);
      }
      process.send!({ ready: sockets.length } satisfies FromChild);
    } else if (m.cmd === 'collect') {
      process.send!({ received, p50Us: hist.getValueAtPercentile(50), p99Us: hist.getValueAtPercentile(99) } satisfies FromChild);
    } else {
      for (const s of sockets) s.terminate();
      sockets = [];
      process.send!({ closed: true } satisfies FromChild);
    }
  });
}

function ask<T extends FromChild>(child: ReturnType<typeof fork>, m: ToChild, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (r: FromChild): void => { if (key in r) { child.off('message', on); resolve(r as T); } };
    child.on('message', on);
    child.send(m);
  });
}

let seq = 1;
const trade = (t: number, symbol = 'BTCUSDT'): Trade => ({
  type: 'trade', venue: 'binance', symbol, eventTime: Math.floor(t), receiveTime: Math.floor(t), tradeId: String(seq), seq: seq++,
  price: `${61000 + (seq % 500)}.${String(seq % 100).padStart(2, '0')}000000`, size: '0.00150000', side: seq % 2 ? 'buy' : 'sell', source: 'trade',
});

/** Publishes at RATE_PER_S for MEASURE_MS; returns deliveries/s and latency. */
async function measure(child: ReturnType<typeof fork>, url: string, publish: () => void): Promise<{ perS: number; p50Ms: number; p99Ms: number }> {
  await ask(child, { cmd: 'connect', url }, 'ready');
  await new Promise((r) => setTimeout(r, 300));
  const before = await ask<{ received: number; p50Us: number; p99Us: number }>(child, { cmd: 'collect' }, 'received');
  const start = nowMs();
  const every = 1000 / RATE_PER_S;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      const due = Math.floor((nowMs() - start) / every);
      while (sent < due) { publish(); sent++; }
      if (nowMs() - start >= MEASURE_MS) { clearInterval(t); resolve(); }
    }, 5);
  });
  await new Promise((r) => setTimeout(r, 500));
  const after = await ask<{ received: number; p50Us: number; p99Us: number }>(child, { cmd: 'collect' }, 'received');
  await ask(child, { cmd: 'disconnect' }, 'closed');
  return { perS: ((after.received - before.received) / MEASURE_MS) * 1000, p50Ms: after.p50Us / 1000, p99Ms: after.p99Us / 1000 };
}

async function listen(s: Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

async function restRate(url: string): Promise<number> {
  let n = 0;
  const end = nowMs() + REST_MS;
  await Promise.all(Array.from({ length: REST_CONCURRENCY }, async () => {
    while (nowMs() < end) {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status === 200) n++;
    }
  }));
  return (n / REST_MS) * 1000;
}

async function main(): Promise<void> {
  const compat = new BinanceCompat({
    settings: { ...compatDefaults.binance, maxConnections: CLIENTS + 10 }, venue: 'binance', restBaseUrl: 'http://127.0.0.1:9/none', symbols: ['BTCUSDT'], upstream: null,
  });
  compat.start();
  const server = createServer((req, res) => compat.handleRequest(req, res));
  server.on('upgrade', (req, socket, head) => compat.handleUpgrade(req, socket, head));
  const port = await listen(server);
  const bare = createServer();
  const wss = new WebSocketServer({ server: bare, perMessageDeflate: false });
  const barePort = await listen(bare);
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'] });

  const viaCompat = await measure(child, `ws://127.0.0.1:${port}/binance/ws/btcusdt@trade`, () => compat.consume(trade(nowMs())));
  const viaBare = await measure(child, `ws://127.0.0.1:${barePort}/`, () => {
    const text = tradeFrame(trade(nowMs()));
    for (const c of wss.clients) c.send(text);
  });
  const common = { clients: CLIENTS, ratePerS: RATE_PER_S, baselineName: 'bare ws broadcast of the same frame' };
  report(withRatio({ bench: 'compat.ws', metric: 'deliveries_per_s', value: Math.round(viaCompat.perS), unit: '1/s', baseline: Math.round(viaBare.perS), ...common }));
  report(withRatio({ bench: 'compat.ws', metric: 'latency_p50_ms', value: viaCompat.p50Ms, unit: 'ms', baseline: viaBare.p50Ms, ...common }));
  report(withRatio({ bench: 'compat.ws', metric: 'latency_p99_ms', value: viaCompat.p99Ms, unit: 'ms', baseline: viaBare.p99Ms, ...common }));

  // REST from state (ETHUSDT): 3 hours of trades (1 per 2 s) and a 1000-level book.
  seq = 1;
  const t0 = Date.now() - 3 * 3_600_000;
  for (let t = t0; t < Date.now(); t += 2_000) compat.consume(trade(t, 'ETHUSDT'));
  const levels = (side: number): [string, string][] => Array.from({ length: 1000 }, (_, i) => [`${(61000 + side * (i + 1) * 0.01).toFixed(2)}`, '1.50000000']);
  compat.consume({ type: 'book_snapshot', venue: 'binance', symbol: 'ETHUSDT', eventTime: 0, receiveTime: 0, lastUpdateId: 1, seq: null, bids: levels(-1), asks: levels(1) } as MarketEvent);
  for (const [name, path] of [['klines_1m_100', '/binance/api/v3/klines?symbol=ETHUSDT&interval=1m&limit=100'], ['depth_100', '/binance/api/v3/depth?symbol=ETHUSDT&limit=100']] as const) {
    const body = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
    if (!body.startsWith('[') && !body.startsWith('{"lastUpdateId"')) throw new Error(`${name} not served from state: ${body.slice(0, 100)}`);
    const fixed = createServer((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(body); });
    const fixedPort = await listen(fixed);
    const mine = await restRate(`http://127.0.0.1:${port}${path}`);
    const base = await restRate(`http://127.0.0.1:${fixedPort}/`);
    fixed.close();
    report(withRatio({ bench: 'compat.rest', metric: `${name}_requests_per_s`, value: Math.round(mine), unit: '1/s', baseline: Math.round(base), baselineName: 'bare http server, fixed body of the same size', bodyBytes: body.length, concurrency: REST_CONCURRENCY }));
  }
  child.kill();
  compat.stop();
  server.close();
  bare.close();
  process.exit(0);
}

if (process.argv.includes('--child')) void clientMain();
else void main();
