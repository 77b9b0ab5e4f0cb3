/**
 * Fixed time windows over venue event time with a watermark. Used for 1 s snapshots (emitEmpty)
 * and for time candles. No timers: the watermark advances with trades (max event time minus the
 * allowed lateness) and with `advanceTo()`, which the caller drives from a clock at the edge so
 * quiet windows close on time instead of waiting for the next trade.
 *
 * A trade for a window already emitted is late: counted, then either amends that window (if
 * still in the bounded history) or is dropped, by policy. An amended window is re-emitted once
 * per batch, not once per late trade: it is queued (once) and emitAmended() sends each queued
 * window whole with revision + 1 (also run before any newer window is emitted, so output stays
 * in window order). Why: when a consumer queue lags, the clock has closed the
 * seconds its queued trades belong to, so nearly every trade is late; one re-emission per trade
 * gave storage one row revision per trade, which it could not keep up with. The owner says when
 * a batch ends (see the onAmendPending hook); without a hook every amendment is emitted at once.
 */
import { OhlcvAcc, type ParsedTrade, type SymbolScales } from './ohlcv-acc.js';
import { upscale, type Scaled } from './exact.js';

export type LatePolicy = 'amend' | 'drop';

/** Decides whether empty windows are produced (market hours); absent means always open. */
export interface SessionGate {
  isOpen(time: number): boolean;
  /** Earliest open time >= time. */
  nextOpen(time: number): number;
}

export interface TimeWindowOptions {
  readonly intervalMs: number;
  readonly allowedLatenessMs: number;
  readonly latePolicy: LatePolicy;
  /** Emitted windows kept for amendments, measured back from the newest closed window end. */
  readonly historyMs: number;
  /** Produce a window carrying the last close when no trade fell in it. */
  readonly emitEmpty: boolean;
  readonly session?: SessionGate | null;
}

export interface TimeWindowStats {
  emitted: number;
  emptyEmitted: number;
  late: number;
  lateAmended: number;
  lateDropped: number;
  /** Late for a window no longer in history (amend impossible): dropped, counted here too. */
  lateTooOld: number;
  /** Re-emissions of amended windows (at most one per window per batch, however many late trades). */
  amendEmissions: number;
}

export type WindowSink = (acc: OhlcvAcc) => void;

export class TimeWindowFold {
  /** Start of the next window to emit; undefined until the first trade. */
  private cursor: number | undefined;
  private readonly open = new Map<number, OhlcvAcc>();
  private readonly history = new Map<number, OhlcvAcc>();
  /** Starts of the windows in history, oldest first from historyHead (pruning without an iterator). */
  private historyStarts: number[] = [];
  private historyHead = 0;
  private lastClose: Scaled | null = null;
  /** The open window the previous trade went to (most trades hit the same one). */
  private hot: OhlcvAcc | null = null;
  private lastCloseScale = 0;
  private maxEventTime = -Infinity;
  /** Amended windows waiting for emitAmended(), each once, in the order first amended. */
  private readonly amended: OhlcvAcc[] = [];
  readonly stats: TimeWindowStats = { emitted: 0, emptyEmitted: 0, late: 0, lateAmended: 0, lateDropped: 0, lateTooOld: 0, amendEmissions: 0 };

  /**
   * `onAmendPending`: called when a first window is queued for re-emission; the owner then calls
   * emitAmended() once the batch of trades in hand is folded. Absent: every amendment is emitted
   * at once.
   */
  constructor(
    readonly opts: TimeWindowOptions,
    private readonly scales: SymbolScales,
    private readonly sink: WindowSink,
    private readonly onAmendPending?: () => void,
  ) {}

  /** Watermark: windows ending at or before it are closed. */
  get watermark(): number {
    return this.maxEventTime - this.opts.allowedLatenessMs;
  }

  /**
   * Fold one trade. Returns false when it was late (its window already closed: amended or
   * dropped by policy), true when it went into an open window.
   */
  add(t: ParsedTrade): boolean {
    const trade = t.trade;
    const time = trade.eventTime;
    const hot = this.hot;
    let onTime = true;
    // Most trades hit the window of the previous one: no modulo, no map lookup.
    if (hot !== null && time >= hot.startTime && time < hot.endTime) hot.addTimed(t, time, trade.seq ?? 0);
    else onTime = this.addCold(t);
    if (time > this.maxEventTime) {
      this.maxEventTime = time;
      this.advanceTo(time - this.opts.allowedLatenessMs);
    }
    return onTime;
  }

  private addCold(t: ParsedTrade): boolean {
    const time = t.trade.eventTime;
    const iv = this.opts.intervalMs;
    let rem = time % iv;
    if (rem < 0) rem += iv;
    const start = time - rem;
    this.prime(time);
    if (start < (this.cursor as number)) {
      this.late(t, start);
      return false;
    }
    let acc = this.open.get(start);
    if (acc === undefined) {
      acc = new OhlcvAcc(start, start + iv, this.scales);
      this.open.set(start, acc);
    }
    acc.addTimed(t, time, t.trade.seq ?? 0);
    this.hot = acc;
    return true;
  }

  /** Set the first cursor from the first trade's time, exactly as add() would (no-op after). */
  prime(time: number): void {
    if (this.cursor !== undefined) return;
    const iv = this.opts.intervalMs;
    const start = time - (((time % iv) + iv) % iv);
    const wm = time - this.opts.allowedLatenessMs;
    this.cursor = Math.min(start, wm - (((wm % iv) + iv) % iv));
  }

  /**
   * Resume after a restart from stored windows: `emitted` (oldest first) were already emitted
   * and stay amendable in history (a later trade of theirs re-emits them with revision+1);
   * `open` is the window at `cursor`, rebuilt and not yet emitted (its revision set above the
   * stored one); the next window to emit is `cursor`. Only before the first trade.
   */
  seed(cursor: number, emitted: readonly OhlcvAcc[], open: OhlcvAcc | null): void {
    if (this.cursor !== undefined) throw new Error('seed() after the fold started');
    this.cursor = cursor;
    for (const acc of emitted) {
      const last = acc.lastPrice();
      if (last !== null) {
        this.lastClose = last;
        this.lastCloseScale = acc.priceScale;
      }
      if (this.opts.latePolicy === 'amend' && acc.startTime < cursor && !this.history.has(acc.startTime)) {
        this.history.set(acc.startTime, acc);
        this.historyStarts.push(acc.startTime);
      }
    }
    if (open !== null && open.count > 0 && open.startTime >= cursor) this.open.set(open.startTime, open);
  }

  /**
   * Derived folds: a trade that went into the finer fold's open window is not added here (its
   * closed bucket arrives through addBucket) but still moves this fold's watermark, exactly
   * as add() would.
   */
  observe(t: ParsedTrade): void {
    const time = t.trade.eventTime;
    if (time > this.maxEventTime) {
      this.maxEventTime = time;
      this.advanceTo(time - this.opts.allowedLatenessMs);
    }
  }

  /** Whether a trade at this venue time would go into an open window (not late). */
  isOpenAt(time: number): boolean {
    return this.cursor !== undefined && time >= this.cursor;
  }

  /**
   * Merge a just-closed bucket of a finer fold (same lateness, interval dividing this one,
   * windows aligned). The caller routes each trade either into the finer fold only (our window
   * was open when it came: it arrives here inside its bucket) or to add() (late there or here).
   * Same watermark, finer windows close first: a bucket whose window here is open held only the
   * former; one whose window here is closed (only after flush()) only the latter, so it is skipped.
   */
  addBucket(b: OhlcvAcc): void {
    if (b.count === 0) return;
    const iv = this.opts.intervalMs;
    const bs = b.startTime;
    const hot = this.hot;
    if (hot !== null && bs >= hot.startTime && bs < hot.endTime) {
      hot.merge(b);
      return;
    }
    const start = bs - (((bs % iv) + iv) % iv);
    if (this.cursor === undefined || start < this.cursor) return;
    let acc = this.open.get(start);
    if (acc === undefined) {
      acc = new OhlcvAcc(start, start + iv, this.scales);
      this.open.set(start, acc);
    }
    this.hot = acc;
    acc.merge(b);
  }

  /** Close every window whose end is <= closeTime (venue time). */
  advanceTo(closeTime: number): void {
    // Small enough to inline into add(): most trades close nothing (and a non-inlined call would
    // box the time into a fresh heap number on every trade).
    if (this.cursor !== undefined && this.cursor + this.opts.intervalMs <= closeTime) this.close(closeTime);
  }

  private close(closeTime: number): void {
    if (this.cursor === undefined) return;
    const iv = this.opts.intervalMs;
    while (this.cursor + iv <= closeTime) {
      const start = this.cursor;
      const acc = this.open.get(start);
      if (acc !== undefined) {
        this.open.delete(start);
        if (this.hot === acc) this.hot = null;
        this.emit(acc);
        this.cursor += iv;
        continue;
      }
      if (!this.opts.emitEmpty || this.lastClose === null) {
        // Nothing to emit until the next open window: jump straight to it (or to the bound).
        this.cursor = this.nextOpenStart(closeTime);
        continue;
      }
      const session = this.opts.session;
      if (session && !session.isOpen(start)) {
        const next = session.nextOpen(start);
        if (!Number.isFinite(next)) {
          this.cursor = this.nextOpenStart(closeTime); // no session ahead: nothing empty to emit
          continue;
        }
        const aligned = next - (((next % iv) + iv) % iv);
        this.cursor = Math.max(start + iv, Math.min(aligned, this.nextOpenStart(closeTime)));
        continue;
      }
      const empty = new OhlcvAcc(start, start + iv, this.scales);
      empty.carry = upscale(this.lastClose, empty.priceScale - this.lastCloseScale);
      this.emit(empty);
      this.cursor += iv;
    }
  }

  /**
   * After a declared hole (TradeGap): the windows up to `time` are unknown, not quiet. Emits the
   * open windows before it as they are, then moves the cursor to `time`'s window without
   * emitting empty ones in between.
   */
  jumpTo(time: number): void {
    if (this.cursor === undefined) return;
    const iv = this.opts.intervalMs;
    const start = time - (((time % iv) + iv) % iv);
    if (start <= this.cursor) return;
    const before = [...this.open.keys()].filter((k) => k < start).sort((a, b) => a - b);
    for (const k of before) {
      const acc = this.open.get(k) as OhlcvAcc;
      this.open.delete(k);
      if (this.hot === acc) this.hot = null;
      this.cursor = k;
      this.emit(acc);
    }
    this.cursor = start;
  }

  /** Amended windows queued for re-emission. */
  get amendPending(): number {
    return this.amended.length;
  }

  /**
   * Re-emit every queued amended window once, whole (all its trades so far), with revision + 1.
   * Older windows than any open one: the caller runs it before closing new windows.
   */
  emitAmended(): void {
    const list = this.amended;
    if (list.length === 0) return;
    for (let i = 0; i < list.length; i++) {
      const acc = list[i] as OhlcvAcc;
      acc.amendQueued = false;
      acc.revision++;
      this.stats.amendEmissions++;
      this.sink(acc);
    }
    list.length = 0;
  }

  /** Close all windows now (shutdown, end of a replay); queued amendments go out first. */
  flush(): void {
    this.emitAmended();
    let last = -Infinity;
    for (const start of this.open.keys()) if (start > last) last = start;
    if (last > -Infinity) this.advanceTo(last + this.opts.intervalMs);
  }

  /** Windows not yet emitted (bounded by lateness / interval + 1). */
  get openWindows(): number {
    return this.open.size;
  }

  get historySize(): number {
    return this.history.size;
  }

  private nextOpenStart(closeTime: number): number {
    const iv = this.opts.intervalMs;
    let min = Infinity;
    for (const start of this.open.keys()) if (start < min) min = start;
    const bound = closeTime - (((closeTime % iv) + iv) % iv);
    return Math.min(min, bound);
  }

  private emit(acc: OhlcvAcc): void {
    // Queued amendments of older windows go out before a newer window's first emission: the
    // fold's output stays in window order, and this costs at most one re-emission per closed window.
    if (this.amended.length !== 0) this.emitAmended();
    this.stats.emitted++;
    if (acc.empty) this.stats.emptyEmitted++;
    const last = acc.lastPrice();
    if (last !== null) {
      this.lastClose = last;
      this.lastCloseScale = acc.priceScale;
    }
    if (this.opts.latePolicy === 'amend') {
      this.history.set(acc.startTime, acc);
      this.historyStarts.push(acc.startTime);
      this.prune(acc.endTime);
    }
    this.sink(acc);
  }

  private prune(newestEnd: number): void {
    const keepFrom = newestEnd - this.opts.historyMs;
    // Windows are emitted (so listed) in increasing start order.
    const starts = this.historyStarts;
    let head = this.historyHead;
    while (head < starts.length && (starts[head] as number) < keepFrom) this.history.delete(starts[head++] as number);
    if (head > 1024 && head * 2 > starts.length) {
      this.historyStarts = starts.slice(head);
      head = 0;
    }
    this.historyHead = head;
  }

  private late(t: ParsedTrade, start: number): void {
    this.stats.late++;
    if (this.opts.latePolicy === 'drop') {
      this.stats.lateDropped++;
      return;
    }
    const acc = this.history.get(start);
    if (acc === undefined) {
      this.stats.lateTooOld++;
      this.stats.lateDropped++;
      return;
    }
    acc.addTimed(t, t.trade.eventTime, t.trade.seq ?? 0);
    this.stats.lateAmended++;
    if (acc.endTime === this.cursor) {
      // The newest emitted window changed: later empty windows must carry its new close.
      this.lastClose = acc.lastPrice();
      this.lastCloseScale = acc.priceScale;
    }
    if (!acc.amendQueued) {
      acc.amendQueued = true;
      this.amended.push(acc);
      if (this.amended.length === 1 && this.onAmendPending !== undefined) this.onAmendPending();
    }
    if (this.onAmendPending === undefined) this.emitAmended();
  }
}
