/**
 * Simulator throughput: trade frames/s one loopback client receives from the simulator
 * (generated, pre-framed batches) vs the same client fed by a bare `ws` server sending one
 * constant frame as fast as it drains (ratio). Also: generator events/s with no subscriber.
 */
import { WebSocket, WebSocketServer } from 'ws';
import { startSimulator } from '../simulator/index.js';
import { report, withRatio } from './report.js';

const MEASURE_MS = 4000;
const WARMUP_MS = 500;

function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Count frames a client receives during MEASURE_MS after WARMUP_MS while `pump` runs. */
async function measure(url: string, pump: (stop: () => boolean, client: WebSocket) => Promise<void>): Promise<number> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  let frames = 0;
  ws.on('message', () => {
    frames++;
  });
  let stopped = false;
  const pumping = pump(() => stopped, ws);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const f0 = frames;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const rate = ((frames - f0) * 1000) / (performance.now() - t0);
  stopped = true;
  await pumping;
  ws.terminate();
  return rate;
}

async function simulatorRate(): Promise<{ framesPerS: number; generatorEventsPerS: number }> {
  const sim = await startSimulator({ rate: 0, symbols: ['BTCUSDT'] });
  // Generator speed alone (no subscribers: no frames built, truth still recorded).
  const g0 = performance.now();
  const before = sim.stats().generator.events;
  while (performance.now() - g0 < 1000) sim.generate(5000, { venue: 'binance', symbol: 'BTCUSDT' });
  const generatorEventsPerS = ((sim.stats().generator.events - before) * 1000) / (performance.now() - g0);
  const hubBytes = (): number => {
    const hubs = sim.stats().hubs as Record<string, { bytesWritten: number }>;
    return hubs.binance?.bytesWritten ?? 0;
  };
  let written = 0;
  const framesPerS = await measure(`${sim.urls.binanceWs}/btcusdt@trade`, async (stop, client) => {
    let received = 0;
    client.on('message', (d: Buffer) => {
      received += d.length + 2;
    });
    while (!stop()) {
      // Keep at most ~4 MB in flight so we measure delivery, not buffering.
      written = hubBytes();
      if (written - received < 4 * 1024 * 1024) sim.generate(2000, { venue: 'binance', symbol: 'BTCUSDT' });
      await tick();
    }
  });
  await sim.close();
  return { framesPerS, generatorEventsPerS };
}

async function bareWsRate(frame: string): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const addr = wss.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  let stopFlag = false;
  wss.on('connection', (sock) => {
    void (async () => {
      while (!stopFlag && sock.readyState === WebSocket.OPEN) {
        if (sock.bufferedAmount < 4 * 1024 * 1024) for (let i = 0; i < 2000; i++) sock.send(frame);
        await tick();
      }
    })();
  });
  const rate = await measure(`ws://127.0.0.1:${port}`, async (stop) => {
    while (!stop()) await new Promise((r) => setTimeout(r, 20));
    stopFlag = true;
  });
  await new Promise<void>((r) => wss.close(() => r()));
  return rate;
}

const frame = '{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}';
const sim = await simulatorRate();
const bare = await bareWsRate(frame);
report(withRatio({
  bench: 'simulator.frames', metric: 'frames_per_s_one_client', value: Math.round(sim.framesPerS), unit: 'frames/s',
  baseline: Math.round(bare), baselineName: 'bare ws server, constant frame',
}));
report({ bench: 'simulator.generator', metric: 'events_per_s_no_subscriber', value: Math.round(sim.generatorEventsPerS), unit: 'events/s' });
