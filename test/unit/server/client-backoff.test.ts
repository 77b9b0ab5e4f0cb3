import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffDelayMs, TickgateClient, ClientError } from '../../../src/server/client.js';

const o = { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.2 };

describe('client backoff', () => {
  it('grows exponentially from the initial delay and caps at the max', () => {
    const mid = (): number => 0.5;
    expect([0, 1, 2, 3, 10].map((n) => backoffDelayMs(n, o, mid))).toEqual([100, 200, 400, 800, 5_000]);
  });

  it('stays within ±jitter of the capped delay for any attempt and random value', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
      const base = Math.min(o.maxMs, o.initialMs * 2 ** n);
      const d = backoffDelayMs(n, o, () => r);
      expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
      expect(d).toBeLessThanOrEqual(Math.ceil(base * 1.2));
    }));
  });

  it('refuses an invalid channel at construction', () => {
    expect(() => new TickgateClient({ url: 'ws://127.0.0.1:1/ws', channels: ['nope'] })).toThrow(ClientError);
  });
});
