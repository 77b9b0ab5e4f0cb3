import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Backoff } from '../../../src/connection/backoff.js';

describe('Backoff (exponential, capped, full jitter)', () => {
  it('attempt n waits within [0, min(cap, base * 2^n)] for any settings and random source', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 60 }),
        (base, extra, draws) => {
          const cap = base + extra;
          let i = 0;
          const b = new Backoff({ baseDelayMs: base, maxDelayMs: cap, resetAfterMs: 1_000, random: () => draws[i++ % draws.length]! });
          for (let n = 0; n < draws.length; n++) {
            const d = b.next();
            expect(Number.isInteger(d)).toBe(true);
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(Math.min(cap, base * 2 ** n));
          }
        },
      ),
    );
  });

  it('with random → 1 the ceiling is reached: 500, 1000, 2000 ... capped at 30000', () => {
    const b = new Backoff({ baseDelayMs: 500, maxDelayMs: 30_000, resetAfterMs: 60_000, random: () => 0.999_999_9 });
    const got = Array.from({ length: 9 }, () => b.next());
    expect(got).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('full jitter spreads delays over the whole range (not a fixed fraction)', () => {
    const b = new Backoff({ baseDelayMs: 1_000, maxDelayMs: 1_000, resetAfterMs: 0 });
    const ds = Array.from({ length: 2_000 }, () => b.next());
    expect(Math.min(...ds)).toBeLessThan(100);
    expect(Math.max(...ds)).toBeGreaterThan(900);
  });

  it('resets only after the connection stayed healthy for resetAfterMs, never on a short connect', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 200_000 }), (failures, upMs) => {
        const b = new Backoff({ baseDelayMs: 500, maxDelayMs: 30_000, resetAfterMs: 60_000, random: () => 0.5 });
        for (let i = 0; i < failures; i++) b.next();
        b.noteConnected(1_000);
        b.noteDisconnected(1_000 + upMs);
        expect(b.attempts).toBe(upMs >= 60_000 ? 0 : failures);
      }),
    );
  });

  it('rejects invalid settings at construction', () => {
    expect(() => new Backoff({ baseDelayMs: 0, maxDelayMs: 10, resetAfterMs: 0 })).toThrow(/reconnectBaseDelayMs/);
    expect(() => new Backoff({ baseDelayMs: 100, maxDelayMs: 10, resetAfterMs: 0 })).toThrow(/reconnectMaxDelayMs/);
    expect(() => new Backoff({ baseDelayMs: 1, maxDelayMs: 10, resetAfterMs: -1 })).toThrow(/backoffResetAfterMs/);
    expect(() => new Backoff({ baseDelayMs: Number.NaN, maxDelayMs: 10, resetAfterMs: 0 })).toThrow();
  });
});
