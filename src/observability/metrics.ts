/**
 * Prometheus metrics (prom-client). Parts of tickgate expose plain stats(); the composition root
 * turns them into `tickgate_*` series here, read at scrape time, so no part depends on prom-client
 * and no counter is double-kept. Labels are bounded: venue, connection key, consumer, sink, channel
 * kind; never a free-form string.
 */
import { Registry, Gauge, Counter, collectDefaultMetrics } from 'prom-client';

export type Labels = Readonly<Record<string, string>>;
export type Sample = readonly [labels: Labels, value: number];

export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'tickgate_process_' });
  }

  /** A gauge whose samples are read from `read()` at each scrape. */
  gauge(name: string, help: string, labelNames: readonly string[], read: () => Iterable<Sample>): void {
    this.assertName(name);
    new Gauge({
      name, help, labelNames: [...labelNames], registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) if (Number.isFinite(value)) this.set(labels, value);
      },
    });
  }

  /**
   * A counter mirrored from a monotonic total kept by a part (the part's stats() is the truth).
   * prom-client counters only increase, so the mirror adds the difference since the last scrape.
   */
  counter(name: string, help: string, labelNames: readonly string[], read: () => Iterable<Sample>): void {
    this.assertName(name);
    const last = new Map<string, number>();
    new Counter({
      name, help, labelNames: [...labelNames], registers: [this.registry],
      collect() {
        for (const [labels, value] of read()) {
          const key = JSON.stringify(labels);
          const prev = last.get(key) ?? 0;
          // A part restarted (value went down): count the new total from zero.
          const delta = value >= prev ? value - prev : value;
          // A series that has never counted is still shown, at 0 (absent != zero for alerting).
          if (delta > 0 || !last.has(key)) this.inc(labels, delta);
          last.set(key, value);
        }
      },
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private assertName(name: string): void {
    if (!/^tickgate_[a-z0-9_]+$/.test(name)) throw new Error(`metric name ${name} must match tickgate_[a-z0-9_]+`);
  }
}
