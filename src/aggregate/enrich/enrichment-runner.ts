/**
 * Runs the enrichment calculator beside aggregation, once per tick of a clock at the edge.
 * Snapshots never wait for it: they read `latest()`, which returns the newest result when it is
 * fresh and null otherwise. A failing or timed-out run is counted and logged (rate-limited), and
 * the previous result simply ages out.
 *
 * Where it runs:
 * - inline (default): one symbol per event-loop turn (setImmediate between them), so a run over
 *   hundreds of symbols never blocks the loop for more than one calculator call. A synchronous
 *   call cannot be preempted: one that took longer than timeoutMs is counted as a timeout and its
 *   result discarded, so the counter is honest, but the loop did wait. Async calculators race
 *   their timeout.
 * - pool (`pool` given): each symbol is a task on the worker pool, at most `poolTasksInFlight` at
 *   once; the loop never runs the calculator, and a task past timeoutMs is aborted (piscina ends
 *   that thread) and counted. Until the first task has completed, tasks get
 *   `poolFirstRunTimeoutMs` (thread start and module load are not the calculator's fault).
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Enrichment } from '../../model/aggregates.js';
import { TickgateError } from '../../model/errors.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import {
  DEFAULT_ENRICH_FRESHNESS_MS, DEFAULT_ENRICH_RESULTS_KEPT, DEFAULT_ENRICH_TIMEOUT_MS,
} from '../../config/defaults/aggregate.js';
import { DEFAULT_ENRICH_POOL_FIRST_RUN_TIMEOUT_MS, DEFAULT_ENRICH_POOL_TASKS_IN_FLIGHT } from '../../config/defaults/pipeline.js';
import { RingBuffer } from '../ring-buffer.js';
import { computeOrderFlow, type OrderFlowInput } from './order-flow.js';

/** What the runner needs from a worker pool (src/pipeline/worker-pool.ts satisfies it). */
export interface TaskRunner {
  run<I, O>(task: I, opts: { filename: string; name?: string; signal?: AbortSignal }): Promise<O>;
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
  /** Pool tasks of one run at once (default DEFAULT_ENRICH_POOL_TASKS_IN_FLIGHT). */
  readonly poolTasksInFlight?: number;
  /** Timeout of tasks started before the first pool task completed (default DEFAULT_ENRICH_POOL_FIRST_RUN_TIMEOUT_MS). */
  readonly poolFirstRunTimeoutMs?: number;
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
  private poolWarm = false;
  private readonly counters = { runs: 0, results: 0, failures: 0, timeouts: 0, skippedBusy: 0, maxCallMs: 0 };

  constructor(private readonly opts: EnrichmentRunnerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.freshnessMs = opts.freshnessMs ?? DEFAULT_ENRICH_FRESHNESS_MS;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_ENRICH_TIMEOUT_MS;
    this.resultsKept = opts.resultsKept ?? DEFAULT_ENRICH_RESULTS_KEPT;
    this.logger = opts.logger ?? silentLogger();
    const inFlight = opts.poolTasksInFlight ?? DEFAULT_ENRICH_POOL_TASKS_IN_FLIGHT;
    if (!Number.isInteger(inFlight) || inFlight < 1) throw new RangeError(`poolTasksInFlight must be a positive integer, got ${inFlight}`);
  }

  /** 'pool' when the calculator runs on worker threads, else 'inline'. */
  get mode(): 'inline' | 'pool' {
    return this.opts.pool ? 'pool' : 'inline';
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
    const work = this.opts.pool ? this.runOnPool(inputs) : this.runInline(inputs);
    return work.finally(() => { this.inFlight = false; });
  }

  /** One symbol per loop turn; async calculators overlap, each racing its own timeout. */
  private async runInline(inputs: readonly OrderFlowInput[]): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const input of inputs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      pending.push(this.runOne(input));
    }
    await Promise.all(pending);
  }

  /** At most poolTasksInFlight tasks at once, each aborted at its timeout. */
  private async runOnPool(inputs: readonly OrderFlowInput[]): Promise<void> {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < inputs.length) await this.runOne(inputs[next++] as OrderFlowInput);
    };
    const lanes = Math.min(inputs.length, this.opts.poolTasksInFlight ?? DEFAULT_ENRICH_POOL_TASKS_IN_FLIGHT);
    await Promise.all(Array.from({ length: lanes }, lane));
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

  stats(): { runs: number; results: number; failures: number; timeouts: number; skippedBusy: number; maxCallMs: number; inFlight: boolean; mode: 'inline' | 'pool' } {
    return { ...this.counters, inFlight: this.inFlight, mode: this.mode };
  }

  private async runOne(input: OrderFlowInput): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const pool = this.opts.pool;
    const timeoutMs = pool && !this.poolWarm ? Math.max(this.timeoutMs, this.opts.poolFirstRunTimeoutMs ?? DEFAULT_ENRICH_POOL_FIRST_RUN_TIMEOUT_MS) : this.timeoutMs;
    const abort = pool ? new AbortController() : null;
    try {
      const t0 = performance.now();
      const work = pool ? this.onPool(pool, input, (abort as AbortController).signal) : this.inline(input);
      const syncMs = performance.now() - t0;
      if (syncMs > this.counters.maxCallMs) this.counters.maxCallMs = syncMs;
      // A synchronous calculator already ran to the end: it can only be judged after the fact.
      if (syncMs > timeoutMs) {
        work.catch(() => undefined);
        throw new EnrichmentTimeoutError(input.venue, input.symbol, timeoutMs);
      }
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new EnrichmentTimeoutError(input.venue, input.symbol, timeoutMs);
          abort?.abort(err); // piscina ends the thread running it: the timeout frees the worker
          reject(err);
        }, Math.max(0, timeoutMs - syncMs));
      });
      const result = await Promise.race([work, timeout]);
      if (pool) this.poolWarm = true;
      const key = `${input.venue}:${input.symbol}`;
      let buf = this.buffers.get(key);
      if (!buf) this.buffers.set(key, (buf = new RingBuffer<Stored>(this.resultsKept)));
      buf.push({ result: stripIdentity(result), computedAt: this.now() });
      this.counters.results++;
    } catch (err) {
      if (err instanceof EnrichmentTimeoutError || abort?.signal.aborted) this.counters.timeouts++;
      else this.counters.failures++;
      const now = this.now();
      if (now - this.lastErrorLogAt >= 10_000) {
        this.lastErrorLogAt = now;
        this.logger.warn({ venue: input.venue, symbol: input.symbol, err, mode: this.mode }, 'enrichment failed; snapshots carry null enrichment until it recovers');
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private onPool(pool: TaskRunner, input: OrderFlowInput, signal: AbortSignal): Promise<Enrichment> {
    const work = pool.run<OrderFlowInput, Enrichment>(input, {
      filename: this.opts.workerFilename ?? defaultOrderFlowWorkerFile(),
      name: this.opts.workerName ?? 'orderFlow',
      signal,
    });
    work.catch(() => undefined); // the abort rejection after a timeout is already counted
    return work;
  }

  private inline(input: OrderFlowInput): Promise<Enrichment> {
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
