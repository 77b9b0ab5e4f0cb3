/**
 * Admission on current load: the server asks the lag monitor's recent-window p99 (as the
 * gateway wires it). A lag episode happening now refuses new connections with 1013
 * "event_loop_lag"; once the episode has left the window, connections are accepted again, even
 * though the lifetime figures still hold the spike. The loop is really blocked (no fake lag).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LagMonitor } from '../../../src/pipeline/lag-monitor.js';
import type { DownstreamServer } from '../../../src/server/server.js';
import { connect, startServer, type RawClient } from './helpers.js';

let server: DownstreamServer | undefined;
let monitor: LagMonitor | undefined;
let clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.stop();
  server = undefined;
  monitor?.stop();
  monitor = undefined;
});

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* block the event loop */ }
}
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 15));

describe('admission on current load (recent-window lag p99)', () => {
  it('refuses during a lag episode and accepts again once it has left the window', async () => {
    const WINDOW_MS = 1_500;
    monitor = new LagMonitor({ resolutionMs: 10, recentWindowMs: WINDOW_MS, checkIntervalMs: 100 });
    monitor.start();
    const m = monitor;
    server = await startServer({ maxEventLoopLagMs: 100, admission: { eventLoopLagMs: () => m.recentP99Ms() } });

    const calm = await connect(server); clients.push(calm);
    await calm.subscribe(['status']);

    // The episode: the loop is blocked 250 ms at a time, with short breaths between.
    for (let i = 0; i < 4; i++) { busy(250); await turn(); }
    expect(m.recentP99Ms()).toBeGreaterThan(100);
    const refused = await connect(server); clients.push(refused);
    expect(await refused.closed).toEqual({ code: 1013, reason: 'event_loop_lag' });
    expect(server.stats().admissionRejections.event_loop_lag).toBe(1);

    // After the episode: wait (without sleeping a fixed time) until the window has moved past it.
    const started = Date.now();
    while (m.recentP99Ms() > 100) {
      if (Date.now() - started > WINDOW_MS * 4) throw new Error(`recent p99 still ${m.recentP99Ms()} ms`);
      await turn();
    }
    // The lifetime max still holds the spike: admission on it would keep refusing.
    expect(m.stats().maxMs).toBeGreaterThan(200);
    const accepted = await connect(server); clients.push(accepted);
    await accepted.subscribe(['status']);
    expect(server.stats().admissionRejections.event_loop_lag).toBe(1);
    expect(server.stats().clients).toBe(2);
  });
});
