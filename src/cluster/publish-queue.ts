/**
 * Collector side, between the feeds (synchronous, hot path) and the bus publisher (bounded
 * in-flight window, waits while NATS is away): a memory queue of up to `maxQueued` events and,
 * past it, the disk spool (BusSpool, opened on the first overflow). Once anything overflowed,
 * every newer event follows it to disk until the spool is drained, and spooled batches move back
 * into memory whenever it is below half: the publisher sees every event in arrival order.
 * Without a spool (spoolDir null, or it cannot open) the overflow is dropped and counted.
 */
import { existsSync } from 'node:fs';
import type { MarketEvent } from '../model/events.js';
import type { Logger } from '../observability/logger.js';
import { BusSpool, type BusSpoolStats } from './bus-spool.js';
import { errorText } from './errors.js';

export interface PublishQueueOptions {
  readonly maxQueued: number;
  /** Directory of this instance's spool; null = no disk spool. */
  readonly spoolDir: string | null;
  readonly spoolMaxBytes: number;
  readonly logger: Logger;
  /** The publisher's publish (resolves when it took the event), or null while there is none yet. */
  readonly publisher: () => ((e: MarketEvent) => Promise<void>) | null;
}

export interface PublishQueueStats {
  queued: number;
  maxQueued: number;
  /** Events lost: memory full without a spool, or the spool full or failing. */
  dropped: number;
  spool: BusSpoolStats | null;
}

export class PublishQueue {
  private readonly queue: MarketEvent[] = [];
  private pumping = false;
  private spool: BusSpool | null = null;
  private spoolDisabled = false;
  private replaying = false;
  private stopping = false;
  private roomWaiter: (() => void) | null = null;
  private dropped = 0;
  private maxSeen = 0;

  constructor(private readonly opts: PublishQueueOptions) {}

  /**
   * What a previous run spooled is not replayed: the memory queue (older events) died with that
   * run, so publishing the spool would put a hole before it into the stream. Each trade stream
   * resumes instead from the stream's last trade when the collector takes its shard (takeover
   * backfill), which covers both; non-trade events are state, not history. Returns how many.
   */
  async discardLeftover(): Promise<number> {
    if (this.opts.spoolDir === null || !existsSync(this.opts.spoolDir)) return 0;
    this.openSpool();
    if (this.spool === null) return 0;
    let n = 0;
    for (let b = await this.spool.take(); b !== null; b = await this.spool.take()) n += b.length;
    if (n > 0) this.opts.logger.warn({ events: n, dir: this.opts.spoolDir }, 'bus spool: discarded events a previous run spooled (takeover backfill re-fetches its trades from the stream)');
    return n;
  }

  add(e: MarketEvent): void {
    if (this.spool?.active || this.queue.length >= this.opts.maxQueued) {
      if (this.spool === null && this.opts.spoolDir !== null && !this.spoolDisabled) this.openSpool();
      if (this.spool === null) { this.dropped++; return; }
      if (!this.spool.active) this.opts.logger.warn({ memoryQueue: this.queue.length }, 'publish queue full (NATS away): spooling to disk');
      this.spool.add(e);
      this.replay();
      return;
    }
    this.push(e);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Nothing queued, spooled or being handed to the publisher. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.pumping && !this.spool?.active;
  }

  /** Starts handing queued events to the publisher (after it exists). */
  kick(): void {
    if (!this.pumping && this.queue.length > 0) void this.pump();
  }

  stats(): PublishQueueStats {
    const spool = this.spool?.stats() ?? null;
    return { queued: this.queue.length, maxQueued: this.maxSeen, dropped: this.dropped + (spool?.dropped ?? 0), spool };
  }

  /** Waits (bounded) until idle; what is still spooled then is not published (see discardLeftover). */
  async close(untilMs: number): Promise<void> {
    while (!this.idle && Date.now() < untilMs) await new Promise((r) => setTimeout(r, 10));
    this.stopping = true;
    this.wakeReplay();
    await this.spool?.close();
  }

  private push(e: MarketEvent): void {
    this.queue.push(e);
    if (this.queue.length > this.maxSeen) this.maxSeen = this.queue.length;
    if (!this.pumping) void this.pump();
  }

  private openSpool(): void {
    const dir = this.opts.spoolDir!;
    try {
      this.spool = new BusSpool({ dir, maxBytes: this.opts.spoolMaxBytes, logger: this.opts.logger });
      this.opts.logger.info({ dir }, 'bus spool open');
    } catch (err) {
      this.opts.logger.error({ dir, err: errorText(err) }, 'bus spool cannot open; overflow is dropped');
      this.spoolDisabled = true; // not retried on every event
    }
  }

  /** Spooled batches back into memory whenever it is below half, oldest first, until the spool is empty. */
  private replay(): void {
    if (this.replaying || this.spool === null) return;
    this.replaying = true;
    const spool = this.spool;
    void (async () => {
      try {
        while (spool.active && !this.stopping) {
          if (this.queue.length > this.opts.maxQueued >> 1) { await new Promise<void>((r) => { this.roomWaiter = r; }); continue; }
          const batch = await spool.take();
          if (batch === null) { if (spool.active) await new Promise((r) => setImmediate(r)); continue; }
          for (const e of batch) this.push(e);
        }
      } catch (err) {
        this.opts.logger.error({ err: errorText(err) }, 'bus spool replay stopped');
      } finally {
        this.replaying = false;
      }
    })();
  }

  private wakeReplay(): void {
    const w = this.roomWaiter;
    this.roomWaiter = null;
    w?.();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let publish = this.opts.publisher(); this.queue.length > 0 && publish !== null; publish = this.opts.publisher()) {
        await publish(this.queue.shift()!);
        if (this.roomWaiter !== null && this.queue.length <= this.opts.maxQueued >> 1) this.wakeReplay();
      }
    } catch (err) {
      this.opts.logger.error({ err: errorText(err) }, 'cluster publish loop stopped');
    } finally {
      this.pumping = false;
    }
  }
}
