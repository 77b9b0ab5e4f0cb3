/** Retry delays with jitter: the in-line retries of a batch and the replayer's probe backoff. */
import { ConfigError } from '../model/errors.js';

/** `baseMs` scaled by a factor uniform in [1 - jitterRatio, 1 + jitterRatio]. */
export function jittered(baseMs: number, jitterRatio: number, random: () => number): number {
  return Math.max(0, Math.round(baseMs * (1 + (random() * 2 - 1) * jitterRatio)));
}

/** Exponential replay backoff: initial * 2^attempt, capped, jittered. */
export function replayDelayMs(attempt: number, initialMs: number, maxMs: number, jitterRatio: number, random: () => number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return jittered(base, jitterRatio, random);
}

export function validateRetrySettings(s: { retryDelaysMs: readonly number[]; retryJitterRatio: number; replayRetryInitialMs: number; replayRetryMaxMs: number }): void {
  if (!s.retryDelaysMs.every((d) => Number.isFinite(d) && d >= 0)) {
    throw new ConfigError(`sink retryDelaysMs must be non-negative numbers, got [${s.retryDelaysMs.join(', ')}]`, { key: 'retryDelaysMs' });
  }
  if (!(s.retryJitterRatio >= 0 && s.retryJitterRatio < 1)) {
    throw new ConfigError(`sink retryJitterRatio must be in [0, 1), got ${s.retryJitterRatio}`, { key: 'retryJitterRatio' });
  }
  if (!(s.replayRetryInitialMs > 0 && s.replayRetryMaxMs >= s.replayRetryInitialMs)) {
    throw new ConfigError(`sink replay retry needs 0 < replayRetryInitialMs (${s.replayRetryInitialMs}) <= replayRetryMaxMs (${s.replayRetryMaxMs})`, { key: 'replayRetryInitialMs' });
  }
}
