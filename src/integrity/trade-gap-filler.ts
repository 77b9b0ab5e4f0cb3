/**
 * Gap-free trade stream for one (symbol, id sequence). Live trades pass straight through while
 * ids are contiguous. A gap (or a reconnect) starts one backfill of exactly the missing ids via
 * the injected fetcher; live trades arriving meanwhile are buffered (bounded, keyed by id), and
 * once the backfill lands everything is released in id order with duplicates dropped. When the
 * buffer is full, newer live trades are dropped: they are refetched when the next gap shows.
 */
import type { Trade } from '../model/events.js';
import { integrityDefaults } from '../config/defaults/integrity.js';
import { realTimers, type IntegrityTimers } from './timers.js';

/** Fetch trades with ids fromId..toId (toId null: up to the newest); `source` is the live stream's. */
export type FetchTrades = (symbol: string, fromId: number, toId: number | null, source: string) => Promise<readonly Trade[]>;

export interface TradeGapFillerOptions {
  readonly symbol: string;
  readonly source: string;
  readonly fetchTrades?: FetchTrades;
  readonly emit: (t: Trade) => void;
  /** A gap could not be filled after maxAttempts; trades after it are released anyway. */
  readonly onUnfilled?: (from: number, to: number | null, error: unknown) => void;
  readonly maxBuffered?: number;
  readonly retryDelayMs?: number;
  readonly maxAttempts?: number;
  readonly timers?: IntegrityTimers;
  /**
   * Last id delivered before a restart (from storage): the first live trade then backfills
   * everything after it, so a restarted gateway leaves no hole. Ignored when the hole is larger
   * than maxResumeTrades (reported through onUnfilled instead of fetching for hours).
   */
  readonly resumeAfterId?: number | null;
  readonly maxResumeTrades?: number;
}

export interface TradeGapFillerStats {
  gapsDetected: number;
  /** Detected gaps closed by a backfill. */
  gapsFilled: number;
  /** Catch-up fetches after a reconnect that completed. */
  reconnectBackfills: number;
  gapsUnfilled: number;
  tradesBackfilled: number;
  duplicatesDropped: number;
  overflowDropped: number;
  fetches: number;
  fetchFailures: number;
  buffered: number;
}

export class TradeGapFiller {
  private last: number | null = null;
  private busy = false;
  private reconnectPending = false;
  private closed = false;
  /** The running backfill started from a detected gap (not only a reconnect). */
  private gapOpen = false;
  private timer: unknown = null;
  private readonly buffer = new Map<number, Trade>();
  private readonly waiters: (() => void)[] = [];
  private readonly s: TradeGapFillerStats = { gapsDetected: 0, gapsFilled: 0, reconnectBackfills: 0, gapsUnfilled: 0, tradesBackfilled: 0, duplicatesDropped: 0, overflowDropped: 0, fetches: 0, fetchFailures: 0, buffered: 0 };
  private readonly maxBuffered: number;
  private readonly retryDelayMs: number;
  private readonly maxAttempts: number;
  private readonly timers: IntegrityTimers;

  private resumeAfter: number | null;

  constructor(private readonly opts: TradeGapFillerOptions) {
    this.resumeAfter = opts.resumeAfterId ?? null;
    this.maxBuffered = opts.maxBuffered ?? integrityDefaults.maxBufferedTrades;
    this.retryDelayMs = opts.retryDelayMs ?? integrityDefaults.retryDelayMs;
    this.maxAttempts = opts.maxAttempts ?? integrityDefaults.maxFetchAttempts;
    this.timers = opts.timers ?? realTimers;
  }

  /** Last id delivered downstream (null before the first trade). */
  lastId(): number | null {
    return this.last;
  }

  push(t: Trade): void {
    if (this.closed) return;
    const id = t.seq;
    if (id === null) {
      this.opts.emit(t);
      return;
    }
    if (this.resumeAfter !== null) this.applyResume(id);
    if (this.last !== null && id <= this.last) {
      this.s.duplicatesDropped++;
      return;
    }
    if (this.busy) {
      if (this.buffer.has(id)) this.s.duplicatesDropped++;
      else if (this.buffer.size >= this.maxBuffered) this.s.overflowDropped++;
      else this.buffer.set(id, t);
      return;
    }
    if (this.last === null || id === this.last + 1) {
      this.deliver(t);
      return;
    }
    this.s.gapsDetected++;
    this.gapOpen = true;
    this.buffer.set(id, t);
    this.fetch(this.last + 1, id - 1, 0);
  }

  /** First live trade after a restart: continue from the stored id when the hole is fetchable. */
  private applyResume(firstLiveId: number): void {
    const after = this.resumeAfter!;
    this.resumeAfter = null;
    if (this.last !== null || firstLiveId <= after + 1) return;
    const missing = firstLiveId - after - 1;
    if (missing > (this.opts.maxResumeTrades ?? integrityDefaults.maxResumeTrades)) {
      this.s.gapsUnfilled++;
      this.opts.onUnfilled?.(after + 1, firstLiveId - 1, new Error(`${missing} trades missed while stopped: more than maxResumeTrades, not fetched`));
      return;
    }
    this.last = after;
  }

  /** The live stream reconnected: fetch everything after the last delivered id. */
  onReconnect(): void {
    if (this.closed || this.last === null) return;
    if (this.busy) {
      this.reconnectPending = true;
      return;
    }
    this.fetch(this.last + 1, null, 0);
  }

  /** Resolves when no backfill is running or scheduled. */
  idle(): Promise<void> {
    return this.busy ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }

  stats(): TradeGapFillerStats {
    return { ...this.s, buffered: this.buffer.size };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.buffer.clear();
    this.setIdle();
  }

  private deliver(t: Trade): void {
    this.last = t.seq;
    this.opts.emit(t);
  }

  private fetch(from: number, to: number | null, attempt: number): void {
    this.busy = true;
    const fetcher = this.opts.fetchTrades;
    if (fetcher === undefined) {
      this.giveUp(from, to, new Error('no trade fetcher configured'));
      return;
    }
    this.s.fetches++;
    let p: Promise<readonly Trade[]>;
    try {
      p = fetcher(this.opts.symbol, from, to, this.opts.source);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (rows) => this.merge(rows, to, attempt),
      (err: unknown) => {
        if (this.closed) return;
        this.s.fetchFailures++;
        this.retry(from, to, attempt + 1, err);
      },
    );
  }

  private merge(rows: readonly Trade[], to: number | null, attempt: number): void {
    if (this.closed) return;
    const before = this.last!;
    const sorted = rows.filter((r) => r.seq !== null).slice().sort((a, b) => a.seq! - b.seq!);
    for (const r of sorted) {
      const id = r.seq!;
      if (id <= this.last!) continue;
      const live = this.buffer.get(id);
      if (id !== this.last! + 1) break; // a hole in the venue's answer: fetched again below
      if (live !== undefined) this.buffer.delete(id);
      else this.s.tradesBackfilled++;
      this.deliver(live ?? r);
    }
    this.drainBuffer();
    const next = this.nextMissing(to);
    if (next === null) {
      if (this.gapOpen) this.s.gapsFilled++;
      else this.s.reconnectBackfills++;
      this.finish();
      return;
    }
    // Progress resets the attempt count; none means the venue does not have the ids (yet).
    const progressed = this.last! > before;
    if (progressed) this.fetch(next.from, next.to, 0);
    else this.retry(next.from, next.to, attempt + 1, new Error(`ids ${next.from}..${next.to ?? 'latest'} not returned`));
  }

  /** The range still missing after a merge, or null when the stream is whole. */
  private nextMissing(to: number | null): { from: number; to: number | null } | null {
    const last = this.last!;
    let minBuffered = Infinity;
    for (const id of this.buffer.keys()) if (id < minBuffered) minBuffered = id;
    if (minBuffered !== Infinity) return { from: last + 1, to: minBuffered - 1 };
    if (to !== null && last < to) return { from: last + 1, to };
    return null;
  }

  private drainBuffer(): void {
    for (const id of [...this.buffer.keys()]) {
      if (id <= this.last!) {
        this.buffer.delete(id);
        this.s.duplicatesDropped++;
      }
    }
    for (let t = this.buffer.get(this.last! + 1); t !== undefined; t = this.buffer.get(this.last! + 1)) {
      this.buffer.delete(t.seq!);
      this.deliver(t);
    }
  }

  private retry(from: number, to: number | null, attempt: number, err: unknown): void {
    if (attempt >= this.maxAttempts) {
      this.giveUp(from, to, err);
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.fetch(from, to, attempt);
    }, this.retryDelayMs);
  }

  /** Report the hole and release what is buffered, in order, so the stream keeps flowing. */
  private giveUp(from: number, to: number | null, err: unknown): void {
    this.s.gapsUnfilled++;
    this.opts.onUnfilled?.(from, to, err);
    const ids = [...this.buffer.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const t = this.buffer.get(id)!;
      this.buffer.delete(id);
      if (this.last === null || id > this.last) this.deliver(t);
    }
    this.finish();
  }

  private finish(): void {
    this.busy = false;
    this.gapOpen = false;
    if (this.reconnectPending) {
      this.reconnectPending = false;
      this.onReconnect();
      if (this.busy) return;
    }
    this.setIdle();
  }

  private setIdle(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
