/**
 * The data generator's clock: every tickMs it runs rate * elapsed events (times a burst factor)
 * spread over lanes (venue x symbol) by a seeded PRNG, then flushes every hub once, so each
 * client gets one pre-framed batch per tick. The content of each symbol's sequence (prices,
 * sizes, ids) depends only on the seed; timing decides only how fast it unrolls.
 */
import { Prng } from './prng.js';

export interface Lane {
  readonly venue: string;
  readonly symbol: string;
  step(): void;
}

export interface GeneratorOptions {
  readonly seed: number;
  /** Target events per second (0 = manual: only generate() produces events). */
  readonly rate: number;
  readonly tickMs: number;
  readonly now: () => number;
  /** Called after each batch (flush the hubs). */
  readonly afterBatch: () => void;
}

export interface GeneratorStats {
  events: number;
  bursts: number;
  rate: number;
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
  readonly counters: GeneratorStats = { events: 0, bursts: 0, rate: 0 };

  constructor(private readonly opts: GeneratorOptions) {
    this.rng = Prng.derive(opts.seed, 'generator');
    this.rate = opts.rate;
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

  setRate(rate: number): void {
    this.rate = Math.max(0, rate);
  }

  private tick(): void {
    const now = this.opts.now();
    const elapsed = Math.min(1000, Math.max(0, now - this.lastMs));
    this.lastMs = now;
    if (this.rate <= 0 || this.lanes.length === 0) return;
    // Bursts: about one every 10 s on average, 3-10x the rate for 0.2-1.5 s.
    if (now >= this.burstUntilMs) {
      this.burstFactor = 1;
      if (this.rng.chance(elapsed / 10_000)) {
        this.burstFactor = this.rng.int(3, 10);
        this.burstUntilMs = now + this.rng.int(200, 1500);
        this.counters.bursts++;
      }
    }
    this.carry += (this.rate * this.burstFactor * elapsed) / 1000;
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
    return { ...this.counters, rate: this.rate };
  }
}
