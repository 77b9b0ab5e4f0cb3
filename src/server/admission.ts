/**
 * Admission control for new downstream connections. A refused connection is accepted at the
 * WebSocket level and closed at once with 1013 (try again later) and the reason as close text,
 * so clients can tell "come back later" from "you are not allowed".
 */

export type AdmissionReason = 'connections' | 'event_loop_lag' | 'memory' | 'breaker_open' | 'setup_failed';

/** Facts admission asks about; all optional and injected by the gateway. */
export interface AdmissionProviders {
  /** Current event-loop lag in ms (e.g. p99 of the pipeline's monitor). Without it, lag is not checked. */
  eventLoopLagMs?(): number;
  /** Memory in bytes compared with maxMemoryBytes (default: process RSS). */
  memoryBytes?(): number;
  /** True when the upstream circuit breaker of this venue is open. Without it, never open. */
  breakerOpen?(venue: string): boolean;
}

export interface AdmissionLimits {
  readonly maxConnections: number;
  readonly maxEventLoopLagMs: number;
  readonly maxMemoryBytes: number;
}

export type AdmissionDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: Exclude<AdmissionReason, 'setup_failed'>; readonly closeReason: string };

export class Admission {
  private readonly rejected: Record<AdmissionReason, number> = {
    connections: 0, event_loop_lag: 0, memory: 0, breaker_open: 0, setup_failed: 0,
  };

  constructor(private readonly limits: AdmissionLimits, private readonly providers: AdmissionProviders = {}) {}

  /** Decides on a new connection given the current count and the venues it declared (?channels=). */
  check(activeConnections: number, venues: Iterable<string>): AdmissionDecision {
    const d = this.decide(activeConnections, venues);
    if (!d.ok) this.rejected[d.reason]++;
    return d;
  }

  /** Counts a setup failure (closed with 1011). */
  countSetupFailure(): void {
    this.rejected.setup_failed++;
  }

  rejections(): Readonly<Record<AdmissionReason, number>> {
    return { ...this.rejected };
  }

  private decide(active: number, venues: Iterable<string>): AdmissionDecision {
    if (active >= this.limits.maxConnections) return { ok: false, reason: 'connections', closeReason: 'connections' };
    const lag = this.providers.eventLoopLagMs?.();
    if (lag !== undefined && lag > this.limits.maxEventLoopLagMs) return { ok: false, reason: 'event_loop_lag', closeReason: 'event_loop_lag' };
    const mem = this.providers.memoryBytes ? this.providers.memoryBytes() : process.memoryUsage.rss();
    if (mem > this.limits.maxMemoryBytes) return { ok: false, reason: 'memory', closeReason: 'memory' };
    if (this.providers.breakerOpen) {
      for (const v of venues) {
        if (this.providers.breakerOpen(v)) return { ok: false, reason: 'breaker_open', closeReason: `breaker_open:${v}`.slice(0, 120) };
      }
    }
    return { ok: true };
  }
}
