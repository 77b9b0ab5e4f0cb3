/**
 * Runs one Sink: its own bounded queue, retries with backoff and jitter, the durable spool, the
 * replayer, health and graceful close. One SupervisedSink never waits on another (see SinkSet).
 *
 * Flow: push() queues records (never blocks, never throws). The loop writes batches; a failed
 * batch is retried after 100, 200, 400 ms (jittered), then appended to the spool and the sink
 * enters 'spooling': from then on every new record goes to the spool too, so order is kept, and
 * the loop replays the spool oldest first until it is empty, then returns to 'ok'. At start a
 * non-empty spool is replayed before any new record. A fatal error (bad credentials, bad schema)
 * spools immediately and probes at fatalProbeIntervalMs ('failed').
 *
 * Ordering: records reach the sink in push order, except that a batch in flight when the queue
 * overflowed into the spool may land after records spooled behind it; every sink upserts by
 * natural key and keeps the highest revision, so the stored result is the same.
 *
 * Over budget: a queue beyond maxQueueRecords first collapses repeats of a row to their newest
 * revision (what every sink stores anyway; counted in stats().coalescedRecords): a sink that merely
 * lags behind an amending aggregator then stays in memory, and only distinct records overflow
 * into the spool. Spool full: the spool refuses (SpoolFullError), `spoolFull` is raised in health
 * and logged once; records then wait in the memory queue up to maxQueueRecords (collapsed again),
 * beyond which they are dropped and counted in stats().droppedRecords. Memory and disk stay bounded.
 *
 * Nothing here waits on the event loop: sink writes are promises (SQLite runs on its own worker
 * thread), and spool appends are written and fsynced off the loop by the SpoolSpiller
 * (spool-spiller.ts: one spill at a time, group commit, failed spills back at the head of the
 * queue, the backlog behind a stalled disk bounded by maxSpillBacklogRecords).
 */
import {
  DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_FATAL_PROBE_INTERVAL_MS, DEFAULT_MAX_BATCH_RECORDS, DEFAULT_MAX_QUEUE_RECORDS, DEFAULT_MAX_SPILL_BACKLOG_RECORDS,
  DEFAULT_REPLAY_RETRY_INITIAL_MS, DEFAULT_REPLAY_RETRY_MAX_MS, DEFAULT_RETRY_DELAYS_MS, DEFAULT_RETRY_JITTER_RATIO,
  DEFAULT_WRITE_TIMEOUT_MS,
} from '../config/defaults/sinks.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { errorMessage, SinkError } from './errors.js';
import { LoopPacer } from './loop-pacer.js';
import { coalesceByKey } from './record-key.js';
import { jittered, replayDelayMs, validateRetrySettings } from './retry-policy.js';
import type { Sink, SinkRecord } from './sink.js';
import { Spool, type SpoolOptions } from './spool/spool.js';
import { SpoolSpiller, type RecordQueue } from './spool-spiller.js';
import type { SinkHealth, SinkState } from './sink-health.js';
import { withTimeout } from './timeout.js';

export type { SinkHealth, SinkState } from './sink-health.js';

export interface SupervisedSinkOptions {
  readonly sink: Sink;
  /** An open Spool, or options to open one (the directory should be per sink). */
  readonly spool: Spool | SpoolOptions;
  readonly logger?: Logger;
  readonly retryDelaysMs?: readonly number[];
  readonly retryJitterRatio?: number;
  readonly replayRetryInitialMs?: number;
  readonly replayRetryMaxMs?: number;
  readonly fatalProbeIntervalMs?: number;
  readonly maxBatchRecords?: number;
  readonly maxQueueRecords?: number;
  /** Records that may wait in memory while a spill is being written (then the newest are dropped); at least maxQueueRecords. */
  readonly maxSpillBacklogRecords?: number;
  readonly writeTimeoutMs?: number;
  /** Injected for tests: uniform in [0, 1). */
  readonly random?: () => number;
  readonly onStateChange?: (health: SinkHealth) => void;
}

interface Waiter { readonly resolve: () => void }

export class SupervisedSink {
  readonly name: string;
  readonly spool: Spool;
  private readonly sink: Sink;
  private readonly log: Logger;
  private readonly cfg: {
    retryDelaysMs: readonly number[]; retryJitterRatio: number; replayRetryInitialMs: number; replayRetryMaxMs: number;
    fatalProbeIntervalMs: number; maxBatchRecords: number; maxQueueRecords: number; maxSpillBacklogRecords: number; writeTimeoutMs: number;
  };
  private readonly random: () => number;
  private readonly q: RecordQueue = { items: [] };
  private readonly spiller: SpoolSpiller;
  private spoolMode: boolean;
  private opened = false;
  private inFlight = false;
  private state: SinkState = 'ok';
  private since = Date.now();
  private lastError: SinkHealth['lastError'] = null;
  private episodeStart: number | null = null;
  private closing = false;
  private aborted = false;
  private closed = false;
  private abortNow: () => void = () => undefined;
  private readonly abortSignal = new Promise<never>((_, reject) => {
    this.abortNow = () => reject(new SinkError('E_SINK_ABORTED', 'sink write abandoned at close timeout', { retryable: true }));
  });
  private loop: Promise<void> | null = null;
  private readonly pacer = new LoopPacer();
  private flushWaiters: Waiter[] = [];
  private drainWaiters: Waiter[] = [];
  private counters = {
    pushedRecords: 0, writtenRecords: 0, writtenBatches: 0, failedWrites: 0, retries: 0, spooledRecords: 0,
    replayedRecords: 0, droppedRecords: 0, coalescedRecords: 0, episodes: 0, lastWriteMs: 0, maxWriteMs: 0,
  };

  constructor(private readonly opts: SupervisedSinkOptions) {
    this.sink = opts.sink;
    this.name = opts.sink.name;
    this.log = (opts.logger ?? silentLogger()).child({ sink: opts.sink.name });
    this.cfg = {
      retryDelaysMs: opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      retryJitterRatio: opts.retryJitterRatio ?? DEFAULT_RETRY_JITTER_RATIO,
      replayRetryInitialMs: opts.replayRetryInitialMs ?? DEFAULT_REPLAY_RETRY_INITIAL_MS,
      replayRetryMaxMs: opts.replayRetryMaxMs ?? DEFAULT_REPLAY_RETRY_MAX_MS,
      fatalProbeIntervalMs: opts.fatalProbeIntervalMs ?? DEFAULT_FATAL_PROBE_INTERVAL_MS,
      maxBatchRecords: opts.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS,
      maxQueueRecords: opts.maxQueueRecords ?? DEFAULT_MAX_QUEUE_RECORDS,
      maxSpillBacklogRecords: Math.max(opts.maxSpillBacklogRecords ?? DEFAULT_MAX_SPILL_BACKLOG_RECORDS, opts.maxQueueRecords ?? DEFAULT_MAX_QUEUE_RECORDS),
      writeTimeoutMs: opts.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
    };
    validateRetrySettings(this.cfg);
    this.random = opts.random ?? Math.random;
    this.spool = opts.spool instanceof Spool
      ? opts.spool
      : Spool.open({
        ...opts.spool,
        onIssue: opts.spool.onIssue ?? ((i) => this.log.error({ issue: i }, 'spool damage skipped')),
        lock: { ...opts.spool.lock, onLost: opts.spool.lock?.onLost ?? ((holder) => this.log.error({ holder }, 'spool LOCK replaced by another process: two writers on one spool')) },
      });
    this.spiller = new SpoolSpiller({
      spool: this.spool, queue: this.q, log: this.log, maxBatchRecords: this.cfg.maxBatchRecords, maxQueueRecords: this.cfg.maxQueueRecords,
      maxSpillBacklogRecords: this.cfg.maxSpillBacklogRecords, counters: this.counters, active: () => this.spoolMode && !this.closed,
      onFull: () => this.opts.onStateChange?.(this.health()), onSettled: () => this.resolveWaiters(),
    });
    // Whatever a previous run spooled is replayed before any new record.
    this.spoolMode = !this.spool.isEmpty();
    if (this.spoolMode) this.setState('spooling');
  }

  /** Starts the writer loop; returns at once (the sink connects in the background). */
  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      this.log.error({ err: errorMessage(err) }, 'sink loop stopped unexpectedly');
    });
  }

  /** Hands records to this sink. Never blocks and never throws; see the class comment for limits. */
  push(records: readonly SinkRecord[]): void {
    if (records.length === 0) return;
    this.counters.pushedRecords += records.length;
    if (this.closed) {
      this.counters.droppedRecords += records.length;
      this.log.error({ records: records.length }, 'records pushed after close were dropped');
      return;
    }
    const queue = this.q.items;
    for (const r of records) queue.push(r);
    if (this.spoolMode) {
      // Group commit: pushes of one event-loop turn share one spool append (one fsync under 'always').
      this.spiller.queued();
    } else if (queue.length > this.cfg.maxQueueRecords) {
      // A sink that merely lags behind an amending aggregator holds mostly repeats of the same
      // rows: collapsed to their newest revision (the stored result is the same) it may well fit
      // the budget again, and then nothing goes through the spool's disk and back.
      this.q.items = coalesceByKey(queue);
      this.counters.coalescedRecords += queue.length - this.q.items.length;
      if (this.q.items.length > this.cfg.maxQueueRecords / 2) {
        this.spoolMode = true;
        void this.spiller.spill();
      }
    }
    this.pacer.wake();
  }

  /** Resolves when every record pushed so far is written to the sink or in the spool. */
  flush(): Promise<void> {
    if (this.isFlushed()) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push({ resolve }));
  }

  /** Resolves when the queue and the spool are both empty (everything reached the sink). */
  drained(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push({ resolve }));
  }

  /**
   * Flushes within timeoutMs; what is still unwritten then goes to the spool (replayed on the
   * next start). Closes the spool and the sink. Never throws.
   */
  async close(timeoutMs: number = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    if (this.closing) { await this.loop; return; }
    this.closing = true;
    this.pacer.wake();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    await Promise.race([this.flush(), timedOut]);
    clearTimeout(timer);
    this.aborted = true;
    this.abortSignal.catch(() => undefined);
    this.abortNow();
    this.pacer.stop();
    await this.loop;
    await this.spiller.spill();
    if (this.q.items.length > 0) {
      this.counters.droppedRecords += this.q.items.length;
      this.log.error({ records: this.q.items.length }, 'records lost at close: spool full');
      this.q.items = [];
    }
    this.closed = true;
    this.resolveWaiters();
    await this.spool.close().catch((err: unknown) => { this.log.error({ err: errorMessage(err) }, 'spool close failed'); });
    await withTimeout(this.sink.close(), Math.max(100, timeoutMs), 'close').catch((err: unknown) => {
      this.log.warn({ err: errorMessage(err) }, 'sink close failed');
    });
  }

  health(): SinkHealth {
    return {
      sink: this.name, state: this.state, since: this.since, queueRecords: this.q.items.length,
      spool: this.spool.depth(), spoolFull: this.spiller.full, lastError: this.lastError,
    };
  }

  stats(): typeof this.counters & { queueRecords: number; state: SinkState; spoolRows: number; spoolBytes: number; spoolFull: boolean } {
    const d = this.spool.depth();
    return { ...this.counters, queueRecords: this.q.items.length, state: this.state, spoolRows: d.rows, spoolBytes: d.bytes, spoolFull: this.spiller.full };
  }

  private async run(): Promise<void> {
    let replayAttempt = 0;
    while (!this.aborted) {
      if (this.spoolMode) {
        const batch = await this.spool.peek().catch((err: unknown) => {
          this.log.error({ err: errorMessage(err) }, 'spool read failed');
          return undefined;
        });
        if (batch === undefined) { await this.pacer.sleep(this.cfg.replayRetryMaxMs); continue; }
        if (batch === null && this.spiller.running) { await this.spiller.passEnded(); continue; }
        if (batch === null) {
          // Spool drained: what waits in memory is newer than anything spooled, write it directly.
          // Recovery is declared by the next successful write, not by an empty spool.
          this.spoolMode = false;
          if (this.q.items.length === 0) this.recovered();
          continue;
        }
        if (this.closing) { this.resolveWaiters(); await this.pacer.idle(); continue; }
        const err = await this.attempt(batch.records);
        if (err === null) {
          this.spool.ack(batch);
          this.counters.replayedRecords += batch.rows;
          replayAttempt = 0;
          if (this.spiller.full && this.q.items.length > 0) void this.spiller.spill();
          continue;
        }
        this.failed(err, err.fatal ? 'failed' : 'spooling');
        const delay = err.fatal ? this.cfg.fatalProbeIntervalMs
          : replayDelayMs(replayAttempt++, this.cfg.replayRetryInitialMs, this.cfg.replayRetryMaxMs, this.cfg.retryJitterRatio, this.random);
        await this.pacer.sleep(delay);
        continue;
      }
      if (this.q.items.length === 0) { this.resolveWaiters(); await this.pacer.idle(); continue; }
      const batch = this.q.items.splice(0, this.cfg.maxBatchRecords);
      this.inFlight = true;
      const err = await this.writeWithRetries(batch);
      this.inFlight = false;
      if (err !== null) {
        this.spoolMode = true;
        // The failed batch is older than anything queued behind it: it goes first.
        this.q.items = batch.concat(this.q.items);
        const spilled = this.spiller.spill();
        if (this.state === 'retrying') this.setState('spooling');
        // The sink was just tried: the replayer's first probe waits like any other, counted from
        // the failure (the spill's disk write runs meanwhile).
        await this.pacer.sleep(err.fatal ? this.cfg.fatalProbeIntervalMs
          : replayDelayMs(replayAttempt++, this.cfg.replayRetryInitialMs, this.cfg.replayRetryMaxMs, this.cfg.retryJitterRatio, this.random));
        await spilled;
        continue;
      }
      this.resolveWaiters();
    }
    this.resolveWaiters();
  }

  /** First attempt plus the configured retries; an error means: spool it. */
  private async writeWithRetries(batch: SinkRecord[]): Promise<SinkError | null> {
    for (let i = 0; ; i++) {
      const err = await this.attempt(batch);
      if (err === null) {
        if (this.state !== 'ok') this.recovered();
        return null;
      }
      if (err.fatal) { this.failed(err, 'failed'); return err; }
      if (i >= this.cfg.retryDelaysMs.length || this.aborted) { this.failed(err, 'spooling'); return err; }
      this.failed(err, 'retrying');
      this.counters.retries++;
      await this.pacer.sleep(jittered(this.cfg.retryDelaysMs[i]!, this.cfg.retryJitterRatio, this.random));
      if (this.aborted) { this.failed(err, 'spooling'); return err; }
    }
  }

  /** One open-if-needed + write, bounded by writeTimeoutMs. Returns the error, or null. */
  private async attempt(batch: readonly SinkRecord[]): Promise<SinkError | null> {
    const started = performance.now();
    try {
      if (!this.opened) {
        await Promise.race([withTimeout(this.sink.open(), this.cfg.writeTimeoutMs, 'open'), this.abortSignal]);
        this.opened = true;
      }
      await Promise.race([withTimeout(this.sink.write(batch), this.cfg.writeTimeoutMs, 'write'), this.abortSignal]);
      const ms = performance.now() - started;
      this.counters.lastWriteMs = ms;
      if (ms > this.counters.maxWriteMs) this.counters.maxWriteMs = ms;
      this.counters.writtenRecords += batch.length;
      this.counters.writtenBatches++;
      return null;
    } catch (err) {
      this.counters.failedWrites++;
      if (err instanceof SinkError) return err;
      return new SinkError('E_SINK_WRITE', `${this.name} write failed: ${errorMessage(err)}`, { retryable: true, cause: err, context: { sink: this.name } });
    }
  }

  private failed(err: SinkError, next: SinkState): void {
    // Writes abandoned by close() are not an outage: they are spooled and replayed next start.
    if (this.aborted && err.code === 'E_SINK_ABORTED') return;
    this.lastError = { code: err.code, message: err.message, at: Date.now() };
    if (this.episodeStart === null) {
      this.episodeStart = Date.now();
      this.counters.episodes++;
      this.log.warn({ code: err.code, err: err.message, fatal: err.fatal }, 'sink write failed: retrying, then spooling');
    } else if (next === 'failed' && this.state !== 'failed') {
      this.log.error({ code: err.code, err: err.message }, 'sink failed with a fatal error: spooling until fixed');
    }
    if (this.state !== next && !(this.state === 'spooling' && next === 'retrying')) this.setState(next);
  }

  private recovered(): void {
    if (this.episodeStart !== null) {
      this.log.info({ outageMs: Date.now() - this.episodeStart, replayedRecords: this.counters.replayedRecords }, 'sink recovered');
      this.episodeStart = null;
    }
    this.setState('ok');
    this.resolveWaiters();
  }

  private setState(s: SinkState): void {
    if (this.state === s) return;
    this.state = s;
    this.since = Date.now();
    this.opts.onStateChange?.(this.health());
  }

  private isFlushed(): boolean {
    return this.q.items.length === 0 && !this.inFlight && this.spiller.inFlightRecords === 0;
  }

  private isDrained(): boolean {
    return this.isFlushed() && !this.spoolMode && this.spool.isEmpty();
  }

  private resolveWaiters(): void {
    const done = this.aborted;
    if (done || this.isFlushed()) {
      const w = this.flushWaiters; this.flushWaiters = []; for (const x of w) x.resolve();
    }
    if (done || this.isDrained()) {
      const w = this.drainWaiters; this.drainWaiters = []; for (const x of w) x.resolve();
    }
  }

}
