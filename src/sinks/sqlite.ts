/**
 * SQLite sink (better-sqlite3), the embedded default. WAL mode; one transaction per batch with
 * prepared upserts (`ON CONFLICT ... DO UPDATE ... WHERE excluded.revision >= revision`).
 *
 * better-sqlite3 is synchronous, so the connection lives on a worker thread of its own
 * (sqlite-worker.ts, one per sink): write() posts the batch and resolves when the worker has
 * committed it, so a locked database (busy timeout, 5 s by default) or a slow disk blocks that
 * thread, never the event loop. Batches are committed in the order written.
 * A worker that dies (crash, out of memory) fails its pending writes with a retryable SinkError
 * (E_SINK_UNAVAILABLE; the supervised runner retries, then spools) and is started again by the
 * next write. A worker that does not answer within workerStallMs is terminated the same way
 * (E_SINK_TIMEOUT). close() lets the worker finish what was posted, then ends it.
 * Durability: synchronous=NORMAL (default) survives a process kill; 'FULL' also a power loss.
 */
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_SQLITE_BUSY_TIMEOUT_MS, DEFAULT_SQLITE_WORKER_CLOSE_TIMEOUT_MS, DEFAULT_SQLITE_WORKER_MAX_PENDING_WRITES,
  DEFAULT_SQLITE_WORKER_STALL_MS,
} from '../config/defaults/sinks.js';
import { errorMessage, SinkError } from './errors.js';
import { coalesceByKey } from './record-key.js';
import { isTrade, type Sink, type SinkRecord } from './sink.js';
import type { SqliteDbOptions, SqliteFailure } from './sqlite-db.js';
import type { ToWorker } from './sqlite-worker.js';

export { sqliteSchema } from './sqlite-db.js';

export interface SqliteSinkOptions {
  /** File path, or ':memory:' (then only the worker can see the data). */
  readonly path: string;
  readonly name?: string;
  /** Store raw trades too (opt-in). */
  readonly trades?: boolean;
  readonly synchronous?: 'NORMAL' | 'FULL';
  readonly busyTimeoutMs?: number;
  /** A write the worker has not answered within this is treated as a hung worker: terminated and restarted. */
  readonly workerStallMs?: number;
  /** Worker execArgv; default: this process's (without --inspect). */
  readonly execArgv?: readonly string[];
}

type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'open_failed'; readonly failure: SqliteFailure }
  | { readonly type: 'written'; readonly id: number; readonly ms: number; readonly rows: number; readonly skippedTrades: number }
  | { readonly type: 'write_failed'; readonly id: number; readonly ms: number; readonly failure: SqliteFailure }
  | { readonly type: 'closed' };

interface Pending { readonly resolve: () => void; readonly reject: (e: SinkError) => void; readonly started: number; readonly stall: NodeJS.Timeout; readonly size: number; readonly skippedHere: number }

/** The worker module next to this file: .ts from sources (tsx, vitest), .js from dist. */
function workerUrl(): URL {
  return new URL(`./sqlite-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}

/**
 * Starts the worker. From dist the .js module is the entry. From .ts sources (tsx, vitest) an
 * `--import tsx` in a worker's execArgv does not reach the worker's module loader on Node 20, so
 * a two-line script registers tsx's ESM hooks in the worker, then imports the .ts module.
 */
function spawnWorker(options: { workerData: unknown; execArgv: string[]; name: string }): Worker {
  const url = workerUrl();
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  // tsx/esm/api's ESM build (its CJS build registers a path relative to itself that is not there).
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, { ...options, eval: true });
}

export class SqliteSink implements Sink {
  readonly kind = 'sqlite' as const;
  readonly name: string;
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;
  private reader: Database.Database | null = null;
  private counters = {
    batches: 0, rows: 0, skippedTrades: 0, lastBatchMs: 0, maxBatchMs: 0, lastRoundTripMs: 0, maxRoundTripMs: 0,
    workerStarts: 0, workerCrashes: 0, workerStalls: 0,
  };

  constructor(private readonly opts: SqliteSinkOptions) {
    this.name = opts.name ?? 'sqlite';
  }

  /** Starts the worker, which opens the database and creates the schema. Idempotent. */
  async open(): Promise<void> {
    this.closing = false;
    if (!this.worker) this.start();
    await this.ready;
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    await this.open();
    const w = this.worker!;
    if (this.pending.size >= DEFAULT_SQLITE_WORKER_MAX_PENDING_WRITES) {
      throw this.error('E_SINK_UNAVAILABLE', `${this.pending.size} writes already wait for the worker`, true);
    }
    const id = this.nextId++;
    const started = performance.now();
    // Trades the sink is not opted in to are skipped here, not cloned to the worker to be skipped
    // there (every trade passes through every sink). Counted as the worker would count them.
    const kept = this.opts.trades === true ? batch : batch.filter((r) => !isTrade(r));
    const skippedHere = batch.length - kept.length;
    // Repeats of one row within the batch (amended windows) leave the table as the last
    // upsert would: only that one crosses to the worker (same stored result, a fraction of the work).
    const posted = coalesceByKey(kept);
    await new Promise<void>((resolve, reject) => {
      const stall = setTimeout(() => this.stalled(w), this.opts.workerStallMs ?? DEFAULT_SQLITE_WORKER_STALL_MS);
      this.pending.set(id, { resolve, reject, started, stall, size: batch.length, skippedHere });
      w.ref(); // an idle worker does not keep the process alive; one with work does
      w.postMessage({ type: 'write', id, batch: posted } satisfies ToWorker);
    });
  }

  /** Lets the worker finish what was posted, then ends it; a worker that does not stop in time is terminated. */
  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker;
    const ready = this.ready;
    this.reader?.close();
    this.reader = null;
    if (!w) return;
    await ready?.catch(() => undefined);
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.ref();
    w.postMessage({ type: 'close' } satisfies ToWorker);
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), DEFAULT_SQLITE_WORKER_CLOSE_TIMEOUT_MS); })]);
    clearTimeout(timer);
    if (late) await w.terminate();
    this.forget(w, this.error('E_SINK_ABORTED', 'sink closed before the worker answered', true));
  }

  /**
   * A read-only connection on the main thread, for read helpers in the same process
   * (sqlite-query.ts); null for ':memory:' or before the database exists. Reads are short;
   * writes go through write() only.
   */
  database(): Database.Database | null {
    if (this.opts.path === ':memory:') return null;
    try {
      this.reader ??= new Database(this.opts.path, { readonly: true, fileMustExist: true });
    } catch {
      return null;
    }
    return this.reader;
  }

  /** Ends the worker at once, as a crash would (tests; an operator's last resort). Pending writes fail retryably. */
  async terminateWorker(): Promise<void> {
    await this.worker?.terminate();
  }

  stats(): Readonly<typeof this.counters> & { pendingWrites: number; workerRunning: boolean } {
    return { ...this.counters, pendingWrites: this.pending.size, workerRunning: this.worker !== null };
  }

  private start(): void {
    const data: SqliteDbOptions = {
      path: this.opts.path, trades: this.opts.trades ?? false, synchronous: this.opts.synchronous ?? 'NORMAL',
      busyTimeoutMs: this.opts.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
    };
    const execArgv = [...(this.opts.execArgv ?? process.execArgv.filter((a) => !a.startsWith('--inspect')))];
    const w = spawnWorker({ workerData: data, execArgv, name: `tickgate-sqlite-${this.name}` });
    this.worker = w;
    this.counters.workerStarts++;
    let settle: { resolve: () => void; reject: (e: SinkError) => void } | null = null;
    this.ready = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
    this.ready.catch(() => undefined); // observed by open(); a crash before anyone awaits is not unhandled
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') { settle?.resolve(); settle = null; if (this.pending.size === 0) w.unref(); return; }
      if (m.type === 'open_failed') {
        settle?.reject(this.fromFailure(m.failure));
        settle = null;
        this.detach(w);
        void w.terminate();
        return;
      }
      if (m.type === 'written' || m.type === 'write_failed') this.settleWrite(w, m);
    });
    const died = (why: string): void => {
      if (this.worker !== w) return; // already replaced, or closed on purpose
      const e = this.error('E_SINK_UNAVAILABLE', `worker ${why}; it is restarted on the next write`, true);
      if (!this.closing) this.counters.workerCrashes++;
      settle?.reject(e);
      settle = null;
      this.forget(w, e);
    };
    w.on('error', (err) => died(`crashed: ${errorMessage(err)}`));
    w.on('exit', (code) => died(`exited (code ${code})`));
  }

  private settleWrite(w: Worker, m: Extract<FromWorker, { type: 'written' | 'write_failed' }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.stall);
    if (this.pending.size === 0 && this.worker === w) w.unref();
    this.counters.lastBatchMs = m.ms;
    if (m.ms > this.counters.maxBatchMs) this.counters.maxBatchMs = m.ms;
    const rt = performance.now() - p.started;
    this.counters.lastRoundTripMs = rt;
    if (rt > this.counters.maxRoundTripMs) this.counters.maxRoundTripMs = rt;
    if (m.type === 'write_failed') { p.reject(this.fromFailure(m.failure)); return; }
    this.counters.batches++;
    this.counters.rows += p.size;
    this.counters.skippedTrades += p.skippedHere + m.skippedTrades;
    p.resolve();
  }

  /** A write unanswered for workerStallMs: the worker is presumed hung and ended; the next write starts a new one. */
  private stalled(w: Worker): void {
    if (this.worker !== w) return;
    this.counters.workerStalls++;
    const ms = this.opts.workerStallMs ?? DEFAULT_SQLITE_WORKER_STALL_MS;
    this.forget(w, this.error('E_SINK_TIMEOUT', `worker did not answer a write within ${ms} ms; restarting it`, true));
    void w.terminate();
  }

  /** Drops `w` as the current worker and fails everything it still owed. */
  private forget(w: Worker, e: SinkError): void {
    this.detach(w);
    for (const p of this.pending.values()) { clearTimeout(p.stall); p.reject(e); }
    this.pending.clear();
  }

  private detach(w: Worker): void {
    if (this.worker !== w) return;
    this.worker = null;
    this.ready = null;
  }

  private fromFailure(f: SqliteFailure): SinkError {
    return new SinkError(f.code, f.message, { retryable: f.retryable, context: { sink: this.name, path: this.opts.path, sqliteCode: f.sqliteCode } });
  }

  private error(code: string, what: string, retryable: boolean): SinkError {
    return new SinkError(code, `sqlite ${this.opts.path}: ${what}`, { retryable, context: { sink: this.name, path: this.opts.path } });
  }
}
