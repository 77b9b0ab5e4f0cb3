import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/connection/breaker.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and opens on the Nth consecutive failure', () => {
    const c = clock();
    const b = new CircuitBreaker('h', { failureThreshold: 5, recoveryMs: 60_000 }, c.now);
    for (let i = 0; i < 4; i++) b.failure('refused');
    expect(b.state).toBe('closed');
    b.success();
    for (let i = 0; i < 4; i++) b.failure('refused');
    expect(b.state).toBe('closed');
    b.failure('E_CONNECT_TIMEOUT');
    expect(b.stats()).toMatchObject({ state: 'open', consecutiveFailures: 5, failures: 9, opened: 1, lastFailureReason: 'E_CONNECT_TIMEOUT', lastFailureTime: 1_000 });
  });

  it('denies while open with the time left, then lets exactly one half-open probe through', () => {
    const c = clock();
    const b = new CircuitBreaker('h', { failureThreshold: 2, recoveryMs: 15_000 }, c.now);
    b.failure('x');
    b.failure('x');
    c.advance(10_000);
    expect(b.request()).toEqual({ allowed: false, retryInMs: 5_000 });
    expect(b.stats().timeInStateMs).toBe(10_000);
    c.advance(5_000);
    expect(b.request()).toEqual({ allowed: true, probe: true });
    expect(b.state).toBe('half-open');
    expect(b.request().allowed).toBe(false);
  });

  it('a failed probe reopens for another recovery period; a good probe closes', () => {
    const c = clock();
    const states: string[] = [];
    const b = new CircuitBreaker('h', { failureThreshold: 1, recoveryMs: 100 }, c.now);
    b.onStateChange((s) => states.push(s));
    b.failure('a');
    c.advance(100);
    expect(b.request()).toMatchObject({ allowed: true, probe: true });
    b.failure('b');
    expect(b.request()).toEqual({ allowed: false, retryInMs: 100 });
    c.advance(100);
    b.request();
    b.success();
    expect(b.state).toBe('closed');
    expect(b.request()).toEqual({ allowed: true, probe: false });
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(b.stats()).toMatchObject({ opened: 2, successes: 1, consecutiveFailures: 0 });
  });

  it('a released probe (attempt aborted) lets the next one through', () => {
    const c = clock();
    const b = new CircuitBreaker('h', { failureThreshold: 1, recoveryMs: 0 }, c.now);
    b.failure('a');
    expect(b.request()).toMatchObject({ probe: true });
    b.release();
    expect(b.request()).toMatchObject({ allowed: true, probe: true });
  });

  it('rejects a threshold below 1', () => {
    expect(() => new CircuitBreaker('h', { failureThreshold: 0, recoveryMs: 1 })).toThrow(/breakerFailureThreshold/);
  });
});
