/**
 * Loss repair for one trade stream without a sequence (Bybit publicTrade: execIds, no ids to see a
 * gap by). The only repair source is the venue's page of its most recent trades, so:
 * - live trades are deduplicated by tradeId against a window that covers several REST pages;
 * - on a reconnect (or an explicit check) the page is fetched; while it is in flight live trades
 *   of the stream are buffered (bounded), then the page's trades not yet delivered and the
 *   buffered live ones are released in venue time order, each exactly once;
 * - the periodic reconciliation fetches the same page but does not hold live trades back (no
 *   latency spike every period); a reconnect during it supersedes it at once;
 * - a backfilled trade older than one already delivered is emitted late (counted in `late`):
 *   without a sequence a frame lost inside a live stream is only seen afterwards;
 * - a full page that shares no trade with what was delivered may not reach back to the outage:
 *   trades older than the page are lost and reported (onWindowExceeded).
 */
import type { Trade } from '../model/events.js';
import { integrityDefaults } from '../config/defaults/integrity.js';
import { realTimers, type IntegrityTimers } from './timers.js';

/** The venue's newest trades of a symbol, newest first (Bybit's order), and the page size asked for. */
export interface RecentTradesPage {
  readonly trades: readonly Trade[];
  readonly limit: number;
}

export type FetchRecentTrades = (symbol: string, source: string) => Promise<RecentTradesPage>;

export type RecentCheckReason = 'reconnect' | 'reconcile' | 'requested';

export interface RecentTradeBackfillOptions {
  readonly symbol: string;
  readonly source: string;
  readonly fetchRecent?: FetchRecentTrades;
  readonly emit: (t: Trade) => void;
  /** Trade ids remembered for dedup; kept at least windowPages x the page size. */
  readonly windowItems?: number;
  readonly windowPages?: number;
  readonly maxBuffered?: number;
  readonly retryDelayMs?: number;
  readonly maxAttempts?: number;
  readonly timers?: IntegrityTimers;
  /** The page did not reach back to the last delivered trade: older missed trades are lost. */
  readonly onWindowExceeded?: (info: { readonly recovered: number; readonly oldestPageTime: number; readonly lastDeliveredTime: number }) => void;
  readonly onFailed?: (error: unknown) => void;
}

export interface RecentTradeBackfillStats {
  fetches: number;
  fetchFailures: number;
  /** Checks that completed (page merged). */
  checks: number;
  reconnectBackfills: number;
  reconciliations: number;
  /** Trades taken from the REST page that the socket never delivered. */
  tradesBackfilled: number;
  /** Of those, emitted after a newer trade had already gone out. */
  late: number;
  duplicatesDropped: number;
  overflowDropped: number;
  windowExceeded: number;
  checksFailed: number;
  buffered: number;
}

/** Bounded insertion-ordered id set. */
class IdWindow {
  private readonly ids = new Set<string>();
  constructor(public max: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
  }
}

export class RecentTradeBackfill {
  private readonly seen: IdWindow;
  /** Time of the first trade this stream delivered: older page rows predate the subscription. */
  private firstTime: number | null = null;
  private newestTime = -Infinity;
  private busy = false;
  /** The running fetch holds live trades back (reconnect/requested, not reconcile). */
  private holdLive = false;
  private current: RecentCheckReason | null = null;
  /** Bumped per fetch: the answer of a superseded fetch is ignored. */
  private epoch = 0;
  private pending: RecentCheckReason | null = null;
  private closed = false;
  private timer: unknown = null;
  private readonly buffer = new Map<string, Trade>();
  private readonly waiters: (() => void)[] = [];
  private readonly s: RecentTradeBackfillStats = {
    fetches: 0, fetchFailures: 0, checks: 0, reconnectBackfills: 0, reconciliations: 0, tradesBackfilled: 0, late: 0,
    duplicatesDropped: 0, overflowDropped: 0, windowExceeded: 0, checksFailed: 0, buffered: 0,
  };
  private readonly maxBuffered: number;
  private readonly retryDelayMs: number;
  private readonly maxAttempts: number;
  private readonly timers: IntegrityTimers;

  constructor(private readonly opts: RecentTradeBackfillOptions) {
    this.seen = new IdWindow(opts.windowItems ?? integrityDefaults.dedupWindowItems);
    this.maxBuffered = opts.maxBuffered ?? integrityDefaults.maxBufferedTrades;
    this.retryDelayMs = opts.retryDelayMs ?? integrityDefaults.retryDelayMs;
    this.maxAttempts = opts.maxAttempts ?? integrityDefaults.maxFetchAttempts;
    this.timers = opts.timers ?? realTimers;
  }

  push(t: Trade): void {
    if (this.closed) return;
    if (this.firstTime === null) this.firstTime = t.eventTime;
    if (this.seen.has(t.tradeId)) {
      this.s.duplicatesDropped++;
      return;
    }
    if (this.busy && this.holdLive) {
      if (this.buffer.has(t.tradeId)) this.s.duplicatesDropped++;
      else if (this.buffer.size >= this.maxBuffered) this.s.overflowDropped++; // the next check refetches it if still in the page
      else this.buffer.set(t.tradeId, t);
      return;
    }
    this.deliver(t);
  }

  /** Fetch the recent-trade page and emit what was missed. No-op before the stream's first trade. */
  check(reason: RecentCheckReason): void {
    if (this.closed || this.firstTime === null) return;
    if (this.busy && this.current === 'reconcile' && reason !== 'reconcile') {
      // Live trades must be held from now on: restart as the stronger check.
      if (this.timer !== null) this.timers.clearTimeout(this.timer);
      this.timer = null;
      this.fetch(reason, 0);
      return;
    }
    if (this.busy) {
      // A reconnect outranks a reconciliation queued behind the running fetch.
      if (this.pending === null || reason === 'reconnect') this.pending = reason;
      return;
    }
    this.fetch(reason, 0);
  }

  /** Resolves when no fetch is running or scheduled. */
  idle(): Promise<void> {
    return this.busy ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }

  stats(): RecentTradeBackfillStats {
    return { ...this.s, buffered: this.buffer.size };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.buffer.clear();
    this.busy = false;
    this.setIdle();
  }

  private deliver(t: Trade): void {
    this.seen.add(t.tradeId);
    if (t.eventTime > this.newestTime) this.newestTime = t.eventTime;
    this.opts.emit(t);
  }

  private fetch(reason: RecentCheckReason, attempt: number): void {
    const epoch = ++this.epoch;
    this.busy = true;
    this.current = reason;
    this.holdLive = reason !== 'reconcile';
    const fetcher = this.opts.fetchRecent;
    if (fetcher === undefined) {
      this.fail(new Error('no recent-trades fetcher configured'));
      return;
    }
    this.s.fetches++;
    let p: Promise<RecentTradesPage>;
    try {
      p = fetcher(this.opts.symbol, this.opts.source);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (page) => { if (!this.closed && epoch === this.epoch) this.merge(page, reason); },
      (err: unknown) => {
        if (this.closed || epoch !== this.epoch) return;
        this.s.fetchFailures++;
        if (attempt + 1 >= this.maxAttempts) {
          this.fail(err);
          return;
        }
        this.timer = this.timers.setTimeout(() => {
          this.timer = null;
          if (!this.closed && epoch === this.epoch) this.fetch(reason, attempt + 1);
        }, this.retryDelayMs);
      },
    );
  }

  private merge(page: RecentTradesPage, reason: RecentCheckReason): void {
    // The dedup window must cover the pages this stream is checked against.
    const want = page.limit * (this.opts.windowPages ?? integrityDefaults.recentTradesWindowPages);
    if (want > this.seen.max) this.seen.max = want;
    const first = this.firstTime!;
    const rows = page.trades.filter((r) => r.symbol === this.opts.symbol && r.eventTime >= first);
    // Oldest first, in the venue's order (also within a ms).
    const ordered = rows.slice().reverse();
    // A page row before one already delivered is late even within the same ms (page = venue order).
    let lastSeenAt = -1;
    ordered.forEach((r, i) => { if (this.seen.has(r.tradeId)) lastSeenAt = i; });
    const pageIndex = new Map(ordered.map((r, i) => [r.tradeId, i]));
    const overlaps = lastSeenAt >= 0;
    const fromPage = new Set<string>();
    const union: Trade[] = [];
    for (const r of ordered) {
      if (fromPage.has(r.tradeId) || this.seen.has(r.tradeId)) continue;
      fromPage.add(r.tradeId);
      union.push(this.buffer.get(r.tradeId) ?? r);
    }
    for (const [id, t] of this.buffer) if (!fromPage.has(id)) union.push(t);
    union.sort((a, b) => a.eventTime - b.eventTime); // stable: venue order within a ms
    const newestBefore = this.newestTime;
    let recovered = 0;
    for (const t of union) {
      if (this.seen.has(t.tradeId)) {
        this.s.duplicatesDropped++;
        continue;
      }
      if (!this.buffer.has(t.tradeId)) {
        recovered++;
        this.s.tradesBackfilled++;
        if (t.eventTime < this.newestTime || (pageIndex.get(t.tradeId) ?? Infinity) < lastSeenAt) this.s.late++;
      }
      this.deliver(t);
    }
    this.buffer.clear();
    if (recovered > 0 && !overlaps && page.trades.length >= page.limit && newestBefore !== -Infinity) {
      this.s.windowExceeded++;
      this.opts.onWindowExceeded?.({ recovered, oldestPageTime: ordered[0]?.eventTime ?? 0, lastDeliveredTime: newestBefore });
    }
    this.s.checks++;
    if (reason === 'reconnect') this.s.reconnectBackfills++;
    else if (reason === 'reconcile') this.s.reconciliations++;
    this.finish();
  }

  /** Give up on this check: release the buffer (in arrival order) so the stream keeps flowing. */
  private fail(err: unknown): void {
    this.s.checksFailed++;
    this.opts.onFailed?.(err);
    for (const t of this.buffer.values()) if (!this.seen.has(t.tradeId)) this.deliver(t);
    this.buffer.clear();
    this.finish();
  }

  private finish(): void {
    this.busy = false;
    this.holdLive = false;
    this.current = null;
    const next = this.pending;
    this.pending = null;
    if (next !== null && !this.closed) {
      this.fetch(next, 0);
      return;
    }
    this.setIdle();
  }

  private setIdle(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
