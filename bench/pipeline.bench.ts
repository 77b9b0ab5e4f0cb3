/**
 * Pipeline benchmarks.
 * 1. Event-loop p99 lag while a consumer burns 200 ms of CPU per call on the worker pool, vs the
 *    idle lag measured in the same run (target: near idle). For contrast, the same consumer as an
 *    in-loop handler (what the seeds did).
 * 2. The same for enrichment: a calculator that burns 200 ms per symbol (2 symbols, one run per
 *    second) with pipeline.enrichOn 'pool' vs inline, against the same idle baseline.
 * 3. publish() throughput into 3 consumers (bounded queues, drop-oldest), vs a baseline that
 *    pushes the same events into 3 plain arrays; and into one full 'spill' consumer (every
 *    publish spills the oldest event in order) vs the same baseline.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report, withRatio } from './report.js';
import { Dispatcher } from '../src/pipeline/dispatcher.js';
import { LagMonitor } from '../src/pipeline/lag-monitor.js';
import { WorkerPool } from '../src/pipeline/worker-pool.js';
import { EnrichmentRunner } from '../src/aggregate/enrich/enrichment-runner.js';
import { computeOrderFlow, type OrderFlowInput } from '../src/aggregate/enrich/order-flow.js';

interface Ev { readonly venue: string; readonly symbol: string; readonly n: number; readonly burnMs: number }

const BURN = join(fileURLToPath(new URL('.', import.meta.url)), '../test/integration/pipeline/fixtures/burn.mjs');
const SLOW_ENRICH = join(fileURLToPath(new URL('.', import.meta.url)), '../test/integration/pipeline/fixtures/slow-enrich.ts');
const PHASE_MS = 4_000;
const EVENTS_PER_S = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lagPhase(setup: (d: Dispatcher<Ev>) => void): Promise<{ p50: number; p99: number; max: number; processed: number }> {
  const d = new Dispatcher<Ev>({ pool });
  setup(d);
  const mon = new LagMonitor({ resolutionMs: 1, thresholdMs: 1e9 });
  mon.start();
  const start = Date.now();
  let n = 0;
  while (Date.now() - start < PHASE_MS) {
    d.publish({ venue: 'bench', symbol: 'BTCUSDT', n: n++, burnMs: 200 });
    await sleep(1_000 / EVENTS_PER_S);
  }
  mon.stop();
  const s = mon.stats();
  const processed = Object.values(d.stats().consumers).reduce((a, c) => a + c.processed, 0);
  d.close();
  return { p50: s.p50Ms, p99: s.p99Ms, max: s.maxMs, processed };
}

const pool = new WorkerPool({ threads: 1 });
// Warm the worker (thread start and module load are not what we measure).
await pool.run({ burnMs: 1 }, { filename: BURN, name: 'burn' });

const idle = await lagPhase(() => {});
const onPool = await lagPhase((d) => d.addConsumer({ name: 'burn200', policy: 'drop-oldest', maxQueueItems: 8, worker: { filename: BURN, name: 'burn' }, timeoutMs: 5_000 }));
const inLoop = await lagPhase((d) => d.addConsumer({ name: 'burn200-inloop', policy: 'drop-oldest', maxQueueItems: 8, handler: (e) => {
  const end = Date.now() + e.burnMs;
  while (Date.now() < end) { /* the seeds' blocking dataframe update */ }
} }));

async function enrichPhase(runner: EnrichmentRunner): Promise<{ p50: number; p99: number; max: number; results: number; timeouts: number }> {
  const inputs: OrderFlowInput[] = ['BTCUSDT', 'ETHUSDT'].map((symbol) => ({ venue: 'bench', symbol, time: 10_000, windowMs: 5_000, bins: [{ startTime: 8_000, buyVolume: '1.5', sellVolume: '0.5', tradeCount: 2 }] }));
  const mon = new LagMonitor({ resolutionMs: 1, thresholdMs: 1e9 });
  mon.start();
  const start = Date.now();
  while (Date.now() - start < PHASE_MS) {
    void runner.runOnce(inputs);
    await sleep(1_000);
  }
  while (runner.stats().inFlight) await sleep(10);
  mon.stop();
  const s = mon.stats();
  return { p50: s.p50Ms, p99: s.p99Ms, max: s.maxMs, results: runner.stats().results, timeouts: runner.stats().timeouts };
}
const warmRunner = new EnrichmentRunner({ pool, workerFilename: SLOW_ENRICH, workerName: 'slowOrderFlow' });
await warmRunner.runOnce([{ venue: 'bench', symbol: 'W', time: 0, windowMs: 1_000, bins: [] }]);
const enrichPool = await enrichPhase(new EnrichmentRunner({ pool, workerFilename: SLOW_ENRICH, workerName: 'slowOrderFlow', timeoutMs: 900, poolFirstRunTimeoutMs: 900 }));
const enrichInline = await enrichPhase(new EnrichmentRunner({ timeoutMs: 900, calculator: (input) => {
  const end = Date.now() + 200;
  while (Date.now() < end) { /* the same 200 ms on the loop */ }
  return computeOrderFlow(input);
} }));
await pool.close();

const lagBase = { bench: 'pipeline.lag', unit: 'ms', baselineName: 'idle event loop (same run)', phaseMs: PHASE_MS, publishPerS: EVENTS_PER_S };
report(withRatio({ ...lagBase, metric: 'p99_lag_worker_consumer_200ms', value: round(onPool.p99), baseline: round(idle.p99), p50: round(onPool.p50), max: round(onPool.max), processed: onPool.processed }));
report(withRatio({ ...lagBase, metric: 'p99_lag_inloop_consumer_200ms', value: round(inLoop.p99), baseline: round(idle.p99), p50: round(inLoop.p50), max: round(inLoop.max), processed: inLoop.processed, note: 'contrast: the same work on the event loop' }));

const enrichBase = { bench: 'pipeline.enrich_lag', unit: 'ms', baselineName: 'idle event loop (same run)', phaseMs: PHASE_MS, symbols: 2, calculatorMs: 200, runsPerS: 1 };
// Max, not p99: two 200 ms blocks per second are a handful of 1 ms samples, invisible in a p99.
report(withRatio({ ...enrichBase, metric: 'max_lag_enrich_on_pool', value: round(enrichPool.max), baseline: round(idle.max), p50: round(enrichPool.p50), p99: round(enrichPool.p99), results: enrichPool.results, timeouts: enrichPool.timeouts }));
report(withRatio({ ...enrichBase, metric: 'max_lag_enrich_inline', value: round(enrichInline.max), baseline: round(idle.max), p50: round(enrichInline.p50), p99: round(enrichInline.p99), results: enrichInline.results, timeouts: enrichInline.timeouts, note: 'contrast: one symbol per loop turn, each call blocks 200 ms' }));

// ---- publish throughput ----
const N = 1_000_000;
const events: Ev[] = Array.from({ length: 4096 }, (_, i) => ({ venue: 'bench', symbol: i % 2 ? 'ETHUSDT' : 'BTCUSDT', n: i, burnMs: 0 }));

function publishRate(): number {
  const d = new Dispatcher<Ev>();
  let seen = 0;
  for (const name of ['a', 'b', 'c']) d.addConsumer({ name, policy: 'drop-oldest', maxQueueItems: 10_000, handler: () => { seen++; } });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) d.publish(events[i & 4095]!);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const dropped = Object.values(d.stats().consumers).reduce((a, c) => a + c.dropped.total, 0);
  if (dropped !== 3 * (N - 10_000) || seen !== 0) throw new Error(`unexpected accounting: dropped ${dropped}`);
  d.close();
  return N / s;
}

function arrayRate(queues = 3): number {
  const qs: Ev[][] = Array.from({ length: queues }, () => []);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const e = events[i & 4095]!;
    for (const q of qs) { q.push(e); if (q.length > 10_000) q.length = 0; }
  }
  return N / (Number(process.hrtime.bigint() - t0) / 1e9);
}

let pub = 0; let arr = 0;
for (let i = 0; i < 3; i++) { pub = Math.max(pub, publishRate()); arr = Math.max(arr, arrayRate()); }
report(withRatio({ bench: 'pipeline.publish', metric: 'publish_per_s', value: Math.round(pub), unit: 'events/s', baseline: Math.round(arr), baselineName: 'push into 3 plain arrays', consumers: 3, note: 'queues full: every publish also evicts (drop-oldest), worst case' }));

function spillRate(): number {
  const d = new Dispatcher<Ev>();
  let folded = 0;
  let last = -1;
  // After 10k events every publish spills the oldest queued one.
  d.addConsumer({ name: 'agg', policy: 'spill', maxQueueItems: 10_000, handler: () => new Promise(() => {}), timeoutMs: 1e9,
    spill: (e) => { if (e.n !== ((last + 1) & 4095)) throw new Error(`spill out of order: ${e.n} after ${last}`); last = e.n; folded++; } });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) d.publish(events[i & 4095]!);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  // publish() is synchronous, so the drain loop never ran: all but the 10k queued were spilled, in order.
  if (folded !== N - 10_000) throw new Error(`unexpected accounting: spilled ${folded}`);
  d.close();
  return N / s;
}

let spill = 0; let arr1 = 0;
for (let i = 0; i < 3; i++) { spill = Math.max(spill, spillRate()); arr1 = Math.max(arr1, arrayRate(1)); }
report(withRatio({ bench: 'pipeline.spill', metric: 'spill_publish_per_s', value: Math.round(spill), unit: 'events/s', baseline: Math.round(arr1), baselineName: 'push into 1 plain array', consumers: 1, note: 'queue full: every publish spills the oldest queued event (order checked)' }));

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
