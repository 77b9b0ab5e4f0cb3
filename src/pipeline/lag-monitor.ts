/**
 * Event-loop delay from perf_hooks.monitorEventLoopDelay: cumulative p50/p99/max for stats, and
 * episode detection per check interval. An interval whose max delay exceeds the threshold opens
 * an episode, logged once with what was running (consumers in a handler and the heaviest
 * synchronous handler call of the interval); the episode closes when an interval is calm again.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { silentLogger, type Logger } from '../observability/logger.js';
import { DEFAULT_LAG_CHECK_INTERVAL_MS, DEFAULT_LAG_RESOLUTION_MS, DEFAULT_LAG_THRESHOLD_MS } from '../config/defaults/pipeline.js';

export interface LagActivity {
  running(): string[];
  takeSlowestSync(): { consumer: string; symbol: string | null; ms: number } | null;
}

export interface LagMonitorOptions {
  readonly resolutionMs?: number;
  readonly checkIntervalMs?: number;
  readonly thresholdMs?: number;
  readonly activity?: LagActivity | null;
  readonly logger?: Logger;
}

export interface LagStats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Max delay of the last check interval. */
  lastIntervalMaxMs: number;
  episodes: number;
  inEpisode: boolean;
}

const NS_PER_MS = 1e6;

export class LagMonitor {
  /** Reset every check: the interval's max. */
  private readonly h: IntervalHistogram;
  /** Never reset (except resetTotals): the cumulative percentiles. */
  private readonly total: IntervalHistogram;
  private timer: NodeJS.Timeout | null = null;
  private readonly thresholdMs: number;
  private readonly logger: Logger;
  private lastIntervalMaxMs = 0;
  private episodes = 0;
  private episodeStart: number | null = null;
  private episodeMaxMs = 0;

  constructor(private readonly opts: LagMonitorOptions = {}) {
    // Two monitors because an ELD histogram cannot be merged into another one.
    const resolution = opts.resolutionMs ?? DEFAULT_LAG_RESOLUTION_MS;
    this.h = monitorEventLoopDelay({ resolution });
    this.total = monitorEventLoopDelay({ resolution });
    this.thresholdMs = opts.thresholdMs ?? DEFAULT_LAG_THRESHOLD_MS;
    this.logger = opts.logger ?? silentLogger();
  }

  start(): void {
    if (this.timer) return;
    this.h.enable();
    this.total.enable();
    this.timer = setInterval(() => this.check(), this.opts.checkIntervalMs ?? DEFAULT_LAG_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.check();
    this.h.disable();
    this.total.disable();
  }

  /** Fold the current interval into the totals and detect episodes (also called by the timer). */
  check(): void {
    const count = this.h.count;
    const maxMs = count > 0 ? this.h.max / NS_PER_MS : 0;
    this.h.reset();
    this.lastIntervalMaxMs = maxMs;
    const slow = this.opts.activity?.takeSlowestSync() ?? null;
    if (maxMs > this.thresholdMs) {
      if (this.episodeStart === null) {
        this.episodeStart = Date.now();
        this.episodeMaxMs = maxMs;
        this.episodes++;
        this.logger.warn({
          lagMs: round(maxMs), thresholdMs: this.thresholdMs, running: this.opts.activity?.running() ?? [],
          slowestHandler: slow ? { ...slow, ms: round(slow.ms) } : null,
        }, 'event loop lag above threshold');
      } else if (maxMs > this.episodeMaxMs) {
        this.episodeMaxMs = maxMs;
      }
    } else if (this.episodeStart !== null) {
      this.logger.info({ durationMs: Date.now() - this.episodeStart, maxLagMs: round(this.episodeMaxMs) }, 'event loop lag back below threshold');
      this.episodeStart = null;
    }
  }

  stats(): LagStats {
    const t = this.total;
    const has = t.count > 0;
    return {
      p50Ms: has ? t.percentile(50) / NS_PER_MS : 0,
      p99Ms: has ? t.percentile(99) / NS_PER_MS : 0,
      maxMs: has ? t.max / NS_PER_MS : 0,
      meanMs: has ? t.mean / NS_PER_MS : 0,
      lastIntervalMaxMs: this.lastIntervalMaxMs,
      episodes: this.episodes,
      inEpisode: this.episodeStart !== null,
    };
  }

  /** Forget the totals (e.g. between benchmark phases). */
  resetTotals(): void {
    this.h.reset();
    this.total.reset();
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
