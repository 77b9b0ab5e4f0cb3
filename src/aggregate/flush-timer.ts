/**
 * The edge that drives the pure folds from the wall clock: every `intervalMs` it calls
 * aggregator.onClock(now, oldest queued receive time) and starts a background enrichment run (never awaited, so a slow
 * calculator cannot delay a snapshot). Timer functions are injectable for tests.
 */
import { DEFAULT_ENRICH_INTERVAL_MS, DEFAULT_ENRICH_WINDOW_MS, DEFAULT_FLUSH_TICK_MS } from '../config/defaults/aggregate.js';
import type { Aggregator } from './aggregator.js';
import type { EnrichmentRunner } from './enrich/enrichment-runner.js';

export interface FlushTimerOptions {
  readonly now?: () => number;
  readonly tickMs?: number;
  readonly enrichment?: EnrichmentRunner | null;
  readonly enrichIntervalMs?: number;
  readonly enrichWindowMs?: number;
  /**
   * Receive time of the oldest event queued for the aggregator (e.g. () => pipeline.queuedSince('aggregate')):
   * the clock does not run ahead of trades not yet folded (see Aggregator.onClock).
   */
  readonly queuedSince?: () => number | undefined;
}

export function startFlushTimer(aggregator: Aggregator, opts: FlushTimerOptions = {}): () => void {
  const now = opts.now ?? Date.now;
  const enrichEvery = opts.enrichIntervalMs ?? DEFAULT_ENRICH_INTERVAL_MS;
  const windowMs = opts.enrichWindowMs ?? DEFAULT_ENRICH_WINDOW_MS;
  let lastEnrich = -Infinity;
  const timer = setInterval(() => {
    const t = now();
    aggregator.onClock(t, opts.queuedSince?.());
    const runner = opts.enrichment;
    if (runner && t - lastEnrich >= enrichEvery) {
      lastEnrich = t;
      void runner.runOnce(aggregator.enrichmentInputs(windowMs));
    }
  }, opts.tickMs ?? DEFAULT_FLUSH_TICK_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}
