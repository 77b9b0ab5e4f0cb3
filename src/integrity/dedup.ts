/**
 * Duplicate suppression across rotation overlaps and A/B redundant connections, where the same
 * event arrives twice. Two shapes: ids that only grow (MonotonicDedup: anything at or below the
 * high-water mark was delivered) and arbitrary keys (DedupWindow: a bounded FIFO set of the last
 * N keys per stream, for Bybit trade UUIDs, klines, liquidations).
 */
import { DEFAULT_INTEGRITY_DEDUP_WINDOW_ITEMS } from '../config/defaults/integrity.js';

export class DedupWindow {
  private readonly seen = new Map<string, Set<string>>();
  private readonly order = new Map<string, string[]>();
  private heads = new Map<string, number>();
  dropped = 0;

  constructor(private readonly maxItemsPerStream = DEFAULT_INTEGRITY_DEDUP_WINDOW_ITEMS) {}

  /** True the first time `key` is seen on `stream` (within the window); false for a duplicate. */
  firstSeen(stream: string, key: string): boolean {
    let set = this.seen.get(stream);
    let fifo = this.order.get(stream);
    if (set === undefined || fifo === undefined) {
      set = new Set();
      fifo = [];
      this.seen.set(stream, set);
      this.order.set(stream, fifo);
      this.heads.set(stream, 0);
    }
    if (set.has(key)) {
      this.dropped++;
      return false;
    }
    set.add(key);
    fifo.push(key);
    if (set.size > this.maxItemsPerStream) {
      let head = this.heads.get(stream)!;
      set.delete(fifo[head]!);
      head++;
      // Compact the FIFO now and then instead of shifting on every insert.
      if (head > this.maxItemsPerStream) {
        fifo.splice(0, head);
        head = 0;
      }
      this.heads.set(stream, head);
    }
    return true;
  }

  reset(stream: string): void {
    this.seen.delete(stream);
    this.order.delete(stream);
    this.heads.delete(stream);
  }
}

export class MonotonicDedup {
  /** A holder per stream: raising the mark updates a field in place (a Map value above 2^31 would be a new heap number per set). */
  private readonly high = new Map<string, { h: number }>();
  /** The last stream's holder: consecutive tickers are mostly of one symbol, whose string the fast path interns (a pointer compare, no Map lookup). */
  private lastStream = '';
  private lastHolder: { h: number } | undefined = undefined;
  dropped = 0;

  /** True when `id` is above the stream's high-water mark (and raises it); false for a replay. */
  accept(stream: string, id: number): boolean {
    let m = this.lastHolder;
    if (m === undefined || stream !== this.lastStream) {
      m = this.high.get(stream);
      if (m === undefined) this.high.set(stream, (m = { h: id - 1 }));
      this.lastStream = stream;
      this.lastHolder = m;
    }
    if (id <= m.h) {
      this.dropped++;
      return false;
    }
    m.h = id;
    return true;
  }

  highWater(stream: string): number | undefined {
    return this.high.get(stream)?.h;
  }
}
