/**
 * Circuit breaker per host, consulted by the reconnect loop before every attempt.
 * closed → open after `failureThreshold` consecutive failures; open for the current open time;
 * then half-open lets exactly one probe through: success closes, failure opens again.
 *
 * The open time starts short and grows with consecutive opens: open n of a streak lasts
 * min(maxRecoveryMs, recoveryMs · recoveryMultiplier^(n-1)). A fixed long open time stretches a
 * short outage (a 60 s open turned a 40 s venue outage into 68 s without data); a short first
 * open costs one extra probe. The streak is forgotten once the host has proven healthy: a
 * successful attempt followed by `resetAfterMs` without a failed one. A connection that drops
 * soon after its probe succeeded therefore keeps the longer open time (a flapping venue).
 *
 * Why not cockatiel's CircuitBreakerPolicy: it reads Date.now() directly (no injectable clock for
 * the timing tests), ties half-open to wrapping a function call, and exposes neither the last
 * failure reason nor time in state. The logic is small enough to own and test.
 */
import {
  DEFAULT_BREAKER_MAX_RECOVERY_MS, DEFAULT_BREAKER_RECOVERY_MULTIPLIER, DEFAULT_BREAKER_RESET_AFTER_MS,
} from '../config/defaults/connection.js';
import { ConfigError } from '../model/errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  readonly failureThreshold: number;
  /** Open time of the first open of a streak. */
  readonly recoveryMs: number;
  /** Cap of the open time (default DEFAULT_BREAKER_MAX_RECOVERY_MS). */
  readonly maxRecoveryMs?: number;
  /** Growth per consecutive open, >= 1 (default DEFAULT_BREAKER_RECOVERY_MULTIPLIER). */
  readonly recoveryMultiplier?: number;
  /** Healthy this long after a success (no failure) and the streak restarts (default DEFAULT_BREAKER_RESET_AFTER_MS). */
  readonly resetAfterMs?: number;
}

/** The breaker settings of a resolved set of connection options. */
export function breakerSettingsOf(o: {
  readonly breakerFailureThreshold: number; readonly breakerRecoveryMs: number; readonly breakerMaxRecoveryMs: number;
  readonly breakerRecoveryMultiplier: number; readonly breakerResetAfterMs: number;
}): Required<BreakerSettings> {
  return {
    failureThreshold: o.breakerFailureThreshold, recoveryMs: o.breakerRecoveryMs, maxRecoveryMs: o.breakerMaxRecoveryMs,
    recoveryMultiplier: o.breakerRecoveryMultiplier, resetAfterMs: o.breakerResetAfterMs,
  };
}

/** Open time of open number `streak` (1-based) of a streak. */
export function breakerOpenMs(s: Required<BreakerSettings>, streak: number): number {
  if (streak <= 1 || s.recoveryMultiplier === 1) return Math.min(s.recoveryMs, s.maxRecoveryMs);
  // Exponent clamped: past the cap nothing changes, and Infinity must not appear.
  const grown = s.recoveryMs * Math.pow(s.recoveryMultiplier, Math.min(streak - 1, 64));
  return Math.round(Math.min(s.maxRecoveryMs, grown));
}

export type BreakerDecision =
  | { readonly allowed: true; readonly probe: boolean }
  | { readonly allowed: false; readonly retryInMs: number };

export interface BreakerStats {
  readonly host: string;
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  readonly failures: number;
  readonly successes: number;
  readonly opened: number;
  /** Opens since the host last proved healthy. */
  readonly openStreak: number;
  /** Open time of the current open (state open/half-open) or of the next one (closed), ms. */
  readonly openMs: number;
  readonly lastFailureReason: string | null;
  readonly lastFailureTime: number | null;
  readonly timeInStateMs: number;
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private since: number;
  private consecutive = 0;
  private failures = 0;
  private successes = 0;
  private opened = 0;
  private streak = 0;
  private openMs: number;
  /** First success after the last failure; null after a failure. */
  private healthySince: number | null = null;
  private probeInFlight = false;
  private lastFailureReason: string | null = null;
  private lastFailureTime: number | null = null;
  private readonly s: Required<BreakerSettings>;
  private readonly listeners = new Set<(state: BreakerState, reason: string) => void>();

  constructor(
    readonly host: string,
    settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.s = {
      failureThreshold: settings.failureThreshold,
      recoveryMs: settings.recoveryMs,
      maxRecoveryMs: settings.maxRecoveryMs ?? Math.max(DEFAULT_BREAKER_MAX_RECOVERY_MS, settings.recoveryMs),
      recoveryMultiplier: settings.recoveryMultiplier ?? DEFAULT_BREAKER_RECOVERY_MULTIPLIER,
      resetAfterMs: settings.resetAfterMs ?? DEFAULT_BREAKER_RESET_AFTER_MS,
    };
    const s = this.s;
    if (!Number.isInteger(s.failureThreshold) || s.failureThreshold < 1) {
      throw new ConfigError(`breakerFailureThreshold must be an integer >= 1, got ${s.failureThreshold}`, { key: 'breakerFailureThreshold' });
    }
    if (!Number.isFinite(s.recoveryMs) || s.recoveryMs < 0) {
      throw new ConfigError(`breakerRecoveryMs must be >= 0, got ${s.recoveryMs}`, { key: 'breakerRecoveryMs' });
    }
    if (!Number.isFinite(s.maxRecoveryMs) || s.maxRecoveryMs < s.recoveryMs) {
      throw new ConfigError(`breakerMaxRecoveryMs must be >= breakerRecoveryMs (${s.recoveryMs}), got ${s.maxRecoveryMs}`, { key: 'breakerMaxRecoveryMs' });
    }
    if (!Number.isFinite(s.recoveryMultiplier) || s.recoveryMultiplier < 1) {
      throw new ConfigError(`breakerRecoveryMultiplier must be >= 1, got ${s.recoveryMultiplier}`, { key: 'breakerRecoveryMultiplier' });
    }
    if (!Number.isFinite(s.resetAfterMs) || s.resetAfterMs < 0) {
      throw new ConfigError(`breakerResetAfterMs must be >= 0, got ${s.resetAfterMs}`, { key: 'breakerResetAfterMs' });
    }
    this.openMs = breakerOpenMs(s, 1);
    this.since = now();
  }

  get state(): BreakerState {
    return this.current;
  }

  onStateChange(fn: (state: BreakerState, reason: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Ask before an attempt. A granted probe must be followed by success() or failure(). */
  request(): BreakerDecision {
    if (this.current === 'open') {
      const left = this.since + this.openMs - this.now();
      if (left > 0) return { allowed: false, retryInMs: left };
      this.set('half-open', 'open time elapsed');
    }
    if (this.current === 'half-open') {
      // One probe at a time; others wait for its verdict.
      if (this.probeInFlight) return { allowed: false, retryInMs: Math.max(1, Math.min(1_000, this.s.recoveryMs)) };
      this.probeInFlight = true;
      return { allowed: true, probe: true };
    }
    return { allowed: true, probe: false };
  }

  success(): void {
    this.successes++;
    this.consecutive = 0;
    this.probeInFlight = false;
    this.healthySince ??= this.now();
    if (this.current !== 'closed') this.set('closed', 'probe succeeded');
  }

  failure(reason: string): void {
    this.forgetStreakIfHealthy();
    this.healthySince = null;
    this.failures++;
    this.consecutive++;
    this.lastFailureReason = reason;
    this.lastFailureTime = this.now();
    if (this.current === 'half-open') {
      this.probeInFlight = false;
      this.open(`probe failed: ${reason}`);
    } else if (this.current === 'closed' && this.consecutive >= this.s.failureThreshold) {
      this.open(`${this.consecutive} consecutive failures, last: ${reason}`);
    }
  }

  /** A granted probe that never ran (attempt aborted by close()): release it without a verdict. */
  release(): void {
    this.probeInFlight = false;
  }

  stats(): BreakerStats {
    const streak = this.effectiveStreak();
    return {
      host: this.host,
      state: this.current,
      consecutiveFailures: this.consecutive,
      failures: this.failures,
      successes: this.successes,
      opened: this.opened,
      openStreak: streak,
      openMs: this.current === 'closed' ? breakerOpenMs(this.s, streak + 1) : this.openMs,
      lastFailureReason: this.lastFailureReason,
      lastFailureTime: this.lastFailureTime,
      timeInStateMs: this.now() - this.since,
    };
  }

  private effectiveStreak(): number {
    const h = this.healthySince;
    return h !== null && this.current === 'closed' && this.now() - h >= this.s.resetAfterMs ? 0 : this.streak;
  }

  private forgetStreakIfHealthy(): void {
    this.streak = this.effectiveStreak();
  }

  private open(reason: string): void {
    this.opened++;
    this.streak++;
    this.openMs = breakerOpenMs(this.s, this.streak);
    this.set('open', `${reason}; open for ${this.openMs} ms (open ${this.streak} in a row)`);
  }

  private set(state: BreakerState, reason: string): void {
    this.current = state;
    this.since = this.now();
    for (const fn of this.listeners) fn(state, reason);
  }
}
