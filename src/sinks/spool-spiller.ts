/**
 * Moves a supervised sink's memory queue into its spool, off the event loop: one spill at a time
 * (group commit: what arrives meanwhile goes in the next spill), in batch-sized chunks written
 * together (one fsync). A spill that fails puts its records back at the head of the queue, in
 * order. When the spool refuses (full, or a write failed) `full` is raised and the queue is held
 * to maxQueueRecords; while a spill is being written the queue may grow to maxSpillBacklogRecords
 * (a stalled disk). Beyond either bound, repeats of a row are first collapsed to their newest
 * revision (lossless: every sink keeps the highest revision per key), and only then are the
 * newest records dropped. Every collapse and every drop is counted.
 */
import type { Logger } from '../observability/logger.js';
import { errorMessage, SpoolFullError } from './errors.js';
import { coalesceByKey } from './record-key.js';
import type { SinkRecord } from './sink.js';
import type { Spool } from './spool/spool.js';

/** The queue a spiller shares with its sink's writer loop (both replace `items`). */
export interface RecordQueue { items: SinkRecord[] }

export interface SpoolSpillerDeps {
  readonly spool: Spool;
  readonly queue: RecordQueue;
  readonly log: Logger;
  readonly maxBatchRecords: number;
  readonly maxQueueRecords: number;
  readonly maxSpillBacklogRecords: number;
  /** The sink's counters, updated in place. */
  readonly counters: { spooledRecords: number; droppedRecords: number; coalescedRecords: number };
  /** Spills scheduled for the end of a turn still apply (spool mode, not closed). */
  readonly active: () => boolean;
  /** `full` was raised. */
  readonly onFull: () => void;
  /** A spill ended: waiters for flush may be released. */
  readonly onSettled: () => void;
}

export class SpoolSpiller {
  /** The spool refused a batch; lowered by the next spill that is accepted whole. */
  full = false;
  /** Records handed to the spool whose write has not completed yet (neither queued nor durable). */
  inFlightRecords = 0;
  /** The spill running now, if any. */
  running: Promise<void> | null = null;
  private again = false;
  private scheduled = false;
  private slowDiskLogged = false;
  private passWaiters: (() => void)[] = [];
  /** Queue length right after the last collapse of repeats (trim). */
  private coalescedAt = 0;

  constructor(private readonly d: SpoolSpillerDeps) {}

  /** Records were queued in spool mode: bound the backlog behind a slow spill, then spill now (queue full) or at the end of this turn. */
  queued(): void {
    const q = this.d.queue;
    if (this.running && q.items.length > this.d.maxSpillBacklogRecords) {
      // The spool's disk has not finished the last spill while this many records arrived (a
      // stalled disk, or a backfill burst amending the same windows): first collapse repeats of a
      // row to its newest revision (what the sink would store anyway: nothing is lost), and only
      // if that is not enough, keep memory bounded by dropping the newest records, counted.
      if (this.trim(this.d.maxSpillBacklogRecords) > 0 && !this.slowDiskLogged) {
        this.slowDiskLogged = true;
        this.d.log.error({ queueRecords: q.items.length }, 'spool disk cannot keep up: records dropped');
      }
    }
    if (q.items.length >= this.d.maxQueueRecords) void this.spill();
    else this.schedule();
  }

  /** Moves the queue into the spool; joins a spill already running (which then runs once more). */
  spill(): Promise<void> {
    this.again = true;
    this.running ??= (async () => {
      while (this.again) {
        this.again = false;
        await this.moveQueueToSpool();
        if (this.full) this.trim();
        const w = this.passWaiters; this.passWaiters = []; for (const f of w) f();
      }
    })().finally(() => {
      this.running = null;
      const w = this.passWaiters; this.passWaiters = []; for (const f of w) f();
      this.d.onSettled();
    });
    return this.running;
  }

  /**
   * Resolves when the spill pass running now has ended (at once when none runs). The replayer
   * waits for this, not for `running`: under steady pushes in spool mode the spiller runs pass
   * after pass, and waiting for all of them starved the replayer for as long as the load lasted.
   */
  passEnded(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.passWaiters.push(resolve));
  }

  /**
   * Keeps memory bounded (the spool refuses, or its disk stalls): repeats of a row are first
   * collapsed to their newest revision (nothing the sink would store is lost); when the queue is
   * still above the cap, the newest records beyond it are dropped and counted. The O(n) collapse
   * runs again only once the queue has grown by half the cap since the last one (amortized O(1)
   * per record however long the stall). Returns how many were dropped.
   */
  trim(limit = this.d.maxQueueRecords): number {
    const q = this.d.queue;
    if (q.items.length <= limit) return 0;
    if (q.items.length >= this.coalescedAt + limit / 2 || q.items.length < this.coalescedAt) {
      const before = q.items.length;
      q.items = coalesceByKey(q.items);
      this.coalescedAt = q.items.length;
      this.d.counters.coalescedRecords += before - q.items.length;
    }
    const over = q.items.length - limit;
    if (over <= 0) return 0;
    q.items.length = limit;
    this.coalescedAt = limit;
    this.d.counters.droppedRecords += over;
    return over;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.d.active()) void this.spill();
    });
  }

  /**
   * Hands every queued record to the spool in batch-sized chunks (written together: one fsync),
   * stopping at the first refusal. Chunks whose write failed return to the head of the queue.
   */
  private async moveQueueToSpool(): Promise<void> {
    const { queue: q, spool, maxBatchRecords } = this.d;
    const sent: { chunk: SinkRecord[]; written: Promise<void> }[] = [];
    let refused: unknown = null;
    // Take the whole queue at once (one pass, no per-chunk splice of a long array).
    const all = q.items;
    q.items = [];
    let i = 0;
    for (; i < all.length; i += maxBatchRecords) {
      const chunk = all.slice(i, i + maxBatchRecords);
      try {
        sent.push({ chunk, written: spool.append(chunk) });
      } catch (err) {
        refused = err;
        break;
      }
      this.inFlightRecords += chunk.length;
    }
    if (i < all.length) q.items = all.slice(i); // refused: the rest stays queued, in order
    const results = await Promise.allSettled(sent.map((x) => x.written));
    const back: SinkRecord[] = [];
    results.forEach((r, i) => {
      const { chunk } = sent[i]!;
      this.inFlightRecords -= chunk.length;
      if (r.status === 'fulfilled') this.d.counters.spooledRecords += chunk.length;
      else { refused ??= r.reason; for (const x of chunk) back.push(x); }
    });
    if (back.length > 0) q.items = back.concat(q.items);
    if (refused !== null) { this.refused(refused); return; }
    this.slowDiskLogged = false;
    if (this.full) { this.full = false; this.d.log.info('spool has room again'); }
  }

  private refused(err: unknown): void {
    if (this.full) return;
    this.full = true;
    this.d.log.error({ err: errorMessage(err), code: err instanceof SpoolFullError ? err.code : 'E_SPOOL_IO' }, 'spool refused a batch: records wait in memory, then are dropped');
    this.d.onFull();
  }
}
