import { describe, expect, it } from 'vitest';
import { Admission } from '../../../src/server/admission.js';

const limits = { maxConnections: 2, maxEventLoopLagMs: 100, maxMemoryBytes: 1_000 };

describe('Admission', () => {
  it('admits under every limit', () => {
    const a = new Admission(limits, { eventLoopLagMs: () => 5, memoryBytes: () => 10, breakerOpen: () => false });
    expect(a.check(1, ['binance'])).toEqual({ ok: true });
  });

  it('refuses and counts by reason: connections, lag, memory, open breaker of a declared venue', () => {
    let lag = 5; let mem = 10; const open = new Set<string>();
    const a = new Admission(limits, { eventLoopLagMs: () => lag, memoryBytes: () => mem, breakerOpen: (v) => open.has(v) });
    expect(a.check(2, [])).toMatchObject({ ok: false, reason: 'connections' });
    lag = 101;
    expect(a.check(0, [])).toMatchObject({ ok: false, reason: 'event_loop_lag' });
    lag = 5; mem = 1_001;
    expect(a.check(0, [])).toMatchObject({ ok: false, reason: 'memory' });
    mem = 10; open.add('bybit');
    expect(a.check(0, ['binance'])).toEqual({ ok: true });
    expect(a.check(0, ['binance', 'bybit'])).toMatchObject({ ok: false, reason: 'breaker_open', closeReason: 'breaker_open:bybit' });
    a.countSetupFailure();
    expect(a.rejections()).toEqual({ connections: 1, event_loop_lag: 1, memory: 1, breaker_open: 1, setup_failed: 1 });
  });
});
