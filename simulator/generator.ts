/**
 * The data generator's clock: every tickMs it runs rate * elapsed events (times a burst factor)
 * spread over lanes (venue x symbol) by a seeded PRNG, then flushes every hub once, so each
 * client gets one pre-framed batch per tick. The content of each symbol's sequence (prices,
 * sizes, ids) depends only on the seed; timing decides only how fast it unrolls. A rate profile
 * (steps of duration x rate, optionally repeated) replaces the flat rate and its random bursts,
 * so a test can ask for "2k/s with 1 s bursts to 30k/s every 10 s" and get exactly that.
 */
import { Prng } from './prng.js';

export interface Lane {
  readonly venue: string;
  readonly symbol: string;
  step(): void;
}

/** One step of a rate profile: `rate` events/s for `durationMs`. */
export interface RateStep {
  readonly durationMs: number;
  readonly rate: number;
}

/** A rate schedule; after its last step the last rate holds, unless `repeat`. */
export interface RateProfile {
  readonly steps: readonly RateStep[];
  readonly repeat?: boolean;
}

export class RateProfileError extends Error {
  readonly code = 'E_SIM_RATE_PROFILE';
  constructor(message: string) {
    super(message);
    this.name = 'RateProfileError';
  }
}

/** Base rate with a burst of `burstRate` for `burstMs` every `everyMs` (repeating). */
export function burstProfile(baseRate: number, burstRate: number, everyMs: number, burstMs: number): RateProfile {
  return { steps: [{ durationMs: Math.max(1, everyMs - burstMs), rate: baseRate }, { durationMs: burstMs, rate: burstRate }], repeat: true };
}

export function validateProfile(p: RateProfile): RateProfile {
  if (!Array.isArray(p.steps) || p.steps.length === 0) throw new RateProfileError('rate profile needs at least one step');
  for (const st of p.steps) {
    if (!(Number.isFinite(st.durationMs) && st.durationMs > 0)) throw new RateProfileError(`step durationMs must be > 0, got ${String(st.durationMs)}`);
    if (!(Number.isFinite(st.rate) && st.rate >= 0)) throw new RateProfileError(`step rate must be >= 0, got ${String(st.rate)}`);
  }
  return p;
}

export interface GeneratorOptions {
  readonly seed: number;
  /** Target events per second (0 = manual: only generate() produces events). */
  readonly rate: number;
  readonly tickMs: number;
  readonly now: () => number;
  /** Called after each batch (flush the hubs). */
  readonly afterBatch: () => void;
  /** Random 3-10x bursts about every 10 s on the flat rate (default true). */
  readonly randomBursts?: boolean;
  readonly profile?: RateProfile;
}

export interface GeneratorStats {
  events: number;
  bursts: number;
  rate: number;
  /**
   * Generator-clock time paced at a nonzero rate: the sum of each tick's elapsed time (capped at
   * 1 s a tick). At a flat rate without bursts, events made by ticks = rate * pacedMs / 1000 (to
   * within one carried event), however late the ticks came: a rate check divides by this, not by
   * a wall-clock window whose ends fall between ticks.
   */
  pacedMs: number;
}

export class Generator {
  private readonly lanes: Lane[] = [];
  private readonly rng: Prng;
  private timer: NodeJS.Timeout | null = null;
  private lastMs = 0;
  private carry = 0;
  private burstUntilMs = 0;
  private burstFactor = 1;
  rate: number;
  private profile: RateProfile | null = null;
  private profileStartMs = 0;
  private profileTotalMs = 0;
  private readonly randomBursts: boolean;
  readonly counters: GeneratorStats = { events: 0, bursts: 0, rate: 0, pacedMs: 0 };

  constructor(private readonly opts: GeneratorOptions) {
    this.rng = Prng.derive(opts.seed, 'generator');
    this.rate = opts.rate;
    this.randomBursts = opts.randomBursts ?? true;
    if (opts.profile) this.setProfile(opts.profile);
  }

  /** Follow a rate profile from now (null = back to the flat rate). */
  setProfile(p: RateProfile | null): void {
    if (p === null) {
      this.profile = null;
      return;
    }
    this.profile = validateProfile(p);
    this.profileStartMs = this.opts.now();
    this.profileTotalMs = p.steps.reduce((a, st) => a + st.durationMs, 0);
  }

  /** The rate the profile asks for at `now` (or the flat rate). */
  currentRate(now: number): number {
    const p = this.profile;
    if (!p) return this.rate;
    let t = now - this.profileStartMs;
    if (p.repeat) t %= this.profileTotalMs;
    for (const st of p.steps) {
      if (t < st.durationMs) return st.rate;
      t -= st.durationMs;
    }
    return p.steps[p.steps.length - 1]?.rate ?? 0;
  }

  addLane(lane: Lane): void {
    this.lanes.push(lane);
  }

  start(): void {
    if (this.timer) return;
    this.lastMs = this.opts.now();
    this.timer = setInterval(() => this.tick(), this.opts.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A flat rate (ends any profile). */
  setRate(rate: number): void {
    this.rate = Math.max(0, rate);
    this.profile = null;
  }

  private tick(): void {
    const now = this.opts.now();
    const elapsed = Math.min(1000, Math.max(0, now - this.lastMs));
    this.lastMs = now;
    const rate = this.currentRate(now);
    if (rate <= 0 || this.lanes.length === 0) {
      this.carry = 0;
      return;
    }
    // Bursts: about one every 10 s on average, 3-10x the rate for 0.2-1.5 s.
    if (this.profile !== null || !this.randomBursts) this.burstFactor = 1;
    else if (now >= this.burstUntilMs) {
      this.burstFactor = 1;
      if (this.rng.chance(elapsed / 10_000)) {
        this.burstFactor = this.rng.int(3, 10);
        this.burstUntilMs = now + this.rng.int(200, 1500);
        this.counters.bursts++;
      }
    }
    this.counters.pacedMs += elapsed;
    this.carry += (rate * this.burstFactor * elapsed) / 1000;
    const n = Math.floor(this.carry);
    this.carry -= n;
    this.run(n);
  }

  /** Run n events now (spread over lanes, or on lanes matching venue/symbol), then flush. */
  generate(n: number, filter: { venue?: string; symbol?: string } = {}): void {
    const lanes = this.lanes.filter((l) => (filter.venue === undefined || l.venue === filter.venue) && (filter.symbol === undefined || l.symbol === filter.symbol.toUpperCase()));
    this.run(n, lanes);
  }

  private run(n: number, lanes: Lane[] = this.lanes): void {
    if (n <= 0 || lanes.length === 0) return;
    const count = lanes.length;
    for (let i = 0; i < n; i++) {
      const lane = lanes[count === 1 ? 0 : Math.floor(this.rng.next() * count)];
      lane?.step();
    }
    this.counters.events += n;
    this.opts.afterBatch();
  }

  stats(): GeneratorStats {
    return { ...this.counters, rate: this.profile ? this.currentRate(this.opts.now()) : this.rate };
  }
}
