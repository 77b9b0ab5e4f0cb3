/**
 * Downstream fan-out: deliveries/s to 1,000 loopback clients at a fixed input rate, and the
 * latency added from publish() to client receive (p50/p99, hdr histogram), for tickgate's
 * DownstreamServer vs a bare `ws` server broadcasting the same frames (built once per message)
 * to the same clients in the same run. Clients live in a child process so they do not share the
 * server's event loop. Also the cost of one publish() per event (what the gateway's downstream
 * consumer pays per trade, inline when its queue spills): with no subscriber and with one
 * (a real ClientSession on a counting transport), vs building the same frame bare.
 * Run: node --import tsx bench/fanout.bench.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import WebSocket, { WebSocketServer } from 'ws';
import { DownstreamServer } from '../src/server/server.js';
import { ChannelHub } from '../src/server/channel-hub.js';
import { ClientSession } from '../src/server/client-session.js';
import { serverDefaults } from '../src/config/defaults/server.js';
import { report, withRatio } from './report.js';

const CLIENTS = Number(process.env.FANOUT_CLIENTS ?? 1000);
/** Messages/s published on one channel; × CLIENTS = deliveries/s asked for (20 k/s fits a shared 2-core box). */
const RATE_PER_S = Number(process.env.FANOUT_RATE ?? 20);
const MEASURE_MS = Number(process.env.FANOUT_MS ?? 4000);
/** Every Nth client parses frames for latency; the others only count (keeps the client process light). */
const SAMPLE_EVERY = 10;
const CHANNEL = 'trades.binance.BTCUSDT';
const PAYLOAD = { price: '61234.01000000', size: '0.00150000', side: 'buy', tradeId: '123456789' };
const nowMs = (): number => performance.timeOrigin + performance.now();

type ToChild = { cmd: 'connect'; url: string; subscribe: boolean } | { cmd: 'collect' } | { cmd: 'disconnect' };
type FromChild = { ready: number } | { received: number; lastReceiveMs: number; p50Us: number; p99Us: number; maxUs: number; samples: number } | { closed: true };

// ---------- client process ----------
async function clientMain(): Promise<void> {
  let sockets: WebSocket[] = [];
  let received = 0;
  let lastReceiveMs = 0;
  let hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const send = (m: FromChild): void => { process.send!(m); };
  process.on('message', async (m: ToChild) => {
    if (m.cmd === 'connect') {
      received = 0; lastReceiveMs = 0;
      hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
      let ready = 0;
      const batch = 100;
      for (let i = 0; i < CLIENTS; i += batch) {
        await Promise.all(Array.from({ length: Math.min(batch, CLIENTS - i) }, (_, k) => new Promise<void>((resolve, reject) => {
          const idx = i + k;
          const ws = new WebSocket(m.url, { perMessageDeflate: false });
          sockets.push(ws);
          let acked = !m.subscribe;
          ws.on('error', reject);
          ws.on('open', () => {
            if (m.subscribe) ws.send(JSON.stringify({ op: 'subscribe', channels: [CHANNEL] }));
            else { ready++; resolve(); }
          });
          ws.on('message', (d: Buffer) => {
            if (!acked) { acked = true; ready++; resolve(); return; }
            received++;
            const t = nowMs();
            lastReceiveMs = t;
            if (idx % SAMPLE_EVERY === 0) {
              const msg = JSON.parse(d.toString()) as { data: { t: number } };
              hist.recordValue(Math.max(1, Math.round((t - msg.data.t) * 1000)));
            }
          });
        })));
      }
      send({ ready });
    } else if (m.cmd === 'collect') {
      send({ received, lastReceiveMs, p50Us: hist.getValueAtPercentile(50), p99Us: hist.getValueAtPercentile(99), maxUs: hist.maxValue, samples: hist.totalCount });
    } else if (m.cmd === 'disconnect') {
      await Promise.all(sockets.map((ws) => new Promise<void>((r) => { if (ws.readyState === WebSocket.CLOSED) r(); else { ws.once('close', () => r()); ws.terminate(); } })));
      sockets = [];
      send({ closed: true });
    }
  });
}

// ---------- server process ----------
function ask(child: ChildProcess, m: ToChild): Promise<FromChild> {
  return new Promise((resolve) => { child.once('message', (r: FromChild) => resolve(r)); child.send(m); });
}

interface Result { deliveriesPerS: number; expected: number; received: number; p50Ms: number; p99Ms: number; maxMs: number }

/** Publishes RATE_PER_S messages/s for MEASURE_MS with `publish`, then collects what clients got. */
async function run(child: ChildProcess, url: string, subscribe: boolean, publish: (data: unknown) => void): Promise<Result> {
  const r = await ask(child, { cmd: 'connect', url, subscribe });
  if (!('ready' in r) || r.ready !== CLIENTS) throw new Error(`only ${JSON.stringify(r)} clients ready`);
  const total = Math.round((RATE_PER_S * MEASURE_MS) / 1000);
  let sent = 0;
  const t0 = nowMs();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((nowMs() - t0) * RATE_PER_S) / 1000));
      while (sent < due) { sent++; publish({ ...PAYLOAD, i: sent, t: nowMs() }); }
      if (sent >= total) { clearInterval(timer); resolve(); }
    }, 5);
  });
  const expected = total * CLIENTS;
  let c: FromChild;
  const deadline = Date.now() + 15_000;
  for (;;) {
    await new Promise((res) => setTimeout(res, 200));
    c = await ask(child, { cmd: 'collect' });
    if (!('received' in c)) throw new Error('bad reply');
    if (c.received >= expected || Date.now() > deadline) break;
  }
  await ask(child, { cmd: 'disconnect' });
  if (!('received' in c)) throw new Error('bad reply');
  return {
    deliveriesPerS: (c.received * 1000) / (c.lastReceiveMs - t0),
    expected, received: c.received,
    p50Ms: c.p50Us / 1000, p99Ms: c.p99Us / 1000, maxMs: c.maxUs / 1000,
  };
}

/** A trade as the gateway publishes it (the model's fields and typical sizes). */
function trade(i: number): Record<string, unknown> {
  return {
    type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1_764_000_000_000 + i, receiveTime: 1_764_000_000_003 + i,
    tradeId: String(3_735_000_000 + i), seq: 3_735_000_000 + i, price: '61234.01000000', size: '0.00150000', side: i % 2 ? 'buy' : 'sell', source: 'trade',
  };
}

const PUBLISH_EVENTS = Number(process.env.FANOUT_PUBLISH_EVENTS ?? 100_000);

/**
 * ns per call of each fn over n calls: rounds alternate between the fns (so load drift on a
 * shared machine hits them alike), best round of each after a warm-up.
 */
function nsPerEach(n: number, fns: readonly ((i: number) => void)[], rounds = 7): number[] {
  for (const fn of fns) for (let i = 0; i < 20_000; i++) fn(i);
  const best = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn(i);
      best[k] = Math.min(best[k]!, Number(process.hrtime.bigint() - t0) / n);
    });
  }
  return best;
}

function publishCost(): void {
  const events = Array.from({ length: 4096 }, (_, i) => trade(i));
  let seq = 0;
  const none = new ChannelHub({ ringCapacityMessages: serverDefaults.ringCapacityMessages });
  const one = new ChannelHub({ ringCapacityMessages: serverDefaults.ringCapacityMessages });
  let written = 0;
  const session = new ClientSession(1, 'bench', {
    send: () => { written++; }, bufferedAmount: () => 0, close: () => undefined, terminate: () => undefined,
  }, serverDefaults, Date.now, () => undefined);
  one.subscribe(CHANNEL, session);
  const [bare, noSubscriber, oneSubscriber] = nsPerEach(PUBLISH_EVENTS, [
    (i) => {
      const frame = Buffer.from(JSON.stringify({ type: 'data', channel: CHANNEL, seq: ++seq, epoch: 1, data: events[i & 4095] }));
      if (frame.length === 0) throw new Error('empty');
    },
    (i) => { none.publish(CHANNEL, events[i & 4095]); },
    (i) => { one.publish(CHANNEL, events[i & 4095]); },
  ]) as [number, number, number];
  if (written === 0) throw new Error('nothing delivered');
  const common = { events: PUBLISH_EVENTS, baselineName: 'bare frame build (JSON.stringify + Buffer.from)', loadavg1: Number(loadavg()[0]!.toFixed(2)) };
  report(withRatio({ bench: 'server.publish', metric: 'ns_per_event_no_subscriber', value: Math.round(noSubscriber), unit: 'ns', baseline: Math.round(bare), ...common }));
  report(withRatio({ bench: 'server.publish', metric: 'ns_per_event_one_subscriber', value: Math.round(oneSubscriber), unit: 'ns', baseline: Math.round(bare), ...common }));
}

async function main(): Promise<void> {
  publishCost();

  const child = fork(fileURLToPath(import.meta.url), ['--client'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  // Baseline: bare ws, one frame built per message, sent to every client.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let seq = 0;
  const base = await run(child, `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`, false, (data) => {
    const frame = Buffer.from(JSON.stringify({ type: 'data', channel: CHANNEL, seq: ++seq, epoch: 1, data }));
    for (const c of wss.clients) c.send(frame, { binary: false });
  });
  await new Promise<void>((r) => wss.close(() => r()));

  const server = new DownstreamServer({ host: '127.0.0.1', port: 0, maxConnections: CLIENTS + 10 });
  await server.start();
  const ours = await run(child, `ws://127.0.0.1:${server.port}/ws`, true, (data) => server.publish(CHANNEL, data));
  const st = server.stats();
  await server.stop();
  child.kill();

  const common = { clients: CLIENTS, inputRatePerS: RATE_PER_S, measureMs: MEASURE_MS, baselineName: 'bare ws broadcast', loadavg1: Number(loadavg()[0]!.toFixed(2)) };
  report(withRatio({ bench: 'server.fanout', metric: 'deliveries_per_s', value: Math.round(ours.deliveriesPerS), unit: 'msg/s', baseline: Math.round(base.deliveriesPerS), ...common, expected: ours.expected, received: ours.received, baselineReceived: base.received, drops: st.drops }));
  report(withRatio({ bench: 'server.fanout', metric: 'latency_p50', value: ours.p50Ms, unit: 'ms', baseline: base.p50Ms, ...common }));
  report(withRatio({ bench: 'server.fanout', metric: 'latency_p99', value: ours.p99Ms, unit: 'ms', baseline: base.p99Ms, ...common, max: ours.maxMs, baselineMax: base.maxMs }));
}

if (process.argv.includes('--client')) void clientMain();
else main().catch((err: unknown) => { console.error(err); process.exit(1); });
