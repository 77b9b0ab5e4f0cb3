/**
 * Collector side: a disk overflow behind the in-memory publish queue, for a NATS outage longer
 * than the memory queue holds. Built on the sinks' write-ahead spool (src/sinks/spool, used as a
 * library: segment files of framed JSON batches, group commit off the event loop, size cap).
 *
 * Order: once anything overflowed, every newer event goes to the spool too, until it is drained,
 * so the bus sees memory (older) then the spool's batches (in append order) then the rest.
 * Events are batched (up to BATCH_EVENTS, or what arrived in one turn) into one append.
 * A batch taken back (take) is acked once the caller queued it in memory: like the memory queue
 * itself it is lost on kill -9 while not yet published. The spool bridges an outage within one
 * run; what a previous run left is the caller's to discard (see ClusterWiring).
 */
import type { MarketEvent } from '../model/events.js';
import type { SinkRecord } from '../sinks/sink.js';
import { Spool, type FsyncPolicy } from '../sinks/spool/spool.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { errorText } from './errors.js';

/** Events per spool append at most (one framed record each). */
const BATCH_EVENTS = 1_000;

export interface BusSpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly fsync?: FsyncPolicy;
  readonly logger?: Logger;
}

export interface BusSpoolStats {
  /** Events written to the spool. */
  spooled: number;
  /** Events taken back out of it towards the bus. */
  replayed: number;
  /** Events lost: the spool was full (its cap) or a write failed. */
  dropped: number;
  /** Events in the spool now (written or being written). */
  depth: number;
}

export class BusSpool {
  private readonly spool: Spool;
  private pending: MarketEvent[] = [];
  private flushScheduled = false;
  private readonly log: Logger;
  private readonly counters: BusSpoolStats = { spooled: 0, replayed: 0, dropped: 0, depth: 0 };

  constructor(private readonly opts: BusSpoolOptions) {
    this.log = (opts.logger ?? silentLogger()).child({ part: 'bus-spool' });
    this.spool = Spool.open({ dir: opts.dir, maxBytes: opts.maxBytes, fsync: opts.fsync ?? 'interval', onIssue: (i) => this.log.warn({ issue: i }, 'bus spool: damaged record skipped') });
    this.counters.depth = this.spool.depth().rows;
  }

  /** True while anything is spooled or waiting to be: newer events must follow them here. */
  get active(): boolean {
    return this.counters.depth > 0 || this.pending.length > 0;
  }

  add(e: MarketEvent): void {
    this.pending.push(e);
    this.counters.depth++;
    if (this.pending.length >= BATCH_EVENTS) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => { this.flushScheduled = false; this.flush(); });
    }
  }

  /** The oldest spooled batch, removed from the spool (null: nothing spooled). */
  async take(): Promise<MarketEvent[] | null> {
    this.flush();
    const batch = await this.spool.peek();
    if (batch === null) return null;
    this.spool.ack(batch);
    this.counters.depth -= batch.rows;
    this.counters.replayed += batch.rows;
    // The spool stores JSON batches of whatever it is given: these are the events appended below.
    return batch.records as unknown as MarketEvent[];
  }

  stats(): Readonly<BusSpoolStats> {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    this.flush();
    await this.spool.close();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      // Stored as JSON like sink records; MarketEvents are plain JSON objects (decimal strings).
      // Appends land in order; take() (the spool's peek) waits for those still being written.
      this.spool.append(batch as unknown as SinkRecord[]).then(() => { this.counters.spooled += batch.length; }, (err: unknown) => this.lost(batch.length, err));
    } catch (err) {
      this.lost(batch.length, err); // full (SpoolFullError) or closed: thrown before anything was queued
    }
  }

  private lost(n: number, err: unknown): void {
    this.counters.dropped += n;
    this.counters.depth -= n;
    this.log.error({ events: n, err: errorText(err) }, 'bus spool: events lost (spool full or write failed)');
  }
}
