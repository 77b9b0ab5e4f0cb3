/**
 * A real loopback WebSocket feed whose client handler publishes every frame into the dispatcher,
 * like the socket reader will. While one consumer hangs, one is slow and one burns CPU on the
 * worker pool, frames must keep arriving at the sending rate and every event must be accounted for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { Dispatcher, type ConsumerStats } from '../../../src/pipeline/dispatcher.js';
import { WorkerPool } from '../../../src/pipeline/worker-pool.js';

/** burnMs is read by the worker task (fixtures/burn.mjs): 100 ms of CPU per event. */
interface Ev { readonly venue: string; readonly symbol: string; readonly n: number; readonly burnMs: number }

const BURN = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/burn.mjs');
const FRAMES = 300;
const SEND_EVERY_MS = 5;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

/** Every event a consumer was given is processed, timed out, failed, dropped, queued or in flight. */
function accounted(s: ConsumerStats): number {
  return s.processed + s.timeouts + s.errors + s.dropped.total + s.spilled + s.queueDepth + s.inFlight;
}

describe('socket reading never waits for consumers', () => {
  it('frames keep arriving at the sending rate while one consumer hangs, one is slow and one burns CPU on workers; counts are exact', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    await once(wss, 'listening');
    const { port } = wss.address() as { port: number };
    wss.on('connection', (sock) => {
      let n = 0;
      const timer = setInterval(() => {
        sock.send(JSON.stringify({ s: n % 2 ? 'ETHUSDT' : 'BTCUSDT', n }));
        if (++n === FRAMES) { clearInterval(timer); sock.send('end'); }
      }, SEND_EVERY_MS);
      sock.on('close', () => clearInterval(timer));
    });

    const pool = new WorkerPool({ threads: 1 });
    cleanups.push(() => pool.close());
    const d = new Dispatcher<Ev>({ pool });
    cleanups.push(() => d.close());
    let hungCalls = 0;
    const fast: number[] = [];
    d.addConsumer({ name: 'hung', policy: 'drop-oldest', maxQueueItems: 1_000, timeoutMs: 250, handler: () => { hungCalls++; return new Promise(() => {}); } });
    d.addConsumer({ name: 'slow', policy: 'drop-oldest', maxQueueItems: 20, handler: () => new Promise((r) => setTimeout(r, 30)) });
    d.addConsumer({ name: 'cpu', policy: 'drop-oldest', maxQueueItems: 4, worker: { filename: BURN, name: 'burn' }, timeoutMs: 5_000 });
    d.addConsumer({ name: 'fast', policy: 'drop-oldest', maxQueueItems: 1_000, handler: (e) => { fast.push(e.n); } });

    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    cleanups.push(() => client.close());
    const arrivals: number[] = [];
    const publishMs: number[] = [];
    const done = new Promise<void>((resolve) => {
      client.on('message', (data) => {
        const text = String(data);
        if (text === 'end') { resolve(); return; }
        arrivals.push(performance.now());
        const f = JSON.parse(text) as { s: string; n: number };
        const before = performance.now();
        d.publish({ venue: 'binance', symbol: f.s, n: f.n, burnMs: 100 });
        publishMs.push(performance.now() - before);
      });
    });
    await done;

    // Every frame arrived, at the sending rate: the reader was never held up by a consumer.
    expect(arrivals).toHaveLength(FRAMES);
    const span = arrivals[arrivals.length - 1]! - arrivals[0]!;
    expect(span).toBeLessThan(FRAMES * SEND_EVERY_MS * 3 + 1_000); // ~1.5 s nominal, generous for a loaded box
    let maxGap = 0;
    for (let i = 1; i < arrivals.length; i++) maxGap = Math.max(maxGap, arrivals[i]! - arrivals[i - 1]!);
    expect(maxGap).toBeLessThan(250); // the hung handler's timeout: reading never waited for it
    // publish() is a few µs; a wait on any consumer would show as >= 30 ms (slow) or 250 ms (hung).
    const sorted = [...publishMs].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length * 0.95)]!).toBeLessThan(5);
    expect(sorted[sorted.length - 1]!).toBeLessThan(100); // GC or a busy core, never a consumer

    // The fast consumer kept up with everything, in order.
    await waitFor(() => fast.length === FRAMES);
    expect(fast).toEqual(Array.from({ length: FRAMES }, (_, i) => i));

    const s = d.stats().consumers;
    for (const name of ['hung', 'slow', 'cpu', 'fast']) expect(accounted(s[name]!), name).toBe(FRAMES);
    // The hung consumer: one call, abandoned at 250 ms but still holding its slot, so no second
    // call piled up; it is unhealthy and its queue absorbed the rest.
    expect(hungCalls).toBe(1);
    expect(s.hung!).toMatchObject({ processed: 0, timeouts: 1, inFlight: 0, abandonedInFlight: 1, healthy: false, queueDepth: FRAMES - 1 });
    // The slow and cpu consumers dropped exactly what did not fit, once they drain.
    await waitFor(() => d.stats().consumers.slow!.queueDepth === 0 && d.stats().consumers.slow!.inFlight === 0 && d.stats().consumers.cpu!.queueDepth === 0 && d.stats().consumers.cpu!.inFlight === 0, 15_000);
    const after = d.stats().consumers;
    expect(after.slow!.processed + after.slow!.dropped.dropOldest).toBe(FRAMES);
    expect(after.slow!.dropped.dropOldest).toBeGreaterThan(0);
    expect(after.cpu!.processed + after.cpu!.dropped.dropOldest).toBe(FRAMES);
    expect(after.cpu!.processed).toBeGreaterThanOrEqual(2);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
