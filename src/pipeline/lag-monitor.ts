/**
 * Event-loop delay from perf_hooks.monitorEventLoopDelay: cumulative p50/p99/max for stats, and
 * episode detection per check interval. An interval whose max delay exceeds the threshold opens
 * an episode, logged once with what was running (consumers in a handler and the heaviest
 * synchronous handler call of the interval); the episode closes when an interval is calm again.
 *
 * Besides the lifetime figures, recentP99Ms() is the p99 over a sliding recent window (what
 * admission control needs: it must react to the current load and forget a startup spike).
 */
import { createHistogram, monitorEventLoopDelay, type IntervalHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { silentLogger, type Logger } from '../observability/logger.js';
import {
  DEFAULT_LAG_CHECK_INTERVAL_MS, DEFAULT_LAG_RECENT_WINDOW_MS, DEFAULT_LAG_RESOLUTION_MS, DEFAULT_LAG_THRESHOLD_MS,
} from '../config/defaults/pipeline.js';

export interface LagActivity {
  running(): string[];
  takeSlowestSync(): { consumer: string; symbol: string | null; ms: number } | null;
}

export interface LagMonitorOptions {
  readonly resolutionMs?: number;
  readonly checkIntervalMs?: number;
  readonly thresholdMs?: number;
  /** Window of recentP99Ms() (default DEFAULT_LAG_RECENT_WINDOW_MS). */
  readonly recentWindowMs?: number;
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
  /** p99 of how late the loop ran over the last recentWindowMs (see RecentLagWindow). */
  recentP99Ms: number;
  recentWindowMs: number;
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
  private readonly recent: RecentLagWindow;

  constructor(private readonly opts: LagMonitorOptions = {}) {
    // Two monitors because an ELD histogram cannot be merged into another one.
    const resolution = opts.resolutionMs ?? DEFAULT_LAG_RESOLUTION_MS;
    this.h = monitorEventLoopDelay({ resolution });
    this.total = monitorEventLoopDelay({ resolution });
    this.recent = new RecentLagWindow(opts.recentWindowMs ?? DEFAULT_LAG_RECENT_WINDOW_MS, resolution, opts.checkIntervalMs ?? DEFAULT_LAG_CHECK_INTERVAL_MS);
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
    this.recent.clear();
  }

  /** Fold the current interval into the totals and detect episodes (also called by the timer). */
  check(): void {
    const count = this.h.count;
    const maxMs = count > 0 ? this.h.max / NS_PER_MS : 0;
    this.recent.addInterval(this.h);
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
      recentP99Ms: this.recentP99Ms(),
      recentWindowMs: this.recent.windowMs,
    };
  }

  /** p99 of the event-loop lag over the last recentWindowMs; 0 when stopped or without samples. */
  recentP99Ms(): number {
    return this.recent.p99Ms(this.timer ? this.h : null);
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

/** Slots per window at most (a tiny check interval must not make the window huge). */
const MAX_SLOTS = 1_000;

/** What RecentLagWindow reads from an ELD histogram: its sample count and percentile curve (ns). */
export interface LagSamples {
  readonly count: number;
  readonly percentiles: ReadonlyMap<number, number>;
}

/**
 * Event-loop lag over a sliding window. At each check the monitor folds the interval's ELD
 * samples (rebuilt from their percentile curve) into a mergeable histogram for that slot; the
 * window's p99 merges the slots still inside it plus the interval in progress. No timer of its
 * own (a second timer would reorder against the ELD one and delay what check() sees).
 * Values are how late the loop ran (ELD delay minus its resolution). A late firing of d ms also
 * counts d - resolution, d - 2·resolution, ... (coordinated-omission correction): a blocked loop
 * takes no samples, so without it a long stall would be one sample among thousands and the p99
 * would not see it.
 */
export class RecentLagWindow {
  private readonly slots: { index: number; h: RecordableHistogram }[] = [];
  private readonly slotMs: number;
  private readonly windowSlots: number;
  private cache: { atMs: number; liveCount: number; p99Ms: number } | null = null;

  constructor(
    readonly windowMs: number,
    private readonly resolutionMs: number,
    slotMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(windowMs > 0) || !(resolutionMs > 0) || !(slotMs > 0)) {
      throw new RangeError(`lag window, resolution and slot must be > 0 ms, got ${windowMs}, ${resolutionMs} and ${slotMs}`);
    }
    this.slotMs = Math.max(slotMs, windowMs / MAX_SLOTS);
    this.windowSlots = Math.ceil(windowMs / this.slotMs);
    for (let i = 0; i <= this.windowSlots; i++) this.slots.push({ index: -1, h: createHistogram() });
  }

  /** Folds one check interval's ELD samples (call before resetting it). */
  addInterval(samples: LagSamples, atMs = this.now()): void {
    if (samples.count === 0) return;
    const h = this.slot(atMs);
    rebuild(samples, this.resolutionMs, (lateMs, weight) => this.recordInto(h, lateMs, weight));
    this.cache = null;
  }

  /** Records `weight` observations of the loop running lateMs late at atMs (the primitive; tests use it). */
  record(lateMs: number, atMs: number, weight = 1): void {
    this.recordInto(this.slot(atMs), lateMs, weight);
    this.cache = null;
  }

  /** p99 (ms) over the window, including `live` (the interval in progress); 0 without samples. */
  p99Ms(live?: LagSamples | null): number {
    const t = this.now();
    const liveCount = live?.count ?? 0;
    // Admission may ask once per connection: one merge per resolution period is enough.
    if (this.cache && this.cache.liveCount === liveCount && t - this.cache.atMs < this.resolutionMs) return this.cache.p99Ms;
    const current = Math.floor(t / this.slotMs);
    const merged = createHistogram();
    for (const s of this.slots) if (s.index >= current - this.windowSlots && s.index <= current) merged.add(s.h);
    if (live && live.count > 0) rebuild(live, this.resolutionMs, (lateMs, weight) => this.recordInto(merged, lateMs, weight));
    const p99Ms = merged.count > 0 ? merged.percentile(99) / 1000 : 0;
    this.cache = { atMs: t, liveCount, p99Ms };
    return p99Ms;
  }

  clear(): void {
    for (const s of this.slots) { s.index = -1; s.h.reset(); }
    this.cache = null;
  }

  private slot(atMs: number): RecordableHistogram {
    const index = Math.floor(atMs / this.slotMs);
    const slot = this.slots[index % this.slots.length]!;
    if (slot.index !== index) { slot.index = index; slot.h.reset(); }
    return slot.h;
  }

  private recordInto(h: RecordableHistogram, lateMs: number, weight: number): void {
    const late = Math.max(0, lateMs);
    // Microseconds, at least 1 (the histogram's lowest value); corrections bounded by the window.
    const corrections = Math.min(Math.floor(late / this.resolutionMs), Math.ceil(this.windowMs / this.resolutionMs));
    for (let w = 0; w < weight; w++) {
      h.record(Math.max(1, Math.round(late * 1000)));
      for (let k = 1; k <= corrections; k++) h.record(Math.max(1, Math.round((late - k * this.resolutionMs) * 1000)));
    }
  }
}

/** Rebuilds ELD samples from their percentile curve: each step's count at its (upper) value, as lateness in ms. */
function rebuild(samples: LagSamples, resolutionMs: number, add: (lateMs: number, weight: number) => void): void {
  let assigned = 0;
  for (const [pct, ns] of samples.percentiles) {
    const upTo = Math.round((samples.count * pct) / 100);
    const weight = upTo - assigned;
    if (weight > 0) add(ns / NS_PER_MS - resolutionMs, weight);
    assigned = Math.max(assigned, upTo);
  }
}
