/**
 * Gap-free trade stream for one (symbol, numeric id sequence). Live trades pass straight through
 * while ids are contiguous. A gap, a reconnect or a restart's resume point starts one backfill
 * episode: the missing ids are fetched as a stream of pages (the fetcher bounds the pages in
 * flight) and each page is delivered as it lands, merged with the live trades buffered meanwhile
 * in id order (the live copy wins, duplicates dropped). Memory is pages in flight x page size +
 * maxBuffered, whatever the outage length: when the buffer is full newer live trades are
 * dropped and refetched by continuing the backfill up to the newest live id seen.
 *
 * In-band markers, in order with the trades: StreamState 'behind' once per episode (disconnect,
 * gap, reconnect, resume) and 'whole' when every id up to the live one was delivered or the hole
 * declared. A hole that cannot be recovered (beyond maxResumeTrades, older than the venue's
 * history, attempts exhausted, no fetcher) is declared with a TradeGap before the first trade
 * after it; the stream then goes on.
 */
import type { Trade } from '../model/events.js';
import { integrityDefaults } from '../config/defaults/integrity.js';
import { realTimers } from './timers.js';
import { RetryWait } from './retry-wait.js';
import { BackfillEpisode } from './backfill-episode.js';
import { LiveTradeBuffer } from './live-trade-buffer.js';
import { StreamMarkers } from './stream-markers.js';
import type { FetchTrades, FillerEvent, TradeGapFillerOptions, TradeGapFillerStats, TradeGapReason, TradePage } from './trade-backfill-types.js';

export type { BackfillProgress, FetchTrades, FillerEvent, TradeGapFillerOptions, TradeGapFillerStats, TradeGapReason, TradePage } from './trade-backfill-types.js';

export class TradeGapFiller {
  private last: number | null = null;
  /** Venue time of the last delivered trade: the position markers carry. */
  private lastTime = 0;
  private busy = false;
  private closed = false;
  /** The connection carrying the stream is down: it cannot be whole until it is back. */
  private disconnected = false;
  /** An open-ended range must reach the venue's newest trade (or a live trade after the reconnect). */
  private openPending = false;
  private liveSinceReconnect = false;
  /** Newest live id seen, including ones dropped by a full buffer (they are refetched). */
  private liveHigh: number | null = null;
  /** A hole with an unknown end was declared: the next live trade continues the stream. */
  private acceptNext = false;
  /** The running episode started from a detected gap (not only a reconnect). */
  private gapOpen = false;
  private declaredInEpisode = false;
  private rangeTo: number | null = null;
  private episode: BackfillEpisode | null = null;
  private readonly retryWait: RetryWait;
  private readonly buffer: LiveTradeBuffer;
  private readonly markers: StreamMarkers;
  private readonly waiters: (() => void)[] = [];
  private readonly s: TradeGapFillerStats = {
    gapsDetected: 0, gapsFilled: 0, reconnectBackfills: 0, gapsUnfilled: 0, idsDeclaredMissing: 0, tradesBackfilled: 0, duplicatesDropped: 0,
    overflowDropped: 0, fetches: 0, fetchFailures: 0, pages: 0, tradesFetched: 0, buffered: 0, peakBuffered: 0, backfilling: 0, idsRemaining: 0,
    tradesPerSec: 0, behind: 0, behindEpisodes: 0, internalErrors: 0,
  };
  private readonly venue: string;
  private readonly retryDelayMs: number;
  private readonly maxAttempts: number;
  private readonly progressIntervalMs: number;
  private readonly now: () => number;
  private resumeAfter: number | null;

  constructor(private readonly opts: TradeGapFillerOptions) {
    this.venue = opts.venue ?? 'unknown';
    this.resumeAfter = opts.resumeAfterId ?? null;
    this.buffer = new LiveTradeBuffer(opts.maxBuffered ?? integrityDefaults.maxBufferedTrades);
    this.retryDelayMs = opts.retryDelayMs ?? integrityDefaults.retryDelayMs;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? integrityDefaults.maxFetchAttempts);
    this.progressIntervalMs = opts.progressIntervalMs ?? integrityDefaults.backfillProgressLogIntervalMs;
    this.retryWait = new RetryWait(opts.timers ?? realTimers);
    this.now = opts.now ?? Date.now;
    this.markers = new StreamMarkers({ venue: this.venue, symbol: opts.symbol, source: opts.source, emit: opts.emit, now: this.now });
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
    if (this.resumeAfter !== null) this.applyResume(t, id);
    if (this.liveHigh === null || id > this.liveHigh) this.liveHigh = id;
    this.liveSinceReconnect = true;
    // Live data flows again (a new socket's first frames can precede its 'reconnected' event).
    this.disconnected = false;
    if (this.last !== null && id <= this.last) {
      this.s.duplicatesDropped++;
      return;
    }
    if (this.busy) {
      if (this.buffer.has(id)) this.s.duplicatesDropped++;
      else if (!this.buffer.hold(id, t)) this.s.overflowDropped++; // refetched: the episode runs up to liveHigh
      else if (id === this.last! + 1) this.retryWait.wake();
      return;
    }
    if (this.last === null || id === this.last + 1 || this.acceptNext) {
      this.acceptNext = false;
      this.deliver(t);
      // Contiguous live data while behind from a disconnect (no backfill running): whole again.
      this.markWhole();
      return;
    }
    this.s.gapsDetected++;
    this.gapOpen = true;
    this.buffer.put(id, t);
    this.markers.markBehind('gap', this.lastTime);
    this.start();
  }

  /** First live trade after a restart: continue from the stored id when the hole is fetchable. */
  private applyResume(t: Trade, firstLiveId: number): void {
    const after = this.resumeAfter!;
    this.resumeAfter = null;
    if (this.last !== null || firstLiveId <= after + 1) return;
    const missing = firstLiveId - after - 1;
    const max = this.opts.maxResumeTrades ?? integrityDefaults.maxResumeTrades;
    this.lastTime = t.eventTime;
    if (missing > max) {
      // The rebuild range after..storedThrough is already stored: not part of the hole.
      const from = Math.max(after, Math.min(this.opts.resumeStoredThroughId ?? after, firstLiveId - 1)) + 1;
      if (from <= firstLiveId - 1) {
        this.declare(from, firstLiveId - 1, 'max_resume_exceeded', new Error(`${firstLiveId - from} trades missed while stopped: more than maxResumeTrades (${max}), not fetched`), t.eventTime);
      }
      this.last = firstLiveId - 1;
      return;
    }
    this.last = after;
    this.markers.markBehind('resume', this.lastTime);
  }

  /** The connection carrying this stream went down: the stream is behind until it is back and caught up. */
  onDisconnect(): void {
    if (this.closed || this.last === null) return;
    this.disconnected = true;
    this.liveSinceReconnect = false;
    this.markers.markBehind('disconnected', this.lastTime);
  }

  /** The live stream reconnected: fetch everything after the last delivered id. */
  onReconnect(): void {
    if (this.closed || this.last === null) return;
    this.disconnected = false;
    this.openPending = true;
    this.liveSinceReconnect = false;
    this.markers.markBehind('reconnect', this.lastTime);
    if (this.busy) this.retryWait.wake();
    else this.start();
  }

  /** Resolves when no backfill is running or scheduled. */
  idle(): Promise<void> {
    return this.busy ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }

  stats(): TradeGapFillerStats {
    const e = this.episode;
    return {
      ...this.s, buffered: this.buffer.size, peakBuffered: this.buffer.peak, backfilling: this.busy ? 1 : 0, behind: this.markers.behind ? 1 : 0,
      behindEpisodes: this.markers.behindEpisodes,
      idsRemaining: this.busy ? this.remaining() ?? 0 : 0, tradesPerSec: e ? e.rate(this.now()) : 0,
    };
  }

  close(): void {
    this.closed = true;
    this.retryWait.wake();
    this.buffer.clear();
    this.busy = false;
    this.setIdle();
  }

  private deliver(t: Trade): void {
    this.last = t.seq;
    this.lastTime = t.eventTime;
    this.opts.emit(t);
  }

  private declare(fromId: number, toId: number | null, reason: TradeGapReason, err: unknown, nextTime?: number): void {
    this.s.gapsUnfilled++;
    if (toId !== null) this.s.idsDeclaredMissing += toId - fromId + 1;
    this.declaredInEpisode = true;
    const gap = this.markers.gap(fromId, toId, reason, err, nextTime ?? this.lastTime);
    this.opts.onDeclared?.(gap, err);
  }

  private start(): void {
    if (this.busy || this.closed) return;
    this.busy = true;
    this.acceptNext = false;
    this.episode = new BackfillEpisode(this.last! + 1, this.now(), this.progressIntervalMs);
    // Never an unhandled rejection: a throwing consumer ends the episode (counted), the stream stays usable.
    this.run().catch(() => {
      this.s.internalErrors++;
      // Held live trades are let go: the next live trade shows the gap and they are refetched.
      this.s.overflowDropped += this.buffer.size;
      this.buffer.clear();
      this.busy = false;
      this.episode = null;
      this.setIdle();
    });
  }

  /** Every id up to the newest live one delivered, nothing buffered, and the venue's end reached after a reconnect. */
  private caughtUp(): boolean {
    if (this.buffer.size > 0 || this.disconnected) return false;
    if (this.liveHigh !== null && this.last! < this.liveHigh) return false;
    return !this.openPending || this.liveSinceReconnect;
  }

  /** The next ids to fetch: up to the oldest buffered live trade, else to the newest live id, else open-ended. */
  private nextRange(): { from: number; to: number | null } {
    const from = this.last! + 1;
    const min = this.buffer.min();
    if (min !== undefined) return { from, to: min - 1 };
    if (this.liveHigh !== null && this.liveHigh >= from && !this.openPending) return { from, to: this.liveHigh };
    return { from, to: null };
  }

  private remaining(): number | null {
    const target = Math.max(this.liveHigh ?? -Infinity, this.rangeTo ?? -Infinity);
    if (!Number.isFinite(target) || (this.openPending && !this.liveSinceReconnect)) return null;
    return Math.max(0, target - this.last!);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    for (;;) {
      if (this.closed) return;
      this.drainBuffer();
      if (this.caughtUp()) break;
      if (this.disconnected && this.buffer.size === 0 && (this.liveHigh === null || this.last! >= this.liveHigh)) {
        // Nothing known to fetch until the connection is back; onReconnect restarts.
        this.finish();
        return;
      }
      const range = this.nextRange();
      const fetcher = this.opts.fetchTrades;
      if (fetcher === undefined) {
        this.giveUp('no_fetcher', new Error('no trade fetcher configured'));
        return;
      }
      const before = this.last!;
      let ended = false;
      let error: unknown = null;
      this.rangeTo = range.to;
      this.s.fetches++;
      try {
        ended = await this.consume(fetcher(this.opts.symbol, range.from, range.to, this.opts.source), range.from);
      } catch (err) {
        error = err;
        this.s.fetchFailures++;
      }
      if (this.closed) return;
      if (ended && range.to === null) this.openPending = false;
      const progressed = this.last! > before || (ended && range.to === null);
      if (error === null && progressed) {
        attempt = 0;
        continue;
      }
      attempt = progressed ? 1 : attempt + 1;
      if (attempt >= this.maxAttempts) {
        this.giveUp('backfill_failed', error ?? new Error(`ids ${this.last! + 1}..${range.to ?? 'latest'} not returned after ${attempt} attempts`));
        return;
      }
      await this.retryWait.sleep(this.retryDelayMs);
    }
    this.finish();
  }

  /** Merges a range's pages as they land; true when the range ended by itself (not cut short). */
  private async consume(pages: AsyncIterable<TradePage>, from: number): Promise<boolean> {
    for await (const page of pages) {
      if (this.closed) return false;
      if (!this.merge(page, from)) return false;
      if (this.caughtUp()) return false;
    }
    return true;
  }

  /** Delivers one page in id order with the buffered live trades; false when the page skipped ids (fetched again). */
  private merge(page: TradePage, from: number): boolean {
    this.s.pages++;
    this.s.tradesFetched += page.trades.length;
    this.episode!.page(page.trades.length);
    const m = page.missing;
    if (m && m.toId > this.last!) {
      const min = this.buffer.min();
      const to = min !== undefined ? Math.min(m.toId, min - 1) : m.toId;
      const start = Math.max(m.fromId, this.last! + 1);
      if (start <= to) {
        this.declare(start, to, 'history_window_exceeded', new Error(`ids ${start}..${to} are older than the venue's trade history (asked from ${from})`), page.trades[0]?.eventTime);
        this.last = to;
        this.drainBuffer();
      }
    }
    let rows = page.trades;
    for (let i = 1; i < rows.length; i++) {
      if ((rows[i]!.seq ?? 0) < (rows[i - 1]!.seq ?? 0)) {
        rows = [...rows].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
        break;
      }
    }
    let aligned = true;
    for (const r of rows) {
      const id = r.seq;
      if (id === null || id <= this.last!) continue;
      if (id !== this.last! + 1) {
        aligned = false;
        break;
      }
      const live = this.buffer.take(id);
      if (live !== undefined) {
        this.deliver(live);
      } else {
        this.s.tradesBackfilled++;
        this.deliver(r);
      }
    }
    this.drainBuffer();
    this.progress(false);
    return aligned;
  }

  private drainBuffer(): void {
    for (let t = this.buffer.take(this.last! + 1); t !== undefined; t = this.buffer.take(this.last! + 1)) this.deliver(t);
  }

  private progress(done: boolean): void {
    const e = this.episode;
    const cb = this.opts.onProgress;
    if (e === null || cb === undefined) return;
    const now = this.now();
    if (!e.reportDue(now, done)) return;
    cb({
      symbol: this.opts.symbol, source: this.opts.source, fromId: e.fromId, lastId: this.last, idsRemaining: done ? 0 : this.remaining(),
      tradesFetched: e.fetched, pages: e.pages, tradesPerSec: e.rate(now), elapsedMs: now - e.startedAt, buffered: this.buffer.size,
    }, done);
  }

  /**
   * Recovery is impossible: declare every hole still open in order (up to each buffered live
   * run, then up to the newest live id, or open-ended), releasing the buffered trades between.
   */
  private giveUp(reason: TradeGapReason, err: unknown): void {
    for (;;) {
      this.drainBuffer();
      const min = this.buffer.min();
      if (min !== undefined) {
        this.declare(this.last! + 1, min - 1, reason, err, this.buffer.get(min)!.eventTime);
        this.last = min - 1;
        continue;
      }
      if (this.liveHigh !== null && this.liveHigh > this.last!) {
        this.declare(this.last! + 1, this.liveHigh, reason, err);
        this.last = this.liveHigh;
        continue;
      }
      if (this.openPending && !this.liveSinceReconnect) {
        this.declare(this.last! + 1, null, reason, err);
        this.acceptNext = true;
      }
      break;
    }
    this.openPending = false;
    this.finish();
  }

  private finish(): void {
    this.progress(true);
    if (this.gapOpen && !this.declaredInEpisode) this.s.gapsFilled++;
    else if (!this.gapOpen && !this.declaredInEpisode && !this.disconnected) this.s.reconnectBackfills++;
    // Ended while the socket is down: still behind, 'whole' comes with the reconnect's catch-up
    // (or the next contiguous live trade) and still names a hole declared before the drop.
    if (!this.disconnected) this.markWhole();
    this.busy = false;
    this.gapOpen = false;
    this.rangeTo = null;
    this.episode = null;
    this.setIdle();
  }

  /** 'whole' (if behind), naming a hole declared since the last one. */
  private markWhole(): void {
    this.markers.markWhole(this.declaredInEpisode ? 'declared_gap' : 'caught_up', this.lastTime);
    this.declaredInEpisode = false;
  }

  private setIdle(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
