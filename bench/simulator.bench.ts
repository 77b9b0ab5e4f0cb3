/**
 * Simulator ceiling to one client: the simulator runs in a child process generating mixed
 * Binance data (trade + bookTicker + depth@100ms) on SIM_SYMBOLS symbols, one client in this
 * process subscribed to every stream. The rate is stepped up; a stage counts when the
 * simulator produced its target and the client got every frame queued for it. Baseline in the
 * same run: the same client reading a bare `ws` server (child process) that sends
 * pre-serialized frames as fast as the client drains. Also: generator events/s without
 * subscribers, in-process. Run: node --import tsx bench/simulator.bench.ts
 */
import WebSocket from 'ws';
import { startSimulator } from '../simulator/index.js';
import { manySymbols, setRate, simStats, sleep, startBareWsChild, startSimChild } from './helpers/sim-child.js';
import { report, withRatio } from './report.js';

const SYMBOLS = manySymbols(Number(process.env.SIM_SYMBOLS ?? 500));
/** Generated events/s per stage (one event = a book change or a taker order of 1-4 trades). */
const STAGES = (process.env.SIM_STAGES ?? '25000,50000,100000,150000,200000,300000').split(',').map(Number);
const STAGE_MS = Number(process.env.SIM_STAGE_MS ?? 3_000);
const WARMUP_MS = 500;
const DRAIN_MS = 1_500;

async function connect(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 20 });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  return ws;
}

interface Stage { target: number; eventsPerS: number; framesPerS: number; framesQueued: number; received: number; kept: boolean }

async function simulatorCeiling(): Promise<{ stages: Stage[]; best: Stage | undefined; truthBytes: number }> {
  const sim = await startSimChild({ symbols: SYMBOLS, maxStreams: SYMBOLS.length * 3 + 10 });
  const ws = await connect(`ws://127.0.0.1:${sim.port}/binance/ws`);
  const streams = SYMBOLS.flatMap((s) => [`${s.toLowerCase()}@trade`, `${s.toLowerCase()}@bookTicker`, `${s.toLowerCase()}@depth@100ms`]);
  const ack = new Promise((r) => ws.once('message', r));
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams, id: 1 }));
  await ack;
  let received = 0;
  ws.on('message', () => {
    received++;
  });
  const stages: Stage[] = [];
  for (const target of STAGES) {
    // Totals from an idle, drained start to a drained end; the rate from a window inside.
    const s0 = await simStats(sim.port);
    const r0 = received;
    await setRate(sim.port, target);
    await sleep(WARMUP_MS);
    const w0 = await simStats(sim.port);
    const rw = received;
    const t0 = performance.now();
    await sleep(STAGE_MS);
    const s1 = await simStats(sim.port);
    const r1 = received;
    const secs = (performance.now() - t0) / 1000;
    await setRate(sim.port, 0);
    await sleep(DRAIN_MS);
    const s2 = await simStats(sim.port);
    const hub = (s: typeof s0): number => s.hubs.binance?.framesQueued ?? 0;
    // Server-side timestamps: a delayed admin answer must not skew the simulator's own rate.
    const eventsPerS = ((s1.generator.events - w0.generator.events) * 1000) / Math.max(1, s1.atMs - w0.atMs);
    const framesQueued = hub(s2) - hub(s0);
    const got = received - r0;
    const dropped = (s2.hubs.binance?.slowConsumersDropped ?? 0) > 0;
    const st: Stage = { target, eventsPerS: Math.round(eventsPerS), framesPerS: Math.round((r1 - rw) / secs), framesQueued, received: got, kept: !dropped && got === framesQueued };
    stages.push(st);
    report({ bench: 'simulator.stage', metric: 'frames_per_s_one_client', value: st.framesPerS, unit: 'frames/s', targetEventsPerS: target, eventsPerS: st.eventsPerS, framesQueued, received: got, everyFrameDelivered: st.kept, symbols: SYMBOLS.length });
    if (!st.kept) break;
    // The generator is saturated (it made < 90% of the target): a higher target measures nothing new.
    if (eventsPerS < 0.9 * target) break;
  }
  const truthBytes = (await simStats(sim.port)).truth.bytes;
  ws.terminate();
  await sim.stop();
  const kept = stages.filter((s) => s.kept);
  return { stages, best: kept.sort((a, b) => b.framesPerS - a.framesPerS)[0], truthBytes };
}

async function bareCeiling(): Promise<number> {
  const bare = await startBareWsChild();
  const ws = await connect(`ws://127.0.0.1:${bare.port}`);
  let n = 0;
  ws.on('message', () => {
    n++;
  });
  await sleep(WARMUP_MS);
  const n0 = n;
  const t0 = performance.now();
  await sleep(STAGE_MS);
  const rate = ((n - n0) * 1000) / (performance.now() - t0);
  ws.terminate();
  await bare.stop();
  return rate;
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

const ceiling = await simulatorCeiling();
const bare = await bareCeiling();
const best = ceiling.best;
report(withRatio({
  bench: 'simulator.frames', metric: 'frames_per_s_one_client', value: best?.framesPerS ?? 0, unit: 'frames/s',
  baseline: Math.round(bare), baselineName: 'bare ws server (child process), pre-serialized frames, same client',
  eventsPerS: best?.eventsPerS ?? 0, symbols: SYMBOLS.length, streams: 'trade+bookTicker+depth@100ms per symbol',
  highestStageTried: ceiling.stages[ceiling.stages.length - 1]?.target, truthBytes: ceiling.truthBytes,
  note: 'simulator and client are separate processes on the same 2 shared cores',
}));
report({ bench: 'simulator.generator', metric: 'events_per_s_no_subscriber', value: Math.round(await generatorOnly()), unit: 'events/s', symbols: SYMBOLS.length });
