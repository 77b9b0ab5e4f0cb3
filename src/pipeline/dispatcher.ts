/**
 * Hands events to consumers without ever waiting for one. publish() is synchronous: it pushes
 * into each consumer's bounded queue (policy on full: drop-oldest, conflate-by-key or spill) and
 * wakes its drain loop. Each consumer drains on its own async loop, so one hung consumer never
 * stalls another or the socket.
 *
 * Isolation: at most `concurrency` calls of one consumer run at once (default 1). A call that
 * exceeds its timeout is abandoned for that event (counted, warned at most once per interval) but
 * keeps its slot until it settles: JavaScript cannot cancel a promise, so starting another call
 * would only pile up pending work. While any abandoned call is still running the consumer is
 * unhealthy (stats `healthy: false`, one warn line); when they have all settled it is healthy
 * again (one info line). Meanwhile its queue absorbs new events under its own policy.
 *
 * Sync handlers cannot be preempted: whatever they burn, they burn on the event loop (their
 * per-call sync time is measured and reported to the lag monitor). CPU-heavy handlers belong on
 * the worker pool: a consumer with `worker: { filename, name }` runs there, and a timed-out
 * worker task is aborted (piscina ends that thread).
 */
import { performance } from 'node:perf_hooks';
import { silentLogger, type Logger } from '../observability/logger.js';
import {
  DEFAULT_CONSUMER_CONCURRENCY, DEFAULT_ERROR_LOG_INTERVAL_MS, DEFAULT_HANDLER_TIMEOUT_MS, DEFAULT_MAX_QUEUE_ITEMS,
  DEFAULT_SLOW_SYNC_HANDLER_MS, DEFAULT_TIMEOUT_WARN_INTERVAL_MS,
} from '../config/defaults/pipeline.js';
import { ConfigError } from '../model/errors.js';
import { BoundedQueue, type FullQueuePolicy, type QueueDrops } from './bounded-queue.js';
import { DispatcherClosedError, HandlerTimeoutError } from './errors.js';
import type { WorkerPool } from './worker-pool.js';

/** What the dispatcher needs to know about an event (MarketEvent and aggregates both fit). */
export interface Dispatchable {
  readonly symbol?: string;
  readonly venue?: string;
}

export interface ConsumerSpec<E extends Dispatchable> {
  readonly name: string;
  /** In-process handler. Exactly one of handler / worker. */
  readonly handler?: (event: E) => void | Promise<unknown>;
  /** Run on the worker pool: the module's export `name` (default export if omitted) gets the event. */
  readonly worker?: { readonly filename: string; readonly name?: string };
  /** Only events passing the filter are queued for this consumer. */
  readonly filter?: (event: E) => boolean;
  readonly policy: FullQueuePolicy;
  readonly maxQueueItems?: number;
  /** Conflation key (default: venue:symbol). */
  readonly key?: (event: E) => string;
  /** Lossless overflow target for policy 'spill' (e.g. the sink spool). */
  readonly spill?: (event: E) => void;
  readonly timeoutMs?: number;
  /**
   * Handler calls running at once, abandoned (timed-out) calls included (default
   * DEFAULT_CONSUMER_CONCURRENCY = 1: in order). Raise it for worker consumers.
   */
  readonly concurrency?: number;
}

export interface ConsumerStats {
  queueDepth: number;
  maxQueueDepth: number;
  capacity: number;
  policy: FullQueuePolicy;
  enqueued: number;
  processed: number;
  dropped: QueueDrops & { total: number };
  spilled: number;
  /** Calls abandoned at their timeout (each one event). */
  timeouts: number;
  errors: number;
  /** Calls running and still awaited (not abandoned). */
  inFlight: number;
  /** Abandoned calls still running: they hold a concurrency slot until they settle. */
  abandonedInFlight: number;
  /** Abandoned calls that settled later (their result was ignored). */
  abandonedSettled: number;
  /** False while an abandoned call is still running (the consumer is hung). */
  healthy: boolean;
  /** Times the consumer became unhealthy. */
  hungEpisodes: number;
  /** Longest synchronous part of one handler call (blocks the event loop), ms. */
  maxSyncMs: number;
  /** Synchronous handler calls longer than slowSyncHandlerMs (belong on the worker pool). */
  slowSyncCalls: number;
}

export interface DispatcherOptions {
  readonly pool?: WorkerPool | null;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly defaultTimeoutMs?: number;
  readonly defaultMaxQueueItems?: number;
  /** Concurrency of consumers that do not set their own. */
  readonly defaultConcurrency?: number;
  readonly timeoutWarnIntervalMs?: number;
  readonly errorLogIntervalMs?: number;
  /** A sync handler call longer than this is counted and warned (rate-limited like timeouts). */
  readonly slowSyncHandlerMs?: number;
}

/** Give the event loop (socket reads, timers) a turn after this much continuous draining. */
const YIELD_AFTER_MS = 5;

class Consumer<E extends Dispatchable> {
  readonly queue: BoundedQueue<E>;
  readonly timeoutMs: number;
  readonly concurrency: number;
  processed = 0;
  timeouts = 0;
  errors = 0;
  /** Every running call, abandoned ones included: the concurrency bound applies to this. */
  running = 0;
  abandonedInFlight = 0;
  abandonedSettled = 0;
  hungEpisodes = 0;
  hungSince: number | null = null;
  hungLogged = false;
  lastHungLogAt = -Infinity;
  maxSyncMs = 0;
  slowSyncCalls = 0;
  lastSlowSyncWarnAt = -Infinity;
  current: string | null = null;
  wake: (() => void) | null = null;
  lastTimeoutWarnAt = -Infinity;
  suppressedTimeoutWarns = 0;
  lastErrorLogAt = -Infinity;

  constructor(
    readonly spec: ConsumerSpec<E>,
    readonly run: (event: E, signal: AbortSignal | undefined) => void | Promise<unknown>,
    defaults: { timeoutMs: number; maxQueueItems: number; concurrency: number },
    onSpillError: (err: unknown, e: E) => void,
  ) {
    this.timeoutMs = spec.timeoutMs ?? defaults.timeoutMs;
    this.concurrency = spec.concurrency ?? defaults.concurrency;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new ConfigError(`consumer "${spec.name}" concurrency must be a positive integer`, { consumer: spec.name });
    this.queue = new BoundedQueue<E>({
      capacity: spec.maxQueueItems ?? defaults.maxQueueItems,
      policy: spec.policy,
      key: spec.key ?? ((e: E) => `${e.venue ?? ''}:${e.symbol ?? ''}`),
      spill: spec.spill,
      onSpillError,
    });
  }
}

export class Dispatcher<E extends Dispatchable> {
  private readonly consumers = new Map<string, Consumer<E>>();
  private readonly list: Consumer<E>[] = [];
  private readonly logger: Logger;
  private readonly now: () => number;
  private closed = false;
  published = 0;
  private slowest: { consumer: string; symbol: string | null; ms: number } | null = null;

  constructor(private readonly opts: DispatcherOptions = {}) {
    this.logger = opts.logger ?? silentLogger();
    this.now = opts.now ?? Date.now;
  }

  addConsumer(spec: ConsumerSpec<E>): void {
    if (this.closed) throw new DispatcherClosedError();
    if (this.consumers.has(spec.name)) throw new ConfigError(`consumer "${spec.name}" is already registered`, { consumer: spec.name });
    if (!spec.handler === !spec.worker) throw new ConfigError(`consumer "${spec.name}" needs exactly one of handler or worker`, { consumer: spec.name });
    const pool = this.opts.pool;
    if (spec.worker && !pool) throw new ConfigError(`consumer "${spec.name}" runs on workers but the dispatcher has no pool`, { consumer: spec.name });
    const worker = spec.worker;
    const run = worker && pool
      ? (e: E, signal: AbortSignal | undefined) => pool.run(e, { filename: worker.filename, name: worker.name, signal })
      : (spec.handler as (e: E) => void | Promise<unknown>);
    const c = new Consumer<E>(spec, run, {
      timeoutMs: this.opts.defaultTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
      maxQueueItems: this.opts.defaultMaxQueueItems ?? DEFAULT_MAX_QUEUE_ITEMS,
      concurrency: this.opts.defaultConcurrency ?? DEFAULT_CONSUMER_CONCURRENCY,
    }, (err, e) => this.logger.error({ err, consumer: spec.name, symbol: e.symbol }, 'spill failed: event lost'));
    this.consumers.set(spec.name, c);
    this.list.push(c);
    void this.drain(c);
  }

  /** Synchronous, O(consumers), never waits for a consumer. Events after close() are ignored. */
  publish(event: E): void {
    if (this.closed) return;
    this.published++;
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const c = list[i] as Consumer<E>;
      const filter = c.spec.filter;
      if (filter !== undefined && !filter(event)) continue;
      c.queue.push(event);
      const wake = c.wake;
      if (wake !== null) {
        c.wake = null;
        wake();
      }
    }
  }

  /**
   * Receive time (epoch ms) of the oldest event still queued for a consumer, or undefined when its
   * queue is empty (or the event carries none). A clock-driven consumer (the aggregator) uses it
   * so its wall clock does not run ahead of the events it has not been handed yet.
   */
  queuedSince(name: string): number | undefined {
    const head = this.consumers.get(name)?.queue.peek() as { readonly receiveTime?: unknown } | undefined;
    const t = head?.receiveTime;
    return typeof t === 'number' ? t : undefined;
  }

  /** Names of consumers inside a handler call right now. */
  running(): string[] {
    return this.list.filter((c) => c.running > 0).map((c) => c.spec.name);
  }

  /** Names of consumers with an abandoned call still running. */
  unhealthy(): string[] {
    return this.list.filter((c) => c.abandonedInFlight > 0).map((c) => c.spec.name);
  }

  /** The heaviest synchronous handler call since the last call of this method (for the lag monitor). */
  takeSlowestSync(): { consumer: string; symbol: string | null; ms: number } | null {
    const s = this.slowest;
    this.slowest = null;
    return s;
  }

  stats(): { published: number; consumers: Record<string, ConsumerStats>; pool: ReturnType<WorkerPool['stats']> | null } {
    const consumers: Record<string, ConsumerStats> = {};
    for (const c of this.list) {
      const q = c.queue;
      consumers[c.spec.name] = {
        queueDepth: q.size, maxQueueDepth: q.maxDepth, capacity: q.capacity, policy: c.spec.policy, enqueued: q.pushed,
        processed: c.processed,
        dropped: { ...q.drops, total: q.drops.dropOldest + q.drops.conflated + q.drops.spillFailed },
        spilled: q.spilled, timeouts: c.timeouts, errors: c.errors, inFlight: c.running - c.abandonedInFlight,
        abandonedInFlight: c.abandonedInFlight, abandonedSettled: c.abandonedSettled, healthy: c.abandonedInFlight === 0,
        hungEpisodes: c.hungEpisodes, maxSyncMs: c.maxSyncMs, slowSyncCalls: c.slowSyncCalls,
      };
    }
    return { published: this.published, consumers, pool: this.opts.pool?.stats() ?? null };
  }

  /** Stop the drain loops. Queued events of 'spill' consumers are spilled; others are discarded. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.list) {
      const left = c.queue.drain();
      if (c.spec.policy === 'spill' && c.spec.spill) for (const e of left) c.spec.spill(e);
      const wake = c.wake;
      c.wake = null;
      wake?.();
    }
  }

  private async drain(c: Consumer<E>): Promise<void> {
    // One clock read per event: the read after a call is the start of the next one in the slice.
    let sliceStart = performance.now();
    let t = sliceStart;
    while (!this.closed) {
      // The bound counts abandoned calls too: a hung handler gets no new call until it settles.
      if (c.running >= c.concurrency || c.queue.size === 0) {
        await new Promise<void>((resolve) => { c.wake = resolve; });
        t = sliceStart = performance.now();
        continue;
      }
      t = this.start(c, c.queue.shift() as E, t);
      if (t - sliceStart > YIELD_AFTER_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        t = sliceStart = performance.now();
      }
    }
  }

  /**
   * Start one handler call (t0: the clock just before it); returns the clock after its
   * synchronous part. Its slot is released (done) only when the call really ends.
   */
  private start(c: Consumer<E>, event: E, t0: number): number {
    c.running++;
    c.current = event.symbol ?? null;
    const abort = c.spec.worker ? new AbortController() : undefined;
    let result: void | Promise<unknown>;
    try {
      result = c.run(event, abort?.signal);
    } catch (err) {
      const t1 = performance.now();
      this.noteSync(c, event, t1 - t0);
      this.fail(c, event, err);
      this.done(c);
      return t1;
    }
    const t1 = performance.now();
    this.noteSync(c, event, t1 - t0);
    if (!isThenable(result)) {
      c.processed++;
      this.done(c);
      return t1;
    }
    let abandoned = false;
    const timer = setTimeout(() => {
      abandoned = true;
      // A worker task is ended by piscina on abort, so its slot comes back at once.
      abort?.abort(new HandlerTimeoutError(c.spec.name, event.symbol ?? null, c.timeoutMs));
      this.timedOut(c, event);
      if (c.abandonedInFlight++ === 0) this.hung(c, event);
    }, c.timeoutMs);
    const settle = (err: unknown, failed: boolean): void => {
      if (abandoned) {
        // Already counted as a timeout; a late result or rejection is not news.
        c.abandonedSettled++;
        if (--c.abandonedInFlight === 0) this.recovered(c);
      } else {
        clearTimeout(timer);
        if (failed) this.fail(c, event, err);
        else c.processed++;
      }
      this.done(c);
    };
    result.then(() => settle(undefined, false), (err: unknown) => settle(err, true));
    return t1;
  }

  private noteSync(c: Consumer<E>, event: E, ms: number): void {
    if (ms > c.maxSyncMs) c.maxSyncMs = ms;
    if (ms > (this.opts.slowSyncHandlerMs ?? DEFAULT_SLOW_SYNC_HANDLER_MS)) {
      c.slowSyncCalls++;
      const now = this.now();
      if (now - c.lastSlowSyncWarnAt >= (this.opts.timeoutWarnIntervalMs ?? DEFAULT_TIMEOUT_WARN_INTERVAL_MS)) {
        c.lastSlowSyncWarnAt = now;
        this.logger.warn({
          consumer: c.spec.name, symbol: event.symbol ?? null, syncMs: Math.round(ms), slowSyncCalls: c.slowSyncCalls,
        }, 'synchronous handler blocked the event loop; declare CPU-heavy work as a worker consumer');
      }
    }
    if (this.slowest === null || ms > this.slowest.ms) this.slowest = { consumer: c.spec.name, symbol: event.symbol ?? null, ms };
  }

  private done(c: Consumer<E>): void {
    c.running--;
    if (c.running === 0) c.current = null;
    const wake = c.wake;
    if (wake !== null && c.running < c.concurrency) {
      c.wake = null;
      wake();
    }
  }

  /**
   * Logged at most once per timeoutWarnIntervalMs per consumer (a worker consumer that times out
   * often is aborted and recovers each time); the recovery line pairs with a logged episode only.
   */
  private hung(c: Consumer<E>, event: E): void {
    c.hungEpisodes++;
    const now = this.now();
    c.hungSince = now;
    c.hungLogged = false;
    if (now - c.lastHungLogAt < (this.opts.timeoutWarnIntervalMs ?? DEFAULT_TIMEOUT_WARN_INTERVAL_MS)) return;
    c.lastHungLogAt = now;
    c.hungLogged = true;
    this.logger.warn({
      consumer: c.spec.name, symbol: event.symbol ?? null, timeoutMs: c.timeoutMs, hungEpisodes: c.hungEpisodes,
      concurrency: c.concurrency, queueDepth: c.queue.size, policy: c.spec.policy,
    }, 'consumer unhealthy: an abandoned call is still running; no new call starts until it settles');
  }

  private recovered(c: Consumer<E>): void {
    const since = c.hungSince;
    c.hungSince = null;
    if (!c.hungLogged) return;
    c.hungLogged = false;
    this.logger.info({
      consumer: c.spec.name, hungMs: since === null ? null : this.now() - since, abandonedSettled: c.abandonedSettled,
    }, 'consumer healthy again: abandoned calls settled');
  }

  private timedOut(c: Consumer<E>, event: E): void {
    c.timeouts++;
    const now = this.now();
    const interval = this.opts.timeoutWarnIntervalMs ?? DEFAULT_TIMEOUT_WARN_INTERVAL_MS;
    if (now - c.lastTimeoutWarnAt >= interval) {
      this.logger.warn({
        code: 'E_HANDLER_TIMEOUT', consumer: c.spec.name, symbol: event.symbol ?? null, venue: event.venue ?? null,
        timeoutMs: c.timeoutMs, timeouts: c.timeouts, suppressed: c.suppressedTimeoutWarns,
      }, 'consumer handler timed out; event abandoned');
      c.lastTimeoutWarnAt = now;
      c.suppressedTimeoutWarns = 0;
    } else {
      c.suppressedTimeoutWarns++;
    }
  }

  private fail(c: Consumer<E>, event: E, err: unknown): void {
    c.errors++;
    const now = this.now();
    if (now - c.lastErrorLogAt >= (this.opts.errorLogIntervalMs ?? DEFAULT_ERROR_LOG_INTERVAL_MS)) {
      c.lastErrorLogAt = now;
      this.logger.warn({ err, consumer: c.spec.name, symbol: event.symbol ?? null, errors: c.errors }, 'consumer handler failed');
    }
  }
}

function isThenable(v: unknown): v is Promise<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}
