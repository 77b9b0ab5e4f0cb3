/**
 * Circuit breaker per host, consulted by the reconnect loop before every attempt.
 * closed → open after `failureThreshold` consecutive failures; open for `recoveryMs`; then
 * half-open lets exactly one probe through: success closes, failure opens again.
 *
 * Why not cockatiel's CircuitBreakerPolicy: it reads Date.now() directly (no injectable clock for
 * the timing tests), ties half-open to wrapping a function call, and exposes neither the last
 * failure reason nor time in state. The logic is small enough to own and test.
 */
import { ConfigError } from '../model/errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  readonly failureThreshold: number;
  readonly recoveryMs: number;
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
  private probeInFlight = false;
  private lastFailureReason: string | null = null;
  private lastFailureTime: number | null = null;
  private readonly listeners = new Set<(state: BreakerState, reason: string) => void>();

  constructor(
    readonly host: string,
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(settings.failureThreshold) || settings.failureThreshold < 1) {
      throw new ConfigError(`breakerFailureThreshold must be an integer >= 1, got ${settings.failureThreshold}`, { key: 'breakerFailureThreshold' });
    }
    if (!Number.isFinite(settings.recoveryMs) || settings.recoveryMs < 0) {
      throw new ConfigError(`breakerRecoveryMs must be >= 0, got ${settings.recoveryMs}`, { key: 'breakerRecoveryMs' });
    }
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
      const left = this.since + this.settings.recoveryMs - this.now();
      if (left > 0) return { allowed: false, retryInMs: left };
      this.set('half-open', 'recovery time elapsed');
    }
    if (this.current === 'half-open') {
      // One probe at a time; others wait for its verdict.
      if (this.probeInFlight) return { allowed: false, retryInMs: Math.max(1, Math.min(1_000, this.settings.recoveryMs)) };
      this.probeInFlight = true;
      return { allowed: true, probe: true };
    }
    return { allowed: true, probe: false };
  }

  success(): void {
    this.successes++;
    this.consecutive = 0;
    this.probeInFlight = false;
    if (this.current !== 'closed') this.set('closed', 'probe succeeded');
  }

  failure(reason: string): void {
    this.failures++;
    this.consecutive++;
    this.lastFailureReason = reason;
    this.lastFailureTime = this.now();
    if (this.current === 'half-open') {
      this.probeInFlight = false;
      this.open(`probe failed: ${reason}`);
    } else if (this.current === 'closed' && this.consecutive >= this.settings.failureThreshold) {
      this.open(`${this.consecutive} consecutive failures, last: ${reason}`);
    }
  }

  /** A granted probe that never ran (attempt aborted by close()): release it without a verdict. */
  release(): void {
    this.probeInFlight = false;
  }

  stats(): BreakerStats {
    return {
      host: this.host,
      state: this.current,
      consecutiveFailures: this.consecutive,
      failures: this.failures,
      successes: this.successes,
      opened: this.opened,
      lastFailureReason: this.lastFailureReason,
      lastFailureTime: this.lastFailureTime,
      timeInStateMs: this.now() - this.since,
    };
  }

  private open(reason: string): void {
    this.opened++;
    this.set('open', reason);
  }

  private set(state: BreakerState, reason: string): void {
    this.current = state;
    this.since = this.now();
    for (const fn of this.listeners) fn(state, reason);
  }
}
