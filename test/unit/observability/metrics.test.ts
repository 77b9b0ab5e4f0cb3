import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/observability/metrics.js';

describe('MetricsRegistry', () => {
  it('mirrors a part\'s monotonic total as a counter, shows zero series, and survives a part restart', async () => {
    const m = new MetricsRegistry({ defaultMetrics: false });
    let total = 0;
    m.counter('tickgate_test_total', 'test', ['venue'], () => [[{ venue: 'binance' }, total]]);
    expect(await m.text()).toMatch(/tickgate_test_total\{venue="binance"\} 0/);
    total = 5;
    expect(await m.text()).toMatch(/tickgate_test_total\{venue="binance"\} 5/);
    total = 2; // the part restarted and counts from zero again: the counter must not go down
    expect(await m.text()).toMatch(/tickgate_test_total\{venue="binance"\} 7/);
  });

  it('reads gauges at scrape time, drops non-finite samples, and refuses names outside tickgate_*', async () => {
    const m = new MetricsRegistry({ defaultMetrics: false });
    let depth = 3;
    m.gauge('tickgate_depth', 'test', ['consumer'], () => [[{ consumer: 'a' }, depth], [{ consumer: 'b' }, NaN]]);
    expect(await m.text()).toMatch(/tickgate_depth\{consumer="a"\} 3/);
    depth = 0;
    const text = await m.text();
    expect(text).toMatch(/tickgate_depth\{consumer="a"\} 0/);
    expect(text).not.toMatch(/consumer="b"/);
    expect(() => m.gauge('queue_depth', 'x', [], () => [])).toThrow(/tickgate_/);
  });
});
