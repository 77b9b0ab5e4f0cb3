/**
 * Keeps one symbol's order book in sync by the venue's documented rules, checking continuity on
 * EVERY delta (not only the first after a snapshot):
 * - binance-spot: buffer deltas, fetch a REST snapshot (lastUpdateId L), drop deltas with u <= L;
 *   the first applied needs U <= L+1 <= u, each later one U <= prev u + 1 <= u (normally U == prev u + 1).
 * - binance-futures: drop u < L; the first applied needs U <= L <= u, each later one pu == prev u.
 * - bybit: a snapshot message resets the book; each delta needs u == prev u + 1.
 * A gap resyncs this symbol only: a BookResync event goes downstream, then a fresh snapshot.
 */
import type { BookDelta, BookResync, BookSnapshot } from '../model/events.js';
import { integrityDefaults } from '../config/defaults/integrity.js';
import { OrderBook } from './order-book.js';
import { realTimers, type IntegrityTimers } from './timers.js';

export type BookRules = 'binance-spot' | 'binance-futures' | 'bybit';

export type BookEvent = BookSnapshot | BookDelta | BookResync;

export interface BookSyncOptions {
  readonly venue: string;
  readonly symbol: string;
  readonly rules: BookRules;
  readonly emit: (e: BookEvent) => void;
  /** REST snapshot (Binance). */
  readonly fetchSnapshot?: (symbol: string) => Promise<BookSnapshot>;
  /** Bybit: ask the connection to resubscribe the book topic so the venue sends a new snapshot. */
  readonly requestResubscribe?: (symbol: string) => void;
  readonly onGiveUp?: (symbol: string, error: unknown) => void;
  readonly maxBufferedDeltas?: number;
  readonly retryDelayMs?: number;
  readonly maxSnapshotAttempts?: number;
  readonly timers?: IntegrityTimers;
}

export type BookSyncState = 'idle' | 'fetching' | 'synced' | 'awaiting_snapshot';

export interface BookSyncStats {
  deltasApplied: number;
  duplicatesDropped: number;
  gaps: number;
  resyncs: number;
  snapshots: number;
  snapshotFailures: number;
  staleSnapshots: number;
  droppedUnsynced: number;
  bufferOverflows: number;
}

export class BookSync {
  readonly book: OrderBook;
  private stateValue: BookSyncState = 'idle';
  private first = false;
  private buffer: BookDelta[] = [];
  private attempt = 0;
  private timer: unknown = null;
  private closed = false;
  private readonly waiters: (() => void)[] = [];
  private readonly s: BookSyncStats = { deltasApplied: 0, duplicatesDropped: 0, gaps: 0, resyncs: 0, snapshots: 0, snapshotFailures: 0, staleSnapshots: 0, droppedUnsynced: 0, bufferOverflows: 0 };
  private readonly timers: IntegrityTimers;

  constructor(private readonly opts: BookSyncOptions) {
    this.book = new OrderBook(opts.symbol);
    this.timers = opts.timers ?? realTimers;
  }

  get state(): BookSyncState {
    return this.stateValue;
  }

  stats(): BookSyncStats & { state: BookSyncState; buffered: number; lastUpdateId: number } {
    return { ...this.s, state: this.stateValue, buffered: this.buffer.length, lastUpdateId: this.book.lastUpdateId };
  }

  /** Resolves when no snapshot fetch is running or scheduled. */
  idle(): Promise<void> {
    return this.stateValue === 'fetching' ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.buffer = [];
    this.notifyIdle();
  }

  pushDelta(d: BookDelta): void {
    if (this.closed) return;
    switch (this.stateValue) {
      case 'idle':
        if (this.opts.rules === 'bybit') {
          this.s.droppedUnsynced++;
          return;
        }
        this.buffer.push(d);
        this.startFetch();
        return;
      case 'fetching':
        this.buffer.push(d);
        // Oldest go first: a snapshot newer than them makes them useless anyway.
        if (this.buffer.length > (this.opts.maxBufferedDeltas ?? integrityDefaults.maxBufferedDeltas)) {
          this.buffer.shift();
          this.s.bufferOverflows++;
        }
        return;
      case 'awaiting_snapshot':
        this.s.droppedUnsynced++;
        return;
      case 'synced':
        this.applyLive(d);
    }
  }

  /** A snapshot from the stream itself (Bybit), which replaces the book. */
  pushSnapshot(snap: BookSnapshot): void {
    if (this.closed) return;
    if (this.opts.rules !== 'bybit') {
      // Binance streams carry no full snapshot; treat one like a REST answer.
      this.onSnapshot(snap);
      return;
    }
    this.s.snapshots++;
    this.book.applySnapshot(snap.bids, snap.asks, snap.lastUpdateId);
    this.stateValue = 'synced';
    this.first = false;
    this.opts.emit(snap);
  }

  /**
   * Force a rebuild (e.g. the connection knows data was lost). `cause` (the delta that showed
   * the gap) gives the marker its times; without one the local clock is used.
   */
  resync(reason: string, cause?: { readonly eventTime: number; readonly receiveTime: number }, fetchNow = false): void {
    if (this.closed) return;
    this.s.resyncs++;
    const at = this.book.lastUpdateId;
    const now = cause === undefined ? Date.now() : 0;
    this.opts.emit({ type: 'book_resync', venue: this.opts.venue, symbol: this.opts.symbol, eventTime: cause?.eventTime ?? now, receiveTime: cause?.receiveTime ?? now, reason: `${reason} (book at update ${at})` });
    this.buffer = [];
    if (this.opts.rules === 'bybit') {
      this.stateValue = 'awaiting_snapshot';
      this.opts.requestResubscribe?.(this.opts.symbol);
    } else {
      this.stateValue = 'idle';
      // Without waiting for the next delta: a quiet symbol would otherwise keep a stale book.
      if (fetchNow) this.startFetch();
    }
  }

  /**
   * The stream carrying this book reconnected: updates were missed while it was down. A REST
   * book (Binance) is rebuilt at once; a stream-snapshot book (Bybit) gets the new snapshot the
   * resubscription brings by itself.
   */
  onReconnect(): void {
    if (this.closed || this.opts.rules === 'bybit' || this.stateValue !== 'synced') return;
    this.resync('reconnect', undefined, true);
  }

  private applyLive(d: BookDelta): void {
    const last = this.book.lastUpdateId;
    if (d.lastUpdateId <= last) {
      this.s.duplicatesDropped++;
      return;
    }
    let ok: boolean;
    switch (this.opts.rules) {
      case 'binance-spot':
        ok = d.firstUpdateId <= last + 1;
        break;
      case 'binance-futures':
        ok = d.prevUpdateId === last || (this.first && d.firstUpdateId <= last);
        break;
      case 'bybit':
        ok = d.lastUpdateId === last + 1;
        break;
    }
    if (!ok) {
      this.s.gaps++;
      const expect = this.opts.rules === 'binance-futures' ? `pu=${last}` : `U<=${last + 1}`;
      this.resync(`gap: expected ${expect}, got U=${d.firstUpdateId} u=${d.lastUpdateId}${d.prevUpdateId !== null ? ` pu=${d.prevUpdateId}` : ''}`, d);
      if (this.opts.rules !== 'bybit') this.pushDelta(d);
      return;
    }
    this.first = false;
    this.book.applyDelta(d.bids, d.asks, d.lastUpdateId);
    this.s.deltasApplied++;
    this.opts.emit(d);
  }

  private startFetch(): void {
    this.stateValue = 'fetching';
    const fetcher = this.opts.fetchSnapshot;
    if (fetcher === undefined) {
      this.giveUp(new Error('no snapshot fetcher configured'));
      return;
    }
    let p: Promise<BookSnapshot>;
    try {
      p = fetcher(this.opts.symbol);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (snap) => this.onSnapshot(snap),
      (err: unknown) => this.retryFetch(err),
    );
  }

  private retryFetch(err: unknown): void {
    if (this.closed) return;
    this.s.snapshotFailures++;
    this.attempt++;
    if (this.attempt >= (this.opts.maxSnapshotAttempts ?? integrityDefaults.maxSnapshotAttempts)) {
      this.giveUp(err);
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.startFetch();
    }, this.opts.retryDelayMs ?? integrityDefaults.retryDelayMs);
  }

  private giveUp(err: unknown): void {
    this.attempt = 0;
    this.buffer = [];
    this.stateValue = 'idle';
    this.opts.onGiveUp?.(this.opts.symbol, err);
    this.notifyIdle();
  }

  private onSnapshot(snap: BookSnapshot): void {
    if (this.closed) return;
    const L = snap.lastUpdateId;
    const futures = this.opts.rules === 'binance-futures';
    this.buffer = this.buffer.filter((d) => (futures ? d.lastUpdateId >= L : d.lastUpdateId > L));
    const head = this.buffer[0];
    // The snapshot is older than every buffered delta: the bridge is missing, fetch again.
    if (head !== undefined && (futures ? head.firstUpdateId > L : head.firstUpdateId > L + 1)) {
      this.s.staleSnapshots++;
      this.retryFetch(new Error(`snapshot ${L} older than first buffered delta U=${head.firstUpdateId}`));
      return;
    }
    this.attempt = 0;
    this.s.snapshots++;
    this.book.applySnapshot(snap.bids, snap.asks, L);
    this.stateValue = 'synced';
    this.first = true;
    this.opts.emit(snap);
    const pending = this.buffer;
    this.buffer = [];
    for (const d of pending) {
      if (this.stateValue !== 'synced') this.pushDelta(d);
      else this.applyLive(d);
    }
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.stateValue === 'fetching') return;
    for (const w of this.waiters.splice(0)) w();
  }
}
