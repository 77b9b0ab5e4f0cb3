import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { LagMonitor } from '../../../src/pipeline/lag-monitor.js';
import { Dispatcher } from '../../../src/pipeline/dispatcher.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* block the loop */ }
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('event-loop lag monitor', () => {
  it('logs a lag episode once, naming the handler that blocked the loop, and reports p50/p99/max', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } });
    const d = new Dispatcher<{ symbol: string }>();
    d.addConsumer({ name: 'pandas-like', policy: 'drop-oldest', handler: () => busy(150) });
    const mon = new LagMonitor({ thresholdMs: 80, resolutionMs: 10, checkIntervalMs: 1_000_000, activity: d, logger });
    mon.start();
    try {
      await tick(50);
      mon.check(); // calm interval
      d.publish({ symbol: 'BTCUSDT' });
      await tick(30);
      d.publish({ symbol: 'BTCUSDT' });
      await tick(30);
      mon.check(); // two blocked turns in one interval: one episode
      d.publish({ symbol: 'BTCUSDT' });
      await tick(30);
      mon.check(); // still lagging: same episode, no second warning
      await tick(50);
      mon.check(); // calm again: the episode ends
      const warns = lines.filter((l) => l.msg === 'event loop lag above threshold');
      expect(warns).toHaveLength(1);
      expect(warns[0]).toMatchObject({ slowestHandler: { consumer: 'pandas-like', symbol: 'BTCUSDT' } });
      expect(warns[0]!.lagMs as number).toBeGreaterThan(100);
      expect(lines.some((l) => l.msg === 'event loop lag back below threshold')).toBe(true);
      const s = mon.stats();
      expect(s.episodes).toBe(1);
      expect(s.inEpisode).toBe(false);
      expect(s.maxMs).toBeGreaterThan(100);
      expect(s.p50Ms).toBeLessThanOrEqual(s.p99Ms);
      expect(s.p99Ms).toBeLessThanOrEqual(s.maxMs);
    } finally {
      mon.stop();
      d.close();
    }
  });
});
