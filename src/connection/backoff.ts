/**
 * Exponential backoff with full jitter: attempt n waits uniformly in [0, min(cap, base * 2^n)].
 * Resets only after proven health (connected for resetAfterMs), never on a bare TCP connect,
 * so a venue that accepts and drops at once cannot pull us into a reconnect storm.
 */
import { ConfigError } from '../model/errors.js';

export interface BackoffSettings {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly resetAfterMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private connectedSince: number | null = null;
  private readonly random: () => number;

  constructor(private readonly settings: BackoffSettings) {
    const { baseDelayMs, maxDelayMs, resetAfterMs } = settings;
    if (!Number.isFinite(baseDelayMs) || baseDelayMs <= 0) {
      throw new ConfigError(`reconnectBaseDelayMs must be a positive number, got ${baseDelayMs}`, { key: 'reconnectBaseDelayMs' });
    }
    if (!Number.isFinite(maxDelayMs) || maxDelayMs < baseDelayMs) {
      throw new ConfigError(`reconnectMaxDelayMs must be >= reconnectBaseDelayMs (${baseDelayMs}), got ${maxDelayMs}`, { key: 'reconnectMaxDelayMs' });
    }
    if (!Number.isFinite(resetAfterMs) || resetAfterMs < 0) {
      throw new ConfigError(`backoffResetAfterMs must be >= 0, got ${resetAfterMs}`, { key: 'backoffResetAfterMs' });
    }
    this.random = settings.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The ceiling attempt n draws under. */
  ceilingMs(n: number = this.attempt): number {
    // 2^n overflows to Infinity for large n; min() keeps the cap.
    return Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** Math.min(n, 1024));
  }

  /** Delay before the next attempt; advances the attempt counter. */
  next(): number {
    const delay = Math.floor(this.random() * (this.ceilingMs() + 1));
    this.attempt++;
    return Math.min(delay, this.ceilingMs(this.attempt - 1));
  }

  noteConnected(now: number): void {
    this.connectedSince = now;
  }

  /** Called when a connected socket is lost; resets when it had been healthy long enough. */
  noteDisconnected(now: number): void {
    if (this.connectedSince !== null && now - this.connectedSince >= this.settings.resetAfterMs) this.reset();
    this.connectedSince = null;
  }

  reset(): void {
    this.attempt = 0;
  }
}
