import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WorkerPool } from '../../../src/pipeline/worker-pool.js';
import { WorkerQueueFullError } from '../../../src/pipeline/errors.js';
import { Dispatcher } from '../../../src/pipeline/dispatcher.js';
import { EnrichmentRunner } from '../../../src/aggregate/enrich/enrichment-runner.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const BURN = join(here, 'fixtures/burn.mjs');
const TYPED = join(here, 'fixtures/typed.ts');
const ROOT = resolve(here, '../../..');

let pool: WorkerPool | null = null;
afterEach(async () => { await pool?.close(); pool = null; });

describe('worker pool (real piscina)', () => {
  it('runs a plain .mjs task module and a .ts task module (tsx loader added when running from sources)', async () => {
    pool = new WorkerPool({ threads: 2 });
    await expect(pool.run({ n: 7, burnMs: 1 }, { filename: BURN, name: 'burn' })).resolves.toMatchObject({ n: 7 });
    await expect(pool.run({ a: 2, b: 40 }, { filename: TYPED, name: 'add' })).resolves.toBe(42);
    await expect(pool.run({ x: 1 }, { filename: BURN })).resolves.toEqual({ x: 1 });
    expect(pool.stats()).toMatchObject({ completed: 3, failed: 0, maxThreads: 2 });
  });

  it('a full task queue rejects new tasks with E_WORKER_QUEUE_FULL and counts them', async () => {
    pool = new WorkerPool({ threads: 1, maxQueueTasks: 2 });
    const tasks = Array.from({ length: 6 }, (_, n) => pool!.run({ n, burnMs: 150 }, { filename: BURN, name: 'burn' }));
    const settled = await Promise.allSettled(tasks);
    const rejected = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
    // One runs (or is being handed to the thread) and 2 wait: the rest are refused at once.
    expect(rejected.length).toBeGreaterThanOrEqual(3);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(WorkerQueueFullError);
    expect(pool.stats().rejectedQueueFull).toBe(rejected.length);
    expect(pool.stats().completed).toBe(6 - rejected.length);
  });

  it('a worker consumer that hangs is aborted at its timeout, counted, and the next event still runs', async () => {
    pool = new WorkerPool({ threads: 1 });
    const d = new Dispatcher<{ symbol: string; n: number }>({ pool });
    d.addConsumer({ name: 'cpu', policy: 'drop-oldest', timeoutMs: 300, worker: { filename: BURN, name: 'hang' }, filter: (e) => e.n === 0 });
    const results: number[] = [];
    d.addConsumer({ name: 'cpu2', policy: 'drop-oldest', worker: { filename: BURN, name: 'burn' }, handler: undefined, filter: (e) => e.n > 0 });
    d.addConsumer({ name: 'local', policy: 'drop-oldest', handler: (e) => { results.push(e.n); } });
    d.publish({ symbol: 'S', n: 0 });
    d.publish({ symbol: 'S', n: 1 });
    await waitFor(() => d.stats().consumers.cpu!.timeouts === 1 && d.stats().consumers.cpu2!.processed === 1, 10_000);
    expect(results).toEqual([0, 1]);
    expect(d.stats().pool).toMatchObject({ aborted: 1, completed: 1 });
    // piscina ended the hung thread on abort, so the abandoned call settled and freed its slot.
    await waitFor(() => d.stats().consumers.cpu!.healthy, 5_000);
    expect(d.stats().consumers.cpu).toMatchObject({ abandonedSettled: 1, abandonedInFlight: 0, hungEpisodes: 1 });
    d.close();
  });

  it('the enrichment runner computes on the pool with the bundled order-flow worker', async () => {
    pool = new WorkerPool({ threads: 1 });
    // Generous timeout: the first task also starts the thread (with tsx's loader, from sources).
    const runner = new EnrichmentRunner({ pool, timeoutMs: 15_000 });
    await runner.runOnce([{ venue: 'x', symbol: 'S', time: 2_000, windowMs: 1_000, bins: [
      { startTime: 1_000, buyVolume: '1.5', sellVolume: '0.5', tradeCount: 2 },
    ] }]);
    expect(runner.stats()).toMatchObject({ results: 1, failures: 0 });
    expect(runner.latest('x', 'S')).toMatchObject({ buyVolume: '1.5', sellVolume: '0.5', imbalance: 0.5, intensity: 2 });
  });

  it('works from compiled JavaScript under plain node (no tsx anywhere)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickgate-pool-'));
    try {
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      await build({
        entryPoints: { 'worker-pool': join(ROOT, 'src/pipeline/worker-pool.ts'), 'order-flow.worker': join(ROOT, 'src/aggregate/enrich/order-flow.worker.ts') },
        outdir: dir, bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'silent',
      });
      writeFileSync(join(dir, 'main.mjs'), `
        import { WorkerPool, defaultWorkerExecArgv } from './worker-pool.js';
        const pool = new WorkerPool({ threads: 1 });
        const flow = await pool.run({ venue: 'x', symbol: 'S', time: 1000, windowMs: 1000, bins: [{ startTime: 0, buyVolume: '2', sellVolume: '0', tradeCount: 1 }] }, { filename: new URL('./order-flow.worker.js', import.meta.url).href, name: 'orderFlow' });
        const burn = await pool.run({ n: 3, burnMs: 1 }, { filename: ${JSON.stringify(BURN)}, name: 'burn' });
        await pool.close();
        console.log(JSON.stringify({ flow, burn, execArgv: defaultWorkerExecArgv() }));
      `);
      const out = JSON.parse(execFileSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', timeout: 20_000, cwd: dir })) as Record<string, unknown>;
      expect(out).toMatchObject({ flow: { buyVolume: '2', imbalance: 1 }, burn: { n: 3 }, execArgv: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
