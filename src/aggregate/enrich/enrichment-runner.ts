/**
 * Runs the enrichment calculator beside aggregation, once per tick of a clock at the edge.
 * Snapshots never wait for it: they read `latest()`, which returns the newest result when it is
 * fresh and null otherwise. Inline runs are deferred with setImmediate so they never execute on
 * the snapshot path; heavy runs go to an injected task pool (piscina). A failing or timed-out
 * run is counted and logged (rate-limited), and the previous result simply ages out.
 */
import { fileURLToPath } from 'node:url';
import type { Enrichment } from '../../model/aggregates.js';
import { TickgateError } from '../../model/errors.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import {
  DEFAULT_ENRICH_FRESHNESS_MS, DEFAULT_ENRICH_RESULTS_KEPT, DEFAULT_ENRICH_TIMEOUT_MS,
} from '../../config/defaults/aggregate.js';
import { RingBuffer } from '../ring-buffer.js';
import { computeOrderFlow, type OrderFlowInput } from './order-flow.js';

/** What the runner needs from a worker pool (src/pipeline/worker-pool.ts satisfies it). */
export interface TaskRunner {
  run<I, O>(task: I, opts: { filename: string; name?: string }): Promise<O>;
}

export type EnrichmentCalculator = (input: OrderFlowInput) => Enrichment | Promise<Enrichment>;

export interface EnrichmentRunnerOptions {
  readonly now?: () => number;
  readonly freshnessMs?: number;
  readonly timeoutMs?: number;
  readonly resultsKept?: number;
  /** Inline calculator (default: order-flow imbalance). Ignored when `pool` is set. */
  readonly calculator?: EnrichmentCalculator;
  /** Heavy mode: run the calculator module on this pool. */
  readonly pool?: TaskRunner | null;
  /** Task module for the pool (default: the bundled order-flow worker). */
  readonly workerFilename?: string;
  readonly workerName?: string;
  readonly logger?: Logger;
}

export class EnrichmentTimeoutError extends TickgateError {
  constructor(venue: string, symbol: string, timeoutMs: number) {
    super('E_ENRICH_TIMEOUT', `enrichment for ${venue}:${symbol} took longer than ${timeoutMs} ms`, { context: { venue, symbol, timeoutMs }, retryable: true });
  }
}

interface Stored { readonly result: Enrichment; readonly computedAt: number }

/** The bundled worker module, next to this file in both src (tsx) and dist (node). */
export function defaultOrderFlowWorkerFile(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./order-flow.worker${ext}`, import.meta.url));
}

export class EnrichmentRunner {
  private readonly now: () => number;
  private readonly freshnessMs: number;
  private readonly timeoutMs: number;
  private readonly resultsKept: number;
  private readonly logger: Logger;
  private readonly buffers = new Map<string, RingBuffer<Stored>>();
  private inFlight = false;
  private lastErrorLogAt = -Infinity;
  private readonly counters = { runs: 0, results: 0, failures: 0, timeouts: 0, skippedBusy: 0 };

  constructor(private readonly opts: EnrichmentRunnerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.freshnessMs = opts.freshnessMs ?? DEFAULT_ENRICH_FRESHNESS_MS;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_ENRICH_TIMEOUT_MS;
    this.resultsKept = opts.resultsKept ?? DEFAULT_ENRICH_RESULTS_KEPT;
    this.logger = opts.logger ?? silentLogger();
  }

  /**
   * Compute every input in the background. Returns a promise for tests and shutdown; callers on
   * a timer must not await it. A run that starts while the previous one is busy is skipped.
   */
  runOnce(inputs: readonly OrderFlowInput[]): Promise<void> {
    if (this.inFlight) {
      this.counters.skippedBusy++;
      return Promise.resolve();
    }
    this.inFlight = true;
    this.counters.runs++;
    return new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => Promise.all(inputs.map((input) => this.runOne(input))))
      .then(() => undefined)
      .finally(() => { this.inFlight = false; });
  }

  /** Newest result for the symbol if computed within freshnessMs, else null. */
  latest(venue: string, symbol: string): Enrichment | null {
    const last = this.buffers.get(`${venue}:${symbol}`)?.last();
    if (!last || this.now() - last.computedAt > this.freshnessMs) return null;
    return last.result;
  }

  /** The kept results (latest `resultsKept`), oldest first. */
  results(venue: string, symbol: string): Enrichment[] {
    return (this.buffers.get(`${venue}:${symbol}`)?.toArray() ?? []).map((s) => s.result);
  }

  stats(): { runs: number; results: number; failures: number; timeouts: number; skippedBusy: number; inFlight: boolean } {
    return { ...this.counters, inFlight: this.inFlight };
  }

  private async runOne(input: OrderFlowInput): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = this.calculate(input);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new EnrichmentTimeoutError(input.venue, input.symbol, this.timeoutMs)), this.timeoutMs);
      });
      const result = await Promise.race([work, timeout]);
      const key = `${input.venue}:${input.symbol}`;
      let buf = this.buffers.get(key);
      if (!buf) this.buffers.set(key, (buf = new RingBuffer<Stored>(this.resultsKept)));
      buf.push({ result: stripIdentity(result), computedAt: this.now() });
      this.counters.results++;
    } catch (err) {
      if (err instanceof EnrichmentTimeoutError) this.counters.timeouts++;
      else this.counters.failures++;
      const now = this.now();
      if (now - this.lastErrorLogAt >= 10_000) {
        this.lastErrorLogAt = now;
        this.logger.warn({ venue: input.venue, symbol: input.symbol, err }, 'enrichment failed; snapshots carry null enrichment until it recovers');
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private calculate(input: OrderFlowInput): Promise<Enrichment> {
    const pool = this.opts.pool;
    if (pool) {
      return pool.run<OrderFlowInput, Enrichment>(input, {
        filename: this.opts.workerFilename ?? defaultOrderFlowWorkerFile(),
        name: this.opts.workerName ?? 'orderFlow',
      });
    }
    const calc = this.opts.calculator ?? computeOrderFlow;
    try {
      return Promise.resolve(calc(input));
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

/** Enrichment on a snapshot is exactly the model type (no venue/symbol duplicates). */
function stripIdentity(r: Enrichment): Enrichment {
  return { time: r.time, windowMs: r.windowMs, buyVolume: r.buyVolume, sellVolume: r.sellVolume, imbalance: r.imbalance, intensity: r.intensity };
}
