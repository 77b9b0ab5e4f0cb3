/**
 * Token bucket whose tokens come back `windowMs` after each use: never more than `capacity`
 * grants in any window of `windowMs` (a venue's "5 messages per second" holds on every sliding
 * second, not only on average). Used for connect attempts per host and outgoing messages per
 * connection. `take()` waits for a token (paced, never dropped); the wait is cancelled through an
 * AbortSignal. Memory is bounded by `capacity` timestamps.
 */
import { ConfigError } from '../model/errors.js';

export interface TokenBucketStats {
  readonly capacity: number;
  readonly tokens: number;
  readonly taken: number;
  readonly waited: number;
}

export class TokenBucket {
  /** Grant times, a ring of `capacity` entries; `next` is the oldest once full. */
  private readonly grants: number[];
  private next = 0;
  private taken = 0;
  private waited = 0;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new ConfigError(`token bucket capacity must be an integer >= 1, got ${capacity}`);
    if (!Number.isFinite(windowMs) || windowMs <= 0) throw new ConfigError(`token bucket window must be > 0 ms, got ${windowMs}`);
    this.grants = [];
  }

  tryTake(): boolean {
    if (this.msUntilAvailable() > 0) return false;
    const t = this.now();
    if (this.grants.length < this.capacity) this.grants.push(t);
    else this.grants[this.next] = t;
    this.next = (this.next + 1) % this.capacity;
    this.taken++;
    return true;
  }

  /** Milliseconds until one token is available (0 when one is). */
  msUntilAvailable(): number {
    if (this.grants.length < this.capacity) return 0;
    const oldest = this.grants[this.next] ?? 0;
    return Math.max(0, oldest + this.windowMs - this.now());
  }

  /** Waits until a token is available, then takes it. Rejects with the signal's reason on abort. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.tryTake()) return;
      this.waited++;
      await sleep(this.msUntilAvailable(), signal);
    }
  }

  stats(): TokenBucketStats {
    const t = this.now();
    const used = this.grants.filter((g) => t - g < this.windowMs).length;
    return { capacity: this.capacity, tokens: this.capacity - used, taken: this.taken, waited: this.waited };
  }
}

/**
 * Window of the per-connection message limit ("N messages per second"). The venue counts arrival
 * times, which jitter by a few ms: pacing at exactly 1,000 ms lets a 6th message land inside the
 * venue's second (Binance closes 1008), so the client keeps a 10% margin.
 */
const MESSAGE_WINDOW_MS = 1_100;

/** Outgoing messages of one connection: the lower of the configured and the venue's per-second limit (0 = none). */
export function messageBucket(maxPerSecond: number, venueMaxPerSecond: number, now: () => number): TokenBucket {
  const perSecond = Math.max(1, Math.min(maxPerSecond, venueMaxPerSecond || maxPerSecond));
  return new TokenBucket(perSecond, MESSAGE_WINDOW_MS, now);
}

/** setTimeout as a promise, cancelled (rejecting with the signal's reason) on abort; no timer left behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
