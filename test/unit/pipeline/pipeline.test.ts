import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../../src/pipeline/pipeline.js';

describe('pipeline facade', () => {
  it('one stats() covers consumers, pool and lag; close() stops everything', async () => {
    const seen: string[] = [];
    const p = new Pipeline<{ symbol: string }>({ workers: { threads: 1 }, consumers: [{ name: 'c', policy: 'drop-oldest', handler: (e) => { seen.push(e.symbol); } }] });
    p.publish({ symbol: 'A' });
    await new Promise((r) => setTimeout(r, 20));
    const s = p.stats();
    expect(seen).toEqual(['A']);
    expect(s.consumers.c).toMatchObject({ processed: 1, queueDepth: 0, healthy: true, abandonedInFlight: 0 });
    expect(s.pool).toMatchObject({ maxThreads: 1 });
    expect(s.lag).toMatchObject({ episodes: 0 });
    await p.close();
    p.publish({ symbol: 'B' });
    expect(p.stats().published).toBe(1);
  });
});
