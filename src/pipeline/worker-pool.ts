/**
 * CPU-heavy work on worker threads (piscina) with a bounded task queue: a task submitted while
 * `maxQueueTasks` tasks already wait is rejected with WorkerQueueFullError and counted, never
 * queued without bound. Task modules are named per run ({ filename, name }).
 *
 * Running from TypeScript sources (tsx, vitest) the workers get tsx's loader so .ts task modules
 * load; from dist (plain node) nothing is added and .js/.mjs modules load directly.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { silentLogger, type Logger } from '../observability/logger.js';
import {
  DEFAULT_WORKER_IDLE_TIMEOUT_MS, DEFAULT_WORKER_MAX_QUEUE_TASKS, DEFAULT_WORKER_THREADS,
} from '../config/defaults/pipeline.js';
import { WorkerQueueFullError } from './errors.js';

export interface WorkerPoolOptions {
  readonly threads?: number;
  readonly maxQueueTasks?: number;
  readonly idleTimeoutMs?: number;
  /** Worker execArgv; default: inherited, plus tsx's loader when running from .ts sources. */
  readonly execArgv?: readonly string[];
  readonly logger?: Logger;
}

export interface WorkerTaskOptions {
  /** Absolute path or file URL of the task module. */
  readonly filename: string;
  /** Exported function name (default export when omitted). */
  readonly name?: string;
  readonly signal?: AbortSignal;
}

export interface WorkerPoolStats {
  threads: number;
  maxThreads: number;
  queued: number;
  maxQueueTasks: number;
  running: number;
  submitted: number;
  completed: number;
  failed: number;
  rejectedQueueFull: number;
  aborted: number;
  utilization: number;
}

/** execArgv that lets worker threads import .ts modules when we run from sources. */
export function defaultWorkerExecArgv(): string[] {
  const base = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  if (!import.meta.url.endsWith('.ts')) return base;
  if (base.some((a) => a.includes('tsx'))) return base;
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [...base, '--import', loader];
}

export class WorkerPool {
  private readonly piscina: Piscina;
  private readonly maxQueueTasks: number;
  private readonly logger: Logger;
  private running = 0;
  private readonly counters = { submitted: 0, completed: 0, failed: 0, rejectedQueueFull: 0, aborted: 0 };

  constructor(opts: WorkerPoolOptions = {}) {
    const threads = opts.threads ?? DEFAULT_WORKER_THREADS;
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`worker threads must be a positive integer, got ${threads}`);
    this.maxQueueTasks = opts.maxQueueTasks ?? DEFAULT_WORKER_MAX_QUEUE_TASKS;
    this.logger = opts.logger ?? silentLogger();
    this.piscina = new Piscina({
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: opts.idleTimeoutMs ?? DEFAULT_WORKER_IDLE_TIMEOUT_MS,
      // Our own check below rejects first; piscina's limit is only a backstop.
      maxQueue: this.maxQueueTasks + threads,
      execArgv: [...(opts.execArgv ?? defaultWorkerExecArgv())],
    });
    this.piscina.on('error', (err: unknown) => this.logger.error({ err }, 'worker pool error'));
  }

  run<I, O>(task: I, opts: WorkerTaskOptions): Promise<O> {
    if (this.piscina.queueSize >= this.maxQueueTasks) {
      this.counters.rejectedQueueFull++;
      return Promise.reject(new WorkerQueueFullError(this.maxQueueTasks, opts.filename));
    }
    this.counters.submitted++;
    this.running++;
    const filename = opts.filename.startsWith('file:') ? opts.filename : pathToFileURL(opts.filename).href;
    const p = this.piscina.run(task, { filename, name: opts.name ?? 'default', signal: opts.signal ?? null }) as Promise<O>;
    return p.then(
      (v) => { this.running--; this.counters.completed++; return v; },
      (err: unknown) => {
        this.running--;
        if (opts.signal?.aborted) this.counters.aborted++;
        else this.counters.failed++;
        throw err;
      },
    );
  }

  stats(): WorkerPoolStats {
    return {
      threads: this.piscina.threads.length,
      maxThreads: this.piscina.maxThreads,
      queued: this.piscina.queueSize,
      maxQueueTasks: this.maxQueueTasks,
      running: this.running,
      ...this.counters,
      utilization: this.piscina.utilization,
    };
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
