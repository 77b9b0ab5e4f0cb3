/**
 * Simulator ceiling to one client: the simulator runs in a child process generating mixed
 * Binance data (trade + bookTicker + depth@100ms) on SIM_SYMBOLS symbols, one client in this
 * process subscribed to every stream. The rate is stepped up; a stage counts when the
 * simulator produced its target and the client got every frame queued for it.
 *
 * Two clients, measured one after the other: a `ws` client counting 'message' events (what a
 * Node consumer pays), and a raw-socket frame counter (frame-counter.ts: headers only) that
 * costs a fraction of it, so the simulator, not the client, is what runs out.
 *
 * Baselines in the same run, each read by the same two clients: a bare `ws` server sending
 * pre-serialized frames with one ws.send each (bare-ws-server.ts), and a batched one writing
 * pre-built frames 2,000 to a socket write (bare-ws-batched-server.ts: no per-frame server
 * cost, i.e. the client's own ceiling). Also: the simulator's CPU per frame (from its own
 * process.cpuUsage, which holds up better than rates on a shared machine) and generator
 * events/s without subscribers, in-process. Run: npm run bench -- simulator
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startSimulator } from '../simulator/index.js';
import { frameCounter } from './helpers/frame-counter.js';
import { manySymbols, setRate, simStats, sleep, startBareWsChild, startSimChild, type Child } from './helpers/sim-child.js';
import { report, withRatio } from './report.js';

const SYMBOLS = manySymbols(Number(process.env.SIM_SYMBOLS ?? 500));
/** Generated events/s per stage (one event = a book change or a taker order of 1-4 trades). */
const STAGES = (process.env.SIM_STAGES ?? '25000,50000,100000,150000,200000,300000').split(',').map(Number);
const STAGE_MS = Number(process.env.SIM_STAGE_MS ?? 3_000);
const WARMUP_MS = 500;
const DRAIN_MS = 1_500;
const BATCHED = fileURLToPath(new URL('./helpers/bare-ws-batched-server.ts', import.meta.url));

type ClientKind = 'ws' | 'raw';

/** The simulator's process CPU time (µs) in its stats (SimStats predates the field). */
const cpuOf = (s: object): number => (s as { cpuUs?: number }).cpuUs ?? 0;

/** A connected client of either kind, reduced to what the bench reads. */
interface Counting {
  readonly count: () => number;
  send(text: string): void;
  /** Resolves on the first data frame (the SUBSCRIBE ack). */
  readonly firstFrame: Promise<void>;
  close(): void;
}

async function open(kind: ClientKind, port: number, path: string): Promise<Counting> {
  if (kind === 'raw') {
    const fc = await frameCounter(port, path);
    const firstFrame = (async () => {
      while (fc.frames() === 0) await sleep(5);
    })();
    return { count: fc.frames, send: (t) => fc.sendText(t), firstFrame, close: () => fc.close() };
  }
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false, maxPayload: 1 << 20 });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  let n = 0;
  const firstFrame = new Promise<void>((r) => ws.once('message', () => r()));
  ws.on('message', () => {
    n++;
  });
  return { count: () => n, send: (t) => ws.send(t), firstFrame, close: () => ws.terminate() };
}

interface Stage { target: number; eventsPerS: number; framesPerS: number; framesQueued: number; received: number; kept: boolean; cpuUsPerFrame: number; simCpuShare: number }

async function simulatorCeiling(kind: ClientKind): Promise<{ stages: Stage[]; best: Stage | undefined; truthBytes: number }> {
  const sim = await startSimChild({ symbols: SYMBOLS, maxStreams: SYMBOLS.length * 3 + 10 });
  const c = await open(kind, sim.port, '/binance/ws');
  const streams = SYMBOLS.flatMap((s) => [`${s.toLowerCase()}@trade`, `${s.toLowerCase()}@bookTicker`, `${s.toLowerCase()}@depth@100ms`]);
  c.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams, id: 1 }));
  await c.firstFrame;
  const stages: Stage[] = [];
  for (const target of STAGES) {
    // Totals from an idle, drained start to a drained end; the rate from a window inside.
    const s0 = await simStats(sim.port);
    const r0 = c.count();
    await setRate(sim.port, target);
    await sleep(WARMUP_MS);
    const w0 = await simStats(sim.port);
    const rw = c.count();
    const t0 = performance.now();
    await sleep(STAGE_MS);
    const s1 = await simStats(sim.port);
    const r1 = c.count();
    const secs = (performance.now() - t0) / 1000;
    await setRate(sim.port, 0);
    await sleep(DRAIN_MS);
    const s2 = await simStats(sim.port);
    const hub = (s: typeof s0): number => s.hubs.binance?.framesQueued ?? 0;
    // Server-side timestamps: a delayed admin answer must not skew the simulator's own rate.
    const serverMs = Math.max(1, s1.atMs - w0.atMs);
    const eventsPerS = ((s1.generator.events - w0.generator.events) * 1000) / serverMs;
    const framesQueued = hub(s2) - hub(s0);
    const got = c.count() - r0;
    const dropped = (s2.hubs.binance?.slowConsumersDropped ?? 0) > 0;
    const cpuUs = cpuOf(s1) - cpuOf(w0);
    const st: Stage = {
      target, eventsPerS: Math.round(eventsPerS), framesPerS: Math.round((r1 - rw) / secs), framesQueued, received: got, kept: !dropped && got === framesQueued,
      cpuUsPerFrame: Number((cpuUs / Math.max(1, hub(s1) - hub(w0))).toFixed(2)), simCpuShare: Number((cpuUs / 1000 / serverMs).toFixed(2)),
    };
    stages.push(st);
    report({
      bench: 'simulator.stage', metric: 'frames_per_s_one_client', value: st.framesPerS, unit: 'frames/s', client: kind, targetEventsPerS: target, eventsPerS: st.eventsPerS,
      framesQueued, received: got, everyFrameDelivered: st.kept, simCpuUsPerFrame: st.cpuUsPerFrame, simCpuShare: st.simCpuShare, symbols: SYMBOLS.length,
    });
    if (!st.kept) break;
    // The generator is saturated (it made < 90% of the target): a higher target measures nothing new.
    if (eventsPerS < 0.9 * target) break;
  }
  const truthBytes = (await simStats(sim.port)).truth.bytes;
  c.close();
  await sim.stop();
  const kept = stages.filter((s) => s.kept);
  return { stages, best: kept.sort((a, b) => b.framesPerS - a.framesPerS)[0], truthBytes };
}

function startBatchedChild(): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', BATCHED], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', (l) => resolve({
      port: (JSON.parse(l) as { port: number }).port, proc,
      stop: () => new Promise<void>((r) => {
        if (proc.exitCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      }),
    }));
    proc.once('exit', (code) => reject(new Error(`${BATCHED} exited ${code}`)));
  });
}

async function bareCeiling(start: () => Promise<Child>, kind: ClientKind): Promise<number> {
  const bare = await start();
  const c = await open(kind, bare.port, '/');
  await sleep(WARMUP_MS);
  const n0 = c.count();
  const t0 = performance.now();
  await sleep(STAGE_MS);
  const rate = ((c.count() - n0) * 1000) / (performance.now() - t0);
  c.close();
  await bare.stop();
  return Math.round(rate);
}

async function generatorOnly(): Promise<number> {
  const sim = await startSimulator({ rate: 0, symbols: SYMBOLS, venues: ['binance'], randomBursts: false });
  const t0 = performance.now();
  const before = sim.stats().generator.events;
  while (performance.now() - t0 < 1500) sim.generate(5000, { venue: 'binance' });
  const rate = ((sim.stats().generator.events - before) * 1000) / (performance.now() - t0);
  await sim.close();
  return rate;
}

for (const kind of ['raw', 'ws'] as const) {
  const ceiling = await simulatorCeiling(kind);
  const perMessage = await bareCeiling(startBareWsChild, kind);
  const batched = await bareCeiling(startBatchedChild, kind);
  const best = ceiling.best;
  const clientName = kind === 'raw' ? 'raw-socket frame counter (headers only)' : 'ws client counting messages';
  const common = {
    client: kind, clientName, eventsPerS: best?.eventsPerS ?? 0, symbols: SYMBOLS.length, streams: 'trade+bookTicker+depth@100ms per symbol',
    highestStageTried: ceiling.stages[ceiling.stages.length - 1]?.target, simCpuUsPerFrame: best?.cpuUsPerFrame, simCpuShare: best?.simCpuShare,
    truthBytes: ceiling.truthBytes, note: 'simulator, baseline servers and client are separate processes on the same 2 shared cores; figures are noisy',
  };
  report(withRatio({
    bench: 'simulator.frames', metric: 'frames_per_s_one_client', value: best?.framesPerS ?? 0, unit: 'frames/s', ...common,
    baseline: perMessage, baselineName: 'bare ws server, pre-serialized frames, one ws.send each (child process), same client',
  }));
  report(withRatio({
    bench: 'simulator.frames_vs_batched', metric: 'frames_per_s_one_client', value: best?.framesPerS ?? 0, unit: 'frames/s', ...common,
    baseline: batched, baselineName: 'bare ws server, pre-built frames 2,000 per socket write (child process), same client',
  }));
}
report({ bench: 'simulator.generator', metric: 'events_per_s_no_subscriber', value: Math.round(await generatorOnly()), unit: 'events/s', symbols: SYMBOLS.length });
