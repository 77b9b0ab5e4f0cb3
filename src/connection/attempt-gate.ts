/**
 * Whether and when a Connection's next connect attempt may start: the host's circuit breaker
 * (shared per host by the manager, else private) and the host's connect-attempt bucket. Also the
 * wait after an attempt failed, which depends on the same breaker. Knows no socket.
 */
import { CircuitBreaker, breakerSettingsOf } from './breaker.js';
import { ConnectionError } from './errors.js';
import type { ConnectionOptions } from './options.js';
import type { ClosePolicy } from './protocol.js';
import { TokenBucket } from './token-bucket.js';

export type GateDecision =
  | { readonly allowed: true; readonly breaker: CircuitBreaker; readonly probe: boolean }
  | {
    readonly allowed: false;
    /** Wait this long, then ask again. */
    readonly delayMs: number;
    /** State-transition reason while waiting. */
    readonly reason: string;
    /** Set on the first refusal of an open breaker in a row (reported once, not per retry). */
    readonly report: ConnectionError | null;
  };

export interface AttemptGateInit {
  readonly venue: string;
  readonly connectionKey: string;
  readonly options: ConnectionOptions;
  readonly now: () => number;
  readonly breakerFor?: (host: string) => CircuitBreaker;
  readonly connectLimiterFor?: (host: string) => TokenBucket;
}

export class AttemptGate {
  private readonly breakerFor: (host: string) => CircuitBreaker;
  private readonly connectLimiterFor: (host: string) => TokenBucket;
  private breakerReported = false;
  /** The breaker of the last host asked about (details()). */
  lastBreaker: CircuitBreaker | null = null;

  constructor(private readonly init: AttemptGateInit) {
    const o = init.options;
    const breakers = new Map<string, CircuitBreaker>();
    this.breakerFor = init.breakerFor ?? ((host) => {
      let b = breakers.get(host);
      if (!b) breakers.set(host, (b = new CircuitBreaker(host, breakerSettingsOf(o), init.now)));
      return b;
    });
    const limiter = new TokenBucket(o.connectAttemptsPerWindow, o.connectAttemptWindowMs, init.now);
    this.connectLimiterFor = init.connectLimiterFor ?? (() => limiter);
  }

  /** Asks the host's breaker, then its attempt bucket (a granted probe is released when the bucket says no). */
  admit(host: string): GateDecision {
    const breaker = this.breakerFor(host);
    this.lastBreaker = breaker;
    const decision = breaker.request();
    if (!decision.allowed) {
      let report: ConnectionError | null = null;
      if (!this.breakerReported) {
        this.breakerReported = true;
        const { venue, connectionKey } = this.init;
        report = new ConnectionError('E_BREAKER_OPEN', `${venue} ${connectionKey}: circuit breaker for ${host} is ${breaker.state}; next probe in ${decision.retryInMs} ms`, {
          context: { venue, connectionKey, host, retryInMs: decision.retryInMs }, retryable: true,
        });
      }
      return { allowed: false, delayMs: decision.retryInMs, reason: `breaker ${breaker.state}`, report };
    }
    const limiter = this.connectLimiterFor(host);
    if (!limiter.tryTake()) {
      if (decision.probe) breaker.release();
      return { allowed: false, delayMs: Math.max(1, limiter.msUntilAvailable()), reason: 'connect attempt rate limit', report: null };
    }
    this.breakerReported = false;
    return { allowed: true, breaker, probe: decision.probe };
  }
}

/**
 * Wait before the next attempt after one failed with `policy`. An open breaker spaces the next
 * attempt by its own (growing) open time; backoff on top would stretch the outage.
 */
export function retryDelayMs(policy: ClosePolicy, backoffMs: number, breaker: CircuitBreaker): number {
  if (policy.action === 'rate_limited') return Math.max(backoffMs, policy.retryAfterMs);
  return breaker.state === 'open' ? 0 : backoffMs;
}
