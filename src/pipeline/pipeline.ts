/**
 * The pipeline as one object: a dispatcher, its worker pool and the event-loop lag monitor, with
 * one stats() and one close(). The gateway builds it once and publishes every normalized event.
 */
import { silentLogger, type Logger } from '../observability/logger.js';
import { Dispatcher, type ConsumerSpec, type ConsumerStats, type Dispatchable } from './dispatcher.js';
import { LagMonitor, type LagMonitorOptions, type LagStats } from './lag-monitor.js';
import { WorkerPool, type WorkerPoolOptions, type WorkerPoolStats } from './worker-pool.js';

export interface PipelineOptions<E extends Dispatchable> {
  readonly consumers?: readonly ConsumerSpec<E>[];
  /** Worker pool settings; false for no pool (worker consumers are then rejected). */
  readonly workers?: WorkerPoolOptions | false;
  readonly lag?: Omit<LagMonitorOptions, 'activity' | 'logger'> | false;
  readonly defaultTimeoutMs?: number;
  readonly defaultMaxQueueItems?: number;
  /** Concurrency of consumers that set none (DEFAULT_CONSUMER_CONCURRENCY). */
  readonly defaultConcurrency?: number;
  readonly timeoutWarnIntervalMs?: number;
  /** Sync handler calls longer than this are counted and warned (DEFAULT_SLOW_SYNC_HANDLER_MS). */
  readonly slowSyncHandlerMs?: number;
  readonly logger?: Logger;
}

export interface PipelineStats {
  published: number;
  consumers: Record<string, ConsumerStats>;
  pool: WorkerPoolStats | null;
  lag: LagStats | null;
}

export class Pipeline<E extends Dispatchable> {
  readonly dispatcher: Dispatcher<E>;
  readonly pool: WorkerPool | null;
  readonly lag: LagMonitor | null;

  constructor(opts: PipelineOptions<E> = {}) {
    const logger = opts.logger ?? silentLogger();
    this.pool = opts.workers === false ? null : new WorkerPool({ ...opts.workers, logger });
    this.dispatcher = new Dispatcher<E>({
      pool: this.pool, logger, defaultTimeoutMs: opts.defaultTimeoutMs, defaultMaxQueueItems: opts.defaultMaxQueueItems,
      timeoutWarnIntervalMs: opts.timeoutWarnIntervalMs, defaultConcurrency: opts.defaultConcurrency,
      slowSyncHandlerMs: opts.slowSyncHandlerMs,
    });
    for (const c of opts.consumers ?? []) this.dispatcher.addConsumer(c);
    this.lag = opts.lag === false ? null : new LagMonitor({ ...opts.lag, activity: this.dispatcher, logger });
    this.lag?.start();
  }

  /** Synchronous, never waits for a consumer: call it from the socket reader. */
  publish(event: E): void {
    this.dispatcher.publish(event);
  }

  addConsumer(spec: ConsumerSpec<E>): void {
    this.dispatcher.addConsumer(spec);
  }

  /** See Dispatcher.queuedSince: receive time of the oldest event queued for a consumer. */
  queuedSince(name: string): number | undefined {
    return this.dispatcher.queuedSince(name);
  }

  stats(): PipelineStats {
    const d = this.dispatcher.stats();
    return { published: d.published, consumers: d.consumers, pool: d.pool, lag: this.lag?.stats() ?? null };
  }

  async close(): Promise<void> {
    this.dispatcher.close();
    this.lag?.stop();
    await this.pool?.close();
  }
}
