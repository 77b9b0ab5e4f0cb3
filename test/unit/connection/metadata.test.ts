import { describe, expect, it } from 'vitest';
import { ConnectionMetadata } from '../../../src/connection/metadata.js';

describe('ConnectionMetadata', () => {
  it('keeps only the last N transitions, oldest first', () => {
    const m = new ConnectionMetadata(3, 60_000);
    for (let i = 0; i < 10; i++) m.recordTransition({ from: 'connected', to: 'reconnecting', reason: `r${i}`, time: i });
    expect(m.transitions().map((t) => t.reason)).toEqual(['r7', 'r8', 'r9']);
    expect(m.size).toBe(3);
  });

  it('cleanup drops entries older than maxAgeMs and nothing newer', () => {
    const m = new ConnectionMetadata(10, 1_000);
    for (let i = 0; i < 5; i++) m.recordTransition({ from: 'connected', to: 'reconnecting', reason: `r${i}`, time: i * 500 });
    expect(m.cleanup(1_600)).toBe(2);
    expect(m.transitions().map((t) => t.reason)).toEqual(['r2', 'r3', 'r4']);
    m.recordTransition({ from: 'reconnecting', to: 'connecting', reason: 'r5', time: 2_700 });
    expect(m.transitions().map((t) => t.reason)).toEqual(['r2', 'r3', 'r4', 'r5']);
  });

  it('a day of churn leaves the footprint bounded (ring size, closed set of error codes)', () => {
    const m = new ConnectionMetadata(50, 3_600_000);
    for (let i = 0; i < 100_000; i++) {
      m.recordTransition({ from: 'connected', to: 'reconnecting', reason: 'x', time: i * 864 });
      m.recordError(i % 2 ? 'E_STALE' : 'E_PING_TIMEOUT', 'm', i * 864);
    }
    const snap = m.snapshot();
    expect(snap.transitions).toHaveLength(50);
    expect(Object.keys(snap.errorsByCode)).toHaveLength(2);
    expect(snap.lastError?.code).toBe('E_STALE');
  });
});
