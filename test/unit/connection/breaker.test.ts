import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CircuitBreaker, breakerOpenMs, breakerSettingsOf, type BreakerSettings, type BreakerState } from '../../../src/connection/breaker.js';
import { connectionDefaults } from '../../../src/config/defaults/connection.js';
import { resolveConnectionOptions } from '../../../src/connection/options.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Fixed open time (multiplier 1) for the tests of the basic state machine. */
const FIXED = { recoveryMultiplier: 1, maxRecoveryMs: 60_000, resetAfterMs: 60_000 } as const;

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and opens on the Nth consecutive failure', () => {
    const c = clock();
    const b = new CircuitBreaker('h', { ...FIXED, failureThreshold: 5, recoveryMs: 60_000 }, c.now);
    for (let i = 0; i < 4; i++) b.failure('refused');
    expect(b.state).toBe('closed');
    b.success();
    for (let i = 0; i < 4; i++) b.failure('refused');
    expect(b.state).toBe('closed');
    b.failure('E_CONNECT_TIMEOUT');
    expect(b.stats()).toMatchObject({ state: 'open', consecutiveFailures: 5, failures: 9, opened: 1, openStreak: 1, lastFailureReason: 'E_CONNECT_TIMEOUT', lastFailureTime: 1_000 });
  });

  it('denies while open with the time left, then lets exactly one half-open probe through', () => {
    const c = clock();
    const b = new CircuitBreaker('h', { ...FIXED, failureThreshold: 2, recoveryMs: 15_000 }, c.now);
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

  it('a failed probe reopens for a longer time (×multiplier); a good probe closes', () => {
    const c = clock();
    const states: string[] = [];
    const b = new CircuitBreaker('h', { failureThreshold: 1, recoveryMs: 100, recoveryMultiplier: 2, maxRecoveryMs: 60_000, resetAfterMs: 60_000 }, c.now);
    b.onStateChange((s) => states.push(s));
    b.failure('a');
    c.advance(100);
    expect(b.request()).toMatchObject({ allowed: true, probe: true });
    b.failure('b');
    expect(b.request()).toEqual({ allowed: false, retryInMs: 200 });
    c.advance(200);
    b.request();
    b.success();
    expect(b.state).toBe('closed');
    expect(b.request()).toEqual({ allowed: true, probe: false });
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(b.stats()).toMatchObject({ opened: 2, openStreak: 2, openMs: 400, successes: 1, consecutiveFailures: 0 });
  });

  it('a released probe (attempt aborted) lets the next one through', () => {
    const c = clock();
    const b = new CircuitBreaker('h', { ...FIXED, failureThreshold: 1, recoveryMs: 0 }, c.now);
    b.failure('a');
    expect(b.request()).toMatchObject({ probe: true });
    b.release();
    expect(b.request()).toMatchObject({ allowed: true, probe: true });
  });

  it('rejects impossible settings, naming the key', () => {
    expect(() => new CircuitBreaker('h', { failureThreshold: 0, recoveryMs: 1 })).toThrow(/breakerFailureThreshold/);
    expect(() => new CircuitBreaker('h', { failureThreshold: 1, recoveryMs: 5_000, maxRecoveryMs: 1_000 })).toThrow(/breakerMaxRecoveryMs/);
    expect(() => new CircuitBreaker('h', { failureThreshold: 1, recoveryMs: 5_000, recoveryMultiplier: 0.5 })).toThrow(/breakerRecoveryMultiplier/);
    expect(() => new CircuitBreaker('h', { failureThreshold: 1, recoveryMs: 5_000, resetAfterMs: -1 })).toThrow(/breakerResetAfterMs/);
    expect(() => resolveConnectionOptions({ breakerRecoveryMs: 90_000 })).toThrow(/breakerMaxRecoveryMs/);
    expect(() => resolveConnectionOptions({ breakerRecoveryMultiplier: 0.9 })).toThrow(/breakerRecoveryMultiplier/);
  });
});

describe('breaker transition table', () => {
  type Ev = 'request' | 'request-after-open-time' | 'success' | 'failure' | 'release';
  /** Drive a fresh breaker (threshold 2, open 1 s) into `state` (half-open with its probe granted). */
  function inState(state: BreakerState | 'closed-one-failure'): { b: CircuitBreaker; c: ReturnType<typeof clock> } {
    const c = clock();
    const b = new CircuitBreaker('h', { ...FIXED, failureThreshold: 2, recoveryMs: 1_000 }, c.now);
    if (state === 'closed-one-failure') b.failure('x');
    if (state === 'open' || state === 'half-open') { b.failure('x'); b.failure('x'); }
    if (state === 'half-open') { c.advance(1_000); b.request(); }
    return { b, c };
  }
  const rows: [BreakerState | 'closed-one-failure', Ev, BreakerState, boolean | null][] = [
    // from, event, to, allowed (for requests)
    ['closed', 'request', 'closed', true],
    ['closed', 'success', 'closed', null],
    ['closed', 'failure', 'closed', null],
    ['closed', 'release', 'closed', null],
    ['closed-one-failure', 'failure', 'open', null],
    ['closed-one-failure', 'success', 'closed', null],
    ['open', 'request', 'open', false],
    ['open', 'request-after-open-time', 'half-open', true],
    ['open', 'failure', 'open', null],
    ['open', 'success', 'closed', null],
    ['half-open', 'request', 'half-open', false],
    ['half-open', 'success', 'closed', null],
    ['half-open', 'failure', 'open', null],
    ['half-open', 'release', 'half-open', null],
  ];
  it.each(rows)('%s --%s--> %s', (from, ev, to, allowed) => {
    const { b, c } = inState(from);
    let decision: ReturnType<CircuitBreaker['request']> | null = null;
    if (ev === 'request') decision = b.request();
    else if (ev === 'request-after-open-time') { c.advance(1_000); decision = b.request(); }
    else if (ev === 'success') b.success();
    else if (ev === 'failure') b.failure('y');
    else b.release();
    expect(b.state).toBe(to);
    if (allowed !== null) expect(decision?.allowed).toBe(allowed);
  });
  it('half-open after release grants the next probe', () => {
    const { b } = inState('half-open');
    b.release();
    expect(b.request()).toEqual({ allowed: true, probe: true });
  });
});

describe('breaker open time growth', () => {
  it('defaults: 3 s first, ×1.5 per consecutive open, capped at 60 s', () => {
    const s = breakerSettingsOf(connectionDefaults);
    expect(Array.from({ length: 10 }, (_, i) => breakerOpenMs(s, i + 1))).toEqual([3_000, 4_500, 6_750, 10_125, 15_188, 22_781, 34_172, 51_258, 60_000, 60_000]);
  });

  it('consecutive opens (failed probes) grow the open time; the denial says exactly how long is left', () => {
    const c = clock();
    const b = new CircuitBreaker('h', breakerSettingsOf({ ...connectionDefaults, breakerFailureThreshold: 1 }), c.now);
    const opens: number[] = [];
    b.failure('down');
    for (let i = 0; i < 10; i++) {
      const d = b.request();
      expect(d.allowed).toBe(false);
      if (d.allowed) return;
      opens.push(d.retryInMs);
      c.advance(d.retryInMs);
      expect(b.request()).toEqual({ allowed: true, probe: true });
      b.failure('still down');
    }
    expect(opens).toEqual([3_000, 4_500, 6_750, 10_125, 15_188, 22_781, 34_172, 51_258, 60_000, 60_000]);
  });

  it('the streak is forgotten after resetAfterMs of proven health; a venue that flaps sooner keeps the longer open time', () => {
    const c = clock();
    const b = new CircuitBreaker('h', { failureThreshold: 1, recoveryMs: 1_000, recoveryMultiplier: 2, maxRecoveryMs: 8_000, resetAfterMs: 10_000 }, c.now);
    const openAfterProbe = (): void => { const d = b.request(); if (!d.allowed) c.advance(d.retryInMs); b.request(); };
    b.failure('a'); openAfterProbe(); b.failure('b'); // 2 opens: 1 s, 2 s
    openAfterProbe(); b.success();
    expect(b.stats()).toMatchObject({ state: 'closed', openStreak: 2, openMs: 4_000 });
    c.advance(5_000); // flapped: connected 5 s only
    b.failure('c');
    expect(b.stats()).toMatchObject({ state: 'open', openStreak: 3, openMs: 4_000 });
    openAfterProbe(); b.success();
    c.advance(9_999);
    expect(b.stats()).toMatchObject({ openStreak: 3, openMs: 8_000 });
    c.advance(1); // proven healthy
    expect(b.stats()).toMatchObject({ openStreak: 0, openMs: 1_000 });
    b.failure('d');
    expect(b.stats()).toMatchObject({ state: 'open', openStreak: 1, openMs: 1_000 });
  });

  it('property: matches a naive reference on any sequence of requests, verdicts, releases and clock steps', () => {
    const settings = fc.record({
      failureThreshold: fc.integer({ min: 1, max: 4 }),
      recoveryMs: fc.integer({ min: 0, max: 5_000 }),
      recoveryMultiplier: fc.constantFrom(1, 1.5, 2, 3),
      extraMaxMs: fc.integer({ min: 0, max: 60_000 }),
      resetAfterMs: fc.integer({ min: 0, max: 20_000 }),
    });
    const op = fc.oneof(
      fc.record({ advance: fc.integer({ min: 0, max: 30_000 }) }),
      fc.constantFrom('request', 'success', 'failure', 'release'),
    );
    fc.assert(fc.property(settings, fc.array(op, { maxLength: 80 }), (st, ops) => {
      const s: Required<BreakerSettings> = { ...st, maxRecoveryMs: st.recoveryMs + st.extraMaxMs };
      const c = clock();
      const b = new CircuitBreaker('h', s, c.now);
      const ref = new ReferenceBreaker(s, c.now);
      for (const o of ops) {
        if (typeof o === 'object') c.advance(o.advance);
        else if (o === 'request') expect(b.request()).toEqual(ref.request());
        else if (o === 'success') { b.success(); ref.success(); }
        else if (o === 'failure') { b.failure('f'); ref.failure(); }
        else { b.release(); ref.probe = false; }
        expect(b.state).toBe(ref.state);
        const st2 = b.stats();
        expect(st2.openMs).toBeLessThanOrEqual(s.maxRecoveryMs);
        expect(st2.openMs).toBeGreaterThanOrEqual(Math.min(s.recoveryMs, s.maxRecoveryMs));
      }
    }), { numRuns: 300 });
  });
});

describe('a 40 s venue outage through the reconnect loop policy (breaker only, attempts refused at once)', () => {
  /** Seconds without data after the venue is back: attempts every 500 ms until the breaker opens, then only when it allows. */
  function stretchAfterOutage(settings: BreakerSettings, outageMs: number): number {
    const c = clock();
    const start = c.now();
    const b = new CircuitBreaker('venue', settings, c.now);
    for (;;) {
      const d = b.request();
      if (!d.allowed) { c.advance(d.retryInMs); continue; }
      if (c.now() - start >= outageMs) return c.now() - start - outageMs;
      b.failure('E_CONNECT_FAILED');
      if (b.state === 'closed') c.advance(500);
    }
  }
  it('the growing open time stretches it by a few seconds; the former fixed 60 s stretched it by more than 20 s', () => {
    const now = stretchAfterOutage(breakerSettingsOf(connectionDefaults), 40_000);
    const before = stretchAfterOutage({ failureThreshold: 5, recoveryMs: 60_000, recoveryMultiplier: 1, maxRecoveryMs: 60_000 }, 40_000);
    expect(before).toBeGreaterThan(20_000);
    expect(now).toBeLessThan(5_000);
    // Any outage up to 10 min: the wait after recovery is the open time in progress, so under three
    // quarters of the outage (at most 4.5 s, the second open time, for outages under 6 s) and
    // never beyond the 60 s cap.
    for (let outage = 250; outage <= 600_000; outage += 250) {
      expect(stretchAfterOutage(breakerSettingsOf(connectionDefaults), outage)).toBeLessThanOrEqual(Math.min(Math.max(4_500, outage * 0.75), 60_000));
    }
  });
});

/** Written from the README's description, independently of breaker.ts. */
class ReferenceBreaker {
  state: BreakerState = 'closed';
  since: number;
  probe = false;
  private fails = 0;
  private opens = 0;
  private openFor = 0;
  private okAt: number | null = null;
  constructor(private readonly s: Required<BreakerSettings>, private readonly now: () => number) { this.since = now(); }
  request(): { allowed: true; probe: boolean } | { allowed: false; retryInMs: number } {
    if (this.state === 'open') {
      if (this.now() < this.since + this.openFor) return { allowed: false, retryInMs: this.since + this.openFor - this.now() };
      this.state = 'half-open'; this.since = this.now();
    }
    if (this.state === 'half-open') {
      if (this.probe) return { allowed: false, retryInMs: Math.max(1, Math.min(1_000, this.s.recoveryMs)) };
      this.probe = true;
      return { allowed: true, probe: true };
    }
    return { allowed: true, probe: false };
  }
  success(): void {
    this.fails = 0; this.probe = false;
    if (this.okAt === null) this.okAt = this.now();
    if (this.state !== 'closed') { this.state = 'closed'; this.since = this.now(); }
  }
  failure(): void {
    if (this.okAt !== null && this.state === 'closed' && this.now() - this.okAt >= this.s.resetAfterMs) this.opens = 0;
    this.okAt = null;
    this.fails++;
    const trip = this.state === 'half-open' || (this.state === 'closed' && this.fails >= this.s.failureThreshold);
    if (this.state === 'half-open') this.probe = false;
    if (!trip) return;
    this.opens++;
    let t = this.s.recoveryMs;
    for (let i = 1; i < this.opens && t < this.s.maxRecoveryMs; i++) t *= this.s.recoveryMultiplier;
    this.openFor = Math.round(Math.min(t, this.s.maxRecoveryMs));
    this.state = 'open'; this.since = this.now();
  }
}
